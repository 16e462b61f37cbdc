from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from carepack.portal.models import AttemptCounter, OnlineSubmission
from carepack.portal.throttle import EVERYBODY


@admin.register(AttemptCounter)
class AttemptCounterAdmin(admin.ModelAdmin):
    """Failed activation attempts, for the vendor to watch guessing.

    Read-only, except that deleting a counter unlocks the client at once
    (for a customer who mistyped too often and cannot wait).
    """

    list_display = ["key", "count", "window_start", "updated_at", "above_alert"]
    list_filter = ["alerted_at"]
    search_fields = ["key"]
    ordering = ["-updated_at"]
    readonly_fields = ["key", "count", "window_start", "updated_at", "alerted_at"]

    @admin.display(boolean=True, description=_("above the alert threshold"))
    def above_alert(self, counter: AttemptCounter) -> bool:
        return (
            counter.key == EVERYBODY
            and counter.count >= settings.CAREPACK_ACTIVATION_ALERT_THRESHOLD
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: AttemptCounter | None = None
    ) -> bool:
        return False


@admin.register(OnlineSubmission)
class OnlineSubmissionAdmin(admin.ModelAdmin):
    list_display = ["public_id", "order", "created_at"]
    search_fields = ["order__partner_po", "order__customer_po"]
    readonly_fields = ["public_id", "order", "results", "created_at"]
    exclude = ["token"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: OnlineSubmission | None = None
    ) -> bool:
        return False
