"""Text uploads: separators, line ends, headers and row numbers."""

from pathlib import Path

import pytest

from carepack.readers import FileRefused, Limits

from .builders import (
    BANNER,
    CLAIRE,
    MARC,
    TEMPLATE_HEADER,
    opened,
    read_rows,
    serials,
    text_file,
    write_bytes,
)


@pytest.mark.parametrize("delimiter", ["\t", ";", ","])
def test_the_separator_is_the_one_that_reveals_the_header(
    tmp_path: Path, delimiter: str
) -> None:
    path = text_file(tmp_path, [BANNER, TEMPLATE_HEADER, CLAIRE], delimiter=delimiter)

    registration = opened(path)

    assert registration.delimiter == delimiter
    assert [row.raw for row in registration.rows()] == [CLAIRE]


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_every_line_end_convention_gives_the_same_rows(
    tmp_path: Path, newline: str
) -> None:
    path = text_file(tmp_path, [TEMPLATE_HEADER, CLAIRE, MARC], newline=newline)

    rows = read_rows(path)

    assert [(row.line, row.raw) for row in rows] == [(2, CLAIRE), (3, MARC)]


@pytest.mark.parametrize("count_with_csv", [False, True])
def test_a_line_break_inside_a_quoted_cell_does_not_shift_later_rows(
    tmp_path: Path, count_with_csv: bool
) -> None:
    data = (
        "Unit Serial Number;Product Number;Care Pack;First name;Surname;Company\r\n"
        '5CD3301K11;6F8K2EA;U4417PE;Claire;Dubois;"Dubois\r\nand sons"\r\n'
        "MXL4402P22;9TY71EA;U6578E;Marc;Roux;Roux SA\r\n"
    )
    if count_with_csv is False:
        data = data.replace('"Dubois\r\nand sons"', "Dubois")
    path = write_bytes(tmp_path, "upload.csv", data.encode())

    rows = read_rows(path)

    assert [row.line for row in rows] == [2, 3]
    assert rows[1].values["serial_number"] == "MXL4402P22"
    if count_with_csv:
        assert rows[0].values["company"] == "Dubois\r\nand sons"


def test_a_french_header_in_another_order_with_odd_spacing_is_recognised(
    tmp_path: Path,
) -> None:
    header = (
        "  NUMÉRO DE SÉRIE ",
        "Nom",
        "prénom",
        "Référence  Care-Pack",
        "Numéro de produit",
        "Raison sociale",
        "Date d'achat",
    )
    cells = ("5CD3301K11", "Dubois", "Claire", "U4417PE", "6F8K2EA", "SARL", "1/2/2024")
    path = text_file(tmp_path, [header, cells])

    [row] = read_rows(path)

    assert row.values == {
        "serial_number": "5CD3301K11",
        "product_number": "6F8K2EA",
        "carepack_sku": "U4417PE",
        "first_name": "Claire",
        "surname": "Dubois",
        "company": "SARL",
        "purchase_date": "1/2/2024",
    }


def test_without_a_header_the_template_columns_are_read_by_position(
    tmp_path: Path,
) -> None:
    path = text_file(tmp_path, [CLAIRE, MARC], delimiter="\t")

    registration = opened(path)
    rows = list(registration.rows())

    assert registration.header_line is None
    assert registration.header[0] == "Unit Serial Number"
    assert [row.line for row in rows] == [1, 2]
    assert rows[1].values["carepack_sku"] == "U6578E"


def test_the_banner_row_is_skipped_when_there_is_no_header(tmp_path: Path) -> None:
    path = text_file(tmp_path, [BANNER, CLAIRE])

    [row] = read_rows(path)

    assert row.line == 2


def test_prose_without_a_header_is_one_refusal(tmp_path: Path) -> None:
    letter = "Dear team,\nplease find our units below; thanks.\n" * 50
    path = write_bytes(tmp_path, "upload.txt", letter.encode())

    with pytest.raises(FileRefused) as refused:
        opened(path)

    assert refused.value.code == "not_a_registration_file"


