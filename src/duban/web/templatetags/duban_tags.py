"""Template helpers for the pages: labels for states, levels, roles and ledger events.

Only presentation lives here; what an item's state *means* is decided in ``duban.core.lifecycle``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import template
from django.utils import timezone

from duban.core.lifecycle import (
    LEVEL_LABELS,
    OFFICE_ROLES,
    STATE_LABELS,
    TRANSITIONS,
    Action,
    ItemState,
    Level,
    Role,
)
from duban.org.models import ROLE_LABELS

register = template.Library()

# States in which a passed deadline makes the item overdue (same set as the list's 逾期 filter).
_RUNNING = frozenset({ItemState.ASSIGNED, ItemState.IN_PROGRESS, ItemState.COMPLETION_REPORTED})

_STATE_TONES: dict[str, str] = {
    ItemState.PENDING_APPROVAL: "wait",
    ItemState.DECLINED: "bad",
    ItemState.APPROVED: "wait",
    ItemState.ASSIGNED: "info",
    ItemState.IN_PROGRESS: "info",
    ItemState.COMPLETION_REPORTED: "warn",
    ItemState.OFFICE_ACCEPTED: "warn",
    ItemState.CLOSED: "good",
    ItemState.ARCHIVED: "mute",
}

_LEVEL_TONES: dict[str, str] = {
    Level.ESPECIALLY_IMPORTANT: "bad",
    Level.FAIRLY_IMPORTANT: "warn",
    Level.GENERALLY_IMPORTANT: "mute",
}


@register.filter
def state_label(value: str) -> str:
    try:
        return STATE_LABELS[ItemState(value)]
    except ValueError:
        return str(value or "")


@register.filter
def state_tone(value: str) -> str:
    return _STATE_TONES.get(value, "mute")


@register.filter
def level_label(value: str) -> str:
    try:
        return LEVEL_LABELS[Level(value)]
    except ValueError:
        return str(value or "")


@register.filter
def level_tone(value: str) -> str:
    return _LEVEL_TONES.get(value, "mute")


@register.filter
def event_label(kind: str) -> str:
    """The Chinese label of a ledger event kind (lifecycle actions; other engines' kinds as written)."""
    try:
        return TRANSITIONS[Action(kind)].label
    except ValueError:
        return kind


@register.filter
def role_labels(user: Any) -> str:
    if not getattr(user, "is_authenticated", False):
        return ""
    return "、".join(ROLE_LABELS[r] for r in sorted(user.role_set(), key=lambda r: list(Role).index(r)))


@register.filter
def is_office(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_role(*OFFICE_ROLES))


def _today() -> dt.date:
    return timezone.localdate()


@register.filter
def is_overdue(item: Any) -> bool:
    """The deadline has passed while the item is still running."""
    deadline = getattr(item, "deadline", None)
    return bool(deadline and item.state in _RUNNING and deadline < _today())


@register.filter
def days_left(deadline: dt.date | None) -> int | None:
    if deadline is None:
        return None
    return (deadline - _today()).days


@register.filter
def lead_unit(item: Any) -> Any:
    for a in item.assignments.all():
        if a.role == "lead":
            return a.unit
    return None


@register.filter
def co_units(item: Any) -> list[Any]:
    return [a.unit for a in item.assignments.all() if a.role == "co"]


@register.filter
def state_change(event: Any) -> str:
    """``待审核 → 办理中`` when an event moved the item to another state, else ``""``."""
    before = (event.before or {}).get("state")
    after = (event.after or {}).get("state")
    if before and after and before != after:
        return f"{state_label(before)} → {state_label(after)}"
    return ""


@register.filter
def filesize(size: int | None) -> str:
    if not size:
        return "0 B"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


@register.simple_tag(takes_context=True)
def query_with(context: Any, **changes: Any) -> str:
    """The current query string with ``changes`` applied (``None``/"" removes a key)."""
    request = context["request"]
    params = request.GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return urlencode(sorted((k, v) for k in params for v in params.getlist(k) if v != ""))


@register.filter
def overdue_days(item: Any) -> int:
    """Calendar days past the deadline while the item is still running (0 when not overdue)."""
    if not is_overdue(item):
        return 0
    return (_today() - item.deadline).days


@register.filter
def due_soon(item: Any) -> bool:
    """Due within three days and still running: shown in amber."""
    deadline = getattr(item, "deadline", None)
    return bool(deadline and item.state in _RUNNING and 0 <= (deadline - _today()).days <= 3)


@register.filter
def follow_up_label(value: str) -> str:
    from duban.items.services import FOLLOW_UPS

    return FOLLOW_UPS.get(value, value or "")


@register.filter
def event_tone(kind: str) -> str:
    """A CSS class for the timeline dot: returns and re-supervision in red, closing steps in green."""
    if kind in {Action.OFFICE_RETURN, Action.LEADER_RESUPERVISE, Action.DECLINE}:
        return "ev-return"
    if kind in {Action.OFFICE_ACCEPT, Action.LEADER_PASS, Action.ARCHIVE}:
        return "ev-done"
    return ""
