"""S1-八: the county's 100-point scheme, computed by hand for a small county's year."""

from __future__ import annotations

import pytest

from duban.core.scoring import Period, Unit, fact, score

from .common import contribution, explained, lines, preset

YEAR = Period.year(2026)
UNITS = [Unit(u, "all") for u in ("U1", "U2", "U3", "U4", "U5", "U6")]


def county_year() -> list:
    f = []
    # U1: 100 − 5 − 2 − 1 − 2×2 + 5 = 93
    f.append(fact("U1", "item_assigned", "2026-02-01", role="lead", ref="A1"))
    f.append(fact("U1", "criticism_notice", "2026-03-01", subject="deployment", ref="N1"))  # S1-八(一) −5
    f.append(fact("U1", "proposal_late", "2026-07-01", role="lead", ref="P1"))  # S1-八(五) −2
    f.append(fact("U1", "proposal_late", "2026-07-01", role="co", ref="P2"))  # S1-八(五) −1
    f += [fact("U1", "late_report", "2026-04-0" + str(d), ref=f"R{d}") for d in (1, 2)]  # S1-八(七) −2 each
    f.append(fact("U1", "late_report", "2026-04-09", valid_reason=True, ref="R9"))  # valid reason: no deduction
    f.append(fact("U1", "commendation", "2026-09-01", tier="district", ref="C1"))  # S1-八(八) +5
    # U2: 100 + 2×5 → capped at 100 (百分制)
    f.append(fact("U2", "item_assigned", "2026-02-01", role="co"))
    f += [fact("U2", "commendation", "2026-10-01", tier="district", ref=f"C2{i}") for i in range(2)]
    # U3: 100 − 5 − 5 − 5 − 5 = 80, and fraud with major impact: no excellence (S1-八(九))
    f.append(fact("U3", "item_assigned", "2026-02-01", role="lead"))
    f.append(fact("U3", "item_not_in_place", "2026-05-01", source="upper", ref="I1"))  # S1-八(四)
    f.append(fact("U3", "item_not_in_place", "2026-05-02", source="other", ref="I2"))  # S1-八(六)
    f.append(fact("U3", "item_not_in_place", "2026-05-03", source="other", valid_reason=True, ref="I3"))  # none
    f.append(fact("U3", "criticism_notice", "2026-06-01", subject="project", ref="N2"))  # S1-八(二)
    f.append(fact("U3", "criticism_notice", "2026-06-02", subject="meeting_decision", ref="N3"))  # S1-八(三)
    f.append(fact("U3", "fraud", "2026-08-01", major_impact=True, ref="FR"))
    # U4: no item this year → the average. U5: no item either; its criticism is replaced by the average.
    f.append(fact("U5", "criticism_notice", "2026-06-01", subject="deployment"))
    # U6: 21 criticisms → 100 − 105 → 0 (百分制 floor)
    f.append(fact("U6", "item_assigned", "2026-02-01", role="lead"))
    f += [fact("U6", "criticism_notice", "2026-06-01", subject="deployment") for _ in range(21)]
    return f


@pytest.fixture(scope="module")
def result():
    return score(preset("s1"), UNITS, county_year(), YEAR)


def test_S1_8_worked_example_totals_average_and_ranks(result) -> None:
    totals = {s.unit: s.total for s in result.scores}
    assert totals == {"U1": 93, "U2": 100, "U3": 80, "U4": 68.25, "U5": 68.25, "U6": 0}
    # U4/U5: (93 + 100 + 80 + 0) ÷ 4 = 68.25 — the average of the units that handled items.
    assert [(s.unit, s.rank) for s in result.scores] == [
        ("U2", 1), ("U1", 2), ("U3", 3), ("U4", 4), ("U5", 4), ("U6", 6)]
    for s in result.scores:
        assert explained(s) == s.total


def test_S1_8_no_items_average_is_explained(result) -> None:
    u4 = result.unit("U4")
    (line,) = lines(u4, "S1-八")
    assert line.contribution == -31.75  # 100 → 68.25
    assert "按 4 个承办单位的平均分 68.25 计" in line.explanation
    assert any("平均分" in n for n in u4.notes)
    assert result.unit("U5").total == 68.25  # its own criticism does not count (reading S1-八)


def test_S1_8_total_stays_within_0_and_100(result) -> None:
    u2 = result.unit("U2")
    assert (u2.bonus, u2.total) == (10, 100)
    assert contribution(u2, "S1-八") == -10
    assert result.unit("U6").total == 0


def test_S1_8_1_2_3_criticised_minus_5_each(result) -> None:
    assert contribution(result.unit("U1"), "S1-八(一)") == -5
    assert contribution(result.unit("U3"), "S1-八(二)") == -5
    assert contribution(result.unit("U3"), "S1-八(三)") == -5


def test_S1_8_4_upper_or_leader_item_minus_5_per_item(result) -> None:
    (line,) = lines(result.unit("U3"), "S1-八(四)")
    assert (line.points, line.refs) == (-5, ("I1",))


def test_S1_8_5_proposal_lead_minus_2_co_minus_1(result) -> None:
    u1 = result.unit("U1")
    assert contribution(u1, "S1-八(五)", "牵头单位") == -2
    assert contribution(u1, "S1-八(五)", "配合单位") == -1


def test_S1_8_6_other_item_without_valid_reason_minus_5(result) -> None:
    (line,) = lines(result.unit("U3"), "S1-八(六)")
    assert (line.points, line.refs) == (-5, ("I2",))  # I3 had a valid reason


def test_S1_8_7_late_feedback_minus_2_each(result) -> None:
    (line,) = lines(result.unit("U1"), "S1-八(七)")
    assert (line.count, line.points, line.refs) == (2, -4, ("R1", "R2"))


def test_S1_8_8_praised_and_circulated_plus_5(result) -> None:
    (line,) = lines(result.unit("U1"), "S1-八(八)")
    assert line.points == 5


def test_S1_8_9_fraud_with_major_impact_bars_excellence(result) -> None:
    u3 = result.unit("U3")
    assert u3.vetoes == ("S1-八(九)",)
    assert u3.barred == ("excellence",)
    assert result.unit("U1").barred == ()


def test_S1_8_fraud_without_major_impact_does_not_bar() -> None:
    r = score(preset("s1"), [Unit("U", "all")], [fact("U", "fraud", "2026-01-02", major_impact=False)], YEAR)
    assert r.unit("U").barred == ()


def test_S1_8_nobody_handled_items_leaves_totals_and_says_so() -> None:
    r = score(preset("s1"), [Unit("A", "all"), Unit("B", "all")], [], YEAR)
    assert [s.total for s in r.scores] == [100, 100]
    assert any("无可参照的平均分" in n for n in r.unit("A").notes)
