"""S0 appendix (督查专项考核评分细则): a small district's year computed by hand from the seed's numbers.

Score = base 80 + bonus (≤ 20) − deductions (≤ 80), ranked within each of the 8 categories (S0-A一, A二).
"""

from __future__ import annotations

import pytest

from duban.core.scoring import Period, Unit, fact, score

from .common import contribution, explained, lines, preset

YEAR = Period.year(2026)

UNITS = [Unit("FGJ", "JJ", "区发展和改革局"), Unit("GXJ", "JJ", "区工业和信息化局"), Unit("SWJ", "JJ", "区商务局"),
         Unit("DCJD", "JD", "东城街道"), Unit("XCJD", "JD", "西城街道")]


def district_year() -> list:
    f = []
    # 区发改局: closed 8 items as lead (2 more as co-unit, not counted — reading S0-A三.5).
    f += [fact("FGJ", "item_closed", "2026-06-30", role="lead", ref=f"FGJ-close-{i}") for i in range(8)]
    f += [fact("FGJ", "item_closed", "2026-07-30", role="co", ref=f"FGJ-co-{i}") for i in range(2)]
    f.append(fact("FGJ", "commendation", "2026-05-10", tier="provincial", ref="F1"))  # +3 (S0-A三.1)
    f.append(fact("FGJ", "leader_instruction_positive", "2026-08-01", tier="municipal", ref="F2"))  # +2 (S0-A三.3)
    f.append(fact("FGJ", "ticket_issued", "2026-03-04", colour="blue", level="especially", ref="E10"))  # −3
    f.append(fact("FGJ", "late_receipt", "2026-03-04", level="especially", ref="E11"))  # −3 (S0-A四.2)
    f.append(fact("FGJ", "quality_finding", "2026-09-02", level="fairly", ref="E12"))  # −2 (S0-A四.3)
    # 区工信局: the category's most closed items (10) and 15 bonus points of recognition → bonus capped at 20.
    f += [fact("GXJ", "item_closed", "2026-10-01", role="lead", ref=f"GXJ-close-{i}") for i in range(10)]
    f.append(fact("GXJ", "commendation", "2026-04-01", tier="ministry", ref="F3"))  # +5 (国家级（部委）)
    f.append(fact("GXJ", "promoted_experience", "2026-04-02", tier="national", ref="F4"))  # +5 (S0-A三.2)
    f.append(fact("GXJ", "research_adopted", "2026-04-03", tier="national", ref="F5"))  # +5 (S0-A三.4)
    # 区商务局: 9 principle problems on especially important items (90) and a red ticket (10) → capped at 80.
    f += [fact("SWJ", "item_closed", "2026-11-01", role="lead", ref=f"SWJ-close-{i}") for i in range(5)]
    f += [fact("SWJ", "principle_problem", "2026-05-01", level="especially", ref=f"E2{i}") for i in range(9)]
    f.append(fact("SWJ", "ticket_issued", "2026-06-01", colour="red", level="especially", ref="E30"))
    # 街道类: both close 3 items (10 points each) and both lose 3 points → tied.
    f += [fact("DCJD", "item_closed", "2026-12-01", role="lead", ref=f"D-{i}") for i in range(3)]
    f.append(fact("DCJD", "late_objection", "2026-02-01", level="generally", ref="E40"))  # −1
    f.append(fact("DCJD", "late_report", "2026-02-08", level="fairly", ref="E41"))  # −2
    f += [fact("XCJD", "item_closed", "2026-12-01", role="lead", ref=f"X-{i}") for i in range(3)]
    f.append(fact("XCJD", "leader_instruction_negative", "2026-02-01", tier="district", ref="F6"))  # −1 (S0-A四.1)
    f.append(fact("XCJD", "late_receipt", "2026-03-01", level="fairly", ref="E50"))  # −2
    # Outside the year: ignored.
    f.append(fact("XCJD", "ticket_issued", "2025-12-31", colour="red", level="especially", ref="E99"))
    return f


