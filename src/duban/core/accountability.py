"""S3a — accountability (督查责任追究): triggers, sanctions and the procedure of S3a-9, pure rules.

The procedure (S3a-9) passes a case between three parties:

- the supervision office (督查机构) hands over the clue with a suggestion (S3a-9(一)), re-checks the
  proposed sanction and returns an improper one or approves it (S3a-9(三)), and reports the result,
  copied to the organisation department, published internally or publicly (S3a-9(五));
- the competent department (主管部门) verifies and reports (S3a-9(一)) — or, when the facts are clear,
  skips verification and hands the case straight on (S3a-10) — and reviews the proposal (S3a-9(三));
- the implementing body (下级政府或部门) proposes the sanction (S3a-9(二)) and executes it (S3a-9(四)).

Every hand-over is a transition below; a return sends the case back to the proposing step, and the loop
may run as often as needed. Sanctions for units (S3a-6) and persons (S3a-7) may be combined (S3a-8).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Trigger(StrEnum):
    """S3a-5: the situations that lead to accountability."""

    INACTION = "S3a-5(一)"  # 不作为、慢作为，不落实、假落实
    OVERDUE = "S3a-5(二)"  # 无正当理由超过规定落实时限2天以上
    MISCONDUCT = "S3a-5(三)"  # 不依照规定程序、权限推进工作，乱作为
    OBSTRUCTION = "S3a-5(四)"  # 拒绝、阻碍督查人员开展督查
    BOTTOM_TWO = "S3a-5(五)"  # 督查激励积分连续2年均为倒数后2位 (S3b-17)
    OTHER = "S3a-5(六)"  # 其他不履行或不当履行职责


TRIGGER_LABELS: dict[Trigger, str] = {
    Trigger.INACTION: "不作为、慢作为，不落实、假落实",
    Trigger.OVERDUE: "无正当理由超过规定落实时限2天以上",
    Trigger.MISCONDUCT: "不依照规定程序、权限推进工作，乱作为造成不良影响",
    Trigger.OBSTRUCTION: "拒绝、阻碍督查人员开展督查",
    Trigger.BOTTOM_TWO: "督查激励积分连续2年均为倒数后2位",
    Trigger.OTHER: "其他不履行或不当履行职责",
}

# Rule IDs from elsewhere that name an S3a-5 situation (the scoring engine calls with S3b-17).
TRIGGER_ALIASES: dict[str, Trigger] = {"S3b-17": Trigger.BOTTOM_TWO, "S3b-12(三)": Trigger.OVERDUE}


def trigger_for(rule_id: str) -> Trigger:
    if rule_id in TRIGGER_ALIASES:
        return TRIGGER_ALIASES[rule_id]
    try:
        return Trigger(rule_id)
    except ValueError:
        raise AccountabilityError(f"未知的问责情形「{rule_id}」（S3a-5）") from None


class Sanction(StrEnum):
    UNIT_CHECK = "unit_check"  # S3a-6(一) 检查
    UNIT_CIRCULATE = "unit_circulate"  # S3a-6(二) 通报 + 约谈主要负责人
    PERSON_CHECK = "person_check"  # S3a-7(一) 检查
    PERSON_CIRCULATE = "person_circulate"  # S3a-7(二) 通报
    ADMONISH = "admonish"  # S3a-7(三) 诫勉
    ORG_ADJUST = "org_adjust"  # S3a-7(四) 组织调整或者组织处理
    DISCIPLINE = "discipline"  # S3a-7(五) 纪律处分


@dataclass(frozen=True)
class SanctionInfo:
    label: str
    rule_id: str
    for_person: bool
    needs_coordination: bool = False  # S3a-9(二): 诫勉、组织调整/处理、纪律处分 need the party bodies' opinion


SANCTIONS: dict[Sanction, SanctionInfo] = {
    Sanction.UNIT_CHECK: SanctionInfo("单位书面检查", "S3a-6(一)", False),
    Sanction.UNIT_CIRCULATE: SanctionInfo("单位通报并约谈主要负责人", "S3a-6(二)", False),
    Sanction.PERSON_CHECK: SanctionInfo("个人书面检查", "S3a-7(一)", True),
    Sanction.PERSON_CIRCULATE: SanctionInfo("个人通报批评", "S3a-7(二)", True),
    Sanction.ADMONISH: SanctionInfo("诫勉", "S3a-7(三)", True, True),
    Sanction.ORG_ADJUST: SanctionInfo("组织调整或组织处理", "S3a-7(四)", True, True),
    Sanction.DISCIPLINE: SanctionInfo("纪律处分", "S3a-7(五)", True, True),
}


@dataclass(frozen=True)
class ProposedSanction:
    sanction: Sanction
    person_id: int | None = None  # None: the sanction is on the unit


class AccountabilityError(ValueError):
    """Bad input or a step the case's state does not allow; the message names the clause."""


