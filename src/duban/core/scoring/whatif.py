"""What-if: the same facts under two policies (or an edited one), rankings side by side (SPEC §4)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .engine import Fact, Period, Result, Unit, score
from .model import Policy


@dataclass(frozen=True)
class ComparisonRow:
    unit: str
    category_a: str | None
    total_a: float | None
    rank_a: int | None
    grade_a: str | None
    category_b: str | None
    total_b: float | None
    rank_b: int | None
    grade_b: str | None

    @property
    def delta_total(self) -> float | None:
        if self.total_a is None or self.total_b is None:
            return None
        return round(self.total_b - self.total_a, 6)

    @property
    def delta_rank(self) -> int | None:
        """Positive: the unit climbs under B."""
        if self.rank_a is None or self.rank_b is None:
            return None
        return self.rank_a - self.rank_b

    @property
    def changed(self) -> bool:
        return (self.rank_a, self.grade_a, self.total_a) != (self.rank_b, self.grade_b, self.total_b)


def compare(a: Result, b: Result) -> list[ComparisonRow]:
    """One row per unit scored by either result, in A's order, then B's newcomers."""
    map_a, map_b = a.by_unit(), b.by_unit()
    order = [s.unit for s in a.scores] + [s.unit for s in b.scores if s.unit not in map_a]
    rows = []
    for unit in order:
        sa, sb = map_a.get(unit), map_b.get(unit)
        rows.append(ComparisonRow(
            unit,
            sa.category if sa else None, sa.total if sa else None, sa.rank if sa else None, sa.grade if sa else None,
            sb.category if sb else None, sb.total if sb else None, sb.rank if sb else None, sb.grade if sb else None,
        ))
    return rows


def what_if(policy_a: Policy, policy_b: Policy, units: Sequence[Unit], facts: Iterable[Fact], period: Period, *,
            units_b: Sequence[Unit] | None = None) -> tuple[Result, Result, list[ComparisonRow]]:
    """Score the same facts under both policies (``units_b``: the units' categories under B, if they differ)."""
    materialised = facts if isinstance(facts, Sequence) else list(facts)
    a = score(policy_a, units, materialised, period)
    b = score(policy_b, units if units_b is None else units_b, materialised, period)
    return a, b, compare(a, b)
