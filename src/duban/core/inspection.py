"""Inspection teams from the three inspector pools and rapid-disposal deadlines (S3c, S3d), pure rules.

- S3c-9: per group at most 3 full-time inspectors from counties/departments, 2 part-time, 2 invited and
  1 companion (driver included); "根据实际情况可适当增减人数" — a limit may be adjusted with a reason.
- S3c-11: members are drawn from the pools; part-time and invited members need their unit's or their
  own consent first.
- Random selection (双随机) with recusal: nobody inspects their own unit or one they are linked to;
  among the eligible, those with the fewest past tasks are preferred so the workload stays balanced;
  the draw is seeded, so the same request and seed give the same team.
- S3d: rectification deadlines when none is set — general 7 days, major/complex 30 days, an approved
  extension ≤60 days; policy-making units answer within 3 days after the inspection; lazy-governance
  findings within 7 days (natural days: the seed counts 日, the policy may switch to working days).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class Pool(StrEnum):
    FULL_TIME = "full_time"  # 专职
    PART_TIME = "part_time"  # 兼职
    INVITED = "invited"  # 特邀
    COMPANION = "companion"  # 随行人员（含司机）


POOL_LABELS: dict[Pool, str] = {
    Pool.FULL_TIME: "专职督查人员",
    Pool.PART_TIME: "兼职督查人员",
    Pool.INVITED: "特邀督查人员",
    Pool.COMPANION: "随行人员",
}

DEFAULT_LIMITS: dict[Pool, int] = {Pool.FULL_TIME: 3, Pool.PART_TIME: 2, Pool.INVITED: 2, Pool.COMPANION: 1}


@dataclass(frozen=True)
class Inspector:
    id: int
    pool: Pool
    unit_id: int | None
    linked_unit_ids: frozenset[int] = frozenset()
    past_tasks: int = 0
    active: bool = True


@dataclass(frozen=True)
class TeamRequest:
    targets: frozenset[int]  # unit ids inspected
    wanted: Mapping[Pool, int]
    limits: Mapping[Pool, int] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    adjustment_reason: str = ""


class TeamError(ValueError):
    """A request that breaks a rule; ``rule_id`` names the clause."""

    def __init__(self, message: str, rule_id: str) -> None:
        super().__init__(f"{message}（{rule_id}）")
        self.rule_id = rule_id


def check_limits(request: TeamRequest) -> None:
    """S3c-9: the per-group limits; raising a limit above the default needs a written reason."""
    for pool, limit in request.limits.items():
        if limit > DEFAULT_LIMITS[pool] and not request.adjustment_reason.strip():
            raise TeamError(f"{POOL_LABELS[pool]}上限调整为 {limit} 须说明理由", "S3c-9")
    for pool, count in request.wanted.items():
        if count < 0:
            raise TeamError(f"{POOL_LABELS[pool]}人数不能为负数", "S3c-9")
        if count > request.limits.get(pool, DEFAULT_LIMITS[pool]):
            raise TeamError(
                f"{POOL_LABELS[pool]}每组不超过 {request.limits.get(pool, DEFAULT_LIMITS[pool])} 名，申请 {count} 名",
                "S3c-9",
            )


def is_recused(inspector: Inspector, targets: frozenset[int]) -> bool:
    """Nobody inspects their own unit or a unit they are linked to."""
    own = {inspector.unit_id} if inspector.unit_id is not None else set()
    return bool((own | inspector.linked_unit_ids) & targets)


def draw_team(request: TeamRequest, inspectors: Sequence[Inspector], seed: int) -> dict[Pool, list[Inspector]]:
    """双随机: a seeded random draw per pool among the eligible, least-loaded first."""
    check_limits(request)
    rng = random.Random(seed)
    team: dict[Pool, list[Inspector]] = {}
    for pool in Pool:
        wanted = request.wanted.get(pool, 0)
        if wanted == 0:
            continue
        eligible = [i for i in inspectors if i.pool is pool and i.active and not is_recused(i, request.targets)]
        if len(eligible) < wanted:
            raise TeamError(
                f"{POOL_LABELS[pool]}可选 {len(eligible)} 名（已回避本单位及关联单位），不足 {wanted} 名", "S3c-11"
            )
        # Balanced workload: shuffle, then take the least-loaded; the shuffle breaks ties at random.
        rng.shuffle(eligible)
        eligible.sort(key=lambda i: i.past_tasks)
        team[pool] = eligible[:wanted]
    return team


def needs_consent(pool: Pool) -> bool:
    """S3c-11: part-time and invited members need their unit's or their own consent first."""
    return pool in (Pool.PART_TIME, Pool.INVITED)


