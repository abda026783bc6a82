from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def signed(value: float | None) -> str:
    if value is None:
        return "—"
    text = f"{round(value, 4) + 0.0:g}"
    return text if value < 0 else f"+{text}"


@register.filter
def may_score(user: Any) -> bool:
    """Nav link: office, 绩考办, leaders, oversight offices and unit people (their own lines)."""
    from duban.scoring.access import may_use_scoring

    return bool(getattr(user, "is_authenticated", False)) and may_use_scoring(user)
