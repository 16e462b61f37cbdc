"""The customer's pages: activation, the order, online registration.

Each view does one thing; the work is done by ``activation``,
``submissions`` and ``queries`` beside this module, and the rules by the
registrations app. Every page showing an order starts with
``require_order``.
"""

import logging
import math
import uuid
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms.formsets import BaseFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carepack.orders.models import Order
from carepack.portal import access, queries
from carepack.portal.activation import attempt_activation
from carepack.portal.clients import client_address
from carepack.portal.forms import (
    ActivationForm,
    ChooseForm,
    PackFormSet,
    TokenForm,
    UnitSearchForm,
)
from carepack.portal.models import OnlineSubmission
from carepack.portal.submissions import TokenTaken, results_of, submit
from carepack.registrations.rules import Catalog, check_line
from carepack.registrations.services import RegistrationFailed, order_skus

logger = logging.getLogger(__name__)

PACK_PREFIX = "pack"


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    current = access.current_order_id(request)
    if current is None:
        return redirect("portal:activate")
    return redirect("portal:order", public_id=current)


@never_cache
@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest) -> HttpResponse:
    form = ActivationForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "portal/activate.html", {"form": form})

    attempt = attempt_activation(client_address(request), form.cleaned_data["code"])
    if attempt.code is not None:
        order = attempt.code.order
        access.grant_order(request, order, code=attempt.code)
        return redirect("portal:order", public_id=order.public_id)

    if attempt.retry_after is None:
        form.add_error("code", _wrong_code())
        return render(request, "portal/activate.html", {"form": form})
    form.add_error("code", _locked(attempt.retry_after))
    response = render(request, "portal/activate.html", {"form": form}, status=429)
    response["Retry-After"] = str(math.ceil(attempt.retry_after.total_seconds()))
    return response


def _wrong_code() -> ValidationError:
    # Never say which part was wrong: the message is the same for an
    # unknown, a mistyped, an expired and a replaced code.
    return ValidationError(
        _(
            "This activation code is not valid. Copy the whole code again from "
            "the most recent e-mail you received. A code that has expired or was "
            "replaced by a newer one no longer works: ask your reseller for a new "
            "code if needed."
        ),
        code="wrong_code",
    )


def _locked(wait: timedelta) -> ValidationError:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return ValidationError(
        ngettext(
            "Too many wrong codes were tried from your connection. Wait "
            "%(minutes)s minute, then try again.",
            "Too many wrong codes were tried from your connection. Wait "
            "%(minutes)s minutes, then try again.",
            minutes,
        )
        % {"minutes": minutes},
        code="locked",
    )


@never_cache
@require_GET
def order_page(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    order = access.require_order(request, public_id)
    search = UnitSearchForm(request.GET)
    filters = search.cleaned_data if search.is_valid() else {}
    page, rows = queries.unit_page(
        order,
        serial=filters.get("serial", ""),
        status=filters.get("status", ""),
        page=request.GET.get("page", 1),
    )
    context = {
        "order": order,
        "lines": queries.order_lines(order),
        "search": search,
        "page": page,
        "rows": rows,
        "notices": queries.message_centre(order),
    }
    return render(request, "portal/order.html", context)


@never_cache
@require_GET
def register(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Step 1 of online registration: how many packs of each SKU."""
    order = access.require_order(request, public_id)
    form = ChooseForm(queries.order_lines(order))
    return _render_choice(request, order, form)


@never_cache
@require_http_methods(["GET", "POST"])
def register_packs(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Step 2: the details of each chosen pack, then registering them."""
    order = access.require_order(request, public_id)
    if request.method == "POST":
        return _submit_packs(request, order)

    choice = ChooseForm(queries.order_lines(order), request.GET)
    if not choice.is_valid():
        return _render_choice(request, order, choice)
    formset = PackFormSet(
        prefix=PACK_PREFIX, initial=[{"sku": sku} for sku in choice.chosen_skus()]
    )
    return _render_packs(request, order, formset, TokenForm.fresh())


def _submit_packs(request: HttpRequest, order: Order) -> HttpResponse:
    formset = PackFormSet(request.POST, prefix=PACK_PREFIX)
    token = TokenForm(request.POST)
    if not formset.is_valid() or not token.is_valid():
        _show_rule_errors(order, formset)
        return _render_packs(request, order, formset, _keep_or_renew(token))

    lines = [form.to_line() for form in formset]
    actor = f"portal {client_address(request)}"
    try:
        submission = submit(order, token.cleaned_data["token"], lines, actor=actor)
    except RegistrationFailed as exc:
        for form, outcome in zip(formset, exc.outcomes, strict=True):
            form.add_line_errors(outcome.errors)
        return _render_packs(request, order, formset, token)
    except TokenTaken:
        token.add_error("token", _("This form has expired."))
        return _render_packs(request, order, formset, token.renewed())
    return redirect(
        "portal:confirmation",
        public_id=order.public_id,
        submission_id=submission.public_id,
    )


def _show_rule_errors(order: Order, formset: BaseFormSet) -> None:
    """With a field that did not even parse (a date), still show what the
    rules say about the others, so that one round trip shows every error."""
    if not formset.is_bound or formset.non_form_errors():
        return
    catalog = Catalog.load()
    skus = order_skus(order)
    for form in formset:
        checked = check_line(form.to_line(), catalog, skus, require_purchase_date=True)
        form.add_line_errors(checked.errors)


def _keep_or_renew(token: TokenForm) -> TokenForm:
    return token if token.is_valid() else token.renewed()


def _render_choice(
    request: HttpRequest, order: Order, form: ChooseForm
) -> HttpResponse:
    return render(
        request, "portal/register_choose.html", {"order": order, "form": form}
    )


def _render_packs(
    request: HttpRequest, order: Order, formset: BaseFormSet, token: TokenForm
) -> HttpResponse:
    products = {line.product.sku: line.product for line in order.lines.all()}
    packs = [(form, products.get(form.sku_value())) for form in formset]
    context = {"order": order, "formset": formset, "packs": packs, "token": token}
    return render(request, "portal/register_packs.html", context)


@never_cache
@require_GET
def confirmation(
    request: HttpRequest, public_id: uuid.UUID, submission_id: uuid.UUID
) -> HttpResponse:
    order = access.require_order(request, public_id)
    submission = get_object_or_404(
        OnlineSubmission, order=order, public_id=submission_id
    )
    results = results_of(submission)
    context = {
        "order": order,
        "submission": submission,
        "results": results,
        # Two lines of one form for the same pack and serial are one
        # registration: count registrations, not lines.
        "registered": len({result.registration.pk for result in results}),
        "any_new": any(result.is_new for result in results),
    }
    return render(request, "portal/confirmation.html", context)


@never_cache
@require_GET
def switch(request: HttpRequest) -> HttpResponse:
    """The orders this browser activated, to move from one to another."""
    orders = access.orders_for(request)
    current = access.current_order_id(request)
    context = {"orders": orders, "current": current}
    return render(request, "portal/switch.html", context)


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    access.revoke_all(request)
    messages.success(
        request, _("You are signed out. Use your activation code to come back.")
    )
    return redirect("portal:activate")
