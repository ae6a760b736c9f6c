"""The ledger in the Django admin: for reading only, like everywhere else."""

from django.contrib import admin

from points.models import Certificate, PointsEntry, Redemption


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


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changed only through the services (redeem, hand over, cancel; issue, revoke)."""

    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "code", "reward", "person", "price", "status", "handed_over_at")
    list_filter = ("status",)
    search_fields = ("code", "person__real_name", "reward__name")
    list_select_related = ("reward", "person")


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ("number", "person", "issued_on", "total_minutes", "revoked_at")
    search_fields = ("number", "person__real_name")
    list_select_related = ("person",)