class FindingKind(StrEnum):
    GENERAL = "general"  # 一般问题
    MAJOR = "major"  # 重大复杂问题
    POLICY_MAKING = "policy_making"  # 需出台政策的
    LAZY_GOVERNANCE = "lazy_governance"  # 懒政怠政


@dataclass(frozen=True)
class DisposalRule:
    days: int
    rule_id: str
    label: str


RAPID_DISPOSAL: dict[FindingKind, DisposalRule] = {
    FindingKind.GENERAL: DisposalRule(7, "S3d-二.1", "一般事项 7 日内整改到位"),
    FindingKind.MAJOR: DisposalRule(30, "S3d-二.1", "重大问题、复杂事项 30 日内整改到位"),
    FindingKind.POLICY_MAKING: DisposalRule(3, "S3d-二.3", "政策制定单位在督查结束后 3 日内上报整改情况或方案"),
    FindingKind.LAZY_GOVERNANCE: DisposalRule(7, "S3d-二.4", "庸政懒政怠政问题督查结束后 7 日内反馈"),
}
REPORT_DAYS_AFTER_TASK = 3  # S3c-14: the team reports within 3 days after the task ends
MAX_EXTENSION_DAYS = 60  # S3d: an approved extension generally no more than 60 days, with a timetable


def check_extension(days: int, timetable: str) -> None:
    if days > MAX_EXTENSION_DAYS:
        raise TeamError(f"延期一般不超过 {MAX_EXTENSION_DAYS} 日，申请 {days} 日", "S3d-二.2")
    if not timetable.strip():
        raise TeamError("延期须形成推进落实方案，明确时间表", "S3d-二.2")


def fairness(counts: Mapping[int, int]) -> float:
    """max/min selections over inspectors — 1.0 is perfectly even (used by the fairness test)."""
    values = list(counts.values())
    return max(values) / max(min(values), 1)


# --- the inspection plan and its report (S4-二(一), S3c-10..15) ------------------------------------


class InspectionKind(StrEnum):
    PATROL = "patrol"  # 巡查 S4-二(一)1
    INSPECTION = "inspection"  # 督查 S4-二(一)2
    REVIEW = "review"  # 考察 S4-二(一)3


KIND_LABELS: dict[InspectionKind, str] = {
    InspectionKind.PATROL: "巡查", InspectionKind.INSPECTION: "督查", InspectionKind.REVIEW: "考察",
}
KIND_RULES: dict[InspectionKind, str] = {
    InspectionKind.PATROL: "S4-二(一)1", InspectionKind.INSPECTION: "S4-二(一)2", InspectionKind.REVIEW: "S4-二(一)3",
}

# S4-二(一)1 巡查方式 and S4-二(一)2 督查形式, as listed in the seed.
PATROL_METHODS = (
    "听取汇报", "查看资料", "问卷调查", "座谈交流", "跟踪审计", "第三方评估", "个别访谈", "抽查暗访", "现场查看",
)
INSPECTION_FORMS = ("现场督办", "跟踪督查", "调研督查", "专项督查", "回访复核")


