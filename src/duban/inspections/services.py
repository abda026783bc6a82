"""三查三单 and 一网三库 as actions. Each ``do_*``: keyword-only, the acting person first, ``now`` last; one
transaction; the rules from ``duban.core.inspection`` / ``duban.core.three_lists``; a ledger event per
action; errors are ``duban.items.errors`` exceptions with a Chinese message, and nothing is changed.

Ledger kinds emitted for the scoring engine (S3b) and the history:
``inspection.pool_added``, ``inspection.pool_changed`` (S3c-5), ``inspection.created``,
``inspection.team_requested`` / ``inspection.team_request_decided`` (S3c-10), ``inspection.team_drawn``
(S3c-11, seed recorded), ``inspection.consent`` (S3c-11), ``inspection.member_replaced`` (S3c-6),
``inspection.inspector_no_show`` (S3c-6 → S3b: data ``unit_id``), ``inspection.plan_<action>``,
``inspection.finding_recorded`` (S4-二(二)1), ``inspection.measures`` / ``inspection.escalated``
(S4-二(二)2), ``inspection.problem_found`` (S3b: ``lead_unit_id``, ``co_unit_ids``, ``tier``),
``inspection.rectification_reported``, ``inspection.entry_closed``, ``inspection.entry_reopened``,
``inspection.follow_up`` (S4-二(二)), ``inspection.item_spawned`` (S4-一), ``inspection.report_late`` and
``inspection.rectification_late`` (the sweep), ``inspection.key_supervision``, ``inspection.obstruction``
(S3a-5(四), S3b), ``inspection.praised`` / ``inspection.criticised`` / ``inspection.referred``
(S4-二(一)3), ``inspection.responsibility_assigned``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from duban.core import inspection as core
from duban.core import three_lists as lists
from duban.core.inspection import FindingKind, InspectionKind, PlanAction, PlanState, Pool, TeamError
from duban.core.lifecycle import Role
from duban.core.three_lists import EntryAction, EntryConflict, EntryState
from duban.items.errors import InvalidInput, ItemNotFound, PermissionDenied, StateConflict
from duban.items.services import next_number, safe_filename, validate_upload
from duban.ledger import chain
from duban.notify.services import notify
from duban.org.models import Jurisdiction, Unit, User
from duban.workcal.service import current_calendar

from . import access
from .models import (
    Deadline,
    Entry,
    EntryStep,
    Finding,
    FindingAttachment,
    Inspection,
    Inspector,
    InspectorChange,
    Notice,
    TeamMember,
    TeamRequest,
)

NO_PERMISSION = "您没有权限执行此操作。"
NOT_FOUND = "记录不存在或您无权查看。"
STALE = "记录已被他人修改，请刷新页面后重试。"
PERSON_REQUIRED = "责任清单须落实到具体责任人（S4-二(二)3）。"
APPROVER_ONLY = "只有请示所报的分管副职领导可以审批抽调督查人员（S3c-10）。"
LEADER_ONLY = "只有方案所报的审定领导可以审定督查方案（S3c-11、S4-二(一)）。"

TIERS = {Jurisdiction.Kind.CITY: "municipal", Jurisdiction.Kind.COUNTY: "district",
         Jurisdiction.Kind.DISTRICT: "district"}
TIER_LABELS = {"national": "国务院及国务院办公厅", "provincial": "省政府", "municipal": "市政府",
               "district": "县（区）政府"}
# S3b-12(一): the problem is the lead unit's own, or caused by a co-unit's non-cooperation.
CAUSES = {"own": "责任单位自身原因", "co_noncooperation": "配合单位不主动配合、推卸责任"}


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else timezone.now()


def _today(now: dt.datetime) -> dt.date:
    return timezone.localdate(now)


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, field_errors={field: message})
    return value


def _require_office(actor: User) -> None:
    if not access.is_office(actor) or actor.jurisdiction_id is None:
        raise PermissionDenied(NO_PERMISSION)


def _invalid(exc: Exception, field: str = "__all__") -> InvalidInput:
    return InvalidInput(str(exc), field_errors={field: str(exc)})


def _event(jurisdiction_id: int, kind: str, now: dt.datetime, actor: User | None, *, rule_id: str,
           summary: str, unit: Unit | None = None, reason: str = "", data: dict[str, Any] | None = None,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    chain.append(jurisdiction_id=jurisdiction_id, kind=kind, at=now, actor=actor, unit=unit, rule_id=rule_id,
                 summary=summary, reason=reason, data=data, before=before, after=after)


def unit_people(unit: Unit | None) -> list[User]:
    if unit is None:
        return []
    return list(User.objects.filter(unit=unit, is_active=True, role_grants__role__in=[
        Role.UNIT_HEAD, Role.UNIT_LIAISON, Role.RESPONSIBLE_LEADER, Role.RESPONSIBLE_PERSON]).distinct())


def office_people(jurisdiction_id: int) -> list[User]:
    return list(User.objects.filter(jurisdiction_id=jurisdiction_id, is_active=True,
                                    role_grants__role=Role.OFFICE_STAFF).distinct())


def _same_jurisdiction(actor: User, *objs: Any) -> None:
    for obj in objs:
        if obj is not None and getattr(obj, "jurisdiction_id", actor.jurisdiction_id) != actor.jurisdiction_id:
            raise InvalidInput("所选单位或人员不属于本辖区。")


# --- 一网三库: the pools (S3c-3..5) ---------------------------------------------------------------------

def _inspector_snapshot(i: Inspector) -> dict[str, Any]:
    return {"pool": i.pool, "name": i.name, "unit": i.unit_id, "active": i.active, "title": i.title,
            "specialty": i.specialty, "phone": i.phone, "user": i.user_id,
            "linked_units": sorted(i.linked_units.values_list("pk", flat=True)) if i.pk else []}


@transaction.atomic
def do_add_inspector(*, actor: User, pool: str, name: str, unit: Unit | None = None,
                     linked_units: Sequence[Unit] = (), user: User | None = None, title: str = "",
                     specialty: str = "", phone: str = "", now: dt.datetime | None = None) -> Inspector:
    """S3c-3..5: a person enters a pool (full-time from a unit; part-time; invited: NPC, CPPCC, experts …)."""
    now = _now(now)
    _require_office(actor)
    if pool not in Pool._value2member_map_:
        raise InvalidInput("请选择人员库（专职/兼职/特邀/随行）。", field_errors={"pool": "无效的人员库"})
    name = _text(name, "name", "请填写姓名。")
    if pool == Pool.FULL_TIME and unit is None:
        raise InvalidInput("专职督查人员须填写所在单位（S3c-7）。", field_errors={"unit": "必填"})
    _same_jurisdiction(actor, unit, user, *linked_units)
    inspector = Inspector.objects.create(jurisdiction_id=actor.jurisdiction_id, pool=pool, name=name, unit=unit,
                                         user=user, title=title.strip(), specialty=specialty.strip(),
                                         phone=phone.strip())
    inspector.linked_units.set(linked_units)
    after = _inspector_snapshot(inspector)
    InspectorChange.objects.create(jurisdiction_id=actor.jurisdiction_id, inspector=inspector, at=now, actor=actor,
                                   what=f"入库：{inspector}", after=after)
    _event(actor.jurisdiction_id, "inspection.pool_added", now, actor, rule_id="S3c-5", unit=unit,
           summary=f"督查人员入库：{inspector}", after=after, data={"inspector": inspector.pk})
    return inspector


@transaction.atomic
def do_change_inspector(*, actor: User, inspector: Inspector, reason: str, changes: Mapping[str, Any],
                        now: dt.datetime | None = None) -> Inspector:
    """S3c-5 动态管理: a personnel change is recorded with its reason (pool, unit, links, in/out of the pool)."""
    now = _now(now)
    _require_office(actor)
    fresh = Inspector.objects.select_for_update().filter(pk=inspector.pk, jurisdiction_id=actor.jurisdiction_id).first()
    if fresh is None:
        raise ItemNotFound(NOT_FOUND)
    reason = _text(reason, "reason", "请填写变动原因（S3c-5）。")
    before = _inspector_snapshot(fresh)
    allowed = {"pool", "name", "unit", "active", "title", "specialty", "phone", "user"}
    for key, value in changes.items():
        if key == "linked_units":
            _same_jurisdiction(actor, *value)
            fresh.linked_units.set(value)
        elif key in allowed:
            if key == "pool" and value not in Pool._value2member_map_:
                raise InvalidInput("无效的人员库。", field_errors={"pool": "无效"})
            if key in ("unit", "user"):
                _same_jurisdiction(actor, value)
            setattr(fresh, key, value)
        else:
            raise InvalidInput(f"不能修改「{key}」。")
    if fresh.pool == Pool.FULL_TIME and fresh.unit_id is None:
        raise InvalidInput("专职督查人员须填写所在单位（S3c-7）。", field_errors={"unit": "必填"})
    fresh.save()
    after = _inspector_snapshot(fresh)
    changed = sorted(k for k in after if after[k] != before[k])
    if not changed:
        raise InvalidInput("没有需要记录的变动。")
    InspectorChange.objects.create(jurisdiction_id=actor.jurisdiction_id, inspector=fresh, at=now, actor=actor,
                                   what="、".join(changed), reason=reason, before=before, after=after)
    _event(actor.jurisdiction_id, "inspection.pool_changed", now, actor, rule_id="S3c-5", unit=fresh.unit,
           summary=f"督查人员变动：{fresh.name}（{'、'.join(changed)}）", reason=reason, before=before, after=after,
           data={"inspector": fresh.pk})
    return fresh


# --- the inspection and its plan (S4-二(一), S3c-10..15) -----------------------------------------------

def _locked(inspection: Inspection, actor: User) -> Inspection:
    fresh = Inspection.objects.select_for_update().filter(pk=inspection.pk).first()
    if fresh is None or not access.visible_inspections(actor).filter(pk=fresh.pk).exists():
        raise ItemNotFound(NOT_FOUND)
    return fresh


@transaction.atomic
def do_create_inspection(*, actor: User, kind: str, title: str, content: str, targets: Sequence[Unit],
                         methods: Sequence[str], leader: User, starts_on: dt.date, ends_on: dt.date,
                         team_leader: User | None = None, rectification_deadline: dt.date | None = None,
                         body_tier: str = "", now: dt.datetime | None = None) -> Inspection:
    """巡查/督查/考察方案 (S4-二(一)): content, targets, methods from S4's lists, schedule, the leader who approves."""
    now = _now(now)
    _require_office(actor)
    errors: dict[str, str] = {}
    if kind not in InspectionKind._value2member_map_:
        errors["kind"] = "请选择巡查、督查或考察。"
    if not (title or "").strip():
        errors["title"] = "请填写名称。"
    if not (content or "").strip():
        errors["content"] = "请填写督查内容。"
    if not targets:
        errors["targets"] = "请选择督查对象。"
    if ends_on < starts_on:
        errors["ends_on"] = "结束日期不能早于开始日期。"
    if rectification_deadline is not None and rectification_deadline < ends_on:
        errors["rectification_deadline"] = "整改时限不能早于督查结束日期。"
    if not leader.has_role(Role.DEPUTY_HEAD, Role.GOV_HEAD, Role.OFFICE_HEAD):
        errors["leader"] = "审定领导须为政府领导或政府办公室主要领导。"
    if body_tier not in ("", *TIER_LABELS):
        errors["body_tier"] = "督查机关层级无效。"
    if errors:
        raise InvalidInput("；".join(errors.values()), field_errors=errors)
    try:
        core.check_methods(InspectionKind(kind), list(methods))
    except TeamError as exc:
        raise _invalid(exc, "methods") from None
    _same_jurisdiction(actor, leader, team_leader, *targets)
    year = _today(now).year
    number = next_number(actor.jurisdiction_id, "inspection", year)
    label = core.KIND_LABELS[InspectionKind(kind)]
    inspection = Inspection.objects.create(
        jurisdiction_id=actor.jurisdiction_id, code=f"{label}〔{year}〕{number}号", kind=kind, title=title.strip(),
        content=content.strip(), methods=list(methods), leader=leader, team_leader=team_leader or actor,
        starts_on=starts_on, ends_on=ends_on, rectification_deadline=rectification_deadline, created_by=actor,
        created_at=now, body_tier=body_tier,
    )
    inspection.targets.set(targets)
    _event(actor.jurisdiction_id, "inspection.created", now, actor, rule_id=core.KIND_RULES[InspectionKind(kind)],
           summary=f"拟定{label}方案：{inspection.title}",
           data={"inspection": inspection.pk, "targets": [u.pk for u in targets], "methods": list(methods),
                 "starts_on": starts_on, "ends_on": ends_on})
    return inspection


