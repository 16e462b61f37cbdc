"""Workbooks are vetted before calamine inflates them."""

import struct
import zipfile
from pathlib import Path

import pytest

from carepack.readers import FileRefused, Limits, open_registration_file

from .builders import refusal

SAMPLE = Path(__file__).parent.parent / "fixtures" / "cases" / "volume" / "serial.xlsx"
SHEET = "xl/worksheets/sheet1.xml"


def workbook_zip(path: Path, sheet: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr(SHEET, sheet)
    return path


def test_an_entry_inflating_far_beyond_its_size_is_a_bomb(tmp_path: Path) -> None:
    path = workbook_zip(tmp_path / "bomb.xlsx", bytes(20_000_000))
    assert path.stat().st_size < 100_000

    refused = refusal(path)

    assert refused.code == "zip_bomb"
    assert refused.params == {"kind": "xlsx", "reason": "ratio"}


def test_too_much_inflated_data_in_total_is_a_bomb(tmp_path: Path) -> None:
    refused = refusal(SAMPLE, Limits(max_uncompressed_bytes=10_000))

    assert refused.params == {"kind": "xlsx", "reason": "size"}


def test_too_many_entries_is_a_bomb(tmp_path: Path) -> None:
    refused = refusal(SAMPLE, Limits(max_zip_entries=5))

    assert refused.params == {"kind": "xlsx", "reason": "entries"}


def test_an_entry_lying_about_its_size_is_caught_by_inflating_it(
    tmp_path: Path,
) -> None:
    path = workbook_zip(tmp_path / "liar.xlsx", b"<row><c>1</c></row>" * 150_000)
    declare_size(path, SHEET, 500_000)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo(SHEET).file_size == 500_000

    refused = refusal(path)

    assert refused.params == {"kind": "xlsx", "reason": "size"}


def test_a_zip_that_is_no_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "upload.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")

    refused = refusal(path)

    assert refused.code == "not_a_registration_file"
    assert refused.params == {"detected": "zip"}


def test_an_encrypted_entry_is_unreadable(tmp_path: Path) -> None:
    path = workbook_zip(tmp_path / "locked.xlsx", b"<worksheet/>")
    data = bytearray(path.read_bytes())
    for offset, flag_at in (
        (data.find(b"PK\x03\x04"), 6),
        (data.find(b"PK\x01\x02"), 8),
    ):
        struct.pack_into("<H", data, offset + flag_at, 1)
    path.write_bytes(bytes(data))

    refused = refusal(path)

    assert refused.code == "unreadable_spreadsheet"


def declare_size(path: Path, name: str, size: int) -> None:
    """Rewrite the inflated size an entry claims, in both of its headers."""
    data = bytearray(path.read_bytes())
    # (signature, offset of the name length, of the name, of the size)
    for signature, length_at, name_at, size_at in (
        (b"PK\x03\x04", 26, 30, 22),
        (b"PK\x01\x02", 28, 46, 24),
    ):
        start = data.find(signature)
        while start >= 0:
            length = struct.unpack_from("<H", data, start + length_at)[0]
            if data[start + name_at : start + name_at + length] == name.encode():
                struct.pack_into("<L", data, start + size_at, size)
            start = data.find(signature, start + 4)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("row", "column"), [(100_000, 1000), (1_048_575, 0), (1000, 16_383)]
)
def test_a_far_away_cell_is_refused_before_calamine(
    tmp_path: Path, row: int, column: int
) -> None:
    import xlsxwriter

    path = tmp_path / "sparse.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(
        0, 0, ["Unit Serial Number", "Product Number", "HP CarePack Product Number"]
    )
    sheet.write_row(1, 0, ["5CD3301K11", "6F8K2EA", "U4417PE"])
    sheet.write_string(row, column, "x")
    book.close()

    with pytest.raises(FileRefused) as refused:
        open_registration_file(path, Limits(max_sheet_cells=1_000_000))

    assert (refused.value.code, refused.value.params["reason"]) == (
        "zip_bomb",
        "extent",
    )


def test_a_sheet_within_the_cell_bound_opens(tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "wide.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(
        0, 0, ["Unit Serial Number", "Product Number", "HP CarePack Product Number"]
    )
    sheet.write_row(1, 0, ["5CD3301K11", "6F8K2EA", "U4417PE"])
    sheet.write_string(99, 99, "x")
    book.close()

    registration = open_registration_file(path, Limits(max_sheet_cells=10_000))

    assert registration.row_count >= 1
