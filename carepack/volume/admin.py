from django.contrib import admin

from carepack.core.admin import ReadOnlyAdmin
from carepack.volume.models import BatchRow, UploadBatch


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
