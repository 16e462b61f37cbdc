"""Many orders at once from a CSV file: one row per order line.

An order is identified by its reseller PO and customer PO, so importing the
same file twice creates nothing twice.
"""

import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from carepack.core.csvfiles import read_csv
from carepack.orders.models import Order
from carepack.orders.services import IssuedCode, OrderError, create_order

logger = logging.getLogger(__name__)

ORDER_COLUMNS = ("partner_po", "customer_po", "email", "language", "sku", "quantity")


@dataclass
class PendingOrder:
    first_line: int
    email: str
    language: str
    lines: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


@dataclass
class OrdersReport:
    created: list[IssuedCode] = field(default_factory=list)
    existing: int = 0
    errors: list[str] = field(default_factory=list)


def _collect(path: str | Path) -> dict[tuple[str, str], PendingOrder]:
    pending: dict[tuple[str, str], PendingOrder] = {}
    for line, row in read_csv(path, ORDER_COLUMNS):
        key = (row["partner_po"], row["customer_po"])
        order = pending.setdefault(
            key, PendingOrder(line, row["email"], row["language"].lower() or "en")
        )
        if (row["email"], row["language"].lower() or "en") != (
            order.email,
            order.language,
        ):
            order.errors.append(
                _(
                    "line %(line)s: e-mail or language differs from line %(first)s "
                    "of the same order"
                )
                % {"line": line, "first": order.first_line}
            )
        quantity = row["quantity"]
        if not quantity.isdigit() or int(quantity) < 1:
            order.errors.append(
                _(
                    "line %(line)s: quantity must be a whole number from 1, "
                    "not “%(value)s”"
                )
                % {"line": line, "value": quantity}
            )
            continue
        sku = row["sku"].strip().upper()
        order.lines[sku] = order.lines.get(sku, 0) + int(quantity)
    return pending


def import_orders(path: str | Path, *, actor: str) -> OrdersReport:
    """Create each order of the file that does not exist yet. An order with
    any bad line is not created; its errors are reported."""
    report = OrdersReport()
    for (partner_po, customer_po), pending in _collect(path).items():
        if Order.objects.filter(
            partner_po=partner_po, customer_po=customer_po
        ).exists():
            report.existing += 1
            continue
        if pending.errors:
            report.errors.extend(pending.errors)
            continue
        try:
            report.created.append(
                create_order(
                    partner_po=partner_po,
                    customer_po=customer_po,
                    email=pending.email,
                    language=pending.language,
                    lines=pending.lines,
                    actor=actor,
                )
            )
        except OrderError as exc:
            report.errors.append(
                _("line %(line)s: %(error)s")
                % {"line": pending.first_line, "error": exc}
            )
    return report
