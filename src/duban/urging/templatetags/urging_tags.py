from __future__ import annotations

from typing import Any

from django import template

from duban.core.lifecycle import Role
from duban.org.models import ROLE_LABELS

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)


@register.filter
def role_label(value: str) -> str:
    try:
        return ROLE_LABELS[Role(value)]
    except ValueError:
        return value
