from django.contrib import admin

from .models import Item


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    """Read-only: items change only through the lifecycle actions, which write the ledger."""

    list_display = ["code", "title", "level", "state", "deadline", "confidential"]
    list_filter = ["jurisdiction", "state", "level", "source"]
    search_fields = ["code", "title"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
