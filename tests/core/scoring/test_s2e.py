"""S2e composite performance evaluation: 60/30/10 weights, ±50 caps, vetoes, grades and the 30% quota."""

from __future__ import annotations

import pytest

from duban.core.scoring import Period, Unit, fact, load_policy, score

from .common import contribution, explained, lines, preset, preset_text

YEAR = Period.year(2026)
UNITS = [Unit(f"K{i}", "county") for i in range(1, 6)] + [Unit(f"D{i}", "department") for i in range(1, 5)]


def survey(unit: str, satisfied: int, basic: int, unsatisfied: int) -> list:
    """Survey answers as grouped rows (``times`` answers each), as the ledger's GROUP BY would give them."""
    return [fact(unit, "survey_answer", "2026-12-10", answer=a, times=n, ref=f"{unit}-{a}")
            for a, n in (("satisfied", satisfied), ("basic", basic), ("unsatisfied", unsatisfied)) if n]


def evaluation() -> list:
    f = []
    for unit in ("K1", "K2"):
        f += [fact(unit, "growth_targets_met", "2026-12-01"), fact(unit, "major_contribution", "2026-12-01")]
    # K1: 850×0.6 + 900×0.3 + ((800+900)/2×0.5 + 700×0.5)×0.1 + (20 + 10) − 10
    #   = 510 + 270 + 77.5 + 30 − 10 = 877.5
    f += [fact("K1", "indicator_score", "2026-12-15", indicator=i, value=v) for i, v in (("GDP", 400), ("FIN", 450))]
    f += survey("K1", 70, 20, 10)
    f += [fact("K1", "internal_rating", "2026-12-16", rater="leader", value=v) for v in (800, 900)]
    f.append(fact("K1", "internal_rating", "2026-12-16", rater="peer", value=700))
    f.append(fact("K1", "commendation", "2026-05-01", tier="national", approved=True, ref="B1"))  # +20
    f.append(fact("K1", "rank_jump", "2026-12-01", approved=True, ref="B2"))  # +10
    f.append(fact("K1", "disaster_response", "2026-08-01", ref="B3"))  # not approved: nothing
    f.append(fact("K1", "criticism_notice", "2026-06-01", tier="municipal", ref="D1"))  # −10
    # K2: 900×0.6 + 600×0.3 + 1000×0.1 + min(3×20, 50) = 540 + 180 + 100 + 50 = 870
    f.append(fact("K2", "indicator_score", "2026-12-15", indicator="ALL", value=900))
    f += survey("K2", 50, 10, 40)
    f += [fact("K2", "internal_rating", "2026-12-16", rater=r, value=1000) for r in ("leader", "peer")]
    f += [fact("K2", "key_task_far_exceeded", "2026-12-01", approved=True, ref=f"KT{i}") for i in range(3)]
    # K3: 700×0.6 + 1000×0.3 + 600×0.1 − min(30 + 20 + 15, 50) = 420 + 300 + 60 − 50 = 730: qualified only
    f.append(fact("K3", "indicator_score", "2026-12-15", indicator="ALL", value=700))
    f += survey("K3", 10, 0, 0)
    f += [fact("K3", "internal_rating", "2026-12-16", rater=r, value=600) for r in ("leader", "peer")]
    f.append(fact("K3", "criticism_notice", "2026-03-01", tier="national", ref="C30"))
    f.append(fact("K3", "criticism_notice", "2026-04-01", tier="ministry", ref="C20"))
    f.append(fact("K3", "leader_disciplined", "2026-05-01", value=15, ref="LD"))
    f.append(fact("K3", "growth_targets_met", "2026-12-01"))
    # K4: 600×0.6 + 300×0.3 + 500×0.1 = 360 + 90 + 50 = 500: unqualified
    f.append(fact("K4", "indicator_score", "2026-12-15", indicator="ALL", value=600))
    f += survey("K4", 30, 0, 70)
    f += [fact("K4", "internal_rating", "2026-12-16", rater=r, value=500) for r in ("leader", "peer")]
    # K5: the full 1000 but a veto item (energy saving): cannot be qualified
    f.append(fact("K5", "indicator_score", "2026-12-15", indicator="ALL", value=1000))
    f += survey("K5", 10, 0, 0)
    f += [fact("K5", "internal_rating", "2026-12-16", rater=r, value=1000) for r in ("leader", "peer")]
    f.append(fact("K5", "veto_item", "2026-09-01", subject="energy_saving", ref="VETO"))
    # Departments: each indicator out of 100; qualified when all ≥ 60 and the livelihood task is done.
    f += [fact("D1", "indicator_score", "2026-12-15", indicator=i, value=v) for i, v in (("X", 90), ("Y", 80))]
    f += [fact("D2", "indicator_score", "2026-12-15", indicator=i, value=v) for i, v in (("X", 95), ("Y", 55))]
    f += [fact("D3", "indicator_score", "2026-12-15", indicator=i, value=v) for i, v in (("X", 70), ("Y", 70))]
    f.append(fact("D4", "indicator_score", "2026-12-15", indicator="X", value=100))
    f += [fact(d, "livelihood_task_done", "2026-12-01") for d in ("D1", "D2", "D3")]
    return f


