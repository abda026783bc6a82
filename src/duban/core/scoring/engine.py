"""The scoring engine: a policy, units and facts in; per unit totals, ranks, grades and lines out (SPEC §4).

Pure Python, no I/O, no clock. Facts are aggregated per (unit, kind, quarter, attributes) before any
rule is looked at, rule matching (and which matches apply in a category) is cached per distinct (kind,
attributes, category), and every later step walks the groups, never the facts — so 5 million facts cost
one dictionary pass, and a caller that already grouped its ledger in SQL (``Fact.times`` > 1) passes
only the groups. A ranking of thousands of units builds its lines as named tuples, and runs with the
cyclic garbage collector paused (``no_cyclic_gc``).

Every point a unit gets is a ``Line``: the rule ID, the seed's clause, the points before and after the
caps, what it contributes to the total, the fact/event ids behind it and a Chinese explanation. Summed,
the contributions and the base give the total exactly (clamping and averaging add their own lines).
"""

from __future__ import annotations

import datetime as dt
import gc
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

from .model import Condition, Grade, Policy, Rule, Section
from .vocab import ATTRS, AttrValue, value_label

Attrs = tuple[tuple[str, AttrValue], ...]


class Fact(NamedTuple):
    """One fact (``times`` = 1) or a group of identical facts (``times`` > 1, ``value`` their sum).

    ``ref`` is the ledger event or recorded fact behind it; ``rule`` is a rule-ID hint: when set, only
    the policy's rules with that ID take the fact (the ledger entry already names its rule).
    """

    unit: str
    kind: str
    day: dt.date
    attrs: Attrs = ()
    ref: str = ""
    value: float | None = None
    times: int = 1
    rule: str = ""


def fact(unit: str, kind: str, day: dt.date | str, *, ref: str = "", value: float | None = None, times: int = 1,
         rule: str = "", **attrs: AttrValue) -> Fact:
    """Build a ``Fact`` with its attributes sorted: ``fact("FGJ", "ticket_issued", "2026-03-04", colour="red")``."""
    when = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return Fact(unit, kind, when, tuple(sorted(attrs.items())), ref, value, times, rule)


@dataclass(frozen=True)
class Unit:
    id: str
    category: str
    name: str = ""


@dataclass(frozen=True)
class Period:
    """An assessment period, inclusive, aligned on quarters (a quarter, a year, two years)."""

    start: dt.date
    end: dt.date
    label: str = ""

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), f"{year}年")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        start = dt.date(year, 3 * quarter - 2, 1)
        end = (dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)) - dt.timedelta(days=1)
        return cls(start, end, f"{year}年第{quarter}季度")

    @classmethod
    def biennium(cls, first_year: int) -> Period:
        return cls(dt.date(first_year, 1, 1), dt.date(first_year + 1, 12, 31), f"{first_year}—{first_year + 1}年")

    @property
    def first_quarter(self) -> int:
        return self.start.year * 4 + (self.start.month - 1) // 3

    @property
    def quarters(self) -> int:
        return self.end.year * 4 + (self.end.month - 1) // 3 - self.first_quarter + 1

    def bucket_count(self, bucket: str) -> int:
        if bucket == "quarter":
            return self.quarters
        if bucket == "year":
            return self.end.year - self.start.year + 1
        return 1

    def bucket_of(self, quarter_index: int, bucket: str) -> int:
        if bucket == "quarter":
            return quarter_index
        if bucket == "year":
            return (self.first_quarter + quarter_index) // 4 - self.start.year
        return 0

    def bucket_label(self, bucket: str, index: int) -> str:
        if bucket == "quarter":
            q = self.first_quarter + index
            return f"{q // 4}年第{q % 4 + 1}季度"
        if bucket == "year":
            return f"{self.start.year + index}年"
        return ""


_new_line = tuple.__new__


class Line(NamedTuple):
    """One explained part of a unit's score. ``points`` is before any cap, ``capped`` after the rule,
    section and overall caps, ``contribution`` what it adds to the total (after section weight and the
    mean over buckets). Deductions are negative. (A named tuple: a ranking builds tens of thousands.)"""

    unit: str
    rule_id: str
    clause: str
    section: str
    label: str
    variant: str
    bucket: str
    count: int  # type: ignore[assignment]  # how many facts; the field shadows tuple.count
    points: float
    capped: float
    contribution: float
    refs: tuple[str, ...]
    explanation: str
    formula: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class UnitScore:
    unit: str
    category: str
    base: float
    bonus: float  # after caps (positive)
    bonus_raw: float
    deductions: float  # after caps (positive)
    deductions_raw: float
    sections: dict[str, float]  # section code → value after caps, combined over buckets, before weight
    metrics: dict[str, float]
    total: float
    rank: int | None
    ranked: int  # how many units share the ranking group
    grade: str | None
    grade_label: str
    published: float | None  # scaled for publication (S2c-三(四))
    vetoes: tuple[str, ...]  # rule IDs of the vetoes that apply
    barred: tuple[str, ...]  # grade / eligibility codes barred by them
    lines: tuple[Line, ...]
    notes: tuple[str, ...]

    @property
    def below_base(self) -> bool:
        return self.total < self.base


@dataclass(frozen=True)
class TriggerHit:
    trigger_id: str
    action: str
    label: str
    unit: str
    category: str
    periods: tuple[str, ...]
    explanation: str


@dataclass(frozen=True)
class Result:
    policy: str
    period: Period
    scores: tuple[UnitScore, ...]  # by category (policy order), then rank
    triggers: tuple[TriggerHit, ...]
    warnings: tuple[str, ...]
    facts_used: int
    facts_ignored: int

    def unit(self, unit_id: str) -> UnitScore:
        for score in self.scores:
            if score.unit == unit_id:
                return score
        raise KeyError(unit_id)

    def by_unit(self) -> dict[str, UnitScore]:
        return {s.unit: s for s in self.scores}

    def category(self, code: str) -> list[UnitScore]:
        return [s for s in self.scores if s.category == code]


# -- internal accumulators ----------------------------------------------------------------------------

class _Group:
    __slots__ = ("count", "refs", "valued", "vmin", "vsum")

    def __init__(self) -> None:
        self.count = 0
        self.vsum = 0.0
        self.valued = 0
        self.vmin = math.inf
        self.refs: list[str] = []


