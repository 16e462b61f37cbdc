"""Rows above the titles, or above rows without titles: a caption is
passed over, a data line refuses the file rather than being lost."""

from pathlib import Path

import pytest

from .builders import (
    BANNER,
    CLAIRE,
    MARC,
    TEMPLATE_HEADER,
    opened,
    refusal,
    serials,
    text_file,
    xlsx_file,
)

CAPTION = "Care Pack registrations for ACME, March 2026"
PAUL = ("CZC5500X33", "2Y2D5EA", "U4417PE", "Paul", "Martin", "Martin SARL")


def write(tmp_path: Path, kind: str, rows: list[tuple[str, ...]]) -> Path:
    if kind == "xlsx":
        return xlsx_file(tmp_path, rows)
    return text_file(tmp_path, rows, delimiter="\t", name="upload.txt")


@pytest.mark.parametrize("kind", ["xlsx", "text"])
def test_data_lines_above_the_titles_refuse_the_file(tmp_path: Path, kind: str) -> None:
    path = write(tmp_path, kind, [CLAIRE, MARC, TEMPLATE_HEADER, PAUL])

    refused = refusal(path)

    assert refused.code == "data_above_titles"
    assert refused.params == {"line": 1, "header_line": 3}


@pytest.mark.parametrize("kind", ["xlsx", "text"])
def test_the_first_data_line_above_the_titles_is_named(
    tmp_path: Path, kind: str
) -> None:
    rows = [(CAPTION,), BANNER, MARC, (), TEMPLATE_HEADER, PAUL]
    path = write(tmp_path, kind, rows)

    assert refusal(path).params == {"line": 3, "header_line": 5}


@pytest.mark.parametrize("kind", ["xlsx", "text"])
def test_a_caption_and_the_banner_above_the_titles_are_ignored(
    tmp_path: Path, kind: str
) -> None:
    rows = [(CAPTION,), (), BANNER, TEMPLATE_HEADER, CLAIRE, MARC]
    path = write(tmp_path, kind, rows)

    registration = opened(path)
    rows_read = list(registration.rows())

    assert registration.header_line == 4
    assert serials(rows_read) == [CLAIRE[0], MARC[0]]
    assert [row.line for row in rows_read] == [5, 6]


@pytest.mark.parametrize("kind", ["xlsx", "text"])
def test_a_caption_above_rows_without_titles_is_passed_over(
    tmp_path: Path, kind: str
) -> None:
    path = write(tmp_path, kind, [(CAPTION,), (), CLAIRE, MARC, PAUL])

    registration = opened(path)
    rows_read = list(registration.rows())

    assert registration.header_line is None
    assert registration.row_count == 3
    assert serials(rows_read) == [CLAIRE[0], MARC[0], PAUL[0]]
    assert [row.line for row in rows_read] == [3, 4, 5]


def test_a_caption_above_titles_not_understood_is_passed_over(
    tmp_path: Path,
) -> None:
    titles = ("Machine", "Model", "Pack", "Given", "Family", "Firm")
    path = xlsx_file(tmp_path, [(None, CAPTION), titles, CLAIRE, MARC])

    registration = opened(path)

    assert registration.header_line == 2
    assert [row.line for row in registration.rows()] == [3, 4]


def test_a_lone_serial_above_rows_without_titles_is_a_line_not_a_caption(
    tmp_path: Path,
) -> None:
    path = xlsx_file(tmp_path, [(CLAIRE[0],), MARC, PAUL])

    registration = opened(path)

    assert registration.header_line is None
    assert [row.line for row in registration.rows()] == [1, 2, 3]
