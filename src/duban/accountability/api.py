"""``/api/accountability``: cases (S3a), their S3a-9 hand-overs, sanctions and appeals."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status

from duban.core import accountability as core
from duban.items.errors import InvalidInput, ItemNotFound
from duban.org.models import Unit, User

from . import services
from .models import Case

router = Router(tags=["责任追究"])


class SanctionIO(Schema):
    sanction: str = Field(description="unit_check / unit_circulate / person_check / person_circulate / admonish / "
                                      "org_adjust / discipline")
    person_id: int | None = None


class CaseOut(Schema):
    id: int
    number: str
    unit_id: int
    person_id: int | None
    trigger: str
    trigger_rule_id: str
    summary: str
    state: str
    competent_unit_id: int | None
    implementing_unit_id: int | None
    verification_skipped: bool
    return_count: int
    publication: str
    sanctions: list[SanctionIO]
    opened_at: dt.datetime
    version: int
    next_party: str | None


class OpenIn(Schema):
    unit_id: int
    trigger: str = Field(description="S3a-5(一) … S3a-5(六)")
    summary: str
    facts: str = ""
    person_id: int | None = None


class StepIn(Schema):
    text: str = ""
    competent_unit_id: int | None = None
    implementing_unit_id: int | None = None
    sanctions: list[SanctionIO] = []
    coordination: str = ""
    publication: str = Field("", description="internal / public")
    expected_version: int | None = None


class AppealIn(Schema):
    appellant: str
    kind: str = Field(description="review / complaint")
    text: str


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _case(request: HttpRequest, pk: int) -> Case:
    case = services.visible_cases(_user(request)).filter(pk=pk).first()
    if case is None:
        raise ItemNotFound(services.NOT_FOUND)
    return case


def _unit(user: User, pk: int | None) -> Unit | None:
    if pk is None:
        return None
    unit = Unit.objects.filter(pk=pk, jurisdiction_id=user.jurisdiction_id).first()
    if unit is None:
        raise InvalidInput(f"单位 {pk} 不存在。")
    return unit


def _out(c: Case) -> dict[str, Any]:
    party = core.waiting_on(c.state_enum)
    return {
        "id": c.pk, "number": c.number, "unit_id": c.unit_id, "person_id": c.person_id, "trigger": c.trigger,
        "trigger_rule_id": c.trigger_rule_id, "summary": c.summary, "state": c.state,
        "competent_unit_id": c.competent_unit_id, "implementing_unit_id": c.implementing_unit_id,
        "verification_skipped": c.verification_skipped, "return_count": c.return_count,
        "publication": c.publication, "opened_at": c.opened_at, "version": c.version,
        "sanctions": [{"sanction": s.sanction, "person_id": s.person_id}
                      for s in c.sanctions.filter(round=c.proposal_round)],
        "next_party": party.value if party else None,
    }


@router.get("/", response=list[CaseOut], summary="问责案件列表")
def list_cases(request: HttpRequest) -> list[dict[str, Any]]:
    return [_out(c) for c in services.visible_cases(_user(request))[:500]]


@router.post("/", response={201: CaseOut}, summary="登记问责线索（S3a-5）")
def open_case(request: HttpRequest, payload: OpenIn) -> Status:
    user = _user(request)
    unit = _unit(user, payload.unit_id)
    assert unit is not None
    person = User.objects.filter(pk=payload.person_id, jurisdiction_id=user.jurisdiction_id).first() \
        if payload.person_id else None
    case = services.do_open_case(actor=user, unit=unit, trigger=payload.trigger, summary=payload.summary,
                                 facts_text=payload.facts, person=person)
    return Status(201, _out(case))


@router.get("/{case_id}", response=CaseOut, summary="问责案件详情")
def get_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
    return _out(_case(request, case_id))


@router.post("/{case_id}/steps/{action}", response=CaseOut,
             summary="S3a-9 环节：hand_over / dismiss / report_verification / skip_verification (S3a-10) / propose / "
                     "review_pass / review_return / approve / return / execute / publish")
def step(request: HttpRequest, case_id: int, action: str, payload: StepIn) -> dict[str, Any]:
    user = _user(request)
    try:
        sanctions = [core.ProposedSanction(core.Sanction(s.sanction), s.person_id) for s in payload.sanctions]
    except ValueError:
        raise InvalidInput("无效的问责方式。", field_errors={"sanctions": "无效"}) from None
    case = services.do_case_action(
        actor=user, case=_case(request, case_id), action=action, text=payload.text,
        competent_unit=_unit(user, payload.competent_unit_id),
        implementing_unit=_unit(user, payload.implementing_unit_id), sanctions=sanctions,
        coordination=payload.coordination, publication=payload.publication, expected_version=payload.expected_version)
    return _out(case)


@router.post("/{case_id}/appeals", response=CaseOut, summary="记录复核申请或申诉（S3a-9(二)）")
def appeal(request: HttpRequest, case_id: int, payload: AppealIn) -> dict[str, Any]:
    case = _case(request, case_id)
    services.do_record_appeal(actor=_user(request), case=case, appellant=payload.appellant, kind=payload.kind,
                              text=payload.text)
    return _out(case)
