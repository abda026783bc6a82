"""Who sees which scores (issue 4): the office and the assessment office (绩考办) see everything and may
record facts; leaders see the rankings; a unit sees its own score lines (and its sub-units')."""

from __future__ import annotations

from duban.core.lifecycle import LEADER_ROLES, OFFICE_ROLES, UNIT_ROLES, Role
from duban.org.models import Unit, User

MANAGERS = OFFICE_ROLES | {Role.ASSESSMENT}


def may_manage(user: User) -> bool:
    """Record facts, counter-entries, choose the policy, publish (督查室, 绩考办)."""
    return user.is_authenticated and user.jurisdiction_id is not None and bool(user.role_set() & MANAGERS)


def may_see_rankings(user: User) -> bool:
    if not user.is_authenticated or user.jurisdiction_id is None:
        return False
    return bool(user.role_set() & (MANAGERS | LEADER_ROLES | {Role.DISCIPLINE, Role.ORGANISATION}))


def may_see_unit(user: User, unit: Unit) -> bool:
    if not user.is_authenticated or user.jurisdiction_id != unit.jurisdiction_id:
        return False
    if may_see_rankings(user):
        return True
    if user.role_set() & UNIT_ROLES and user.unit is not None:
        return unit.path.startswith(user.unit.path)
    return False


def may_use_scoring(user: User) -> bool:
    """Shown the nav link: anyone who may see a ranking or their own unit's lines."""
    return may_see_rankings(user) or bool(user.is_authenticated and user.unit_id and user.role_set() & UNIT_ROLES)
