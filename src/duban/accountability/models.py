"""S3a accountability cases: the case, every hand-over of the S3a-9 procedure, sanctions and appeals.
The rules are in ``duban.core.accountability``; the writes in ``services``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from duban.core.accountability import (
    CASE_STATE_LABELS,
    PUBLICATION_LABELS,
    SANCTIONS,
    TRIGGER_LABELS,
    CaseState,
    Sanction,
)


class Case(models.Model):
    """问责案件 — opened by hand or by a trigger (S3a-5), moved through S3a-9 by three parties."""

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT, verbose_name=_("辖区"))
    number = models.CharField(_("编号"), max_length=40)
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("被问责单位"))
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("被问责人员"))
    trigger = models.CharField(_("问责情形"), max_length=20,
                               choices=[(t.value, lbl) for t, lbl in TRIGGER_LABELS.items()])
    trigger_rule_id = models.CharField(_("触发规则"), max_length=20)
    period_key = models.CharField(_("期间/来源"), max_length=60, blank=True)
    summary = models.CharField(_("事由"), max_length=200)
    facts = models.JSONField(_("事实"), default=dict)
    state = models.CharField(_("状态"), max_length=20, default=CaseState.OPEN,
                             choices=[(s.value, lbl) for s, lbl in CASE_STATE_LABELS.items()])
    suggestion = models.TextField(_("问责建议"), blank=True)
    competent_unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+", verbose_name=_("主管部门"))
    implementing_unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="+", verbose_name=_("实施问责单位"))
    verification_skipped = models.BooleanField(_("未经核查（S3a-10）"), default=False)
    proposal_round = models.PositiveSmallIntegerField(_("提出意见次数"), default=0)
    return_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    publication = models.CharField(_("通报方式"), max_length=16, blank=True,
                                   choices=[(p.value, lbl) for p, lbl in PUBLICATION_LABELS.items()])
    source_item = models.ForeignKey("items.Item", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    source_entry = models.ForeignKey("inspections.Entry", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="cases")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("问责案件")
        verbose_name_plural = _("问责案件")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "number"], name="case_number_unique"),
            # A trigger fires once per unit and period (S3b-17 yearly, S3a-5(二) per item …).
            models.UniqueConstraint(fields=["jurisdiction", "unit", "trigger_rule_id", "period_key"],
                                    condition=~Q(period_key=""), name="case_trigger_once"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.summary}"

    @property
    def state_enum(self) -> CaseState:
        return CaseState(self.state)


class CaseStep(models.Model):
    """One hand-over of S3a-9 (or S3a-10 skip, a return), with the document it carried."""

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(max_length=24)
    label = models.CharField(max_length=60)
    party = models.CharField(max_length=16)
    text = models.TextField(blank=True)
    rule_id = models.CharField(max_length=20)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["at", "id"]


class CaseSanction(models.Model):
    """A proposed sanction (S3a-6 unit, S3a-7 person), per proposal round; combinable (S3a-8)."""

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sanctions")
    round = models.PositiveSmallIntegerField()
    sanction = models.CharField(max_length=20, choices=[(s.value, i.label) for s, i in SANCTIONS.items()])
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    executed = models.BooleanField(default=False)

    class Meta:
        ordering = ["round", "id"]

    @property
    def label(self) -> str:
        return SANCTIONS[Sanction(self.sanction)].label

    @property
    def rule_id(self) -> str:
        return SANCTIONS[Sanction(self.sanction)].rule_id


class Appeal(models.Model):
    """复核或申诉 (S3a-9(二)): handled under the law the sanction rests on; recorded here."""

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="appeals")
    appellant = models.CharField(_("申请人"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=[("review", _("申请复核")), ("complaint", _("提起申诉"))])
    text = models.TextField(_("理由"))
    filed_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.TextField(_("处理结果"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["filed_at", "id"]
