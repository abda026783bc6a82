"""Documents duban has issued (公文登记) and background ledger exports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    NOTICE = "notice", _("督办通知单")
    TICKET = "ticket", _("催办单")
    CIRCULAR = "circular", _("督查通报")
    ACCOUNTABILITY = "accountability", _("问责决定")


class IssuedDocument(models.Model):
    """One numbered document. Its number is taken once, when it is first produced (a sequence per
    jurisdiction, kind and year, items.Sequence), and kept: downloading again gives the same number.
    ``payload`` holds the plain data of the documents that are not built from a model (通报, 问责决定),
    so they can be produced again exactly."""

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT)
    kind = models.CharField(_("文种"), max_length=16, choices=DocumentKind.choices)
    key = models.CharField(_("来源键"), max_length=80)
    number = models.CharField(_("文号"), max_length=40)
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("标题"), max_length=200)
    item = models.ForeignKey("items.Item", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="issued_documents")
    ticket = models.ForeignKey("urging.Ticket", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    payload = models.JSONField(default=dict, blank=True)
    issued_at = models.DateTimeField(_("生成时间"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    event = models.ForeignKey("ledger.Event", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("公文")
        verbose_name_plural = _("公文")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "kind", "key"], name="document_once_per_source"),
            models.UniqueConstraint(fields=["jurisdiction", "number"], name="document_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class ExportJob(models.Model):
    """A large ledger export written in the background; the page polls its progress (htmx)."""

    class State(models.TextChoices):
        RUNNING = "running", _("正在导出")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    ledger = models.CharField(_("台账"), max_length=16)
    params = models.JSONField(default=dict, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=16, choices=State.choices, default=State.RUNNING)
    error = models.TextField(blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    path = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0


class _ImportRecord(models.Model):
    """Where an imported row came from: the file (by hash), sheet and row, when and by whom."""

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT)
    key = models.CharField(max_length=80)
    file_sha256 = models.CharField(max_length=64)
    sheet = models.CharField(max_length=64)
    row = models.PositiveIntegerField()
    imported_at = models.DateTimeField()
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True


class ImportedItem(_ImportRecord):
    """The import key of an item imported from a ledger (its 编号, or title + lead unit + deadline):
    re-importing the same ledger skips the rows already imported instead of duplicating them."""

    item = models.OneToOneField("items.Item", on_delete=models.CASCADE, related_name="import_record")

    class Meta:
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "key"], name="imported_item_key_unique")]


class ImportedEntry(_ImportRecord):
    """The import key (具体内容 + 牵头责任单位) of a problem-list row imported into an inspection."""

    inspection = models.ForeignKey("inspections.Inspection", on_delete=models.CASCADE, related_name="+")
    entry = models.OneToOneField("inspections.Entry", on_delete=models.CASCADE, related_name="import_record")

    class Meta:
        verbose_name = _("问题清单导入记录")
        verbose_name_plural = _("问题清单导入记录")
        constraints = [models.UniqueConstraint(fields=["inspection", "key"], name="imported_entry_key_unique")]
