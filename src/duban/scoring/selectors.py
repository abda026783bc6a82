"""Reads: the jurisdiction's policy, the units it ranks, the facts of a period and the computed result.

The score ledger is aggregated in SQL — one GROUP BY over integers (unit, the entry's shape mapped to
the attributes the policy reads, quarter or year) and the value — and the core engine is fed the
aggregated rows (``Fact.times`` = the count), so a year of millions of entries costs one query and a
pass over the groups. For one unit's page the unit's own entries go in one by one, so every line of its
score names the entries (events, facts) behind it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Sum

from duban.core.scoring import Fact, Period, Policy, Result, Unit, evaluate_triggers, load_policy, score
from duban.core.scoring.engine import TriggerHit, fact_requirements, no_cyclic_gc
from duban.core.scoring.loader import resolve as resolve_preset
from duban.org.models import Unit as OrgUnit

from .models import PolicyChoice, ScoreEntry, ScoreShape

PERIOD_RE = re.compile(r"^(?P<y>\d{4})(?:Q(?P<q>[1-4])|-(?P<y2>\d{4}))?$")


def parse_period(code: str) -> Period:
    """``2026`` (a year), ``2026Q1`` (a quarter), ``2026-2027`` (two years, S2c)."""
    m = PERIOD_RE.match(code or "")
    if m is None:
        raise ValueError(f"考核期格式有误：{code!r}（例：2026、2026Q1、2026-2027）")
    year = int(m["y"])
    if m["q"]:
        return Period.quarter(year, int(m["q"]))
    if m["y2"]:
        if int(m["y2"]) != year + 1:
            raise ValueError("两年期须为相邻两年，如 2026-2027")
        return Period.biennium(year)
    return Period.year(year)


def period_code(period: Period) -> str:
    if period.quarters == 1:
        return f"{period.start.year}Q{(period.start.month - 1) // 3 + 1}"
    if period.quarters == 8:
        return f"{period.start.year}-{period.end.year}"
    return str(period.start.year)


def default_period(policy: Policy, today: dt.date) -> str:
    if policy.period.length == "biennium":
        return f"{today.year - 1}-{today.year}"
    if policy.period.length == "quarter":
        return f"{today.year}Q{(today.month - 1) // 3 + 1}"
    return str(today.year)


def previous_period(period: Period) -> Period:
    if period.quarters == 8:
        return Period.biennium(period.start.year - 2)
    if period.quarters == 1:
        q = period.first_quarter - 1
        return Period.quarter(q // 4, q % 4 + 1)
    return Period.year(period.start.year - 1)


# -- the policy -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PolicyInUse:
    policy: Policy
    text: str
    name: str  # the preset name, or the uploaded file's name
    sha256: str
    category_map: dict[str, str]
    choice: PolicyChoice | None


@lru_cache(maxsize=32)
def _parsed(text: str, filename: str) -> Policy:
    return load_policy(text, filename)


def policy_from_text(text: str, filename: str) -> Policy:
    """Raises ``PolicyError`` with every problem when the text is not a valid policy."""
    return _parsed(text, filename)


def preset_text(name: str) -> str:
    return resolve_preset(name).read_text(encoding="utf-8")


def current_policy(jurisdiction_id: int) -> PolicyInUse:
    choice = PolicyChoice.objects.filter(jurisdiction_id=jurisdiction_id).first()
    if choice is not None and choice.text:
        text, name = choice.text, choice.filename or "自定义政策.toml"
    else:
        name = choice.preset if choice is not None else getattr(settings, "DUBAN_SCORING_POLICY", "s0")
        text = preset_text(name)
    return PolicyInUse(policy_from_text(text, name if name.endswith(".toml") else f"{name}.toml"), text, name,
                       hashlib.sha256(text.encode()).hexdigest(), dict(choice.category_map) if choice else {},
                       choice)


# -- units and facts --------------------------------------------------------------------------------

def units_for(jurisdiction_id: int, policy: Policy, category_map: dict[str, str] | None = None) -> list[Unit]:
    """The jurisdiction's active units with a category, in the policy's category codes: a code the
    policy knows is kept, ``category_map`` translates the others, then a category whose name is a policy
    category's label takes that one; a one-category policy (S1) takes all."""
    category_map = category_map or {}
    codes = {c.code for c in policy.categories}
    by_label = {c.label: c.code for c in policy.categories}
    single = policy.categories[0].code if len(policy.categories) == 1 else None
    out = []
    rows = OrgUnit.objects.filter(jurisdiction_id=jurisdiction_id, active=True, category__isnull=False)
    for pk, name, code, label in rows.values_list("pk", "name", "category__code", "category__name").order_by(
            "category__order", "code"):
        mapped = category_map.get(code, code)
        if mapped not in codes:
            mapped = by_label.get(label, mapped)  # the same category under its name (功能区类 → GNQ)
        if mapped not in codes and single is not None:
            mapped = single
        out.append(Unit(str(pk), mapped, name))
    return out


