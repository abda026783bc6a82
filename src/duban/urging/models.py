"""Urging tickets (催办单) as real objects (SPEC §3; S0-11, S0-15, S0-17).

A ticket is drafted by the sweep when a rule fires, takes effect when the leader whose role the colour
names signs it (it is then numbered 督催〔2026〕12号 and issued), is acknowledged by the unit and
answered. The unique constraint on (item, unit, occurrence, colour) is what guarantees a ticket is never
drafted twice, whatever the number of sweepers running at once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Ticket(models.Model):
    class State(models.TextChoices):
        DRAFTED = "drafted", _("待签发")
        ISSUED = "issued", _("已签发")
        ACKNOWLEDGED = "acknowledged", _("已签收")
        ANSWERED = "answered", _("已反馈")
        CANCELLED = "cancelled", _("已撤销")

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT, verbose_name=_("辖区"))
    item = models.ForeignKey("items.Item", on_delete=models.PROTECT, related_name="tickets", verbose_name=_("事项"))
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="tickets", verbose_name=_("被催办单位"))
    colour = models.CharField(_("颜色"), max_length=16)
    colour_label = models.CharField(_("颜色名称"), max_length=16)
    trigger = models.CharField(_("触发原因"), max_length=32)
    occurrence = models.CharField(_("逾期事由键"), max_length=64)
    due_on = models.DateField(_("原定时限"))
    reason = models.TextField(_("催办事由"))
    rule_id = models.CharField(_("依据条款"), max_length=32)
    override_reason = models.TextField(_("越级签发理由"), blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.DRAFTED)
    signer_role = models.CharField(_("签发领导角色"), max_length=32)
    copy_to = models.JSONField(_("抄送"), default=list, blank=True)
    number = models.CharField(_("文号"), max_length=40, blank=True)
    drafted_at = models.DateTimeField(_("拟稿时间"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("签发人"),
    )
    issued_at = models.DateTimeField(_("签发时间"), null=True, blank=True)
    answer_due_at = models.DateTimeField(_("反馈时限"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answer = models.TextField(_("反馈内容"), blank=True)
    objective_cause = models.BooleanField(_("客观原因"), default=False)
    plan = models.TextField(_("整改计划"), blank=True)
    plan_signed_by = models.CharField(_("计划签字领导"), max_length=60, blank=True)
    in_person_explanation = models.TextField(_("当面说明记录"), blank=True)
    cancelled_reason = models.TextField(_("撤销理由"), blank=True)

    class Meta:
        verbose_name = _("催办单")
        verbose_name_plural = _("催办单")
        ordering = ["-drafted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "unit", "occurrence", "colour"], name="ticket_once_per_occurrence_colour"
            ),
            models.UniqueConstraint(
                fields=["jurisdiction", "number"], condition=~Q(number=""), name="ticket_number_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["jurisdiction", "state", "signer_role"], name="ticket_to_sign"),
            models.Index(fields=["unit", "state"], name="ticket_unit_state"),
        ]

    def __str__(self) -> str:
        return f"{self.number or '（待签发）'} {self.colour_label}催办单 · {self.unit}"