def check_methods(kind: InspectionKind, methods: Sequence[str]) -> None:
    allowed = PATROL_METHODS + INSPECTION_FORMS
    if kind is not InspectionKind.REVIEW and not methods:
        raise TeamError("请至少选择一种巡查方式或督查形式", KIND_RULES[kind])
    for m in methods:
        if m not in allowed:
            raise TeamError(f"「{m}」不是规定的巡查方式或督查形式", KIND_RULES[kind])


class PlanState(StrEnum):
    DRAFT = "draft"  # 方案拟定中（可申请抽调督查人员）
    PLAN_PENDING = "plan_pending"  # 方案待领导审定
    APPROVED = "approved"  # 方案已审定：通知、征求同意、培训
    UNDER_WAY = "under_way"  # 督查实施中
    REPORTING = "reporting"  # 已结束，待报送督查报告
    REPORT_SUBMITTED = "report_submitted"  # 报告待督查室审核
    DONE = "done"  # 报告已采用


PLAN_STATE_LABELS: dict[PlanState, str] = {
    PlanState.DRAFT: "方案拟定",
    PlanState.PLAN_PENDING: "方案待审定",
    PlanState.APPROVED: "已审定，待培训部署",
    PlanState.UNDER_WAY: "实施中",
    PlanState.REPORTING: "待报送报告",
    PlanState.REPORT_SUBMITTED: "报告待审核",
    PlanState.DONE: "已完成",
}


class PlanAction(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    DECLINE = "decline"
    BRIEF = "brief"
    END = "end"
    REPORT = "report"
    ACCEPT_REPORT = "accept_report"
    RETURN_REPORT = "return_report"


@dataclass(frozen=True)
class PlanTransition:
    sources: frozenset[PlanState]
    target: PlanState
    rule_id: str
    label: str


PLAN_TRANSITIONS: dict[PlanAction, PlanTransition] = {
    PlanAction.SUBMIT: PlanTransition(frozenset({PlanState.DRAFT}), PlanState.PLAN_PENDING, "S3c-11", "报领导审定方案"),
    PlanAction.APPROVE: PlanTransition(frozenset({PlanState.PLAN_PENDING}), PlanState.APPROVED, "S3c-11",
                                       "审定督查方案"),
    PlanAction.DECLINE: PlanTransition(frozenset({PlanState.PLAN_PENDING}), PlanState.DRAFT, "S3c-11", "退回方案"),
    PlanAction.BRIEF: PlanTransition(frozenset({PlanState.APPROVED}), PlanState.UNDER_WAY, "S3c-12",
                                     "告知任务并培训，开始实施"),
    PlanAction.END: PlanTransition(frozenset({PlanState.UNDER_WAY}), PlanState.REPORTING, "S3c-14", "结束现场督查"),
    PlanAction.REPORT: PlanTransition(frozenset({PlanState.REPORTING}), PlanState.REPORT_SUBMITTED, "S3c-14",
                                      "报送督查报告"),
    PlanAction.ACCEPT_REPORT: PlanTransition(frozenset({PlanState.REPORT_SUBMITTED}), PlanState.DONE, "S3c-15",
                                             "采用督查报告"),
    PlanAction.RETURN_REPORT: PlanTransition(frozenset({PlanState.REPORT_SUBMITTED}), PlanState.REPORTING, "S3c-14",
                                             "要求补充督查或重新报送"),
}


def next_plan_state(state: PlanState, action: PlanAction) -> PlanState:
    t = PLAN_TRANSITIONS[action]
    if state not in t.sources:
        raise TeamError(f"当前为「{PLAN_STATE_LABELS[state]}」，不能「{t.label}」", t.rule_id)
    return t.target


def check_report(text: str) -> None:
    """S3c-14: a written report; the problem list and the typical-cases list are attached from the
    findings the team recorded (both may be empty, which the report then states)."""
    if not text.strip():
        raise TeamError("请填写督查报告正文", "S3c-14")
