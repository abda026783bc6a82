"""Template context shared by every page: the signed-in person's roles and to-do count."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from duban.items.selectors import todo_count

    # A callable: the template calls it only where the badge is drawn (htmx fragments skip the queries),
    # and only once per response.
    count = cache(lambda: todo_count(user))
    return {"todo_count": count, "user_roles": sorted(r.value for r in user.role_set())}
