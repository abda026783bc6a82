"""三查三单 and 一网三库: inspector pools, team requests, inspections, findings, the three lists, and the
report deadlines the sweep urges (S3c, S3d, S4). The rules live in ``duban.core.inspection`` and
``duban.core.three_lists``; the writes in ``services``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from duban.core.inspection import (
    KIND_LABELS,
    PLAN_STATE_LABELS,
    POOL_LABELS,
    FindingKind,
    InspectionKind,
    PlanState,
    Pool,
)
from duban.core.three_lists import STATE_LABELS, EntryState

FINDING_KIND_LABELS = {
    FindingKind.GENERAL: _("一般问题"),
    FindingKind.MAJOR: _("重大问题、复杂事项"),
    FindingKind.POLICY_MAKING: _("需出台政策的"),
    FindingKind.LAZY_GOVERNANCE: _("庸政懒政怠政"),
}


class Inspector(models.Model):
    """One person in one of the three pools (S3c-3..5): 专职, 兼职, 特邀, plus companions."""

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT, verbose_name=_("辖区"))
    pool = models.CharField(_("人员库"), max_length=16, choices=[(p.value, POOL_LABELS[p]) for p in Pool])
    name = models.CharField(_("姓名"), max_length=60)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="inspector_profiles", verbose_name=_("系统账号"))
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("所在单位"))
    linked_units = models.ManyToManyField("org.Unit", blank=True, related_name="+", verbose_name=_("关联单位（回避）"))
    title = models.CharField(_("职务/身份"), max_length=80, blank=True)
    specialty = models.CharField(_("专业专长"), max_length=120, blank=True)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    active = models.BooleanField(_("在库"), default=True)
    task_count = models.PositiveIntegerField(_("参与督查次数"), default=0)
    no_show_count = models.PositiveIntegerField(_("未完成任务次数"), default=0)

    class Meta:
        verbose_name = _("督查人员")
        verbose_name_plural = _("督查人员")
        ordering = ["pool", "name"]
        indexes = [models.Index(fields=["jurisdiction", "pool", "active"], name="inspector_pool")]

    def __str__(self) -> str:
        return f"{self.name}（{POOL_LABELS[Pool(self.pool)]}）"

    @property
    def pool_label(self) -> str:
        return POOL_LABELS[Pool(self.pool)]


class InspectorChange(models.Model):
    """S3c-5 动态管理: every change to a pool member, with who, when and why."""

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT)
    inspector = models.ForeignKey(Inspector, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    what = models.CharField(_("变动"), max_length=200)
    reason = models.TextField(_("原因"), blank=True)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]


class Inspection(models.Model):
    """One 巡查 / 督查 / 考察 (S4-二(一)) with its plan, team, schedule and report."""

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT, verbose_name=_("辖区"))
    code = models.CharField(_("编号"), max_length=40)
    kind = models.CharField(_("类型"), max_length=16, choices=[(k.value, KIND_LABELS[k]) for k in InspectionKind])
    title = models.CharField(_("名称"), max_length=200)
    content = models.TextField(_("督查内容"))
    targets = models.ManyToManyField("org.Unit", related_name="inspections", verbose_name=_("督查对象"))
    methods = models.JSONField(_("方式"), default=list)
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="led_inspections",
                               verbose_name=_("审定领导"))
    team_leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="headed_inspections", verbose_name=_("组长/负责人"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    state = models.CharField(_("状态"), max_length=24, default=PlanState.DRAFT,
                             choices=[(s.value, PLAN_STATE_LABELS[s]) for s in PlanState])
    # The deadline set by the inspection for every finding (empty: S3d defaults per finding kind).
    rectification_deadline = models.DateField(_("统一整改时限"), null=True, blank=True)
    # The level of the body that inspects (S3b-12(一): national / provincial / municipal inspections score;
    # empty: this jurisdiction's own level). An upper inspection's findings are recorded with its tier.
    body_tier = models.CharField(_("督查机关层级"), max_length=16, blank=True, choices=[
        ("national", _("国务院及国务院办公厅")), ("provincial", _("省政府")), ("municipal", _("市政府")),
        ("district", _("县（区）政府"))])
    ended_on = models.DateField(_("实际结束日期"), null=True, blank=True)
    report_due = models.DateField(_("报告时限"), null=True, blank=True)
    report_rule = models.CharField(max_length=20, blank=True)
    report_text = models.TextField(_("督查报告"), blank=True)
    report_submitted_at = models.DateTimeField(null=True, blank=True)
    report_returns = models.PositiveSmallIntegerField(default=0)
    outcome = models.TextField(_("考察结果运用"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("巡查督查")
        verbose_name_plural = _("巡查督查")
        ordering = ["-starts_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "code"], name="inspection_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def state_enum(self) -> PlanState:
        return PlanState(self.state)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[InspectionKind(self.kind)]


class TeamRequest(models.Model):
    """S3c-10: the office's written request for pool members, approved by the deputy head; the draw."""

    class State(models.TextChoices):
        PENDING = "pending", _("待分管领导审批")
        APPROVED = "approved", _("已批准，待抽选")
        DECLINED = "declined", _("未批准")
        DRAWN = "drawn", _("已抽选")

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT)
    inspection = models.OneToOneField(Inspection, on_delete=models.CASCADE, related_name="team_request")
    wanted = models.JSONField(_("申请人数"), default=dict)
    limits = models.JSONField(_("每组上限"), default=dict)
    adjustment_reason = models.TextField(_("调整人数理由"), blank=True)
    reason = models.TextField(_("请示事由"))
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    seed = models.BigIntegerField(_("抽选种子"), null=True, blank=True)
    drawn_at = models.DateTimeField(null=True, blank=True)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")


