from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def pct(value: float | None) -> str:
    """0.873 → 87%; None → —"""
    return "—" if value is None else f"{round(value * 100)}%"


@register.filter
def may_use_grid(user: object) -> bool:
    """The nav link: office, oversight and leaders, sub-district/town/community staff, grid workers."""
    from duban.core.lifecycle import Role

    from ..access import sees_jurisdiction

    if not getattr(user, "is_authenticated", False):
        return False
    unit = getattr(user, "unit", None)
    return (sees_jurisdiction(user) or user.has_role(Role.GRID_WORKER)  # type: ignore[attr-defined,arg-type]
            or (unit is not None and unit.kind in ("subdistrict", "town", "community")))


@register.filter
def may_hold_weekly_review(user: object) -> bool:
    """The sub-navigation's 街道每周研判 link: shown only to people the page lets in."""
    from ..selectors import review_subdistricts

    return bool(review_subdistricts(user))  # type: ignore[arg-type]
