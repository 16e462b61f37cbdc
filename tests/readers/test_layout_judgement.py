"""Files without recognised titles: read by position when their first rows
look like the template's, refused whole when they are something else."""

from pathlib import Path

import pytest

from .builders import (
    CLAIRE,
    MARC,
    TEMPLATE_HEADER,
    opened,
    refusal,
    text_file,
    xlsx_file,
)

BARE = ("2Y2D5EA", "U4417PE", "Jan", "Smit", "Acme", "2025-01-10")


def _write(tmp_path: Path, kind: str, rows: list[tuple[object, ...]]) -> Path:
    if kind == "xlsx":
        return xlsx_file(tmp_path, rows)
    return text_file(tmp_path, [tuple(map(str, cells)) for cells in rows])


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("serial", ["1.23457E+11", "1,23457E+11", "AB1", "AB-12345"])
def test_a_bad_serial_on_row_1_is_read_as_a_line(
    tmp_path: Path, kind: str, serial: str
) -> None:
    path = _write(tmp_path, kind, [(serial, *BARE), CLAIRE, MARC])

    registration = opened(path)

    assert registration.header_line is None
    assert [row.line for row in registration.rows()] == [1, 2, 3]
    assert next(registration.rows()).values["serial_number"] == serial


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_row_of_unknown_titles_above_data_is_a_header(
    tmp_path: Path, kind: str
) -> None:
    titles = ("Serie", "Produkt", "Paket", "Vorname", "Nachname", "Firma")
    path = _write(tmp_path, kind, [titles, CLAIRE, MARC])

    registration = opened(path)

    assert registration.header_line == 1
    assert registration.header == titles
    assert registration.columns == {}


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_misspelt_title_keeps_the_row_as_the_header(
    tmp_path: Path, kind: str
) -> None:
    header = ("Serial Numbr", *TEMPLATE_HEADER[1:])
    path = _write(tmp_path, kind, [header, CLAIRE, MARC])

    registration = opened(path)

    assert registration.header_line == 1
    assert "serial_number" not in registration.columns
    assert registration.row_count == 2


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize(
    "rows",
    [
        [("Order", "Item", "Price", "Qty", "Date")]
        + [(f"{n}", "Widget", "9.99", "3", "2024-01-01") for n in range(1, 6)],
        [("Dear team", " please find our order below", " thanks", "", "")] * 3,
        [("id", "name", "value", "x", "y")] + [(n, n * 2.5, n, n, n) for n in range(5)],
    ],
)
def test_a_table_of_something_else_is_refused_whole(
    tmp_path: Path, kind: str, rows: list[tuple[object, ...]]
) -> None:
    refused = refusal(_write(tmp_path, kind, rows))

    assert refused.code == "not_a_registration_file"
