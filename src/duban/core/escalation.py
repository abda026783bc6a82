"""Urging tickets and their escalation as pure rules (SPEC §3; S0-11, S0-15, S0-17, S3b-12(三)).

The engine looks at one item's current lateness — each ``Overdue`` occurrence (late receipt, late
report, late completion) per unit — and at the tickets already drafted for it, and says which tickets
to draft now. It never reads a clock: ``today`` is a parameter, so a year replays in seconds.

Readings taken (each is a policy setting, see ``UrgingPolicy``):
- S0-15(一): the first colour is drafted on the first working day after the due date.
- S0-15(一)/(二): a ticket not answered within its window (blue: 2 days — read as *working* days,
  ``answer_day_count`` switches to natural days) escalates to the next colour; a ticket answered but
  whose lateness persists ``escalate_after`` working days after the answer escalates too ("不按時提報").
- S0-15(二): completion still late after an approved extension starts at the second colour.
- S3b-12(三): an occurrence 2+ working days late puts the item under key supervision (重点督办).
- A draft takes effect only when the leader whose role the colour names signs it (S0-11).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class Calendar(Protocol):
    def working_days_between(self, start: dt.date, end: dt.date) -> int: ...


class Trigger(StrEnum):
    LATE_RECEIPT = "late_receipt"  # 逾期未签收 (S0-A四.2)
    LATE_REPORT = "late_report"  # 未按期提报 (S0-15(一))
    LATE_COMPLETION = "late_completion"  # 未按期办结 (S0-15)


TRIGGER_LABELS: dict[Trigger, str] = {
    Trigger.LATE_RECEIPT: "逾期未签收",
    Trigger.LATE_REPORT: "未按期提报办理情况",
    Trigger.LATE_COMPLETION: "未按期办结",
}


@dataclass(frozen=True)
class Colour:
    code: str  # "blue" | "yellow" | "red" (or a local scheme's codes)
    label: str  # 蓝色
    signer_role: str  # duban.core.lifecycle.Role value: office_head / deputy_head / gov_head
    answer_days: int | None  # the unit must answer within this many days (blue: 2)
    answer_mode: str  # "written" | "in_person" | "report_to_head"
    copy_to: tuple[str, ...] = ()  # roles copied (S0-15, S0-17)
    rule_id: str = "S0-15"
    score_rule_id: str = "S0-A四.5"


BLUE = Colour("blue", "蓝色", "office_head", 2, "written", (), "S0-15(一)")
YELLOW = Colour("yellow", "黄色", "deputy_head", 2, "in_person", ("assessment",), "S0-15(二)")
RED = Colour("red", "红色", "gov_head", None, "report_to_head", ("discipline", "organisation", "assessment"),
             "S0-15(三)")


@dataclass(frozen=True)
class UrgingPolicy:
    name: str = "S0"
    colours: tuple[Colour, ...] = (BLUE, YELLOW, RED)
    answer_day_count: str = "working"  # "working" | "natural" — reading of S0-15(一) "2日内"
    escalate_after: int = 2  # working days after an answer while lateness persists
    key_supervision_after: int = 2  # S3b-12(三): 2+ days overdue → 重点督办
    extension_starts_at: int = 1  # index into colours for completion late after an extension (S0-15(二))
    reminder_days_before: int = 1  # working days before a due date to remind

    def colour(self, code: str) -> Colour:
        for c in self.colours:
            if c.code == code:
                return c
        raise KeyError(code)

    def rank(self, code: str) -> int:
        return [c.code for c in self.colours].index(code)


@dataclass(frozen=True)
class Overdue:
    """One lateness occurrence on one unit's part of an item."""

    trigger: Trigger
    unit_id: int
    due_on: dt.date
    after_extension: bool = False

    @property
    def key(self) -> str:
        return f"{self.trigger.value}@{self.due_on.isoformat()}"


@dataclass(frozen=True)
class TicketFacts:
    """What the engine needs to know about a ticket already drafted."""

    colour: str
    unit_id: int
    occurrence: str
    drafted_on: dt.date
    issued_on: dt.date | None = None
    answered_on: dt.date | None = None
    cancelled: bool = False


@dataclass(frozen=True)
class Draft:
    colour: Colour
    unit_id: int
    occurrence: str
    trigger: Trigger
    due_on: dt.date
    reason: str
    rule_id: str


@dataclass(frozen=True)
class Decision:
    drafts: list[Draft] = field(default_factory=list)
    key_supervision: bool = False
    key_supervision_reason: str = ""


def _days(calendar: Calendar, policy: UrgingPolicy, start: dt.date, end: dt.date) -> int:
    if policy.answer_day_count == "natural":
        return (end - start).days
    return calendar.working_days_between(start, end)


def decide(
    policy: UrgingPolicy,
    overdue: Sequence[Overdue],
    tickets: Sequence[TicketFacts],
    today: dt.date,
    calendar: Calendar,
) -> Decision:
    drafts: list[Draft] = []
    key_supervision = False
    key_reason = ""
    for occ in overdue:
        late_by = calendar.working_days_between(occ.due_on, today)
        if late_by < 1:
            continue
        if late_by >= policy.key_supervision_after and not key_supervision:
            key_supervision = True
            key_reason = f"{TRIGGER_LABELS[occ.trigger]}，逾期 {late_by} 个工作日（S3b-12(三)）"
        mine = sorted(
            (t for t in tickets if t.unit_id == occ.unit_id and t.occurrence == occ.key and not t.cancelled),
            key=lambda t: policy.rank(t.colour),
        )
        label = TRIGGER_LABELS[occ.trigger]
        if not mine:
            start = policy.extension_starts_at if occ.after_extension else 0
            colour = policy.colours[min(start, len(policy.colours) - 1)]
            reason = f"{label}（应于 {occ.due_on.isoformat()} 前完成，已逾期 {late_by} 个工作日）"
            if occ.after_extension:
                reason += "，申请延期后仍未办结"
            rule = "S0-15(二)" if occ.after_extension and start > 0 else colour.rule_id
            drafts.append(Draft(colour, occ.unit_id, occ.key, occ.trigger, occ.due_on, reason, rule))
            continue
        latest = mine[-1]
        rank = policy.rank(latest.colour)
        if rank + 1 >= len(policy.colours) or latest.issued_on is None:
            continue  # top colour reached, or the latest draft still awaits its signature
        current = policy.colour(latest.colour)
        nxt = policy.colours[rank + 1]
        if latest.answered_on is None:
            window = current.answer_days if current.answer_days is not None else policy.escalate_after
            waited = _days(calendar, policy, latest.issued_on, today)
            if waited > window:
                reason = f"{current.label}催办单发出后 {waited} 日未反馈（应于 {window} 日内反馈），{label}仍未纠正"
                drafts.append(Draft(nxt, occ.unit_id, occ.key, occ.trigger, occ.due_on, reason, nxt.rule_id))
        else:
            waited = calendar.working_days_between(latest.answered_on, today)
            if waited > policy.escalate_after:
                reason = f"{current.label}催办单已反馈但 {waited} 个工作日后仍{label}"
                drafts.append(Draft(nxt, occ.unit_id, occ.key, occ.trigger, occ.due_on, reason, nxt.rule_id))
    return Decision(drafts, key_supervision, key_reason)
