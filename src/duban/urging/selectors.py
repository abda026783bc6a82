"""Reads for urging tickets. Every query starts from the items the person may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from duban.core.lifecycle import LEADER_ROLES, OFFICE_ROLES, OVERSIGHT_ROLES, UNIT_ROLES, Role
from duban.items.access import visible_items
from duban.org.models import User

from .models import Ticket


def visible_tickets(user: User) -> QuerySet[Ticket]:
    """Office and leaders: all tickets on items they see; oversight offices: tickets copied to them;
    units: tickets to their own unit or a unit below it."""
    qs = Ticket.objects.filter(item__in=visible_items(user).values("pk")).select_related("item", "unit", "signed_by")
    roles = user.role_set()
    if roles & (OFFICE_ROLES | LEADER_ROLES):
        return qs
    scope = Q(pk__in=[])
    for role in roles & OVERSIGHT_ROLES:
        # copy_to is a short JSON list of role names; a text match on the quoted name works on both backends.
        scope |= Q(copy_to__icontains=f'"{role.value}"') & ~Q(state=Ticket.State.DRAFTED)
    if roles & UNIT_ROLES and user.unit_id is not None:
        scope |= Q(unit__path__startswith=user.unit.path) & ~Q(state=Ticket.State.DRAFTED)
    return qs.filter(scope)


def tickets_to_sign(user: User) -> list[Ticket]:
    from .services import may_sign

    if not user.has_role(Role.OFFICE_HEAD, Role.DEPUTY_HEAD, Role.GOV_HEAD):
        return []
    drafts = visible_tickets(user).filter(state=Ticket.State.DRAFTED)
    return [t for t in drafts if may_sign(user, t)]


def tickets_to_answer(user: User) -> QuerySet[Ticket]:
    if user.unit_id is None or not user.has_role(*UNIT_ROLES):
        return Ticket.objects.none()
    return visible_tickets(user).filter(unit_id=user.unit_id,
                                        state__in=[Ticket.State.ISSUED, Ticket.State.ACKNOWLEDGED])
