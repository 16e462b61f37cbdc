import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from carepack.core.csvfiles import CsvFileError
from carepack.orders.imports import import_orders


class Command(BaseCommand):
    help = (
        "Create orders from a CSV file with one row per order line: "
        "partner_po,customer_po,email,language,sku,quantity"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--json", action="store_true", help="print JSON only")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = import_orders(options["file"], actor="cli")
        except CsvFileError as exc:
            raise CommandError(str(exc), returncode=2) from exc

        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "created": [
                            {
                                "order": i.order.pk,
                                "partner_po": i.order.partner_po,
                                "customer_po": i.order.customer_po,
                                "activation_code": i.code,
                            }
                            for i in report.created
                        ],
                        "existing": report.existing,
                        "errors": report.errors,
                    }
                )
            )
        else:
            for issued in report.created:
                self.stdout.write(
                    f"order {issued.order.pk} ({issued.order}): {issued.code}"
                )
            for error in report.errors:
                self.stderr.write(error)
            self.stdout.write(
                f"{len(report.created)} created, {report.existing} already there, "
                f"{len(report.errors)} errors"
            )
        if report.errors:
            raise CommandError("some orders were not created", returncode=1)
