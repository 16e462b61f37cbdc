"""Error files written back read again as the values that went in."""

import codecs
import datetime
import re
import zipfile
from pathlib import Path

import pytest
import python_calamine

from carepack.readers.writers import escape_formula, write_text, write_xlsx

from .builders import TEMPLATE_HEADER, opened

HEADER = (*TEMPLATE_HEADER, "Error")
TRICKY = (
    "5CD3301K11",
    "=1+1",
    "U4417PE",
    "'t Hooft",
    'Roux; "fils"',
    "line\r\nbreak, with comma",
    "-5 @x +y",
)


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+33 1", "'+33 1"),
        ("-5", "'-5"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'t Hooft", "'t Hooft"),
        ("Dubois", "Dubois"),
        ("", ""),
        (-5.0, -5.0),
        (None, None),
    ],
)
def test_formula_like_text_gets_an_apostrophe(value: object, escaped: object) -> None:
    assert escape_formula(value) == escaped


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "utf-8", "cp1252"])
@pytest.mark.parametrize("delimiter", ["\t", ";", ","])
def test_a_text_error_file_reads_back_as_written(
    tmp_path: Path, encoding: str, delimiter: str
) -> None:
    path = tmp_path / "errors.txt"
    rows = [TRICKY, ("MXL4402P22", "9TY71EA", "U6578E", "Björn", "Roux", "", "")]

    write_text(path, HEADER, rows, encoding=encoding, delimiter=delimiter)
    registration = opened(path)

    assert registration.encoding == encoding
    assert registration.delimiter == delimiter
    assert registration.header == HEADER
    assert [row.raw for row in registration.rows()] == rows


def test_workbook_cells_in_a_text_file_read_as_a_spreadsheet_shows_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "report.csv"
    cells = [2.0, 2.5, True, False, 123456789012.0, None, "=1+1"]

    write_text(path, list("abcdefg"), [cells], encoding="utf-8", delimiter=",")

    line = path.read_text(encoding="utf-8").splitlines()[1]
    assert line == "2,2.5,TRUE,FALSE,123456789012,,'=1+1"


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-16", codecs.BOM_UTF16_LE), ("utf-8-sig", codecs.BOM_UTF8), ("utf-8", b"")],
)
def test_a_text_error_file_has_the_upload_bom_and_crlf(
    tmp_path: Path, encoding: str, bom: bytes
) -> None:
    path = tmp_path / "errors.txt"

    write_text(path, ["a", "b"], [["c", "d"]], encoding=encoding, delimiter="\t")

    data = path.read_bytes()
    assert data.startswith(bom)
    assert data[len(bom) :].decode(encoding.replace("-sig", "")) == "a\tb\r\nc\td\r\n"


def test_characters_windows_1252_lacks_become_question_marks(tmp_path: Path) -> None:
    path = tmp_path / "errors.csv"

    write_text(path, ["a"], [["Ωmega \x81"]], encoding="cp1252", delimiter=";")

    assert path.read_bytes() == b"a\r\n?mega \x81\r\n"


def test_an_xlsx_error_file_reads_back_with_types(tmp_path: Path) -> None:
    path = tmp_path / "errors.xlsx"
    bought = datetime.date(2024, 3, 1)
    rows = [(*TRICKY, bought), ("007", 12.5, True, None, "", "x", "y", "z")]

    write_xlsx(path, (*HEADER, "Hardware Purchase Date"), rows)
    with python_calamine.CalamineWorkbook.from_path(str(path)) as book:
        sheet = book.get_sheet_by_index(0)
        assert book.sheet_names == ["Errors"]
        got = sheet.to_python(skip_empty_area=False)

    assert got[0] == [*HEADER, "Hardware Purchase Date"]
    assert got[1] == [*TRICKY, bought]
    assert got[2] == ["007", 12.5, True, "", "", "x", "y", "z"]


def test_an_xlsx_error_file_holds_no_formula_and_formats_identifiers_as_text(
    tmp_path: Path,
) -> None:
    path = tmp_path / "errors.xlsx"

    write_xlsx(path, HEADER, [TRICKY])
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        styles = archive.read("xl/styles.xml").decode()

    assert "<f>" not in sheet
    assert 'pane ySplit="1"' in sheet
    assert [
        number_format(sheet, styles, cell) for cell in ("A2", "B2", "C2", "D2")
    ] == [
        "@",
        "@",
        "@",
        None,
    ]
    assert number_format(sheet, styles, "A1") is None
    assert "<b/>" in styles


def number_format(sheet: str, styles: str, cell: str) -> str | None:
    """Return the custom number format a cell is styled with, if any."""
    style = re.search(rf'<c r="{cell}"(?: s="(\d+)")?', sheet)
    assert style is not None
    if style.group(1) is None:
        return None
    cell_formats = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", styles)
    assert cell_formats is not None
    xf = re.findall(r"<xf [^>]*>", cell_formats.group(1))[int(style.group(1))]
    number = re.search(r'numFmtId="(\d+)"', xf)
    assert number is not None
    code = re.search(rf'numFmtId="{number.group(1)}" formatCode="([^"]*)"', styles)
    return code.group(1) if code else None


def test_an_xlsx_error_file_reads_back_as_a_registration_file(tmp_path: Path) -> None:
    path = tmp_path / "errors.xlsx"

    write_xlsx(path, HEADER, [TRICKY])
    registration = opened(path)
    [row] = registration.rows()

    assert registration.header == HEADER
    assert row.raw == TRICKY
    assert row.values["product_number"] == "=1+1"
