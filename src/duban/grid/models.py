"""Community grid management (SPEC §6, S2a): grids and boundaries, duties, patrols, the 民情日志 and
residents' issues.

Geometry is stored as GeoJSON (WGS84) in JSON columns and checked by ``duban.core.grid_topology``; the
database needs no spatial extension (SQLite and PostgreSQL alike).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from duban.core.grid_rules import TIER_LABELS, Tier

# Issue types (民情日志 categories and Open311 service codes).
SERVICE_TYPES: dict[str, str] = {
    "environment": "环境卫生",
    "facility": "公共设施损坏",
    "property": "物业服务",
    "safety": "治安及安全隐患",
    "neighbour": "邻里纠纷",
    "social": "社会保障与救助",
    "other": "其他",
}


class CommunityBoundary(models.Model):
    """The boundary of one community (社区), which its grids must cover exactly (S2a-二(一))."""

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT, verbose_name=_("辖区"))
    community = models.OneToOneField(
        "org.Unit", on_delete=models.PROTECT, related_name="grid_boundary", verbose_name=_("社区")
    )
    geometry = models.JSONField(_("边界（GeoJSON，WGS84）"))
    area_m2 = models.FloatField(_("面积（平方米）"), default=0)
    complaint_phone = models.CharField(_("监督电话"), max_length=32, blank=True)
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("社区边界")
        verbose_name_plural = _("社区边界")

    def __str__(self) -> str:
        return str(self.community)


class Grid(models.Model):
    """One grid (网格) of a community, with its attributes (S2a-二(一))."""

    class Compound(models.TextChoices):
        SELF_MANAGED = "self_managed", _("自管小区")
        PROPERTY = "property", _("物业管理小区")
        WORK_UNIT = "work_unit", _("单位小区")
        URBAN_FRINGE = "urban_fringe", _("城乡结合部")
        STREET = "street", _("街巷及公共场所")
        MIXED = "mixed", _("混合")

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT, verbose_name=_("辖区"))
    community = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="grids", verbose_name=_("社区"))
    code = models.CharField(_("网格编号"), max_length=32)
    name = models.CharField(_("网格名称"), max_length=100)
    geometry = models.JSONField(_("范围（GeoJSON，WGS84）"))
    area_m2 = models.FloatField(_("面积（平方米）"), default=0)
    # Bounding box (WGS84): routing a point pre-filters grids with an indexed range query.
    min_lon = models.FloatField(default=0)
    min_lat = models.FloatField(default=0)
    max_lon = models.FloatField(default=0)
    max_lat = models.FloatField(default=0)
    households = models.PositiveIntegerField(_("户数"), default=0)
    registered_population = models.PositiveIntegerField(_("户籍人口"), default=0)
    floating_population = models.PositiveIntegerField(_("流动人口"), default=0)
    compound_type = models.CharField(_("小区类型"), max_length=16, choices=Compound.choices, default=Compound.MIXED)
    complaint_phone = models.CharField(_("监督电话"), max_length=32, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["community_id", "code"]
        constraints = [models.UniqueConstraint(fields=["community", "code"], name="grid_code_unique")]
        indexes = [models.Index(fields=["jurisdiction", "min_lon", "max_lon"], name="grid_bbox")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Duty(models.Model):
    """A person's duty in a grid: 定人、定位、定责、定时 (S2a-二(三), 二(四))."""

    class Kind(models.TextChoices):
        LEADER = "leader", _("网格格长")
        SUPERVISOR = "supervisor", _("网格督导员")
        DIRECT = "direct", _("直接责任人")
        A_ROLE = "a_role", _("A角")
        B_ROLE = "b_role", _("B角")
        MEMBER = "member", _("网格管理服务人员")

    class Scope(models.TextChoices):
        ONE = "one", _("专管一格")
        SEVERAL = "several", _("兼管多格")

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT, verbose_name=_("辖区"))
    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="duties", verbose_name=_("网格"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grid_duties", verbose_name=_("人员")
    )
    kind = models.CharField(_("职责"), max_length=16, choices=Kind.choices)
    scope = models.CharField(_("管理方式"), max_length=16, choices=Scope.choices, default=Scope.ONE)
    full_time = models.BooleanField(_("社区专职工作者"), default=False)
    public_phone = models.CharField(_("公开联系电话"), max_length=32, blank=True)
    duty_text = models.CharField(_("工作内容"), max_length=200, blank=True)
    since = models.DateField(_("起始日期"))

    class Meta:
        verbose_name = _("网格职责")
        verbose_name_plural = _("网格职责")
        ordering = ["grid_id", "kind"]
        constraints = [models.UniqueConstraint(fields=["grid", "user", "kind"], name="grid_duty_unique")]

    def __str__(self) -> str:
        return f"{self.grid} · {self.get_kind_display()} · {self.user}"


