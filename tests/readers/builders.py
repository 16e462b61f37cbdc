"""Making upload files for the reader tests, in a temporary directory."""

import datetime
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from carepack.readers import (
    FileRefused,
    Limits,
    RegistrationFile,
    Row,
    open_registration_file,
)

TEMPLATE_HEADER = (
    "Unit Serial Number",
    "Product Number",
    "HP CarePack Product Number",
    "Title/First name",
    "Surname",
    "Company Name",
)
BANNER = ("MANDATORY FIELD",) * 5
CLAIRE = ("5CD3301K11", "6F8K2EA#ABF", "U4417PE", "Claire", "Dubois", "Dubois SARL")
MARC = ("MXL4402P22", "9TY71EA", "U6578E", "Marc", "Roux", "Roux SA")

Cell = str | float | int | bool | datetime.date | None


def write_bytes(directory: Path, name: str, data: bytes) -> Path:
    path = directory / name
    path.write_bytes(data)
    return path


def text_file(
    directory: Path,
    records: Sequence[Sequence[str]],
    *,
    delimiter: str = ";",
    newline: str = "\r\n",
    encoding: str = "utf-8",
    name: str = "upload.csv",
) -> Path:
    """Join cells naively: tests that need quoting write the bytes by hand."""
    text = "".join(delimiter.join(cells) + newline for cells in records)
    return write_bytes(directory, name, text.encode(encoding))


def xlsx_file(
    directory: Path,
    rows: Sequence[Sequence[Cell]],
    *,
    name: str = "upload.xlsx",
    first_row: int = 0,
    first_column: int = 0,
    sheets_before: Sequence[Sequence[Sequence[Cell]]] = (),
) -> Path:
    """Write rows as Excel would store typed cells, from a given corner."""
    path = directory / name
    workbook = xlsxwriter.Workbook(str(path))
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for index, sheet_rows in enumerate([*sheets_before, rows]):
        sheet = workbook.add_worksheet(f"Sheet{index + 1}")
        offset = (first_row, first_column) if index == len(sheets_before) else (0, 0)
        for row_index, cells in enumerate(sheet_rows):
            for column, value in enumerate(cells):
                _write_cell(sheet, offset, row_index, column, value, date_format)
    workbook.close()
    return path


def _write_cell(
    sheet: Worksheet,
    offset: tuple[int, int],
    row: int,
    column: int,
    value: Cell,
    date_format: Format,
) -> None:
    row, column = row + offset[0], column + offset[1]
    if value is None:
        return
    if isinstance(value, str):
        sheet.write_string(row, column, value)
    elif isinstance(value, datetime.date):
        moment = datetime.datetime.combine(value, datetime.time())
        sheet.write_datetime(row, column, moment, date_format)
    elif isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    else:
        sheet.write_number(row, column, value)


_ODS_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)
_ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
    'manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type='
    '"application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" '
    'manifest:media-type="text/xml"/></manifest:manifest>'
)


def ods_file(directory: Path, rows: Sequence[Sequence[str | float]], name: str) -> Path:
    """Build the smallest OpenDocument spreadsheet calamine accepts."""
    body = "".join(
        "<table:table-row>" + "".join(map(_ods_cell, cells)) + "</table:table-row>"
        for cells in rows
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        f'{_ODS_NAMESPACES} office:version="1.2"><office:body><office:spreadsheet>'
        f'<table:table table:name="Serials">{body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    path = directory / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "mimetype",
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
        archive.writestr("content.xml", content)
    return path


def _ods_cell(value: str | float) -> str:
    if isinstance(value, str):
        return (
            '<table:table-cell office:value-type="string">'
            f"<text:p>{escape(value)}</text:p></table:table-cell>"
        )
    return (
        f'<table:table-cell office:value-type="float" office:value="{value}">'
        f"<text:p>{value}</text:p></table:table-cell>"
    )


DEFAULT_LIMITS = Limits()


def read_rows(path: Path, limits: Limits = DEFAULT_LIMITS) -> list[Row]:
    return list(open_registration_file(path, limits).rows())


def opened(path: Path, limits: Limits = DEFAULT_LIMITS) -> RegistrationFile:
    return open_registration_file(path, limits)


def refusal(path: Path, limits: Limits = DEFAULT_LIMITS) -> FileRefused:
    """Open a file that must be refused and return the refusal."""
    with pytest.raises(FileRefused) as refused:
        open_registration_file(path, limits)
    return refused.value


def serials(rows: Sequence[Row]) -> list[object]:
    return [row.values["serial_number"] for row in rows]


def xlsx_sheets(
    directory: Path,
    sheets: Sequence[tuple[str, Sequence[Sequence[Cell]], str]],
    *,
    name: str = "upload.xlsx",
) -> Path:
    """Write named sheets, each "visible", "active", "hidden" or "very hidden"
    (xlsxwriter's 0, 1, 2 levels of hiding)."""
    path = directory / name
    workbook = xlsxwriter.Workbook(str(path))
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    added = []
    for title, rows, state in sheets:
        sheet = workbook.add_worksheet(title)
        for row_index, cells in enumerate(rows):
            for column, value in enumerate(cells):
                _write_cell(sheet, (0, 0), row_index, column, value, date_format)
        added.append((sheet, state))
    for sheet, state in added:
        if state == "active":
            sheet.activate()
    for sheet, state in added:
        if state == "hidden":
            sheet.hide()
        elif state == "very hidden":
            sheet.very_hidden()
    workbook.close()
    return path
