"""Reads for community grid management: queues, compliance, staffing and the assessment figures.

``figures()`` is the selector the scoring engine (and the dashboard) reads: per grid, per person and per
community, over a date range, every number with the rule ID behind it (S2a-二(七): 分级考核、分类考核、
定量考核). The same facts are in the ledger as ``grid.*`` events (see ``services``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from duban.core.grid_rules import (
    TIER_RULE,
    Compliance,
    PatrolSpan,
    Staffing,
    Tier,
    median,
    patrol_compliance,
    staffing,
    week_start,
)
from duban.org.models import Unit, User
from duban.workcal.service import current_calendar

from . import access
from .models import Concern, Duty, Grid, Patrol, WeeklyReview


def queue(user: User, community: Unit | None = None, *, state: str | None = None) -> QuerySet[Concern]:
    """The daily analysis queue (当日清) and the cases in hand, oldest first."""
    qs = access.visible_concerns(user).select_related("grid", "community", "handler")
    if community is not None:
        qs = qs.filter(community=community)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("classify_due", "received_at")


def community_staffing(community: Unit) -> Staffing:
    """S2a-三(三): households of the community's grids vs its full-time workers (distinct people)."""
    households = Grid.objects.filter(community=community, active=True).aggregate(n=Sum("households"))["n"] or 0
    full_time = (Duty.objects.filter(grid__community=community, grid__active=True, full_time=True)
                 .values("user").distinct().count())
    return staffing(households, full_time)


def _spans(patrols: QuerySet[Patrol]) -> dict[tuple[int, int], list[PatrolSpan]]:
    spans: dict[tuple[int, int], list[PatrolSpan]] = defaultdict(list)
    for p in patrols:
        spans[(p.user_id, p.grid_id)].append(PatrolSpan(timezone.localtime(p.started_at).date(), p.minutes))
    return spans


@dataclass
class PersonCompliance:
    user: User
    grid: Grid
    duty: str
    compliance: Compliance


def compliance(grids: QuerySet[Grid], first: dt.date, last: dt.date) -> list[PersonCompliance]:
    """Patrol compliance per person and grid (S2a-二(六) daily + ⅓ time; supervisors S2a-二(四) weekly)."""
    grids = grids.select_related("community")
    # The direct responsible person (直接责任人) collects information and answers for the grid; the patrol
    # rules bind the staff who work in it (格长, A/B 角, 管理服务人员) and the supervisor (S2a-二(四), 二(六)).
    duties = list(Duty.objects.filter(grid__in=grids).exclude(kind=Duty.Kind.DIRECT)
                  .select_related("user", "grid", "grid__community"))
    if not duties:
        return []
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))
    spans = _spans(Patrol.objects.filter(grid__in=grids, started_at__gte=start, started_at__lt=end))
    calendar = current_calendar(duties[0].jurisdiction_id)
    rows: list[PersonCompliance] = []
    seen: set[tuple[int, int]] = set()
    for duty in sorted(duties, key=lambda d: (d.grid.code, d.kind != Duty.Kind.SUPERVISOR, d.user_id)):
        key = (duty.user_id, duty.grid_id)
        if key in seen:
            continue
        seen.add(key)
        supervisor = duty.kind == Duty.Kind.SUPERVISOR
        rows.append(PersonCompliance(duty.user, duty.grid, duty.get_kind_display(),
                                     patrol_compliance(spans.get(key, []), first, last, calendar,
                                                       supervisor=supervisor)))
    return rows


@dataclass
class Figure:
    """Assessment facts for one grid, person or community over a period (S2a-二(七))."""

    scope: str  # grid | person | community
    key: int
    label: str
    community_id: int | None = None
    received: int = 0
    classified: int = 0
    classified_same_day: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    open_overdue: int = 0
    rated: int = 0
    satisfaction_sum: int = 0
    response_hours: list[float] = field(default_factory=list)
    resolve_hours: list[float] = field(default_factory=list)
    patrol_periods: int = 0
    patrol_periods_met: int = 0
    rule_ids: tuple[str, ...] = (TIER_RULE, "S2a-二(六)", "S2a-二(七)")

    @property
    def closure_rate(self) -> float | None:
        return self.resolved / self.received if self.received else None

    @property
    def on_time_rate(self) -> float | None:
        return self.resolved_on_time / self.resolved if self.resolved else None

    @property
    def same_day_rate(self) -> float | None:
        return self.classified_same_day / self.classified if self.classified else None

    @property
    def satisfaction(self) -> float | None:
        return self.satisfaction_sum / self.rated if self.rated else None

    @property
    def median_response_hours(self) -> float | None:
        return median(self.response_hours)

    @property
    def median_resolve_hours(self) -> float | None:
        return median(self.resolve_hours)

    @property
    def patrol_rate(self) -> float | None:
        return self.patrol_periods_met / self.patrol_periods if self.patrol_periods else None

    def as_dict(self) -> dict[str, Any]:
        def r(v: float | None, n: int = 3) -> float | None:
            return None if v is None else round(v, n)

        return {
            "scope": self.scope, "key": self.key, "label": self.label, "community": self.community_id,
            "received": self.received, "resolved": self.resolved, "closure_rate": r(self.closure_rate),
            "on_time_rate": r(self.on_time_rate), "same_day_rate": r(self.same_day_rate),
            "open_overdue": self.open_overdue, "satisfaction": r(self.satisfaction, 2), "rated": self.rated,
            "median_response_hours": r(self.median_response_hours, 1),
            "median_resolve_hours": r(self.median_resolve_hours, 1), "patrol_rate": r(self.patrol_rate),
            "rule_ids": list(self.rule_ids),
        }