class TeamMember(models.Model):
    """A pool member on a team; part-time and invited need consent first (S3c-11)."""

    class Consent(models.TextChoices):
        NOT_NEEDED = "not_needed", _("直接通知")
        PENDING = "pending", _("待征得同意")
        GIVEN = "given", _("已同意")
        REFUSED = "refused", _("不同意")

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT)
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="members")
    inspector = models.ForeignKey(Inspector, on_delete=models.PROTECT, related_name="memberships")
    pool = models.CharField(max_length=16, choices=[(p.value, POOL_LABELS[p]) for p in Pool])
    consent = models.CharField(_("同意情况"), max_length=16, choices=Consent.choices)
    consent_note = models.CharField(max_length=200, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    briefed_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    replaced_reason = models.TextField(blank=True)
    no_show = models.BooleanField(_("未完成任务"), default=False)

    class Meta:
        ordering = ["pool", "id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "inspector"], name="team_member_once"),
        ]


class Finding(models.Model):
    """A problem the team records on site, with photos/attachments; becomes a problem-list entry."""

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT)
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("责任单位"))
    kind = models.CharField(_("问题类别"), max_length=20,
                            choices=[(k.value, FINDING_KIND_LABELS[k]) for k in FindingKind])
    description = models.TextField(_("问题描述"))
    suggestion = models.TextField(_("整改建议"), blank=True)
    typical = models.BooleanField(_("不落实典型事项"), default=False)
    location = models.CharField(_("地点"), max_length=200, blank=True)
    deadline = models.DateField(_("要求整改时限"), null=True, blank=True)
    found_at = models.DateTimeField()
    found_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]


def finding_attachment_path(instance: FindingAttachment, filename: str) -> str:
    return f"inspections/{instance.jurisdiction_id}/{instance.finding.inspection_id}/{instance.sha256[:16]}-{filename}"


class FindingAttachment(models.Model):
    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT)
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=finding_attachment_path, max_length=255)
    original_name = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")


