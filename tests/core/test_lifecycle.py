"""The lifecycle table itself (pure Python, no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from duban.core.lifecycle import (
    TRANSITIONS,
    Action,
    Actor,
    ItemState,
    TransitionNotAllowed,
    allowed_actions,
    next_state,
    objection_is_late,
)


def test_every_transition_names_a_rule_id() -> None:
    for transition in TRANSITIONS.values():
        assert transition.rule_id.startswith(("S0-", "S1-")), transition


def test_S0_9_registered_item_needs_approval_before_assignment() -> None:
    assert Action.ASSIGN not in allowed_actions(ItemState.PENDING_APPROVAL)
    assert next_state(ItemState.PENDING_APPROVAL, Action.APPROVE) is ItemState.APPROVED
    assert TRANSITIONS[Action.APPROVE].actor is Actor.OFFICE_HEAD
    with pytest.raises(TransitionNotAllowed):
        next_state(ItemState.PENDING_APPROVAL, Action.ASSIGN)


def test_S1_5_5_return_sends_completed_item_back_to_the_unit() -> None:
    assert next_state(ItemState.COMPLETION_REPORTED, Action.OFFICE_RETURN) is ItemState.IN_PROGRESS


def test_S0_13_leader_resupervise_reopens_and_pass_closes() -> None:
    assert next_state(ItemState.OFFICE_ACCEPTED, Action.LEADER_RESUPERVISE) is ItemState.IN_PROGRESS
    assert next_state(ItemState.OFFICE_ACCEPTED, Action.LEADER_PASS) is ItemState.CLOSED
    assert TRANSITIONS[Action.LEADER_PASS].actor is Actor.LEADER


def test_S0_14_only_closed_items_are_archived_and_archive_is_final() -> None:
    assert allowed_actions(ItemState.ARCHIVED) == []
    for state in ItemState:
        if state is not ItemState.CLOSED:
            with pytest.raises(TransitionNotAllowed):
                next_state(state, Action.ARCHIVE)


def test_transition_error_message_is_chinese_and_names_state_and_action() -> None:
    with pytest.raises(TransitionNotAllowed) as info:
        next_state(ItemState.ARCHIVED, Action.REPORT_PROGRESS)
    assert "已归档" in str(info.value) and "报送进展" in str(info.value)


def test_S0_10_objection_same_day_is_on_time_next_day_is_late() -> None:
    day = dt.date(2026, 3, 2)
    assert not objection_is_late(day, day)
    assert objection_is_late(day, day + dt.timedelta(days=1))


def test_only_the_lead_unit_reports_completion_S1_5_3() -> None:
    assert TRANSITIONS[Action.REPORT_COMPLETION].actor is Actor.LEAD_UNIT
    assert TRANSITIONS[Action.REPORT_UNABLE].actor is Actor.CO_UNIT
