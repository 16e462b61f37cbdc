"""Creating orders and issuing their activation codes."""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carepack.audit.services import record
from carepack.catalog.models import CarePackProduct
from carepack.catalog.normalize import normalize_sku
from carepack.notifications.services import queue_email, render_message
from carepack.orders import codes
from carepack.orders.models import ActivationCode, CarePack, Order, OrderLine

logger = logging.getLogger(__name__)

MAX_UNITS_PER_ORDER = 1_000_000
# The length of every e-mail column, and the longest address SMTP carries.
MAX_EMAIL_LENGTH = 254


class OrderError(ValueError):
    """An order cannot be created as asked; the message says why."""


@dataclass
class IssuedCode:
    order: Order
    code: str


def validate_recipient(email: str) -> str:
    """An address we can really send to: valid, and an ASCII local part,
    since a non-ASCII one cannot be sent by Django's mail framework."""
    email = email.strip()
    if len(email) > MAX_EMAIL_LENGTH:
        raise OrderError(
            _(
                "An e-mail address has at most %(limit)s characters; this one "
                "has %(length)s."
            )
            % {"limit": MAX_EMAIL_LENGTH, "length": len(email)}
        )
    if not email.rsplit("@", 1)[0].isascii():
        raise OrderError(
            _("“%(email)s”: the part before @ must use only ASCII characters.")
            % {"email": email}
        )
    try:
        validate_email(email)
    except ValidationError as exc:
        raise OrderError(
            _("“%(email)s” is not a valid e-mail address.") % {"email": email}
        ) from exc
    return email


def _products(lines: Mapping[str, int]) -> dict[CarePackProduct, int]:
    if not lines:
        raise OrderError(_("An order needs at least one Care Pack line."))
    wanted = {normalize_sku(sku): qty for sku, qty in lines.items()}
    found = {p.sku: p for p in CarePackProduct.objects.filter(sku__in=wanted)}
    unknown = sorted(set(wanted) - set(found))
    if unknown:
        raise OrderError(
            _("Unknown Care Pack SKU: %(skus)s. Import the catalogue first.")
            % {"skus": ", ".join(unknown)}
        )
    bad = [sku for sku, qty in wanted.items() if qty <= 0]
    if bad:
        raise OrderError(
            _("Quantities must be at least 1 (%(skus)s).") % {"skus": ", ".join(bad)}
        )
    if sum(wanted.values()) > MAX_UNITS_PER_ORDER:
        raise OrderError(_("An order may hold at most 1,000,000 units."))
    return {found[sku]: qty for sku, qty in wanted.items()}


def _check_po(value: str, label: str) -> str:
    value = value.strip()
    if not value or len(value) > 60 or not value.isprintable():
        raise OrderError(
            _("%(label)s must be 1 to 60 printable characters.") % {"label": label}
        )
    return value


def create_order(
    *,
    partner_po: str,
    customer_po: str,
    email: str,
    language: str,
    lines: Mapping[str, int],
    actor: str,
) -> IssuedCode:
    """Create the order and its units, issue a code, queue the e-mail."""
    partner_po = _check_po(partner_po, _("Reseller PO"))
    customer_po = _check_po(customer_po, _("Customer PO"))
    email = validate_recipient(email)
    if language not in dict(Order.Language.choices):
        raise OrderError(_("Language must be en or fr."))
    products = _products(lines)

    with transaction.atomic():
        if Order.objects.filter(
            partner_po=partner_po, customer_po=customer_po
        ).exists():
            raise OrderError(
                _(
                    "An order with reseller PO %(partner)s and customer PO "
                    "%(customer)s already exists."
                )
                % {"partner": partner_po, "customer": customer_po}
            )
        order = Order.objects.create(
            partner_po=partner_po,
            customer_po=customer_po,
            email=email,
            language=language,
        )
        for product, quantity in products.items():
            line = OrderLine.objects.create(
                order=order, product=product, quantity=quantity
            )
            CarePack.objects.bulk_create(
                (
                    CarePack(order=order, line=line, product=product)
                    for _ in range(quantity)
                ),
                batch_size=5000,
            )
        record(actor, "order.created", order=order, units=sum(products.values()))
        issued = issue_code(order, actor=actor)
    logger.info("order created order=%s units=%s", order.pk, sum(products.values()))
    return issued


def issue_code(order: Order, *, actor: str) -> IssuedCode:
    """Revoke the order's codes, issue a new one and mail it."""
    code = codes.generate_code()
    now = timezone.now()
    ttl = settings.CAREPACK_CODE_TTL_DAYS
    with transaction.atomic():
        order.activation_codes.filter(revoked_at__isnull=True).update(revoked_at=now)
        ActivationCode.objects.create(
            order=order,
            digest=codes.digest_generated(code),
            expires_at=now + timedelta(days=ttl) if ttl else None,
        )
        queue_activation_email(order, code)
        record(actor, "code.issued", order=order)
    return IssuedCode(order, code)


def add_legacy_code(order: Order, code: str, *, actor: str) -> ActivationCode:
    """Keep a code from the old system working (matched exactly)."""
    with transaction.atomic():
        created = ActivationCode.objects.create(
            order=order, digest=codes.digest_legacy(code), legacy=True
        )
        record(actor, "code.legacy_imported", order=order)
    return created


def activation_url() -> str:
    return f"{settings.CAREPACK_BASE_URL}/activate/"


def queue_activation_email(order: Order, code: str) -> None:
    context = {
        "order": order,
        "code": code,
        "url": activation_url(),
        "lines": list(order.lines.select_related("product")),
    }
    message = render_message(
        "activation", order.email, "orders/email/activation", context, order.language
    )
    queue_email(message, order=order)


def find_active_code(typed: str) -> ActivationCode | None:
    """The valid code a person typed, or None. Never says which part was
    wrong: a revoked, expired and unknown code all look the same."""
    now = timezone.now()
    for digest in codes.candidate_digests(typed):
        code = (
            ActivationCode.objects.select_related("order")
            .filter(digest=digest, revoked_at__isnull=True)
            .first()
        )
        if code is None:
            continue
        if code.expires_at is not None and code.expires_at <= now:
            return None
        return code
    return None