class Entry(models.Model):
    """One problem through the three lists (S4-二(二)): problem → measures → responsibility → closed."""

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT)
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="entries")
    finding = models.OneToOneField(Finding, on_delete=models.PROTECT, related_name="entry")
    number = models.PositiveIntegerField(_("序号"))
    content = models.TextField(_("具体内容"))
    kind = models.CharField(max_length=20, choices=[(k.value, FINDING_KIND_LABELS[k]) for k in FindingKind])
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("整改责任单位"))
    state = models.CharField(_("状态"), max_length=16, default=EntryState.PROBLEM,
                             choices=[(s.value, STATE_LABELS[s]) for s in EntryState])
    measures = models.TextField(_("整改措施"), blank=True)
    escalation = models.TextField(_("书面上报意见"), blank=True)
    deadline = models.DateField(_("整改时限"), null=True, blank=True)
    deadline_rule = models.CharField(max_length=20, blank=True)
    deadline_explanation = models.CharField(max_length=200, blank=True)
    extension_timetable = models.TextField(_("延期推进方案"), blank=True)
    lead_unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("牵头责任单位"))
    co_units = models.ManyToManyField("org.Unit", blank=True, related_name="+", verbose_name=_("配合责任单位"))
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("具体责任人"))
    report_due = models.DateField(_("整改情况报送时限"), null=True, blank=True)
    last_report = models.TextField(_("整改落实情况"), blank=True)
    key_supervision = models.BooleanField(_("重点督查"), default=False)
    key_supervision_since = models.DateTimeField(null=True, blank=True)
    item = models.ForeignKey("items.Item", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="inspection_entries", verbose_name=_("转督查事项"))
    reopen_count = models.PositiveSmallIntegerField(default=0)
    follow_up_count = models.PositiveSmallIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("三单台帐条目")
        verbose_name_plural = _("三单台帐")
        ordering = ["inspection_id", "number"]
        constraints = [models.UniqueConstraint(fields=["inspection", "number"], name="entry_number_unique")]
        indexes = [models.Index(fields=["jurisdiction", "state"], name="entry_state")]

    def __str__(self) -> str:
        return f"{self.inspection.code}-{self.number}"

    @property
    def state_enum(self) -> EntryState:
        return EntryState(self.state)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state_enum]


class EntryStep(models.Model):
    """The history of one entry: answers, escalations, reports, verifications, 回头看."""

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT)
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(max_length=20)
    label = models.CharField(max_length=60)
    text = models.TextField(blank=True)
    on_site = models.BooleanField(_("实地核验"), default=False)
    rule_id = models.CharField(max_length=20)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["at", "id"]


class Deadline(models.Model):
    """A report the sweep urges when late: the team's inspection report (S4-二(一), S3c-14) or a unit's
    rectification report (S4-二(二)3). Done rows leave the partial index; each due date exists once."""

    class Kind(models.TextChoices):
        INSPECTION_REPORT = "inspection_report", _("督查报告")
        RECTIFICATION_REPORT = "rectification_report", _("整改落实情况")

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="deadlines")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, null=True, blank=True, related_name="deadlines")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    due_on = models.DateField()
    rule_id = models.CharField(max_length=20)
    next_check_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    late_days = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "kind", "due_on"], condition=Q(entry__isnull=True),
                                    name="deadline_inspection_once"),
            models.UniqueConstraint(fields=["entry", "kind", "due_on"], condition=Q(entry__isnull=False),
                                    name="deadline_entry_once"),
        ]
        indexes = [
            models.Index(fields=["next_check_at"], name="deadline_open_due", condition=Q(done_at__isnull=True)),
        ]


class Urge(models.Model):
    """One urging of a late report (催报): 1 working day late, then key supervision at 2 (S3b-12(三))."""

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT)
    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="urges")
    occurrence = models.PositiveSmallIntegerField()
    at = models.DateTimeField()
    text = models.CharField(max_length=200)
    rule_id = models.CharField(max_length=20)

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["deadline", "occurrence"], name="urge_once")]


class Notice(models.Model):
    """考察 (S4-二(一)3): a praise or criticism notice to a unit, circulated after the inspections."""

    class Kind(models.TextChoices):
        PRAISE = "praise", _("表彰通报")
        CRITICISM = "criticism", _("批评通报")

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT)
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="notices")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.TextField()
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]
