"""Each preset's worked example (tests/core/scoring/test_s*.py, computed by hand from the seeds' own
numbers) replayed through the Django layer: the lifecycle-kind facts as ledger events, the others as
facts the office records with evidence → score entries → SQL aggregation → the engine. Every unit's
total, bonus, deductions, rank, grade and published (scaled) figure must equal the hand-checked core
result (S0 appendix, S1-八, S3b, S2c, S2e)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import pytest
from django.utils import timezone

from duban.core.lifecycle import Role
from duban.core.scoring import Fact, Period, Unit, load_preset, score
from duban.ledger import chain
from duban.org.models import Category, Jurisdiction
from duban.org.models import Unit as OrgUnit
from duban.scoring import selectors, services
from tests.core.scoring import test_s0, test_s1, test_s2c, test_s2e, test_s3b
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CASES: list[tuple[str, Sequence[Unit], Callable[[], list[Fact]], Period]] = [
    ("s0", test_s0.UNITS, test_s0.district_year, test_s0.YEAR),
    ("s1", test_s1.UNITS, test_s1.county_year, test_s1.YEAR),
    ("s2c", test_s2c.UNITS, test_s2c.biennium, test_s2c.BIENNIUM),
    ("s2e", test_s2e.UNITS, test_s2e.evaluation, test_s2e.YEAR),
    ("s3b", test_s3b.UNITS, test_s3b.city_2026, Period.year(2026)),
]


def load(preset: str, units: Sequence[Unit], facts: list[Fact], period: Period) -> tuple[int, dict[str, str]]:
    policy = load_preset(preset)
    j = Jurisdiction.objects.create(code=f"T-{preset}", name=f"{preset} 示例")
    cats = {c.code: Category.objects.create(jurisdiction=j, code=c.code, name=c.label, order=i)
            for i, c in enumerate(policy.categories)}
    org = {u.id: OrgUnit.objects.create(jurisdiction=j, code=u.id, name=u.name or u.id, kind=OrgUnit.Kind.DEPARTMENT,
                                        category=cats[u.category]) for u in units}
    office = UserFactory(username=f"office-{preset}", jurisdiction=j, unit=None, roles=[Role.OFFICE_STAFF])
    services.choose_policy(actor=office, preset=preset)
    now = timezone.make_aware(dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(9)))
    for f in facts:
        unit = org[f.unit]
        attrs = dict(f.attrs)
        each = None if f.value is None else f.value / max(f.times, 1)
        if f.kind in services.DERIVED_KINDS:  # what the lifecycle and urging would have appended
            chain.append(jurisdiction_id=j.pk, kind="test.lifecycle", at=now, unit=unit, summary=f.ref,
                         data={"score_fact": {"kind": f.kind, "attrs": attrs, "value": f.value, "times": f.times,
                                              "day": f.day.isoformat()}})
        else:
            services.record_fact(actor=office, unit=unit, kind=f.kind, day=f.day, attrs=attrs, value=each,
                                 times=f.times, description=f"示例事实 {f.ref}", evidence_ref=f.ref or "示例",
                                 now=now)
    services.sync(j.pk)
    return j.pk, {str(u.pk): code for code, u in org.items()}


@pytest.mark.parametrize(("preset", "units", "facts", "period"), CASES, ids=[c[0] for c in CASES])
def test_worked_example_through_the_score_ledger(preset: str, units: Sequence[Unit],
                                                 facts: Callable[[], list[Fact]], period: Period) -> None:
    expected = score(load_preset(preset), units, facts(), period)
    j, codes = load(preset, units, facts(), period)
    got = selectors.compute(j, selectors.period_code(period)).result

    def figures(result: object, rename: dict[str, str] | None = None) -> dict[str, tuple[object, ...]]:
        return {(rename or {}).get(s.unit, s.unit): (s.category, s.total, s.bonus, s.deductions, s.rank, s.grade,
                                                     s.published, s.vetoes)
                for s in result.scores}  # type: ignore[attr-defined]

    assert figures(got, codes) == figures(expected)
    assert len(got.scores) == len(units)
