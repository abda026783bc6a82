"""Request and response schemas of the JSON API.

Inputs carry the fields of the matching ``duban.items.services.do_*`` function; ids of units and people
are plain integers that the route resolves (unknown id → 422 naming the field). Every action body takes
an optional ``expected_version``: when given and the item has changed since, the action is refused with
409 and nothing changes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from duban.core.lifecycle import Level
from duban.items.models import Channel, Source

VERSION_HELP = "可选：客户端读取事项时的版本号；事项已被他人修改时返回 409，不做任何更改。"


# --- shared references ----------------------------------------------------------------------------


class UnitRef(Schema):
    id: int
    name: str


class PersonRef(Schema):
    id: int
    name: str


class ErrorOut(Schema):
    detail: str = Field(description="中文错误说明")
    field_errors: dict[str, str] = Field(default_factory=dict, description="字段 → 错误说明")


# --- list -----------------------------------------------------------------------------------------


class ListParams(Schema):
    state: str = Field("", description="状态，如 in_progress")
    level: str = Field("", description="督查等级：especially / fairly / generally")
    source: str = Field("", description="事项来源，如 gov_meeting")
    unit: int | None = Field(None, description="承办单位 id（牵头或配合）")
    overdue: bool = Field(False, description="只看已超过办结时限的在办事项")
    q: str = Field("", max_length=200, description="按编号、名称、内容搜索")
    limit: int = Field(50, ge=1, le=500, description="每页条数，最多 500")
    offset: int = Field(0, ge=0, le=1_000_000, description="跳过的条数")
    after_id: int | None = Field(
        None, ge=1, description="游标：只返回 id 小于它的事项（上一页的 next_after_id），比 offset 更快"
    )


class ItemRow(Schema):
    id: int
    code: str
    title: str
    level: str
    level_label: str
    state: str
    state_label: str
    source: str
    confidential: bool
    deadline: dt.date | None
    deadline_provisional: bool
    lead_unit: UnitRef | None
    co_units: list[UnitRef]
    return_count: int
    next_due_at: dt.datetime | None


class ItemPage(Schema):
    items: list[ItemRow]
    limit: int
    offset: int
    next_after_id: int | None = Field(description="下一页的游标；为空表示没有更多")


# --- detail ---------------------------------------------------------------------------------------


class MilestoneOut(Schema):
    id: int
    title: str
    due_on: dt.date
    done_at: dt.datetime | None


class ObjectionOut(Schema):
    id: int
    unit: UnitRef
    text: str
    filed_at: dt.datetime
    filed_by: PersonRef
    late: bool
    outcome: str
    outcome_label: str
    answer: str
    answered_at: dt.datetime | None


class AssignmentOut(Schema):
    id: int
    unit: UnitRef
    role: str
    role_label: str
    part: str
    state: str
    state_label: str
    received_at: dt.datetime | None
    responsible_leader: str
    responsible_section: str
    responsible_person: str
    responsible_phone: str
    work_plan: str
    last_report_at: dt.datetime | None
    milestones: list[MilestoneOut]


class ReportOut(Schema):
    id: int
    kind: str
    kind_label: str
    unit: UnitRef
    text: str
    submitted_at: dt.datetime
    submitted_by: PersonRef


class ExtensionOut(Schema):
    id: int
    requested_deadline: dt.date
    reason: str
    requested_at: dt.datetime
    requested_by: PersonRef
    state: str
    state_label: str
    decision_note: str
    decided_at: dt.datetime | None


class ReviewOut(Schema):
    id: int
    stage: str
    stage_label: str
    outcome: str
    outcome_label: str
    opinion: str
    follow_up: str
    reviewed_at: dt.datetime
    reviewed_by: PersonRef


class AttachmentOut(Schema):
    id: int
    original_name: str
    size: int
    sha256: str
    step: str
    uploaded_at: dt.datetime
    uploaded_by: PersonRef
    url: str = Field(description="下载地址（同样校验查看权限）")


class ItemDetail(Schema):
    id: int
    code: str
    title: str
    content: str
    source: str
    source_label: str
    source_detail: str
    level: str
    level_label: str
    state: str
    state_label: str
    confidential: bool
    requirements: str
    channel: str
    supervising_leader: PersonRef | None
    deadline: dt.date | None
    deadline_working_days: int | None
    deadline_provisional: bool
    registered_by: PersonRef
    registered_at: dt.datetime
    approved_at: dt.datetime | None
    assigned_at: dt.datetime | None
    completed_at: dt.datetime | None
    closed_at: dt.datetime | None
    archived_at: dt.datetime | None
    custodian: PersonRef | None
    return_count: int
    resupervise_count: int
    next_due_at: dt.datetime | None
    version: int
    assignments: list[AssignmentOut]
    objections: list[ObjectionOut]
    reports: list[ReportOut]
    extension_requests: list[ExtensionOut]
    reviews: list[ReviewOut]
    attachments: list[AttachmentOut]


class EventOut(Schema):
    seq: int
    kind: str
    label: str
    at: dt.datetime
    actor_name: str
    unit: UnitRef | None
    rule_id: str
    summary: str
    reason: str
    before: dict[str, Any]
    after: dict[str, Any]
    data: dict[str, Any]


class ActionOut(Schema):
    action: str
    label: str
    rule_id: str
    method: Literal["POST"] = "POST"
    path: str = Field(description="要调用的接口地址")
    target_id: int | None = Field(None, description="答复异议/审批延期时，对应的异议或延期申请 id")


class ItemStatus(Schema):
    id: int
    code: str
    state: str
    state_label: str
    version: int
    deadline: dt.date | None
    return_count: int


class ActionResult(Schema):
    item: ItemStatus
    created: dict[str, int] = Field(
        default_factory=dict, description="本次操作新建的记录，如 {\"objection\": 3}"
    )


# --- action bodies --------------------------------------------------------------------------------


class VersionedIn(Schema):
    expected_version: int | None = Field(None, ge=1, description=VERSION_HELP)


class RegisterIn(Schema):
    title: str = Field(max_length=200, description="事项名称")
    content: str = Field(description="办理内容")
    source: Source = Field(description="事项来源（S0-4..7、S1-三、S4-一）")
    level: Level = Field(description="督查等级（S0-8）")
    source_detail: str = Field("", max_length=200)
    requirements: str = ""
    deadline: dt.date | None = Field(None, description="办结时限（日期），与 deadline_working_days 二选一")
    deadline_working_days: int | None = Field(None, ge=1, le=500, description="自交办日起的工作日数")
    confidential: bool = Field(False, description="涉密事项（仅有涉密权限的人员可见）")
    supervising_leader: int | None = Field(None, description="主管领导的人员 id")


class ApproveIn(VersionedIn):
    opinion: str = ""


class DeclineIn(VersionedIn):
    reason: str = Field(description="退回理由")


class ResubmitIn(VersionedIn):
    title: str | None = Field(None, max_length=200)
    content: str | None = None
    level: Level | None = None
    note: str = ""


class CoUnitIn(Schema):
    unit: int = Field(description="配合单位 id")
    part: str = ""


class AssignIn(VersionedIn):
    lead_unit: int = Field(description="牵头单位 id")
    lead_part: str = ""
    co_units: list[CoUnitIn] = Field(default_factory=list)
    deadline: dt.date | None = Field(None, description="办结时限，须晚于交办日期")
    deadline_working_days: int | None = Field(None, ge=1, le=500)
    channel: Channel = Channel.PLATFORM
    requirements: str | None = None


class MilestoneIn(Schema):
    title: str
    due_on: dt.date


class ReceiveIn(VersionedIn):
    responsible_leader: str = Field(description="责任领导（S0-10）")
    responsible_section: str = Field(description="责任科室")
    responsible_person: str = Field(description="具体责任人")
    responsible_phone: str = ""
    work_plan: str = ""
    milestones: list[MilestoneIn] = Field(default_factory=list, description="工作方案的时间节点（倒排工期）")


class TextIn(VersionedIn):
    text: str


class AnswerObjectionIn(VersionedIn):
    accept: bool = Field(description="true 予以调整 / false 维持原交办")
    answer: str = Field(description="答复意见")
    new_deadline: dt.date | None = Field(None, description="予以调整时可改定的新时限")


class ExtensionIn(VersionedIn):
    requested_deadline: dt.date
    reason: str


class DecideExtensionIn(VersionedIn):
    approve: bool
    note: str = ""


class OpinionIn(VersionedIn):
    opinion: str = ""


class ReasonsIn(VersionedIn):
    reasons: str = Field(description="书面理由")


class LeaderPassIn(VersionedIn):
    opinion: str = ""
    follow_up: Literal["report_up", "circulate", "none"] = Field(
        "none", description="后续处理：report_up 上报 / circulate 通报 / none 无"
    )


class ArchiveIn(VersionedIn):
    custodian: int | None = Field(None, description="保管人 id（督查室人员）；不填则为操作人本人")


# --- organisation ---------------------------------------------------------------------------------


class CategoryRef(Schema):
    id: int
    name: str


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    parent: int | None
    category: CategoryRef | None
    active: bool


class RoleOut(Schema):
    role: str
    label: str


class TodoCounts(Schema):
    to_approve: int
    to_assign: int
    to_receive: int
    to_report: int
    to_review: int
    to_read: int
    to_archive: int
    objections: int
    extensions: int
    total: int


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    title: str
    jurisdiction: UnitRef | None
    unit: UnitRef | None
    roles: list[RoleOut]
    cleared_confidential: bool
    todo: TodoCounts = Field(description="待办数量（每类最多统计 50 条）")
