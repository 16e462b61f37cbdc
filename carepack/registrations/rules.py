"""The rules for registering a Care Pack on a unit, shared by every face.

The portal form, the volume line check and the CLI all call ``check_line``
(is the line itself valid?) and ``decide`` (what does it mean for this
order, given what is already registered?). Neither touches the database:
callers load what they need, one line or a whole chunk at a time.
"""

import datetime
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from carepack.catalog.models import CarePackProduct, HardwareProduct
from carepack.catalog.normalize import (
    normalize_product_number,
    normalize_serial,
    normalize_sku,
)

MAX_LENGTHS = {
    "serial_number": 40,
    "product_number": 40,
    "carepack_sku": 40,
    "first_name": 100,
    "surname": 100,
    "company": 200,
    "contact_email": 254,
}
FIELDS_WITH_NAMES = ("first_name", "surname", "company")
EARLIEST_PURCHASE = datetime.date(1990, 1, 1)
# A number as a spreadsheet writes it, with a decimal point or, in French
# and other locales, a decimal comma: 1.23457E+11, 1,23457E+11, 123.0.
# A number as a spreadsheet writes it: with decimals (123.0, 123,0), or in
# scientific form with one digit before the point and a signed exponent
# (1.23457E+11, 1E+11). 123E4567 is a serial number, not a number.
_NUMERIC_SERIAL = re.compile(r"^(\d+[.,]\d+|\d([.,]\d+)?[eE][+-]\d+)$")
_WHOLE_NUMBER = re.compile(r"(\d+)[.,]0+")


class Field(StrEnum):
    SERIAL = "serial_number"
    PRODUCT = "product_number"
    CAREPACK = "carepack_sku"
    FIRST_NAME = "first_name"
    SURNAME = "surname"
    COMPANY = "company"
    EMAIL = "contact_email"
    PURCHASE_DATE = "purchase_date"
    LINE = "line"


@dataclass(frozen=True)
class LineError:
    field: str
    code: str
    message: str


@dataclass
class Line:
    """What a person asked for, as typed (strings trimmed by nobody yet)."""

    serial_number: str
    product_number: str
    carepack_sku: str
    first_name: str
    surname: str
    company: str
    contact_email: str
    purchase_date: datetime.date | None = None
    # The serial number came from a spreadsheet's number cell: its text
    # keeps a decimal point so that the serial check refuses it.
    serial_was_number: bool = False


