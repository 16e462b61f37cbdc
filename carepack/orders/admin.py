from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from carepack.orders.forms import OrderCreateForm
from carepack.orders.models import ActivationCode, CarePack, Order, OrderLine
from carepack.orders.services import OrderError, create_order, issue_code


def vendor(request: HttpRequest) -> str:
    return f"vendor:{request.user.get_username()}"


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    fields = ("product", "quantity", "registered")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[OrderLine]:
        return (
            super()
            .get_queryset(request)
            .select_related("product")
            .annotate(
                done=Count("units", filter=Q(units__status=CarePack.Status.REGISTERED))
            )
        )

    @admin.display(description=_("registered"))
    def registered(self, line: OrderLine) -> int:
        return int(getattr(line, "done", 0))

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ActivationCodeInline(admin.TabularInline):
    """Codes are shown as facts only: the code itself is never stored."""

    model = ActivationCode
    fields = ("created_at", "legacy", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("partner_po", "customer_po", "email", "language", "created_at")
    list_filter = ("language",)
    search_fields = (
        "partner_po",
        "customer_po",
        "email",
        "=registrations__serial_number",
    )
    readonly_fields = ("partner_po", "customer_po", "created_at", "units_link")
    fields = (
        "partner_po",
        "customer_po",
        "email",
        "language",
        "created_at",
        "units_link",
    )
    inlines = (OrderLineInline, ActivationCodeInline)
    actions = ("resend_code",)

    @admin.display(description=_("units"))
    def units_link(self, order: Order) -> str:
        url = (
            reverse("admin:orders_carepack_changelist")
            + f"?order__id__exact={order.pk}"
        )
        return format_html(
            '<a href="{}">{}</a>', url, _("Show the units and their status")
        )

    @admin.action(description=_("Re-send the registration e-mail with a new code"))
    def resend_code(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        count = 0
        for order in queryset:
            issue_code(order, actor=vendor(request))
            count += 1
        # Never show the code: a message would keep it in the session store.
        self.message_user(
            request,
            ngettext(
                "A new code was e-mailed for %(count)d order; its old code no "
                "longer works.",
                "New codes were e-mailed for %(count)d orders; their old codes no "
                "longer work.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        form = OrderCreateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                issued = create_order(**form.cleaned_data, actor=vendor(request))
            except OrderError as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(
                    request,
                    _(
                        "Order created; the registration e-mail with its code is on "
                        "its way to %(email)s."
                    )
                    % {"email": issued.order.email},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:orders_order_change", args=[issued.order.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": _("Create an order"),
        }
        return TemplateResponse(request, "admin/orders/order/create.html", context)


@admin.register(CarePack)
class CarePackAdmin(admin.ModelAdmin):
    list_display = ("id", "order", "product", "status")
    list_filter = ("status", "product")
    search_fields = (
        "order__partner_po",
        "order__customer_po",
        "=registrations__serial_number",
    )
    list_select_related = ("order", "product")
    readonly_fields = ("order", "line", "product", "status")
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
