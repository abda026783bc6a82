"""Inspector pools, team limits, recusal, random selection (S3c) and rapid disposal (S3d)."""

from __future__ import annotations

from collections import Counter

import pytest

from duban.core.inspection import (
    RAPID_DISPOSAL,
    FindingKind,
    Inspector,
    Pool,
    TeamError,
    TeamRequest,
    check_extension,
    draw_team,
    fairness,
    needs_consent,
)

POOLS = [Inspector(i, Pool.FULL_TIME, unit_id=100 + i % 5) for i in range(10)] + [
    Inspector(20 + i, Pool.PART_TIME, unit_id=200 + i) for i in range(6)
] + [Inspector(40 + i, Pool.INVITED, unit_id=None) for i in range(4)] + [Inspector(60, Pool.COMPANION, None)]


def request(**wanted: int) -> TeamRequest:
    return TeamRequest(targets=frozenset({100}), wanted={Pool(k): v for k, v in wanted.items()})


def test_S3c_9_group_limits_3_2_2_1() -> None:
    team = draw_team(request(full_time=3, part_time=2, invited=2, companion=1), POOLS, seed=1)
    assert [len(team[p]) for p in Pool] == [3, 2, 2, 1]
    for over in ({"full_time": 4}, {"part_time": 3}, {"invited": 3}, {"companion": 2}):
        with pytest.raises(TeamError) as info:
            draw_team(request(**over), POOLS, seed=1)
        assert info.value.rule_id == "S3c-9"


def test_S3c_9_limits_adjustable_only_with_a_reason() -> None:
    raised = {Pool.FULL_TIME: 4, Pool.PART_TIME: 2, Pool.INVITED: 2, Pool.COMPANION: 1}
    with pytest.raises(TeamError):
        draw_team(TeamRequest(frozenset({100}), {Pool.FULL_TIME: 4}, raised), POOLS, seed=1)
    team = draw_team(TeamRequest(frozenset({100}), {Pool.FULL_TIME: 4}, raised, "跨县交叉督查任务量大"), POOLS, seed=1)
    assert len(team[Pool.FULL_TIME]) == 4


def test_S3c_recusal_own_unit_and_linked_units() -> None:
    linked = Inspector(99, Pool.FULL_TIME, unit_id=300, linked_unit_ids=frozenset({100}))
    for seed in range(50):
        team = draw_team(request(full_time=3), [*POOLS, linked], seed=seed)
        assert all(i.unit_id != 100 and i.id != 99 for i in team[Pool.FULL_TIME])


def test_S3c_11_not_enough_eligible_is_a_clear_error() -> None:
    with pytest.raises(TeamError, match="不足"):
        draw_team(TeamRequest(frozenset({100, 101, 102, 103}), {Pool.FULL_TIME: 3}), POOLS, seed=1)


def test_random_selection_is_reproducible_with_a_seed() -> None:
    a = draw_team(request(full_time=3, part_time=2), POOLS, seed=42)
    b = draw_team(request(full_time=3, part_time=2), POOLS, seed=42)
    assert a == b
    assert any(draw_team(request(full_time=3), POOLS, seed=s) != a for s in range(1, 20))


def test_random_selection_is_fair_over_many_draws_with_workload_balancing() -> None:
    counts: Counter[int] = Counter()
    inspectors = [i for i in POOLS if i.pool is Pool.PART_TIME]
    for seed in range(600):
        # Feed the running workload back in, as the office's records would.
        current = [Inspector(i.id, i.pool, i.unit_id, past_tasks=counts[i.id]) for i in inspectors]
        for chosen in draw_team(request(part_time=2), current, seed=seed)[Pool.PART_TIME]:
            counts[chosen.id] += 1
    assert set(counts) == {i.id for i in inspectors}
    assert fairness(counts) <= 1.01  # 200 each: balanced to the task


def test_S3c_11_part_time_and_invited_need_consent() -> None:
    assert needs_consent(Pool.PART_TIME) and needs_consent(Pool.INVITED)
    assert not needs_consent(Pool.FULL_TIME)


def test_S3d_rapid_disposal_defaults() -> None:
    assert RAPID_DISPOSAL[FindingKind.GENERAL].days == 7
    assert RAPID_DISPOSAL[FindingKind.MAJOR].days == 30
    assert RAPID_DISPOSAL[FindingKind.POLICY_MAKING].days == 3
    assert RAPID_DISPOSAL[FindingKind.LAZY_GOVERNANCE].days == 7
    assert {r.rule_id for r in RAPID_DISPOSAL.values()} == {"S3d-二.1", "S3d-二.3", "S3d-二.4"}


def test_S3d_2_2_extension_at_most_60_days_with_a_timetable() -> None:
    check_extension(60, "4月底完成设计，5月底完工")
    with pytest.raises(TeamError):
        check_extension(61, "时间表")
    with pytest.raises(TeamError):
        check_extension(30, "")


def test_S3c_11_random_tie_break_is_uniform_without_workload_differences() -> None:
    """Among equally loaded inspectors the draw itself is fair: every one about equally often."""
    inspectors = [i for i in POOLS if i.pool is Pool.PART_TIME]
    counts: Counter[int] = Counter()
    for seed in range(3000):
        for chosen in draw_team(request(part_time=1), inspectors, seed=seed)[Pool.PART_TIME]:
            counts[chosen.id] += 1
    expected = 3000 / len(inspectors)
    chi2 = sum((counts[i.id] - expected) ** 2 / expected for i in inspectors)
    assert chi2 < 20.5  # 5 degrees of freedom, p ≈ 0.001


def test_S3c_11_inactive_inspectors_are_never_drawn() -> None:
    gone = [Inspector(i.id, i.pool, i.unit_id, active=i.id != 20) for i in POOLS]
    for seed in range(30):
        assert all(m.id != 20 for m in draw_team(request(part_time=2), gone, seed=seed)[Pool.PART_TIME])


def test_S4_plan_states_in_order() -> None:
    from duban.core.inspection import PlanAction, PlanState, next_plan_state

    state = PlanState.DRAFT
    for action in (PlanAction.SUBMIT, PlanAction.DECLINE, PlanAction.SUBMIT, PlanAction.APPROVE, PlanAction.BRIEF,
                   PlanAction.END, PlanAction.REPORT, PlanAction.RETURN_REPORT, PlanAction.REPORT,
                   PlanAction.ACCEPT_REPORT):
        state = next_plan_state(state, action)
    assert state is PlanState.DONE
    with pytest.raises(TeamError) as info:
        next_plan_state(PlanState.DRAFT, PlanAction.BRIEF)
    assert info.value.rule_id == "S3c-12"


def test_S4_methods_come_from_the_seed_lists() -> None:
    from duban.core.inspection import InspectionKind, check_methods

    check_methods(InspectionKind.PATROL, ["听取汇报", "抽查暗访"])
    with pytest.raises(TeamError):
        check_methods(InspectionKind.PATROL, [])
    with pytest.raises(TeamError):
        check_methods(InspectionKind.INSPECTION, ["喝茶聊天"])
    check_methods(InspectionKind.REVIEW, [])
