"""Turning the cells of one record into a Row laid out by field.

This runs once per row, up to a million times per file, so the layout is
worked out once in RowBuilder and the per-row path avoids generic helpers
that measured two or three times slower (``dict(zip(...))``, the frozen
dataclass ``__init__``).
"""

from collections.abc import Callable, Mapping, Sequence

from .headers import is_blank
from .model import FIELDS, Row

# What our own error files put in front of a value so that a spreadsheet
# program does not run it as a formula; only these pairs are undone, so a
# name such as "'t Hooft BV" keeps its apostrophe.
_ESCAPED_PREFIXES = ("'=", "'+", "'-", "'@", "'\t", "'\r")

Values = Callable[[Sequence[object]], dict[str, object]]


def unescape_formula(cell: object) -> object:
    """Undo the apostrophe our writers add before formula-like text."""
    if isinstance(cell, str) and cell.startswith(_ESCAPED_PREFIXES):
        return cell[1:]
    return cell


class RowBuilder:
    """Builds Rows for one layout: field columns and the header's width."""

    def __init__(self, columns: Mapping[str, int], width: int) -> None:
        # Fields without a column read -1: the blank that pads every row.
        self._values = _values_reader(*(columns.get(field, -1) for field in FIELDS))
        self._padding = ("",) * (max(columns.values(), default=0) + 1)
        self._width = width

    def build(self, line: int, cells: Sequence[object], empty: bool) -> Row:
        values = self._values([*cells, *self._padding])
        raw = tuple(cells) if len(cells) == self._width else self._fit(cells)
        return _new_row(line, values, empty, raw)

    def _fit(self, cells: Sequence[object]) -> tuple[object, ...]:
        """Pad or trim to the header's width unless that would lose data."""
        width = self._width
        if len(cells) < width:
            return (*cells, *("",) * (width - len(cells)))
        if all(map(is_blank, cells[width:])):
            return tuple(cells[:width])
        return tuple(cells)


def _values_reader(
    serial: int,
    product: int,
    sku: int,
    first_name: int,
    surname: int,
    company: int,
    purchase_date: int,
) -> Values:
    """Return a function mapping padded cells to a dict keyed by FIELDS."""

    def values(cells: Sequence[object]) -> dict[str, object]:
        return {
            "serial_number": cells[serial],
            "product_number": cells[product],
            "carepack_sku": cells[sku],
            "first_name": cells[first_name],
            "surname": cells[surname],
            "company": cells[company],
            "purchase_date": cells[purchase_date],
        }

    return values


_new = object.__new__


def _new_row(
    line: int, values: dict[str, object], empty: bool, raw: tuple[object, ...]
) -> Row:
    """Build a Row without the frozen dataclass's guarded ``__init__``."""
    row: Row = _new(Row)
    fields = vars(row)
    fields["line"] = line
    fields["values"] = values
    fields["empty"] = empty
    fields["raw"] = raw
    return row
