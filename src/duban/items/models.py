"""Supervision items (督查事项) and everything a unit files against one (SPEC §2).

The item row holds the *current* state for fast lists; the ledger (``duban.ledger.Event``) holds the
history. Every write goes through ``duban.items.services``, which changes these rows and appends the
event in one transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from duban.core.lifecycle import LEVEL_LABELS, STATE_LABELS, ItemState, Level


class Source(models.TextChoices):
    """Where an item comes from (S0-4..7, S1-三, S4-一)."""

    UPPER_DECISION = "upper_decision", _("上级重大决策部署")  # S0-4(一)
    UPPER_INSTRUCTION = "upper_instruction", _("上级领导批示交办")  # S0-4(二)
    UPPER_SUPERVISION = "upper_supervision", _("上级督查机构交办")  # S0-4(三)
    GOV_DECISION = "gov_decision", _("本级政府重大决策部署")  # S0-5(一)
    GOV_MEETING = "gov_meeting", _("常务会议/办公会议议定事项")  # S0-5(二), S1-三(三)
    LEADER_INSTRUCTION = "leader_instruction", _("本级领导批示")  # S0-5(三), S1-三(四)
    GOV_INFORMATION = "gov_information", _("政务信息约稿/直报")  # S0-6
    PETITION = "petition", _("重大信访维稳事项")  # S0-7(一)
    PUBLIC_CONCERN = "public_concern", _("群众关注热点难点")  # S0-7(二)
    KEY_WORK = "key_work", _("阶段性重点工作")  # S0-7(三)
    KEY_PROJECT = "key_project", _("重大项目")  # S1-三(二)
    NPC_CPPCC = "npc_cppcc", _("人大建议/政协提案")  # S1-三(六)
    WORK_REPORT = "work_report", _("政府工作报告目标任务")
    AUDIT_RECTIFICATION = "audit_rectification", _("审计整改")
    INSPECTION_FINDING = "inspection_finding", _("巡查督查发现问题")  # S4-一
    OTHER = "other", _("其他")


SOURCE_RULES: dict[str, str] = {
    Source.UPPER_DECISION: "S0-4(一)",
    Source.UPPER_INSTRUCTION: "S0-4(二)",
    Source.UPPER_SUPERVISION: "S0-4(三)",
    Source.GOV_DECISION: "S0-5(一)",
    Source.GOV_MEETING: "S0-5(二)",
    Source.LEADER_INSTRUCTION: "S0-5(三)",
    Source.GOV_INFORMATION: "S0-6",
    Source.PETITION: "S0-7(一)",
    Source.PUBLIC_CONCERN: "S0-7(二)",
    Source.KEY_WORK: "S0-7(三)",
    Source.KEY_PROJECT: "S1-三(二)",
    Source.NPC_CPPCC: "S1-三(六)",
    Source.WORK_REPORT: "S1-三(一)",
    Source.AUDIT_RECTIFICATION: "S1-三(七)",
    Source.INSPECTION_FINDING: "S4-一",
    Source.OTHER: "S1-三(七)",
}


class Channel(models.TextChoices):
    """S0-9: the office hands items out by phone, in writing, on site or through the platform."""

    PLATFORM = "platform", _("办公平台")
    WRITTEN = "written", _("书面")
    PHONE = "phone", _("电话")
    ON_SITE = "on_site", _("实地")


class Item(models.Model):
    # Composite indexes lead with the jurisdiction (item_code_unique, item_state_recent…): no index of its own.
    jurisdiction = models.ForeignKey(
        "org.Jurisdiction", on_delete=models.PROTECT, db_index=False, verbose_name=_("辖区")
    )
    code = models.CharField(_("编号"), max_length=40)
    title = models.CharField(_("事项名称"), max_length=200)
    content = models.TextField(_("办理内容"))
    source = models.CharField(_("来源"), max_length=32, choices=Source.choices)
    source_detail = models.CharField(_("来源说明"), max_length=200, blank=True)
    level = models.CharField(
        _("督查等级"), max_length=16, choices=[(lv.value, LEVEL_LABELS[lv]) for lv in Level]
    )
    state = models.CharField(
        _("状态"), max_length=24, choices=[(s.value, STATE_LABELS[s]) for s in ItemState],
        default=ItemState.PENDING_APPROVAL,
    )
    confidential = models.BooleanField(_("涉密"), default=False)
    requirements = models.TextField(_("办理要求"), blank=True)
    channel = models.CharField(_("交办方式"), max_length=16, choices=Channel.choices, default=Channel.PLATFORM)
    supervising_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="led_items", verbose_name=_("主管领导"),
    )
    # Deadline: either a date, or a number of working days counted from the assignment.
    deadline = models.DateField(_("办结时限"), null=True, blank=True)
    deadline_working_days = models.PositiveSmallIntegerField(_("办理工作日数"), null=True, blank=True)
    deadline_provisional = models.BooleanField(
        _("时限待确认"), default=False, help_text=_("时限落在尚未载入节假日安排的年份，按工作日（周一至周五）暂算")
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="registered_items",
        verbose_name=_("立项人"),
    )
    registered_at = models.DateTimeField(_("立项时间"))
    approved_at = models.DateTimeField(_("审定时间"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("报送办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    custodian = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="custodied_items", verbose_name=_("保管人"),
    )
    return_count = models.PositiveIntegerField(_("退回次数"), default=0)
    resupervise_count = models.PositiveIntegerField(_("再督查次数"), default=0)
    # When the next thing is due on this item (receipt, report, completion): the sweep reads it with an
    # indexed range query instead of scanning open items (issue: urging engine).
    next_due_at = models.DateTimeField(_("下一节点"), null=True, blank=True)
    # S3b-12(三): 2+ working days overdue puts the item under key supervision (重点督办).
    key_supervision = models.BooleanField(_("重点督办"), default=False)
    key_supervision_since = models.DateTimeField(_("列入重点督办时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("督查事项")
        verbose_name_plural = _("督查事项")
        ordering = ["-registered_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "code"], name="item_code_unique")]
        indexes = [
            models.Index(fields=["jurisdiction", "state", "-registered_at"], name="item_state_recent"),
            models.Index(fields=["jurisdiction", "deadline"], name="item_deadline"),
            models.Index(
                fields=["next_due_at"], name="item_next_due_open",
                condition=Q(next_due_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def state_enum(self) -> ItemState:
        return ItemState(self.state)

    @property
    def level_enum(self) -> Level:
        return Level(self.level)

    @property
    def lead_assignment(self) -> Assignment | None:
        for a in self.assignments.all():
            if a.role == Assignment.Role.LEAD:
                return a
        return None


class Assignment(models.Model):
    """One unit's part of an item: the lead unit (主办/牵头) or a co-unit (协办/配合) (S1-五(二))."""

    class Role(models.TextChoices):
        LEAD = "lead", _("牵头单位")
        CO = "co", _("配合单位")

    class State(models.TextChoices):
        ASSIGNED = "assigned", _("待签收")
        RECEIVED = "received", _("已签收")
        UNABLE = "unable", _("无法配合")

    jurisdiction = models.ForeignKey(
        "org.Jurisdiction", on_delete=models.PROTECT, db_index=False, verbose_name=_("辖区")
    )
    # item and unit lead the composite indexes assignment_unit_once and assignment_unit_item.
    item = models.ForeignKey(
        Item, on_delete=models.CASCADE, related_name="assignments", db_index=False, verbose_name=_("事项")
    )
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="assignments", db_index=False, verbose_name=_("单位")
    )
    role = models.CharField(_("分工"), max_length=8, choices=Role.choices)
    part = models.TextField(_("承担任务"), blank=True)
    state = models.CharField(_("签收状态"), max_length=16, choices=State.choices, default=State.ASSIGNED)
    received_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("签收人"),
    )
    # S0-10: the unit names its responsible leader, section and person on receipt.
    responsible_leader = models.CharField(_("责任领导"), max_length=60, blank=True)
    responsible_section = models.CharField(_("责任科室"), max_length=60, blank=True)
    responsible_person = models.CharField(_("具体责任人"), max_length=60, blank=True)
    responsible_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    work_plan = models.TextField(_("工作方案"), blank=True)
    last_report_at = models.DateTimeField(_("最近报送"), null=True, blank=True)

    class Meta:
        verbose_name = _("承办分工")
        verbose_name_plural = _("承办分工")
        ordering = ["item_id", "role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "unit"], name="assignment_unit_once"),
            models.UniqueConstraint(
                fields=["item"], condition=Q(role="lead"), name="assignment_one_lead"
            ),
        ]
        indexes = [models.Index(fields=["unit", "item"], name="assignment_unit_item")]

    def __str__(self) -> str:
        return f"{self.item.code} · {self.unit} ({self.get_role_display()})"

    @property
    def is_lead(self) -> bool:
        return self.role == self.Role.LEAD


