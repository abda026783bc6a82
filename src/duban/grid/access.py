"""Who sees and manages grids and residents' issues (SPEC §1 visibility, S2a-二(六) privacy).

Visibility follows the unit tree as for items: the office (and the head of government, the oversight
offices) see the jurisdiction; a sub-district's or community's people see their own communities; a
grid worker sees the grids they hold a duty in and the cases of those grids or handed to them.

Residents' personal data (name, phone, e-mail, exact address) is shown only to the people who handle the
case (S2a-二(六): 对服务管理对象的个人隐私和不便公开的个人信息严格保密): its handler, the staff holding a
duty in its grid, the community's own staff (who classify it at the daily meeting), and — once it went up
to the sub-district — the sub-district's staff. Everyone else, and every export, sees it masked.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from duban.core.grid_rules import Tier
from duban.core.lifecycle import OFFICE_ROLES, OVERSIGHT_ROLES, UNIT_ROLES, Role
from duban.org.models import Unit, User

from .models import Concern, Duty, Grid

PRIVACY_RULE = "S2a-二(六)"
_WIDE = OFFICE_ROLES | OVERSIGHT_ROLES | {Role.GOV_HEAD}


def _unit_path(user: User) -> str | None:
    if user.unit_id is None or not user.has_role(*UNIT_ROLES, Role.GRID_WORKER):
        return None
    return user.unit.path


def is_office(user: User) -> bool:
    return user.is_authenticated and user.has_role(*OFFICE_ROLES)


def sees_jurisdiction(user: User) -> bool:
    return user.is_authenticated and bool(user.role_set() & _WIDE)


def manages(user: User, community: Unit) -> bool:
    """May classify, assign, draw grids and name duties in ``community``: the office, or a unit user of
    the community itself or of a unit above it (the sub-district)."""
    if not user.is_authenticated or user.jurisdiction_id != community.jurisdiction_id:
        return False
    if is_office(user):
        return True
    if user.unit_id is None or not user.has_role(*UNIT_ROLES):
        return False
    return community.path.startswith(user.unit.path)


def visible_grids(user: User) -> QuerySet[Grid]:
    if not user.is_authenticated or user.jurisdiction_id is None:
        return Grid.objects.none()
    qs = Grid.objects.filter(jurisdiction_id=user.jurisdiction_id)
    if sees_jurisdiction(user):
        return qs
    scope = Q(duties__user=user)
    path = _unit_path(user)
    if path is not None:
        scope |= Q(community__path__startswith=path)
    return qs.filter(scope).distinct()


def visible_communities(user: User) -> QuerySet[Unit]:
    qs = Unit.objects.filter(jurisdiction_id=user.jurisdiction_id, kind=Unit.Kind.COMMUNITY, active=True)
    if sees_jurisdiction(user):
        return qs
    path = _unit_path(user)
    scope = Q(pk__in=visible_grids(user).values("community_id"))
    if path is not None:
        scope |= Q(path__startswith=path)
    return qs.filter(scope)


def visible_concerns(user: User) -> QuerySet[Concern]:
    if not user.is_authenticated or user.jurisdiction_id is None:
        return Concern.objects.none()
    qs = Concern.objects.filter(jurisdiction_id=user.jurisdiction_id)
    if sees_jurisdiction(user):
        return qs
    scope = Q(handler=user) | Q(grid__duties__user=user)
    path = _unit_path(user)
    if path is not None:
        scope |= Q(community__path__startswith=path)
    return qs.filter(scope).distinct()


def can_see_concern(user: User, concern: Concern) -> bool:
    return visible_concerns(user).filter(pk=concern.pk).exists()


def handles(user: User, concern: Concern) -> bool:
    """Handles the case: its handler, a duty holder of its grid, or a manager of its community."""
    if not user.is_authenticated or user.jurisdiction_id != concern.jurisdiction_id:
        return False
    if concern.handler_id == user.pk:
        return True
    if concern.grid_id is not None and Duty.objects.filter(grid_id=concern.grid_id, user=user).exists():
        return True
    return concern.community is not None and manages(user, concern.community) and not is_office(user)


def sees_personal(user: User, concern: Concern) -> bool:
    """S2a-二(六): personal data only for those handling the case (see the module docstring)."""
    if not handles(user, concern):
        return False
    if concern.community is None or user.unit_id is None or concern.handler_id == user.pk:
        return True
    if concern.grid_id is not None and Duty.objects.filter(grid_id=concern.grid_id, user=user).exists():
        return True
    if user.unit_id == concern.community_id:
        return True
    # A sub-district user sees it once the case went up to the sub-district (S2a-二(五)).
    return concern.tier == Tier.SUBDISTRICT


def mask_name(name: str) -> str:
    return (name[0] + "*" * max(1, len(name) - 1)) if name else ""


def mask_phone(phone: str) -> str:
    digits = phone.strip()
    if len(digits) >= 8:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * len(digits)


def mask_address(address: str) -> str:
    return (address[:6] + "****") if address else ""


def mask_email(email: str) -> str:
    if "@" not in email:
        return "*" * len(email)
    local, domain = email.split("@", 1)
    return (local[:1] + "***@" + domain) if local else "***@" + domain
