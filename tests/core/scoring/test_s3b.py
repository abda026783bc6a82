"""S3b incentive points: base 100, quarterly, ranked yearly per category; triggers S3b-17 and S3b-19."""

from __future__ import annotations

import pytest

from duban.core.scoring import Period, Unit, evaluate_triggers, fact, load_policy, score

from .common import contribution, explained, lines, preset, preset_text

UNITS = [Unit("C1", "county"), Unit("C2", "county"), Unit("C3", "county"),
         Unit("M1", "municipal"), Unit("M2", "municipal"), Unit("M3", "municipal"), Unit("M4", "municipal"),
         Unit("S1", "stationed")]


def city_2026() -> list:
    f = []
    # C1: 100 + 5 (Q1) + 5 (Q3) + 3×0.5 + 3 + 1 + 15 − 2×0.5 − (0.5 + 1.5) = 127.5
    f += [fact("C1", "milestone_due", d, ref=f"M{d}") for d in ("2026-01-15", "2026-02-15")]  # Q1 clean
    f.append(fact("C1", "milestone_due", "2026-05-01"))
    f.append(fact("C1", "ticket_issued", "2026-05-03", colour="blue", ref="T1"))  # Q2 urged: no +5
    f.append(fact("C1", "milestone_due", "2026-08-01", ref="M3"))  # Q3 clean; Q4 no milestone
    f += [fact("C1", "item_taken_in", "2026-01-10", ref=f"IN{i}") for i in range(3)]
    f.append(fact("C1", "item_taken_in", "2026-01-10", passive=True, ref="IN-passive"))  # S3b-11(三): none
    f.append(fact("C1", "rating", "2026-06-01", rating="excellent", ref="RT1"))
    f.append(fact("C1", "rating", "2026-07-01", rating="good", ref="RT2"))
    f.append(fact("C1", "commendation", "2026-06-10", tier="provincial", role="lead", value=15, ref="CM1"))
    f += [fact("C1", "late_report", "2026-08-0" + str(d), ref=f"LR{d}") for d in (3, 4)]
    f.append(fact("C1", "return", "2026-03-01", item="X", n=1, ref="RET1"))
    f.append(fact("C1", "return", "2026-04-01", item="X", n=2, ref="RET2"))
    # C2: 100 − 5 − 5 − 3 − 5 = 82
    f.append(fact("C2", "key_supervision", "2026-02-01", ref="K1"))
    f.append(fact("C2", "obstruction", "2026-02-02", ref="OB"))
    f.append(fact("C2", "material_late", "2026-02-03", value=3, ref="ML"))
    f.append(fact("C2", "inspection_problem", "2026-02-04", tier="provincial", role="lead", cause="own", ref="IP"))
    # C3: 100 − 2 + 10 − 5 = 103
    f.append(fact("C3", "inspection_problem", "2026-05-04", tier="municipal", role="lead",
                  cause="co_noncooperation", value=2, ref="IP2"))
    f.append(fact("C3", "third_party_finding", "2026-06-04", outcome="positive", role="lead", ref="TP"))
    f.append(fact("C3", "rating", "2026-07-04", rating="unqualified", ref="RT3"))
    # Municipal units.
    f.append(fact("M1", "commendation", "2026-03-01", tier="municipal", role="co", ref="CM2"))  # +5 (low end)
    f.append(fact("M2", "third_party_finding", "2026-03-01", outcome="negative", role="co"))  # −3
    f += [fact("M3", "return", f"2026-0{m}-01", item="Y", ref=f"RY{m}") for m in (4, 5, 6)]  # −0.5 −1.5 −2.5
    return f


def city_2025() -> list:
    return [
        fact("C1", "milestone_due", "2025-02-01"),  # 105
        fact("C2", "late_report", "2025-02-01"),  # 99.5
        fact("M3", "key_supervision", "2025-03-01"),  # 95
    ]


@pytest.fixture(scope="module")
def result():
    return score(preset("s3b"), UNITS, city_2026(), Period.year(2026))


def test_S3b_13_worked_example_yearly_totals_and_ranks(result) -> None:
    assert {s.unit: s.total for s in result.scores} == {
        "C1": 127.5, "C2": 82, "C3": 103, "M1": 105, "M2": 97, "M3": 95.5, "M4": 100, "S1": 100}
    assert [(s.unit, s.rank) for s in result.category("county")] == [("C1", 1), ("C3", 2), ("C2", 3)]
    assert [(s.unit, s.rank) for s in result.category("municipal")] == [("M1", 1), ("M4", 2), ("M2", 3), ("M3", 4)]
    for s in result.scores:
        assert explained(s) == s.total


