"""Urging-ticket routes (S0-11, S0-15): list, detail, sign, acknowledge, answer, explanation, override.

Same permissions as the pages: the services check the signer's role (S0-11) and the unit; a ticket on
an item the caller cannot see is 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from duban.items.errors import ItemNotFound
from duban.items.models import Item
from duban.org.models import User
from duban.urging import selectors, services
from duban.urging.models import Ticket

router = Router(tags=["催办单"])


class TicketOut(Schema):
    id: int
    item_id: int
    item_code: str
    item_title: str
    unit_id: int
    unit_name: str
    colour: str
    colour_label: str
    trigger: str
    rule_id: str
    reason: str
    override_reason: str
    state: str
    number: str
    signer_role: str
    copy_to: list[str]
    drafted_at: dt.datetime
    issued_at: dt.datetime | None
    signed_by: str | None
    answer_due_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    answered_at: dt.datetime | None
    answer: str
    objective_cause: bool
    plan: str
    plan_signed_by: str
    in_person_explanation: str


class TicketFilter(Schema):
    state: str = Field("", description="drafted / issued / acknowledged / answered / cancelled")
    colour: str = Field("", description="blue / yellow / red")
    to_sign: bool = Field(False, description="只看我可以签发的")


class AnswerIn(Schema):
    answer: str
    objective_cause: bool = False
    plan: str = ""
    plan_signed_by: str = ""


class TextIn(Schema):
    text: str


class OverrideIn(Schema):
    item_id: int
    unit_id: int
    colour: str
    reason: str


def _out(t: Ticket) -> dict[str, Any]:
    return {
        **{f: getattr(t, f) for f in (
            "id", "item_id", "unit_id", "colour", "colour_label", "trigger", "rule_id", "reason",
            "override_reason", "state", "number", "signer_role", "copy_to", "drafted_at", "issued_at",
            "answer_due_at", "acknowledged_at", "answered_at", "answer", "objective_cause", "plan",
            "plan_signed_by", "in_person_explanation")},
        "item_code": t.item.code, "item_title": t.item.title, "unit_name": t.unit.name,
        "signed_by": t.signed_by.display_name if t.signed_by else None,
    }


def _ticket(request: HttpRequest, ticket_id: int) -> Ticket:
    user: User = request.user  # type: ignore[assignment]
    ticket = selectors.visible_tickets(user).filter(pk=ticket_id).first()
    if ticket is None:
        raise ItemNotFound("催办单不存在或您无权查看。")
    return ticket


@router.get("/", response=list[TicketOut], summary="催办单列表")
def list_tickets(request: HttpRequest, filters: Query[TicketFilter]) -> list[dict[str, Any]]:
    user: User = request.user  # type: ignore[assignment]
    if filters.to_sign:
        return [_out(t) for t in selectors.tickets_to_sign(user)]
    qs = selectors.visible_tickets(user)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.colour:
        qs = qs.filter(colour=filters.colour)
    return [_out(t) for t in qs[:500]]


@router.post("/override", response=TicketOut, summary="督查室越级拟制高等级催办单（须书面理由）")
def override(request: HttpRequest, payload: OverrideIn) -> dict[str, Any]:
    from duban.items.access import visible_items

    item = visible_items(request.user).filter(pk=payload.item_id).first()  # type: ignore[arg-type]
    if item is None:
        raise ItemNotFound("事项不存在或您无权查看。")
    assert isinstance(item, Item)
    return _out(services.do_override_ticket(actor=request.user, item=item, unit_id=payload.unit_id,  # type: ignore[arg-type]
                                            colour=payload.colour, reason=payload.reason))


@router.get("/{ticket_id}", response=TicketOut, summary="催办单详情")
def get_ticket(request: HttpRequest, ticket_id: int) -> dict[str, Any]:
    return _out(_ticket(request, ticket_id))


@router.post("/{ticket_id}/sign", response=TicketOut,
             summary="签发（S0-11：蓝-办公室主要领导，黄-分管领导，红-主要领导）")
def sign(request: HttpRequest, ticket_id: int) -> dict[str, Any]:
    return _out(services.do_sign_ticket(actor=request.user, ticket=_ticket(request, ticket_id)))  # type: ignore[arg-type]


@router.post("/{ticket_id}/acknowledge", response=TicketOut, summary="被催办单位签收")
def acknowledge(request: HttpRequest, ticket_id: int) -> dict[str, Any]:
    return _out(services.do_acknowledge_ticket(actor=request.user,  # type: ignore[arg-type]
                                               ticket=_ticket(request, ticket_id)))


@router.post("/{ticket_id}/answer", response=TicketOut,
             summary="反馈（S0-15(一)：2 日内；客观原因须附计划及领导签字）")
def answer(request: HttpRequest, ticket_id: int, payload: AnswerIn) -> dict[str, Any]:
    return _out(services.do_answer_ticket(actor=request.user, ticket=_ticket(request, ticket_id),  # type: ignore[arg-type]
                                          **payload.dict()))


@router.post("/{ticket_id}/explanation", response=TicketOut, summary="记录当面说明（S0-15(二)）")
def explanation(request: HttpRequest, ticket_id: int, payload: TextIn) -> dict[str, Any]:
    return _out(services.do_record_explanation(actor=request.user,  # type: ignore[arg-type]
                                               ticket=_ticket(request, ticket_id), explanation=payload.text))


@router.post("/{ticket_id}/cancel", response=TicketOut, summary="撤销待签发催办单")
def cancel(request: HttpRequest, ticket_id: int, payload: TextIn) -> dict[str, Any]:
    return _out(services.do_cancel_ticket(actor=request.user, ticket=_ticket(request, ticket_id),  # type: ignore[arg-type]
                                          reason=payload.text))