class Patrol(models.Model):
    """A check-in … check-out in a grid (S2a-二(六)), with the phone's location when it gave one."""

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT, verbose_name=_("辖区"))
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="patrols", verbose_name=_("网格"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grid_patrols", verbose_name=_("巡查人")
    )
    started_at = models.DateTimeField(_("签到时间"))
    ended_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    start_lon = models.FloatField(null=True, blank=True)
    start_lat = models.FloatField(null=True, blank=True)
    end_lon = models.FloatField(null=True, blank=True)
    end_lat = models.FloatField(null=True, blank=True)
    start_in_grid = models.BooleanField(_("签到点在网格内"), null=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("巡查")
        verbose_name_plural = _("巡查")
        ordering = ["-started_at"]
        constraints = [
            # One open patrol per person at a time: a second check-in is refused by the database too.
            models.UniqueConstraint(fields=["user"], condition=Q(ended_at__isnull=True), name="grid_one_open_patrol"),
        ]

    @property
    def minutes(self) -> int:
        if self.ended_at is None:
            return 0
        return int((self.ended_at - self.started_at).total_seconds() // 60)


class LogEntry(models.Model):
    """One 民情日志 entry (S2a-二(五), 二(六)): visits, households reached, issues found by type."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("入户走访")
        PATROL = "patrol", _("巡查发现")
        RECEPTION = "reception", _("民情接待")
        MEDIATION = "mediation", _("矛盾调解")
        OTHER = "other", _("其他")

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT, verbose_name=_("辖区"))
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="log_entries", verbose_name=_("网格"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grid_log_entries", verbose_name=_("记录人")
    )
    at = models.DateTimeField(_("时间"))
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    households = models.PositiveIntegerField(_("走访户数"), default=0)
    text = models.TextField(_("情况记录"))
    issue_types = models.JSONField(_("发现问题类型"), default=list, blank=True)

    class Meta:
        verbose_name = _("民情日志")
        verbose_name_plural = _("民情日志")
        ordering = ["-at"]


class Concern(models.Model):
    """A resident's issue (民情诉求): intake → daily analysis (当日清) → handling in a tier → result back to
    the resident → the resident's feedback (S2a-二(五))."""

    class State(models.TextChoices):
        RECEIVED = "received", _("待研判")
        IN_HAND = "in_hand", _("办理中")
        RESOLVED = "resolved", _("已办结待评价")
        CLOSED = "closed", _("已评价")

    class Source(models.TextChoices):
        STAFF = "staff", _("网格员上报")
        PUBLIC = "public", _("居民网上反映")
        OPEN311 = "open311", _("Open311 接口")

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT, verbose_name=_("辖区"))
    number = models.CharField(_("编号"), max_length=40, unique=True)
    token = models.CharField(_("查询码"), max_length=40, unique=True)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    service_code = models.CharField(_("问题类别"), max_length=32, choices=list(SERVICE_TYPES.items()))
    description = models.TextField(_("问题描述"))
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    address = models.CharField(_("详细地址"), max_length=200, blank=True)
    reporter_name = models.CharField(_("反映人"), max_length=60, blank=True)
    reporter_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    reporter_email = models.CharField(_("电子邮箱"), max_length=120, blank=True)
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="concerns", verbose_name=_("网格")
    )
    community = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="grid_concerns",
        verbose_name=_("社区"),
    )
    route_rule = models.CharField(_("归属规则"), max_length=16, blank=True)
    route_note = models.CharField(_("归属说明"), max_length=200, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("上报人"),
    )
    received_at = models.DateTimeField(_("受理时间"))
    classify_due = models.DateField(_("研判时限（当日清）"))
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.RECEIVED)
    tier = models.CharField(
        _("回应层级"), max_length=16, blank=True, choices=[(t.value, label) for t, label in TIER_LABELS.items()]
    )
    category = models.CharField(_("分类"), max_length=60, blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="grid_cases",
        verbose_name=_("承办人"),
    )
    classified_at = models.DateTimeField(_("研判时间"), null=True, blank=True)
    deadline = models.DateField(_("办理时限"), null=True, blank=True)
    deadline_provisional = models.BooleanField(_("时限待确认"), default=False)
    escalated_at = models.DateTimeField(_("提交街道时间"), null=True, blank=True)
    item = models.ForeignKey(
        "items.Item", on_delete=models.PROTECT, null=True, blank=True, related_name="grid_concerns",
        verbose_name=_("转督查事项"),
    )
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    result = models.TextField(_("办理结果"), blank=True)
    feedback_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("满意度"), null=True, blank=True)
    feedback = models.TextField(_("居民意见"), blank=True)
    next_due_at = models.DateTimeField(_("下次催办检查"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("居民诉求")
        verbose_name_plural = _("居民诉求")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["next_due_at"], name="grid_concern_due", condition=Q(next_due_at__isnull=False)),
            models.Index(fields=["community", "state"], name="grid_concern_queue"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def tier_label(self) -> str:
        return TIER_LABELS[Tier(self.tier)] if self.tier else ""


class ConcernUrge(models.Model):
    """One urging notice for a late case; unique per (case, what is late, day) so a sweep never issues
    it twice however often it runs (S2a-二(五) deadlines are urged like items, SPEC §3)."""

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT, verbose_name=_("辖区"))
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="urges", verbose_name=_("诉求"))
    trigger = models.CharField(_("逾期事由"), max_length=16)  # classify | resolve
    on_day = models.DateField(_("催办日期"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("催办对象"),
    )
    text = models.CharField(_("催办内容"), max_length=300)
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("诉求催办")
        verbose_name_plural = _("诉求催办")
        constraints = [
            models.UniqueConstraint(fields=["concern", "trigger", "on_day"], name="grid_concern_urge_once"),
        ]


class WeeklyReview(models.Model):
    """The sub-district's weekly analysis of the hard cases its communities report (S2a-二(五): 街道（乡镇）
    每周要对社区反映的疑难问题……进行分析研判、分类处置). One record per sub-district and week (Monday)."""

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT, verbose_name=_("辖区"))
    subdistrict = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="grid_reviews",
                                    verbose_name=_("街道（乡镇）"))
    week_start = models.DateField(_("周（星期一）"))
    held_on = models.DateField(_("研判日期"))
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("主持人"))
    attendees = models.TextField(_("参加人员"))
    summary = models.TextField(_("研判情况和分类处置意见"))
    concerns = models.ManyToManyField(Concern, blank=True, related_name="weekly_reviews", verbose_name=_("研判的诉求"))
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("街道每周研判")
        verbose_name_plural = _("街道每周研判")
        ordering = ["-week_start"]
        constraints = [models.UniqueConstraint(fields=["subdistrict", "week_start"], name="grid_review_week_unique")]

    def __str__(self) -> str:
        return f"{self.subdistrict} {self.week_start}"