def test_S3b_13_scored_quarterly_lines_name_the_quarter(result) -> None:
    c1 = result.unit("C1")
    assert {x.bucket for x in c1.lines} == {"2026年第1季度", "2026年第2季度", "2026年第3季度"}
    late = lines(c1, "S3b-12(三)")
    assert [(x.label, x.bucket, x.points) for x in late] == [
        ("退回重报", "2026年第1季度", -0.5), ("退回重报", "2026年第2季度", -1.5), ("信息报送逾期", "2026年第3季度", -1)]
    assert result.warnings == ("1 条 item_taken_in 事实没有匹配到任何规则",)  # the passive one


def test_S3b_11_1_commendation_lead_10_to_20_co_5_to_10(result) -> None:
    assert contribution(result.unit("C1"), "S3b-11(一)") == 15  # chosen by the office within 10–20
    assert contribution(result.unit("M1"), "S3b-11(一)") == 5  # no value entered: the low end (reading)
    too_much = fact("A", "commendation", "2026-01-02", tier="municipal", role="lead", value=30)
    r = score(preset("s3b"), [Unit("A", "county")], [too_much], Period.year(2026))
    assert r.unit("A").total == 120  # clamped to the range's top


def test_S3b_11_1_district_commendation_is_below_municipal_level() -> None:
    r = score(preset("s3b"), [Unit("A", "county")],
              [fact("A", "commendation", "2026-01-02", tier="district", role="lead", value=15)], Period.year(2026))
    assert r.unit("A").total == 100


def test_S3b_11_2_third_party_positive_lead_10(result) -> None:
    assert contribution(result.unit("C3"), "S3b-11(二)") == 10


def test_S3b_11_3_item_taken_in_half_point_not_when_passive(result) -> None:
    (line,) = [x for x in lines(result.unit("C1"), "S3b-11(三)") if x.label.startswith("事项纳入")]
    assert (line.count, line.points) == (3, 1.5)
    assert "IN-passive" not in line.refs


def test_S3b_11_3_rated_excellent_3_good_1(result) -> None:
    rated = [x for x in lines(result.unit("C1"), "S3b-11(三)") if x.label.startswith("事项办结")]
    assert [(x.variant, x.points) for x in rated] == [("优秀", 3), ("良好", 1)]


def test_S3b_11_3_plus_5_per_quarter_without_urging(result) -> None:
    clean = [x for x in lines(result.unit("C1"), "S3b-11(三)") if x.label.startswith("各时间节点")]
    assert [(x.bucket, x.points) for x in clean] == [("2026年第1季度", 5), ("2026年第3季度", 5)]
    assert clean[0].refs == ("M2026-01-15", "M2026-02-15")
    assert contribution(result.unit("M4"), "S3b-11(三)") == 0  # no milestone, no points (reading)


def test_S3b_12_1_inspection_problem_lead_5_co_3(result) -> None:
    assert contribution(result.unit("C2"), "S3b-12(一)") == -5
    r = score(preset("s3b"), [Unit("A", "municipal")],
              [fact("A", "inspection_problem", "2026-01-02", tier="national", role="co", cause="own")],
              Period.year(2026))
    assert r.unit("A").total == 97


def test_S3b_12_1_co_noncooperation_co_5_lead_0_to_3(result) -> None:
    assert contribution(result.unit("C3"), "S3b-12(一)") == -2  # lead, office chose 2 within 0–3
    facts = [fact("L", "inspection_problem", "2026-01-02", tier="provincial", role="lead", cause="co_noncooperation"),
             fact("K", "inspection_problem", "2026-01-02", tier="provincial", role="co", cause="co_noncooperation")]
    r = score(preset("s3b"), [Unit("L", "county"), Unit("K", "county")], facts, Period.year(2026))
    assert (r.unit("L").total, r.unit("K").total) == (100, 95)  # lead: not deducted unless the office says so


def test_S3b_12_2_third_party_negative_co_3(result) -> None:
    assert contribution(result.unit("M2"), "S3b-12(二)") == -3


def test_S3b_12_3_late_report_half_point_and_key_supervision_5(result) -> None:
    assert sum(x.points for x in lines(result.unit("C1"), "S3b-12(三)") if x.label == "信息报送逾期") == -1
    assert sum(x.points for x in lines(result.unit("C2"), "S3b-12(三)") if x.label.startswith("逾期2天")) == -5


