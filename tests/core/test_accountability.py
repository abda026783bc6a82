"""S3a as pure rules: the procedure table, return loop, S3a-10 skip, sanctions, triggers."""

from __future__ import annotations

import pytest

from duban.core.accountability import (
    AccountabilityError,
    CaseAction,
    CaseState,
    Party,
    ProposedSanction,
    Sanction,
    Trigger,
    case_actions,
    check_sanctions,
    next_case_state,
    trigger_for,
    waiting_on,
)


def test_S3a_9_procedure_and_return_loop() -> None:
    s = CaseState.OPEN
    for a in (CaseAction.HAND_OVER, CaseAction.REPORT_VERIFICATION, CaseAction.PROPOSE, CaseAction.REVIEW_PASS,
              CaseAction.RETURN, CaseAction.PROPOSE, CaseAction.REVIEW_RETURN, CaseAction.PROPOSE,
              CaseAction.REVIEW_PASS, CaseAction.APPROVE, CaseAction.EXECUTE, CaseAction.PUBLISH):
        s = next_case_state(s, a)
    assert s is CaseState.PUBLISHED
    with pytest.raises(AccountabilityError):
        next_case_state(CaseState.PROPOSING, CaseAction.APPROVE)


def test_S3a_10_skip_and_parties() -> None:
    assert next_case_state(CaseState.VERIFYING, CaseAction.SKIP_VERIFICATION) is CaseState.PROPOSING
    assert case_actions(CaseState.VERIFYING, [Party.OFFICE]) == []
    assert waiting_on(CaseState.RECHECKING) is Party.OFFICE
    assert waiting_on(CaseState.PROPOSING) is Party.IMPLEMENTING
    assert waiting_on(CaseState.PUBLISHED) is None


def test_S3a_6_7_8_sanctions() -> None:
    assert len(check_sanctions([ProposedSanction(Sanction.UNIT_CIRCULATE), ProposedSanction(Sanction.PERSON_CHECK, 3)],
                               "")) == 2
    for bad in ([], [ProposedSanction(Sanction.ORG_ADJUST)], [ProposedSanction(Sanction.UNIT_CHECK, 3)],
                [ProposedSanction(Sanction.UNIT_CHECK), ProposedSanction(Sanction.UNIT_CHECK)]):
        with pytest.raises(AccountabilityError):
            check_sanctions(bad, "")
    with pytest.raises(AccountabilityError, match="S3a-9"):
        check_sanctions([ProposedSanction(Sanction.DISCIPLINE, 3)], "")
    check_sanctions([ProposedSanction(Sanction.DISCIPLINE, 3)], "区纪委意见")


def test_S3a_5_triggers_and_aliases() -> None:
    assert trigger_for("S3b-17") is Trigger.BOTTOM_TWO
    assert trigger_for("S3a-5(四)") is Trigger.OBSTRUCTION
    with pytest.raises(AccountabilityError):
        trigger_for("S9-1")
