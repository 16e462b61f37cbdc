"""Which sheet of a workbook is read: visible ones only, and never one of
several that hold lines."""

import re
import zipfile
from pathlib import Path

import pytest

from .builders import (
    BANNER,
    CLAIRE,
    MARC,
    TEMPLATE_HEADER,
    opened,
    read_rows,
    refusal,
    serials,
    xlsx_sheets,
)

OLD = ("OLD0000001", "6F8K2EA", "U4417PE", "Old", "Row", "Old SA")
PROSE = [
    ("How to fill in this template",),
    (),
    ("1. On the Registration sheet, fill in one row per Care Pack.",),
    ("4. HP CarePack Product Number: choose one of this order's Care Packs.",),
]


@pytest.mark.parametrize("hiding", ["hidden", "very hidden"])
def test_a_hidden_sheet_with_titles_is_not_read(tmp_path: Path, hiding: str) -> None:
    path = xlsx_sheets(
        tmp_path,
        [
            ("Old", [TEMPLATE_HEADER, OLD, OLD], hiding),
            ("Data", [TEMPLATE_HEADER, CLAIRE, MARC], "active"),
        ],
    )

    assert serials(read_rows(path)) == [CLAIRE[0], MARC[0]]


def test_a_hidden_sheet_with_titles_does_not_win_over_rows_without(
    tmp_path: Path,
) -> None:
    path = xlsx_sheets(
        tmp_path,
        [
            ("Old", [TEMPLATE_HEADER, OLD], "hidden"),
            ("Data", [CLAIRE, MARC], "active"),
        ],
    )

    registration = opened(path)

    assert registration.header_line is None
    assert serials(list(registration.rows())) == [CLAIRE[0], MARC[0]]


def test_two_visible_sheets_with_lines_refuse_the_file(tmp_path: Path) -> None:
    path = xlsx_sheets(
        tmp_path,
        [
            ("Jan", [BANNER, TEMPLATE_HEADER, CLAIRE], "visible"),
            ("Notes", PROSE, "visible"),
            ("Feb", [TEMPLATE_HEADER, MARC], "visible"),
        ],
    )

    refused = refusal(path)

    assert refused.code == "several_sheets"
    assert refused.params == {"sheets": ["Jan", "Feb"]}


def test_a_second_sheet_of_lines_without_titles_refuses_the_file_too(
    tmp_path: Path,
) -> None:
    path = xlsx_sheets(
        tmp_path,
        [
            ("Jan", [TEMPLATE_HEADER, CLAIRE], "visible"),
            ("Feb", [MARC, CLAIRE], "visible"),
        ],
    )

    assert refusal(path).params == {"sheets": ["Jan", "Feb"]}


def test_a_sheet_of_titles_without_lines_does_not_refuse_the_file(
    tmp_path: Path,
) -> None:
    path = xlsx_sheets(
        tmp_path,
        [
            ("Blank copy", [BANNER, TEMPLATE_HEADER], "visible"),
            ("March", [BANNER, TEMPLATE_HEADER, MARC], "visible"),
        ],
    )

    assert serials(read_rows(path)) == [MARC[0]]


def test_a_contact_list_beside_the_lines_does_not_refuse_the_file(
    tmp_path: Path,
) -> None:
    contacts = [("First name", "Surname", "Company"), ("Claire", "Dubois", "Acme")]
    path = xlsx_sheets(
        tmp_path,
        [
            ("Contacts", contacts, "visible"),
            ("Lines", [TEMPLATE_HEADER, CLAIRE], "visible"),
        ],
    )

    assert serials(read_rows(path)) == [CLAIRE[0]]


def test_a_workbook_laid_out_as_our_template_is_read(tmp_path: Path) -> None:
    skus = [("U4417PE",), ("U6578E",)]
    path = xlsx_sheets(
        tmp_path,
        [
            ("Registration", [BANNER, TEMPLATE_HEADER, CLAIRE, MARC], "active"),
            ("Lists", skus, "hidden"),
            ("Instructions", PROSE, "visible"),
        ],
    )

    registration = opened(path)

    assert registration.header_line == 2
    assert serials(list(registration.rows())) == [CLAIRE[0], MARC[0]]


@pytest.mark.parametrize(
    "rows", [[TEMPLATE_HEADER, CLAIRE], [CLAIRE]], ids=["titles", "no titles"]
)
def test_an_empty_first_sheet_is_passed_over(tmp_path: Path, rows: list) -> None:
    path = xlsx_sheets(
        tmp_path, [("Sheet1", [], "visible"), ("Sheet2", rows, "visible")]
    )

    assert serials(read_rows(path)) == [CLAIRE[0]]


def test_a_workbook_without_a_visible_sheet_is_not_a_registration_file(
    tmp_path: Path,
) -> None:
    built = xlsx_sheets(tmp_path, [("Data", [TEMPLATE_HEADER, CLAIRE], "visible")])
    path = tmp_path / "hidden.xlsx"
    with zipfile.ZipFile(built) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/workbook.xml":
                data = re.sub(rb"<sheet ", b'<sheet state="hidden" ', data)
            target.writestr(info, data)

    refused = refusal(path)

    assert refused.code == "not_a_registration_file"
