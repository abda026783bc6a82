"""When the office loads a year's holiday arrangement, provisional deadlines become final (SPEC §8).

Deadlines counted in working days through a year that was not loaded were computed on weekdays only and
marked 待确认. Once the year is loaded, each such deadline is recomputed from its assignment date and
working-day count, and the change is written to the ledger as a history entry.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from duban.ledger import chain
from duban.workcal.service import current_calendar

from . import due
from .models import Item


def recompute_provisional_deadlines(*, year: int, jurisdiction_id: int | None, actor: Any = None,
                                    now: dt.datetime, **_: Any) -> int:
    items = Item.objects.filter(deadline_provisional=True, deadline__year__gte=year)
    if jurisdiction_id is not None:
        items = items.filter(jurisdiction_id=jurisdiction_id)
    changed = 0
    for item in items.iterator():
        with transaction.atomic():
            locked = Item.objects.select_for_update().get(pk=item.pk)
            calendar = current_calendar(locked.jurisdiction_id)
            if locked.assigned_at is None or locked.deadline is None:
                continue
            start = timezone.localdate(locked.assigned_at)
            if locked.deadline_working_days:
                new_deadline = calendar.add_working_days(start, locked.deadline_working_days).date
            else:
                new_deadline = locked.deadline
            provisional = due.is_provisional_span(calendar, start, new_deadline)
            if new_deadline == locked.deadline and provisional == locked.deadline_provisional:
                continue
            Item.objects.filter(pk=locked.pk).update(deadline=new_deadline, deadline_provisional=provisional)
            chain.append(
                jurisdiction_id=locked.jurisdiction_id, kind="deadline_recomputed", at=now, actor=actor,
                item=locked, rule_id="SPEC-8",
                summary=f"载入 {year} 年节假日安排，时限由 {locked.deadline} 更正为 {new_deadline}"
                + ("" if provisional else "（已确认）"),
                before={"deadline": locked.deadline, "deadline_provisional": True},
                after={"deadline": new_deadline, "deadline_provisional": provisional},
                data={"year": year},
            )
            locked.deadline = new_deadline
            locked.deadline_provisional = provisional
            due.refresh_next_due(locked, now)
            changed += 1
    return changed
