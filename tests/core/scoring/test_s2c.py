"""S2c petition work assessment: classes A/B/C, six sections, two years, scaling to 100."""

from __future__ import annotations

import pytest

from duban.core.scoring import Period, Unit, check_policy, fact, load_policy, score

from .common import contribution, explained, lines, preset, preset_text

BIENNIUM = Period.biennium(2025)
MAXIMA = {"1.1": 4, "1.2": 6, "1.3": 4, "1.4a": 2, "1.4b": 2, "1.4c": 2, "2.1": 4, "2.2": 4, "2.3": 4, "2.4a": 2,
          "2.4b": 2, "2.5": 4, "3.1a": 2, "3.1b": 2, "3.1c": 1, "3.2": 5, "3.3": 5, "6": 10}
ONLY = {"1.4a": "A", "2.4a": "A", "3.1c": "A", "1.4b": "AB", "2.5": "AB", "3.1b": "AB", "3.2": "AB"}
UNITS = [Unit("A1", "A"), Unit("A2", "A"), Unit("B1", "B"), Unit("B2", "B"), Unit("C1", "C"), Unit("C2", "C")]


def panel(unit: str, cls: str, **overrides: float) -> list:
    """The panel's scores: full marks on every sub-item of the class, except ``overrides`` (1_2=5 → item 1.2)."""
    scores = {k: v for k, v in MAXIMA.items() if cls in ONLY.get(k, "ABC")}
    scores.update({k.replace("_", "."): v for k, v in overrides.items()})
    return [fact(unit, "panel_score", "2026-12-20", item=k, value=v, ref=f"{unit}-{k}") for k, v in scores.items()]


def biennium() -> list:
    f = []
    # A1: panel 65 − 1 = 64; visits (20 − 3 − 0.5 + 20) ÷ 2 = 18.25; cases (15 − 2 − 1.5 + 15 − 1 − 0.5) ÷ 2 = 12.5
    f += panel("A1", "A", **{"1_2": 5})
    f.append(fact("A1", "collective_visit", "2025-04-01", tier="national", ref="V1"))
    f.append(fact("A1", "responsible_absent", "2025-05-01", visit="individual", tier="municipal", ref="V2"))
    f += [fact("A1", "petition_case_late", "2025-06-01", ref=f"L{i}") for i in range(2)]
    f += [fact("A1", "petition_case_urged", "2025-06-10", ref=f"U{i}") for i in range(3)]
    f.append(fact("A1", "petition_case_quality", "2026-03-01", ref="Q1"))
    f.append(fact("A1", "petitioner_not_answered", "2026-03-02", ref="NA1"))
    # A2: panel 65 − 5 (item 1.2 = 1) with item 6 entered as 12 → capped at 10 → 60;
    #     visits: 2025 full 20, 2026 major incident → 0 → mean 10; cases 15 → 85, and no "advanced".
    f += panel("A2", "A", **{"1_2": 1, "6": 12})
    f.append(fact("A2", "collective_visit", "2026-05-01", tier="municipal", ref="V3"))
    f.append(fact("A2", "major_incident", "2026-06-01", ref="MI"))
    # B1: every B sub-item full (60) + an A-only sub-item that does not count → 60 + 20 + 15 = 95 (full marks)
    f += panel("B1", "B")
    f.append(fact("B1", "panel_score", "2026-12-20", item="1.4a", value=2, ref="B1-extra"))
    # B2: panel 60 − 5 − 5 = 50; visits 2025: 8 national collective visits = 24 → capped 20 → 0; 2026: 20 → 10
    f += panel("B2", "B", **{"3_2": 0, "1_2": 1})
    f += [fact("B2", "collective_visit", "2025-07-01", tier="national", ref=f"BV{i}") for i in range(8)]
    # C1: every C sub-item full: 16 + 14 + 7 + 20 + 15 + 10 = 82 — above the declared 80.
    f += panel("C1", "C")
    # C2: panel 47 − 7 = 40; visits (18 + 20) ÷ 2 = 19; cases (15 + 13) ÷ 2 = 14 → 73
    f += panel("C2", "C", **{"6": 3})
    f.append(fact("C2", "responsible_absent", "2025-08-01", visit="collective", tier="provincial", ref="V4"))
    f += [fact("C2", "petition_case_late", "2026-09-01", ref=f"CL{i}") for i in range(2)]
    return f


@pytest.fixture(scope="module")
def result():
    return score(preset("s2c"), UNITS, biennium(), BIENNIUM)


def test_S2c_3_4_worked_example_totals_scaled_and_ranked_per_class(result) -> None:
    assert {s.unit: s.total for s in result.scores} == {
        "A1": 94.75, "A2": 85, "B1": 95, "B2": 75, "C1": 82, "C2": 73}
    # B and C are published on a 100-point scale by their declared full marks 95 and 80.
    assert {s.unit: s.published for s in result.scores} == {
        "A1": 94.75, "A2": 85, "B1": 100, "B2": 78.95, "C1": 102.5, "C2": 91.25}
    assert [(s.unit, s.rank, s.ranked) for s in result.scores] == [
        ("A1", 1, 2), ("A2", 2, 2), ("B1", 1, 2), ("B2", 2, 2), ("C1", 1, 2), ("C2", 2, 2)]
    for s in result.scores:
        assert explained(s) == s.total


