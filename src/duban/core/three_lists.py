"""三单 — the three lists of S4 as a pure state machine, with the report deadlines of S4 and S3d.

One problem found on site moves through the three lists (S4-二(二)):

- S4-二(二)1 整改问题清单: the team lists the problem and suggests a fix → ``PROBLEM``;
- S4-二(二)2 整改措施清单: the responsible unit answers with measures and a deadline → ``MEASURES``, or
  puts in writing what it cannot solve within its remit → ``ESCALATED`` (the office then names who does);
- S4-二(二)3 整改责任清单: the office names the lead unit, co-units **and a person** → ``RECTIFYING``;
  the unit reports within 3 working days after each rectification deadline → ``REPORTED``; the office
  verifies (on site if needed) and closes → ``CLOSED`` or reopens with a new deadline → ``RECTIFYING``;
- S4-二(二) 台帐: unfinished entries go to key supervision (a flag, not a state), and "回头看" follow-up
  checks can reopen a closed entry → ``RECTIFYING``.

Deadlines: when the inspection sets none, S3d's defaults apply (``core.inspection.RAPID_DISPOSAL``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from duban.core.inspection import MAX_EXTENSION_DAYS, RAPID_DISPOSAL, REPORT_DAYS_AFTER_TASK, FindingKind

# S4-二(二)3: 责任单位应在整改时限届满后3个工作日内报送整改落实情况.
REPORT_WORKING_DAYS = 3
# S4-二(一)1/2: the patrol or inspection report within 5 working days after the end.
INSPECTION_REPORT_WORKING_DAYS = 5


class EntryState(StrEnum):
    PROBLEM = "problem"  # 问题清单: awaiting the unit's measures
    ESCALATED = "escalated"  # 书面上报: the unit cannot solve it within its remit
    MEASURES = "measures"  # 措施清单: measures and deadline in, awaiting the responsibility entry
    RECTIFYING = "rectifying"  # 责任清单: rectifying under a named unit and person
    REPORTED = "reported"  # 已报送整改情况: awaiting the office's verification
    CLOSED = "closed"  # 已销号


STATE_LABELS: dict[EntryState, str] = {
    EntryState.PROBLEM: "待制定整改措施",
    EntryState.ESCALATED: "已书面上报",
    EntryState.MEASURES: "待明确责任",
    EntryState.RECTIFYING: "整改中",
    EntryState.REPORTED: "待核验",
    EntryState.CLOSED: "已销号",
}


class EntryAction(StrEnum):
    ANSWER = "answer"  # unit: measures + deadline
    ESCALATE = "escalate"  # unit: written escalation
    ASSIGN = "assign"  # office: responsibility entry
    REPORT = "report"  # unit: rectification report
    CLOSE = "close"  # office: verified, closed
    REOPEN = "reopen"  # office: verified, not done, new deadline
    FOLLOW_UP = "follow_up"  # office: 回头看 reopens a closed entry


class Who(StrEnum):
    OFFICE = "office"
    UNIT = "unit"  # the responsible (lead) unit


@dataclass(frozen=True)
class EntryTransition:
    action: EntryAction
    sources: frozenset[EntryState]
    target: EntryState
    who: Who
    rule_id: str
    label: str


ENTRY_TRANSITIONS: dict[EntryAction, EntryTransition] = {
    t.action: t
    for t in (
        EntryTransition(EntryAction.ANSWER, frozenset({EntryState.PROBLEM}), EntryState.MEASURES, Who.UNIT,
                        "S4-二(二)2", "报送整改措施"),
        EntryTransition(EntryAction.ESCALATE, frozenset({EntryState.PROBLEM}), EntryState.ESCALATED, Who.UNIT,
                        "S4-二(二)2", "书面上报无法解决的问题"),
        EntryTransition(EntryAction.ASSIGN, frozenset({EntryState.MEASURES, EntryState.ESCALATED}),
                        EntryState.RECTIFYING, Who.OFFICE, "S4-二(二)3", "明确责任（责任清单）"),
        EntryTransition(EntryAction.REPORT, frozenset({EntryState.RECTIFYING}), EntryState.REPORTED, Who.UNIT,
                        "S4-二(二)3", "报送整改落实情况"),
        EntryTransition(EntryAction.CLOSE, frozenset({EntryState.REPORTED}), EntryState.CLOSED, Who.OFFICE,
                        "S4-二(二)3", "核验销号"),
        EntryTransition(EntryAction.REOPEN, frozenset({EntryState.REPORTED}), EntryState.RECTIFYING, Who.OFFICE,
                        "S4-二(二)3", "核验未通过，重新整改"),
        EntryTransition(EntryAction.FOLLOW_UP, frozenset({EntryState.CLOSED}), EntryState.RECTIFYING, Who.OFFICE,
                        "S4-二(二)", "回头看：问题反弹，重新整改"),
    )
}


class EntryConflict(ValueError):
    """The entry's state does not allow the action."""


