"""The supervision item's lifecycle as data (SPEC §2; S0-9..14, S1-五).

An item moves through ``ItemState`` by ``Action``s. Each transition names the rule ID it implements and
the roles that may perform it; the service layer adds the checks that need the database (is this user
in the lead unit?) but never invents a transition that is not listed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class ItemState(StrEnum):
    PENDING_APPROVAL = "pending_approval"  # 待审批: registered, awaiting the office head (S0-9)
    DECLINED = "declined"  # 未通过审批: the office head sent it back
    APPROVED = "approved"  # 待交办
    ASSIGNED = "assigned"  # 待签收: handed out, the lead unit has not received it yet
    IN_PROGRESS = "in_progress"  # 办理中
    COMPLETION_REPORTED = "completion_reported"  # 待审核: the lead unit reported completion
    OFFICE_ACCEPTED = "office_accepted"  # 待领导审阅: the office accepted, leaders read it (S0-13)
    CLOSED = "closed"  # 已办结: the leader passed it
    ARCHIVED = "archived"  # 已归档 (S0-14)


class Level(StrEnum):
    """S0-8: the level is set when the 督办单 is issued and fixes the reporting cadence."""

    ESPECIALLY_IMPORTANT = "especially"  # 特别重要: weekly + at once on new progress
    FAIRLY_IMPORTANT = "fairly"  # 比较重要: monthly
    GENERALLY_IMPORTANT = "generally"  # 一般重要: quarterly


class Role(StrEnum):
    OFFICE_STAFF = "office_staff"  # 督查室工作人员
    OFFICE_HEAD = "office_head"  # 政府办公室主要领导 (approves, signs blue tickets)
    DEPUTY_HEAD = "deputy_head"  # 分管/主管副职领导 (signs yellow tickets)
    GOV_HEAD = "gov_head"  # 政府主要领导 (signs red tickets)
    UNIT_HEAD = "unit_head"  # 单位主要负责人
    UNIT_LIAISON = "unit_liaison"  # 单位联络员
    RESPONSIBLE_LEADER = "responsible_leader"  # 主管领导 inside a unit (S0-10)
    RESPONSIBLE_PERSON = "responsible_person"  # 具体经办人员 (S0-10)
    INSPECTOR = "inspector"  # 督查人员 (S3c)
    GRID_WORKER = "grid_worker"  # 网格员 (S2a)
    ASSESSMENT = "assessment"  # 绩考办
    DISCIPLINE = "discipline"  # 纪检
    ORGANISATION = "organisation"  # 组织部
    SYSADMIN = "sysadmin"  # 系统管理员: manages the organisation, reads no business content
    SECURITY_ADMIN = "security_admin"  # 安全管理员: accounts' security, lockouts, clearances (三员分立)
    AUDIT_ADMIN = "audit_admin"  # 审计管理员: reads the audit log only (三员分立)


OFFICE_ROLES = frozenset({Role.OFFICE_STAFF, Role.OFFICE_HEAD})
LEADER_ROLES = frozenset({Role.OFFICE_HEAD, Role.DEPUTY_HEAD, Role.GOV_HEAD})
UNIT_ROLES = frozenset(
    {Role.UNIT_HEAD, Role.UNIT_LIAISON, Role.RESPONSIBLE_LEADER, Role.RESPONSIBLE_PERSON}
)
OVERSIGHT_ROLES = frozenset({Role.ASSESSMENT, Role.DISCIPLINE, Role.ORGANISATION})
# 三员分立 (等级保护 2.0 level 3): the three administrators are separate people; none reads business content.
SEPARATED_ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


class Action(StrEnum):
    REGISTER = "register"
    APPROVE = "approve"
    DECLINE = "decline"
    RESUBMIT = "resubmit"
    ASSIGN = "assign"
    RECEIVE = "receive"
    OBJECT = "object"
    ANSWER_OBJECTION = "answer_objection"
    REPORT_PROGRESS = "report_progress"
    REPORT_UNABLE = "report_unable"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    REPORT_COMPLETION = "report_completion"
    OFFICE_ACCEPT = "office_accept"
    OFFICE_RETURN = "office_return"
    LEADER_PASS = "leader_pass"
    LEADER_RESUPERVISE = "leader_resupervise"
    ARCHIVE = "archive"
    ATTACH = "attach"


class Actor(StrEnum):
    """Who, relative to the item, performs an action. The service layer resolves it to people."""

    OFFICE = "office"  # supervision office staff or its head
    OFFICE_HEAD = "office_head"
    LEADER = "leader"  # the item's supervising leader or the head of government
    LEAD_UNIT = "lead_unit"
    ASSIGNED_UNIT = "assigned_unit"  # lead or co-unit, for its own part
    CO_UNIT = "co_unit"
    ANY_PARTY = "any_party"  # anyone who can act on the item (attachments)


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[ItemState]
    target: ItemState | None  # None: the item state does not change
    actor: Actor
    rule_id: str
    label: str  # Chinese label shown on buttons and in the timeline


_OPEN = frozenset({ItemState.ASSIGNED, ItemState.IN_PROGRESS})
_ACTIVE = frozenset(
    {
        ItemState.ASSIGNED,
        ItemState.IN_PROGRESS,
        ItemState.COMPLETION_REPORTED,
        ItemState.OFFICE_ACCEPTED,
    }
)

TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        Transition(Action.REGISTER, frozenset(), ItemState.PENDING_APPROVAL, Actor.OFFICE, "S0-9", "立项"),
        Transition(
            Action.APPROVE,
            frozenset({ItemState.PENDING_APPROVAL}),
            ItemState.APPROVED,
            Actor.OFFICE_HEAD,
            "S0-9",
            "审定",
        ),
        Transition(
            Action.DECLINE,
            frozenset({ItemState.PENDING_APPROVAL}),
            ItemState.DECLINED,
            Actor.OFFICE_HEAD,
            "S1-五(一)",
            "退回立项",
        ),
        Transition(
            Action.RESUBMIT,
            frozenset({ItemState.DECLINED}),
            ItemState.PENDING_APPROVAL,
            Actor.OFFICE,
            "S1-五(一)",
            "重新报审",
        ),
        Transition(
            Action.ASSIGN,
            frozenset({ItemState.APPROVED}),
            ItemState.ASSIGNED,
            Actor.OFFICE,
            "S1-五(二)",
            "交办",
        ),
        Transition(Action.RECEIVE, _OPEN, None, Actor.ASSIGNED_UNIT, "S0-10", "签收"),
        Transition(Action.OBJECT, _OPEN, None, Actor.ASSIGNED_UNIT, "S0-10", "提出异议"),
        Transition(Action.ANSWER_OBJECTION, _OPEN, None, Actor.OFFICE, "S0-10", "答复异议"),
        Transition(
            Action.REPORT_PROGRESS,
            frozenset({ItemState.IN_PROGRESS}),
            None,
            Actor.LEAD_UNIT,
            "S0-8",
            "报送进展",
        ),
        Transition(
            Action.REPORT_UNABLE,
            frozenset({ItemState.IN_PROGRESS}),
            None,
            Actor.CO_UNIT,
            "S1-五(三)",
            "报告无法配合",
        ),
        Transition(
            Action.REQUEST_EXTENSION,
            frozenset({ItemState.IN_PROGRESS}),
            None,
            Actor.LEAD_UNIT,
            "S1-五(三)",
            "申请延期",
        ),
        Transition(
            Action.DECIDE_EXTENSION,
            frozenset({ItemState.IN_PROGRESS}),
            None,
            Actor.OFFICE,
            "S1-五(三)",
            "审批延期",
        ),
        Transition(
            Action.REPORT_COMPLETION,
            frozenset({ItemState.IN_PROGRESS}),
            ItemState.COMPLETION_REPORTED,
            Actor.LEAD_UNIT,
            "S0-12",
            "报送办结",
        ),
        Transition(
            Action.OFFICE_ACCEPT,
            frozenset({ItemState.COMPLETION_REPORTED}),
            ItemState.OFFICE_ACCEPTED,
            Actor.OFFICE,
            "S0-12",
            "审核通过",
        ),
        Transition(
            Action.OFFICE_RETURN,
            frozenset({ItemState.COMPLETION_REPORTED}),
            ItemState.IN_PROGRESS,
            Actor.OFFICE,
            "S1-五(五)",
            "退回重办",
        ),
        Transition(
            Action.LEADER_PASS,
            frozenset({ItemState.OFFICE_ACCEPTED}),
            ItemState.CLOSED,
            Actor.LEADER,
            "S0-13",
            "领导审阅通过",
        ),
        Transition(
            Action.LEADER_RESUPERVISE,
            frozenset({ItemState.OFFICE_ACCEPTED}),
            ItemState.IN_PROGRESS,
            Actor.LEADER,
            "S1-五(六)",
            "要求再督查",
        ),
        Transition(
            Action.ARCHIVE,
            frozenset({ItemState.CLOSED}),
            ItemState.ARCHIVED,
            Actor.OFFICE,
            "S0-14",
            "立卷归档",
        ),
        Transition(
            Action.ATTACH,
            frozenset(ItemState) - {ItemState.ARCHIVED},
            None,
            Actor.ANY_PARTY,
            "S0-14",
            "上传附件",
        ),
    )
}

STATE_LABELS: dict[ItemState, str] = {
    ItemState.PENDING_APPROVAL: "待审批",
    ItemState.DECLINED: "未通过审批",
    ItemState.APPROVED: "待交办",
    ItemState.ASSIGNED: "待签收",
    ItemState.IN_PROGRESS: "办理中",
    ItemState.COMPLETION_REPORTED: "待审核",
    ItemState.OFFICE_ACCEPTED: "待领导审阅",
    ItemState.CLOSED: "已办结",
    ItemState.ARCHIVED: "已归档",
}

LEVEL_LABELS: dict[Level, str] = {
    Level.ESPECIALLY_IMPORTANT: "特别重要",
    Level.FAIRLY_IMPORTANT: "比较重要",
    Level.GENERALLY_IMPORTANT: "一般重要",
}

OPEN_STATES = _ACTIVE
FINISHED_STATES = frozenset({ItemState.CLOSED, ItemState.ARCHIVED})


class TransitionNotAllowed(Exception):
    """The action is not allowed in the item's current state; nothing was changed."""

    def __init__(self, action: Action, state: ItemState) -> None:
        self.action = action
        self.state = state
        label = TRANSITIONS[action].label
        super().__init__(f"事项当前状态为「{STATE_LABELS[state]}」，不能执行「{label}」。")


def next_state(state: ItemState, action: Action) -> ItemState:
    """The state after ``action``; raises ``TransitionNotAllowed`` if ``state`` does not allow it."""
    transition = TRANSITIONS[action]
    if state not in transition.sources:
        raise TransitionNotAllowed(action, state)
    return transition.target if transition.target is not None else state


def allowed_actions(state: ItemState) -> list[Action]:
    """Actions whose source states include ``state``, in lifecycle order."""
    return [a for a, t in TRANSITIONS.items() if state in t.sources]


def objection_is_late(received_on: date, filed_on: date) -> bool:
    """S0-10 / S0-A四.2: an objection must be filed on the day of receipt; later counts as overdue."""
    return filed_on > received_on
