"""Reading the optional hardware purchase date, whatever the cell holds.

Spreadsheet cells arrive as dates or, when the cell was formatted as a
number, as a serial day count; text files hold the customer's own spelling.
A date that could be read two ways is refused rather than guessed: a wrong
purchase date silently changes the coverage the customer pays for.
"""

import datetime
import re

# Excel counts days from 1899-12-30 (its 1900 leap-year bug included).
_SERIAL_EPOCH = datetime.date(1899, 12, 30)
# 20000 is 1954-10-03 and 80000 is 2119-01-11: outside, a number in this
# column is far more likely a typo or a serial number than a date.
_SERIAL_RANGE = (20_000, 80_000)
# Year first is read year-month-day whatever the separator (2026-03-15,
# 2026/03/15, 2026.03.15): no country writes year-day-month.
_ISO = re.compile(
    r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?",
    re.ASCII,
)
_NUMERIC = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d+)", re.ASCII)


class DateError(ValueError):
    """A purchase date that cannot be accepted; ``code`` says why."""

    code = "invalid_date"


class InvalidDate(DateError):
    code = "invalid_date"


class AmbiguousDate(DateError):
    code = "ambiguous_date"


def parse_purchase_date(value: object, language: str) -> datetime.date:
    """Return the date a cell means, in the uploader's language.

    French (and every language but English) writes the day first. English
    is shared by day-first and month-first countries, so in English a date
    whose day and month could be swapped is ambiguous.
    """
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(value)
    if isinstance(value, str):
        return _from_text(value.strip(), language)
    raise InvalidDate(value)


def _from_serial(value: float) -> datetime.date:
    low, high = _SERIAL_RANGE
    if not low <= value <= high:
        raise InvalidDate(value)
    return _SERIAL_EPOCH + datetime.timedelta(days=int(value))


def _from_text(text: str, language: str) -> datetime.date:
    if iso := _ISO.fullmatch(text):
        year, _, month, day = iso.groups()
        return _make(int(year), int(month), int(day), text)
    numeric = _NUMERIC.fullmatch(text)
    if numeric is None:
        raise InvalidDate(text)

    first, _, second, year_text = numeric.groups()
    if len(year_text) == 2:
        raise AmbiguousDate(text)
    if len(year_text) != 4:
        raise InvalidDate(text)
    day, month = _day_and_month(int(first), int(second), language, text)
    return _make(int(year_text), month, day, text)


def _day_and_month(
    first: int, second: int, language: str, text: str
) -> tuple[int, int]:
    if not language.lower().startswith("en"):
        return first, second
    if first > 12 >= second:
        return first, second
    if second > 12 >= first:
        return second, first
    if first == second:
        return first, second
    if first > 12 and second > 12:
        raise InvalidDate(text)
    raise AmbiguousDate(text)


def _make(year: int, month: int, day: int, text: str) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise InvalidDate(text) from None
