"""三员分立 in the Django admin (issue #8 §1), without editing the organisation's admin module.

The people admin is re-registered as a subclass of ``org.admin.DubanUserAdmin`` that
- offers the three administrator roles only to the installation's superuser, and never lets anyone grant
  themselves a role (``separation.check_grant`` runs in the inline's ``clean``, so the page shows the
  Chinese reason instead of failing);
- makes the security flags read-only for everyone but the security administrator (clearance) and the
  superuser (superuser flag), and a person's own flags read-only for that person.
The audit log is read-only and visible to the audit administrator only. Business tables in the admin
are closed to the three administrators by ``AccountSecurityMiddleware`` (see ``ADMIN_OPEN_PREFIXES``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from duban.core.lifecycle import SEPARATED_ADMIN_ROLES, Role
from duban.org.admin import DubanUserAdmin, RoleGrantInline
from duban.org.models import ROLE_LABELS, User

from .models import AuditRecord
from .separation import SeparationError, check_grant, check_revoke, is_audit_admin, is_security_admin, roles_of


class SeparatedRoleFormSet(forms.BaseInlineFormSet):
    request: HttpRequest | None = None

    def clean(self) -> None:
        super().clean()
        actor = self.request.user if self.request is not None else None
        target = self.instance
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            role = form.cleaned_data.get("role")
            if not role:
                continue
            try:
                if form.cleaned_data.get("DELETE") and form.instance.pk:
                    check_revoke(actor, target, Role(form.instance.role))
                elif form.instance.pk is None and target.pk is not None:
                    check_grant(actor, target, Role(role))
            except SeparationError as exc:
                raise forms.ValidationError(exc.message) from None


class SeparatedRoleGrantInline(RoleGrantInline):
    formset = SeparatedRoleFormSet

    def _grants(self, request: HttpRequest) -> bool:
        return Role.SYSADMIN in roles_of(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._grants(request) or Role.SECURITY_ADMIN in roles_of(request.user) or super().has_view_permission(
            request, obj
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._grants(request) or super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._grants(request) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._grants(request) or super().has_delete_permission(request, obj)

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        formset.request = request
        if not getattr(request.user, "is_superuser", False):
            field = formset.form.base_fields.get("role")
            if field is not None:
                field.choices = [(r.value, label) for r, label in ROLE_LABELS.items()
                                 if r not in SEPARATED_ADMIN_ROLES]
                field.choices.insert(0, ("", "---------"))
        return formset


def _must_change(user: User) -> None:
    from .services import security_of

    sec = security_of(user)
    sec.must_change_password = True
    sec.save(update_fields=["must_change_password"])


def _manages_people(request: HttpRequest) -> bool:
    """The system administrator (accounts, roles) and the security administrator (flags) manage people."""
    return bool(roles_of(request.user) & {Role.SYSADMIN, Role.SECURITY_ADMIN})


class SeparatedUserAdmin(DubanUserAdmin):
    inlines = [SeparatedRoleGrantInline]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _manages_people(request) or super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _manages_people(request) or super().has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _manages_people(request) or super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return Role.SYSADMIN in roles_of(request.user) or super().has_add_permission(request)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:  # an account an administrator creates starts with an issued password
            _must_change(obj)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        """An administrator resetting someone's password: the person changes it at the next sign-in."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302 and str(request.user.pk) != str(id):
            target = User.objects.filter(pk=id).first()
            if target is not None:
                _must_change(target)
        return response

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        actor = request.user
        if obj is not None and obj.pk == actor.pk:
            return [*readonly, "is_superuser", "cleared_confidential", "is_active", "is_staff"]
        if not getattr(actor, "is_superuser", False):
            readonly.append("is_superuser")
        if not is_security_admin(actor):
            readonly.append("cleared_confidential")
        if not (getattr(actor, "is_superuser", False) or roles_of(actor) & {Role.SYSADMIN, Role.SECURITY_ADMIN}):
            readonly += ["is_active", "is_staff"]
        return readonly


admin.site.unregister(User)
admin.site.register(User, SeparatedUserAdmin)


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    list_display = ["seq", "at", "kind", "actor_name", "subject_name", "summary", "ip"]
    list_filter = ["kind"]
    search_fields = ["actor_name", "subject_name", "summary"]
    ordering = ["-seq"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_audit_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_audit_admin(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