class Milestone(models.Model):
    """A node of the work plan, scheduled backwards from the deadline (S1-五(三))."""

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT)
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("节点"), max_length=200)
    due_on = models.DateField(_("完成时间"))
    done_at = models.DateTimeField(_("完成于"), null=True, blank=True)

    class Meta:
        verbose_name = _("时间节点")
        verbose_name_plural = _("时间节点")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"{self.due_on} {self.title}"


class Objection(models.Model):
    """A written objection to the division of work or the deadline (S0-10); late ones are marked."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("待答复")
        ACCEPTED = "accepted", _("予以调整")
        REJECTED = "rejected", _("维持原交办")

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT)
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="objections")
    text = models.TextField(_("调整意见"))
    filed_at = models.DateTimeField(_("提出时间"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    late = models.BooleanField(_("逾期提出"), default=False, help_text=_("S0-A四.2: 未于签收当日提出，计为逾期"))
    outcome = models.CharField(_("答复结果"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    answer = models.TextField(_("答复"), blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        ordering = ["filed_at"]


class Report(models.Model):
    """A progress report, a co-unit's "cannot help" report, or the completion report."""

    class Kind(models.TextChoices):
        PROGRESS = "progress", _("进展报告")
        UNABLE = "unable", _("无法配合报告")
        COMPLETION = "completion", _("办结报告")

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT, db_index=False)
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="reports")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    text = models.TextField(_("内容"))
    submitted_at = models.DateTimeField(_("报送时间"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("报告")
        verbose_name_plural = _("报告")
        ordering = ["submitted_at", "id"]


class ExtensionRequest(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("同意延期")
        REJECTED = "rejected", _("不同意")

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT)
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="extension_requests")
    requested_deadline = models.DateField(_("申请延至"))
    reason = models.TextField(_("延期理由"))
    requested_at = models.DateTimeField(_("申请时间"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("审批结果"), max_length=16, choices=State.choices, default=State.PENDING)
    decision_note = models.TextField(_("审批意见"), blank=True)
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["item"], condition=Q(state="pending"), name="one_pending_extension"),
        ]