def _limits(raw: Mapping[str, int] | None) -> dict[Pool, int]:
    limits = dict(core.DEFAULT_LIMITS)
    for key, value in (raw or {}).items():
        limits[Pool(key)] = int(value)
    return limits


def _team_request(inspection: Inspection, wanted: Mapping[str, int], limits: Mapping[str, int] | None,
                  adjustment_reason: str) -> core.TeamRequest:
    try:
        wanted_pools = {Pool(k): int(v) for k, v in wanted.items()}
    except ValueError:
        raise InvalidInput("无效的人员库。") from None
    return core.TeamRequest(targets=frozenset(inspection.targets.values_list("pk", flat=True)),
                            wanted=wanted_pools, limits=_limits(limits), adjustment_reason=adjustment_reason)


@transaction.atomic
def do_request_team(*, actor: User, inspection: Inspection, wanted: Mapping[str, int], reason: str,
                    approver: User, limits: Mapping[str, int] | None = None, adjustment_reason: str = "",
                    now: dt.datetime | None = None) -> TeamRequest:
    """S3c-10: a written request for pool members to the deputy head; S3c-9 limits checked first."""
    now = _now(now)
    _require_office(actor)
    fresh = _locked(inspection, actor)
    if fresh.state_enum is not PlanState.DRAFT:
        raise StateConflict("方案已报审，不能再申请抽调人员。")
    if TeamRequest.objects.filter(inspection=fresh).exclude(state=TeamRequest.State.DECLINED).exists():
        raise StateConflict("本次督查已有抽调请示。")
    reason = _text(reason, "reason", "请填写请示事由（S3c-10）。")
    if not approver.has_role(Role.DEPUTY_HEAD) or approver.jurisdiction_id != actor.jurisdiction_id:
        raise InvalidInput("抽调请示须报分管副职领导审批（S3c-10）。", field_errors={"approver": "须为分管副职领导"})
    request = _team_request(fresh, wanted, limits, adjustment_reason)
    try:
        core.check_limits(request)
    except TeamError as exc:
        raise _invalid(exc, "wanted") from None
    if sum(request.wanted.values()) == 0:
        raise InvalidInput("请至少申请一名督查人员。", field_errors={"wanted": "人数为 0"})
    TeamRequest.objects.filter(inspection=fresh).delete()  # a declined earlier request is replaced
    row = TeamRequest.objects.create(
        jurisdiction_id=actor.jurisdiction_id, inspection=fresh, wanted={p.value: n for p, n in request.wanted.items()},
        limits={p.value: n for p, n in request.limits.items()}, adjustment_reason=adjustment_reason.strip(),
        reason=reason, requested_by=actor, requested_at=now, approver=approver,
    )
    _event(actor.jurisdiction_id, "inspection.team_requested", now, actor, rule_id="S3c-10",
           summary=f"请示抽调督查人员：{fresh.title}", reason=reason,
           data={"inspection": fresh.pk, "wanted": row.wanted, "limits": row.limits,
                 "adjustment_reason": row.adjustment_reason})
    notify([approver], kind="inspection_request", title=f"抽调督查人员请示待审批：{fresh.title}", body=reason,
           url=f"/inspections/{fresh.pk}/", dedupe_key=f"insp-request-{row.pk}", now=now)
    return row