@pytest.fixture(scope="module")
def result():
    return score(preset("s0"), UNITS, district_year(), YEAR)


def test_S0_A2_worked_example_totals_ranks_and_caps(result) -> None:
    fgj, gxj, swj, dcjd, xcjd = (result.unit(u) for u in ("FGJ", "GXJ", "SWJ", "DCJD", "XCJD"))
    # 区发改局: 80 + (3 + 2 + 10×8/10) − (3 + 3 + 2) = 80 + 13 − 8 = 85
    assert (fgj.bonus, fgj.deductions, fgj.total) == (13, 8, 85)
    # 区工信局: 80 + min(5 + 5 + 5 + 10, 20) = 100
    assert (gxj.bonus_raw, gxj.bonus, gxj.deductions, gxj.total) == (25, 20, 0, 100)
    # 区商务局: 80 + 10×5/10 − min(9×10 + 10, 80) = 80 + 5 − 80 = 5
    assert (swj.bonus, swj.deductions_raw, swj.deductions, swj.total) == (5, 100, 80, 5)
    # 街道类: 80 + 10 − 3 = 87 each: a tie shares rank 1.
    assert (dcjd.total, xcjd.total) == (87, 87)
    assert [(s.unit, s.rank) for s in result.category("JJ")] == [("GXJ", 1), ("FGJ", 2), ("SWJ", 3)]
    assert sorted((s.unit, s.rank) for s in result.category("JD")) == [("DCJD", 1), ("XCJD", 1)]
    assert all(s.ranked == 3 for s in result.category("JJ"))
    assert result.facts_ignored == 1  # the 2025 ticket
    for s in result.scores:
        assert explained(s) == s.total
        assert s.grade is None  # S0 ranks; it declares no grades


def test_S0_A2_caps_are_reported_line_by_line(result) -> None:
    gxj = result.unit("GXJ")
    # In file order the three recognitions keep their 5 points; the effectiveness bonus keeps what is left.
    assert [(x.rule_id, x.points, x.capped) for x in gxj.lines] == [
        ("S0-A三.1", 5, 5), ("S0-A三.2", 5, 5), ("S0-A三.4", 5, 5), ("S0-A三.5", 10, 5)]
    assert "加分合计封顶 20 分（S0-A二）" in gxj.lines[-1].explanation
    swj = result.unit("SWJ")
    problem = lines(swj, "S0-A四.4")[0]
    assert (problem.points, problem.capped) == (-90, -80)
    assert lines(swj, "S0-A四.5")[0].capped == 0
    assert "减分合计封顶 80 分（S0-A二）" in lines(swj, "S0-A四.5")[0].explanation


def test_S0_A3_1_commendation_by_tier_5_3_2_1(result) -> None:
    assert contribution(result.unit("FGJ"), "S0-A三.1") == 3
    units = [Unit(t, "JJ") for t in ("national", "ministry", "provincial", "municipal", "district")]
    r = score(preset("s0"), units, [fact(u.id, "commendation", "2026-01-05", tier=u.id) for u in units], YEAR)
    assert [r.unit(u.id).total - 80 for u in units] == [5, 5, 3, 2, 1]


def test_S0_A3_2_promoted_experience_and_S0_A3_4_research(result) -> None:
    gxj = result.unit("GXJ")
    assert lines(gxj, "S0-A三.2")[0].points == 5
    assert lines(gxj, "S0-A三.4")[0].points == 5


def test_S0_A3_3_positive_instruction_by_tier(result) -> None:
    line = lines(result.unit("FGJ"), "S0-A三.3")[0]
    assert (line.points, line.variant, line.refs) == (2, "市级", ("F2",))