@pytest.fixture(scope="module")
def result():
    return score(preset("s2e"), UNITS, evaluation(), YEAR)


def test_S2e_4_4_1_worked_example_composite_totals_ranks_grades(result) -> None:
    assert {s.unit: s.total for s in result.category("county")} == {
        "K1": 877.5, "K2": 870, "K3": 730, "K4": 500, "K5": 1000}
    assert [(s.unit, s.rank, s.grade) for s in result.category("county")] == [
        ("K5", 1, "unqualified"), ("K1", 2, "advanced"), ("K2", 3, "qualified"), ("K3", 4, "qualified"),
        ("K4", 5, "unqualified")]
    for s in result.scores:
        assert explained(s) == s.total


def test_S2e_4_3_1_weights_60_30_10(result) -> None:
    k1 = result.unit("K1")
    assert k1.sections["indicators"] == 850 and contribution(k1, "S2e-四(三)1(1)") == 510
    assert k1.sections["public"] == 900 and contribution(k1, "S2e-四(三)1(2)") == 270
    assert k1.sections["internal"] == 775 and contribution(k1, "S2e-四(三)1(3)") == 77.5


def test_S2e_4_3_1_3_internal_leaders_50_peers_50(result) -> None:
    leader, peer = lines(result.unit("K1"), "S2e-四(三)1(3)")
    assert (leader.count, leader.points, peer.points) == (2, 425, 350)  # mean(800, 900) × 0.5, 700 × 0.5
    assert "2 份" in leader.explanation and "平均 850 分 × 权重 0.5 = 425 分" in leader.explanation


def test_S2e_4_3_1_2_public_survey_three_answers(result) -> None:
    (line,) = lines(result.unit("K1"), "S2e-四(三)1(2)")
    assert (line.count, line.points) == (100, 900)  # (70 + 20) ÷ 100 × 1000 (reading)
    assert "满意 70" in line.explanation and "基本满意 20" in line.explanation
    assert result.unit("K1").metrics["satisfaction"] == 0.9


def test_S2e_4_3_1_4_bonus_approved_only_and_capped_at_50(result) -> None:
    assert result.unit("K1").bonus == 30  # the unapproved disaster response does not count
    k2 = result.unit("K2")
    assert (k2.bonus_raw, k2.bonus) == (60, 50)
    assert "加分合计封顶 50 分（S2e-四(三)1(4)）" in lines(k2, "S2e-四(三)1(4)")[0].explanation


def test_S2e_4_3_1_5_criticism_30_20_10_and_discipline_capped_at_50(result) -> None:
    k3 = result.unit("K3")
    assert [(x.variant, x.points) for x in lines(k3, "S2e-四(三)1(5)")] == [
        ("国家级", -30), ("部委", -20), ("", -15)]
    assert (k3.deductions_raw, k3.deductions) == (65, 50)
    assert result.unit("K1").deductions == 10


