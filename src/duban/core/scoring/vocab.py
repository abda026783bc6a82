"""The facts a scoring policy can key on, their attributes and the values each attribute can take.

A fact is one thing that happened to a unit and counts for or against it: a ticket issued, a late report,
a commendation by a provincial body, a public-survey answer. The lifecycle and urging events produce most
of them; the office records the rest with evidence (SPEC §4; issue 4 item 3). A policy rule names a fact
kind and conditions on its attributes; the checker refuses a kind or a value that is not listed here
(such a rule could never fire), unless the policy declares the kind itself in ``[[fact_kind]]``.
"""

from __future__ import annotations

from dataclasses import dataclass

AttrValue = str | int | float | bool

LEVELS = ("especially", "fairly", "generally")  # S0-8
ROLES = ("lead", "co")  # S1-五(二): 主办/牵头 and 协办/配合
COLOURS = ("blue", "yellow", "orange", "red")  # S0-11, S0-15 (orange: a local scheme's second colour)
TIERS = ("national", "ministry", "provincial", "provincial_dept", "municipal", "district")
RATINGS = ("excellent", "good", "qualified", "unqualified")  # S3b-11(三), S3b-12(三)
ANSWERS = ("satisfied", "basic", "unsatisfied")  # S2e-四(三)1(2)