@transaction.atomic
def do_decide_team_request(*, actor: User, request: TeamRequest, approve: bool, note: str = "",
                           now: dt.datetime | None = None) -> TeamRequest:
    """S3c-10: only the deputy head the request went to approves or declines it."""
    now = _now(now)
    fresh = TeamRequest.objects.select_for_update().filter(pk=request.pk).first()
    if fresh is None or fresh.jurisdiction_id != actor.jurisdiction_id:
        raise ItemNotFound(NOT_FOUND)
    if fresh.approver_id != actor.pk or not actor.has_role(Role.DEPUTY_HEAD):
        raise PermissionDenied(APPROVER_ONLY)
    if fresh.state != TeamRequest.State.PENDING:
        raise StateConflict("该请示已审批。")
    if not approve:
        note = _text(note, "note", "不同意时请说明理由。")
    fresh.state = TeamRequest.State.APPROVED if approve else TeamRequest.State.DECLINED
    fresh.decided_at, fresh.decision_note = now, note.strip()
    fresh.save(update_fields=["state", "decided_at", "decision_note"])
    _event(actor.jurisdiction_id, "inspection.team_request_decided", now, actor, rule_id="S3c-10",
           summary=("同意" if approve else "不同意") + f"抽调督查人员：{fresh.inspection.title}", reason=note,
           data={"inspection": fresh.inspection_id, "approved": approve})
    return fresh


def _core_inspectors(jurisdiction_id: int, targets: Sequence[Unit],
                     exclude: Iterable[int] = ()) -> list[core.Inspector]:
    """The pool as the core sees it. Recusal by the unit tree: an inspector whose unit is a target, above
    a target (its parent bureau) or below one (its subordinate unit) counts as linked to that target."""
    rows = Inspector.objects.filter(jurisdiction_id=jurisdiction_id, active=True).exclude(
        pk__in=list(exclude)).select_related("unit")
    links: dict[int, set[int]] = {}
    for inspector_id, unit_id in Inspector.linked_units.through.objects.filter(
            inspector__jurisdiction_id=jurisdiction_id).values_list("inspector_id", "unit_id"):
        links.setdefault(inspector_id, set()).add(unit_id)
    result = []
    for r in rows.order_by("pk"):
        linked = set(links.get(r.pk, ()))
        if r.unit is not None:
            linked |= {t.pk for t in targets if t.path.startswith(r.unit.path) or r.unit.path.startswith(t.path)}
        result.append(core.Inspector(r.pk, Pool(r.pool), r.unit_id, frozenset(linked), r.task_count, r.active))
    return result


def _add_member(inspection: Inspection, inspector: Inspector, now: dt.datetime) -> TeamMember:
    consent = TeamMember.Consent.PENDING if core.needs_consent(Pool(inspector.pool)) else TeamMember.Consent.NOT_NEEDED
    member = TeamMember.objects.create(
        jurisdiction_id=inspection.jurisdiction_id, inspection=inspection, inspector=inspector, pool=inspector.pool,
        consent=consent, notified_at=now if consent == TeamMember.Consent.NOT_NEEDED else None,
    )
    Inspector.objects.filter(pk=inspector.pk).update(task_count=F("task_count") + 1)
    return member


@transaction.atomic
def do_draw_team(*, actor: User, request: TeamRequest, seed: int | None = None,
                 now: dt.datetime | None = None) -> list[TeamMember]:
    """双随机 (S3c-11): a seeded draw from the pools, recusing own and linked units, least-loaded first.
    The seed is recorded so the same pools and seed give the same team."""
    now = _now(now)
    _require_office(actor)
    fresh = TeamRequest.objects.select_for_update().filter(pk=request.pk, jurisdiction_id=actor.jurisdiction_id).first()
    if fresh is None:
        raise ItemNotFound(NOT_FOUND)
    if fresh.state != TeamRequest.State.APPROVED:
        raise StateConflict("抽调请示须经分管领导批准后才能抽选（S3c-10）。")
    inspection = _locked(fresh.inspection, actor)
    seed = secrets.randbits(48) if seed is None else int(seed)
    targets = list(inspection.targets.all())
    req = core.TeamRequest(targets=frozenset(t.pk for t in targets),
                           wanted={Pool(k): v for k, v in fresh.wanted.items()},
                           limits=_limits(fresh.limits), adjustment_reason=fresh.adjustment_reason)
    pool = _core_inspectors(actor.jurisdiction_id, targets)
    try:
        team = core.draw_team(req, pool, seed)
    except TeamError as exc:
        raise _invalid(exc, "wanted") from None
    by_pk = {i.pk: i for i in Inspector.objects.filter(pk__in=[m.id for ms in team.values() for m in ms])}
    members = [_add_member(inspection, by_pk[m.id], now) for p in Pool for m in team.get(p, [])]
    recused = sorted(i.id for i in pool if core.is_recused(i, req.targets))
    fresh.state, fresh.seed, fresh.drawn_at, fresh.drawn_by = TeamRequest.State.DRAWN, seed, now, actor
    fresh.save(update_fields=["state", "seed", "drawn_at", "drawn_by"])
    _event(actor.jurisdiction_id, "inspection.team_drawn", now, actor, rule_id="S3c-11",
           summary=f"随机抽选督查组 {len(members)} 人：{inspection.title}",
           data={"inspection": inspection.pk, "seed": seed, "chosen": [m.inspector_id for m in members],
                 "recused": recused, "candidates": len(pool)})
    for m in members:
        if m.consent == TeamMember.Consent.NOT_NEEDED and m.inspector.user_id:
            notify([m.inspector.user], kind="inspection_task", title=f"督查任务通知：{inspection.title}",
                   url=f"/inspections/{inspection.pk}/", dedupe_key=f"insp-task-{m.pk}", now=now)
    return members


