"""The ledger in the Django admin: for reading only, like everywhere else."""

from django.contrib import admin

from .models import PointsEntry


@admin.register(PointsEntry)
class PointsEntryAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "person", "amount", "kind", "category", "idempotency_key")
    list_filter = ("kind", "category")
    search_fields = ("idempotency_key", "person__real_name", "reason")
    list_select_related = ("person",)
    actions = None
    show_full_result_count = False  # the ledger is long; a second COUNT(*) would be slow

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]