def test_S3b_12_3_return_escalates_one_more_each_time(result) -> None:
    """Reading S3b-12(三): 0.5, 1.5, 2.5 … (each later return costs 1 more than the one before)."""
    m3 = result.unit("M3")
    assert [(x.variant, x.points) for x in lines(m3, "S3b-12(三)")] == [
        ("第1次", -0.5), ("第2次", -1.5), ("第3次", -2.5)]


@pytest.mark.parametrize(("mode", "step", "expected"), [("flat", 1, 96.5), ("constant", 1, 97.5)])
def test_S3b_12_3_return_alternative_readings_are_one_setting_away(mode: str, step: int, expected: float) -> None:
    text = preset_text("s3b").replace('mode = "arithmetic"', f'mode = "{mode}"').replace("step = 1,", f"step = {step},")
    policy = load_policy(text, "s3b-alt.toml")
    facts = [fact("M3", "return", f"2026-0{m}-01", item="Y") for m in (4, 5, 6)]
    assert score(policy, [Unit("M3", "municipal")], facts, Period.year(2026)).unit("M3").total == expected


def test_S3b_12_3_unqualified_result_minus_5(result) -> None:
    (line,) = [x for x in lines(result.unit("C3"), "S3b-12(三)")]
    assert (line.variant, line.points) == ("", -5)


def test_S3b_12_4_obstruction_5_and_material_1_per_day(result) -> None:
    c2 = result.unit("C2")
    assert [(x.label, x.points) for x in lines(c2, "S3b-12(四)")] == [
        ("不配合或阻碍督查、检查、调研", -5), ("限期上报材料迟报", -3)]


def test_S3b_13_alternative_mean_of_quarters() -> None:
    text = preset_text("s3b").replace('combine = "sum"', 'combine = "mean"')
    policy = load_policy(text, "s3b-mean.toml")
    facts = [f for f in city_2026() if f.unit == "C2"]
    assert score(policy, [Unit("C2", "county")], facts, Period.year(2026)).unit("C2").total == 95.5  # 100 − 18 ÷ 4


def test_S3b_19_exemption_for_first_county_and_first_3_municipal_units(result) -> None:
    hits = {(h.trigger_id, h.action, h.unit) for h in result.triggers}
    assert hits == {("S3b-19", "exemption_recommendation", "C1"), ("S3b-19", "exemption", "M1"),
                    ("S3b-19", "exemption", "M4"), ("S3b-19", "exemption", "M2")}


def test_S3b_17_below_base_and_last_two_for_two_years_runs_accountability(result) -> None:
    last_year = score(preset("s3b"), UNITS, city_2025(), Period.year(2025))
    hits = evaluate_triggers(preset("s3b"), [last_year, result])
    accountable = sorted(h.unit for h in hits if h.action == "accountability")
    # C2: last in both years, 82 < 100. M3: last both years. M2: tied 2nd-last in 2025 (100), 2nd-last 2026 at 97.
    # C3 is 2nd-last both years but 103 ≥ 100: not accountable.
    assert accountable == ["C2", "M2", "M3"]
    c2 = next(h for h in hits if h.unit == "C2" and h.action == "accountability")
    assert c2.periods == ("2025年", "2026年")
    assert "（S3b-17）" in c2.explanation and "低于基准分 100" in c2.explanation
    assert not [h for h in result.triggers if h.action == "accountability"]  # one year is not enough


def test_S3b_17_alternative_below_base_in_both_years(result) -> None:
    policy = load_policy(preset_text("s3b").replace("below_base_each = false", "below_base_each = true"), "x.toml")
    last_year = score(policy, UNITS, city_2025(), Period.year(2025))
    this_year = score(policy, UNITS, city_2026(), Period.year(2026))
    accountable = sorted(h.unit for h in evaluate_triggers(policy, [last_year, this_year])
                         if h.action == "accountability")
    assert accountable == ["C2", "M3"]  # M2 was at 100 in 2025


def test_S3a_5_5_reading_without_the_base_condition() -> None:
    policy = load_policy(preset_text("s3b").replace("below_base = true", "below_base = false"), "s3a.toml")
    last_year = score(policy, UNITS, city_2025(), Period.year(2025))
    this_year = score(policy, UNITS, city_2026(), Period.year(2026))
    accountable = sorted(h.unit for h in evaluate_triggers(policy, [last_year, this_year])
                         if h.action == "accountability")
    assert "C3" in accountable  # 2nd-last both years at 100 and 103


def test_S3b_13_a_quarter_alone_can_be_scored() -> None:
    r = score(preset("s3b"), UNITS, city_2026(), Period.quarter(2026, 1))
    # C1 in Q1: 100 + 5 + 1.5 − 0.5 = 106
    assert r.unit("C1").total == 106