def test_S0_A3_5_effectiveness_is_10_times_share_of_category_max(result) -> None:
    line = lines(result.unit("FGJ"), "S0-A三.5")[0]
    assert line.points == 8  # 10 × 8 ÷ 10
    assert dict(line.formula) == {"本单位": 8, "本类别最多": 10, "系数": 10}
    assert "10 ×（本单位 8 件 ÷ 本类别最多 10 件）= 8 分" in line.explanation
    assert len(line.refs) == 8 and "FGJ-co-0" not in line.refs  # co-unit closures are not counted
    assert lines(result.unit("SWJ"), "S0-A三.5")[0].points == 5  # 10 × 5 ÷ 10
    assert lines(result.unit("DCJD"), "S0-A三.5")[0].points == 10  # its own category's maximum is 3


def test_S0_A3_5_no_closures_in_category_gives_zero() -> None:
    r = score(preset("s0"), [Unit("A", "ZQ"), Unit("B", "ZQ")], [], YEAR)
    assert [s.total for s in r.scores] == [80, 80]


def test_S0_A4_1_negative_instruction_by_tier(result) -> None:
    assert contribution(result.unit("XCJD"), "S0-A四.1") == -1


def test_S0_A4_2_late_receipt_report_objection_by_level_3_2_1(result) -> None:
    assert contribution(result.unit("FGJ"), "S0-A四.2") == -3  # late receipt, especially important
    assert contribution(result.unit("DCJD"), "S0-A四.2") == -3  # objection (generally) −1 + report (fairly) −2
    units = [Unit(level, "ZH") for level in ("especially", "fairly", "generally")]
    r = score(preset("s0"), units, [fact(u.id, "late_report", "2026-01-05", level=u.id) for u in units], YEAR)
    assert [r.unit(u.id).total for u in units] == [77, 78, 79]


def test_S0_A4_3_quality_finding_by_level(result) -> None:
    line = lines(result.unit("FGJ"), "S0-A四.3")[0]
    assert (line.points, line.variant) == (-2, "比较重要")


def test_S0_A4_4_principle_problem_10_5_3() -> None:
    units = [Unit(level, "ZH") for level in ("especially", "fairly", "generally")]
    r = score(preset("s0"), units, [fact(u.id, "principle_problem", "2026-01-05", level=u.id) for u in units], YEAR)
    assert [r.unit(u.id).total for u in units] == [70, 75, 77]


@pytest.mark.parametrize(("colour", "cost"), [("red", 10), ("yellow", 5), ("blue", 3)])
def test_S0_A4_5_ticket_costs_by_colour(colour: str, cost: int) -> None:
    r = score(preset("s0"), [Unit("A", "ZS")], [fact("A", "ticket_issued", "2026-03-04", colour=colour, ref="T")], YEAR)
    line = r.unit("A").lines[0]
    assert (r.unit("A").total, line.rule_id, line.refs) == (80 - cost, "S0-A四.5", ("T",))


def test_S0_A4_5_red_ticket_costs_10(result) -> None:
    line = lines(result.unit("SWJ"), "S0-A四.5", "红色")[0]
    assert line.points == -10
    assert line.clause.startswith("对被催办的承办单位")


def test_S0_A4_5_each_ticket_counts_blue_then_yellow_then_red() -> None:
    """Reading S0-A四.5: each ticket issued counts, 3 + 5 + 10 for one item escalated to red."""
    facts = [fact("A", "ticket_issued", "2026-03-04", colour=c, item="I1") for c in ("blue", "yellow", "red")]
    assert score(preset("s0"), [Unit("A", "ZS")], facts, YEAR).unit("A").total == 62


def test_S0_A1_units_outside_the_8_categories_are_not_scored() -> None:
    r = score(preset("s0"), [Unit("A", "ZS"), Unit("B", "nowhere")], [], YEAR)
    assert [s.unit for s in r.scores] == ["A"]
    assert any("B" in w and "nowhere" in w for w in r.warnings)


def test_S0_A2_lines_name_rule_clause_and_explain_in_chinese(result) -> None:
    line = lines(result.unit("FGJ"), "S0-A四.2")[0]
    assert line.explanation == "超期减分（特别重要）：1 次 × 3 分 = 减 3 分（S0-A四.2）"
    assert line.refs == ("E11",)
    assert "未按时接收或反馈督办任务" in line.clause
