"""Loading the vendor's catalogue from CSV files; safe to run again."""

import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from carepack.catalog.models import CarePackProduct, HardwareProduct
from carepack.catalog.normalize import (
    normalize_category,
    normalize_product_number,
    normalize_sku,
)
from carepack.core.csvfiles import read_csv

logger = logging.getLogger(__name__)

CAREPACK_COLUMNS = (
    "sku",
    "description",
    "service_level",
    "coverage_months",
    "post_warranty",
    "categories",
)
HARDWARE_COLUMNS = ("product_number", "description", "category", "base_warranty_months")
_YES = {"yes", "y", "true", "1", "oui"}
_NO = {"no", "n", "false", "0", "non"}


class LineError(ValueError):
    pass


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def _months(value: str, column: str) -> int:
    if not value.isdigit() or not 0 < int(value) <= 240:
        raise LineError(
            _(
                "%(column)s must be a whole number of months from 1 to 240, "
                "not “%(value)s”"
            )
            % {"column": column, "value": value}
        )
    return int(value)


def _yes_no(value: str) -> bool:
    if value.lower() in _YES:
        return True
    if value.lower() in _NO:
        return False
    raise LineError(
        _("post_warranty must be yes or no, not “%(value)s”") % {"value": value}
    )


def _required(row: dict[str, str], columns: tuple[str, ...]) -> None:
    empty = [name for name in columns if not row.get(name)]
    if empty:
        raise LineError(
            _("empty required column: %(columns)s") % {"columns": ", ".join(empty)}
        )


def _lengths(row: dict[str, str], limits: dict[str, int]) -> None:
    for column, limit in limits.items():
        if len(row.get(column, "")) > limit:
            raise LineError(
                _("%(column)s: at most %(limit)s characters")
                % {"column": column, "limit": limit}
            )


def _carepack_fields(row: dict[str, str]) -> tuple[str, dict[str, object]]:
    _lengths(
        row,
        {"sku": 40, "description": 200, "service_level": 200, "categories": 400},
    )
    _required(
        row, ("sku", "description", "coverage_months", "post_warranty", "categories")
    )
    categories = sorted(
        {normalize_category(c) for c in row["categories"].split("|") if c.strip()}
    )
    return normalize_sku(row["sku"]), {
        "description": row["description"],
        "service_level": row.get("service_level", ""),
        "coverage_months": _months(row["coverage_months"], "coverage_months"),
        "post_warranty": _yes_no(row["post_warranty"]),
        "categories": categories,
    }


def _hardware_fields(row: dict[str, str]) -> tuple[str, dict[str, object]]:
    _lengths(row, {"product_number": 40, "description": 200, "category": 40})
    _required(row, HARDWARE_COLUMNS)
    return normalize_product_number(row["product_number"]), {
        "description": row["description"],
        "category": normalize_category(row["category"]),
        "base_warranty_months": _months(
            row["base_warranty_months"], "base_warranty_months"
        ),
    }


def import_carepacks(path: str | Path, report: ImportReport) -> None:
    for line, row in read_csv(path, CAREPACK_COLUMNS):
        try:
            sku, fields = _carepack_fields(row)
        except LineError as exc:
            report.errors.append(f"{path}:{line}: {exc}")
            continue
        _, created = CarePackProduct.objects.update_or_create(sku=sku, defaults=fields)
        report.created += created
        report.updated += not created


def import_hardware(path: str | Path, report: ImportReport) -> None:
    for line, row in read_csv(path, HARDWARE_COLUMNS):
        try:
            number, fields = _hardware_fields(row)
        except LineError as exc:
            report.errors.append(f"{path}:{line}: {exc}")
            continue
        _, created = HardwareProduct.objects.update_or_create(
            product_number=number, defaults=fields
        )
        report.created += created
        report.updated += not created


def import_catalog(carepacks: str | Path, hardware: str | Path) -> ImportReport:
    """Create or update every good line; report each bad one."""
    report = ImportReport()
    with transaction.atomic():
        import_carepacks(carepacks, report)
        import_hardware(hardware, report)
    logger.info(
        "catalog imported created=%s updated=%s errors=%s",
        report.created,
        report.updated,
        len(report.errors),
    )
    return report
