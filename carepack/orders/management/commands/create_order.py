import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from carepack.orders.services import OrderError, create_order


def parse_line(value: str) -> tuple[str, int]:
    sku, sep, quantity = value.partition("=")
    if not sep or not sku.strip() or not quantity.strip().isdigit():
        raise CommandError(f"--line takes SKU=QUANTITY, not {value!r}", returncode=2)
    return sku.strip(), int(quantity)


class Command(BaseCommand):
    help = "Create an order, issue its activation code and queue the e-mail."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--partner-po", required=True)
        parser.add_argument("--customer-po", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--language", choices=["en", "fr"], default="en")
        parser.add_argument("--line", action="append", required=True, metavar="SKU=QTY")
        parser.add_argument("--json", action="store_true", help="print JSON only")

    def handle(self, *args: Any, **options: Any) -> None:
        lines: dict[str, int] = {}
        for value in options["line"]:
            sku, quantity = parse_line(value)
            lines[sku] = lines.get(sku, 0) + quantity
        try:
            issued = create_order(
                partner_po=options["partner_po"],
                customer_po=options["customer_po"],
                email=options["email"],
                language=options["language"],
                lines=lines,
                actor="cli",
            )
        except OrderError as exc:
            if options["json"]:
                error = {"code": "order_refused", "message": str(exc)}
                self.stdout.write(json.dumps({"error": error}))
            raise CommandError(str(exc), returncode=2) from exc

        if options["json"]:
            self.stdout.write(
                json.dumps({"order": issued.order.pk, "activation_code": issued.code})
            )
            return
        self.stdout.write(f"order {issued.order.pk} created")
        self.stdout.write(f"activation code: {issued.code}")