def test_empty_rows_between_are_yielded_and_trailing_ones_are_not(
    tmp_path: Path,
) -> None:
    blank = ("", "", "", "", "", "")
    spaces = (" ", "", "\t ", "", "", "")
    records = [TEMPLATE_HEADER, CLAIRE, blank, spaces, MARC, blank, spaces, blank]
    path = text_file(tmp_path, records)

    registration = opened(path)
    rows = list(registration.rows())

    assert [(row.line, row.empty) for row in rows] == [
        (2, False),
        (3, True),
        (4, True),
        (5, False),
    ]
    assert registration.row_count == 4


def test_empty_trailing_columns_are_ignored(tmp_path: Path) -> None:
    path = text_file(tmp_path, [(*TEMPLATE_HEADER, "", ""), (*CLAIRE, "", "", "")])

    registration = opened(path)
    [row] = registration.rows()

    assert registration.header == TEMPLATE_HEADER
    assert row.raw == CLAIRE


def test_short_rows_are_padded_to_the_header(tmp_path: Path) -> None:
    path = text_file(tmp_path, [TEMPLATE_HEADER, CLAIRE[:3]])

    [row] = read_rows(path)

    assert row.raw == (*CLAIRE[:3], "", "", "")
    assert row.values["surname"] == ""


def test_cells_beyond_the_header_are_kept_in_raw(tmp_path: Path) -> None:
    path = text_file(tmp_path, [TEMPLATE_HEADER, (*CLAIRE, "note")])

    [row] = read_rows(path)

    assert row.raw == (*CLAIRE, "note")


def test_formula_escapes_are_undone_but_other_apostrophes_kept(
    tmp_path: Path,
) -> None:
    cells = ("'=SUM(A1)", "'+33", "'-5", "'@cmd", "'t Hooft", "'t Hooft BV")
    path = text_file(tmp_path, [TEMPLATE_HEADER, cells])

    [row] = read_rows(path)

    assert row.raw == ("=SUM(A1)", "+33", "-5", "@cmd", "'t Hooft", "'t Hooft BV")
    assert row.values["company"] == "'t Hooft BV"


def test_values_are_not_trimmed(tmp_path: Path) -> None:
    path = text_file(tmp_path, [TEMPLATE_HEADER, (" 5CD3301K11 ", *CLAIRE[1:])])

    [row] = read_rows(path)

    assert row.values["serial_number"] == " 5CD3301K11 "


def test_our_error_column_is_ignored_on_upload(tmp_path: Path) -> None:
    records = [(*TEMPLATE_HEADER, "Error"), (*CLAIRE, "Surname is empty")]
    path = text_file(tmp_path, records)

    registration = opened(path)
    [row] = registration.rows()

    assert "Surname is empty" not in row.values.values()
    assert sorted(registration.columns.values()) == [0, 1, 2, 3, 4, 5]


def test_a_header_with_no_rows_after_it_is_refused(tmp_path: Path) -> None:
    path = text_file(tmp_path, [BANNER, TEMPLATE_HEADER, ("",), ("",)])

    with pytest.raises(FileRefused) as refused:
        opened(path)

    assert refused.value.code == "no_data_rows"
    assert refused.value.params == {"header_line": 2}


def test_a_file_of_blank_lines_is_empty(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, "upload.csv", b" \r\n;;;\r\n\r\n")

    with pytest.raises(FileRefused) as refused:
        opened(path)

    assert refused.value.code == "empty"


@pytest.mark.parametrize("quoted", [False, True])
def test_more_data_rows_than_the_cap_are_refused_before_any_row(
    tmp_path: Path, quoted: bool
) -> None:
    company = '"Roux, SA"' if quoted else "Roux SA"
    records = [TEMPLATE_HEADER, *[(*MARC[:5], company)] * 4]
    path = text_file(tmp_path, records)

    with pytest.raises(FileRefused) as refused:
        opened(path, limits=Limits(max_rows=3))

    assert refused.value.code == "too_many_rows"
    assert refused.value.params == {"max_rows": 3}


@pytest.mark.parametrize("quoted", [False, True])
def test_trailing_empty_rows_do_not_count_against_the_cap(
    tmp_path: Path, quoted: bool
) -> None:
    company = '"Roux, SA"' if quoted else "Roux SA"
    records = [TEMPLATE_HEADER, *[(*MARC[:5], company)] * 3, ("",) * 6, ("",)]
    path = text_file(tmp_path, records)

    rows = read_rows(path, limits=Limits(max_rows=3))

    assert serials(rows) == [MARC[0]] * 3
