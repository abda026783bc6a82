"""The event ledger: the append-only history every engine reads (SPEC §8).

Each ``Event`` records who did what to which item, when, why, and the state before and after. Events
are chained per jurisdiction: ``hash = sha256(prev_hash + canonical JSON of the event)``, with ``seq``
counting from 1, so a deleted, inserted or edited row breaks the chain at a place ``verify_chain``
names. Urging and scoring read events, never mutable item columns, so every figure can be explained
down to the events behind it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LedgerHead(models.Model):
    """The tip of one jurisdiction's chain; locked while an event is appended (serialises the chain)."""

    jurisdiction = models.OneToOneField("org.Jurisdiction", on_delete=models.PROTECT, primary_key=True)
    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")

    class Meta:
        verbose_name = _("台账链头")
        verbose_name_plural = _("台账链头")


class AppendOnlyError(Exception):
    pass


class Event(models.Model):
    # No single-column indexes on jurisdiction, kind or item: every query leads with one of the composite
    # indexes below (event_seq_unique, event_kind_at, event_item_seq), and each index is one more write per
    # event (ledger migration 0003).
    jurisdiction = models.ForeignKey(
        "org.Jurisdiction", on_delete=models.PROTECT, db_index=False, verbose_name=_("辖区")
    )
    seq = models.BigIntegerField(_("序号"))
    kind = models.CharField(_("事件类型"), max_length=48)
    item = models.ForeignKey(
        "items.Item", on_delete=models.PROTECT, null=True, blank=True, related_name="events",
        db_index=False, verbose_name=_("事项"),
    )
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="events",
        verbose_name=_("相关单位"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="events", verbose_name=_("操作人"),
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=60, blank=True)
    at = models.DateTimeField(_("时间"))
    rule_id = models.CharField(_("依据条款"), max_length=32, blank=True)
    summary = models.CharField(_("摘要"), max_length=200, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    before = models.JSONField(_("变更前"), default=dict, blank=True)
    after = models.JSONField(_("变更后"), default=dict, blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("事件")
        verbose_name_plural = _("事件")
        ordering = ["jurisdiction_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "seq"], name="event_seq_unique"),
        ]
        indexes = [
            models.Index(fields=["item", "seq"], name="event_item_seq"),
            models.Index(fields=["jurisdiction", "kind", "at"], name="event_kind_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("事件台账只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("事件台账只能追加，不能删除。")