def _hours(a: dt.datetime, b: dt.datetime) -> float:
    return (b - a).total_seconds() / 3600


def figures(user: User, first: dt.date, last: dt.date, *, today: dt.date | None = None) -> dict[str, list[Figure]]:
    """Figures per grid, person (handler / patrolling staff) and community for cases received in
    ``first``..``last`` and patrols in that range, limited to what ``user`` may see."""
    today = today or timezone.localdate()
    grids = access.visible_grids(user).select_related("community")
    by_grid = {g.pk: Figure("grid", g.pk, f"{g.community.name} · {g.code} {g.name}", g.community_id) for g in grids}
    by_comm: dict[int, Figure] = {}
    for g in grids:
        by_comm.setdefault(g.community_id, Figure("community", g.community_id, g.community.name, g.community_id))
    by_person: dict[int, Figure] = {}
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))
    cases = access.visible_concerns(user).filter(received_at__gte=start, received_at__lt=end).select_related(
        "handler", "community")
    for c in cases:
        targets = [by_grid.get(c.grid_id or -1), by_comm.get(c.community_id or -1)]
        if c.handler_id is not None:
            if c.handler_id not in by_person:
                by_person[c.handler_id] = Figure("person", c.handler_id, c.handler.display_name,  # type: ignore[union-attr]
                                                 c.community_id)
            targets.append(by_person[c.handler_id])
        for f in targets:
            if f is None:
                continue
            f.received += 1
            if c.classified_at is not None:
                f.classified += 1
                f.response_hours.append(_hours(c.received_at, c.classified_at))
                if timezone.localtime(c.classified_at).date() <= c.classify_due:
                    f.classified_same_day += 1
            if c.resolved_at is not None:
                f.resolved += 1
                f.resolve_hours.append(_hours(c.received_at, c.resolved_at))
                if c.deadline is None or timezone.localtime(c.resolved_at).date() <= c.deadline:
                    f.resolved_on_time += 1
            elif (c.state == Concern.State.IN_HAND and c.deadline and c.deadline < today) or (
                    c.state == Concern.State.RECEIVED and c.classify_due < today):
                f.open_overdue += 1
            if c.satisfaction is not None:
                f.rated += 1
                f.satisfaction_sum += c.satisfaction
    for row in compliance(grids, first, min(last, today)):
        c = row.compliance
        periods = c.weeks if c.supervisor else c.working_days
        met = c.weeks_patrolled if c.supervisor else c.days_patrolled
        for f in (by_grid.get(row.grid.pk), by_comm.get(row.grid.community_id)):
            if f is not None:
                f.patrol_periods += periods
                f.patrol_periods_met += met
        person = by_person.setdefault(row.user.pk, Figure("person", row.user.pk, row.user.display_name,
                                                          row.grid.community_id))
        person.patrol_periods += periods
        person.patrol_periods_met += met
    return {"grid": list(by_grid.values()), "person": sorted(by_person.values(), key=lambda f: f.label),
            "community": list(by_comm.values())}


def counts_by_state(qs: QuerySet[Concern]) -> dict[str, int]:
    return {row["state"]: row["n"] for row in qs.order_by().values("state").annotate(n=Count("pk", distinct=True))}


def hard_cases(subdistrict: Unit, today: dt.date) -> QuerySet[Concern]:
    """What the sub-district's weekly review looks at (S2a-二(五)): its communities' open cases that are
    hard (限时办理 / 街道协调), past their deadline, or not yet analysed after their 当日清 day."""
    open_states = [Concern.State.RECEIVED, Concern.State.IN_HAND]
    hard = (Q(tier__in=[Tier.COORDINATED.value, Tier.SUBDISTRICT.value]) | Q(deadline__lt=today)
            | Q(state=Concern.State.RECEIVED, classify_due__lt=today))
    return (Concern.objects.filter(jurisdiction_id=subdistrict.jurisdiction_id,
                                   community__path__startswith=subdistrict.path, state__in=open_states)
            .filter(hard).select_related("community", "grid", "handler").order_by("deadline", "received_at"))


def review_subdistricts(user: User) -> list[Unit]:
    """The sub-districts (towns) whose weekly review (S2a-二(五)) ``user`` may hold: the office all of
    them, a unit user those at or under their own unit; in tree order."""
    if not user.is_authenticated or user.jurisdiction_id is None:
        return []
    kinds = [Unit.Kind.SUBDISTRICT, Unit.Kind.TOWN]
    qs = Unit.objects.filter(jurisdiction_id=user.jurisdiction_id, kind__in=kinds, active=True).order_by("path")
    return [u for u in qs if access.manages(user, u)]


def review_weeks(subdistrict: Unit, today: dt.date, weeks: int = 8) -> list[tuple[dt.date, Any]]:
    """The last ``weeks`` weeks (this one first) and the review recorded for each, or None."""
    monday = week_start(today)
    mondays = [monday - dt.timedelta(weeks=k) for k in range(weeks)]
    held = {r.week_start: r for r in WeeklyReview.objects.filter(subdistrict=subdistrict, week_start__in=mondays)
            .select_related("chair").prefetch_related("concerns")}
    return [(m, held.get(m)) for m in mondays]
