"""Who sees and who acts on inspections and list entries (follows ``duban.items.access``).

The office, the heads and the oversight offices see the jurisdiction's inspections and lists; deputy
heads see the inspections they lead or approve; inspectors see the inspections they are on; a unit sees
the entries of its own unit and the units below it (as responsible, lead or co-unit).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from duban.core.lifecycle import OFFICE_ROLES, OVERSIGHT_ROLES, UNIT_ROLES, Role
from duban.org.models import Unit, User

from .models import Entry, Inspection

_READ_ALL = OFFICE_ROLES | OVERSIGHT_ROLES | {Role.GOV_HEAD}


def is_office(user: User) -> bool:
    return user.is_authenticated and user.has_role(*OFFICE_ROLES)


def reads_all(user: User) -> bool:
    return user.is_authenticated and bool(user.role_set() & _READ_ALL)


def visible_inspections(user: User) -> QuerySet[Inspection]:
    if not user.is_authenticated or user.jurisdiction_id is None:
        return Inspection.objects.none()
    qs = Inspection.objects.filter(jurisdiction_id=user.jurisdiction_id)
    if reads_all(user):
        return qs
    scope = Q(members__inspector__user=user, members__active=True) | Q(team_leader=user)
    if user.has_role(Role.DEPUTY_HEAD):
        scope |= Q(leader=user) | Q(team_request__approver=user)
    if user.has_role(*UNIT_ROLES) and user.unit_id is not None:
        scope |= Q(entries__unit__path__startswith=user.unit.path) | Q(
            entries__lead_unit__path__startswith=user.unit.path)
    return qs.filter(scope).distinct()


def visible_entries(user: User) -> QuerySet[Entry]:
    if not user.is_authenticated or user.jurisdiction_id is None:
        return Entry.objects.none()
    qs = Entry.objects.filter(jurisdiction_id=user.jurisdiction_id)
    if reads_all(user) or user.has_role(Role.DEPUTY_HEAD):
        return qs
    scope = Q(inspection__members__inspector__user=user) | Q(inspection__team_leader=user) | Q(person=user)
    if user.has_role(*UNIT_ROLES) and user.unit_id is not None:
        path = user.unit.path
        scope |= (Q(unit__path__startswith=path) | Q(lead_unit__path__startswith=path)
                  | Q(co_units__path__startswith=path))
    return qs.filter(scope).distinct()


def in_unit(user: User, unit: Unit | None) -> bool:
    """Acts for ``unit``: a unit role in that unit or one above it."""
    if unit is None or user.unit_id is None or not user.has_role(*UNIT_ROLES):
        return False
    return unit.path.startswith(user.unit.path)


def acts_for_entry_unit(user: User, entry: Entry) -> bool:
    """The unit answering the entry: the responsible unit, or once named the lead unit, or the person."""
    if entry.person_id is not None and entry.person_id == user.pk:
        return True
    return in_unit(user, entry.lead_unit or entry.unit)


def is_team_member(user: User, inspection: Inspection) -> bool:
    if inspection.team_leader_id == user.pk:
        return True
    return inspection.members.filter(inspector__user=user, active=True).exists()