VALUE_LABELS: dict[str, dict[str, str]] = {
    "level": {"especially": "特别重要", "fairly": "比较重要", "generally": "一般重要"},
    "role": {"lead": "牵头单位", "co": "配合单位"},
    "colour": {"blue": "蓝色", "yellow": "黄色", "orange": "橙色", "red": "红色"},
    "tier": {"national": "国家级", "ministry": "部委", "provincial": "省级", "provincial_dept": "省直部门",
             "municipal": "市级", "district": "区（县）级"},
    "rating": {"excellent": "优秀", "good": "良好", "qualified": "合格", "unqualified": "不合格"},
    "answer": {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"},
    "rater": {"leader": "领导评价", "peer": "同级评价"},
    "outcome": {"positive": "落实较好", "negative": "落实不到位"},
    "source": {"upper": "上级交办", "leader": "领导批办交办", "other": "其他督办事项"},
    "cause": {"own": "本单位原因", "co_noncooperation": "配合单位不主动配合"},
    "visit": {"collective": "集体上访", "individual": "疑难个访"},
    "subject": {"deployment": "重要工作部署", "project": "民生工程、重点项目", "meeting_decision": "重要会议决定事项",
                "other": "其他", "family_planning": "计划生育", "public_security": "社会治安综合治理",
                "energy_saving": "节能减排", "major_accident": "重大责任事故"},
}


@dataclass(frozen=True)
class AttrSpec:
    """``domain`` lists the allowed values of a string attribute; ``type`` is "str", "int" or "bool"."""

    type: str = "str"
    domain: tuple[str, ...] = ()
    label: str = ""


ATTRS: dict[str, AttrSpec] = {
    "level": AttrSpec("str", LEVELS, "督办等级"),
    "role": AttrSpec("str", ROLES, "承办角色"),
    "colour": AttrSpec("str", COLOURS, "催办单颜色"),
    "tier": AttrSpec("str", TIERS, "作出方层级"),
    "rating": AttrSpec("str", RATINGS, "办理结果评定"),
    "answer": AttrSpec("str", ANSWERS, "评议档次"),
    "rater": AttrSpec("str", ("leader", "peer"), "评价方"),
    "outcome": AttrSpec("str", ("positive", "negative"), "评价结论"),
    "source": AttrSpec("str", ("upper", "leader", "other"), "事项来源"),
    "cause": AttrSpec("str", ("own", "co_noncooperation"), "问题成因"),
    "visit": AttrSpec("str", ("collective", "individual"), "上访类型"),
    "subject": AttrSpec("str", tuple(VALUE_LABELS["subject"]), "事由"),
    "item": AttrSpec("str", (), "事项/子项"),
    "indicator": AttrSpec("str", (), "指标"),
    "n": AttrSpec("int", (), "第几次"),
    "passive": AttrSpec("bool", (), "被动纳入"),
    "valid_reason": AttrSpec("bool", (), "有正当理由"),
    "approved": AttrSpec("bool", (), "已批准"),
    "major_impact": AttrSpec("bool", (), "造成重大影响"),
}

_ITEM = ("role", "level", "item")


@dataclass(frozen=True)
class FactKind:
    code: str
    label: str
    attrs: tuple[str, ...] = ()
    valued: bool = False  # the fact carries a number (a score, days, chosen points)


FACT_KINDS: dict[str, FactKind] = {k.code: k for k in (
    # From the item lifecycle and the urging engine (events in the ledger).
    FactKind("item_assigned", "承办督办事项", _ITEM),
    FactKind("item_taken_in", "事项纳入信息督办系统", (*_ITEM, "passive")),
    FactKind("item_closed", "办结督办事项", _ITEM),
    FactKind("milestone_due", "办理时间节点", _ITEM),
    FactKind("late_receipt", "未按时接收督办任务", _ITEM),
    FactKind("late_report", "未按时反馈/报送办理情况", (*_ITEM, "valid_reason")),
    FactKind("late_objection", "异议未当日书面提报", _ITEM),
    FactKind("late_completion", "未按期办结", (*_ITEM, "valid_reason")),
    FactKind("quality_finding", "反馈内容质量问题", _ITEM),
    FactKind("principle_problem", "谎报、瞒报、虚报、漏报、错报", _ITEM),
    FactKind("ticket_issued", "被下发催办单", (*_ITEM, "colour")),
    FactKind("key_supervision", "逾期2天以上进入重点督办", _ITEM),
    FactKind("return", "办理结果被退回重报", (*_ITEM, "n")),
    FactKind("rating", "办结结果评定", (*_ITEM, "rating")),
    FactKind("item_not_in_place", "事项办理不及时或未落实到位", (*_ITEM, "source", "valid_reason")),
    FactKind("proposal_late", "人大建议、政协提案未按时限办结", _ITEM),
    # Recorded by the office with evidence.
    FactKind("commendation", "表彰或通报表扬", ("tier", "role", "item", "approved"), valued=True),
    FactKind("promoted_experience", "经验被上级督查部门正式推广", ("tier",)),
    FactKind("leader_instruction_positive", "领导肯定性批示", ("tier", "item")),
    FactKind("leader_instruction_negative", "领导否定性批示", ("tier", "item")),
    FactKind("research_adopted", "督查调研报告获肯定或被采用", ("tier",)),
    FactKind("criticism_notice", "被通报批评", ("tier", "subject", "item")),
    FactKind("fraud", "瞒报、谎报、弄虚作假", ("major_impact", "item")),
    FactKind("third_party_finding", "第三方评估、专家论证或公众评价结论", ("outcome", "role", "item")),
    FactKind("inspection_problem", "上级督查中认定存在问题", ("tier", "role", "cause", "item"), valued=True),
    FactKind("obstruction", "不配合或阻碍督查、检查、调研", ()),
    FactKind("inspector_no_show", "本单位督查人员未按要求完成督查任务（S3c-6）", ()),
    FactKind("material_late", "限期上报材料迟报（数值=迟报天数）", ("item",), valued=True),
    # S2c petition work.
    FactKind("major_incident", "信访重大恶性事件", ()),
    FactKind("collective_visit", "因工作不力发生集体上访", ("tier",)),
    FactKind("responsible_absent", "上访发生时负责人未按要求到场", ("tier", "visit")),
    FactKind("petition_case_late", "信访立案件未按时限办结", ("item",)),
    FactKind("petition_case_urged", "信访立案件被催办", ("item",)),
    FactKind("petition_case_quality", "信访立案件办理质量未达要求", ("item",)),
    FactKind("petitioner_not_answered", "未按要求答复信访人", ("item",)),
    FactKind("panel_score", "考评小组评定分（数值=得分）", ("item",), valued=True),
    # S2e performance evaluation.
    FactKind("indicator_score", "指标考核得分（数值=得分）", ("indicator",), valued=True),
    FactKind("survey_answer", "公众评议答卷（件数=答卷数）", ("answer",)),
    FactKind("internal_rating", "内部评估打分（数值=得分）", ("rater",), valued=True),
    FactKind("key_task_far_exceeded", "成倍超额完成重点工作任务", ("approved",)),
    FactKind("rank_jump", "主要指标排位大幅度前移", ("approved",)),
    FactKind("disaster_response", "应对重大灾害和突发事件做出突出贡献", ("approved",)),
    FactKind("leader_disciplined", "领导班子成员受党纪政纪处分（数值=扣分）", (), valued=True),
    FactKind("dereliction", "工作人员失职渎职造成重大损失（数值=扣分）", (), valued=True),
    FactKind("veto_item", "一票否决事项", ("subject",)),
    FactKind("declared_unqualified", "经市委常委会议认定为不合格", ()),
    FactKind("growth_targets_met", "增长类指标完成目标任务", ()),
    FactKind("major_contribution", "推动经济社会发展取得重大成效", ()),
    FactKind("livelihood_task_done", "完成为民办实事指标任务", ()),
)}


def value_label(attr: str, value: AttrValue) -> str:
    """The Chinese label of an attribute value (``red`` → 红色), or the value itself."""
    if isinstance(value, bool):
        return ATTRS.get(attr, AttrSpec(label=attr)).label + ("：是" if value else "：否")
    return VALUE_LABELS.get(attr, {}).get(str(value), str(value))
