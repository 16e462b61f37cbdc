"""Text uploads: a stray quote never swallows rows without a word.

A quote at the start of a cell opens a cell that may hold line breaks. One
that is never closed, or closed far below, would turn the rows under it
into the text of one cell: the file is refused, naming the row of the quote.
"""

from pathlib import Path

import pytest

from carepack.readers import Limits

from .builders import opened, read_rows, refusal, write_bytes

HEADER = (
    "Unit Serial Number,Product Number,HP CarePack Product Number,"
    "Title/First name,Surname,Company Name,Hardware Purchase Date"
)


def _line(number: int, company: str = "Acme") -> str:
    return f"S1X{number:06d},2Y2D5EA,U4417PE,Jan,Smit,{company},2025-01-10"


def _file(tmp_path: Path, lines: list[str], delimiter: str = ",") -> Path:
    text = "\r\n".join([HEADER, *lines]) + "\r\n"
    return write_bytes(tmp_path, "upload.csv", text.replace(",", delimiter).encode())


def _good(first: int, count: int) -> list[str]:
    return [_line(number) for number in range(first, first + count)]


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_a_quote_left_open_to_the_end_of_the_file_is_refused(
    tmp_path: Path, delimiter: str
) -> None:
    lines = [*_good(1, 2), _line(3, '"Acme,'), *_good(4, 150)]
    path = _file(tmp_path, lines, delimiter)

    refused = refusal(path)

    assert refused.code == "unclosed_quote"
    assert refused.params == {"line": 4, "max_lines": 10, "at_end": True}


def test_a_quote_left_open_on_the_last_line_is_refused(tmp_path: Path) -> None:
    path = _file(tmp_path, [*_good(1, 2), _line(3, '"Acme')])

    refused = refusal(path)

    assert refused.code == "unclosed_quote"
    assert refused.params["line"] == 4


def test_a_quote_closed_dozens_of_lines_below_is_refused(tmp_path: Path) -> None:
    lines = [
        *_good(1, 2),
        _line(3, '"Acme'),
        *_good(4, 30),
        _line(34, 'Bo"'),
        *_good(35, 5),
    ]
    path = _file(tmp_path, lines)

    refused = refusal(path)

    assert refused.code == "unclosed_quote"
    assert refused.params == {"line": 4, "max_lines": 10, "at_end": False}


def test_a_quote_closed_a_few_rows_below_is_refused(tmp_path: Path) -> None:
    # Two rows swallowed: few lines, but each holds a whole row's separators.
    lines = [
        *_good(1, 2),
        _line(3, '"Acme'),
        *_good(4, 2),
        _line(6, 'Bo"'),
        *_good(7, 5),
    ]
    path = _file(tmp_path, lines)

    refused = refusal(path)

    assert refused.code == "unclosed_quote"
    assert refused.params["line"] == 4


def test_a_cell_with_thousands_of_characters_over_a_few_lines_is_refused(
    tmp_path: Path,
) -> None:
    cell = '"' + "\r\n".join(["y" * 800] * 3) + '"'
    path = _file(tmp_path, [*_good(1, 2), _line(3, cell), *_good(4, 3)])

    refused = refusal(path)

    assert refused.code == "unclosed_quote"
    assert refused.params["line"] == 4


def test_an_address_over_several_lines_is_still_one_cell(tmp_path: Path) -> None:
    address = '"Acme, Unit 5\r\n12, rue de la Paix\r\n75001 Paris\r\nFrance"'
    path = _file(tmp_path, [_line(1), _line(2, address), _line(3)])

    rows = read_rows(path)

    assert [row.line for row in rows] == [2, 3, 4]
    assert rows[1].values["company"] == address.strip('"')
    assert rows[2].values["serial_number"] == "S1X000003"


def test_an_address_line_with_many_commas_is_still_one_cell(tmp_path: Path) -> None:
    address = '"Acme Ltd\r\nUnit 4, Dock Road, Bay 2, Leeds, UK"'
    path = _file(tmp_path, [_line(1), _line(2, address), _line(3)])

    rows = read_rows(path)

    assert [row.line for row in rows] == [2, 3, 4]
    assert rows[1].values["company"] == address.strip('"')


def test_rows_swallowed_with_the_serial_in_another_column_are_refused(
    tmp_path: Path,
) -> None:
    text = (
        "Surname,First name,Company Name,Unit Serial Number,Product Number,"
        "HP CarePack Product Number\r\n"
        'Kim,Bo,"ACME,SERJ00001,2Y2D5EA,U7882E\r\n'
        "Lee,Ann,Initech,SERJ00002,2Y2D5EA,U7882E\r\n"
        'Park,Jo,Globex",SERJ00003,2Y2D5EA,U7882E\r\n'
        "Choi,Mi,,SERJ00004,2Y2D5EA,U7882E\r\n"
    )
    path = write_bytes(tmp_path, "moved.csv", text.encode())

    refused = refusal(path)

    assert (refused.code, refused.params["line"]) == ("unclosed_quote", 2)


def test_a_short_row_swallowed_by_a_quote_is_refused(tmp_path: Path) -> None:
    # The swallowed row holds only three separators.
    text = (
        HEADER + "\r\n"
        'SERC00060,2Y2D5EA,U7882E,Bo,"Kim\r\n'
        'SERC00061,2Y2D5EA,U7882E,Bo",ACME\r\n'
    )
    path = write_bytes(tmp_path, "short.csv", text.encode())

    refused = refusal(path)

    assert (refused.code, refused.params["line"]) == ("unclosed_quote", 2)


def test_the_row_bound_can_be_raised(tmp_path: Path) -> None:
    cell = '"' + "\r\n".join(["line"] * 12) + '"'
    path = _file(tmp_path, [_line(1, cell), _line(2)])

    assert opened(path, Limits(max_row_lines=12)).row_count == 2
    assert refusal(path).code == "unclosed_quote"


def test_a_quote_only_stray_for_another_separator_is_read(tmp_path: Path) -> None:
    # With "," the cell 'Smit,"Acme' would open a quote; the file uses ";".
    lines = [*_good(1, 2), _line(3, "Smit,?Acme"), *_good(4, 20)]
    path = _file(tmp_path, lines, delimiter=";")
    path.write_bytes(path.read_bytes().replace(b"Smit;?", b'Smit,"'))

    registration = opened(path)

    assert registration.delimiter == ";"
    assert registration.row_count == 23
    assert list(registration.rows())[2].values["company"] == 'Smit,"Acme'
