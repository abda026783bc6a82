"""``/api/inspections``: inspections, the team draw (S3c), findings and the three lists (S4-二(二)).

Same permissions as the pages: reads go through ``access``; writes through ``services`` (403/404/409/422
with the Chinese message in ``detail``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from duban.items.errors import InvalidInput, ItemNotFound
from duban.org.models import Unit, User

from . import access, services
from .models import Entry, Inspection, Inspector, TeamRequest

router = Router(tags=["三查三单"])
NOT_FOUND = "记录不存在或您无权查看。"


class MemberOut(Schema):
    id: int
    inspector_id: int
    name: str
    pool: str
    unit_id: int | None
    consent: str
    active: bool
    no_show: bool


class InspectionOut(Schema):
    id: int
    code: str
    kind: str
    title: str
    state: str
    starts_on: dt.date
    ends_on: dt.date
    report_due: dt.date | None
    report_rule: str
    target_ids: list[int]
    team_request_id: int | None
    seed: int | None
    members: list[MemberOut]


class EntryOut(Schema):
    id: int
    inspection_id: int
    number: int
    content: str
    kind: str
    state: str
    unit_id: int
    lead_unit_id: int | None
    co_unit_ids: list[int]
    person_id: int | None
    measures: str
    deadline: dt.date | None
    deadline_rule: str
    report_due: dt.date | None
    key_supervision: bool
    item_id: int | None
    version: int


class InspectorOut(Schema):
    id: int
    pool: str
    name: str
    unit_id: int | None
    active: bool
    task_count: int


class TeamRequestIn(Schema):
    wanted: dict[str, int] = Field(description="人员库 → 人数：full_time / part_time / invited / companion")
    reason: str
    approver_id: int
    limits: dict[str, int] | None = None
    adjustment_reason: str = ""


class DecisionIn(Schema):
    approve: bool
    note: str = ""


class DrawIn(Schema):
    seed: int | None = Field(None, description="留空则随机生成并记录")


class FindingIn(Schema):
    unit_id: int
    kind: str = Field(description="general / major / policy_making / lazy_governance")
    description: str
    suggestion: str = ""
    typical: bool = False
    location: str = ""
    deadline: dt.date | None = None


class AnswerIn(Schema):
    measures: str
    deadline: dt.date | None = None
    timetable: str = ""
    expected_version: int | None = None


class TextIn(Schema):
    text: str
    expected_version: int | None = None


class ResponsibilityIn(Schema):
    lead_unit_id: int | None = None
    co_unit_ids: list[int] = []
    person_id: int | None = None
    deadline: dt.date | None = None
    measures: str = ""
    cause: str = Field("own", description="own / co_noncooperation（S3b-12(一)）")
    expected_version: int | None = None


class VerifyIn(Schema):
    close: bool
    note: str
    on_site: bool = False
    new_deadline: dt.date | None = None
    expected_version: int | None = None


class FollowUpIn(Schema):
    rebound: bool
    note: str
    new_deadline: dt.date | None = None
    expected_version: int | None = None


class EntryFilter(Schema):
    state: str = ""
    unit_id: int | None = None
    inspection_id: int | None = None
    key_supervision: bool | None = None


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _inspection(request: HttpRequest, pk: int) -> Inspection:
    found = access.visible_inspections(_user(request)).filter(pk=pk).first()
    if found is None:
        raise ItemNotFound(NOT_FOUND)
    return found


def _entry(request: HttpRequest, pk: int) -> Entry:
    found = access.visible_entries(_user(request)).filter(pk=pk).first()
    if found is None:
        raise ItemNotFound(NOT_FOUND)
    return found


def _unit(user: User, pk: int | None) -> Unit | None:
    if pk is None:
        return None
    unit = Unit.objects.filter(pk=pk, jurisdiction_id=user.jurisdiction_id).first()
    if unit is None:
        raise InvalidInput(f"单位 {pk} 不存在。", field_errors={"unit_id": "不存在"})
    return unit


def _person(user: User, pk: int | None) -> User | None:
    if pk is None:
        return None
    person = User.objects.filter(pk=pk, jurisdiction_id=user.jurisdiction_id).first()
    if person is None:
        raise InvalidInput(f"人员 {pk} 不存在。", field_errors={"person_id": "不存在"})
    return person


def _inspection_out(i: Inspection) -> dict[str, Any]:
    req = TeamRequest.objects.filter(inspection=i).first()
    return {
        "id": i.pk, "code": i.code, "kind": i.kind, "title": i.title, "state": i.state, "starts_on": i.starts_on,
        "ends_on": i.ends_on, "report_due": i.report_due, "report_rule": i.report_rule,
        "target_ids": list(i.targets.values_list("pk", flat=True)), "team_request_id": req.pk if req else None,
        "seed": req.seed if req else None,
        "members": [{"id": m.pk, "inspector_id": m.inspector_id, "name": m.inspector.name, "pool": m.pool,
                     "unit_id": m.inspector.unit_id, "consent": m.consent, "active": m.active, "no_show": m.no_show}
                    for m in i.members.select_related("inspector")],
    }


def _entry_out(e: Entry) -> dict[str, Any]:
    return {
        "id": e.pk, "inspection_id": e.inspection_id, "number": e.number, "content": e.content, "kind": e.kind,
        "state": e.state, "unit_id": e.unit_id, "lead_unit_id": e.lead_unit_id,
        "co_unit_ids": [u.pk for u in e.co_units.all()], "person_id": e.person_id, "measures": e.measures,
        "deadline": e.deadline, "deadline_rule": e.deadline_rule, "report_due": e.report_due,
        "key_supervision": e.key_supervision, "item_id": e.item_id, "version": e.version,
    }


@router.get("/", response=list[InspectionOut], summary="巡查督查列表")
def list_inspections(request: HttpRequest) -> list[dict[str, Any]]:
    return [_inspection_out(i) for i in access.visible_inspections(_user(request))[:200]]


@router.get("/pools", response=list[InspectorOut], summary="一网三库：督查人员（S3c）")
def list_pools(request: HttpRequest) -> list[Inspector]:
    user = _user(request)
    if not access.reads_all(user):
        return []
    return list(Inspector.objects.filter(jurisdiction_id=user.jurisdiction_id))


@router.get("/entries", response=list[EntryOut], summary="三单台帐（筛选）")
def list_entries(request: HttpRequest, filters: Query[EntryFilter]) -> list[dict[str, Any]]:
    qs = access.visible_entries(_user(request)).prefetch_related("co_units")
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.unit_id is not None:
        qs = qs.filter(lead_unit_id=filters.unit_id) | qs.filter(unit_id=filters.unit_id)
    if filters.inspection_id is not None:
        qs = qs.filter(inspection_id=filters.inspection_id)
    if filters.key_supervision is not None:
        qs = qs.filter(key_supervision=filters.key_supervision)
    return [_entry_out(e) for e in qs.distinct()[:1000]]


@router.get("/entries/{entry_id}", response=EntryOut, summary="三单条目")
def get_entry(request: HttpRequest, entry_id: int) -> dict[str, Any]:
    return _entry_out(_entry(request, entry_id))


@router.get("/{inspection_id}", response=InspectionOut, summary="巡查督查详情（含督查组与抽选种子）")
def get_inspection(request: HttpRequest, inspection_id: int) -> dict[str, Any]:
    return _inspection_out(_inspection(request, inspection_id))


@router.post("/{inspection_id}/team-request", response=InspectionOut, summary="抽调督查人员请示（S3c-9、S3c-10）")
def team_request(request: HttpRequest, inspection_id: int, payload: TeamRequestIn) -> dict[str, Any]:
    user = _user(request)
    insp = _inspection(request, inspection_id)
    approver = _person(user, payload.approver_id)
    assert approver is not None
    services.do_request_team(actor=user, inspection=insp, wanted=payload.wanted, reason=payload.reason,
                             approver=approver, limits=payload.limits, adjustment_reason=payload.adjustment_reason)
    return _inspection_out(insp)


def _request_row(request: HttpRequest, inspection_id: int) -> TeamRequest:
    insp = _inspection(request, inspection_id)
    row = TeamRequest.objects.filter(inspection=insp).first()
    if row is None:
        raise ItemNotFound("尚无抽调请示。")
    return row


@router.post("/{inspection_id}/team-request/decide", response=InspectionOut, summary="分管领导审批（S3c-10）")
def decide_request(request: HttpRequest, inspection_id: int, payload: DecisionIn) -> dict[str, Any]:
    row = _request_row(request, inspection_id)
    services.do_decide_team_request(actor=_user(request), request=row, approve=payload.approve, note=payload.note)
    return _inspection_out(row.inspection)


@router.post("/{inspection_id}/team-request/draw", response=InspectionOut, summary="双随机抽选（S3c-11，种子可复现）")
def draw(request: HttpRequest, inspection_id: int, payload: DrawIn) -> dict[str, Any]:
    row = _request_row(request, inspection_id)
    services.do_draw_team(actor=_user(request), request=row, seed=payload.seed)
    return _inspection_out(row.inspection)


@router.post("/{inspection_id}/findings", response={201: EntryOut}, summary="登记发现问题（问题清单 S4-二(二)1）")
def add_finding(request: HttpRequest, inspection_id: int, payload: FindingIn) -> Status:
    user = _user(request)
    unit = _unit(user, payload.unit_id)
    assert unit is not None
    entry = services.do_record_finding(actor=user, inspection=_inspection(request, inspection_id), unit=unit,
                                       kind=payload.kind, description=payload.description,
                                       suggestion=payload.suggestion, typical=payload.typical,
                                       location=payload.location, deadline=payload.deadline)
    return Status(201, _entry_out(entry))


@router.post("/entries/{entry_id}/answer", response=EntryOut, summary="报送整改措施（S4-二(二)2；无时限按 S3d）")
def answer(request: HttpRequest, entry_id: int, payload: AnswerIn) -> dict[str, Any]:
    return _entry_out(services.do_answer(actor=_user(request), entry=_entry(request, entry_id),
                                         measures=payload.measures, deadline=payload.deadline,
                                         timetable=payload.timetable, expected_version=payload.expected_version))


@router.post("/entries/{entry_id}/escalate", response=EntryOut, summary="书面上报无法解决的问题（S4-二(二)2）")
def escalate(request: HttpRequest, entry_id: int, payload: TextIn) -> dict[str, Any]:
    return _entry_out(services.do_escalate(actor=_user(request), entry=_entry(request, entry_id), text=payload.text,
                                           expected_version=payload.expected_version))


@router.post("/entries/{entry_id}/responsibility", response=EntryOut,
             summary="列入责任清单：牵头单位、配合单位、具体责任人（S4-二(二)3）")
def responsibility(request: HttpRequest, entry_id: int, payload: ResponsibilityIn) -> dict[str, Any]:
    user = _user(request)
    co_units = [u for u in (_unit(user, pk) for pk in payload.co_unit_ids) if u is not None]
    return _entry_out(services.do_assign_responsibility(
        actor=user, entry=_entry(request, entry_id), lead_unit=_unit(user, payload.lead_unit_id),
        co_units=co_units, person=_person(user, payload.person_id), deadline=payload.deadline,
        measures=payload.measures, cause=payload.cause, expected_version=payload.expected_version))


@router.post("/entries/{entry_id}/report", response=EntryOut, summary="报送整改落实情况（S4-二(二)3）")
def report(request: HttpRequest, entry_id: int, payload: TextIn) -> dict[str, Any]:
    return _entry_out(services.do_report_rectification(actor=_user(request), entry=_entry(request, entry_id),
                                                       text=payload.text, expected_version=payload.expected_version))


@router.post("/entries/{entry_id}/verify", response=EntryOut, summary="核验：销号或重新整改（S4-二(二)3）")
def verify(request: HttpRequest, entry_id: int, payload: VerifyIn) -> dict[str, Any]:
    return _entry_out(services.do_verify(actor=_user(request), entry=_entry(request, entry_id), close=payload.close,
                                         note=payload.note, on_site=payload.on_site,
                                         new_deadline=payload.new_deadline,
                                         expected_version=payload.expected_version))


@router.post("/entries/{entry_id}/follow-up", response=EntryOut, summary="回头看（S4-二(二)）")
def follow_up(request: HttpRequest, entry_id: int, payload: FollowUpIn) -> dict[str, Any]:
    return _entry_out(services.do_follow_up(actor=_user(request), entry=_entry(request, entry_id),
                                            rebound=payload.rebound, note=payload.note,
                                            new_deadline=payload.new_deadline,
                                            expected_version=payload.expected_version))


@router.post("/entries/{entry_id}/item", response=EntryOut, summary="问题转督查事项（S4-一）")
def spawn_item(request: HttpRequest, entry_id: int) -> dict[str, Any]:
    return _entry_out(services.do_spawn_item(actor=_user(request), entry=_entry(request, entry_id)))
