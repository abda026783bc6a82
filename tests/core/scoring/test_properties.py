"""Properties that hold for any facts: caps are never exceeded and every point is explained (SPEC §4)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from duban.core.scoring import Fact, Period, Unit, fact, score
from duban.core.scoring.vocab import COLOURS, LEVELS, ROLES, TIERS

from .common import explained, preset

DAYS = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2026, 12, 31))


def facts_of(units: list[str], kinds: list[str]) -> st.SearchStrategy[list[Fact]]:
    one = st.builds(
        lambda unit, kind, day, level, role, colour, tier, times: fact(
            unit, kind, day, level=level, role=role, colour=colour, tier=tier, times=times),
        st.sampled_from(units), st.sampled_from(kinds), DAYS, st.sampled_from(LEVELS), st.sampled_from(ROLES),
        st.sampled_from(COLOURS), st.sampled_from(TIERS), st.integers(1, 4))
    return st.lists(one, max_size=60)


S0_KINDS = ["item_closed", "commendation", "promoted_experience", "leader_instruction_positive", "research_adopted",
            "leader_instruction_negative", "late_receipt", "late_report", "late_objection", "quality_finding",
            "principle_problem", "ticket_issued"]


@settings(max_examples=1500, deadline=None)
@given(facts_of(["A", "B", "C"], S0_KINDS))
def test_S0_A2_caps_are_never_exceeded(facts: list[Fact]) -> None:
    units = [Unit("A", "JJ"), Unit("B", "JJ"), Unit("C", "JD")]
    for s in score(preset("s0"), units, facts, Period.year(2026)).scores:
        assert 0 <= s.bonus <= 20 and s.bonus <= s.bonus_raw + 1e-9
        assert 0 <= s.deductions <= 80 and s.deductions <= s.deductions_raw + 1e-9
        assert 0 <= s.total <= 100
        assert abs(s.total - (80 + s.bonus - s.deductions)) <= 0.0051
        assert abs(explained(s) - s.total) <= 0.0051  # the total is rounded to 2 decimals


@settings(max_examples=1500, deadline=None)
@given(facts_of(["A", "B"], ["commendation", "key_task_far_exceeded", "rank_jump", "disaster_response",
                             "criticism_notice", "leader_disciplined", "dereliction"]),
       st.lists(st.floats(0, 1000), min_size=1, max_size=3))
def test_S2e_bonus_and_deductions_never_exceed_50(facts: list[Fact], indicators: list[float]) -> None:
    approved = [f._replace(attrs=(*f.attrs, ("approved", True))) for f in facts]
    approved += [fact("A", "indicator_score", "2026-06-01", value=v) for v in indicators]
    for s in score(preset("s2e"), [Unit("A", "county"), Unit("B", "county")], approved, Period.year(2026)).scores:
        assert 0 <= s.bonus <= 50 and 0 <= s.deductions <= 50
        assert s.sections["indicators"] <= 1000
        assert abs(explained(s) - s.total) <= 0.0051  # the total is rounded to 2 decimals


@settings(max_examples=1500, deadline=None)
@given(facts_of(["A", "B", "C"], ["collective_visit", "responsible_absent", "petition_case_late",
                                  "petition_case_urged", "petition_case_quality", "petitioner_not_answered",
                                  "major_incident"]),
       st.dictionaries(st.sampled_from(["1.1", "1.2", "1.4a", "2.5", "3.2", "6"]), st.floats(0, 30)))
def test_S2c_sections_stay_within_their_maxima(facts: list[Fact], panel: dict[str, float]) -> None:
    facts = [f._replace(attrs=(*f.attrs, ("visit", "collective"))) for f in facts]
    facts += [fact(u, "panel_score", "2026-12-01", item=k, value=v) for u in "ABC" for k, v in panel.items()]
    maxima = {"leadership": 20, "grassroots": 20, "information": 15, "visits": 20, "cases": 15, "reform": 10}
    full = {"A": 100, "B": 95, "C": 82}
    units = [Unit("A", "A"), Unit("B", "B"), Unit("C", "C")]
    for s in score(preset("s2c"), units, facts, Period.biennium(2025)).scores:
        for section, value in s.sections.items():
            assert 0 <= value <= maxima[section]
        assert 0 <= s.total <= full[s.category]
        assert abs(explained(s) - s.total) <= 0.0051  # the total is rounded to 2 decimals


@settings(max_examples=1500, deadline=None)
@given(facts_of(["A", "B"], ["criticism_notice", "proposal_late", "late_report", "item_not_in_place",
                             "commendation", "item_assigned"]))
def test_S1_8_total_stays_on_the_100_point_scale(facts: list[Fact]) -> None:
    for s in score(preset("s1"), [Unit("A", "all"), Unit("B", "all")], facts, Period.year(2026)).scores:
        assert 0 <= s.total <= 100
        assert abs(explained(s) - s.total) <= 0.0051  # the total is rounded to 2 decimals


@settings(max_examples=1500, deadline=None)
@given(facts_of(["A", "B", "C"], S0_KINDS))
def test_grouping_facts_does_not_change_the_result(facts: list[Fact]) -> None:
    units = [Unit("A", "JJ"), Unit("B", "JJ"), Unit("C", "JD")]
    spread = [f._replace(times=1) for f in facts for _ in range(f.times)]
    a = score(preset("s0"), units, facts, Period.year(2026))
    b = score(preset("s0"), units, spread, Period.year(2026))
    assert [(s.unit, s.total, s.rank) for s in a.scores] == [(s.unit, s.total, s.rank) for s in b.scores]