def _locked_member(member: TeamMember, actor: User) -> TeamMember:
    fresh = TeamMember.objects.select_for_update(of=("self",)).select_related("inspector", "inspection").filter(
        pk=member.pk, jurisdiction_id=actor.jurisdiction_id).first()
    if fresh is None:
        raise ItemNotFound(NOT_FOUND)
    return fresh


@transaction.atomic
def do_record_consent(*, actor: User, member: TeamMember, given: bool, note: str = "",
                      now: dt.datetime | None = None) -> TeamMember:
    """S3c-11: part-time and invited members take part only with their unit's or their own consent."""
    now = _now(now)
    _require_office(actor)
    fresh = _locked_member(member, actor)
    if fresh.consent != TeamMember.Consent.PENDING:
        raise StateConflict("该人员无须或已经征求同意。")
    if not given:
        note = _text(note, "note", "请记录不同意的原因。")
    fresh.consent = TeamMember.Consent.GIVEN if given else TeamMember.Consent.REFUSED
    fresh.consent_note, fresh.notified_at = note.strip()[:200], now
    if not given:
        fresh.active = False
        Inspector.objects.filter(pk=fresh.inspector_id).update(task_count=F("task_count") - 1)
    fresh.save()
    _event(actor.jurisdiction_id, "inspection.consent", now, actor, rule_id="S3c-11",
           summary=f"{fresh.inspector.name}{'同意' if given else '不同意'}参加：{fresh.inspection.title}", reason=note,
           data={"inspection": fresh.inspection_id, "inspector": fresh.inspector_id, "given": given})
    return fresh


@transaction.atomic
def do_replace_member(*, actor: User, member: TeamMember, reason: str, no_show: bool = False,
                      seed: int | None = None, now: dt.datetime | None = None) -> TeamMember:
    """S3c-6: an inspector who does not do the task is replaced (a new seeded draw from the same pool,
    same recusal); ``no_show`` records the fact that costs their unit points (S3b)."""
    now = _now(now)
    _require_office(actor)
    fresh = _locked_member(member, actor)
    reason = _text(reason, "reason", "请填写调换原因（S3c-6）。")
    inspection = _locked(fresh.inspection, actor)
    if inspection.state_enum in (PlanState.REPORT_SUBMITTED, PlanState.DONE):
        raise StateConflict("督查已结束，不能调换人员。")
    on_team = list(inspection.members.values_list("inspector_id", flat=True))
    seed = secrets.randbits(48) if seed is None else int(seed)
    targets = list(inspection.targets.all())
    req = core.TeamRequest(targets=frozenset(t.pk for t in targets), wanted={Pool(fresh.pool): 1},
                           limits={Pool(fresh.pool): 1})
    try:
        picked = core.draw_team(req, _core_inspectors(actor.jurisdiction_id, targets, exclude=on_team), seed)
    except TeamError as exc:
        raise _invalid(exc) from None
    fresh.active, fresh.replaced_reason, fresh.no_show = False, reason, no_show
    fresh.save(update_fields=["active", "replaced_reason", "no_show"])
    if no_show:
        Inspector.objects.filter(pk=fresh.inspector_id).update(no_show_count=F("no_show_count") + 1)
        _event(actor.jurisdiction_id, "inspection.inspector_no_show", now, actor, rule_id="S3c-6",
               unit=fresh.inspector.unit, summary=f"督查人员未按要求完成督查任务：{fresh.inspector.name}",
               reason=reason, data={"inspection": inspection.pk, "inspector": fresh.inspector_id,
                                    "unit_id": fresh.inspector.unit_id})
    new = _add_member(inspection, Inspector.objects.get(pk=picked[Pool(fresh.pool)][0].id), now)
    _event(actor.jurisdiction_id, "inspection.member_replaced", now, actor, rule_id="S3c-6",
           summary=f"调换督查人员：{fresh.inspector.name} → {new.inspector.name}", reason=reason,
           data={"inspection": inspection.pk, "old": fresh.inspector_id, "new": new.inspector_id, "seed": seed})
    return new


def _plan_step(actor: User, inspection: Inspection, action: PlanAction,
               now: dt.datetime) -> tuple[Inspection, PlanState]:
    fresh = _locked(inspection, actor)
    try:
        target = core.next_plan_state(fresh.state_enum, action)
    except TeamError as exc:
        raise StateConflict(str(exc)) from None
    return fresh, target


def _record_plan(actor: User, fresh: Inspection, action: PlanAction, target: PlanState, now: dt.datetime,
                 summary: str, reason: str = "", **changes: Any) -> Inspection:
    before = fresh.state
    changes["state"] = target.value
    for k, v in changes.items():
        setattr(fresh, k, v)
    Inspection.objects.filter(pk=fresh.pk).update(version=F("version") + 1, **changes)
    fresh.version += 1
    _event(fresh.jurisdiction_id, f"inspection.plan_{action.value}", now, actor,
           rule_id=core.PLAN_TRANSITIONS[action].rule_id, summary=f"{summary}：{fresh.title}", reason=reason,
           before={"state": before}, after={"state": target.value}, data={"inspection": fresh.pk})
    return fresh


@transaction.atomic
def do_submit_plan(*, actor: User, inspection: Inspection, now: dt.datetime | None = None) -> Inspection:
    now = _now(now)
    _require_office(actor)
    fresh, target = _plan_step(actor, inspection, PlanAction.SUBMIT, now)
    request = TeamRequest.objects.filter(inspection=fresh).first()
    if request is not None and request.state not in (TeamRequest.State.DRAWN, TeamRequest.State.DECLINED):
        raise StateConflict("抽调请示尚未批准或尚未抽选，方案不能报审（S3c-11）。")
    fresh = _record_plan(actor, fresh, PlanAction.SUBMIT, target, now, "报审督查方案")
    notify([fresh.leader], kind="inspection_plan", title=f"督查方案待审定：{fresh.title}",
           url=f"/inspections/{fresh.pk}/", dedupe_key=f"insp-plan-{fresh.pk}-{fresh.version}", now=now)
    return fresh


@transaction.atomic
def do_decide_plan(*, actor: User, inspection: Inspection, approve: bool, note: str = "",
                   now: dt.datetime | None = None) -> Inspection:
    """S3c-11 / S4-二(一): the named leader approves the plan; full-time members are then notified and
    the part-time and invited asked for consent."""
    now = _now(now)
    fresh, target = _plan_step(actor, inspection, PlanAction.APPROVE if approve else PlanAction.DECLINE, now)
    if fresh.leader_id != actor.pk:
        raise PermissionDenied(LEADER_ONLY)
    if not approve:
        note = _text(note, "note", "退回时请说明理由。")
    return _record_plan(actor, fresh, PlanAction.APPROVE if approve else PlanAction.DECLINE, target, now,
                        "审定督查方案" if approve else "退回督查方案", note)


@transaction.atomic
def do_brief(*, actor: User, inspection: Inspection, note: str = "", now: dt.datetime | None = None) -> Inspection:
    """S3c-12: tasks told and training given; everyone still on the team must have consented (S3c-11)."""
    now = _now(now)
    _require_office(actor)
    fresh, target = _plan_step(actor, inspection, PlanAction.BRIEF, now)
    members = list(fresh.members.filter(active=True))
    if any(m.consent == TeamMember.Consent.PENDING for m in members):
        raise StateConflict("仍有兼职或特邀督查人员未征得同意（S3c-11）。")
    fresh.members.filter(active=True).update(briefed_at=now)
    return _record_plan(actor, fresh, PlanAction.BRIEF, target, now, "任务告知和培训", note)