def needs_quarters(policy: Policy) -> bool:
    """Does any part of the policy look inside a year (quarterly buckets, escalating sequences)?"""
    if policy.period.bucket == "quarter" or policy.period.length == "quarter":
        return True
    if any(s.bucket == "quarter" for s in policy.sections):
        return True
    return any(r.type == "absence" or r.points.sequence is not None for r in policy.rules)


@lru_cache(maxsize=4096)
def _attrs(text: str) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(json.loads(text).items()))


def _quarter_day(quarter: int) -> dt.date:
    return dt.date(quarter // 4, (quarter % 4) * 3 + 1, 1)


@dataclass(frozen=True)
class _Shapes:
    """The score shapes of the kinds a policy reads, each projected to the attributes it reads: shapes
    that differ only in attributes the policy ignores share one projection (``of_shape`` → index)."""

    of_shape: dict[int, int]  # shape id → projection index
    projections: list[tuple[str, tuple[tuple[str, Any], ...]]]  # index → (kind, projected attributes)


def _shapes(needs: dict[str, frozenset[str]]) -> _Shapes:
    """One small query (a few hundred rows); a null attribute counts as absent."""
    index: dict[tuple[str, tuple[tuple[str, Any], ...]], int] = {}
    of_shape: dict[int, int] = {}
    for pk, kind, text in ScoreShape.objects.filter(kind__in=sorted(needs)).values_list("pk", "kind", "attrs"):
        keep = needs[kind]
        attrs = tuple(sorted((a, v) for a, v in json.loads(text).items() if a in keep and v is not None))
        of_shape[pk] = index.setdefault((kind, attrs), len(index))
    return _Shapes(of_shape, list(index))


def _facts(rows: Any, shapes: _Shapes, period: Period, by_quarter: bool) -> list[Fact]:
    """(unit, projection, bucket, value, count) rows → facts; a group whose count is not positive (an
    entry and its counter-entry) is dropped, and so is a shape written after ``shapes`` was read
    (projection −1 or none: a (kind, attributes) pair first seen while this query ran counts next time)."""
    facts = []
    projections = shapes.projections
    units: dict[int, str] = {}
    days: dict[int, dt.date] = {}
    for unit_id, p, b, value, n in rows:
        if n <= 0 or p is None or p < 0:
            continue
        unit = units.get(unit_id)
        if unit is None:
            unit = units[unit_id] = str(unit_id)
        day = days.get(b)
        if day is None:
            day = days[b] = _quarter_day(b) if by_quarter else max(dt.date(b, 1, 1), period.start)
        kind, attrs = projections[p]
        facts.append(Fact(unit, kind, day, attrs, "", None if value is None else value * n, n))
    return facts


def _single_bucket(period: Period, by_quarter: bool) -> int | None:
    """The one bucket every entry of the period falls in (a year, or a quarter), else None."""
    if by_quarter:
        return period.first_quarter if period.quarters == 1 else None
    return period.start.year if period.start.year == period.end.year else None


def _sql_facts(jurisdiction_id: int, period: Period, by_quarter: bool, exclude_unit: int | None,
               kinds: list[str], shapes: _Shapes) -> list[Fact]:
    """PostgreSQL: one GROUP BY on integers — each entry's shape is mapped to its projection by an array
    lookup (``projection[shape_id]``), so the entries group by (unit, projection, bucket, value) and no
    JSON is read per entry; kinds the policy never reads are not even fetched, and a period that is one
    bucket (a year) is not grouped by bucket at all."""
    last = period.first_quarter + period.quarters - 1
    top = max(shapes.of_shape)
    table = [-1] * top
    for pk, p in shapes.of_shape.items():
        table[pk - 1] = p  # PostgreSQL arrays count from 1, shape ids too
    single = _single_bucket(period, by_quarter)
    bucket = "%s" if single is not None else ("quarter" if by_quarter else "quarter / 4")
    group = "1, 2, 4" if single is not None else "1, 2, 3, 4"
    sql = (f"SELECT unit_id, (%s::int[])[shape_id], {bucket}, value, SUM(times)::bigint "
           "FROM scoring_scoreentry WHERE jurisdiction_id = %s AND quarter BETWEEN %s AND %s "
           "AND kind = ANY(%s) AND shape_id <= %s" + (" AND unit_id <> %s" if exclude_unit is not None else "")
           + f" GROUP BY {group}")
    params: list[Any] = [table, *([single] if single is not None else []), jurisdiction_id, period.first_quarter,
                         last, kinds, top]
    if exclude_unit is not None:
        params.append(exclude_unit)
    # The planner cannot tell how few groups the projection leaves (it guesses 200 values for an array
    # lookup), so it would sort the entries to group them; hashing them is what fits. The setting is put
    # back after the statement, so it never outlives it in the caller's transaction.
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT current_setting('enable_sort'), set_config('enable_sort', 'off', true)")
        before = cur.fetchone()[0]
        try:
            cur.execute(sql, params)
            rows = cur.fetchall()
        finally:
            cur.execute("SELECT set_config('enable_sort', %s, true)", [before])
    return _facts(rows, shapes, period, by_quarter)


def aggregated_facts(jurisdiction_id: int, period: Period, *, by_quarter: bool = True,
                     exclude_unit: int | None = None, policy: Policy | None = None) -> list[Fact]:
    """The period's entries grouped in SQL by unit, shape, bucket and value; a counter-entry (times −1)
    cancels its entry in the sum. With ``policy`` only the kinds it reads are grouped, each shape
    projected to the attributes the policy reads (``core.scoring.fact_requirements``)."""
    if policy is not None:
        needs = fact_requirements(policy)
    else:
        needs = {}
        for kind, text in ScoreShape.objects.values_list("kind", "attrs"):
            needs[kind] = needs.get(kind, frozenset()) | frozenset(json.loads(text))
    shapes = _shapes(needs)
    if not shapes.of_shape:
        return []
    if connection.vendor == "postgresql":
        return _sql_facts(jurisdiction_id, period, by_quarter, exclude_unit, sorted(needs), shapes)
    last = period.first_quarter + period.quarters - 1
    qs = ScoreEntry.objects.filter(jurisdiction_id=jurisdiction_id, quarter__gte=period.first_quarter,
                                   quarter__lte=last, shape_id__in=sorted(shapes.of_shape))
    if exclude_unit is not None:
        qs = qs.exclude(unit_id=exclude_unit)
    bucket = F("quarter") if by_quarter else F("quarter") / 4
    merged: dict[tuple[int, int, int, float | None], int] = {}
    of_shape = shapes.of_shape
    for unit_id, shape_id, b, value, n in (qs.annotate(b=bucket).values_list("unit_id", "shape_id", "b", "value")
                                           .annotate(n=Sum("times")).order_by()):
        key = (unit_id, of_shape[shape_id], b, value)
        merged[key] = merged.get(key, 0) + n
    return _facts([(*key, n) for key, n in merged.items()], shapes, period, by_quarter)


def live_entries(unit_id: int, period: Period) -> list[ScoreEntry]:
    """The unit's entries of the period that count: neither countered nor counter-entries."""
    last = period.first_quarter + period.quarters - 1
    return list(ScoreEntry.objects.filter(unit_id=unit_id, quarter__gte=period.first_quarter, quarter__lte=last,
                                          counter_of__isnull=True, countered_by__isnull=True).order_by("day", "pk"))


def entry_fact(entry: ScoreEntry) -> Fact:
    return Fact(str(entry.unit_id), entry.kind, entry.day, _attrs(entry.attrs), f"e{entry.pk}", entry.value,
                entry.times)


# -- computing ---------------------------------------------------------------------------------------

@dataclass
class Computation:
    in_use: PolicyInUse
    period: Period
    code: str
    result: Result
    triggers: list[TriggerHit] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # core unit id → unit name
    entries: dict[str, ScoreEntry] = field(default_factory=dict)  # "e<pk>" → entry (detail unit only)

    @property
    def policy(self) -> Policy:
        return self.in_use.policy


def compute(jurisdiction_id: int, code: str, *, in_use: PolicyInUse | None = None, detail_unit: int | None = None,
            with_history: bool = True) -> Computation:
    """Score one period under the jurisdiction's policy (or ``in_use``); triggers over the history."""
    in_use = in_use or current_policy(jurisdiction_id)
    period = parse_period(code)
    units = units_for(jurisdiction_id, in_use.policy, in_use.category_map)
    result, entries = _score(jurisdiction_id, in_use.policy, units, period, detail_unit)
    triggers = list(result.triggers)
    longest = max((t.consecutive for t in in_use.policy.triggers), default=1)
    if with_history and longest > 1:
        history = [result]
        past = period
        for _ in range(longest - 1):
            past = previous_period(past)
            earlier = _score(jurisdiction_id, in_use.policy, units, past, None)[0]
            if earlier.facts_used == 0:
                break  # a period with no entries at all was not assessed here: it does not count as a year
            history.insert(0, earlier)
        seen = {(t.trigger_id, t.unit, t.action) for t in triggers}
        triggers += [t for t in evaluate_triggers(in_use.policy, history)
                     if (t.trigger_id, t.unit, t.action) not in seen]
    return Computation(in_use, period, period_code(period), result, triggers, {u.id: u.name for u in units}, entries)


def _score(jurisdiction_id: int, policy: Policy, units: Sequence[Unit], period: Period,
           detail_unit: int | None) -> tuple[Result, dict[str, ScoreEntry]]:
    by_quarter = needs_quarters(policy)
    with no_cyclic_gc():  # the facts are tens of thousands of small tuples, like the engine's groups and lines
        facts = aggregated_facts(jurisdiction_id, period, by_quarter=by_quarter, exclude_unit=detail_unit,
                                 policy=policy)
    entries: dict[str, ScoreEntry] = {}
    if detail_unit is not None:
        for entry in live_entries(detail_unit, period):
            entries[f"e{entry.pk}"] = entry
            facts.append(entry_fact(entry))
    detail = detail_unit is not None
    return score(policy, units, facts, period, keep_refs=detail, explain=detail), entries


def compute_with(jurisdiction_id: int, code: str, policy: Policy, text: str, name: str,
                 category_map: dict[str, str] | None = None) -> Computation:
    """Score a period under another policy (what-if): nothing is stored."""
    in_use = PolicyInUse(policy, text, name, hashlib.sha256(text.encode()).hexdigest(), category_map or {}, None)
    return compute(jurisdiction_id, code, in_use=in_use)
