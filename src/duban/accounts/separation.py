"""三员分立 (等级保护 2.0 level 3 安全管理: 系统管理员、安全管理员、审计管理员 separated; issue #8 §1).

- The three administrator roles are held by three different people: nobody holds two of them, and an
  administrator account holds no business role (it is a dedicated account).
- Nobody grants themselves anything, and none of the three administrators grants any of the three
  administrator roles (to themselves or anyone): those are granted only by the installation's
  superuser (``duban create-user --superuser``) or by a management command run on the server.
- Business roles are granted by the system administrator or the supervision office; the
  confidentiality clearance and account unlocks belong to the security administrator; the audit log
  is read by the audit administrator only.
- None of the three reads business content by virtue of the role: ``items.access`` shows them no item.

Every grant, from the admin, the import or the services, passes ``check_grant`` (a ``pre_save`` signal
on ``RoleGrant``), so no path around it exists.
"""

from __future__ import annotations

from typing import Any

from duban.core.lifecycle import OFFICE_ROLES, SEPARATED_ADMIN_ROLES, Role

ROLE_GRANTERS = frozenset({Role.SYSADMIN, *OFFICE_ROLES})


class SeparationError(Exception):
    """A grant that 三员分立 forbids; ``message`` is shown to the user (Chinese)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def roles_of(user: Any) -> frozenset[Role]:
    if user is None or getattr(user, "pk", None) is None:
        return frozenset()
    from duban.org.models import RoleGrant

    return frozenset(Role(r) for r in RoleGrant.objects.filter(user_id=user.pk).values_list("role", flat=True))


def is_admin(user: Any) -> bool:
    return bool(roles_of(user) & SEPARATED_ADMIN_ROLES)


def is_security_admin(user: Any) -> bool:
    return Role.SECURITY_ADMIN in roles_of(user) or bool(getattr(user, "is_superuser", False))


def is_audit_admin(user: Any) -> bool:
    return Role.AUDIT_ADMIN in roles_of(user)


def check_holding(target: Any, role: Role) -> None:
    """May ``target`` hold ``role`` next to the roles they already hold?"""
    held = roles_of(target) - {role}
    if role in SEPARATED_ADMIN_ROLES:
        other_admin = held & SEPARATED_ADMIN_ROLES
        if other_admin:
            raise SeparationError(
                "三员分立：系统管理员、安全管理员、审计管理员须由不同人员担任，该人员已担任其中之一。"
            )
        if held:
            raise SeparationError("三员分立：管理员账号为专用账号，不能同时担任业务角色。")
    elif held & SEPARATED_ADMIN_ROLES:
        raise SeparationError("三员分立：管理员账号为专用账号，不能同时担任业务角色。")


def check_grant(actor: Any, target: Any, role: Role) -> None:
    """May ``actor`` (None = a command run on the server) grant ``role`` to ``target``?"""
    if actor is not None and getattr(actor, "pk", None) is not None and actor.pk == getattr(target, "pk", None):
        raise SeparationError("不能给自己授予角色。")
    check_holding(target, role)
    if actor is None:
        return
    actor_roles = roles_of(actor)
    if role in SEPARATED_ADMIN_ROLES:
        if actor_roles & SEPARATED_ADMIN_ROLES or not getattr(actor, "is_superuser", False):
            raise SeparationError("三员分立：三类管理员角色只能由系统初始化的超级管理员授予，管理员之间不能互相授予。")
        return
    if getattr(actor, "is_superuser", False) or actor_roles & ROLE_GRANTERS:
        return
    raise SeparationError("只有系统管理员或督查室可以授予业务角色。")


def check_revoke(actor: Any, target: Any, role: Role) -> None:
    if actor is None:
        return
    if getattr(actor, "pk", None) is not None and actor.pk == getattr(target, "pk", None) and (
        role in SEPARATED_ADMIN_ROLES
    ):
        raise SeparationError("不能撤销自己的管理员角色。")
    if role in SEPARATED_ADMIN_ROLES and not getattr(actor, "is_superuser", False):
        raise SeparationError("三员分立：三类管理员角色只能由系统初始化的超级管理员撤销。")
    if role in SEPARATED_ADMIN_ROLES or getattr(actor, "is_superuser", False) or roles_of(actor) & ROLE_GRANTERS:
        return
    raise SeparationError("只有系统管理员或督查室可以撤销业务角色。")


SECURITY_FLAGS = ("cleared_confidential", "is_superuser")
ACCOUNT_FLAGS = ("is_active", "is_staff")


def check_flag_change(actor: Any, target: Any, changes: dict[str, tuple[Any, Any]]) -> None:
    """Security flags (clearance, superuser) are the security administrator's; nobody changes their own."""
    if actor is None or not changes:
        return
    if getattr(actor, "pk", None) is not None and actor.pk == getattr(target, "pk", None):
        raise SeparationError("不能修改自己的权限标志。")
    if "is_superuser" in changes and not getattr(actor, "is_superuser", False):
        raise SeparationError("只有超级管理员可以设置超级管理员标志。")
    if "cleared_confidential" in changes and not is_security_admin(actor):
        raise SeparationError("涉密查阅权限由安全管理员设置（三员分立）。")
    if set(changes) & set(ACCOUNT_FLAGS) and not (
        getattr(actor, "is_superuser", False) or roles_of(actor) & {Role.SYSADMIN, Role.SECURITY_ADMIN}
    ):
        raise SeparationError("账号启用与后台权限由系统管理员或安全管理员设置。")


def holds_business_role(user: Any) -> bool:
    """Has ``user`` any role besides the three administrators'? The installation's superuser flag alone
    is not one: it is for granting the administrator roles, not for reading business content. Read
    from the person's cached roles (``User.role_set``): the admin index asks once per model."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.role_set() - SEPARATED_ADMIN_ROLES)


class BusinessDataAdmin:
    """Mixin for the admin pages of business data (items, scores): shown only to people who hold a
    business role — never to the three administrators, nor to the superuser by the flag alone — and
    on top of the model permission Django checks; each page's rows are what the person may see in the
    app (``visible_queryset``)."""

    def visible_queryset(self, request: Any, queryset: Any) -> Any:
        return queryset.filter(jurisdiction_id=request.user.jurisdiction_id)

    def has_module_permission(self, request: Any) -> bool:
        return holds_business_role(request.user) and super().has_module_permission(request)  # type: ignore[misc]

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return holds_business_role(request.user) and super().has_view_permission(request, obj)  # type: ignore[misc]

    def get_queryset(self, request: Any) -> Any:
        return self.visible_queryset(request, super().get_queryset(request))  # type: ignore[misc]