@transaction.atomic
def do_end(*, actor: User, inspection: Inspection, now: dt.datetime | None = None) -> Inspection:
    """End of the on-site work: the report falls due (S3c-14: 3 days for a pool team; S4: 5 working days)."""
    now = _now(now)
    if not (access.is_office(actor) or actor.pk == inspection.team_leader_id):
        raise PermissionDenied(NO_PERMISSION)
    fresh, target = _plan_step(actor, inspection, PlanAction.END, now)
    today = _today(now)
    from_pool = TeamRequest.objects.filter(inspection=fresh, state=TeamRequest.State.DRAWN).exists()
    due, rule = lists.inspection_report_due(today, current_calendar(fresh.jurisdiction_id), from_pool_task=from_pool)
    fresh = _record_plan(actor, fresh, PlanAction.END, target, now, f"结束现场督查，报告时限 {due:%Y-%m-%d}",
                         ended_on=today, report_due=due, report_rule=rule)
    _open_deadline(fresh, Deadline.Kind.INSPECTION_REPORT, due, rule, None, None, now)
    return fresh


def _open_deadline(inspection: Inspection, kind: str, due: dt.date, rule: str, entry: Entry | None,
                   unit: Unit | None, now: dt.datetime) -> None:
    """A due row for the sweep, checked the morning after the due day; each due date once."""
    # Close the earlier open deadline of the same thing (a new deadline replaces it).
    Deadline.objects.filter(inspection=inspection, entry=entry, kind=kind, done_at__isnull=True).exclude(
        due_on=due).update(done_at=now, next_check_at=None)
    check = timezone.make_aware(dt.datetime.combine(due + dt.timedelta(days=1), dt.time(0, 0)))
    try:
        with transaction.atomic():
            Deadline.objects.create(jurisdiction_id=inspection.jurisdiction_id, kind=kind, inspection=inspection,
                                    entry=entry, unit=unit, due_on=due, rule_id=rule, next_check_at=check)
    except IntegrityError:
        Deadline.objects.filter(inspection=inspection, entry=entry, kind=kind, due_on=due).update(
            done_at=None, next_check_at=check)


def _close_deadline(inspection: Inspection, kind: str, entry: Entry | None, now: dt.datetime) -> None:
    Deadline.objects.filter(inspection=inspection, entry=entry, kind=kind, done_at__isnull=True).update(
        done_at=now, next_check_at=None)


@transaction.atomic
def do_submit_report(*, actor: User, inspection: Inspection, text: str, now: dt.datetime | None = None) -> Inspection:
    """S3c-14: the report with the problem list and the typical non-implementation cases attached."""
    now = _now(now)
    fresh, target = _plan_step(actor, inspection, PlanAction.REPORT, now)
    if not (access.is_office(actor) or access.is_team_member(actor, fresh)):
        raise PermissionDenied(NO_PERMISSION)
    try:
        core.check_report(text)
    except TeamError as exc:
        raise _invalid(exc, "text") from None
    problems = fresh.findings.count()
    typical = fresh.findings.filter(typical=True).count()
    fresh = _record_plan(actor, fresh, PlanAction.REPORT, target, now,
                         f"报送督查报告（问题 {problems} 条，不落实典型事项 {typical} 条）",
                         report_text=text.strip(), report_submitted_at=now)
    _close_deadline(fresh, Deadline.Kind.INSPECTION_REPORT, None, now)
    notify(office_people(fresh.jurisdiction_id), kind="inspection_report", title=f"督查报告待审核：{fresh.title}",
           url=f"/inspections/{fresh.pk}/", dedupe_key=f"insp-report-{fresh.pk}-{fresh.version}", now=now)
    return fresh


@transaction.atomic
def do_review_report(*, actor: User, inspection: Inspection, accept: bool, note: str = "",
                     now: dt.datetime | None = None) -> Inspection:
    """S3c-14/15: accepted, or sent back to supplement the inspection or resubmit (due again in 3 days)."""
    now = _now(now)
    _require_office(actor)
    action = PlanAction.ACCEPT_REPORT if accept else PlanAction.RETURN_REPORT
    fresh, target = _plan_step(actor, inspection, action, now)
    if accept:
        return _record_plan(actor, fresh, action, target, now, "采用督查报告", note)
    note = _text(note, "note", "请写明需补充督查或重新报送的内容（S3c-14）。")
    due = _today(now) + dt.timedelta(days=core.REPORT_DAYS_AFTER_TASK)
    fresh = _record_plan(actor, fresh, action, target, now, "要求补充督查或重新报送", note,
                         report_due=due, report_rule="S3c-14", report_returns=fresh.report_returns + 1)
    _open_deadline(fresh, Deadline.Kind.INSPECTION_REPORT, due, "S3c-14", None, None, now)
    return fresh


# --- findings → 问题清单 (S4-二(二)1) -------------------------------------------------------------------

def _store_attachment(finding: Finding, upload: Any, actor: User, now: dt.datetime) -> FindingAttachment:
    validate_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = safe_filename(upload.name or "附件")
    att = FindingAttachment(jurisdiction_id=finding.jurisdiction_id, finding=finding, original_name=name,
                            size=upload.size or 0, sha256=digest.hexdigest(), uploaded_at=now, uploaded_by=actor)
    att.file.save(name, upload, save=False)
    att.save()
    return att


@transaction.atomic
def do_record_finding(*, actor: User, inspection: Inspection, unit: Unit, kind: str, description: str,
                      suggestion: str = "", typical: bool = False, location: str = "",
                      deadline: dt.date | None = None, uploads: Sequence[Any] = (),
                      now: dt.datetime | None = None) -> Entry:
    """The team records a problem on site (photos attached); it enters the problem list (S4-二(二)1)."""
    now = _now(now)
    fresh = _locked(inspection, actor)
    if not (access.is_office(actor) or access.is_team_member(actor, fresh)):
        raise PermissionDenied("只有督查组成员和督查室可以登记发现的问题。")
    if fresh.state_enum not in (PlanState.UNDER_WAY, PlanState.REPORTING):
        raise StateConflict("督查实施中或报告前才能登记发现的问题。")
    if kind not in FindingKind._value2member_map_:
        raise InvalidInput("请选择问题类别。", field_errors={"kind": "无效"})
    description = _text(description, "description", "请填写问题描述。")
    if unit.jurisdiction_id != actor.jurisdiction_id:
        raise InvalidInput("责任单位不属于本辖区。", field_errors={"unit": "无效"})
    target_paths = [u.path for u in fresh.targets.all()]
    if not any(unit.path.startswith(p) for p in target_paths):
        raise InvalidInput("责任单位须为本次督查的对象或其下属单位。", field_errors={"unit": "不在督查对象内"})
    if deadline is not None and deadline < (fresh.ends_on):
        raise InvalidInput("整改时限不能早于督查结束日期。", field_errors={"deadline": "过早"})
    for upload in uploads:
        validate_upload(upload)
    finding = Finding.objects.create(
        jurisdiction_id=actor.jurisdiction_id, inspection=fresh, unit=unit, kind=kind, description=description,
        suggestion=suggestion.strip(), typical=typical, location=location.strip()[:200], deadline=deadline,
        found_at=now, found_by=actor,
    )
    for upload in uploads:
        _store_attachment(finding, upload, actor, now)
    number = (Entry.objects.filter(inspection=fresh).aggregate(m=Max("number"))["m"] or 0) + 1
    entry = Entry.objects.create(jurisdiction_id=actor.jurisdiction_id, inspection=fresh, finding=finding,
                                 number=number, content=description, kind=kind, unit=unit, created_at=now)
    EntryStep.objects.create(jurisdiction_id=actor.jurisdiction_id, entry=entry, action="found",
                             label="列入问题清单", text=suggestion.strip(), rule_id="S4-二(二)1", at=now, actor=actor)
    _event(actor.jurisdiction_id, "inspection.finding_recorded", now, actor, rule_id="S4-二(二)1", unit=unit,
           summary=f"发现问题：{description[:80]}",
           data={"inspection": fresh.pk, "entry": entry.pk, "finding": finding.pk, "kind": kind, "typical": typical,
                 "attachments": len(uploads), "unit_id": unit.pk})
    notify(unit_people(unit), kind="inspection_problem", title=f"督查发现问题，请制定整改措施：{fresh.title}",
           body=description, url=f"/inspections/entries/{entry.pk}/", dedupe_key=f"entry-found-{entry.pk}", now=now)
    return entry


