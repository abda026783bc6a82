from django.contrib import admin

from duban.accounts.separation import BusinessDataAdmin

from .access import visible_items
from .models import Item


@admin.register(Item)
class ItemAdmin(BusinessDataAdmin, admin.ModelAdmin):
    """Read-only: items change only through the lifecycle actions, which write the ledger. The list is
    what the person sees in the app (``access.visible_items``: confidential items only when cleared)."""

    list_display = ["code", "title", "level", "state", "deadline", "confidential"]
    list_filter = ["jurisdiction", "state", "level", "source"]
    search_fields = ["code", "title"]

    def visible_queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        return queryset.filter(pk__in=visible_items(request.user).values("pk"))

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