def next_entry_state(state: EntryState, action: EntryAction) -> EntryState:
    t = ENTRY_TRANSITIONS[action]
    if state not in t.sources:
        raise EntryConflict(f"当前状态「{STATE_LABELS[state]}」不能执行「{t.label}」（{t.rule_id}）")
    return t.target


def allowed_actions(state: EntryState, who: Who) -> list[EntryAction]:
    return [a for a, t in ENTRY_TRANSITIONS.items() if state in t.sources and t.who is who]


def in_which_list(state: EntryState) -> str:
    """Which of the three lists an entry currently stands in (it stays in the earlier ones as history)."""
    if state in (EntryState.PROBLEM, EntryState.ESCALATED):
        return "problem"
    if state is EntryState.MEASURES:
        return "measures"
    return "responsibility"


class Calendar(Protocol):
    def add_working_days(self, start: dt.date, n: int) -> _Dated: ...


class _Dated(Protocol):
    @property
    def date(self) -> dt.date: ...


@dataclass(frozen=True)
class Deadline:
    date: dt.date
    rule_id: str
    explanation: str


def rectification_deadline(kind: FindingKind, inspection_end: dt.date, chosen: dt.date | None) -> Deadline:
    """S3d-二: the deadline the inspection set, else the rapid-disposal default counted from its end
    (natural days: the seed counts 日)."""
    if chosen is not None:
        return Deadline(chosen, "S4-二(二)2", "按督查组要求的整改时限")
    rule = RAPID_DISPOSAL[kind]
    return Deadline(inspection_end + dt.timedelta(days=rule.days), rule.rule_id,
                    f"未明确时限，按快速处置默认：{rule.label}")


def check_deadline(kind: FindingKind, deadline: dt.date, required: Deadline, inspection_end: dt.date,
                   timetable: str) -> bool:
    """The unit's deadline (S4-二(二)2). Later than required is an extension: at most 60 days after the
    inspection and only with a timetable (S3d-二.2); the office approves it with the responsibility
    entry. Returns whether it is an extension."""
    if deadline < inspection_end:
        raise EntryConflict("整改时限不能早于督查结束日期（S4-二(二)2）")
    if deadline <= required.date:
        return False
    days = (deadline - inspection_end).days
    if days > MAX_EXTENSION_DAYS:
        raise EntryConflict(f"延期一般不超过督查结束后 {MAX_EXTENSION_DAYS} 日，申请 {days} 日（S3d-二.2）")
    if not timetable.strip():
        raise EntryConflict(
            f"整改时限晚于要求的 {required.date:%Y-%m-%d}，须形成推进落实方案，明确时间表、路线图（S3d-二.2）"
        )
    return True


def report_due(rectification_deadline: dt.date, calendar: Calendar) -> dt.date:
    """S4-二(二)3: the unit reports within 3 working days after the rectification deadline."""
    return calendar.add_working_days(rectification_deadline, REPORT_WORKING_DAYS).date


def inspection_report_due(end: dt.date, calendar: Calendar, *, from_pool_task: bool) -> tuple[dt.date, str]:
    """The team's report: 3 days after a pool task (S3c-14, natural days), else 5 working days (S4-二(一))."""
    if from_pool_task:
        return end + dt.timedelta(days=REPORT_DAYS_AFTER_TASK), "S3c-14"
    return calendar.add_working_days(end, INSPECTION_REPORT_WORKING_DAYS).date, "S4-二(一)1"


def check_responsibility(lead_unit_id: int | None, co_unit_ids: frozenset[int], person_id: int | None,
                         person_unit_ids: frozenset[int]) -> None:
    """S4-二(二)3 落实到具体单位、具体人员: a lead unit and a named person of the lead or a co-unit."""
    if lead_unit_id is None:
        raise EntryConflict("责任清单须明确牵头责任单位（S4-二(二)3）")
    if lead_unit_id in co_unit_ids:
        raise EntryConflict("牵头责任单位不能同时是配合责任单位（S4-二(二)3）")
    if person_id is None:
        raise EntryConflict("责任清单须落实到具体责任人（S4-二(二)3）")
    if not person_unit_ids & ({lead_unit_id} | co_unit_ids):
        raise EntryConflict("责任人须为牵头或配合责任单位的人员（S4-二(二)3）")
