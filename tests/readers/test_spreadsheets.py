"""Workbook uploads: typed cells, real row numbers, damaged files."""

import datetime
import shutil
import zipfile
from pathlib import Path

import pytest

from carepack.readers import FileRefused, Limits

from .builders import (
    BANNER,
    CLAIRE,
    MARC,
    TEMPLATE_HEADER,
    ods_file,
    opened,
    read_rows,
    serials,
    write_bytes,
    xlsx_file,
)

SAMPLE = Path(__file__).parent.parent / "fixtures" / "cases" / "volume" / "serial.xlsx"


def test_cells_keep_the_types_calamine_gives(tmp_path: Path) -> None:
    header = (*TEMPLATE_HEADER, "Hardware Purchase Date")
    cells = (12345678.0, "6F8K2EA", "U4417PE", "Claire", "Dubois", 42, None)
    bought = datetime.date(2024, 3, 1)
    path = xlsx_file(tmp_path, [header, cells, (*CLAIRE, bought)])

    first, second = read_rows(path)

    assert first.values["serial_number"] == 12345678.0
    assert isinstance(first.values["serial_number"], float)
    assert first.values["company"] == 42.0
    assert second.values["purchase_date"] == bought


def test_row_numbers_count_from_the_sheet_top_despite_empty_margins(
    tmp_path: Path,
) -> None:
    path = xlsx_file(
        tmp_path, [BANNER, TEMPLATE_HEADER, CLAIRE], first_row=3, first_column=2
    )

    registration = opened(path)
    [row] = registration.rows()

    assert registration.header_line == 5
    assert row.line == 6
    assert row.values["serial_number"] == CLAIRE[0]
    assert row.raw[:3] == ("", "", CLAIRE[0])


def test_empty_rows_between_are_yielded_and_trailing_ones_are_not(
    tmp_path: Path,
) -> None:
    rows = [TEMPLATE_HEADER, CLAIRE, (), ("  ",), MARC, (), ("",), (" ", "")]
    path = xlsx_file(tmp_path, rows)

    registration = opened(path)
    got = [(row.line, row.empty) for row in registration.rows()]

    assert got == [(2, False), (3, True), (4, True), (5, False)]
    assert registration.row_count == 4


def test_the_first_sheet_with_a_header_is_read(tmp_path: Path) -> None:
    notes = [("Read me first",), ("Fill in the next sheet",)]
    path = xlsx_file(tmp_path, [TEMPLATE_HEADER, MARC], sheets_before=[notes])

    assert serials(read_rows(path)) == [MARC[0]]


def test_without_a_header_the_first_sheet_is_read_by_position(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path, [CLAIRE, MARC])

    registration = opened(path)

    assert registration.header_line is None
    assert serials(list(registration.rows())) == [CLAIRE[0], MARC[0]]


def test_a_sheet_of_something_else_is_refused(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path, [("Quarterly figures",), ("North", 12, 14)])

    with pytest.raises(FileRefused) as refused:
        opened(path)

    assert refused.value.code == "not_a_registration_file"


def test_a_header_alone_is_refused(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path, [BANNER, TEMPLATE_HEADER, (), ("",)])

    with pytest.raises(FileRefused) as refused:
        opened(path)

    assert refused.value.code == "no_data_rows"
    assert refused.value.params == {"header_line": 2}


def test_more_data_rows_than_the_cap_are_refused(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path, [TEMPLATE_HEADER, CLAIRE, MARC, CLAIRE, (), ()])

    with pytest.raises(FileRefused) as refused:
        opened(path, Limits(max_rows=2))

    assert refused.value.code == "too_many_rows"
    assert len(read_rows(path, Limits(max_rows=3))) == 3


def test_formula_escapes_are_undone_in_spreadsheets_too(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path, [TEMPLATE_HEADER, ("'=1+1", *CLAIRE[1:5], "'t Hooft")])

    [row] = read_rows(path)

    assert (row.values["serial_number"], row.values["company"]) == ("=1+1", "'t Hooft")


def test_a_workbook_named_txt_is_still_read_as_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "serial.txt"
    shutil.copy(SAMPLE, path)

    assert opened(path).kind == "xlsx"


def test_an_ods_workbook_is_read(tmp_path: Path) -> None:
    path = ods_file(tmp_path, [TEMPLATE_HEADER, CLAIRE, (123456.0, *MARC[1:])], "u.bin")

    registration = opened(path)
    rows = list(registration.rows())

    assert registration.kind == "ods"
    assert serials(rows) == [CLAIRE[0], 123456.0]
    assert [row.line for row in rows] == [2, 3]


def test_a_truncated_xlsx_is_unreadable(tmp_path: Path) -> None:
    data = SAMPLE.read_bytes()
    path = write_bytes(tmp_path, "upload.xlsx", data[: len(data) // 2])

    with pytest.raises(FileRefused) as refused:
        opened(path)

    assert refused.value.code == "unreadable_spreadsheet"
    assert refused.value.params == {"kind": "xlsx"}


def test_an_xlsx_with_broken_xml_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "upload.xlsx"
    with zipfile.ZipFile(SAMPLE) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            target.writestr(info, data)

    with pytest.raises(FileRefused) as refused:
        opened(path)

    assert refused.value.code == "unreadable_spreadsheet"


def test_an_ole_file_calamine_cannot_read_is_an_unreadable_xls(tmp_path: Path) -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 20
    path = write_bytes(tmp_path, "upload.xls", data)

    with pytest.raises(FileRefused) as refused:
        opened(path)

    assert refused.value.code == "unreadable_spreadsheet"
    assert refused.value.params == {"kind": "xls"}
