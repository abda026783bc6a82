"""Organisation routes: ``GET /api/units`` (the caller's jurisdiction) and ``GET /api/me``."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from ninja import Router

from duban.items.selectors import todo_for
from duban.org.models import ROLE_LABELS, Unit, User

from . import schemas as s

router = Router(tags=["组织机构"])


@router.get("/units", response=list[s.UnitOut], summary="本辖区单位")
def list_units(request: HttpRequest, include_inactive: bool = False) -> list[dict[str, Any]]:
    """Every unit of the caller's jurisdiction, in tree order (``parent`` is the parent unit's id)."""
    user = cast(User, request.user)
    if user.jurisdiction_id is None:
        return []
    qs = Unit.objects.filter(jurisdiction_id=user.jurisdiction_id).select_related("category").order_by("path")
    if not include_inactive:
        qs = qs.filter(active=True)
    return [
        {
            "id": u.pk, "code": u.code, "name": u.name, "kind": u.kind, "kind_label": u.get_kind_display(),
            "parent": u.parent_id,
            "category": {"id": u.category.pk, "name": u.category.name} if u.category else None,
            "active": u.active,
        }
        for u in qs
    ]


@router.get("/me", response=s.MeOut, summary="当前用户")
def me(request: HttpRequest) -> dict[str, Any]:
    """Who am I: roles, unit, and how many things wait for me (the to-do page's counts)."""
    user = cast(User, request.user)
    todo = todo_for(user)
    counts = {
        name: len(getattr(todo, name))
        for name in ("to_approve", "to_assign", "to_receive", "to_report", "to_review", "to_read",
                     "to_archive", "objections", "extensions")
    }
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "title": user.title,
        "jurisdiction": (
            {"id": user.jurisdiction.pk, "name": user.jurisdiction.name} if user.jurisdiction else None
        ),
        "unit": {"id": user.unit.pk, "name": user.unit.name} if user.unit else None,
        "roles": [{"role": r.value, "label": ROLE_LABELS.get(r, r.value)} for r in sorted(user.role_set())],
        "cleared_confidential": user.cleared_confidential,
        "todo": {**counts, "total": todo.total},
    }
