"""Writing error and report files back in the customer's own format.

A text upload gets text back in the same encoding and separator, so the
customer can fix it and upload it again; anything else gets xlsx. Values
that a spreadsheet program would run as formulas are neutralised.
"""

import csv
import datetime
import math
import os
from collections.abc import Iterable, Sequence

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from .charsets import CP1252_ERRORS
from .headers import field_for_title

# A cell starting with one of these is run as a formula (or a DDE call) by
# Excel and LibreOffice when the file is opened.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Identifiers Excel would turn into numbers, losing leading zeros.
_TEXT_FIELDS = frozenset({"serial_number", "product_number", "carepack_sku"})
_COLUMN_WIDTH = 22

Path = str | os.PathLike[str]


def escape_formula(value: object) -> object:
    """Prefix formula-like text with an apostrophe; readers undo it."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def write_text(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    encoding: str,
    delimiter: str,
) -> None:
    """Write CRLF-separated records as Excel writes them.

    ``encoding`` is the one the upload was read with: "utf-16" and
    "utf-8-sig" put a BOM first, as the original had.
    """
    errors = CP1252_ERRORS if encoding == "cp1252" else "strict"
    with open(path, "w", encoding=encoding, errors=errors, newline="") as stream:
        writer = csv.writer(stream, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(_text_cells(header))
        writer.writerows(map(_text_cells, rows))


def _text_cells(cells: Sequence[object]) -> list[object]:
    return [_text_cell(cell) for cell in cells]


def _text_cell(cell: object) -> object:
    """A cell as a spreadsheet shows it: a workbook's whole numbers come as
    floats (``2.0`` is shown ``2``), its booleans as TRUE and FALSE."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 1e15:
        return str(int(cell))
    return escape_formula(cell)


def write_xlsx(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    sheet_name: str = "Errors",
) -> None:
    """Write a workbook row by row, holding one row in memory at a time.

    Every string goes through write_string, so "=1+1" stays text; the
    identifier columns are formatted as text so that a customer typing in
    them keeps leading zeros.
    """
    workbook = xlsxwriter.Workbook(os.fspath(path), {"constant_memory": True})
    try:
        sheet = workbook.add_worksheet(sheet_name)
        styles = _Styles(workbook)
        text_columns = {
            column
            for column, title in enumerate(header)
            if field_for_title(title) in _TEXT_FIELDS
        }
        _lay_out(sheet, header, styles, text_columns)
        for row_index, cells in enumerate(rows, start=1):
            for column, value in enumerate(cells):
                style = styles.text if column in text_columns else None
                _write_cell(sheet, row_index, column, value, style, styles)
    finally:
        workbook.close()


class _Styles:
    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.bold = workbook.add_format({"bold": True})
        self.text = workbook.add_format({"num_format": "@"})
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})


def _lay_out(
    sheet: Worksheet, header: Sequence[str], styles: _Styles, text_columns: set[int]
) -> None:
    """Set widths and formats; constant_memory needs this before any row."""
    for column in range(len(header)):
        style = styles.text if column in text_columns else None
        sheet.set_column(column, column, _COLUMN_WIDTH, style)
    for column, title in enumerate(header):
        sheet.write_string(0, column, title, styles.bold)
    sheet.freeze_panes(1, 0)


def _write_cell(
    sheet: Worksheet,
    row: int,
    column: int,
    value: object,
    style: Format | None,
    styles: _Styles,
) -> None:
    if value is None or value == "":
        return
    if isinstance(value, str):
        sheet.write_string(row, column, value, style)
    elif isinstance(value, bool):
        sheet.write_boolean(row, column, value, style)
    elif isinstance(value, int | float) and math.isfinite(value):
        sheet.write_number(row, column, value, style)
    elif isinstance(value, datetime.datetime):
        sheet.write_datetime(row, column, value, styles.datetime)
    elif isinstance(value, datetime.date):
        midnight = datetime.datetime.combine(value, datetime.time())
        sheet.write_datetime(row, column, midnight, styles.date)
    else:
        sheet.write_string(row, column, str(value), style)
