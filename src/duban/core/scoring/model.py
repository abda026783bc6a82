"""A scoring policy as plain, immutable data (SPEC §4). ``loader`` builds it from a TOML file.

The shape, top to bottom (see docs/SCORING.md for the file format):

- ``Total``: base score, declared full mark, clamping, precision; ``Caps``: overall bonus/deduction caps.
- ``Category``: the groups units are ranked in (S0's eight, S2c's A/B/C, S2e's counties/departments).
- ``Section``: a part of the score — ``bonus`` and ``deduction`` sections add/subtract capped points,
  ``score`` sections add an assessed value (weighted), ``deduct_from_max`` sections start at their
  maximum and lose points (S2c 4–5), ``metric`` sections are computed for conditions only.
- ``Rule``: a fact kind with conditions on its attributes and the points it is worth; every rule carries
  its SPEC rule ID and the seed's clause.
- ``Grade`` (with ``Condition``s and a ``Quota``), ``Veto``, ``Eligibility``, ``Trigger``, ``Reading``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .vocab import AttrValue, FactKind

SECTION_KINDS = ("bonus", "deduction", "score", "deduct_from_max", "metric")
RULE_TYPES = ("per_fact", "share_of_max", "absence", "zero_section")
BUCKETS = ("period", "year", "quarter")
PERIOD_LENGTHS = ("quarter", "year", "biennium")


@dataclass(frozen=True)
class Sequence:
    """Escalating points for the n-th occurrence (S3b-12(三) returns).

    ``arithmetic``: n-th = first + (n−1)·step (each later one costs ``step`` more than the one before);
    ``flat``: n-th (n ≥ 2) = first + step; ``constant``: n-th (n ≥ 2) = step.
    ``scope``: the occurrence is counted per item (``item``) or over all the unit's facts (``unit``).
    """

    first: float
    step: float
    mode: str = "arithmetic"
    scope: str = "item"

    def nth(self, n: int) -> float:
        if n <= 1:
            return self.first
        if self.mode == "arithmetic":
            return self.first + (n - 1) * self.step
        if self.mode == "flat":
            return self.first + self.step
        return self.step


TableValue = float | tuple[float, float]


@dataclass(frozen=True)
class Points:
    """How many points one matching fact is worth.

    Exactly one of: ``fixed``; ``by`` + ``table`` (an attribute's value picks the entry; an entry is a
    number or a ``(low, high)`` range); ``range`` (the office picks within it, the fact's value carries
    the choice); ``from_value`` (the fact's value is the points: panel scores, indicators); ``sequence``.
    """

    fixed: float | None = None
    by: str = ""
    table: dict[str, TableValue] = field(default_factory=dict)
    range: tuple[float, float] | None = None
    from_value: bool = False
    sequence: Sequence | None = None
    default: str = "min"  # a range with no value given counts its low end ("max": its high end)

    def max_each(self) -> float | None:
        """The most one fact can be worth (None: unbounded, i.e. taken from the fact's value)."""
        if self.fixed is not None:
            return self.fixed
        if self.range is not None:
            return self.range[1]
        if self.table:
            return max(v[1] if isinstance(v, tuple) else v for v in self.table.values())
        return None


@dataclass(frozen=True)
class Rule:
    index: int
    id: str
    label: str
    clause: str
    section: str
    facts: tuple[str, ...]
    points: Points
    when: dict[str, tuple[AttrValue, ...]] = field(default_factory=dict)
    type: str = "per_fact"
    per: str = "count"  # "count": points × number of facts; "value": points × the facts' values (days)
    aggregate: str = "sum"  # "mean": the mean over the matching facts (ratings, survey answers)
    weight: float = 1.0
    max: float | None = None  # cap per unit and bucket (S2c's sub-item maxima)
    categories: tuple[str, ...] = ()  # empty: every category
    scale: float = 0.0  # share_of_max: scale × mine ÷ the category's largest (S0-A三.5)
    unless: tuple[str, ...] = ()  # absence: a bucket with one of these kinds earns nothing
    bucket: str = "quarter"  # absence: the bucket the points are earned in
    note: str = ""

    def applies_to(self, category: str) -> bool:
        return not self.categories or category in self.categories


@dataclass(frozen=True)
class Section:
    code: str
    label: str
    kind: str
    id: str = ""
    max: float | None = None
    max_by_category: dict[str, float] = field(default_factory=dict)
    weight: float = 1.0
    bucket: str = ""  # "" = the policy's period bucket
    combine: str = "sum"  # how bucket values make the period value: "sum" or "mean"
    categories: tuple[str, ...] = ()
    zero_scope: str = "bucket"  # zero_section rules zero this bucket only, or the whole period ("period")

    def cap(self, category: str) -> float | None:
        return self.max_by_category.get(category, self.max)

    def applies_to(self, category: str) -> bool:
        return not self.categories or category in self.categories

    @property
    def sign(self) -> int:
        return -1 if self.kind in ("deduction",) else 1


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    full_mark: float | None = None


@dataclass(frozen=True)
class Condition:
    """``what``: total | section | metric | fact (count of matching facts) | each (every fact's value)."""

    what: str
    ref: str = ""
    op: str = ">="
    value: float = 0.0
    when: dict[str, tuple[AttrValue, ...]] = field(default_factory=dict)
    label: str = ""


@dataclass(frozen=True)
class Quota:
    share: float
    scope: str = "category"  # "category" or "all"
    rounding: str = "floor"  # "floor" | "round" | "ceil"
    ties: str = "exclude"  # units tied at the cut-off: all out ("exclude") or all in ("include")


@dataclass(frozen=True)
class Grade:
    code: str
    label: str
    id: str = ""
    categories: tuple[str, ...] = ()
    requires: str = ""
    conditions: tuple[Condition, ...] = ()
    quota: Quota | None = None
    default: bool = False

    def applies_to(self, category: str) -> bool:
        return not self.categories or category in self.categories


@dataclass(frozen=True)
class Veto:
    id: str
    label: str
    facts: tuple[str, ...]
    bars: tuple[str, ...]
    when: dict[str, tuple[AttrValue, ...]] = field(default_factory=dict)
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Eligibility:
    code: str
    label: str


@dataclass(frozen=True)
class TriggerRule:
    id: str
    label: str
    action: str
    categories: tuple[str, ...] = ()
    rank_top: int = 0  # rank ≤ N (exemption, S3b-19)
    rank_bottom: int = 0  # among the last N (S3b-17)
    below_base: bool = False
    below_base_each: bool = False  # below base in every one of the periods, not only the latest
    consecutive: int = 1


@dataclass(frozen=True)
class Reading:
    id: str
    clause: str
    taken: str
    alternative: str
    setting: str = ""


@dataclass(frozen=True)
class NoItems:
    """S1-八: a unit that handled no item in the period gets the average of those that did."""

    id: str
    fact: str
    scope: str = "all"


@dataclass(frozen=True)
class Scaling:
    """S2c-三(四): a class's total is published on a 100-point scale: total × to ÷ full mark."""

    id: str
    to: float = 100.0
    by: str = "declared"  # the declared full mark, or "computed" (what the rule table can award)


@dataclass(frozen=True)
class Total:
    base: float = 0.0
    full_mark: float | None = None
    min: float | None = None
    max: float | None = None
    precision: int = 2
    id: str = ""


@dataclass(frozen=True)
class Caps:
    bonus: float | None = None
    deduction: float | None = None
    allocation: str = "in_order"  # which lines keep their points when a cap bites: file order, or "proportional"
    bonus_id: str = ""
    deduction_id: str = ""


@dataclass(frozen=True)
class PeriodSpec:
    length: str = "year"
    bucket: str = "period"
    combine: str = "sum"


@dataclass(frozen=True)
class Policy:
    name: str
    title: str
    total: Total
    caps: Caps
    period: PeriodSpec
    categories: tuple[Category, ...]
    sections: tuple[Section, ...]
    rules: tuple[Rule, ...]
    rank_scope: str = "category"
    grades: tuple[Grade, ...] = ()
    vetoes: tuple[Veto, ...] = ()
    eligibility: tuple[Eligibility, ...] = ()
    triggers: tuple[TriggerRule, ...] = ()
    readings: tuple[Reading, ...] = ()
    no_items: NoItems | None = None
    scaling: Scaling | None = None
    fact_kinds: dict[str, FactKind] = field(default_factory=dict)
    seeds: tuple[str, ...] = ()
    source: str = ""

    def category(self, code: str) -> Category | None:
        return next((c for c in self.categories if c.code == code), None)

    def section(self, code: str) -> Section | None:
        return next((s for s in self.sections if s.code == code), None)

    def full_mark(self, category: str) -> float | None:
        cat = self.category(category)
        return cat.full_mark if cat is not None and cat.full_mark is not None else self.total.full_mark

    def grade(self, code: str) -> Grade | None:
        return next((g for g in self.grades if g.code == code), None)