class Review(models.Model):
    """The office's review (S0-12) or the leader's reading (S0-13) of a completion report."""

    class Stage(models.TextChoices):
        OFFICE = "office", _("督查室审核")
        LEADER = "leader", _("领导审阅")

    class Outcome(models.TextChoices):
        ACCEPT = "accept", _("审核通过")
        RETURN = "return", _("退回重办")
        PASS = "pass", _("审阅通过")
        RESUPERVISE = "resupervise", _("再督查")

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT, db_index=False)
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="reviews")
    stage = models.CharField(_("环节"), max_length=8, choices=Stage.choices)
    outcome = models.CharField(_("结论"), max_length=16, choices=Outcome.choices)
    opinion = models.TextField(_("意见"), blank=True)
    follow_up = models.CharField(_("后续处理"), max_length=32, blank=True)  # report up / circulate
    reviewed_at = models.DateTimeField(_("时间"))
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("审核")
        verbose_name_plural = _("审核")
        ordering = ["reviewed_at"]


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.jurisdiction_id}/{instance.item_id}/{instance.sha256[:16]}/{filename}"


class Attachment(models.Model):
    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT)
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey("ledger.Event", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    step = models.CharField(_("环节"), max_length=32, blank=True)
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at"]


class Sequence(models.Model):
    """Per-jurisdiction, per-kind, per-year counters for document numbers (督〔2026〕12号)."""

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT, db_index=False)
    kind = models.CharField(max_length=32)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "kind", "year"], name="sequence_unique"),
        ]
