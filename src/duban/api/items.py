"""Item routes: list, detail, timeline, available actions and every lifecycle action.

All routes live under ``/api/items``. Reads start from ``duban.items.access.visible_items`` (through the
selectors), so an item the caller may not see is a 404 on every route, GET or POST, exactly as on the
pages. Writes call ``duban.items.services.do_*``, which re-check visibility, role, state and
``expected_version`` inside one transaction; their errors become 403/404/409/422 responses with the
Chinese message in ``detail`` (see ``duban.api.main``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

from django.db.models import prefetch_related_objects
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import File, Form, Query, Router
from ninja.files import UploadedFile
from ninja.responses import Status

from duban.accounts import audit
from duban.core.lifecycle import LEVEL_LABELS, STATE_LABELS, TRANSITIONS
from duban.items import services
from duban.items.access import visible_items
from duban.items.errors import NOT_FOUND, STALE_VERSION, InvalidInput, ItemNotFound, StateConflict
from duban.items.models import (
    Assignment,
    Attachment,
    ExtensionRequest,
    Item,
    Objection,
)
from duban.items.selectors import ItemFilter, filtered_items, item_detail, timeline
from duban.org.models import Unit, User

from . import schemas as s
from .actions import available_actions
from .render import json_response

router = Router(tags=["督查事项"])

ERRORS: dict[int, type[s.ErrorOut]] = {403: s.ErrorOut, 404: s.ErrorOut, 409: s.ErrorOut, 422: s.ErrorOut}
RESULT: dict[int, Any] = {200: s.ActionResult, **ERRORS}

_STATE_LABELS = {st.value: label for st, label in STATE_LABELS.items()}
_LEVEL_LABELS = {lv.value: label for lv, label in LEVEL_LABELS.items()}
_ACTION_LABELS = {a.value: t.label for a, t in TRANSITIONS.items()}


# --- batch actions (registered first: /batch/{action} must win over /{item_id}/{action}) ----------


class BatchIn(s.Schema):
    """批量操作: the items, and the fields of the per-item action (those that do not apply are ignored)."""

    items: list[int] = s.Field(description="事项 id 列表（一次最多 5000 个）")
    dry_run: bool = s.Field(False, description="只检查、不执行：返回将处理和将拒绝的事项")
    expected_versions: dict[int, int] = s.Field(default_factory=dict, description="事项 id → 版本（可选）")
    opinion: str = ""
    lead_unit: int | None = None
    lead_part: str = ""
    co_units: list[s.CoUnitIn] = s.Field(default_factory=list)
    deadline: s.dt.date | None = None
    deadline_working_days: int | None = s.Field(None, ge=1, le=500)
    channel: str = "platform"
    requirements: str | None = None
    responsible_leader: str = ""
    responsible_section: str = ""
    responsible_person: str = ""
    responsible_phone: str = ""
    work_plan: str = ""
    text: str = ""
    follow_up: str = "none"
    custodian: int | None = None


class RefusalOut(s.Schema):
    item_id: int | None
    code: str = s.Field(description="编号（仅对有权查看的事项）")
    title: str
    reason: str = s.Field(description="中文原因，与逐项操作的提示相同")
    status: int = s.Field(description="逐项操作时的状态码：403 / 404 / 409 / 422")


class BatchOut(s.Schema):
    action: str
    dry_run: bool
    done: list[int] = s.Field(description="已处理（dry_run 时为将处理）的事项 id")
    refused: list[RefusalOut]


@router.post("/batch/{action}", response={200: BatchOut, **ERRORS},
             summary="批量操作：approve / assign / receive / report_progress / report_completion / office_accept / "
                     "leader_pass / archive")
def batch_action(request: HttpRequest, action: str, payload: BatchIn) -> dict[str, Any]:
    """Each item is checked exactly as by its per-item route; the valid ones are processed, the others
    are listed in ``refused`` with the reason (an item is never half-written). 422 when the request
    itself is invalid (unknown action, no items, unknown unit or custodian)."""
    from duban.items import batch

    params = payload.dict()
    params["co_units"] = [c.dict() for c in payload.co_units]
    result = batch.run_named(action, actor=_user(request), items=payload.items, params=params,
                             dry_run=payload.dry_run, expected_versions=payload.expected_versions or None)
    return {
        "action": result.action, "dry_run": result.dry_run, "done": result.done,
        "refused": [{"item_id": r.item_id, "code": r.code, "title": r.title, "reason": r.reason,
                     "status": r.status} for r in result.refused],
    }


# --- helpers --------------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _visible_item(request: HttpRequest, item_id: int) -> Item:
    """The item if the caller may see it; otherwise 404 (never 403: do not reveal that it exists)."""
    item = visible_items(_user(request)).filter(pk=item_id).first()
    if item is None:
        raise ItemNotFound(NOT_FOUND)
    return item


def _unknown(field: str, label: str, value: int) -> InvalidInput:
    message = f"{label}（{field}）不存在：{value}。"
    return InvalidInput(message, field_errors={field: message})


def _unit(user: User, unit_id: int, field: str, label: str) -> Unit:
    unit = Unit.objects.filter(pk=unit_id, jurisdiction_id=user.jurisdiction_id).first()
    if unit is None:
        raise _unknown(field, label, unit_id)
    return unit


def _person(user: User, person_id: int, field: str, label: str) -> User:
    person = User.objects.filter(pk=person_id, jurisdiction_id=user.jurisdiction_id).first()
    if person is None:
        raise _unknown(field, label, person_id)
    return person


def _result(item_id: int, **created: int) -> s.ActionResult:
    item = Item.objects.only("id", "code", "state", "version", "deadline", "return_count").get(pk=item_id)
    return s.ActionResult(
        item=s.ItemStatus(
            id=item.pk, code=item.code, state=item.state, state_label=_STATE_LABELS[item.state],
            version=item.version, deadline=item.deadline, return_count=item.return_count,
        ),
        created=created,
    )


def _ref(obj: Unit | None) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": obj.name}


def _person_ref(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "name": user.display_name}


# --- reads ----------------------------------------------------------------------------------------


@router.get("/", response=s.ItemPage, summary="事项列表（筛选、分页）")
def list_items(request: HttpRequest, params: Query[s.ListParams]) -> HttpResponse:
    """Same filters as the list page (``selectors.ItemFilter``); newest first (by id).

    Two queries whatever the page size: the page of items and one query for their units. Page with
    ``after_id`` (the previous page's ``next_after_id``) for deep pages; ``offset`` also works.
    """
    f = ItemFilter(
        state=params.state.strip(), level=params.level.strip(), source=params.source.strip(),
        unit=params.unit, overdue=params.overdue, q=params.q.strip()[:100],
    )
    qs = filtered_items(_user(request), f)
    if params.after_id is not None:
        qs = qs.filter(pk__lt=params.after_id)
    rows = list(
        qs.order_by("-id").values_list(
            "id", "code", "title", "level", "state", "source", "confidential", "deadline",
            "deadline_provisional", "return_count", "next_due_at",
        )[params.offset: params.offset + params.limit + 1]
    )
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    lead: dict[int, dict[str, Any]] = {}
    co: dict[int, list[dict[str, Any]]] = {}
    if rows:
        for item_id, role, unit_id, unit_name in (
            Assignment.objects.filter(item_id__in=[r[0] for r in rows])
            .order_by("item_id", "id")
            .values_list("item_id", "role", "unit_id", "unit__name")
        ):
            ref = {"id": unit_id, "name": unit_name}
            if role == Assignment.Role.LEAD:
                lead[item_id] = ref
            else:
                co.setdefault(item_id, []).append(ref)
    items = [
        {
            "id": r[0], "code": r[1], "title": r[2],
            "level": r[3], "level_label": _LEVEL_LABELS.get(r[3], r[3]),
            "state": r[4], "state_label": _STATE_LABELS.get(r[4], r[4]), "source": r[5], "confidential": r[6],
            "deadline": r[7], "deadline_provisional": r[8], "lead_unit": lead.get(r[0]),
            "co_units": co.get(r[0], []), "return_count": r[9], "next_due_at": r[10],
        }
        for r in rows
    ]
    page = {
        "items": items, "limit": params.limit, "offset": params.offset,
        "next_after_id": rows[-1][0] if more and rows else None,
    }
    # Rows are built from typed columns; skip re-validating them through pydantic (the list must be fast).
    return json_response(page)


@router.get("/{item_id}", response={200: s.ItemDetail, 404: s.ErrorOut}, summary="事项详情")
def get_item(request: HttpRequest, item_id: int) -> dict[str, Any]:
    item = item_detail(_user(request), item_id)
    if item is None:
        raise ItemNotFound(NOT_FOUND)
    audit.log_item_read(request, item)  # issue #8 §2: every read of a confidential item is audited
    prefetch_related_objects(
        [item], "registered_by", "custodian", "assignments__objections__filed_by",
        "extension_requests__requested_by", "attachments__uploaded_by",
    )
    assignments = list(item.assignments.all())
    by_id = {a.pk: a for a in assignments}
    return {
        "id": item.pk, "code": item.code, "title": item.title, "content": item.content,
        "source": item.source, "source_label": item.get_source_display(), "source_detail": item.source_detail,
        "level": item.level, "level_label": _LEVEL_LABELS[item.level],
        "state": item.state, "state_label": _STATE_LABELS[item.state],
        "confidential": item.confidential, "requirements": item.requirements, "channel": item.channel,
        "supervising_leader": _person_ref(item.supervising_leader),
        "deadline": item.deadline, "deadline_working_days": item.deadline_working_days,
        "deadline_provisional": item.deadline_provisional,
        "registered_by": _person_ref(item.registered_by), "registered_at": item.registered_at,
        "approved_at": item.approved_at, "assigned_at": item.assigned_at, "completed_at": item.completed_at,
        "closed_at": item.closed_at, "archived_at": item.archived_at,
        "custodian": _person_ref(item.custodian),
        "return_count": item.return_count, "resupervise_count": item.resupervise_count,
        "next_due_at": item.next_due_at, "version": item.version,
        "assignments": [
            {
                "id": a.pk, "unit": _ref(a.unit), "role": a.role, "role_label": a.get_role_display(),
                "part": a.part, "state": a.state, "state_label": a.get_state_display(),
                "received_at": a.received_at, "responsible_leader": a.responsible_leader,
                "responsible_section": a.responsible_section, "responsible_person": a.responsible_person,
                "responsible_phone": a.responsible_phone, "work_plan": a.work_plan,
                "last_report_at": a.last_report_at,
                "milestones": [
                    {"id": m.pk, "title": m.title, "due_on": m.due_on, "done_at": m.done_at}
                    for m in a.milestones.all()
                ],
            }
            for a in assignments
        ],
        "objections": [
            {
                "id": o.pk, "unit": _ref(a.unit), "text": o.text, "filed_at": o.filed_at,
                "filed_by": _person_ref(o.filed_by), "late": o.late, "outcome": o.outcome,
                "outcome_label": o.get_outcome_display(), "answer": o.answer, "answered_at": o.answered_at,
            }
            for a in assignments
            for o in a.objections.all()
        ],
        "reports": [
            {
                "id": r.pk, "kind": r.kind, "kind_label": r.get_kind_display(),
                "unit": _ref(by_id[r.assignment_id].unit if r.assignment_id in by_id else None),
                "text": r.text, "submitted_at": r.submitted_at, "submitted_by": _person_ref(r.submitted_by),
            }
            for r in item.reports.all()
        ],
        "extension_requests": [
            {
                "id": e.pk, "requested_deadline": e.requested_deadline, "reason": e.reason,
                "requested_at": e.requested_at, "requested_by": _person_ref(e.requested_by),
                "state": e.state, "state_label": e.get_state_display(), "decision_note": e.decision_note,
                "decided_at": e.decided_at,
            }
            for e in item.extension_requests.all()
        ],
        "reviews": [
            {
                "id": r.pk, "stage": r.stage, "stage_label": r.get_stage_display(), "outcome": r.outcome,
                "outcome_label": r.get_outcome_display(), "opinion": r.opinion, "follow_up": r.follow_up,
                "reviewed_at": r.reviewed_at, "reviewed_by": _person_ref(r.reviewed_by),
            }
            for r in item.reviews.all()
        ],
        "attachments": [
            {
                "id": f.pk, "original_name": f.original_name, "size": f.size, "sha256": f.sha256,
                "step": f.step, "uploaded_at": f.uploaded_at, "uploaded_by": _person_ref(f.uploaded_by),
                "url": reverse("api:item_attachment", kwargs={"item_id": item.pk, "attachment_id": f.pk}),
            }
            for f in item.attachments.all()
        ],
    }


@router.get("/{item_id}/timeline", response={200: list[s.EventOut], 404: s.ErrorOut}, summary="事项时间线")
def get_timeline(request: HttpRequest, item_id: int) -> list[dict[str, Any]]:
    """Every ledger event of the item, oldest first: who, when, what, why, before and after."""
    item = _visible_item(request, item_id)
    return [
        {
            "seq": e.seq, "kind": e.kind, "label": _ACTION_LABELS.get(e.kind, e.kind), "at": e.at,
            "actor_name": e.actor_name, "unit": _ref(e.unit), "rule_id": e.rule_id, "summary": e.summary,
            "reason": e.reason, "before": e.before or {}, "after": e.after or {}, "data": e.data or {},
        }
        for e in timeline(item)
    ]


@router.get(
    "/{item_id}/actions", response={200: list[s.ActionOut], 404: s.ErrorOut}, summary="当前可执行的操作"
)
def get_actions(request: HttpRequest, item_id: int) -> list[dict[str, Any]]:
    item = _visible_item(request, item_id)
    return [
        {
            "action": a.action.value, "label": a.label, "rule_id": a.rule_id, "method": "POST",
            "path": a.path(item.pk), "target_id": a.target_id,
        }
        for a in available_actions(_user(request), item)
    ]


@router.get(
    "/{item_id}/attachments/{attachment_id}", response={200: None, 404: s.ErrorOut},
    url_name="item_attachment", summary="下载附件",
)
def download_attachment(request: HttpRequest, item_id: int, attachment_id: int) -> HttpResponse:
    item = _visible_item(request, item_id)
    attachment = Attachment.objects.filter(pk=attachment_id, item=item).first()
    if attachment is None:
        raise ItemNotFound("附件不存在或您无权查看。")
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)


# --- actions --------------------------------------------------------------------------------------


@router.post("/", response={201: s.ActionResult, **ERRORS}, summary="立项（S0-9）")
def register(request: HttpRequest, payload: s.RegisterIn) -> Status[s.ActionResult]:
    user = _user(request)
    leader = (
        _person(user, payload.supervising_leader, "supervising_leader", "主管领导")
        if payload.supervising_leader is not None else None
    )
    item = services.do_register(
        actor=user, title=payload.title, content=payload.content, source=payload.source.value,
        level=payload.level.value, source_detail=payload.source_detail, requirements=payload.requirements,
        deadline=payload.deadline, deadline_working_days=payload.deadline_working_days,
        confidential=payload.confidential, supervising_leader=leader,
    )
    return Status(201, _result(item.pk))


def _simple(
    request: HttpRequest, item_id: int, expected_version: int | None, call: Callable[..., Any], **kwargs: Any
) -> Any:
    item = _visible_item(request, item_id)
    return call(actor=_user(request), item=item, expected_version=expected_version, **kwargs)


@router.post("/{item_id}/approve", response=RESULT, summary="审定（S0-9）")
def approve(request: HttpRequest, item_id: int, payload: s.ApproveIn) -> s.ActionResult:
    _simple(request, item_id, payload.expected_version, services.do_approve, opinion=payload.opinion)
    return _result(item_id)


@router.post("/{item_id}/decline", response=RESULT, summary="审定不通过，退回（S1-五(一)）")
def decline(request: HttpRequest, item_id: int, payload: s.DeclineIn) -> s.ActionResult:
    _simple(request, item_id, payload.expected_version, services.do_decline, reason=payload.reason)
    return _result(item_id)


@router.post("/{item_id}/resubmit", response=RESULT, summary="修改后重新报审（S1-五(一)）")
def resubmit(request: HttpRequest, item_id: int, payload: s.ResubmitIn) -> s.ActionResult:
    _simple(
        request, item_id, payload.expected_version, services.do_resubmit, title=payload.title,
        content=payload.content, level=payload.level.value if payload.level else None, note=payload.note,
    )
    return _result(item_id)


@router.post("/{item_id}/assign", response=RESULT, summary="交办（S1-五(二)）")
def assign(request: HttpRequest, item_id: int, payload: s.AssignIn) -> s.ActionResult:
    item = _visible_item(request, item_id)
    user = _user(request)
    lead = _unit(user, payload.lead_unit, "lead_unit", "牵头单位")
    co_units = [
        services.CoUnit(_unit(user, c.unit, f"co_units[{i}].unit", "配合单位"), c.part)
        for i, c in enumerate(payload.co_units)
    ]
    services.do_assign(
        actor=user, item=item, lead_unit=lead, lead_part=payload.lead_part, co_units=co_units,
        deadline=payload.deadline, deadline_working_days=payload.deadline_working_days,
        channel=payload.channel.value, requirements=payload.requirements,
        expected_version=payload.expected_version,
    )
    return _result(item_id)


@router.post("/{item_id}/receive", response=RESULT, summary="签收（S0-10）")
def receive(request: HttpRequest, item_id: int, payload: s.ReceiveIn) -> s.ActionResult:
    assignment = _simple(
        request, item_id, payload.expected_version, services.do_receive,
        responsible_leader=payload.responsible_leader, responsible_section=payload.responsible_section,
        responsible_person=payload.responsible_person, responsible_phone=payload.responsible_phone,
        work_plan=payload.work_plan,
        milestones=[services.PlannedMilestone(m.title, m.due_on) for m in payload.milestones],
    )
    return _result(item_id, assignment=assignment.pk)


@router.post("/{item_id}/objections", response=RESULT, summary="提出异议（S0-10，签收当日）")
def file_objection(request: HttpRequest, item_id: int, payload: s.TextIn) -> s.ActionResult:
    objection = _simple(request, item_id, payload.expected_version, services.do_object, text=payload.text)
    return _result(item_id, objection=objection.pk)


@router.post("/{item_id}/objections/{objection_id}/answer", response=RESULT, summary="答复异议（S0-10）")
def answer_objection(
    request: HttpRequest, item_id: int, objection_id: int, payload: s.AnswerObjectionIn
) -> s.ActionResult:
    item = _visible_item(request, item_id)
    objection = Objection.objects.filter(pk=objection_id, assignment__item=item).first()
    if objection is None:
        raise ItemNotFound("异议不存在。")
    services.do_answer_objection(
        actor=_user(request), item=item, objection=objection, accept=payload.accept, answer=payload.answer,
        new_deadline=payload.new_deadline, expected_version=payload.expected_version,
    )
    return _result(item_id)


@router.post("/{item_id}/reports/progress", response=RESULT, summary="报送进展（S0-8）")
def report_progress(request: HttpRequest, item_id: int, payload: s.TextIn) -> s.ActionResult:
    report = _simple(
        request, item_id, payload.expected_version, services.do_report_progress, text=payload.text
    )
    return _result(item_id, report=report.pk)


@router.post("/{item_id}/reports/unable", response=RESULT, summary="配合单位报告无法配合（S1-五(三)）")
def report_unable(request: HttpRequest, item_id: int, payload: s.TextIn) -> s.ActionResult:
    report = _simple(request, item_id, payload.expected_version, services.do_report_unable, text=payload.text)
    return _result(item_id, report=report.pk)


@router.post("/{item_id}/extensions", response=RESULT, summary="申请延期（S1-五(三)）")
def request_extension(request: HttpRequest, item_id: int, payload: s.ExtensionIn) -> s.ActionResult:
    ext = _simple(
        request, item_id, payload.expected_version, services.do_request_extension,
        requested_deadline=payload.requested_deadline, reason=payload.reason,
    )
    return _result(item_id, extension=ext.pk)


@router.post("/{item_id}/extensions/{extension_id}/decide", response=RESULT, summary="审批延期（S1-五(三)）")
def decide_extension(
    request: HttpRequest, item_id: int, extension_id: int, payload: s.DecideExtensionIn
) -> s.ActionResult:
    item = _visible_item(request, item_id)
    ext = ExtensionRequest.objects.filter(pk=extension_id, item=item).first()
    if ext is None:
        raise ItemNotFound("延期申请不存在。")
    services.do_decide_extension(
        actor=_user(request), item=item, request=ext, approve=payload.approve, note=payload.note,
        expected_version=payload.expected_version,
    )
    return _result(item_id)


@router.post("/{item_id}/reports/completion", response=RESULT, summary="报送办结（S0-12）")
def report_completion(request: HttpRequest, item_id: int, payload: s.TextIn) -> s.ActionResult:
    report = _simple(
        request, item_id, payload.expected_version, services.do_report_completion, text=payload.text
    )
    return _result(item_id, report=report.pk)


@router.post("/{item_id}/office-accept", response=RESULT, summary="督查室审核通过（S0-12）")
def office_accept(request: HttpRequest, item_id: int, payload: s.OpinionIn) -> s.ActionResult:
    review = _simple(
        request, item_id, payload.expected_version, services.do_office_accept, opinion=payload.opinion
    )
    return _result(item_id, review=review.pk)


@router.post("/{item_id}/office-return", response=RESULT, summary="退回重办（S1-五(五)）")
def office_return(request: HttpRequest, item_id: int, payload: s.ReasonsIn) -> s.ActionResult:
    review = _simple(
        request, item_id, payload.expected_version, services.do_office_return, reasons=payload.reasons
    )
    return _result(item_id, review=review.pk)


@router.post("/{item_id}/leader-pass", response=RESULT, summary="领导审阅通过（S0-13）")
def leader_pass(request: HttpRequest, item_id: int, payload: s.LeaderPassIn) -> s.ActionResult:
    review = _simple(
        request, item_id, payload.expected_version, services.do_leader_pass, opinion=payload.opinion,
        follow_up=payload.follow_up,
    )
    return _result(item_id, review=review.pk)


@router.post("/{item_id}/leader-resupervise", response=RESULT, summary="领导要求再督查（S1-五(六)）")
def leader_resupervise(request: HttpRequest, item_id: int, payload: s.ReasonsIn) -> s.ActionResult:
    review = _simple(
        request, item_id, payload.expected_version, services.do_leader_resupervise, reasons=payload.reasons
    )
    return _result(item_id, review=review.pk)


@router.post("/{item_id}/archive", response=RESULT, summary="立卷归档（S0-14）")
def archive(request: HttpRequest, item_id: int, payload: s.ArchiveIn) -> s.ActionResult:
    item = _visible_item(request, item_id)
    user = _user(request)
    custodian = _person(user, payload.custodian, "custodian", "保管人") if payload.custodian else user
    services.do_archive(actor=user, item=item, custodian=custodian, expected_version=payload.expected_version)
    return _result(item_id)


@router.post(
    "/{item_id}/attachments", response={201: s.ActionResult, **ERRORS}, summary="上传附件（multipart）"
)
def upload_attachment(
    request: HttpRequest,
    item_id: int,
    file: File[UploadedFile],
    step: Form[str] = "",
    expected_version: Form[int | None] = None,
) -> Status[s.ActionResult]:
    """``file``: the document (size and type limited, see settings ``DUBAN_ATTACHMENT_*``);
    ``step``: the lifecycle step it belongs to (e.g. ``report_completion``)."""
    item = _visible_item(request, item_id)
    if expected_version is not None and item.version != expected_version:
        raise StateConflict(STALE_VERSION)
    attachment = services.do_attach(actor=_user(request), item=item, upload=file, step_name=step)
    return Status(201, _result(item_id, attachment=attachment.pk))


def route_table() -> Iterable[tuple[str, str]]:
    """(method, path template) of every item route, for tests and docs."""
    for path, view in router.path_operations.items():
        for op in view.operations:
            for method in op.methods:
                yield method, path
