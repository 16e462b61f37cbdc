from django.contrib import admin
from django.http import HttpRequest

from carepack.volume.models import BatchRow, UploadBatch


class ReadOnlyAdmin(admin.ModelAdmin):
    """Batches are the product's own record: the vendor reads, never edits."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(UploadBatch)
class UploadBatchAdmin(ReadOnlyAdmin):
    list_display = (
        "original_name",
        "order",
        "status",
        "lines",
        "registered",
        "already_registered",
        "errors",
        "skipped",
        "created_at",
    )
    list_filter = ("status", "kind")
    search_fields = (
        "original_name",
        "reply_email",
        "order__partner_po",
        "order__customer_po",
    )
    list_select_related = ("order",)
    exclude = ("form_token",)


@admin.register(BatchRow)
class BatchRowAdmin(ReadOnlyAdmin):
    list_display = ("batch", "line", "outcome", "serial_number", "sku")
    list_filter = ("outcome",)
    search_fields = ("serial_number", "sku")
    list_select_related = ("batch",)
    show_full_result_count = False
