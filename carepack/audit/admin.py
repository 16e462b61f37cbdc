from django.contrib import admin
from django.http import HttpRequest

from carepack.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "action", "order")
    list_filter = ("action",)
    search_fields = ("actor", "action", "order__partner_po", "order__customer_po")
    list_select_related = ("order",)
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