def test_S2e_4_3_3_veto_bars_qualified(result) -> None:
    k5 = result.unit("K5")
    assert (k5.total, k5.grade, k5.vetoes) == (1000, "unqualified", ("S2e-四(三)3",))
    assert any("一票否决" in n for n in k5.notes)


def test_S2e_4_4_1_1_qualified_at_600_and_above() -> None:
    policy = preset("s2e")
    units = [Unit("A", "county"), Unit("B", "county")]
    facts = [fact("A", "indicator_score", "2026-12-01", value=1000), fact("B", "indicator_score", "2026-12-01",
                                                                         value=999)]
    r = score(policy, units, facts, YEAR)
    assert [(s.total, s.grade) for s in r.scores] == [(600, "qualified"), (599.4, "unqualified")]


def test_S2e_4_4_1_3_advanced_quota_30_percent_and_conditions(result) -> None:
    # floor(5 × 30%) = 1 seat. K5 is vetoed, K3 fails the conditions (discipline; no contribution fact),
    # K1 and K2 qualify for it: K1 ranks higher and takes it.
    k2, k3 = result.unit("K2"), result.unit("K3")
    assert any("先进名额 1 个（30%×5），未入选" in n for n in k2.notes)
    assert any("班子成员受党纪政纪处分 1 件 == 0" in n for n in k3.notes)
    assert any("推动经济社会发展取得重大成效 0 件 >= 1" in n for n in k3.notes)


def test_S2e_4_4_1_3_satisfaction_below_60_percent_bars_advanced() -> None:
    policy = preset("s2e")
    units = [Unit(f"K{i}", "county") for i in range(4)]  # floor(4 × 0.3) = 1 seat
    facts = []
    for u in units:
        facts += [fact(u.id, "indicator_score", "2026-12-01", value=1000),
                  fact(u.id, "growth_targets_met", "2026-12-01"), fact(u.id, "major_contribution", "2026-12-01")]
    facts += survey("K0", 5, 0, 5)  # 50% satisfied: not eligible although the best total
    facts += survey("K1", 6, 0, 4)  # 60%: eligible
    r = score(policy, units, facts, YEAR)
    assert (r.unit("K0").grade, r.unit("K1").grade) == ("qualified", "advanced")


def test_S2e_4_4_1_3_quota_ties_at_the_cut_are_all_left_out() -> None:
    policy = preset("s2e")
    units = [Unit(f"K{i}", "county") for i in range(4)]
    facts = []
    for u in units:
        facts += [fact(u.id, "indicator_score", "2026-12-01", value=1000),
                  fact(u.id, "growth_targets_met", "2026-12-01"), fact(u.id, "major_contribution", "2026-12-01")]
        facts += survey(u.id, 1, 0, 0)
    r = score(policy, units, facts, YEAR)
    assert {s.grade for s in r.scores} == {"qualified"}  # 4 tied for 1 seat: none (reading)
    alt = load_policy(preset_text("s2e").replace('ties = "exclude" }', 'ties = "include" }', 1), "x.toml")
    assert {s.grade for s in score(alt, units, facts, YEAR).scores} == {"advanced"}


def test_S2e_4_4_2_departments_each_indicator_at_least_60_and_livelihood(result) -> None:
    assert [(s.unit, s.total, s.rank, s.grade) for s in result.category("department")] == [
        ("D4", 100, 1, "unqualified"),  # livelihood task not done
        ("D1", 85, 2, "advanced"),  # floor(4 × 30%) = 1 seat
        ("D2", 75, 3, "unqualified"),  # one indicator at 55
        ("D3", 70, 4, "qualified"),
    ]
    assert any("各项 >= 60（最不利 55）" in n for n in result.unit("D2").notes)


def test_S2e_4_4_departments_have_no_county_sections(result) -> None:
    assert set(result.unit("D1").sections) == {"dept_indicators"}
