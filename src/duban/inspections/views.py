"""Pages of 三查三单 and 一网三库. Reads through ``access``; writes through ``services``; a service error is
shown on the page as a message (and the status in the API). No rules here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from duban.accountability.models import Case
from duban.core import inspection as core
from duban.core import three_lists as lists
from duban.core.accountability import TRIGGER_LABELS
from duban.core.lifecycle import UNIT_ROLES, Role
from duban.items.errors import InvalidInput, ServiceError
from duban.org.models import Unit, User

from . import access, services
from .exports import LISTS, list_workbook
from .models import FINDING_KIND_LABELS, Entry, Inspection, Inspector, TeamMember, TeamRequest


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _date(value: str | None, field: str, *, required: bool = False) -> dt.date | None:
    if not value:
        if required:
            raise InvalidInput("请填写日期。", field_errors={field: "必填"})
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"日期格式应为 YYYY-MM-DD（收到 {value}）。", field_errors={field: "格式错误"}) from None


def _unit(user: User, value: str | None) -> Unit | None:
    if not value:
        return None
    unit = Unit.objects.filter(pk=value, jurisdiction_id=user.jurisdiction_id).first()
    if unit is None:
        raise InvalidInput("所选单位不存在。")
    return unit


def _units(user: User, values: list[str]) -> list[Unit]:
    return [u for u in (_unit(user, v) for v in values if v) if u is not None]


def _person(user: User, value: str | None) -> User | None:
    if not value:
        return None
    person = User.objects.filter(pk=value, jurisdiction_id=user.jurisdiction_id).first()
    if person is None:
        raise InvalidInput("所选人员不存在。")
    return person


def _run(request: HttpRequest, call: Callable[[], Any], ok: str) -> bool:
    try:
        call()
    except ServiceError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, ok)
    return True


def _target_units(inspection: Inspection) -> list[Unit]:
    """The inspected units and the units below them: where a finding may be placed."""
    paths = [t.path for t in inspection.targets.all()]
    units = Unit.objects.filter(jurisdiction_id=inspection.jurisdiction_id, active=True).order_by("path")
    return [u for u in units if any(u.path.startswith(p) for p in paths)]


def _units_of(user: User) -> QuerySet[Unit]:
    return Unit.objects.filter(jurisdiction_id=user.jurisdiction_id, active=True).order_by("path")


# --- 待办: what each person must do ----------------------------------------------------------------

@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    inspections = access.visible_inspections(user).prefetch_related("targets")
    entries = access.visible_entries(user).select_related("inspection", "unit", "lead_unit")
    todo: dict[str, Any] = {}
    if access.is_office(user):
        todo["drafts"] = inspections.filter(state__in=["draft", "approved", "under_way", "report_submitted"])
        todo["to_assign"] = entries.filter(state__in=["measures", "escalated"])
        todo["to_verify"] = entries.filter(state="reported")
        todo["key"] = entries.filter(key_supervision=True).exclude(state="closed")
    if user.has_role(Role.DEPUTY_HEAD, Role.GOV_HEAD, Role.OFFICE_HEAD):
        todo["requests"] = TeamRequest.objects.filter(approver=user, state="pending").select_related("inspection")
        todo["plans"] = Inspection.objects.filter(leader=user, state="plan_pending")
    if user.has_role(Role.INSPECTOR) or user.inspector_profiles.exists():
        todo["my_tasks"] = inspections.filter(state__in=["approved", "under_way", "reporting"])
    if user.unit_id is not None and not access.reads_all(user):
        mine = [e for e in entries.filter(state__in=["problem", "rectifying"]) if access.acts_for_entry_unit(user, e)]
        todo["unit_entries"] = mine
    return render(request, "inspections/home.html", {
        "todo": todo, "inspections": inspections[:100], "is_office": access.is_office(user),
        "kinds": [(k.value, core.KIND_LABELS[k]) for k in core.InspectionKind],
        "units": _units_of(user), "methods": core.PATROL_METHODS + core.INSPECTION_FORMS,
        "tiers": list(services.TIER_LABELS.items()),
        "leaders": User.objects.filter(jurisdiction_id=user.jurisdiction_id,
                                       role_grants__role__in=[Role.DEPUTY_HEAD, Role.GOV_HEAD]).distinct(),
    })


@login_required
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    user, post = _user(request), request.POST
    holder: dict[str, Inspection] = {}

    def call() -> None:
        holder["i"] = services.do_create_inspection(
            actor=user, kind=post.get("kind", ""), title=post.get("title", ""), content=post.get("content", ""),
            targets=_units(user, post.getlist("targets")), methods=post.getlist("methods"),
            leader=_person(user, post.get("leader")) or user,
            starts_on=_date(post.get("starts_on"), "starts_on", required=True) or dt.date.today(),
            ends_on=_date(post.get("ends_on"), "ends_on", required=True) or dt.date.today(),
            rectification_deadline=_date(post.get("rectification_deadline"), "rectification_deadline"),
            body_tier=post.get("body_tier", ""),
        )

    if _run(request, call, "方案已拟定。"):
        return redirect("inspections:detail", holder["i"].pk)
    return redirect("inspections:home")


# --- one inspection --------------------------------------------------------------------------------

def _inspection(request: HttpRequest, pk: int) -> Inspection:
    found = access.visible_inspections(_user(request)).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    insp = _inspection(request, pk)
    request_row = TeamRequest.objects.filter(inspection=insp).first()
    return render(request, "inspections/detail.html", {
        "i": insp, "req": request_row, "members": insp.members.select_related("inspector", "inspector__unit"),
        "entries": insp.entries.select_related("unit", "lead_unit", "finding").prefetch_related("finding__attachments"),
        "notices": insp.notices.select_related("unit"), "deadlines": insp.deadlines.filter(entry__isnull=True)
        .prefetch_related("urges"),
        "is_office": access.is_office(user), "is_leader": insp.leader_id == user.pk,
        "is_approver": request_row is not None and request_row.approver_id == user.pk,
        "is_member": access.is_team_member(user, insp), "targets": insp.targets.all(),
        "is_unit": user.has_role(*UNIT_ROLES) and user.unit_id is not None,
        "pools": [(p.value, core.POOL_LABELS[p], core.DEFAULT_LIMITS[p]) for p in core.Pool],
        "finding_kinds": list(FINDING_KIND_LABELS.items()), "units": _target_units(insp),
        "deputies": User.objects.filter(jurisdiction_id=user.jurisdiction_id, role_grants__role=Role.DEPUTY_HEAD),
        "state_label": core.PLAN_STATE_LABELS[insp.state_enum],
        "triggers": [(t.value, label) for t, label in TRIGGER_LABELS.items()],
        "cases": Case.objects.filter(facts__inspection=insp.pk, jurisdiction_id=insp.jurisdiction_id),
    })


@login_required
@require_POST
def inspection_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user, post = _user(request), request.POST
    insp = _inspection(request, pk)
    req = TeamRequest.objects.filter(inspection=insp).first()

    def member() -> TeamMember:
        found = TeamMember.objects.filter(pk=post.get("member"), inspection=insp).first()
        if found is None:
            raise InvalidInput("请选择督查人员。")
        return found

    def seed() -> int | None:
        raw = post.get("seed", "").strip()
        if not raw:
            return None
        if not raw.isdigit():
            raise InvalidInput("种子须为非负整数。", field_errors={"seed": "格式错误"})
        return int(raw)

    calls: dict[str, tuple[Callable[[], Any], str]] = {
        "request": (lambda: services.do_request_team(
            actor=user, inspection=insp, reason=post.get("reason", ""), approver=_person(user, post.get("approver"))
            or user, wanted={p.value: int(post.get(f"want_{p.value}") or 0) for p in core.Pool},
            limits={p.value: int(post.get(f"limit_{p.value}") or core.DEFAULT_LIMITS[p]) for p in core.Pool},
            adjustment_reason=post.get("adjustment_reason", "")), "抽调请示已报分管领导。"),
        "approve_request": (lambda: services.do_decide_team_request(
            actor=user, request=req or TeamRequest(), approve=True, note=post.get("note", "")), "已同意抽调。"),
        "decline_request": (lambda: services.do_decide_team_request(
            actor=user, request=req or TeamRequest(), approve=False, note=post.get("note", "")), "已退回请示。"),
        "draw": (lambda: services.do_draw_team(actor=user, request=req or TeamRequest(), seed=seed()),
                 "已随机抽选督查组。"),
        "consent": (lambda: services.do_record_consent(actor=user, member=member(), given=post.get("given") == "1",
                                                       note=post.get("note", "")), "已记录。"),
        "replace": (lambda: services.do_replace_member(actor=user, member=member(), reason=post.get("reason", ""),
                                                       no_show=post.get("no_show") == "1"), "已调换。"),
        "submit": (lambda: services.do_submit_plan(actor=user, inspection=insp), "方案已报审。"),
        "approve": (lambda: services.do_decide_plan(actor=user, inspection=insp, approve=True), "方案已审定。"),
        "decline": (lambda: services.do_decide_plan(actor=user, inspection=insp, approve=False,
                                                    note=post.get("note", "")), "方案已退回。"),
        "brief": (lambda: services.do_brief(actor=user, inspection=insp, note=post.get("note", "")), "已部署实施。"),
        "end": (lambda: services.do_end(actor=user, inspection=insp), "现场督查已结束。"),
        "finding": (lambda: services.do_record_finding(
            actor=user, inspection=insp, unit=_unit(user, post.get("unit")) or Unit(), kind=post.get("kind", ""),
            description=post.get("description", ""), suggestion=post.get("suggestion", ""),
            typical=post.get("typical") == "1", location=post.get("location", ""),
            deadline=_date(post.get("deadline"), "deadline"), uploads=request.FILES.getlist("files")),
            "问题已列入问题清单。"),
        "report": (lambda: services.do_submit_report(actor=user, inspection=insp, text=post.get("text", "")),
                   "督查报告已报送。"),
        "accept_report": (lambda: services.do_review_report(actor=user, inspection=insp, accept=True,
                                                            note=post.get("note", "")), "报告已采用。"),
        "return_report": (lambda: services.do_review_report(actor=user, inspection=insp, accept=False,
                                                            note=post.get("note", "")), "已要求补充或重新报送。"),
        "notice": (lambda: services.do_issue_notice(actor=user, inspection=insp,
                                                    unit=_unit(user, post.get("unit")) or Unit(),
                                                    praise=post.get("praise") == "1", text=post.get("text", "")),
                   "通报已发出。"),
        "refer": (lambda: services.do_refer_for_accountability(
            actor=user, inspection=insp, unit=_unit(user, post.get("unit")) or Unit(),
            trigger=post.get("trigger", ""), summary=post.get("summary", "")), "已移送问责线索。"),
        "obstruction": (lambda: services.do_record_obstruction(actor=user, inspection=insp,
                                                               unit=_unit(user, post.get("unit")) or Unit(),
                                                               text=post.get("text", "")), "已记录并移送问责线索。"),
    }
    if action not in calls:
        raise Http404
    call, ok = calls[action]
    try:
        _run(request, call, ok)
    except ValueError:
        messages.error(request, "人数须为整数。")
    return redirect("inspections:detail", insp.pk)


# --- pools -----------------------------------------------------------------------------------------

@login_required
def pools(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not access.reads_all(user):
        raise Http404
    if request.method == "POST":
        post = request.POST
        if post.get("inspector"):
            inspector = Inspector.objects.filter(pk=post["inspector"], jurisdiction_id=user.jurisdiction_id).first()
            if inspector is None:
                raise Http404
            changes: dict[str, Any] = {}
            if post.get("pool"):
                changes["pool"] = post["pool"]
            if "unit" in post:
                changes["unit"] = _unit(user, post.get("unit"))
            if "active" in post:
                changes["active"] = post.get("active") == "1"
            _run(request, lambda: services.do_change_inspector(actor=user, inspector=inspector,
                                                               reason=post.get("reason", ""), changes=changes),
                 "变动已记录。")
        else:
            _run(request, lambda: services.do_add_inspector(
                actor=user, pool=post.get("pool", ""), name=post.get("name", ""), unit=_unit(user, post.get("unit")),
                linked_units=_units(user, post.getlist("linked_units")), title=post.get("title", ""),
                specialty=post.get("specialty", ""), phone=post.get("phone", "")), "已入库。")
        return redirect("inspections:pools")
    rows = Inspector.objects.filter(jurisdiction_id=user.jurisdiction_id).select_related("unit").prefetch_related(
        "linked_units", "changes")
    return render(request, "inspections/pools.html", {
        "groups": [(core.POOL_LABELS[p], [r for r in rows if r.pool == p.value]) for p in core.Pool],
        "pools": [(p.value, core.POOL_LABELS[p]) for p in core.Pool], "units": _units_of(user),
        "is_office": access.is_office(user),
    })


# --- the ledger of the three lists and one entry --------------------------------------------------

def _filtered(request: HttpRequest) -> tuple[QuerySet[Entry], dict[str, str]]:
    user = _user(request)
    f = {k: request.GET.get(k, "") for k in ("list", "state", "unit", "inspection", "key", "typical", "q")}
    qs = access.visible_entries(user).select_related("inspection", "unit", "lead_unit", "person").prefetch_related(
        "co_units")
    if f["list"] == "problem":
        qs = qs.filter(state__in=["problem", "escalated"])
    elif f["list"] == "measures":
        qs = qs.exclude(state__in=["problem", "escalated"])
    elif f["list"] == "responsibility":
        qs = qs.filter(lead_unit__isnull=False)
    if f["state"]:
        qs = qs.filter(state=f["state"])
    if f["unit"].isdigit():
        unit = Unit.objects.filter(pk=f["unit"]).first()
        if unit is not None:
            qs = qs.filter(unit__path__startswith=unit.path) | qs.filter(lead_unit__path__startswith=unit.path)
    if f["inspection"].isdigit():
        qs = qs.filter(inspection_id=f["inspection"])
    if f["key"] == "1":
        qs = qs.filter(key_supervision=True)
    if f["typical"] == "1":  # S3c-14 不落实典型事项清单
        qs = qs.filter(finding__typical=True)
    if f["q"]:
        qs = qs.filter(content__icontains=f["q"])
    return qs.distinct().order_by("inspection_id", "number"), f


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    qs, f = _filtered(request)
    user = _user(request)
    template = "inspections/_ledger_table.html" if getattr(request, "htmx", False) else "inspections/ledger.html"
    return render(request, template, {
        "entries": qs[:500], "f": f, "states": [(s.value, lists.STATE_LABELS[s]) for s in lists.EntryState],
        "units": _units_of(user), "lists": LISTS, "inspections": access.visible_inspections(user)[:200],
    })


@login_required
def export(request: HttpRequest, which: str) -> HttpResponse:
    if which not in LISTS:
        raise Http404
    qs, _f = _filtered(request)
    data = list_workbook(which, qs, _user(request))
    response = StreamingHttpResponse(iter([data]),
                                     content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    from django.utils.http import content_disposition_header

    response["Content-Disposition"] = content_disposition_header(True, f"{LISTS[which]}.xlsx")
    return response


def _entry(request: HttpRequest, pk: int) -> Entry:
    found = access.visible_entries(_user(request)).filter(pk=pk).select_related(
        "inspection", "unit", "lead_unit", "person", "finding", "item").first()
    if found is None:
        raise Http404
    return found


@login_required
def entry_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    entry = _entry(request, pk)
    who = lists.Who.OFFICE if access.is_office(user) else lists.Who.UNIT
    actions = lists.allowed_actions(entry.state_enum, who)
    if who is lists.Who.UNIT and not access.acts_for_entry_unit(user, entry):
        actions = []
    required = services.required_deadline(entry)
    candidates = User.objects.filter(jurisdiction_id=user.jurisdiction_id, unit__isnull=False,
                                     role_grants__role__in=[Role.UNIT_HEAD, Role.UNIT_LIAISON, Role.RESPONSIBLE_LEADER,
                                                            Role.RESPONSIBLE_PERSON]).select_related("unit").distinct()
    return render(request, "inspections/entry.html", {
        "e": entry, "actions": [a.value for a in actions], "required": required,
        "steps": entry.steps.select_related("actor"), "co_units": entry.co_units.all(),
        "attachments": entry.finding.attachments.all(), "units": _units_of(user), "people": candidates,
        "is_office": access.is_office(user), "deadlines": entry.deadlines.prefetch_related("urges"),
        "cases": entry.cases.all(),
    })


@login_required
@require_POST
def entry_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user, post = _user(request), request.POST
    entry = _entry(request, pk)
    version = int(post["version"]) if post.get("version", "").isdigit() else None
    calls: dict[str, tuple[Callable[[], Any], str]] = {
        "answer": (lambda: services.do_answer(actor=user, entry=entry, measures=post.get("measures", ""),
                                              deadline=_date(post.get("deadline"), "deadline"),
                                              timetable=post.get("timetable", ""), expected_version=version),
                   "整改措施已报送。"),
        "escalate": (lambda: services.do_escalate(actor=user, entry=entry, text=post.get("text", ""),
                                                  expected_version=version), "已书面上报。"),
        "assign": (lambda: services.do_assign_responsibility(
            actor=user, entry=entry, lead_unit=_unit(user, post.get("lead_unit")),
            co_units=_units(user, post.getlist("co_units")), person=_person(user, post.get("person")),
            deadline=_date(post.get("deadline"), "deadline"), measures=post.get("measures", ""),
            cause=post.get("cause") or "own", expected_version=version), "已列入责任清单。"),
        "report": (lambda: services.do_report_rectification(actor=user, entry=entry, text=post.get("text", ""),
                                                            expected_version=version), "整改落实情况已报送。"),
        "close": (lambda: services.do_verify(actor=user, entry=entry, close=True, note=post.get("note", ""),
                                             on_site=post.get("on_site") == "1", expected_version=version),
                  "已核验销号。"),
        "reopen": (lambda: services.do_verify(actor=user, entry=entry, close=False, note=post.get("note", ""),
                                              on_site=post.get("on_site") == "1",
                                              new_deadline=_date(post.get("deadline"), "deadline"),
                                              expected_version=version), "已要求重新整改。"),
        "follow_up": (lambda: services.do_follow_up(actor=user, entry=entry, rebound=post.get("rebound") == "1",
                                                    note=post.get("note", ""),
                                                    new_deadline=_date(post.get("deadline"), "deadline"),
                                                    expected_version=version), "回头看已记录。"),
        "spawn": (lambda: services.do_spawn_item(actor=user, entry=entry, level=post.get("level", "fairly")),
                  "已转为督查事项。"),
    }
    if action not in calls:
        raise Http404
    call, ok = calls[action]
    _run(request, call, ok)
    return redirect("inspections:entry", entry.pk)