@transaction.atomic
def do_record_obstruction(*, actor: User, inspection: Inspection, unit: Unit, text: str,
                          now: dt.datetime | None = None) -> None:
    """拒绝、阻碍督查 (S3a-5(四)): a fact for scoring (S3b −5) and an accountability clue."""
    now = _now(now)
    fresh = _locked(inspection, actor)
    if not (access.is_office(actor) or access.is_team_member(actor, fresh)):
        raise PermissionDenied(NO_PERMISSION)
    text = _text(text, "text", "请写明阻碍督查的事实。")
    _event(actor.jurisdiction_id, "inspection.obstruction", now, actor, rule_id="S3a-5(四)", unit=unit,
           summary=f"阻碍督查：{unit.name}", reason=text, data={"inspection": fresh.pk, "unit_id": unit.pk})
    from duban.accountability.services import open_case_from_trigger

    jurisdiction = Jurisdiction.objects.get(pk=actor.jurisdiction_id)
    open_case_from_trigger(jurisdiction=jurisdiction, unit=unit, trigger_rule_id="S3a-5(四)",
                           summary=f"拒绝、阻碍督查：{fresh.title}", facts={"period": f"inspection-{fresh.pk}",
                                                                         "inspection": fresh.pk, "text": text},
                           now=now, opened_by=actor)


@transaction.atomic
def do_issue_notice(*, actor: User, inspection: Inspection, unit: Unit, praise: bool, text: str,
                    now: dt.datetime | None = None) -> Notice:
    """考察 (S4-二(一)3): circulate praise for units that did well, criticism for those that did not."""
    now = _now(now)
    _require_office(actor)
    fresh = _locked(inspection, actor)
    text = _text(text, "text", "请填写通报内容。")
    _same_jurisdiction(actor, unit)
    notice = Notice.objects.create(jurisdiction_id=actor.jurisdiction_id, inspection=fresh, unit=unit,
                                   kind=Notice.Kind.PRAISE if praise else Notice.Kind.CRITICISM, text=text, at=now,
                                   actor=actor)
    _event(actor.jurisdiction_id, "inspection.praised" if praise else "inspection.criticised", now, actor,
           rule_id="S4-二(一)3", unit=unit, summary=f"{notice.get_kind_display()}：{unit.name}", reason=text,
           data={"inspection": fresh.pk, "unit_id": unit.pk, "notice": notice.pk})
    notify(unit_people(unit), kind="inspection_notice", title=f"{notice.get_kind_display()}：{fresh.title}", body=text,
           url=f"/inspections/{fresh.pk}/", dedupe_key=f"insp-notice-{notice.pk}", now=now)
    return notice


@transaction.atomic
def do_refer_for_accountability(*, actor: User, inspection: Inspection, unit: Unit, trigger: str, summary: str,
                                now: dt.datetime | None = None) -> Any:
    """考察 (S4-二(一)3 严格执行责任追究制度): the office refers a unit found failing to accountability
    (S3a-5); once per inspection, unit and situation."""
    from duban.accountability.services import open_case_from_trigger
    from duban.core.accountability import Trigger

    now = _now(now)
    _require_office(actor)
    fresh = _locked(inspection, actor)
    summary = _text(summary, "summary", "请填写移送问责的事由。")
    if trigger not in Trigger._value2member_map_:
        raise InvalidInput("请选择问责情形（S3a-5）。", field_errors={"trigger": "无效"})
    _same_jurisdiction(actor, unit)
    case = open_case_from_trigger(jurisdiction=Jurisdiction.objects.get(pk=actor.jurisdiction_id), unit=unit,
                                  trigger_rule_id=trigger, summary=summary, now=now, opened_by=actor,
                                  facts={"period": f"inspection-{fresh.pk}", "inspection": fresh.pk})
    _event(actor.jurisdiction_id, "inspection.referred", now, actor, rule_id="S4-二(一)3", unit=unit,
           summary=f"移送问责：{unit.name}", reason=summary, data={"inspection": fresh.pk, "case": case.pk})
    return case


# --- 三单: measures, responsibility, rectification, verification, 回头看 (S4-二(二)) ------------------

def _locked_entry(entry: Entry, actor: User, expected_version: int | None) -> Entry:
    fresh = Entry.objects.select_for_update(of=("self",)).select_related("inspection", "unit", "lead_unit").filter(
        pk=entry.pk).first()
    if fresh is None or not access.visible_entries(actor).filter(pk=fresh.pk).exists():
        raise ItemNotFound(NOT_FOUND)
    if expected_version is not None and fresh.version != expected_version:
        raise StateConflict(STALE)
    return fresh


def _entry_step(actor: User, entry: Entry, action: EntryAction,
                expected_version: int | None) -> tuple[Entry, EntryState]:
    fresh = _locked_entry(entry, actor, expected_version)
    t = lists.ENTRY_TRANSITIONS[action]
    allowed = access.is_office(actor) if t.who is lists.Who.OFFICE else access.acts_for_entry_unit(actor, fresh)
    if not allowed:
        raise PermissionDenied(NO_PERMISSION)
    try:
        target = lists.next_entry_state(fresh.state_enum, action)
    except EntryConflict as exc:
        raise StateConflict(str(exc)) from None
    return fresh, target


