"""From the cells of a file row to the Line every face checks.

Spreadsheets hand over typed cells: a number in the serial column must stay
recognisable as a number so that ``check_line`` can say the spreadsheet
changed it, while a whole number in the product or SKU column is simply
read without its ``.0`` (a number cell here, a text cell in ``check_line``
through ``whole_number_text``).
"""

import datetime
import re
from collections.abc import Mapping

from django.utils.translation import gettext as _

from carepack.readers.dates import DateError, parse_purchase_date
from carepack.registrations.rules import (
    Field,
    Line,
    LineError,
    date_text,
    fold,
    whole_number_text,
)

# Distinct purchase-date cells remembered by ``LineMaker.date_key``.
_DATE_KEYS = 10_000


def serial_text(value: object) -> str:
    """A number keeps a decimal point or exponent, so the serial check
    reports that a spreadsheet turned the serial number into a number."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(float(value))
    return cell_text(value)


def code_text(value: object) -> str:
    """A product number or SKU cell as ``check_line`` reads it."""
    return whole_number_text(cell_text(value))


def cell_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)


# Line breaks typed inside a cell (Alt+Enter), with the spaces around them.
_LINE_BREAK = re.compile(r"[ \t]*(?:\r\n|\r|\n)[ \t]*")


def name_text(value: object) -> str:
    """A name or company written over several lines of one cell, as one
    line: a registration holds no line break (the rules refuse them), and
    the person meant one name."""
    return _LINE_BREAK.sub(" ", cell_text(value))


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class LineMaker:
    """Builds Lines for one batch: its language and its contact address."""

    def __init__(self, *, language: str, contact_email: str) -> None:
        self.language = language
        self.contact_email = contact_email
        # Purchase dates as compared between lines, by cell: a file holds
        # few distinct dates, each read once.
        self._date_keys: dict[object, str] = {}

    def make(self, values: Mapping[str, object]) -> tuple[Line, LineError | None]:
        """The line, and the purchase date's error if it cannot be read."""
        purchase_date, date_error = self.purchase_date(values["purchase_date"])
        serial = values["serial_number"]
        line = Line(
            serial_number=serial_text(serial),
            product_number=cell_text(values["product_number"]),
            carepack_sku=cell_text(values["carepack_sku"]),
            first_name=name_text(values["first_name"]),
            surname=name_text(values["surname"]),
            company=name_text(values["company"]),
            contact_email=self.contact_email,
            purchase_date=purchase_date,
            serial_was_number=isinstance(serial, int | float)
            and not isinstance(serial, bool),
        )
        return line, date_error

    def purchase_date(
        self, value: object
    ) -> tuple[datetime.date | None, LineError | None]:
        if _is_blank(value):
            return None, None
        try:
            return parse_purchase_date(value, self.language), None
        except DateError as error:
            return None, date_error(error.code, cell_text(value))

    def date_key(self, value: object) -> str:
        """The purchase date as two lines are compared: the date itself
        however it is written, or the cell's text when it is not a date (a
        line with an unreadable date is not the same as one without)."""
        key = self._date_keys.get(value)
        if key is None:
            if len(self._date_keys) > _DATE_KEYS:
                self._date_keys.clear()
            date, error = self.purchase_date(value)
            key = date_text(date) if error is None else "?" + fold(cell_text(value))
            self._date_keys[value] = key
        return key


def date_error(code: str, value: str) -> LineError:
    if code == "ambiguous_date":
        message = _(
            "“%(value)s” could be read as two different dates. Write the "
            "purchase date as year-month-day, for example 2026-03-15."
        )
    else:
        message = _(
            "“%(value)s” is not a date. Write the purchase date as "
            "year-month-day (2026-03-15), or format the column as Date."
        )
    return LineError(Field.PURCHASE_DATE, code, message % {"value": value[:40]})
