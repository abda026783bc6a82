"""The score ledger (SPEC §4; issue 4 item 3).

- ``ScoreEntry``: one fact that counts for or against a unit — derived from a ledger ``Event`` through
  the event map, or from a ``RecordedFact`` the office entered with evidence. Entries are never edited
  or deleted; a wrong one is corrected by a counter-entry (冲正: ``times = -1``, ``counter_of`` set), so
  the ledger keeps both and the score counts neither.
- ``ScoreShape``: the distinct (kind, attributes) pairs of the entries, interned once: every entry points
  at its shape, so a recompute groups millions of entries on integers and reads each shape's JSON once.
- ``RecordedFact``: what the office records with evidence (commendation with tier, leader instruction,
  survey answers, veto facts, fraud …). Append-only like the entries.
- ``PolicyChoice``: the scoring policy the jurisdiction uses (history kept: the latest row wins).
- ``SyncCursor``: how far the derivation has read each jurisdiction's event chain.
- ``PublishedResult`` / ``TriggerRecord``: a period's published ranking and the triggers it fired.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    pass


class _AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("评分台账只能追加，不能修改；更正请做冲正。")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("评分台账只能追加，不能删除；更正请做冲正。")


def canonical_attrs(attrs: dict[str, Any]) -> str:
    """Attributes as canonical JSON text: equal facts group together in SQL on SQLite and PostgreSQL."""
    return json.dumps(attrs, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def quarter_index(day: Any) -> int:
    return int(day.year) * 4 + (int(day.month) - 1) // 3


class _UnitFact(_AppendOnly):
    """What recorded facts and score entries share: a unit, a fact kind, a day and JSON attributes."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.unit} · {self.kind} · {self.day}"

    @property
    def attr_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.attrs or "{}")
        return result


