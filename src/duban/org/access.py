"""Who may manage the organisation from the web pages (SPEC §1)."""

from __future__ import annotations

from typing import Any

from duban.core.lifecycle import OFFICE_ROLES, Role

from .models import Jurisdiction

ORG_MANAGER_ROLES = frozenset({*OFFICE_ROLES, Role.SYSADMIN})


def can_import(user: Any) -> bool:
    """Excel import of units and people: the supervision office (staff, head) and the system administrator."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.has_role(*ORG_MANAGER_ROLES))


def working_jurisdiction(user: Any) -> Jurisdiction | None:
    """The user's jurisdiction; a superuser without one works in the only jurisdiction, if there is one."""
    if user.jurisdiction_id is not None:
        return user.jurisdiction  # type: ignore[no-any-return]
    if user.is_superuser:
        only = list(Jurisdiction.objects.all()[:2])
        if len(only) == 1:
            return only[0]
    return None
