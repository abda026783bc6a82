"""Urging escalation rules (S0-11, S0-15, S0-17, S3b-12(三)) on a plain Monday–Friday calendar."""

from __future__ import annotations

import datetime as dt

from duban.core.escalation import (
    Decision,
    Overdue,
    TicketFacts,
    Trigger,
    UrgingPolicy,
    decide,
)


class WeekdayCalendar:
    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        sign = 1 if end >= start else -1
        a, b = (start, end) if sign == 1 else (end, start)
        n = sum(1 for k in range(1, (b - a).days + 1) if (a + dt.timedelta(days=k)).weekday() < 5)
        return sign * n


CAL = WeekdayCalendar()
POLICY = UrgingPolicy()
DUE = dt.date(2026, 3, 2)  # Monday
LATE_REPORT = Overdue(Trigger.LATE_REPORT, unit_id=7, due_on=DUE)


def run(today: str, *tickets: TicketFacts, occ: Overdue = LATE_REPORT) -> Decision:
    return decide(POLICY, [occ], list(tickets), dt.date.fromisoformat(today), CAL)


def ticket(colour: str, drafted: str, issued: str | None = None, answered: str | None = None) -> TicketFacts:
    def d(s: str | None) -> dt.date | None:
        return dt.date.fromisoformat(s) if s else None

    return TicketFacts(colour, 7, LATE_REPORT.key, dt.date.fromisoformat(drafted), d(issued), d(answered))


def test_S0_15_nothing_on_the_due_day() -> None:
    assert run("2026-03-02").drafts == []


def test_S0_15_1_blue_drafted_first_working_day_after_due() -> None:
    decision = run("2026-03-03")
    assert [(d.colour.code, d.rule_id) for d in decision.drafts] == [("blue", "S0-15(一)")]
    assert decision.drafts[0].colour.signer_role == "office_head"  # S0-11


def test_S0_15_weekend_days_do_not_count_as_late() -> None:
    friday_due = Overdue(Trigger.LATE_REPORT, 7, dt.date(2026, 3, 6))
    assert run("2026-03-08", occ=friday_due).drafts == []  # Sunday
    assert len(run("2026-03-09", occ=friday_due).drafts) == 1


def test_idempotent_no_second_blue_for_the_same_occurrence() -> None:
    assert run("2026-03-04", ticket("blue", "2026-03-03")).drafts == []


def test_S0_11_unsigned_draft_does_not_escalate() -> None:
    assert run("2026-03-20", ticket("blue", "2026-03-03")).drafts == []


def test_S0_15_2_blue_unanswered_within_two_days_escalates_to_yellow() -> None:
    blue = ticket("blue", "2026-03-03", issued="2026-03-03")
    assert run("2026-03-05", blue).drafts == []  # 2 working days: still inside the window
    decision = run("2026-03-06", blue)
    assert [(d.colour.code, d.rule_id) for d in decision.drafts] == [("yellow", "S0-15(二)")]
    assert decision.drafts[0].colour.signer_role == "deputy_head"
    assert decision.drafts[0].colour.copy_to == ("assessment",)  # S0-17


def test_S0_15_3_yellow_ignored_escalates_to_red_copied_to_discipline_and_organisation() -> None:
    blue = ticket("blue", "2026-03-03", "2026-03-03")
    yellow = ticket("yellow", "2026-03-06", "2026-03-06")
    decision = run("2026-03-11", blue, yellow)
    assert [d.colour.code for d in decision.drafts] == ["red"]
    assert set(decision.drafts[0].colour.copy_to) == {"discipline", "organisation", "assessment"}
    assert decision.drafts[0].colour.signer_role == "gov_head"


def test_red_is_the_top_colour() -> None:
    tickets = [ticket(c, "2026-03-03", "2026-03-03") for c in ("blue", "yellow", "red")]
    assert run("2026-04-30", *tickets).drafts == []


def test_answered_blue_escalates_only_if_lateness_persists() -> None:
    blue = ticket("blue", "2026-03-03", "2026-03-03", answered="2026-03-04")
    assert run("2026-03-06", blue).drafts == []
    assert [d.colour.code for d in run("2026-03-09", blue).drafts] == ["yellow"]


def test_S0_15_2_late_completion_after_extension_starts_yellow() -> None:
    occ = Overdue(Trigger.LATE_COMPLETION, 7, DUE, after_extension=True)
    decision = run("2026-03-03", occ=occ)
    assert [(d.colour.code, d.rule_id) for d in decision.drafts] == [("yellow", "S0-15(二)")]


def test_S3b_12_3_two_working_days_overdue_is_key_supervision() -> None:
    assert not run("2026-03-03").key_supervision
    decision = run("2026-03-04")
    assert decision.key_supervision and "S3b-12(三)" in decision.key_supervision_reason


def test_policy_colours_are_data_blue_orange_red() -> None:
    from dataclasses import replace

    from duban.core.escalation import BLUE, RED, YELLOW

    orange = replace(YELLOW, code="orange", label="橙色")
    policy = UrgingPolicy(name="local", colours=(BLUE, orange, RED))
    blue = TicketFacts("blue", 7, LATE_REPORT.key, DUE, DUE, None)
    decision = decide(policy, [LATE_REPORT], [blue], dt.date(2026, 3, 6), CAL)
    assert [d.colour.label for d in decision.drafts] == ["橙色"]