class RecordedFact(_UnitFact):
    """A fact the office records with evidence (S0-A三/四, S1-八, S3b, S2c, S2e): never edited."""

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT, verbose_name=_("辖区"))
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("单位"))
    kind = models.CharField(_("事实类型"), max_length=48)
    day = models.DateField(_("发生日期"))
    attrs = models.TextField(_("属性"), default="{}")
    value = models.FloatField(_("数值"), null=True, blank=True)
    times = models.PositiveIntegerField(_("次数/件数"), default=1)
    item = models.ForeignKey("items.Item", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("关联事项"))
    rule_id = models.CharField(_("依据条款"), max_length=32, blank=True)
    description = models.TextField(_("说明"))
    evidence_ref = models.CharField(_("证明材料文号"), max_length=200, blank=True)
    evidence = models.FileField(_("证明材料"), upload_to="scoring/evidence/%Y/", max_length=255, blank=True)
    evidence_name = models.CharField(_("材料文件名"), max_length=200, blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("录入人"))
    recorded_at = models.DateTimeField(_("录入时间"))
    event = models.ForeignKey("ledger.Event", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("录入事实")
        verbose_name_plural = _("录入事实")
        ordering = ["-recorded_at", "-id"]


class ScoreShape(_AppendOnly):
    """One distinct (kind, canonical attributes) of the score ledger. Rows are only ever added (by
    ``shape_ids``, when an entry with a new pair is written) and never change, so an id means one pair."""

    id = models.AutoField(primary_key=True)  # a few hundred rows: 4-byte keys keep the entries narrow
    kind = models.CharField(_("事实类型"), max_length=48)
    attrs = models.TextField(_("属性"), default="{}")

    class Meta:
        verbose_name = _("评分事实形态")
        verbose_name_plural = _("评分事实形态")
        constraints = [models.UniqueConstraint(fields=["kind", "attrs"], name="score_shape_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.attrs}"


def shape_ids(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The shape id of each (kind, attributes text), adding the pairs not seen before (safe when two
    writers add the same pair at once: the unique constraint keeps one, both read its id)."""
    wanted = set(pairs)
    if not wanted:
        return {}

    def lookup() -> dict[tuple[str, str], int]:
        kinds = sorted({k for k, _ in wanted})
        texts = sorted({a for _, a in wanted})
        rows = ScoreShape.objects.filter(kind__in=kinds, attrs__in=texts).values_list("kind", "attrs", "pk")
        return {(k, a): pk for k, a, pk in rows if (k, a) in wanted}

    found = lookup()
    missing = wanted - found.keys()
    if missing:
        ScoreShape.objects.bulk_create([ScoreShape(kind=k, attrs=a) for k, a in sorted(missing)],
                                       ignore_conflicts=True)
        found = lookup()
    return found


class ScoreEntry(_UnitFact):
    """One line of the score ledger: a fact about a unit, with the event or recorded fact behind it."""

    class Origin(models.TextChoices):
        EVENT = "event", _("业务事件")
        FACT = "fact", _("录入事实")
        COUNTER = "counter", _("冲正")

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT, verbose_name=_("辖区"))
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="score_entries",
                             verbose_name=_("单位"))
    kind = models.CharField(_("事实类型"), max_length=48)
    day = models.DateField(_("日期"))
    quarter = models.IntegerField(_("季度序号"))  # year·4 + quarter−1: groups by quarter in SQL, portably
    attrs = models.TextField(_("属性"), default="{}")
    # (kind, attrs) interned: filled on save (``shape_ids`` for bulk writes); what a recompute groups on.
    shape = models.ForeignKey(ScoreShape, on_delete=models.PROTECT, related_name="+", db_index=False,
                              verbose_name=_("事实形态"))
    value = models.FloatField(_("数值"), null=True, blank=True)
    times = models.IntegerField(_("次数"), default=1)  # −1 on a counter-entry
    rule_id = models.CharField(_("依据条款"), max_length=32, blank=True)
    mapping = models.CharField(_("映射规则"), max_length=64, blank=True)
    origin = models.CharField(_("来源"), max_length=8, choices=Origin.choices)
    source_event = models.ForeignKey("ledger.Event", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("来源事件"))
    source_fact = models.ForeignKey(RecordedFact, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="entries", verbose_name=_("来源事实"))
    counter_of = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="countered_by", verbose_name=_("冲正对象"))
    item = models.ForeignKey("items.Item", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("关联事项"))
    summary = models.CharField(_("摘要"), max_length=200, blank=True)
    reason = models.TextField(_("冲正理由"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("操作人"))
    created_at = models.DateTimeField(_("记账时间"))

    class Meta:
        verbose_name = _("评分台账条目")
        verbose_name_plural = _("评分台账条目")
        ordering = ["day", "id"]
        constraints = [
            # Deriving is idempotent: one entry per (event, mapping rule, unit).
            models.UniqueConstraint(fields=["source_event", "mapping", "unit"], name="score_entry_event_once",
                                    condition=models.Q(source_event__isnull=False)),
            models.UniqueConstraint(fields=["source_fact"], name="score_entry_fact_once",
                                    condition=models.Q(source_fact__isnull=False, counter_of__isnull=True)),
        ]
        indexes = [
            models.Index(fields=["jurisdiction", "quarter"], name="score_entry_j_quarter"),
            models.Index(fields=["unit", "quarter"], name="score_entry_unit_quarter"),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.shape_id is None:
            self.shape_id = shape_ids([(self.kind, self.attrs)])[(self.kind, self.attrs)]
        super().save(*args, **kwargs)


class PolicyChoice(_AppendOnly):
    """The jurisdiction's scoring policy: a preset, or an edited TOML text (latest row wins)."""

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT, verbose_name=_("辖区"))
    preset = models.CharField(_("预置政策"), max_length=32, blank=True)
    text = models.TextField(_("政策文件内容"), blank=True)
    filename = models.CharField(_("文件名"), max_length=120, blank=True)
    category_map = models.JSONField(_("类别对照"), default=dict, blank=True)
    chosen_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  null=True, blank=True, verbose_name=_("选择人"))
    chosen_at = models.DateTimeField(_("选择时间"))
    reason = models.TextField(_("理由"), blank=True)

    class Meta:
        verbose_name = _("评分政策选择")
        verbose_name_plural = _("评分政策选择")
        ordering = ["-chosen_at", "-id"]


class SyncCursor(models.Model):
    """The last ledger ``seq`` the derivation has read, per jurisdiction."""

    jurisdiction = models.OneToOneField("org.Jurisdiction", on_delete=models.PROTECT, primary_key=True)
    seq = models.BigIntegerField(default=0)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("评分同步位置")
        verbose_name_plural = _("评分同步位置")


class PublishedResult(_AppendOnly):
    """A period's ranking as published by the office (the figures it showed, and under which policy)."""

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT, verbose_name=_("辖区"))
    period = models.CharField(_("考核期"), max_length=16)  # "2026", "2026Q1", "2026-2027"
    policy = models.CharField(_("政策"), max_length=64)
    policy_sha256 = models.CharField(max_length=64)
    data = models.JSONField(_("结果"), default=dict)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     null=True, blank=True, verbose_name=_("发布人"))
    published_at = models.DateTimeField(_("发布时间"))
    event = models.ForeignKey("ledger.Event", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("发布的考核结果")
        verbose_name_plural = _("发布的考核结果")
        ordering = ["-published_at", "-id"]


class TriggerRecord(_AppendOnly):
    """A trigger a published result fired (S3b-17 accountability, S3b-19 exemption): once per unit and period."""

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT, verbose_name=_("辖区"))
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("单位"))
    period = models.CharField(_("考核期"), max_length=16)
    trigger_id = models.CharField(_("触发条款"), max_length=32)
    action = models.CharField(_("后果"), max_length=32)
    label = models.CharField(_("说明"), max_length=200)
    explanation = models.TextField(_("依据"))
    case_ref = models.CharField(_("问责案件"), max_length=64, blank=True)
    event = models.ForeignKey("ledger.Event", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("考核结果触发")
        verbose_name_plural = _("考核结果触发")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "unit", "period", "trigger_id", "action"],
                                    name="score_trigger_once"),
        ]
