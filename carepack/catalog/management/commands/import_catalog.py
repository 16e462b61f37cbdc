from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from carepack.catalog.services import import_catalog
from carepack.core.csvfiles import CsvFileError


class Command(BaseCommand):
    help = "Create or update the Care Pack and hardware catalogue from CSV files."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "carepacks",
            help="CSV: sku,description,service_level,coverage_months,"
            "post_warranty,categories",
        )
        parser.add_argument(
            "hardware",
            help="CSV: product_number,description,category,base_warranty_months",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = import_catalog(options["carepacks"], options["hardware"])
        except CsvFileError as exc:
            raise CommandError(str(exc)) from exc
        for error in report.errors:
            self.stderr.write(error)
        self.stdout.write(
            f"catalogue: {report.created} created, {report.updated} updated, "
            f"{len(report.errors)} lines in error"
        )
        if report.errors:
            raise CommandError("some lines were not imported", returncode=1)