def check_sanctions(proposed: Iterable[ProposedSanction], coordination: str) -> list[ProposedSanction]:
    """S3a-6/7/8: unit sanctions on the unit, person sanctions on a named person, combinable, no repeats."""
    items = list(proposed)
    if not items:
        raise AccountabilityError("请至少提出一项问责处理方式（S3a-6、S3a-7）")
    seen: set[tuple[Sanction, int | None]] = set()
    for p in items:
        info = SANCTIONS[p.sanction]
        if info.for_person and p.person_id is None:
            raise AccountabilityError(f"「{info.label}」须指明被问责的工作人员（{info.rule_id}）")
        if not info.for_person and p.person_id is not None:
            raise AccountabilityError(f"「{info.label}」是对单位的问责方式（{info.rule_id}）")
        key = (p.sanction, p.person_id)
        if key in seen:
            raise AccountabilityError(f"「{info.label}」重复提出（S3a-8）")
        seen.add(key)
    if any(SANCTIONS[p.sanction].needs_coordination for p in items) and not coordination.strip():
        raise AccountabilityError(
            "涉及诫勉、组织调整或组织处理、纪律处分的，须写明同级党委、纪委、党的工作部门的意见（S3a-9(二)）"
        )
    return items


class CaseState(StrEnum):
    OPEN = "open"  # 问题线索（待移交）
    VERIFYING = "verifying"  # 主管部门核查中
    PROPOSING = "proposing"  # 待下级政府或部门提出问责处理意见
    REVIEWING = "reviewing"  # 主管部门审核中
    RECHECKING = "rechecking"  # 督查机构复核中
    EXECUTING = "executing"  # 待实施问责
    RESULT_REPORTED = "result_reported"  # 问责结果已报送，待应用
    PUBLISHED = "published"  # 已抄送、通报（结案）
    DISMISSED = "dismissed"  # 不予问责（如有正当理由）


CASE_STATE_LABELS: dict[CaseState, str] = {
    CaseState.OPEN: "问题线索待移交",
    CaseState.VERIFYING: "主管部门核查中",
    CaseState.PROPOSING: "待提出问责处理意见",
    CaseState.REVIEWING: "主管部门审核中",
    CaseState.RECHECKING: "督查机构复核中",
    CaseState.EXECUTING: "待实施问责",
    CaseState.RESULT_REPORTED: "问责结果已报送",
    CaseState.PUBLISHED: "已结案（已抄送通报）",
    CaseState.DISMISSED: "不予问责",
}


class Party(StrEnum):
    OFFICE = "office"  # 政府督查机构
    COMPETENT = "competent"  # 主管部门
    IMPLEMENTING = "implementing"  # 相关下级政府或者部门


PARTY_LABELS: dict[Party, str] = {
    Party.OFFICE: "督查机构", Party.COMPETENT: "主管部门", Party.IMPLEMENTING: "实施问责单位",
}


class CaseAction(StrEnum):
    HAND_OVER = "hand_over"
    DISMISS = "dismiss"
    REPORT_VERIFICATION = "report_verification"
    SKIP_VERIFICATION = "skip_verification"
    PROPOSE = "propose"
    REVIEW_PASS = "review_pass"
    REVIEW_RETURN = "review_return"
    APPROVE = "approve"
    RETURN = "return"
    EXECUTE = "execute"
    PUBLISH = "publish"