def _record_entry(actor: User, fresh: Entry, action: EntryAction, target: EntryState, now: dt.datetime, *,
                  text: str = "", on_site: bool = False, summary: str = "", data: dict[str, Any] | None = None,
                  **changes: Any) -> Entry:
    t = lists.ENTRY_TRANSITIONS[action]
    before = fresh.state
    changes["state"] = target.value
    for k, v in changes.items():
        setattr(fresh, k, v)
    Entry.objects.filter(pk=fresh.pk).update(version=F("version") + 1, **changes)
    fresh.version += 1
    EntryStep.objects.create(jurisdiction_id=fresh.jurisdiction_id, entry=fresh, action=action.value, label=t.label,
                             text=text, on_site=on_site, rule_id=t.rule_id, at=now, actor=actor)
    kinds = {EntryAction.ANSWER: "inspection.measures", EntryAction.ESCALATE: "inspection.escalated",
             EntryAction.ASSIGN: "inspection.responsibility_assigned",
             EntryAction.REPORT: "inspection.rectification_reported", EntryAction.CLOSE: "inspection.entry_closed",
             EntryAction.REOPEN: "inspection.entry_reopened", EntryAction.FOLLOW_UP: "inspection.follow_up"}
    _event(fresh.jurisdiction_id, kinds[action], now, actor, rule_id=t.rule_id, unit=fresh.lead_unit or fresh.unit,
           summary=f"{t.label}：{fresh.inspection.code}-{fresh.number} {summary or fresh.content[:60]}", reason=text,
           before={"state": before}, after={"state": target.value},
           data={"entry": fresh.pk, "inspection": fresh.inspection_id, **(data or {})})
    return fresh


def required_deadline(entry: Entry) -> lists.Deadline:
    """The deadline the inspection required, else S3d's default for the kind of problem."""
    chosen = entry.finding.deadline or entry.inspection.rectification_deadline
    end = entry.inspection.ended_on or entry.inspection.ends_on
    return lists.rectification_deadline(FindingKind(entry.kind), end, chosen)


@transaction.atomic
def do_answer(*, actor: User, entry: Entry, measures: str, deadline: dt.date | None = None,
              timetable: str = "", now: dt.datetime | None = None, expected_version: int | None = None) -> Entry:
    """S4-二(二)2 整改措施清单: measures and a deadline; without a deadline, S3d's default applies."""
    now = _now(now)
    fresh, target = _entry_step(actor, entry, EntryAction.ANSWER, expected_version)
    measures = _text(measures, "measures", "请填写整改措施（S4-二(二)2）。")
    required = required_deadline(fresh)
    end = fresh.inspection.ended_on or fresh.inspection.ends_on
    if deadline is None:
        final, rule, explanation, extension = required.date, required.rule_id, required.explanation, False
    else:
        try:
            extension = lists.check_deadline(FindingKind(fresh.kind), deadline, required, end, timetable)
        except EntryConflict as exc:
            raise _invalid(exc, "deadline") from None
        final, rule = deadline, "S3d-二.2" if extension else "S4-二(二)2"
        explanation = "申请延期，附推进落实方案（待督查室确认）" if extension else "责任单位承诺的整改时限"
    return _record_entry(actor, fresh, EntryAction.ANSWER, target, now, text=measures,
                         data={"deadline": final, "rule": rule, "extension": extension},
                         measures=measures, deadline=final, deadline_rule=rule, deadline_explanation=explanation,
                         extension_timetable=timetable.strip() if extension else "")


@transaction.atomic
def do_escalate(*, actor: User, entry: Entry, text: str, now: dt.datetime | None = None,
                expected_version: int | None = None) -> Entry:
    """S4-二(二)2: what the unit cannot solve within its remit goes up in writing."""
    now = _now(now)
    fresh, target = _entry_step(actor, entry, EntryAction.ESCALATE, expected_version)
    text = _text(text, "text", "请写明无法解决的原因和意见建议（S4-二(二)2）。")
    entry = _record_entry(actor, fresh, EntryAction.ESCALATE, target, now, text=text, escalation=text)
    notify(office_people(fresh.jurisdiction_id), kind="inspection_escalated",
           title=f"责任单位书面上报问题：{fresh.inspection.code}-{fresh.number}", body=text,
           url=f"/inspections/entries/{fresh.pk}/", dedupe_key=f"entry-escalated-{fresh.pk}-{fresh.version}", now=now)
    return entry


@transaction.atomic
def do_assign_responsibility(*, actor: User, entry: Entry, lead_unit: Unit | None, person: User | None,
                             co_units: Sequence[Unit] = (), deadline: dt.date | None = None,
                             measures: str = "", cause: str = "own", now: dt.datetime | None = None,
                             expected_version: int | None = None) -> Entry:
    """S4-二(二)3 整改责任清单: the office names the lead unit, the co-units **and a person**; the unit then
    reports within 3 working days after the rectification deadline."""
    now = _now(now)
    fresh, target = _entry_step(actor, entry, EntryAction.ASSIGN, expected_version)
    _same_jurisdiction(actor, lead_unit, person, *co_units)
    person_units = frozenset({person.unit_id}) if person is not None and person.unit_id else frozenset()
    try:
        lists.check_responsibility(lead_unit.pk if lead_unit else None, frozenset(u.pk for u in co_units),
                                   person.pk if person else None, person_units)
    except EntryConflict as exc:
        field = "person" if "责任人" in str(exc) else "lead_unit"
        raise _invalid(exc, field) from None
    assert lead_unit is not None and person is not None
    if cause not in CAUSES:
        raise InvalidInput("问题成因无效（S3b-12(一)）。", field_errors={"cause": "无效"})
    if cause == "co_noncooperation" and not co_units:
        raise InvalidInput("认定配合单位不配合时须列明配合责任单位（S3b-12(一)）。",
                           field_errors={"cause": "无配合单位"})
    if deadline is None:
        deadline = fresh.deadline or required_deadline(fresh).date
        rule = fresh.deadline_rule or required_deadline(fresh).rule_id
    else:
        end = fresh.inspection.ended_on or fresh.inspection.ends_on
        if deadline < end:
            raise InvalidInput("整改时限不能早于督查结束日期。", field_errors={"deadline": "过早"})
        rule = "S4-二(二)3"
    measures = measures.strip() or fresh.measures
    if not measures:
        raise InvalidInput("请填写整改措施（上报问题须由督查室明确措施）。", field_errors={"measures": "必填"})
    due = lists.report_due(deadline, current_calendar(fresh.jurisdiction_id))
    co_ids = [u.pk for u in co_units]
    fresh = _record_entry(actor, fresh, EntryAction.ASSIGN, target, now,
                          text=f"牵头：{lead_unit.name}；配合：{'、'.join(u.name for u in co_units) or '无'}；"
                               f"责任人：{person.display_name}；整改时限 {deadline:%Y-%m-%d}，报送时限 {due:%Y-%m-%d}",
                          data={"lead_unit_id": lead_unit.pk, "co_unit_ids": co_ids, "person": person.pk,
                                "deadline": deadline, "report_due": due, "cause": cause},
                          lead_unit=lead_unit, person=person, deadline=deadline, deadline_rule=rule,
                          report_due=due, measures=measures)
    fresh.co_units.set(co_units)
    jurisdiction = Jurisdiction.objects.get(pk=fresh.jurisdiction_id)
    # The fact the scoring engine reads (S3b: problem found by an inspection, lead −5, co −3 by tier).
    _event(fresh.jurisdiction_id, "inspection.problem_found", now, actor, rule_id="S3b-12(一)", unit=lead_unit,
           summary=f"督查发现问题：{fresh.content[:80]}",
           data={"entry": fresh.pk, "inspection": fresh.inspection_id, "lead_unit_id": lead_unit.pk,
                 "co_unit_ids": co_ids, "cause": cause, "kind": fresh.kind,
                 "tier": fresh.inspection.body_tier or TIERS.get(jurisdiction.kind, "district")})
    _open_deadline(fresh.inspection, Deadline.Kind.RECTIFICATION_REPORT, due, "S4-二(二)3", fresh, lead_unit, now)
    notify(unit_people(lead_unit) + [person] + [p for u in co_units for p in unit_people(u)],
           kind="inspection_responsibility", title=f"整改责任清单：{fresh.inspection.code}-{fresh.number}",
           body=f"整改时限 {deadline:%Y-%m-%d}，请于 {due:%Y-%m-%d} 前报送整改落实情况（S4-二(二)3）",
           url=f"/inspections/entries/{fresh.pk}/", dedupe_key=f"entry-assigned-{fresh.pk}-{fresh.version}", now=now)
    return fresh