class _Acc:
    """A line being built: one (unit, rule, variant, bucket)."""

    __slots__ = ("breakdown", "count", "denominator", "formula", "points", "qty", "refs", "rule", "text", "variant")

    def __init__(self, rule: Rule, variant: str) -> None:
        self.rule = rule
        self.variant = variant
        self.count = 0
        self.points = 0.0
        self.qty = 0.0
        self.denominator = 0.0
        self.refs: list[str] = []
        self.breakdown: dict[str, int] | None = None  # variant → count, for a mean (``add``)
        self.formula: tuple[tuple[str, float], ...] = ()
        self.text = ""


Match = tuple[Rule, str, Any]  # rule, variant label, unit points (float | (low, high) | "value" | None)
# A match that applies in a category: rule, variant, unit points, section, its bucket kind, how it adds
# (0 ``add``, 1 zero_section, 2 share_of_max, 3 a number per counted fact), the line's variant.
_Target = tuple[Rule, str, Any, Section, str, int, str]


def _matches(when: dict[str, tuple[AttrValue, ...]], attrs: dict[str, AttrValue]) -> bool:
    for attr, allowed in when.items():
        if attr in attrs:
            value = attrs[attr]
        elif ATTRS.get(attr) is not None and ATTRS[attr].type == "bool":
            value = False  # a missing flag is false: no valid reason, not passive, not approved
        else:
            return False
        if value not in allowed:
            return False
    return True


def _unit_points(rule: Rule, attrs: dict[str, AttrValue]) -> tuple[str, Any]:
    p = rule.points
    if p.fixed is not None:
        return "", p.fixed
    if p.table:
        value = attrs.get(p.by)
        missing = ATTRS[p.by].label if p.by in ATTRS else p.by
        label = value_label(p.by, value) if value is not None else f"未注明{missing}"
        return label, p.table.get(str(value)) if value is not None else None
    if p.range is not None:
        return "", p.range
    if p.from_value:
        return "", "value"
    if p.sequence is not None:
        n = attrs.get("n", 1)
        n = int(n) if isinstance(n, int | float) else 1
        return f"第{n}次", p.sequence.nth(n)
    return "", None


def _allocate(amounts: list[float], cap: float, how: str) -> list[float]:
    """Share ``cap`` among positive ``amounts``: in file order, or proportionally."""
    total = sum(amounts)
    if total <= cap + 1e-12:
        return list(amounts)
    if how == "proportional":
        return [a * cap / total for a in amounts]
    out = []
    left = cap
    for amount in amounts:
        take = min(amount, max(left, 0.0))
        out.append(take)
        left -= take
    return out


def _compare(left: float, op: str, right: float) -> bool:
    left, right = round(left, 9), round(right, 9)
    return {"<": left < right, "<=": left <= right, "==": left == right, "!=": left != right,
            ">=": left >= right, ">": left > right}[op]


def _g(value: float) -> str:
    return f"{round(value, 4) + 0.0:g}"  # + 0.0: never print "-0"


SIGN_WORD = {"bonus": "加", "deduction": "减", "score": "得", "deduct_from_max": "扣", "metric": "计"}


def _competition_ranks(totals: list[tuple[str, float]]) -> dict[str, int]:
    """1, 2, 2, 4: ties share a rank (totals already rounded to the policy's precision)."""
    ordered = sorted(totals, key=lambda t: -t[1])
    ranks: dict[str, int] = {}
    for position, (unit, total) in enumerate(ordered, start=1):
        if position > 1 and total == ordered[position - 2][1]:
            ranks[unit] = ranks[ordered[position - 2][0]]
        else:
            ranks[unit] = position
    return ranks


# -- the engine --------------------------------------------------------------------------------------