@dataclass(frozen=True)
class CaseTransition:
    action: CaseAction
    sources: frozenset[CaseState]
    target: CaseState
    party: Party
    rule_id: str
    label: str
    needs_text: str  # the written thing this hand-over carries (empty: nothing required)


CASE_TRANSITIONS: dict[CaseAction, CaseTransition] = {
    t.action: t
    for t in (
        CaseTransition(CaseAction.HAND_OVER, frozenset({CaseState.OPEN}), CaseState.VERIFYING, Party.OFFICE,
                       "S3a-9(一)", "移交问题线索并提出问责建议", "问责建议"),
        CaseTransition(CaseAction.DISMISS, frozenset({CaseState.OPEN}), CaseState.DISMISSED, Party.OFFICE,
                       "S3a-4", "不予问责", "理由"),
        CaseTransition(CaseAction.REPORT_VERIFICATION, frozenset({CaseState.VERIFYING}), CaseState.PROPOSING,
                       Party.COMPETENT, "S3a-9(一)", "报送核查报告并转下级政府或部门", "核查报告"),
        CaseTransition(CaseAction.SKIP_VERIFICATION, frozenset({CaseState.VERIFYING}), CaseState.PROPOSING,
                       Party.COMPETENT, "S3a-10", "事实清楚、证据确凿，不经核查直接转交", "不核查的理由"),
        CaseTransition(CaseAction.PROPOSE, frozenset({CaseState.PROPOSING}), CaseState.REVIEWING,
                       Party.IMPLEMENTING, "S3a-9(二)", "提出问责处理意见", "问责处理意见报告"),
        CaseTransition(CaseAction.REVIEW_PASS, frozenset({CaseState.REVIEWING}), CaseState.RECHECKING,
                       Party.COMPETENT, "S3a-9(三)", "审核后报送督查机构", "审核意见"),
        CaseTransition(CaseAction.REVIEW_RETURN, frozenset({CaseState.REVIEWING}), CaseState.PROPOSING,
                       Party.COMPETENT, "S3a-9(三)", "审核不通过，退回重新提出", "退回理由"),
        CaseTransition(CaseAction.APPROVE, frozenset({CaseState.RECHECKING}), CaseState.EXECUTING, Party.OFFICE,
                       "S3a-9(三)", "复核同意，转有关单位执行", ""),
        CaseTransition(CaseAction.RETURN, frozenset({CaseState.RECHECKING}), CaseState.PROPOSING, Party.OFFICE,
                       "S3a-9(三)", "问责处理意见不当，退回重新提出", "退回理由"),
        CaseTransition(CaseAction.EXECUTE, frozenset({CaseState.EXECUTING}), CaseState.RESULT_REPORTED,
                       Party.IMPLEMENTING, "S3a-9(四)", "实施问责并报送结果", "问责结果"),
        CaseTransition(CaseAction.PUBLISH, frozenset({CaseState.RESULT_REPORTED}), CaseState.PUBLISHED,
                       Party.OFFICE, "S3a-9(五)", "抄送组织部门并通报", ""),
    )
}


def next_case_state(state: CaseState, action: CaseAction) -> CaseState:
    t = CASE_TRANSITIONS[action]
    if state not in t.sources:
        raise AccountabilityError(f"案件当前为「{CASE_STATE_LABELS[state]}」，不能「{t.label}」（{t.rule_id}）")
    return t.target


def case_actions(state: CaseState, parties: Iterable[Party]) -> list[CaseAction]:
    mine = set(parties)
    return [a for a, t in CASE_TRANSITIONS.items() if state in t.sources and t.party in mine]


def waiting_on(state: CaseState) -> Party | None:
    """Whose turn it is (for the 待办 lists)."""
    for t in CASE_TRANSITIONS.values():
        if state in t.sources:
            return t.party
    return None


class Publication(StrEnum):
    INTERNAL = "internal"  # 内部通报
    PUBLIC = "public"  # 政府门户网站、新闻媒体公开通报


PUBLICATION_LABELS: dict[Publication, str] = {Publication.INTERNAL: "内部通报", Publication.PUBLIC: "公开通报"}
