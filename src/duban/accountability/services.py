"""S3a accountability as actions: open a case (by hand or by a trigger), move it through S3a-9, record
sanctions, copies, publication and appeals. One transaction each, one ledger event each
(``accountability.opened``, ``accountability.<action>``, ``accountability.appeal``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from duban.core import accountability as core
from duban.core.accountability import AccountabilityError, CaseAction, CaseState, Party, ProposedSanction
from duban.core.lifecycle import OFFICE_ROLES, OVERSIGHT_ROLES, UNIT_ROLES, Role
from duban.items.errors import InvalidInput, ItemNotFound, PermissionDenied, StateConflict
from duban.items.services import next_number
from duban.ledger import chain
from duban.notify.services import notify
from duban.org.models import Jurisdiction, Unit, User

from .models import Appeal, Case, CaseSanction, CaseStep

NO_PERMISSION = "您没有权限执行此操作。"
NOT_FOUND = "案件不存在或您无权查看。"


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else timezone.now()


def _in_unit(user: User, unit: Unit | None) -> bool:
    return (unit is not None and user.unit_id is not None and user.has_role(*UNIT_ROLES)
            and unit.path.startswith(user.unit.path))


def parties_of(user: User, case: Case) -> set[Party]:
    parties: set[Party] = set()
    if user.jurisdiction_id != case.jurisdiction_id:
        return parties
    if user.has_role(*OFFICE_ROLES):
        parties.add(Party.OFFICE)
    if _in_unit(user, case.competent_unit):
        parties.add(Party.COMPETENT)
    if _in_unit(user, case.implementing_unit):
        parties.add(Party.IMPLEMENTING)
    return parties


def visible_cases(user: User) -> QuerySet[Case]:
    if not user.is_authenticated or user.jurisdiction_id is None:
        return Case.objects.none()
    qs = Case.objects.filter(jurisdiction_id=user.jurisdiction_id)
    if user.role_set() & (OFFICE_ROLES | OVERSIGHT_ROLES | {Role.GOV_HEAD}):
        return qs
    if user.unit_id is None or not user.has_role(*UNIT_ROLES):
        return qs.none()
    path = user.unit.path
    return qs.filter(Q(competent_unit__path__startswith=path) | Q(implementing_unit__path__startswith=path)
                     | Q(unit__path__startswith=path, state=CaseState.PUBLISHED))


def _open(*, jurisdiction_id: int, unit: Unit, trigger: core.Trigger, trigger_rule_id: str, summary: str,
          facts: dict[str, Any], period_key: str, now: dt.datetime, person: User | None, opened_by: User | None,
          source_item_id: int | None = None, source_entry_id: int | None = None) -> Case:
    year = timezone.localdate(now).year
    number = next_number(jurisdiction_id, "case", year)
    case = Case.objects.create(
        jurisdiction_id=jurisdiction_id, number=f"问责〔{year}〕{number}号", unit=unit, person=person,
        trigger=trigger.value, trigger_rule_id=trigger_rule_id, period_key=period_key[:60], summary=summary[:200],
        facts=facts, opened_by=opened_by, opened_at=now, source_item_id=source_item_id,
        source_entry_id=source_entry_id,
    )
    chain.append(jurisdiction_id=jurisdiction_id, kind="accountability.opened", at=now, actor=opened_by, unit=unit,
                 rule_id=trigger.value, summary=f"问责线索：{unit.name} {summary}"[:200],
                 data={"case": case.pk, "trigger_rule_id": trigger_rule_id, "period": period_key,
                       "person": person.pk if person else None, "facts": facts})
    office = User.objects.filter(jurisdiction_id=jurisdiction_id, is_active=True,
                                 role_grants__role=Role.OFFICE_STAFF).distinct()
    notify(office, kind="accountability_opened", title=f"问责线索待处理：{unit.name}", body=summary,
           url=f"/accountability/{case.pk}/", dedupe_key=f"case-opened-{case.pk}", now=now)
    return case


@transaction.atomic
def open_case_from_trigger(*, jurisdiction: Jurisdiction, unit: Unit, trigger_rule_id: str, summary: str,
                           facts: dict[str, Any], now: dt.datetime, person: User | None = None,
                           opened_by: User | None = None) -> Case:
    """A trigger (S3a-5; S3b-17 from scoring) opens a case once per unit + trigger + ``facts["period"]``;
    calling again returns the existing case."""
    trigger = core.trigger_for(trigger_rule_id)
    period = str(facts.get("period", "")).strip()
    if not period:
        raise InvalidInput("触发问责须在 facts 中给出 period（如年度、事项），以免重复立案。")
    if unit.jurisdiction_id != jurisdiction.pk:
        raise InvalidInput("单位不属于该辖区。")
    existing = Case.objects.filter(jurisdiction=jurisdiction, unit=unit, trigger_rule_id=trigger_rule_id,
                                   period_key=period[:60]).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return _open(jurisdiction_id=jurisdiction.pk, unit=unit, trigger=trigger, trigger_rule_id=trigger_rule_id,
                         summary=summary, facts=facts, period_key=period, now=now, person=person,
                         opened_by=opened_by, source_item_id=facts.get("item"), source_entry_id=facts.get("entry"))
    except IntegrityError:  # opened concurrently by another caller: the constraint keeps it single
        return Case.objects.get(jurisdiction=jurisdiction, unit=unit, trigger_rule_id=trigger_rule_id,
                                period_key=period[:60])


@transaction.atomic
def do_open_case(*, actor: User, unit: Unit, trigger: str, summary: str, facts_text: str = "",
                 person: User | None = None, now: dt.datetime | None = None) -> Case:
    """The office opens a case by hand, naming the S3a-5 situation."""
    now = _now(now)
    if not actor.has_role(*OFFICE_ROLES) or actor.jurisdiction_id is None:
        raise PermissionDenied(NO_PERMISSION)
    try:
        trig = core.Trigger(trigger)
    except ValueError:
        raise InvalidInput("请选择问责情形（S3a-5）。", field_errors={"trigger": "无效"}) from None
    summary = (summary or "").strip()
    if not summary:
        raise InvalidInput("请填写事由。", field_errors={"summary": "必填"})
    if unit.jurisdiction_id != actor.jurisdiction_id or (
            person is not None and person.jurisdiction_id != actor.jurisdiction_id):
        raise InvalidInput("单位或人员不属于本辖区。")
    return _open(jurisdiction_id=actor.jurisdiction_id, unit=unit, trigger=trig, trigger_rule_id=trig.value,
                 summary=summary, facts={"text": facts_text.strip()}, period_key="", now=now, person=person,
                 opened_by=actor)


def _locked(case: Case, actor: User, expected_version: int | None) -> Case:
    fresh = Case.objects.select_for_update(of=("self",)).select_related(
        "unit", "competent_unit", "implementing_unit").filter(pk=case.pk).first()
    if fresh is None or not visible_cases(actor).filter(pk=fresh.pk).exists():
        raise ItemNotFound(NOT_FOUND)
    if expected_version is not None and fresh.version != expected_version:
        raise StateConflict("案件已被他人修改，请刷新页面后重试。")
    return fresh


def copy_recipients(case: Case) -> list[User]:
    """S3a-9(五) copies to the organisation department; S2d: and to the discipline group stationed at the
    unit (discipline people placed in the unit or below it), else the discipline commission."""
    base = User.objects.filter(jurisdiction_id=case.jurisdiction_id, is_active=True)
    organisation = list(base.filter(role_grants__role=Role.ORGANISATION).distinct())
    discipline = base.filter(role_grants__role=Role.DISCIPLINE).distinct()
    stationed = list(discipline.filter(unit__path__startswith=case.unit.path))
    return organisation + (stationed or list(discipline))


@transaction.atomic
def do_case_action(*, actor: User, case: Case, action: str, text: str = "",
                   competent_unit: Unit | None = None, implementing_unit: Unit | None = None,
                   sanctions: Sequence[ProposedSanction] = (), coordination: str = "", publication: str = "",
                   now: dt.datetime | None = None, expected_version: int | None = None) -> Case:
    """One hand-over of S3a-9 (or S3a-10's skip, or a return). Who may act is the party whose turn it is."""
    now = _now(now)
    try:
        act = CaseAction(action)
    except ValueError:
        raise InvalidInput("未知的操作。") from None
    fresh = _locked(case, actor, expected_version)
    t = core.CASE_TRANSITIONS[act]
    try:
        target = core.next_case_state(fresh.state_enum, act)
    except AccountabilityError as exc:
        raise StateConflict(str(exc)) from None
    if t.party not in parties_of(actor, fresh):
        raise PermissionDenied(f"此环节由{core.PARTY_LABELS[t.party]}办理（{t.rule_id}）。")
    text = (text or "").strip()
    if t.needs_text and not text:
        raise InvalidInput(f"请填写{t.needs_text}（{t.rule_id}）。", field_errors={"text": "必填"})
    changes: dict[str, Any] = {"state": target.value}
    data: dict[str, Any] = {"case": fresh.pk}
    if act is CaseAction.HAND_OVER:
        if competent_unit is None or implementing_unit is None:
            raise InvalidInput("请选择主管部门和实施问责的下级政府或部门（S3a-9(一)）。",
                               field_errors={"competent_unit": "必填"})
        if {competent_unit.jurisdiction_id, implementing_unit.jurisdiction_id} != {fresh.jurisdiction_id}:
            raise InvalidInput("单位不属于本辖区。")
        changes.update(suggestion=text, competent_unit=competent_unit, implementing_unit=implementing_unit)
        data.update(competent_unit=competent_unit.pk, implementing_unit=implementing_unit.pk)
    elif act is CaseAction.SKIP_VERIFICATION:
        changes["verification_skipped"] = True
    elif act is CaseAction.PROPOSE:
        try:
            checked = core.check_sanctions(sanctions, coordination)
        except AccountabilityError as exc:
            raise InvalidInput(str(exc), field_errors={"sanctions": str(exc)}) from None
        persons = {p.person_id for p in checked if p.person_id is not None}
        known = User.objects.filter(pk__in=persons, jurisdiction_id=fresh.jurisdiction_id).count()
        if persons and known != len(persons):
            raise InvalidInput("被问责人员不属于本辖区。")
        round_no = fresh.proposal_round + 1
        CaseSanction.objects.bulk_create([
            CaseSanction(jurisdiction_id=fresh.jurisdiction_id, case=fresh, round=round_no, sanction=p.sanction.value,
                         person_id=p.person_id) for p in checked])
        changes["proposal_round"] = round_no
        data.update(round=round_no, sanctions=[{"sanction": p.sanction.value, "person": p.person_id} for p in checked],
                    coordination=coordination.strip())
        if coordination.strip():
            text = f"{text}\n（协调意见：{coordination.strip()}）"
    elif act in (CaseAction.RETURN, CaseAction.REVIEW_RETURN):
        changes["return_count"] = fresh.return_count + 1
    elif act is CaseAction.EXECUTE:
        CaseSanction.objects.filter(case=fresh, round=fresh.proposal_round).update(executed=True)
    elif act is CaseAction.PUBLISH:
        if publication not in core.PUBLICATION_LABELS:
            raise InvalidInput("请选择内部通报或公开通报（S3a-9(五)）。", field_errors={"publication": "必填"})
        changes.update(publication=publication, closed_at=now)
        data["publication"] = publication
    elif act is CaseAction.DISMISS:
        changes["closed_at"] = now
    before = fresh.state
    for k, v in changes.items():
        setattr(fresh, k, v)
    Case.objects.filter(pk=fresh.pk).update(version=F("version") + 1, **changes)
    fresh.version += 1
    CaseStep.objects.create(jurisdiction_id=fresh.jurisdiction_id, case=fresh, action=act.value, label=t.label,
                            party=t.party.value, text=text, rule_id=t.rule_id, at=now, actor=actor)
    chain.append(jurisdiction_id=fresh.jurisdiction_id, kind=f"accountability.{act.value}", at=now, actor=actor,
                 unit=fresh.unit, rule_id=t.rule_id, summary=f"{t.label}：{fresh.number}", reason=text,
                 before={"state": before}, after={"state": target.value}, data=data)
    _notify_next(fresh, act, now)
    return fresh


def _notify_next(case: Case, act: CaseAction, now: dt.datetime) -> None:
    party = core.waiting_on(case.state_enum)
    people: list[User] = []
    units = {Party.COMPETENT: case.competent_unit, Party.IMPLEMENTING: case.implementing_unit}
    unit = units.get(party) if party else None
    if unit is not None:
        people = list(User.objects.filter(unit=unit, is_active=True, role_grants__role__in=list(UNIT_ROLES)).distinct())
    elif party is Party.OFFICE:
        people = list(User.objects.filter(jurisdiction_id=case.jurisdiction_id, is_active=True,
                                          role_grants__role=Role.OFFICE_STAFF).distinct())
    label = core.CASE_STATE_LABELS[case.state_enum]
    if people:
        notify(people, kind="accountability_step", title=f"问责案件{label}：{case.number}", body=case.summary,
               url=f"/accountability/{case.pk}/", dedupe_key=f"case-{case.pk}-{case.version}", now=now)
    if act in (CaseAction.EXECUTE, CaseAction.PUBLISH):
        what = "问责结果" if act is CaseAction.EXECUTE else "问责结果通报"
        notify(copy_recipients(case), kind="accountability_copy", title=f"{what}抄送：{case.number} {case.unit.name}",
               body=case.summary, url=f"/accountability/{case.pk}/", dedupe_key=f"case-copy-{case.pk}-{act.value}",
               now=now)


@transaction.atomic
def do_record_appeal(*, actor: User, case: Case, appellant: str, kind: str, text: str,
                     now: dt.datetime | None = None) -> Appeal:
    """S3a-9(二): a request for review or a complaint against the sanction, recorded on the case."""
    now = _now(now)
    fresh = _locked(case, actor, None)
    if not parties_of(actor, fresh):
        raise PermissionDenied(NO_PERMISSION)
    if fresh.state_enum not in (CaseState.EXECUTING, CaseState.RESULT_REPORTED, CaseState.PUBLISHED):
        raise StateConflict("问责处理意见经复核同意后才能申请复核或申诉。")
    if kind not in ("review", "complaint"):
        raise InvalidInput("请选择申请复核或提起申诉。", field_errors={"kind": "无效"})
    if not (appellant or "").strip() or not (text or "").strip():
        raise InvalidInput("请填写申请人和理由。", field_errors={"text": "必填"})
    appeal = Appeal.objects.create(jurisdiction_id=fresh.jurisdiction_id, case=fresh, appellant=appellant.strip()[:100],
                                   kind=kind, text=text.strip(), filed_at=now, recorded_by=actor)
    chain.append(jurisdiction_id=fresh.jurisdiction_id, kind="accountability.appeal", at=now, actor=actor,
                 unit=fresh.unit, rule_id="S3a-9(二)", summary=f"{appeal.get_kind_display()}：{fresh.number}",
                 reason=text, data={"case": fresh.pk, "appeal": appeal.pk})
    return appeal


@transaction.atomic
def do_decide_appeal(*, actor: User, appeal: Appeal, outcome: str, now: dt.datetime | None = None) -> Appeal:
    now = _now(now)
    fresh = Appeal.objects.select_for_update().filter(pk=appeal.pk).first()
    if fresh is None:
        raise ItemNotFound(NOT_FOUND)
    case = _locked(fresh.case, actor, None)
    if not parties_of(actor, case):
        raise PermissionDenied(NO_PERMISSION)
    if fresh.decided_at is not None:
        raise StateConflict("已记录处理结果。")
    if not (outcome or "").strip():
        raise InvalidInput("请填写处理结果。", field_errors={"outcome": "必填"})
    fresh.outcome, fresh.decided_at = outcome.strip(), now
    fresh.save(update_fields=["outcome", "decided_at"])
    chain.append(jurisdiction_id=fresh.jurisdiction_id, kind="accountability.appeal_decided", at=now, actor=actor,
                 unit=case.unit, rule_id="S3a-9(二)", summary=f"复核/申诉处理结果：{case.number}", reason=outcome,
                 data={"case": case.pk, "appeal": fresh.pk})
    return fresh
