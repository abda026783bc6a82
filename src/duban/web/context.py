"""Template context shared by every page: the signed-in person's roles and to-do count."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from duban.items.selectors import todo_count

    return {"todo_count": todo_count(user), "user_roles": sorted(r.value for r in user.role_set())}
