"""The inspections pass of ``duban sweep``: urge late reports and open S3a-5(二) cases. Idempotent.

- Late reports (``Deadline`` rows, partial index on ``next_check_at`` where not done): each row is claimed
  by compare-and-set on ``next_check_at`` (safe with several sweepers on SQLite and PostgreSQL); 1
  working day late → 催报 to the unit (or the team) and the office; 2+ working days late → the entry goes to
  key supervision (S4-二(二), S3b-12(三)), a fact for scoring and an accountability clue (S3a-5(二)).
  ``Urge`` is unique per (deadline, occurrence), so nothing is issued twice.
- Items the urging engine put under key supervision (2+ days overdue, S3b-12(三)) open an S3a-5(二) case
  once per item, unless the unit has stated an objective cause (a valid reason) on an urging ticket.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from duban.ledger import chain
from duban.notify.services import notify
from duban.org.models import Jurisdiction
from duban.workcal.service import current_calendar

from .models import Deadline, Entry, Urge
from .services import office_people, unit_people

KEY_AFTER = 2  # S3b-12(三) / S3a-5(二): 2+ working days


@dataclass
class InspectionSweep:
    examined: int = 0
    urged: list[int] = field(default_factory=list)
    key_supervision: list[int] = field(default_factory=list)
    cases: list[int] = field(default_factory=list)


def _next_morning(today: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0, 0)))


def _urge(row: Deadline, occurrence: int, text: str, rule_id: str, now: dt.datetime) -> bool:
    try:
        with transaction.atomic():
            Urge.objects.create(jurisdiction_id=row.jurisdiction_id, deadline=row, occurrence=occurrence, at=now,
                                text=text[:200], rule_id=rule_id)
    except IntegrityError:
        return False
    return True


def process(row_id: int, now: dt.datetime, result: InspectionSweep) -> bool:
    today = timezone.localdate(now)
    with transaction.atomic():
        row = Deadline.objects.select_related("inspection", "entry", "unit").filter(
            pk=row_id, done_at__isnull=True, next_check_at__lte=now).first()
        if row is None:
            return False
        # Compare-and-set claim: only the sweeper that moves next_check_at goes on.
        if not Deadline.objects.filter(pk=row.pk, next_check_at=row.next_check_at, done_at__isnull=True).update(
                next_check_at=_next_morning(today)):
            return False
        result.examined += 1
        calendar = current_calendar(row.jurisdiction_id)
        late = calendar.working_days_between(row.due_on, today)
        if late < 1:
            return True
        Deadline.objects.filter(pk=row.pk).update(late_days=late)
        inspection, entry = row.inspection, row.entry
        if row.kind == Deadline.Kind.INSPECTION_REPORT:
            what = f"督查报告逾期未报送：{inspection.title}（时限 {row.due_on:%Y-%m-%d}，{row.rule_id}）"
            people = [m.inspector.user for m in inspection.members.filter(active=True).select_related("inspector__user")
                      if m.inspector.user is not None]
            if inspection.team_leader is not None:
                people.append(inspection.team_leader)
            url = f"/inspections/{inspection.pk}/"
            kind = "inspection.report_late"
        else:
            assert entry is not None
            what = (f"整改落实情况逾期未报送：{inspection.code}-{entry.number}"
                    f"（报送时限 {row.due_on:%Y-%m-%d}，S4-二(二)3）")
            people = unit_people(row.unit) + ([entry.person] if entry.person else [])
            url = f"/inspections/entries/{entry.pk}/"
            kind = "inspection.rectification_late"
        if _urge(row, 1, what, row.rule_id, now):
            chain.append(jurisdiction_id=row.jurisdiction_id, kind=kind, at=now, unit=row.unit, rule_id=row.rule_id,
                         summary=what, data={"deadline": row.pk, "inspection": inspection.pk,
                                             "entry": entry.pk if entry else None, "late_working_days": late,
                                             "lead_unit_id": row.unit_id,
                                             "co_unit_ids": list(entry.co_units.values_list("pk", flat=True))
                                             if entry else []})
            notify(people + office_people(row.jurisdiction_id), kind="inspection_urge", title=f"催报：{what}",
                   url=url, dedupe_key=f"insp-urge-{row.pk}-1", now=now)
            result.urged.append(row.pk)
        if late >= KEY_AFTER and entry is not None and _urge(
                row, 2, f"逾期 {late} 个工作日，列入重点督查", "S4-二(二)", now):
            Entry.objects.filter(pk=entry.pk).update(key_supervision=True, key_supervision_since=now)
            chain.append(jurisdiction_id=row.jurisdiction_id, kind="inspection.key_supervision", at=now,
                         unit=row.unit, rule_id="S4-二(二)",
                         summary=f"未按要求完成整改，列入重点督查：{inspection.code}-{entry.number}",
                         data={"entry": entry.pk, "late_working_days": late})
            result.key_supervision.append(entry.pk)
            from duban.accountability.services import open_case_from_trigger

            if row.unit is not None:
                case = open_case_from_trigger(
                    jurisdiction=Jurisdiction.objects.get(pk=row.jurisdiction_id), unit=row.unit,
                    trigger_rule_id="S3a-5(二)", summary=f"整改逾期 {late} 个工作日未报送：{entry.content[:60]}",
                    facts={"period": f"entry-{entry.pk}-{row.due_on}", "entry": entry.pk,
                           "late_working_days": late}, now=now, person=entry.person)
                result.cases.append(case.pk)
    return True


def open_overdue_item_cases(now: dt.datetime, result: InspectionSweep) -> None:
    """S3a-5(二): an item under key supervision (2+ days overdue, S3b-12(三)) without a valid reason."""
    from duban.accountability.models import Case
    from duban.accountability.services import open_case_from_trigger
    from duban.items.models import Assignment, Item
    from duban.urging.models import Ticket

    done = Case.objects.filter(trigger_rule_id="S3a-5(二)", source_item__isnull=False).values("source_item_id")
    valid_reason = Ticket.objects.filter(objective_cause=True).values("item_id")
    items = (Item.objects.filter(key_supervision=True).exclude(pk__in=done).exclude(pk__in=valid_reason)
             .order_by("pk")[:500])
    for item in items:
        lead = Assignment.objects.filter(item=item, role=Assignment.Role.LEAD).select_related("unit").first()
        if lead is None:
            continue
        case = open_case_from_trigger(
            jurisdiction=Jurisdiction.objects.get(pk=item.jurisdiction_id), unit=lead.unit, trigger_rule_id="S3a-5(二)",
            summary=f"督查事项逾期 2 个工作日以上且无正当理由：{item.title}"[:200],
            facts={"period": f"item-{item.pk}", "item": item.pk,
                   "key_supervision_since": str(item.key_supervision_since)}, now=now)
        result.cases.append(case.pk)


def sweep_inspections(now: dt.datetime | None = None, *, batch: int = 500) -> InspectionSweep:
    now = now or timezone.now()
    result = InspectionSweep()
    seen: set[int] = set()
    while True:
        ids = [i for i in Deadline.objects.filter(done_at__isnull=True, next_check_at__lte=now)
               .order_by("next_check_at").values_list("pk", flat=True)[:batch] if i not in seen]
        if not ids:
            break
        for row_id in ids:
            seen.add(row_id)
            process(row_id, now, result)
    open_overdue_item_cases(now, result)
    return result