@dataclass
class CheckedLine:
    """A line after the checks that need no order: normalised values, the
    catalogue objects it names, and every error found."""

    line: Line
    serial_number: str = ""
    product_number: str = ""
    sku: str = ""
    product: CarePackProduct | None = None
    hardware: HardwareProduct | None = None
    errors: list[LineError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def identity(self) -> tuple[str, ...]:
        line = self.line
        return identity(
            self.serial_number,
            self.product_number,
            self.sku,
            line.first_name,
            line.surname,
            line.company,
            date_text(line.purchase_date),
        )


def identity(
    serial_number: str,
    product_number: str,
    sku: str,
    first_name: str,
    surname: str,
    company: str,
    purchase_date: str,
) -> tuple[str, ...]:
    """What makes two lines, or a line and a registration, the same
    registration: the identifiers as normalised (trimmed, upper case, no
    ``#`` option), the names trimmed and case folded, the purchase date as
    text ("" when none)."""
    return (
        serial_number,
        product_number,
        sku,
        fold(first_name),
        fold(surname),
        fold(company),
        purchase_date,
    )


def date_text(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


def fold(value: str) -> str:
    return " ".join(value.split()).casefold()


class Catalog:
    """The catalogue in memory: a few thousand products, loaded once per
    request or per batch so that checking a line costs no query."""

    def __init__(
        self,
        products: Iterable[CarePackProduct],
        hardware: Iterable[HardwareProduct],
    ) -> None:
        self.products = {p.sku: p for p in products}
        self.hardware = {h.product_number: h for h in hardware}

    @classmethod
    def load(cls) -> "Catalog":
        return cls(CarePackProduct.objects.all(), HardwareProduct.objects.all())


def _has_control_characters(value: str) -> bool:
    # Nearly every value is printable: answer that case without looking at
    # each character (this runs for every cell of a million-line file).
    if value.isprintable():
        return False
    return any(unicodedata.category(ch)[0] == "C" for ch in value)


def _check_text(name: str, value: str, errors: list[LineError]) -> str:
    value = value.strip()
    if len(value) > MAX_LENGTHS[name]:
        errors.append(
            LineError(
                name,
                "too_long",
                _("At most %(limit)s characters (this one has %(length)s).")
                % {"limit": MAX_LENGTHS[name], "length": len(value)},
            )
        )
    elif _has_control_characters(value):
        errors.append(
            LineError(
                name,
                "control_characters",
                _("Line breaks, tabs and control characters are not allowed here."),
            )
        )
    return value


def _required(name: str, value: str, errors: list[LineError]) -> bool:
    if value:
        return True
    errors.append(LineError(name, "required", _("This field is required.")))
    return False


def check_serial(
    value: str, errors: list[LineError], *, from_number: bool = False
) -> str:
    """The normalised serial number; its errors are added to ``errors``.
    ``from_number``: the value is a spreadsheet number cell's, quoted in the
    message as the cell shows it (``123456789012``, not ``123456789012.0``).
    """
    serial = normalize_serial(value)
    if not _required(Field.SERIAL, serial, errors):
        return serial
    if _NUMERIC_SERIAL.match(serial) and not serial.isdigit():
        errors.append(
            LineError(
                Field.SERIAL,
                "serial_became_number",
                _(
                    "“%(value)s” looks like a number as a spreadsheet writes it, not a "
                    "serial number: digits or leading zeros may have been lost. "
                    "Type the serial number as printed on the unit; in a "
                    "spreadsheet, format the serial column as Text first."
                )
                % {"value": _as_shown(value.strip(), from_number)},
            )
        )
    elif not re.fullmatch(settings.CAREPACK_SERIAL_PATTERN, serial):
        errors.append(
            LineError(
                Field.SERIAL,
                "serial_invalid",
                _(
                    "“%(value)s” is not a valid serial number: use letters and "
                    "digits only, 5 to 20 characters, as printed on the unit."
                )
                % {"value": value.strip()[:40]},
            )
        )
    return serial


def _as_shown(value: str, from_number: bool) -> str:
    if from_number and value.endswith(".0"):
        return value[:-2]
    return value


def whole_number_text(value: str) -> str:
    """``12345.0`` or ``12345,0`` -> ``12345``.

    A spreadsheet writes a whole number in a text file that way, or keeps it
    so in a text cell: in the product and Care Pack columns such a number is
    read without its decimals. Not in the serial column, where the lost
    digits cannot be known (``check_serial`` says so).
    """
    if "." not in value and "," not in value:
        return value
    whole = _WHOLE_NUMBER.fullmatch(value.strip())
    return whole.group(1) if whole else value


def _check_product(
    value: str, catalog: Catalog, errors: list[LineError]
) -> tuple[str, HardwareProduct | None]:
    number = normalize_product_number(whole_number_text(value))
    if not _required(Field.PRODUCT, number, errors):
        return number, None
    hardware = catalog.hardware.get(number)
    if hardware is None:
        errors.append(
            LineError(
                Field.PRODUCT,
                "unknown_product",
                _(
                    "Product number “%(value)s” is not in the catalogue. Check it "
                    "on the unit's label (for example 2Y2D5EA or 2Y2D5EA#ABF)."
                )
                % {"value": value.strip()[:40]},
            )
        )
    return number, hardware


def _check_carepack(
    value: str,
    catalog: Catalog,
    order_skus: Mapping[str, int],
    errors: list[LineError],
) -> tuple[str, CarePackProduct | None]:
    sku = normalize_sku(whole_number_text(value))
    if not _required(Field.CAREPACK, sku, errors):
        return sku, None
    if sku not in order_skus:
        errors.append(
            LineError(
                Field.CAREPACK,
                "not_on_order",
                _("Care Pack “%(value)s” is not part of this order.")
                % {"value": value.strip()[:40]},
            )
        )
        return sku, None
    return sku, catalog.products.get(sku)


def _check_fit(checked: CheckedLine) -> None:
    if checked.product is None or checked.hardware is None:
        return
    if checked.product.fits(checked.hardware.category):
        return
    checked.errors.append(
        LineError(
            Field.CAREPACK,
            "category_mismatch",
            _(
                "Care Pack %(sku)s is for %(allowed)s; product %(product)s is a "
                "%(category)s. Choose a Care Pack made for this product."
            )
            % {
                "sku": checked.sku,
                "allowed": ", ".join(checked.product.categories),
                "product": checked.product_number,
                "category": checked.hardware.category,
            },
        )
    )


@functools.lru_cache(maxsize=1024)
def _sendable_email(value: str) -> bool:
    """Cached: a volume file gives every line the same reply address."""
    if not value.rsplit("@", 1)[0].isascii():
        return False
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _check_email(value: str, errors: list[LineError]) -> None:
    if not _required(Field.EMAIL, value, errors):
        return
    if not _sendable_email(value):
        errors.append(
            LineError(
                Field.EMAIL,
                "invalid_email",
                _("Enter a valid e-mail address (letters before @ in ASCII)."),
            )
        )


def check_line(
    line: Line,
    catalog: Catalog,
    order_skus: Mapping[str, int],
    *,
    require_purchase_date: bool,
) -> CheckedLine:
    """Every check that needs only the line, the catalogue and the order's
    SKUs. ``order_skus`` maps each SKU on the order to its quantity."""
    errors: list[LineError] = []
    checked = CheckedLine(line, errors=errors)
    for name in MAX_LENGTHS:
        setattr(line, name, _check_text(name, getattr(line, name), errors))
    if any(e.field == Field.SERIAL for e in errors):
        checked.serial_number = normalize_serial(line.serial_number)
    else:
        checked.serial_number = check_serial(
            line.serial_number, errors, from_number=line.serial_was_number
        )
    checked.product_number, checked.hardware = _check_product(
        line.product_number, catalog, errors
    )
    checked.sku, checked.product = _check_carepack(
        line.carepack_sku, catalog, order_skus, errors
    )
    _required(Field.FIRST_NAME, line.first_name, errors)
    _required(Field.SURNAME, line.surname, errors)
    _check_email(line.contact_email, errors)
    if require_purchase_date and line.purchase_date is None:
        _required(Field.PURCHASE_DATE, "", errors)
    if line.purchase_date and line.purchase_date < EARLIEST_PURCHASE:
        errors.append(
            LineError(
                Field.PURCHASE_DATE,
                "too_old",
                _("The purchase date must be in %(year)s or later.")
                % {"year": EARLIEST_PURCHASE.year},
            )
        )
    if line.purchase_date and line.purchase_date > datetime.date.today():
        errors.append(
            LineError(
                Field.PURCHASE_DATE,
                "future_date",
                _("The purchase date cannot be in the future."),
            )
        )
    _check_fit(checked)
    return checked


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Coverage:
    start: datetime.date | None
    end: datetime.date | None

    @property
    def confirmed(self) -> bool:
        return self.start is not None


def compute_coverage(
    product: CarePackProduct,
    hardware: HardwareProduct,
    purchase_date: datetime.date | None,
    previous_end: datetime.date | None = None,
) -> Coverage:
    """A standard pack covers from the purchase date; a post-warranty pack
    from the end of the base warranty, or from the end of the unit's
    previous post-warranty coverage when that is later. Without a purchase
    date nothing is invented: the coverage is to be confirmed."""
    if purchase_date is None:
        return Coverage(None, None)
    start = purchase_date
    if product.post_warranty:
        start = add_months(purchase_date, hardware.base_warranty_months)
        if previous_end is not None:
            start = max(start, previous_end + datetime.timedelta(days=1))
    end = add_months(start, product.coverage_months) - datetime.timedelta(days=1)
    return Coverage(start, end)


class Verdict(StrEnum):
    REGISTER = "register"
    ALREADY_REGISTERED = "already_registered"
    ERROR = "error"


@dataclass
class Decision:
    verdict: Verdict
    errors: list[LineError] = field(default_factory=list)
    coverage: Coverage = Coverage(None, None)
    existing_id: int | None = None
    # A repeat of a registration made without a purchase date, giving one:
    # the registration takes the date and the coverage it sets.
    completes_date: bool = False


@dataclass(frozen=True)
class Existing:
    """What a decision needs to know of a registration already made."""

    id: int
    order_id: int
    sku: str
    post_warranty: bool
    identity: tuple[str, ...]
    coverage_end: datetime.date | None


def decide(
    checked: CheckedLine,
    order_id: int,
    same_serial: Sequence[Existing],
) -> Decision:
    """What a valid line means given the active registrations of the same
    serial number: a new registration, an exact repeat, or a conflict."""
    if not checked.ok:
        return Decision(Verdict.ERROR, checked.errors)
    assert checked.product is not None and checked.hardware is not None

    previous_end = None
    imposed = None
    # Nearly every serial number of a large file is new: nothing to compare.
    if same_serial:
        imposed = _against_existing(checked, order_id, same_serial)
        if imposed is not None and not imposed.completes_date:
            return imposed
        previous_end = max(
            (
                e.coverage_end
                for e in same_serial
                if e.post_warranty
                and e.coverage_end
                and (imposed is None or e.id != imposed.existing_id)
            ),
            default=None,
        )
    coverage = compute_coverage(
        checked.product, checked.hardware, checked.line.purchase_date, previous_end
    )
    if coverage.end is not None and coverage.end < datetime.date.today():
        return Decision(Verdict.ERROR, [_coverage_ended(checked, coverage.end)])
    if imposed is not None:
        imposed.coverage = coverage
        return imposed
    return Decision(Verdict.REGISTER, coverage=coverage)


def _against_existing(
    checked: CheckedLine, order_id: int, same_serial: Sequence[Existing]
) -> Decision | None:
    """The decision the registrations of the same serial number impose, if
    any: a repeat, or a conflict with one of them."""
    assert checked.product is not None
    same_sku = [e for e in same_serial if e.sku == checked.sku]
    in_order = next((e for e in same_sku if e.order_id == order_id), None)
    if in_order is not None:
        return _repeat_or_conflict(checked, in_order)

    other_machine = next(
        (e for e in same_serial if e.identity[1] != checked.product_number), None
    )
    if other_machine is not None:
        return Decision(Verdict.ERROR, [_other_machine(checked, other_machine)])

    earlier = [e for e in same_sku if e.order_id != order_id]
    if earlier and not checked.product.post_warranty:
        return Decision(Verdict.ERROR, [_already_covered(checked, earlier[0])])
    return None


def _other_machine(checked: CheckedLine, existing: Existing) -> LineError:
    return LineError(
        Field.PRODUCT,
        "serial_on_other_product",
        _(
            "Serial number %(serial)s is already registered on product "
            "%(other)s, not %(product)s. Check the serial number and the "
            "product number on the unit's label."
        )
        % {
            "serial": checked.serial_number,
            "other": existing.identity[1],
            "product": checked.product_number,
        },
    )


def _coverage_ended(checked: CheckedLine, end: datetime.date) -> LineError:
    return LineError(
        Field.PURCHASE_DATE,
        "coverage_ended",
        _(
            "With this purchase date, Care Pack %(sku)s would have covered the "
            "unit only until %(end)s. Check the purchase date; a Care Pack "
            "cannot be registered once its coverage is over."
        )
        % {"sku": checked.sku, "end": end.isoformat()},
    )


def _repeat_or_conflict(checked: CheckedLine, existing: Existing) -> Decision:
    mine = checked.identity()
    theirs = existing.identity
    # A purchase date given on one side only does not make the details
    # differ: volume files may leave it out.
    same_date = mine[-1] == theirs[-1] or not mine[-1] or not theirs[-1]
    if mine[:-1] == theirs[:-1] and same_date:
        return Decision(
            Verdict.ALREADY_REGISTERED,
            existing_id=existing.id,
            # Not a registration of this very form or chunk (id 0): those
            # were both compared over the whole file or form already.
            completes_date=bool(mine[-1]) and not theirs[-1] and existing.id > 0,
        )
    return Decision(
        Verdict.ERROR,
        [
            LineError(
                Field.SERIAL,
                "registered_with_other_details",
                _(
                    "Care Pack %(sku)s is already registered on serial number "
                    "%(serial)s in this order, with other details. Contact "
                    "support to correct a registration."
                )
                % {"sku": checked.sku, "serial": checked.serial_number},
            )
        ],
    )


def _already_covered(checked: CheckedLine, earlier: Existing) -> LineError:
    return LineError(
        Field.SERIAL,
        "already_covered",
        _(
            "Serial number %(serial)s is already covered by Care Pack %(sku)s "
            "from another order. A standard Care Pack cannot be registered "
            "twice on the same unit; only post-warranty packs can be renewed."
        )
        % {"serial": checked.serial_number, "sku": checked.sku},
    )


def no_unit_left(sku: str) -> LineError:
    return LineError(
        Field.CAREPACK,
        "no_unit_left",
        _("No unregistered %(sku)s Care Pack is left on this order.") % {"sku": sku},
    )
