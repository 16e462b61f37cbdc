from django.contrib import admin

from carepack.audit.models import AuditEvent
from carepack.core.admin import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "order")
    list_filter = ("action",)
    search_fields = ("actor", "action", "order__partner_po", "order__customer_po")
    list_select_related = ("order",)
    date_hierarchy = "at"
