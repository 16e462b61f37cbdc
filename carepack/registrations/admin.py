from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from carepack.audit.services import record
from carepack.orders.models import CarePack
from carepack.registrations.models import Registration


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = (
        "serial_number",
        "product",
        "product_number",
        "order",
        "surname",
        "coverage_start",
        "coverage_end",
        "channel",
        "status",
    )
    list_filter = ("status", "channel", "product")
    search_fields = (
        "=serial_number",
        "order__partner_po",
        "order__customer_po",
        "contact_email",
        "surname",
        "company",
    )
    list_select_related = ("order", "product")
    readonly_fields = (
        "carepack",
        "order",
        "product",
        "hardware",
        "serial_number",
        "product_number",
        "channel",
        "batch",
        "status",
        "created_at",
    )
    actions = ("cancel",)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: Registration, form: object, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        record(
            f"vendor:{request.user.get_username()}",
            "registration.corrected",
            order=obj.order,
            registration=obj.pk,
        )

    @admin.action(description=_("Cancel the registrations (frees their units)"))
    def cancel(self, request: HttpRequest, queryset: QuerySet[Registration]) -> None:
        count = 0
        with transaction.atomic():
            # OF self: the changelist's query joins the order and the
            # product, whose rows must not be locked with it.
            for reg in queryset.select_for_update(of=("self",)).exclude(
                status=Registration.Status.CANCELLED
            ):
                reg.status = Registration.Status.CANCELLED
                reg.save(update_fields=["status"])
                CarePack.objects.filter(pk=reg.carepack_id).update(
                    status=CarePack.Status.UNREGISTERED
                )
                record(
                    f"vendor:{request.user.get_username()}",
                    "registration.cancelled",
                    order=reg.order,
                    registration=reg.pk,
                )
                count += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d registration cancelled.",
                "%(count)d registrations cancelled.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
