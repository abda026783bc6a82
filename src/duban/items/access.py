"""Who may see an item and who may act on it (SPEC §1; S1-九(五) for confidential items).

Visibility follows the unit tree: a unit's people see items assigned to their unit or any unit below
it; the office and the heads see the whole jurisdiction; a deputy head sees the items they lead and
those of the units they supervise; oversight offices (绩考办, 纪检, 组织部) read handed-out items.
Nobody uncleared sees a confidential item, anywhere (lists, search, exports, API).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from duban.core.lifecycle import (
    LEADER_ROLES,
    OFFICE_ROLES,
    OVERSIGHT_ROLES,
    SEPARATED_ADMIN_ROLES,
    UNIT_ROLES,
    Actor,
    ItemState,
    Role,
)
from duban.org.models import User

from .models import Assignment, Item

_BEFORE_HANDOUT = [ItemState.PENDING_APPROVAL, ItemState.DECLINED, ItemState.APPROVED]


def visible_items(user: User) -> QuerySet[Item]:
    if not user.is_authenticated or user.jurisdiction_id is None:
        return Item.objects.none()
    qs = Item.objects.filter(jurisdiction_id=user.jurisdiction_id)
    roles = user.role_set()
    if roles & SEPARATED_ADMIN_ROLES:
        return Item.objects.none()  # 三员分立: administrators read no business content (issue #8)
    if not roles & (OFFICE_ROLES | {Role.GOV_HEAD}):
        scope = Q(pk__in=[])
        if Role.DEPUTY_HEAD in roles:
            scope |= Q(supervising_leader=user) | Exists(
                Assignment.objects.filter(item=OuterRef("pk"), unit__supervising_leader=user)
            )
        if roles & UNIT_ROLES and user.unit_id is not None:
            scope |= Exists(
                Assignment.objects.filter(item=OuterRef("pk"), unit__path__startswith=user.unit.path)
            )
        if roles & OVERSIGHT_ROLES:
            scope |= ~Q(state__in=_BEFORE_HANDOUT)
        qs = qs.filter(scope)
        # Units never see items before they are handed out.
        if not roles & (OVERSIGHT_ROLES | {Role.DEPUTY_HEAD}):
            qs = qs.exclude(state__in=_BEFORE_HANDOUT)
    if not user.cleared_confidential:
        qs = qs.exclude(confidential=True)
    return qs


def can_see(user: User, item: Item) -> bool:
    if not user.is_authenticated or user.jurisdiction_id != item.jurisdiction_id:
        return False
    if item.confidential and not user.cleared_confidential:
        return False
    if user.role_set() & SEPARATED_ADMIN_ROLES:
        return False  # 三员分立 (issue #8)
    if user.role_set() & (OFFICE_ROLES | {Role.GOV_HEAD}):
        return True  # the same answer visible_items gives, without a query
    return visible_items(user).filter(pk=item.pk).exists()


def is_office(user: User) -> bool:
    return user.has_role(*OFFICE_ROLES)


def is_leader_of(user: User, item: Item) -> bool:
    return user.has_role(Role.GOV_HEAD) or (
        user.has_role(*LEADER_ROLES) and item.supervising_leader_id == user.pk
    )


# Where ``services.load_assignments`` leaves an item's assignments (with their units) once read.
ASSIGNMENTS_ATTR = "_duban_assignments"


def assignments_of(item: Item) -> list[Assignment]:
    """The item's assignments: as loaded by ``services.load_assignments``, else ``item.assignments.all()``."""
    loaded: list[Assignment] | None = item.__dict__.get(ASSIGNMENTS_ATTR)
    return list(item.assignments.all()) if loaded is None else loaded


def own_assignment(user: User, item: Item) -> Assignment | None:
    """The assignment of the user's own unit on this item, if the user acts for a unit."""
    if user.unit_id is None or not user.has_role(*UNIT_ROLES):
        return None
    for assignment in assignments_of(item):
        if assignment.unit_id == user.unit_id:
            return assignment
    return None


def acts_as(user: User, item: Item, actor: Actor) -> bool:
    """Does ``user`` stand in the ``actor`` relation to ``item``? (Same jurisdiction is checked first.)"""
    if user.jurisdiction_id != item.jurisdiction_id or user.role_set() & SEPARATED_ADMIN_ROLES:
        return False
    if actor is Actor.OFFICE:
        return is_office(user)
    if actor is Actor.OFFICE_HEAD:
        return user.has_role(Role.OFFICE_HEAD)
    if actor is Actor.LEADER:
        return is_leader_of(user, item)
    assignment = own_assignment(user, item)
    if actor is Actor.LEAD_UNIT:
        return assignment is not None and assignment.is_lead
    if actor is Actor.CO_UNIT:
        return assignment is not None and not assignment.is_lead
    if actor is Actor.ASSIGNED_UNIT:
        return assignment is not None
    if actor is Actor.ANY_PARTY:
        return assignment is not None or is_office(user) or is_leader_of(user, item)
    return False