@transaction.atomic
def do_report_rectification(*, actor: User, entry: Entry, text: str, now: dt.datetime | None = None,
                            expected_version: int | None = None) -> Entry:
    """S4-二(二)3: the lead unit (or the named person) reports how the rectification went."""
    now = _now(now)
    fresh, target = _entry_step(actor, entry, EntryAction.REPORT, expected_version)
    text = _text(text, "text", "请填写整改落实情况。")
    fresh = _record_entry(actor, fresh, EntryAction.REPORT, target, now, text=text, last_report=text)
    _close_deadline(fresh.inspection, Deadline.Kind.RECTIFICATION_REPORT, fresh, now)
    notify(office_people(fresh.jurisdiction_id), kind="inspection_rectified",
           title=f"整改落实情况待核验：{fresh.inspection.code}-{fresh.number}", body=text,
           url=f"/inspections/entries/{fresh.pk}/", dedupe_key=f"entry-reported-{fresh.pk}-{fresh.version}", now=now)
    return fresh


def _new_rectification(actor: User, fresh: Entry, action: EntryAction, target: EntryState, now: dt.datetime,
                       note: str, on_site: bool, new_deadline: dt.date | None, counter: str) -> Entry:
    if new_deadline is None or new_deadline < _today(now):
        raise InvalidInput("重新整改须明确新的整改时限（不早于今天）。", field_errors={"deadline": "必填"})
    due = lists.report_due(new_deadline, current_calendar(fresh.jurisdiction_id))
    fresh = _record_entry(actor, fresh, action, target, now, text=note, on_site=on_site,
                          data={"deadline": new_deadline, "report_due": due, "on_site": on_site},
                          deadline=new_deadline, report_due=due, closed_at=None,
                          **{counter: getattr(fresh, counter) + 1})
    _open_deadline(fresh.inspection, Deadline.Kind.RECTIFICATION_REPORT, due, "S4-二(二)3", fresh,
                   fresh.lead_unit, now)
    notify(unit_people(fresh.lead_unit) + ([fresh.person] if fresh.person else []), kind="inspection_reopened",
           title=f"整改未通过核验，请继续整改：{fresh.inspection.code}-{fresh.number}", body=note,
           url=f"/inspections/entries/{fresh.pk}/", dedupe_key=f"entry-reopen-{fresh.pk}-{fresh.version}", now=now)
    return fresh


@transaction.atomic
def do_verify(*, actor: User, entry: Entry, close: bool, note: str, on_site: bool = False,
              new_deadline: dt.date | None = None, now: dt.datetime | None = None,
              expected_version: int | None = None) -> Entry:
    """S4-二(二)3: the office verifies (on site if needed): closes (销号) or reopens with a new deadline."""
    now = _now(now)
    action = EntryAction.CLOSE if close else EntryAction.REOPEN
    fresh, target = _entry_step(actor, entry, action, expected_version)
    note = _text(note, "note", "请填写核验意见。")
    if close:
        return _record_entry(actor, fresh, action, target, now, text=note, on_site=on_site,
                             data={"on_site": on_site}, closed_at=now)
    return _new_rectification(actor, fresh, action, target, now, note, on_site, new_deadline, "reopen_count")


@transaction.atomic
def do_follow_up(*, actor: User, entry: Entry, rebound: bool, note: str, new_deadline: dt.date | None = None,
                 on_site: bool = True, now: dt.datetime | None = None, expected_version: int | None = None) -> Entry:
    """回头看 (S4-二(二)): a follow-up check of a closed entry; a rebound reopens it."""
    now = _now(now)
    note = _text(note, "note", "请填写回头看情况。")
    if rebound:
        fresh, target = _entry_step(actor, entry, EntryAction.FOLLOW_UP, expected_version)
        return _new_rectification(actor, fresh, EntryAction.FOLLOW_UP, target, now, note, on_site, new_deadline,
                                  "follow_up_count")
    fresh = _locked_entry(entry, actor, expected_version)
    if not access.is_office(actor):
        raise PermissionDenied(NO_PERMISSION)
    if fresh.state_enum is not EntryState.CLOSED:
        raise StateConflict("只有已销号的问题才需要回头看。")
    Entry.objects.filter(pk=fresh.pk).update(follow_up_count=F("follow_up_count") + 1, version=F("version") + 1)
    EntryStep.objects.create(jurisdiction_id=fresh.jurisdiction_id, entry=fresh, action="follow_up_ok",
                             label="回头看：整改成果巩固", text=note, on_site=on_site, rule_id="S4-二(二)", at=now,
                             actor=actor)
    _event(fresh.jurisdiction_id, "inspection.follow_up", now, actor, rule_id="S4-二(二)",
           unit=fresh.lead_unit or fresh.unit, summary=f"回头看：{fresh.inspection.code}-{fresh.number} 整改成果巩固",
           reason=note, data={"entry": fresh.pk, "rebound": False})
    return Entry.objects.get(pk=fresh.pk)


@transaction.atomic
def do_spawn_item(*, actor: User, entry: Entry, level: str = "fairly", now: dt.datetime | None = None) -> Entry:
    """S4-一: a problem becomes a supervision item (registered through the item lifecycle), linked both ways."""
    from duban.items.services import do_register

    now = _now(now)
    _require_office(actor)
    fresh = _locked_entry(entry, actor, None)
    if fresh.item_id is not None:
        raise StateConflict("该问题已转为督查事项。")
    leader = fresh.inspection.leader if fresh.inspection.leader.has_role(Role.DEPUTY_HEAD, Role.GOV_HEAD,
                                                                         Role.OFFICE_HEAD) else None
    deadline = fresh.deadline if fresh.deadline and fresh.deadline >= _today(now) else None
    item = do_register(actor=actor, title=f"督查发现问题整改：{fresh.content[:60]}", content=fresh.content,
                       source="inspection_finding", source_detail=f"{fresh.inspection.code} 第 {fresh.number} 项",
                       level=level, requirements=fresh.measures, deadline=deadline, supervising_leader=leader, now=now)
    Entry.objects.filter(pk=fresh.pk).update(item=item, version=F("version") + 1)
    EntryStep.objects.create(jurisdiction_id=fresh.jurisdiction_id, entry=fresh, action="spawn",
                             label="转为督查事项", text=item.code, rule_id="S4-一", at=now, actor=actor)
    _event(fresh.jurisdiction_id, "inspection.item_spawned", now, actor, rule_id="S4-一", unit=fresh.unit,
           summary=f"问题转督查事项：{item.code}", data={"entry": fresh.pk, "item": item.pk})
    return Entry.objects.get(pk=fresh.pk)
