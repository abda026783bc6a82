"""The three lists as a pure state machine and their deadlines (S4-二(二), S3d)."""

from __future__ import annotations

import datetime as dt

import pytest

from duban.core.calendar import WorkCalendar
from duban.core.inspection import FindingKind
from duban.core.three_lists import (
    EntryAction,
    EntryConflict,
    EntryState,
    Who,
    allowed_actions,
    check_deadline,
    check_responsibility,
    inspection_report_due,
    next_entry_state,
    rectification_deadline,
    report_due,
)

END = dt.date(2026, 11, 4)
CAL = WorkCalendar()


def test_S4_2_2_chain_order_and_return_loops() -> None:
    state = EntryState.PROBLEM
    for action in (EntryAction.ANSWER, EntryAction.ASSIGN, EntryAction.REPORT, EntryAction.REOPEN,
                   EntryAction.REPORT, EntryAction.CLOSE, EntryAction.FOLLOW_UP):
        state = next_entry_state(state, action)
    assert state is EntryState.RECTIFYING
    with pytest.raises(EntryConflict):
        next_entry_state(EntryState.PROBLEM, EntryAction.ASSIGN)
    assert allowed_actions(EntryState.PROBLEM, Who.UNIT) == [EntryAction.ANSWER, EntryAction.ESCALATE]
    assert allowed_actions(EntryState.PROBLEM, Who.OFFICE) == []


def test_S3d_defaults_when_none_set() -> None:
    assert rectification_deadline(FindingKind.GENERAL, END, None).date == END + dt.timedelta(days=7)
    assert rectification_deadline(FindingKind.MAJOR, END, None).date == END + dt.timedelta(days=30)
    assert rectification_deadline(FindingKind.POLICY_MAKING, END, None).rule_id == "S3d-二.3"
    chosen = dt.date(2026, 11, 20)
    assert rectification_deadline(FindingKind.MAJOR, END, chosen).date == chosen


def test_S3d_2_2_extension_at_most_60_days_with_timetable() -> None:
    required = rectification_deadline(FindingKind.GENERAL, END, None)
    assert check_deadline(FindingKind.GENERAL, END + dt.timedelta(days=5), required, END, "") is False
    with pytest.raises(EntryConflict):
        check_deadline(FindingKind.GENERAL, END + dt.timedelta(days=20), required, END, "")
    with pytest.raises(EntryConflict):
        check_deadline(FindingKind.GENERAL, END + dt.timedelta(days=61), required, END, "方案")
    assert check_deadline(FindingKind.GENERAL, END + dt.timedelta(days=60), required, END, "方案") is True


def test_S4_report_due_in_working_days() -> None:
    assert report_due(dt.date(2026, 11, 13), CAL) == dt.date(2026, 11, 18)  # Friday + 3 working days
    assert inspection_report_due(END, CAL, from_pool_task=False) == (dt.date(2026, 11, 11), "S4-二(一)1")
    assert inspection_report_due(END, CAL, from_pool_task=True) == (dt.date(2026, 11, 7), "S3c-14")


def test_S4_2_2_3_responsibility_needs_lead_and_person() -> None:
    with pytest.raises(EntryConflict, match="具体责任人"):
        check_responsibility(1, frozenset({2}), None, frozenset())
    with pytest.raises(EntryConflict, match="牵头"):
        check_responsibility(None, frozenset(), 5, frozenset({1}))
    with pytest.raises(EntryConflict):
        check_responsibility(1, frozenset({1}), 5, frozenset({1}))
    with pytest.raises(EntryConflict):
        check_responsibility(1, frozenset(), 5, frozenset({9}))
    check_responsibility(1, frozenset({2}), 5, frozenset({2}))
