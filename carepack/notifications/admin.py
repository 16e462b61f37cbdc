from django.contrib import admin
from django.http import HttpRequest

from carepack.notifications.models import OutgoingEmail


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    """What was sent to whom; the body is never shown (it may hold a code)."""

    list_display = ("created_at", "kind", "recipient", "subject", "status", "attempts")
    list_filter = ("kind", "status")
    search_fields = ("recipient", "subject", "order__partner_po", "order__customer_po")
    exclude = ("payload",)
    readonly_fields = (
        "order",
        "kind",
        "recipient",
        "subject",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
        "next_attempt_at",
        "lease_until",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
