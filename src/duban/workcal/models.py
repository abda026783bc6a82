"""The office's working-day calendar, stored in the database and editable (SPEC §8).

Rows with ``jurisdiction = NULL`` are the national arrangement; a jurisdiction may add local rows that
take precedence (a local holiday). Only days that differ from Monday–Friday are stored. A year counts
as loaded when a ``CalendarYear`` row exists for it. Every change is kept in ``CalendarChange``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarYear(models.Model):
    class Source(models.TextChoices):
        PACKAGE = "package", _("chinese-calendar 软件包")
        FILE = "file", _("文件导入")
        MANUAL = "manual", _("手工维护")

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT, null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("年份"))
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    loaded_at = models.DateTimeField(_("载入时间"))
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        verbose_name = _("已载入年份")
        verbose_name_plural = _("已载入年份")
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "year"], name="calendar_year_unique")]


class CalendarDay(models.Model):
    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT, null=True, blank=True)
    date = models.DateField(_("日期"))
    is_workday = models.BooleanField(_("工作日"))
    name = models.CharField(_("名称"), max_length=40, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("日历日")
        verbose_name_plural = _("日历日")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "date"], name="calendar_day_unique")]


class CalendarChange(models.Model):
    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT, null=True, blank=True)
    date = models.DateField(_("日期"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("年份"))
    action = models.CharField(_("操作"), max_length=32)
    before = models.JSONField(_("变更前"), default=dict, blank=True)
    after = models.JSONField(_("变更后"), default=dict, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        verbose_name = _("日历变更记录")
        verbose_name_plural = _("日历变更记录")
        ordering = ["-at", "-id"]