class _Run:
    def __init__(self, policy: Policy, units: Sequence[Unit], period: Period, keep_refs: bool,
                 explain: bool = True) -> None:
        self.policy = policy
        self.explain = explain
        self.period = period
        self.keep_refs = keep_refs
        self.units = [u for u in units if policy.category(u.category) is not None]
        self.category_of = {u.id: u.category for u in self.units}
        self.warnings: list[str] = []
        for u in units:
            if policy.category(u.category) is None:
                self.warnings.append(f"单位 {u.id} 的类别 {u.category!r} 不在政策 {policy.name} 中，未参加评分")
        self.sections = {s.code: s for s in policy.sections}
        self.rules_by_kind: dict[str, list[Rule]] = defaultdict(list)
        self.absence: list[Rule] = []
        for rule in policy.rules:
            if rule.type == "absence":
                self.absence.append(rule)
            else:
                for kind in rule.facts:
                    self.rules_by_kind[kind].append(rule)
        self.seq_scope: dict[str, str] = {}
        for rule in policy.rules:
            if rule.points.sequence is not None:
                for kind in rule.facts:
                    self.seq_scope.setdefault(kind, rule.points.sequence.scope)
        watched = {k for v in policy.vetoes for k in v.facts}
        watched |= {c.ref for g in policy.grades for c in g.conditions if c.what in ("fact", "each")}
        watched |= {k for r in self.absence for k in (*r.facts, *r.unless)}
        if policy.no_items is not None:
            watched.add(policy.no_items.fact)
        self.watched = watched
        # Attributes any rule, veto or condition looks at, per kind: the rest is dropped before grouping.
        relevant: dict[str, set[str]] = defaultdict(set)
        for rule in policy.rules:
            for kind in (*rule.facts, *rule.unless):
                relevant[kind] |= set(rule.when)
                if rule.points.by:
                    relevant[kind].add(rule.points.by)
                if rule.points.sequence is not None:
                    relevant[kind].add("n")
        for veto in policy.vetoes:
            for kind in veto.facts:
                relevant[kind] |= set(veto.when)
        for grade in policy.grades:
            for cond in grade.conditions:
                relevant[cond.ref] |= set(cond.when)
        self.relevant = relevant

    # 1. group the facts -------------------------------------------------------------------------
    def group(self, facts: Iterable[Fact]) -> dict[tuple[str, str, int, Attrs, str], _Group]:
        groups: dict[tuple[str, str, int, Attrs, str], _Group] = {}
        quarter_of: dict[dt.date, int] = {}
        projected: dict[tuple[str, Attrs], Attrs] = {}
        start, end, first_q = self.period.start, self.period.end, self.period.first_quarter
        relevant = self.relevant
        seq_kinds = self.seq_scope
        to_number: list[Fact] = []
        keep_refs = self.keep_refs
        used = ignored = 0
        for f in facts:
            unit, kind, day, f_attrs, ref, value, times, rule = f  # unpacked once: cheaper than 8 attributes
            qi = quarter_of.get(day)
            if qi is None:
                qi = day.year * 4 + (day.month - 1) // 3 - first_q if start <= day <= end else -1
                quarter_of[day] = qi
            if qi < 0:
                ignored += times
                continue
            if kind in seq_kinds:
                to_number.append(f)
                continue
            pkey = (kind, f_attrs)
            attrs = projected.get(pkey)
            if attrs is None:
                keep = relevant.get(kind, set())
                attrs = tuple(a for a in f_attrs if a[0] in keep)
                projected[pkey] = attrs
            key = (unit, kind, qi, attrs, rule)
            g = groups.get(key)
            if g is None:
                g = groups[key] = _Group()
            g.count += times
            if value is not None:
                g.vsum += value
                g.valued += times
                each = value / times if times else value
                if each < g.vmin:
                    g.vmin = each
            if keep_refs and ref:
                g.refs.append(ref)
            used += times
        used += self.number(to_number, groups)
        self.used, self.ignored = used, ignored
        return groups

    def number(self, facts: list[Fact], groups: dict[tuple[str, str, int, Attrs, str], _Group]) -> int:
        """Give each fact of an escalating rule its ordinal ``n`` (S3b-12(三): the n-th return).

        With ``scope = "item"`` a fact that already carries ``n`` (the item's return count from the
        ledger) keeps it; otherwise facts are numbered by date per (unit, item), or per unit.
        """
        counters: dict[tuple[str, str, str], int] = defaultdict(int)
        facts.sort(key=lambda f: (f.day, f.ref))
        first_q = self.period.first_quarter
        used = 0
        for f in facts:
            attrs = dict(f.attrs)
            scope = self.seq_scope[f.kind]
            counter = (f.unit, f.kind, str(attrs.get("item", "")) if scope == "item" else "")
            given = attrs.get("n") if scope == "item" and f.times == 1 else None
            keep = self.relevant.get(f.kind, set())
            qi = f.day.year * 4 + (f.day.month - 1) // 3 - first_q
            each_value = None if f.value is None else f.value / max(f.times, 1)
            for _ in range(max(f.times, 1)):
                if isinstance(given, int) and not isinstance(given, bool):
                    n = given
                else:
                    counters[counter] += 1
                    n = counters[counter]
                attrs["n"] = n
                projected = tuple(sorted((k, v) for k, v in attrs.items() if k in keep))
                key = (f.unit, f.kind, qi, projected, f.rule)
                g = groups.get(key)
                if g is None:
                    g = groups[key] = _Group()
                g.count += 1
                if each_value is not None:
                    g.vsum += each_value
                    g.valued += 1
                    g.vmin = min(g.vmin, each_value)
                if self.keep_refs and f.ref:
                    g.refs.append(f.ref)
                used += 1
        return used

    # 2. match the groups against the rules -----------------------------------------------------
    def targets(self, kind: str, attrs: Attrs, hint: str, category: str) -> tuple[list[Match], list[_Target]]:
        """The rules a (kind, attributes, hint) group matches, and those of them that apply in
        ``category`` with what each needs (computed once per distinct key, not per group)."""
        attr_map = dict(attrs)
        matches: list[Match] = []
        for rule in self.rules_by_kind.get(kind, ()):
            if hint and rule.id != hint:
                continue
            if not _matches(rule.when, attr_map):
                continue
            variant, unit_points = _unit_points(rule, attr_map)
            matches.append((rule, variant, unit_points))
        out: list[_Target] = []
        for rule, variant, unit_points in matches:
            if not rule.applies_to(category):
                continue
            section = self.sections[rule.section]
            if not section.applies_to(category):
                continue
            kind_code = 1 if rule.type == "zero_section" else 2 if rule.type == "share_of_max" else 0
            # 3: a number per fact counted (the common case: added inline); 0: everything else (``add``).
            if kind_code == 0 and unit_points is not None and not isinstance(unit_points, tuple | str) \
                    and rule.per != "value" and rule.aggregate != "mean":
                kind_code = 3
            out.append((rule, variant, unit_points, section, section.bucket or self.policy.period.bucket, kind_code,
                        "" if rule.aggregate == "mean" else variant))
        return matches, out

    def accumulate(self, groups: dict[tuple[str, str, int, Attrs, str], _Group]) -> None:
        cache: dict[tuple[str, Attrs, str, str], tuple[list[Match], list[_Target]]] = {}
        self.accs: dict[tuple[str, int, str, int], _Acc] = {}
        accs = self.accs
        self.share_counts: dict[tuple[int, str, int], _Acc] = {}
        self.zeroed: dict[tuple[str, str], dict[int, list[str]]] = defaultdict(dict)
        self.watched_groups: dict[str, list[tuple[str, dict[str, AttrValue], _Group, int]]] = defaultdict(list)
        self.absence_seen: dict[tuple[str, str, int], bool] = {}  # (unit, kind-role, quarter) → seen
        self.unknown_units: set[str] = set()
        self.unmatched: dict[str, int] = defaultdict(int)
        self.not_applicable: dict[tuple[str, str], int] = defaultdict(int)
        category_of = self.category_of
        watched = self.watched
        period = self.period
        bucket_of = period.bucket_of
        add = self.add
        for (unit, kind, qi, attrs, hint), g in groups.items():
            category = category_of.get(unit)
            if category is None:
                self.unknown_units.add(unit)
                continue
            if kind in watched:
                self.watched_groups[unit].append((kind, dict(attrs), g, qi))
            ckey = (kind, attrs, hint, category)
            found = cache.get(ckey)
            if found is None:
                found = cache[ckey] = self.targets(kind, attrs, hint, category)
            matches, targets = found
            if not matches and kind not in watched:
                self.unmatched[kind] += g.count
            for rule, variant, unit_points, section, bucket_kind, kind_code, acc_variant in targets:
                bucket = 0 if bucket_kind == "period" else bucket_of(qi, bucket_kind)
                if kind_code == 3:
                    key = (unit, rule.index, acc_variant, bucket)
                    acc = accs.get(key)
                    if acc is None:
                        acc = accs[key] = _Acc(rule, acc_variant)
                    count = g.count
                    acc.count += count
                    if g.refs:
                        acc.refs.extend(g.refs)
                    acc.points += unit_points * count
                    acc.denominator += count
                    continue
                if kind_code == 1:
                    self.zeroed[(unit, section.code)].setdefault(bucket, []).extend(g.refs)
                    continue
                if kind_code == 2:
                    share = self.share_counts.get((rule.index, unit, bucket))
                    if share is None:
                        share = self.share_counts[(rule.index, unit, bucket)] = _Acc(rule, "")
                    share.count += g.count
                    share.refs.extend(g.refs)
                    continue
                key = (unit, rule.index, acc_variant, bucket)
                acc = accs.get(key)
                if acc is None:
                    acc = accs[key] = _Acc(rule, acc_variant)
                add(acc, rule, variant, unit_points, g)
            if matches and not targets:
                self.not_applicable[(kind, category)] += g.count
        for kind, n in self.unmatched.items():
            self.warnings.append(f"{n} 条 {kind} 事实没有匹配到任何规则")
        for (kind, category), n in self.not_applicable.items():
            self.warnings.append(f"{n} 条 {kind} 事实匹配的规则不适用于类别 {category}，未计分")
        for unit in sorted(self.unknown_units):
            self.warnings.append(f"事实所属单位 {unit} 不在评分单位中，已忽略")

    @staticmethod
    def add(acc: _Acc, rule: Rule, variant: str, unit_points: Any, g: _Group) -> None:
        count = g.count
        acc.count += count
        acc.refs.extend(g.refs)
        if rule.aggregate == "mean":
            if acc.breakdown is None:
                acc.breakdown = {}
            acc.breakdown[variant or "—"] = acc.breakdown.get(variant or "—", 0) + count
        if unit_points is None:
            return
        if unit_points == "value":
            acc.points += g.vsum
            acc.denominator += g.valued
            return
        if isinstance(unit_points, tuple):
            low, high = unit_points
            given = min(max(g.vsum, low * g.valued), high * g.valued)
            default = low if rule.points.default == "min" else high
            acc.points += given + default * (count - g.valued)
            acc.denominator += count
            return
        if rule.per == "value":
            qty = g.vsum + (count - g.valued)
            acc.qty += qty
            acc.points += unit_points * qty
        else:
            acc.points += unit_points * count
        acc.denominator += count

    # 3. special rules: effectiveness share, quarters without urging ---------------------------------
    def specials(self) -> None:
        # S0-A三.5: scale × (mine ÷ the most in my category), per bucket.
        best: dict[tuple[int, str, int], int] = defaultdict(int)
        for (index, unit, bucket), acc in self.share_counts.items():
            key = (index, self.category_of[unit], bucket)
            best[key] = max(best[key], acc.count)
        for (index, unit, bucket), acc in self.share_counts.items():
            rule = acc.rule
            top = best[(index, self.category_of[unit], bucket)]
            acc.points = rule.scale * acc.count / top if top else 0.0
            acc.denominator = 1
            acc.formula = (("本单位", float(acc.count)), ("本类别最多", float(top)), ("系数", rule.scale))
            acc.text = (f"{rule.label}：{_g(rule.scale)} ×（本单位 {acc.count} 件 ÷ 本类别最多 {top} 件）"
                        f"= {_g(acc.points)} 分")
            self.accs[(unit, index, "", bucket)] = acc
        # S3b-11(三): points for each bucket in which the unit had a due milestone and no urging.
        for rule in self.absence:
            for unit_obj in self.units:
                unit, category = unit_obj.id, unit_obj.category
                if not rule.applies_to(category) or not self.sections[rule.section].applies_to(category):
                    continue
                need: dict[int, list[str]] = defaultdict(list)
                spoiled: set[int] = set()
                for kind, attrs, g, qi in self.watched_groups.get(unit, ()):
                    b = self.period.bucket_of(qi, rule.bucket)
                    if kind in rule.unless:
                        spoiled.add(b)
                    if kind in rule.facts and _matches(rule.when, attrs):
                        need[b].extend(g.refs)
                for b in sorted(need):
                    if b in spoiled:
                        continue
                    section = self.sections[rule.section]
                    sb = self.period.bucket_of(self._first_quarter_of(b, rule.bucket),
                                               section.bucket or self.policy.period.bucket)
                    clean = self.accs.get((unit, rule.index, "", sb))
                    if clean is None:
                        clean = self.accs[(unit, rule.index, "", sb)] = _Acc(rule, "")
                    points = rule.points.fixed or 0.0
                    clean.count += 1
                    clean.points += points
                    clean.denominator += 1
                    clean.refs.extend(need[b])
                    label = self.period.bucket_label(rule.bucket, b)
                    head = clean.text + "；" if clean.text else f"{rule.label}："
                    clean.text = head + f"{label} 加 {_g(points)} 分"

    def _first_quarter_of(self, index: int, bucket: str) -> int:
        if bucket == "quarter":
            return index
        if bucket == "year":
            return max(0, (self.period.start.year + index) * 4 - self.period.first_quarter)
        return 0

    # 4. per unit: sections, caps, total ------------------------------------------------------------
    def plan(self) -> list[tuple[Section, str, int, list[str], int, bool]]:
        """Per section, once per run: its bucket kind, bucket count and labels, the divisor of a mean,
        and whether any of its rules has a cap of its own."""
        policy = self.policy
        out = []
        for section in policy.sections:
            bucket_kind = section.bucket or policy.period.bucket
            n_buckets = self.period.bucket_count(bucket_kind)
            labels = [self.period.bucket_label(bucket_kind, b) for b in range(n_buckets)]
            divisor = n_buckets if section.combine == "mean" else 1
            rule_max = any(r.max is not None for r in policy.rules if r.section == section.code)
            out.append((section, bucket_kind, n_buckets, labels, divisor, rule_max))
        return out

    def unit_score(self, unit: Unit, mine: dict[tuple[str, int], list[_Acc]]) -> tuple[float, dict[str, Any]]:
        """``mine``: the unit's lines being built, by (section, bucket) (``run`` sorts them out once)."""
        policy = self.policy
        explain = self.explain
        category = unit.category
        out_lines: list[dict[str, Any]] = []
        sections: dict[str, float] = {}
        metrics: dict[str, float] = {}
        bonus_lines: list[dict[str, Any]] = []
        deduction_lines: list[dict[str, Any]] = []
        of_section: dict[str, list[dict[str, Any]]] = {}
        allocation = policy.caps.allocation
        make_line = self.make_line
        for section, bucket_kind, n_buckets, labels, divisor, rule_max in self._plan:
            if not section.applies_to(category):
                continue
            cap = section.cap(category)
            capped = cap is not None and section.kind != "metric"
            value_total = 0.0
            zero_refs = self.zeroed.get((unit.id, section.code), {})
            zero_all = section.zero_scope == "period" and bool(zero_refs)
            section_lines: list[dict[str, Any]] = []
            for bucket in range(n_buckets):
                blabel = labels[bucket]
                accs = mine.get((section.code, bucket))
                if accs:
                    if len(accs) > 1:
                        accs.sort(key=lambda a: (a.rule.index, a.variant))
                    lines = [make_line(unit, section, acc, blabel, divisor) for acc in accs]
                else:
                    lines = []
                if rule_max and lines:
                    # Rule caps (S2c sub-item maxima), then the section cap.
                    per_rule: dict[int, list[dict[str, Any]]] = defaultdict(list)
                    for line in lines:
                        per_rule[line["rule"].index].append(line)
                    for rule_lines in per_rule.values():
                        rule = rule_lines[0]["rule"]
                        if rule.max is not None:
                            shares = _allocate([max(x["amount"], 0.0) for x in rule_lines], rule.max * rule.weight,
                                               allocation)
                            for x, share in zip(rule_lines, shares, strict=True):
                                if explain and share < x["amount"] - 1e-12:
                                    x["notes"].append(f"本项最多 {_g(rule.max * rule.weight)} 分（{rule.id}）")
                                x["kept"] = share
                if capped and lines:
                    amounts = [x["kept"] for x in lines]
                    if sum(amounts) > cap + 1e-12:  # type: ignore[operator]  # within the cap: every share kept
                        shares = _allocate(amounts, cap, allocation)  # type: ignore[arg-type]
                        for x, share in zip(lines, shares, strict=True):
                            if explain and share < x["kept"] - 1e-12:
                                x["notes"].append(f"{section.label}封顶 {_g(cap)} 分（{section.id or section.code}）")  # type: ignore[arg-type]
                            x["kept"] = share
                raw = sum(x["kept"] for x in lines)
                if section.kind == "deduct_from_max":
                    full: dict[str, Any] = {"rule": None, "section": section, "rule_id": section.id, "clause": "",
                            "label": f"{section.label}满分", "variant": "", "bucket": blabel, "count": 0,
                            "amount": cap or 0.0, "kept": cap or 0.0, "refs": [], "notes": [], "formula": (),
                            "text": f"{section.label}{('（' + blabel + '）') if blabel else ''}满分 {_g(cap or 0.0)} 分"
                                    + ("，未发生扣分事项得满分" if not lines else ""),
                            "sign": 1, "divisor": divisor}
                    lines.insert(0, full)
                    bucket_value = (cap or 0.0) - raw
                else:
                    bucket_value = raw
                if (bucket in zero_refs or zero_all) and bucket_value > 0:
                    refs = zero_refs.get(bucket, []) if not zero_all else [r for v in zero_refs.values() for r in v]
                    rule = next(r for r in policy.rules if r.section == section.code and r.type == "zero_section")
                    lines.append({"rule": rule, "section": section, "rule_id": rule.id, "clause": rule.clause,
                                  "label": rule.label, "variant": "", "bucket": blabel, "count": 1,
                                  "amount": bucket_value, "kept": bucket_value, "refs": refs, "notes": [],
                                  "formula": (), "sign": -1, "divisor": divisor,
                                  "text": f"{rule.label}：扣除本项全部得分 {_g(bucket_value)} 分"})
                    bucket_value = 0.0
                if explain and divisor > 1:
                    for x in lines:
                        x["notes"].append(f"按 {n_buckets} 个{'年度' if bucket_kind == 'year' else '分段'}平均")
                value_total += bucket_value
                if lines:
                    out_lines.extend(lines)
                    section_lines.extend(lines)
                    if section.kind == "bonus":
                        bonus_lines.extend(lines)
                    elif section.kind == "deduction":
                        deduction_lines.extend(lines)
            value = value_total / divisor
            if section.kind == "metric":
                metrics[section.code] = value
            sections[section.code] = value
            of_section[section.code] = section_lines
        # Overall caps: S0-A二 bonus ≤ 20, deductions ≤ 80; S2e ±50.
        for lines, cap, cap_id, word in ((bonus_lines, policy.caps.bonus, policy.caps.bonus_id, "加分"),
                                         (deduction_lines, policy.caps.deduction, policy.caps.deduction_id, "减分")):
            if cap is None or not lines:
                continue
            weighted = [x["kept"] * x["section"].weight / x["divisor"] for x in lines]
            if sum(weighted) <= cap + 1e-12:
                continue  # within the cap: ``_allocate`` would keep every share
            shares = _allocate(weighted, cap, allocation)
            for x, w, share in zip(lines, weighted, shares, strict=True):
                if share < w - 1e-12:
                    if explain:  # notes feed only the explanation texts (freeze)
                        x["notes"].append(f"{word}合计封顶 {_g(cap)} 分（{cap_id}）")
                    x["kept"] = share * x["divisor"] / x["section"].weight if x["section"].weight else 0.0
        for section, _kind, n_buckets, _labels, _divisor, _max in self._plan:
            if section.code in sections and section.kind in ("bonus", "deduction"):
                n = n_buckets if section.combine == "mean" else 1
                sections[section.code] = sum(x["kept"] for x in of_section[section.code]) / n
        total = policy.total.base
        bonus = bonus_raw = deductions = deductions_raw = 0.0
        for x in out_lines:
            section = x["section"]
            kind = section.kind
            sign = x["sign"] or (-1 if kind in ("deduction", "deduct_from_max") else 1)
            kept = x["kept"]
            x["signed_points"] = sign * x["amount"]
            x["signed_kept"] = sign * kept
            contribution = x["contribution"] = 0.0 if kind == "metric" else sign * kept * section.weight / x["divisor"]
            total += contribution
            if kind == "bonus":
                bonus += contribution
                bonus_raw += x["amount"] * section.weight / x["divisor"]
            elif kind == "deduction":
                deductions -= contribution
                deductions_raw += x["amount"] * section.weight / x["divisor"]
        return total, {"lines": out_lines, "sections": sections, "metrics": metrics, "bonus": bonus,
                       "bonus_raw": bonus_raw, "deductions": deductions, "deductions_raw": deductions_raw}

    def make_line(self, unit: Unit, section: Section, acc: _Acc, bucket_label: str, divisor: int = 1
                  ) -> dict[str, Any]:
        rule = acc.rule
        if not self.explain:  # numbers only (a ranking): the Chinese texts are built when a unit is shown
            if rule.aggregate == "mean":
                amount = (acc.points / acc.denominator if acc.denominator else 0.0) * rule.weight
            else:
                amount = acc.points * rule.weight
            # No notes, formula or text: only explanations read them (every note is added under ``explain``).
            return {"rule": rule, "section": section, "rule_id": rule.id, "clause": rule.clause, "label": rule.label,
                    "variant": acc.variant, "bucket": bucket_label, "count": acc.count, "amount": amount,
                    "kept": amount, "refs": acc.refs, "sign": 0, "divisor": divisor}
        if rule.aggregate == "mean":
            mean = acc.points / acc.denominator if acc.denominator else 0.0
            amount = mean * rule.weight
            parts = "，".join(f"{k} {v}" for k, v in (acc.breakdown or {}).items() if k != "—")
            text = (f"{rule.label}：{acc.count} 份{('（' + parts + '）') if parts else ''}，平均 {_g(mean)}"
                    + (f" 分 × 权重 {_g(rule.weight)} = {_g(amount)} 分" if rule.weight != 1 else " 分"))
            formula: tuple[tuple[str, float], ...] = (("份数", float(acc.count)), ("平均", mean),
                                                      ("权重", rule.weight))
        else:
            amount = acc.points * rule.weight
            text, formula = acc.text, acc.formula
            if not text:
                text, formula = self.describe(section, acc, amount)
        return {"rule": rule, "section": section, "rule_id": rule.id, "clause": rule.clause, "label": rule.label,
                "variant": acc.variant, "bucket": bucket_label, "count": acc.count, "amount": amount,
                "kept": amount, "refs": acc.refs, "notes": [], "formula": formula, "text": text, "sign": 0,
                "divisor": divisor}

    @staticmethod
    def describe(section: Section, acc: _Acc, amount: float) -> tuple[str, tuple[tuple[str, float], ...]]:
        rule = acc.rule
        word = SIGN_WORD[section.kind]
        head = f"{rule.label}{('（' + acc.variant + '）') if acc.variant else ''}"
        p = rule.points
        weight = f" × 权重 {_g(rule.weight)}" if rule.weight != 1 else ""
        if p.from_value:
            return (f"{head}：{acc.count} 项评定合计 {_g(acc.points)} 分{weight}", (("评定分", acc.points),))
        if isinstance(p.range, tuple) or (p.table and any(isinstance(v, tuple) for v in p.table.values())):
            return (f"{head}：{acc.count} 项，按认定分值{word} {_g(amount)} 分{weight}",
                    (("项数", float(acc.count)), ("分值", acc.points)))
        if acc.count and rule.per == "value":
            each = acc.points / acc.qty if acc.qty else 0.0
            return (f"{head}：合计 {_g(acc.qty)} × {_g(each)} 分 = {word} {_g(amount)} 分{weight}",
                    (("数量", acc.qty), ("每单位分值", each)))
        each = acc.points / acc.count if acc.count else 0.0
        if acc.count and each == 0 and p.table:
            return (f"{head}：{acc.count} 次，该档次未列分值，不计分", (("次数", float(acc.count)),))
        return (f"{head}：{acc.count} 次 × {_g(each)} 分 = {word} {_g(amount)} 分{weight}",
                (("次数", float(acc.count)), ("每次分值", each)))

    # 5. everything -------------------------------------------------------------------------------
    def run(self, facts: Iterable[Fact]) -> Result:
        policy = self.policy
        groups = self.group(facts)
        self.accumulate(groups)
        self.specials()
        by_unit: dict[str, dict[tuple[str, int], list[_Acc]]] = {}
        for (unit_id, _index, _variant, bucket), acc in self.accs.items():
            mine = by_unit.get(unit_id)
            if mine is None:
                mine = by_unit[unit_id] = {}
            at = (acc.rule.section, bucket)
            listed = mine.get(at)
            if listed is None:
                mine[at] = [acc]
            else:
                listed.append(acc)
        self._plan = self.plan()
        precision = policy.total.precision
        computed: dict[str, tuple[float, dict[str, Any]]] = {}
        for unit in self.units:
            computed[unit.id] = self.unit_score(unit, by_unit.get(unit.id, {}))
        totals: dict[str, float] = {}
        notes: dict[str, list[str]] = defaultdict(list)
        extra: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for unit in self.units:
            total = computed[unit.id][0]
            clamped = total
            if policy.total.max is not None and clamped > policy.total.max:
                clamped = policy.total.max
            if policy.total.min is not None and clamped < policy.total.min:
                clamped = policy.total.min
            if clamped != total:
                extra[unit.id].append(self.adjustment(
                    policy.total.id, f"总分限定在 {_g(policy.total.min) if policy.total.min is not None else '−∞'}"
                    f"–{_g(policy.total.max) if policy.total.max is not None else '+∞'} 分之间",
                    clamped - total))
            totals[unit.id] = clamped
        self.average_for_units_without_items(totals, extra, notes)
        rounded = {u: round(t, precision) for u, t in totals.items()}
        ranks: dict[str, int] = {}
        group_size: dict[str, int] = {}
        groups_by_scope: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for unit in self.units:
            scope = unit.category if policy.rank_scope == "category" else "*"
            groups_by_scope[scope].append((unit.id, rounded[unit.id]))
        for members in groups_by_scope.values():
            ranks.update(_competition_ranks(members))
            for unit_id, _ in members:
                group_size[unit_id] = len(members)
        vetoes, barred = self.vetoes()
        grades, grade_notes = self.grades(rounded, computed, barred)
        scores: list[UnitScore] = []
        for unit in self.units:
            total, parts = computed[unit.id]
            lines = tuple(self.freeze(unit.id, x) for x in [*parts["lines"], *extra[unit.id]])
            grade = grades.get(unit.id)
            g = policy.grade(grade) if grade else None
            published = None
            if policy.scaling is not None:
                full = policy.full_mark(unit.category) if policy.scaling.by == "declared" else self.computed_full(unit)
                if full:
                    published = round(rounded[unit.id] * policy.scaling.to / full, precision)
            scores.append(UnitScore(
                unit=unit.id, category=unit.category, base=policy.total.base,
                bonus=round(parts["bonus"], precision), bonus_raw=round(parts["bonus_raw"], precision),
                deductions=round(parts["deductions"], precision),
                deductions_raw=round(parts["deductions_raw"], precision),
                sections={k: round(v, precision) for k, v in parts["sections"].items()},
                metrics={k: round(v, 6) for k, v in parts["metrics"].items()},
                total=rounded[unit.id], rank=ranks.get(unit.id), ranked=group_size.get(unit.id, 0),
                grade=grade, grade_label=g.label if g else "", published=published,
                vetoes=tuple(vetoes.get(unit.id, ())), barred=tuple(sorted(barred.get(unit.id, set()))),
                lines=lines, notes=tuple(notes[unit.id] + grade_notes.get(unit.id, [])),
            ))
        order = {c.code: i for i, c in enumerate(policy.categories)}
        scores.sort(key=lambda s: (order[s.category] if policy.rank_scope == "category" else 0,
                                   s.rank or 0, s.unit))
        result = Result(policy.name, self.period, tuple(scores), (), tuple(self.warnings), self.used, self.ignored)
        from .triggers import evaluate_triggers

        hits = evaluate_triggers(policy, [result], single_period_only=True)
        return Result(policy.name, self.period, tuple(scores), tuple(hits), tuple(self.warnings), self.used,
                      self.ignored)

    def computed_full(self, unit: Unit) -> float | None:
        from .loader import BUCKETS_PER_LENGTH, achievable

        high, _ = achievable(self.policy, unit.category, BUCKETS_PER_LENGTH[self.policy.period.length])
        return None if math.isinf(high) else high

    @staticmethod
    def adjustment(rule_id: str, text: str, amount: float, label: str = "总分调整") -> dict[str, Any]:
        return {"rule": None, "section": None, "rule_id": rule_id, "clause": "", "label": label, "variant": "",
                "bucket": "", "count": 0, "amount": amount, "kept": amount, "refs": [], "notes": [],
                "formula": (), "text": f"{text}：{'+' if amount >= 0 else ''}{_g(amount)} 分", "sign": 1,
                "signed_points": amount, "signed_kept": amount, "contribution": amount, "divisor": 1}

    def average_for_units_without_items(self, totals: dict[str, float], extra: dict[str, list[dict[str, Any]]],
                                        notes: dict[str, list[str]]) -> None:
        """S1-八: a unit that handled no item in the period gets the average of the units that did."""
        rule = self.policy.no_items
        if rule is None:
            return
        handled = {u for u, groups in self.watched_groups.items() if any(k == rule.fact for k, *_ in groups)}
        for unit in self.units:
            if unit.id in handled:
                continue
            peers = [totals[u.id] for u in self.units if u.id in handled
                     and (rule.scope == "all" or u.category == unit.category)]
            if not peers:
                notes[unit.id].append(f"本期未承办督办事项，且无可参照的平均分（{rule.id}）")
                continue
            average = sum(peers) / len(peers)
            extra[unit.id].append(self.adjustment(
                rule.id, f"本期未承办督办事项，按 {len(peers)} 个承办单位的平均分 {_g(average)} 计",
                average - totals[unit.id], "未承办事项按平均分"))
            shown = _g(round(average, self.policy.total.precision))
            notes[unit.id].append(f"未承办督办事项，按平均分 {shown} 计（{rule.id}）")
            totals[unit.id] = average

    def freeze(self, unit: str, x: dict[str, Any]) -> Line:
        precision = self.policy.total.precision + 2
        if not self.explain:  # the named tuple made directly: a ranking freezes tens of thousands of lines
            section = x["section"]
            return _new_line(Line, (unit, x["rule_id"], x["clause"], section.code if section is not None else "",
                                    x["label"], x["variant"], x["bucket"], x["count"],
                                    round(x["signed_points"], precision) + 0.0,
                                    round(x["signed_kept"], precision) + 0.0,
                                    round(x["contribution"], precision) + 0.0, tuple(x["refs"]), "", ()))
        text = x["text"]
        if x["notes"]:
            text += "；" + "；".join(dict.fromkeys(x["notes"]))
            if not math.isclose(x["signed_kept"], x["signed_points"]):
                text += f"，计 {_g(x['signed_kept'])} 分"
        section = x["section"]
        if section is not None and section.kind != "metric" and not math.isclose(section.weight, 1.0):
            text += f"；{section.label}按 {_g(section.weight * 100)}% 计入总分"
        if (section is not None and x["divisor"] > 1) or (section is not None and section.weight != 1
                                                        and section.kind != "metric"):
            text += f"，计入 {_g(x['contribution'])} 分"
        if x["rule_id"]:
            text += f"（{x['rule_id']}）"
        return Line(unit=unit, rule_id=x["rule_id"], clause=x["clause"],
                    section=x["section"].code if x["section"] is not None else "", label=x["label"],
                    variant=x["variant"], bucket=x["bucket"], count=x["count"],
                    points=round(x["signed_points"], precision) + 0.0, capped=round(x["signed_kept"], precision) + 0.0,
                    contribution=round(x["contribution"], precision) + 0.0, refs=tuple(x["refs"]), explanation=text,
                    formula=x["formula"])

    # 6. vetoes and grades ------------------------------------------------------------------------
    def vetoes(self) -> tuple[dict[str, list[str]], dict[str, set[str]]]:
        vetoes: dict[str, list[str]] = defaultdict(list)
        barred: dict[str, set[str]] = defaultdict(set)
        for unit in self.units:
            for veto in self.policy.vetoes:
                if veto.categories and unit.category not in veto.categories:
                    continue
                if any(kind in veto.facts and _matches(veto.when, attrs)
                       for kind, attrs, _g_, _q in self.watched_groups.get(unit.id, ())):
                    vetoes[unit.id].append(veto.id)
                    barred[unit.id].update(veto.bars)
        return vetoes, barred

    def condition_holds(self, cond: Condition, unit: str, total: float, parts: dict[str, Any]) -> tuple[bool, str]:
        if cond.what == "total":
            return _compare(total, cond.op, cond.value), f"总分 {_g(total)} {cond.op} {_g(cond.value)}"
        if cond.what in ("section", "metric"):
            value = parts["sections"].get(cond.ref, 0.0)
            text = f"{cond.label or cond.ref} {_g(value)} {cond.op} {_g(cond.value)}"
            return _compare(value, cond.op, cond.value), text
        matching = [(g, a) for kind, a, g, _q in self.watched_groups.get(unit, ())
                    if kind == cond.ref and _matches(cond.when, a)]
        if cond.what == "fact":
            n = sum(g.count for g, _a in matching)
            return _compare(n, cond.op, cond.value), f"{cond.label or cond.ref} {n} 件 {cond.op} {_g(cond.value)}"
        values = [g.vmin for g, _a in matching if g.valued]
        if not values:
            return False, f"{cond.label or cond.ref}：没有记录"
        worst = min(values) if cond.op in (">", ">=") else max(values)
        ok = all(_compare(v, cond.op, cond.value) for v in values)
        return ok, f"{cond.label or cond.ref} 各项 {cond.op} {_g(cond.value)}（最不利 {_g(worst)}）"

    def grades(self, totals: dict[str, float], computed: dict[str, tuple[float, dict[str, Any]]],
               barred: dict[str, set[str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
        policy = self.policy
        achieved: dict[str, set[str]] = defaultdict(set)
        notes: dict[str, list[str]] = defaultdict(list)
        if not policy.grades:
            return {}, notes
        done: set[str] = set()
        pending = list(policy.grades)
        while pending:  # requirements first (the checker refuses cycles)
            ready = [g for g in pending if not g.requires or g.requires in done or policy.grade(g.requires) is None]
            if not ready:
                break
            for grade in ready:
                self.grade_units(grade, totals, computed, barred, achieved, notes)
                done.add(grade.code)
                pending.remove(grade)
        final: dict[str, str] = {}
        for unit in self.units:
            for grade in policy.grades:
                if grade.code in achieved[unit.id]:
                    final[unit.id] = grade.code
                    break
            else:
                default = next((g for g in policy.grades if g.default and g.applies_to(unit.category)), None)
                if default is not None:
                    final[unit.id] = default.code
        return final, notes

    def grade_units(self, grade: Grade, totals: dict[str, float], computed: dict[str, tuple[float, dict[str, Any]]],
                    barred: dict[str, set[str]], achieved: dict[str, set[str]], notes: dict[str, list[str]]) -> None:
        if grade.default and not grade.conditions and grade.quota is None:
            return
        candidates: list[Unit] = []
        scope_units = [u for u in self.units if grade.applies_to(u.category)]
        for unit in scope_units:
            if grade.code in barred.get(unit.id, set()):
                notes[unit.id].append(f"{grade.label}：因一票否决事项不能评定（{grade.id}）")
                continue
            if grade.requires and grade.requires not in achieved[unit.id]:
                continue
            failed = []
            for cond in grade.conditions:
                ok, text = self.condition_holds(cond, unit.id, totals[unit.id], computed[unit.id][1])
                if not ok:
                    failed.append(text)
            if failed:
                notes[unit.id].append(f"未达{grade.label}：{'；'.join(failed)}（{grade.id}）")
                continue
            candidates.append(unit)
        if grade.quota is None:
            for unit in candidates:
                achieved[unit.id].add(grade.code)
            return
        quota = grade.quota
        scopes: dict[str, list[Unit]] = defaultdict(list)
        for unit in scope_units:
            scopes[unit.category if quota.scope == "category" else "*"].append(unit)
        for key, members in scopes.items():
            size = len(members)
            raw = quota.share * size
            seats = math.floor(raw + 1e-9) if quota.rounding == "floor" else (
                math.ceil(raw - 1e-9) if quota.rounding == "ceil" else int(raw + 0.5))
            pool = sorted((u for u in candidates if (u.category if quota.scope == "category" else "*") == key),
                          key=lambda u: -totals[u.id])
            chosen: list[Unit] = []
            index = 0
            while index < len(pool):
                tied = [u for u in pool[index:] if totals[u.id] == totals[pool[index].id]]
                if len(chosen) + len(tied) <= seats or (quota.ties == "include" and len(chosen) < seats):
                    chosen.extend(tied)
                    index += len(tied)
                else:
                    break
            for unit in pool:
                if unit in chosen:
                    achieved[unit.id].add(grade.code)
                else:
                    notes[unit.id].append(f"{grade.label}名额 {seats} 个（{_g(quota.share * 100)}%×{size}），"
                                          f"未入选（{grade.id}）")


def fact_requirements(policy: Policy) -> dict[str, frozenset[str]]:
    """The fact kinds ``policy`` looks at and, per kind, the attributes it reads: a caller that groups
    its ledger in SQL may drop every other kind and attribute first and get the same result."""
    run = _Run(policy, (), Period(dt.date(2000, 1, 1), dt.date(2000, 12, 31)), False)
    kinds = set(run.rules_by_kind) | set(run.watched)
    out: dict[str, frozenset[str]] = {}
    for kind in kinds:
        attrs = set(run.relevant.get(kind, set()))
        if run.seq_scope.get(kind) == "item":
            attrs |= {"item", "n"}  # escalating sequences count per item (S3b-12(三) returns)
        out[kind] = frozenset(attrs)
    return out


def score(policy: Policy, units: Sequence[Unit], facts: Iterable[Fact], period: Period, *,
          keep_refs: bool = True, explain: bool = True) -> Result:
    """Score ``units`` on ``facts`` under ``policy`` for ``period`` (facts outside it are ignored).

    ``explain=False`` computes the same figures and lines without their Chinese explanations (a ranking
    table over thousands of units); a unit's page scores with ``explain=True``."""
    with no_cyclic_gc():
        return _Run(policy, units, period, keep_refs, explain).run(facts)


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """The cyclic collector off for a block that makes hundreds of thousands of small containers and no
    reference cycles (a ranking: groups, lines, named tuples): its passes over them cost a third of the
    engine's time (bench/scoring). Reference counting still frees everything; nesting is safe."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
