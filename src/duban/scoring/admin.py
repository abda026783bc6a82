"""Read-only admin for the score ledger: an entry or fact is corrected only by a counter-entry (冲正),
never edited or deleted (the models refuse too)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from duban.accounts.separation import BusinessDataAdmin

from .models import PolicyChoice, PublishedResult, RecordedFact, ScoreEntry, TriggerRecord


class ReadOnly(BusinessDataAdmin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only and business data: the person's own jurisdiction, never the three administrators'."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ScoreEntry)
class ScoreEntryAdmin(ReadOnly):
    list_display = ("id", "unit", "kind", "day", "times", "rule_id", "origin", "source_event", "counter_of")
    list_filter = ("origin", "kind")
    search_fields = ("unit__name", "kind", "rule_id", "summary")


@admin.register(RecordedFact)
class RecordedFactAdmin(ReadOnly):
    list_display = ("id", "unit", "kind", "day", "evidence_ref", "recorded_by", "recorded_at")
    list_filter = ("kind",)


@admin.register(PolicyChoice)
class PolicyChoiceAdmin(ReadOnly):
    list_display = ("jurisdiction", "preset", "filename", "chosen_by", "chosen_at")


@admin.register(PublishedResult)
class PublishedResultAdmin(ReadOnly):
    list_display = ("jurisdiction", "period", "policy", "published_by", "published_at")


@admin.register(TriggerRecord)
class TriggerRecordAdmin(ReadOnly):
    list_display = ("jurisdiction", "unit", "period", "trigger_id", "action", "case_ref", "created_at")
