"""Admin pages for the organisation (SPEC §1): jurisdictions, categories, the unit tree, people and roles.

Everything else about units and people beyond the Excel import is managed here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from duban.core.lifecycle import Role

from .models import ROLE_LABELS, Category, Jurisdiction, RoleGrant, Unit, User

admin.site.site_header = _("督查督办信息系统 · 管理后台")
admin.site.site_title = _("督查督办管理后台")
admin.site.index_title = _("组织机构与基础数据")


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "office_name", "unit_count"]
    search_fields = ["code", "name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Jurisdiction]:
        return super().get_queryset(request).annotate(_units=Count("unit"))

    @admin.display(description=_("单位数"), ordering="_units")
    def unit_count(self, obj: Any) -> int:
        return int(obj._units)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "jurisdiction", "order", "unit_count"]
    list_editable = ["order"]
    list_filter = ["jurisdiction"]
    search_fields = ["code", "name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return super().get_queryset(request).select_related("jurisdiction").annotate(_units=Count("unit"))

    @admin.display(description=_("单位数"), ordering="_units")
    def unit_count(self, obj: Any) -> int:
        return int(obj._units)


class ChildUnitInline(admin.TabularInline):
    model = Unit
    fk_name = "parent"
    fields = ["code", "name", "kind", "category", "active"]
    extra = 0
    show_change_link = True
    verbose_name = _("下级单位")
    verbose_name_plural = _("下级单位")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["tree_name", "code", "kind", "category", "supervising_leader", "people_count", "active"]
    list_display_links = ["tree_name"]
    list_filter = ["jurisdiction", "kind", "category", "active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent", "supervising_leader"]
    list_select_related = ["category", "supervising_leader"]
    readonly_fields = ["path"]
    ordering = ["path"]
    list_per_page = 200
    inlines = [ChildUnitInline]
    fieldsets = (
        (None, {"fields": ("jurisdiction", "code", "name", "kind", "active")}),
        (_("隶属与考核"), {"fields": ("parent", "category", "supervising_leader", "path")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Unit]:
        return super().get_queryset(request).annotate(_people=Count("people"))

    @admin.display(description=_("单位名称"), ordering="path")
    def tree_name(self, obj: Unit) -> str:
        depth = max(obj.path.count("/") - 2, 0)
        return ("\u3000" * depth + "└ " if depth else "") + obj.name

    @admin.display(description=_("人员"), ordering="_people")
    def people_count(self, obj: Any) -> int:
        return int(obj._people)


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    fields = ["role", "granted_at"]
    readonly_fields = ["granted_at"]
    extra = 1
    verbose_name = _("角色")
    verbose_name_plural = _("角色（SPEC §1）")


class RoleFilter(admin.SimpleListFilter):
    title = _("角色")
    parameter_name = "role"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(r.value, label) for r, label in ROLE_LABELS.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        if self.value():
            return queryset.filter(role_grants__role=self.value()).distinct()
        return queryset


@admin.register(User)
class DubanUserAdmin(UserAdmin):
    list_display = ["username", "full_name", "unit", "title", "roles", "cleared_confidential", "is_active"]
    list_filter = ["jurisdiction", RoleFilter, "cleared_confidential", "is_active", "is_staff"]
    search_fields = ["username", "full_name", "phone", "unit__name", "unit__code"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]
    ordering = ["unit__path", "username"]
    inlines = [RoleGrantInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("人员信息"), {"fields": ("full_name", "jurisdiction", "unit", "title", "phone", "email")}),
        (_("权限"), {"fields": ("cleared_confidential", "is_active", "is_staff", "is_superuser"),
                   "description": _("角色在下方“角色”中授予；“职员状态”可进入本管理后台。")}),
        (_("时间"), {"fields": ("last_login", "date_joined"), "classes": ("collapse",)}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),
        (_("人员信息"), {"classes": ("wide",), "fields": ("full_name", "jurisdiction", "unit", "title", "phone",
                                                         "cleared_confidential")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("role_grants")

    @admin.display(description=_("角色"))
    def roles(self, obj: User) -> str:
        return "、".join(ROLE_LABELS.get(Role(g.role), g.role) for g in obj.role_grants.all()) or "—"

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """A role grant belongs to the person's jurisdiction; the inline does not ask for it."""
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for instance in instances:
            if isinstance(instance, RoleGrant) and not instance.jurisdiction_id:
                if form.instance.jurisdiction_id is None:
                    from django.contrib import messages

                    messages.error(request, _("该人员没有所属辖区，角色未保存：请先选择辖区。"))
                    continue
                instance.jurisdiction_id = form.instance.jurisdiction_id
            instance.save()
        formset.save_m2m()
