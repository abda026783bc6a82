from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Category, Jurisdiction, RoleGrant, Unit, User


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "office_name"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "jurisdiction", "order"]
    list_filter = ["jurisdiction"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "category", "supervising_leader", "active"]
    list_filter = ["jurisdiction", "kind", "category", "active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 1


@admin.register(User)
class DubanUserAdmin(UserAdmin):
    list_display = ["username", "full_name", "unit", "title", "cleared_confidential", "is_active"]
    list_filter = ["jurisdiction", "cleared_confidential", "is_active", "role_grants__role"]
    search_fields = ["username", "full_name", "phone"]
    inlines = [RoleGrantInline]
    fieldsets = (
        *UserAdmin.fieldsets,
        ("duban", {"fields": ("jurisdiction", "full_name", "unit", "title", "phone", "cleared_confidential")}),
    )