def test_S2c_2_sections_per_unit(result) -> None:
    a1 = result.unit("A1")
    assert a1.sections == {"leadership": 19, "grassroots": 20, "information": 15, "visits": 18.25, "cases": 12.5,
                           "reform": 10}
    c1 = result.unit("C1")
    assert c1.sections == {"leadership": 16, "grassroots": 14, "information": 7, "visits": 20, "cases": 15,
                           "reform": 10}


def test_S2c_3_2_sections_4_and_5_yearly_mean_of_two_years(result) -> None:
    a1 = result.unit("A1")
    visits = lines(a1, "S2c-二(四)")  # the section's full-marks lines, one per year
    assert [(x.bucket, x.points, x.contribution) for x in visits] == [("2025年", 20, 10), ("2026年", 20, 10)]
    assert contribution(a1, "S2c-二(四)2(1)") == -1.5  # −3 in 2025, halved by the two-year mean
    assert contribution(a1, "S2c-二(五)1") == -1.75  # (−2 − 1.5) ÷ 2
    assert "按 2 个年度平均" in lines(a1, "S2c-二(四)2(1)")[0].explanation


def test_S2c_3_2_full_marks_when_no_case_touched_the_unit(result) -> None:
    b1 = result.unit("B1")
    assert (b1.sections["visits"], b1.sections["cases"]) == (20, 15)
    assert "未发生扣分事项得满分" in lines(b1, "S2c-二(四)")[0].explanation


def test_S2c_3_2_deductions_stop_at_the_section_max(result) -> None:
    b2 = result.unit("B2")
    (line,) = lines(b2, "S2c-二(四)2(1)")
    assert (line.points, line.capped) == (-24, -20)
    assert b2.sections["visits"] == 10


def test_S2c_2_4_1_major_incident_loses_section_4_and_advanced(result) -> None:
    a2 = result.unit("A2")
    (zero,) = lines(a2, "S2c-二(四)1")
    assert (zero.bucket, zero.capped, zero.refs) == ("2026年", -19, ("MI",))  # 20 − 1 left that year, all lost
    assert a2.sections["visits"] == 10
    assert a2.barred == ("advanced",) and a2.vetoes == ("S2c-二(四)1",)


def test_S2c_2_4_1_alternative_zero_for_the_whole_period() -> None:
    text = preset_text("s2c").replace('zero_scope = "bucket"', 'zero_scope = "period"')
    r = score(load_policy(text, "s2c-alt.toml"), UNITS, biennium(), BIENNIUM)
    assert r.unit("A2").total == 75


def test_S2c_2_4_2_collective_visits_3_2_1_by_tier() -> None:
    units = [Unit(t, "A") for t in ("national", "provincial", "municipal", "district")]
    facts = [fact(u.id, "collective_visit", "2025-03-01", tier=u.id) for u in units]
    r = score(preset("s2c"), units, facts, BIENNIUM)
    assert [r.unit(u.id).sections["visits"] for u in units] == [18.5, 19, 19.5, 20]  # mean with a clean 2026


def test_S2c_2_4_2_responsible_person_absent_3_2_1(result) -> None:
    assert contribution(result.unit("C2"), "S2c-二(四)2(2)") == -1  # provincial −2, halved


def test_S2c_2_4_3_difficult_individual_visit_half_point(result) -> None:
    (line,) = lines(result.unit("A1"), "S2c-二(四)3")
    assert (line.points, line.contribution) == (-0.5, -0.25)


def test_S2c_2_5_1_case_late_1_and_each_urging_half(result) -> None:
    late, urged = lines(result.unit("A1"), "S2c-二(五)1")
    assert (late.points, urged.points) == (-2, -1.5)


def test_S2c_2_5_2_quality_1_and_not_answered_half(result) -> None:
    quality, unanswered = lines(result.unit("A1"), "S2c-二(五)2")
    assert (quality.points, unanswered.points) == (-1, -0.5)


def test_S2c_2_1_panel_scores_capped_at_the_sub_item_max(result) -> None:
    (line,) = lines(result.unit("A2"), "S2c-二(六)")
    assert (line.points, line.capped) == (12, 10)
    assert "本项最多 10 分（S2c-二(六)）" in line.explanation


def test_S2c_2_1_4_sub_items_apply_only_to_their_classes(result) -> None:
    assert contribution(result.unit("B1"), "S2c-二(一)4") == 4  # 1.4b + 1.4c, not the A-only 1.4a
    assert any("panel_score" in w and "B" in w for w in result.warnings)


def test_S2c_3_4_class_C_declared_full_mark_80_is_reported_as_a_seed_mismatch() -> None:
    report = check_policy(preset_text("s2c"), "s2c.toml")
    assert report.ok  # usable …
    (warning,) = report.warnings  # … but the seed's own numbers do not add up
    assert warning.field == "category[2].full_mark"
    assert "声明满分 80" in warning.message and "82" in warning.message
    assert preset_text("s2c").splitlines()[warning.line - 1].startswith("full_mark = 80")


def test_S2c_3_4_alternative_scaling_by_what_the_table_can_award() -> None:
    text = preset_text("s2c").replace('by = "declared"', 'by = "computed"')
    r = score(load_policy(text, "s2c-computed.toml"), UNITS, biennium(), BIENNIUM)
    assert (r.unit("C1").published, r.unit("B1").published) == (100, 100)
