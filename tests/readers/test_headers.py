"""Recognising column titles, in English or French, however they are typed."""

import pytest

from carepack.readers import HEADER_NAMES
from carepack.readers.headers import (
    DataStart,
    HeaderMatch,
    find_data_start,
    find_header,
    looks_like_data,
    match_columns,
)

from .builders import BANNER, CLAIRE, MARC, TEMPLATE_HEADER

ACCEPTED = [(field, name) for field, names in HEADER_NAMES.items() for name in names]


@pytest.mark.parametrize(("field", "name"), ACCEPTED)
def test_every_documented_title_names_its_field(field: str, name: str) -> None:
    assert match_columns([name]) == {field: 0}


@pytest.mark.parametrize(
    ("title", "field"),
    [
        ("unit serial number", "serial_number"),
        ("UNIT-SERIAL-NUMBER*", "serial_number"),
        ("Numero de serie de l'unite", "serial_number"),
        ("N° de série", "serial_number"),
        ("  Référence   produit ", "product_number"),
        ("Care Pack", "carepack_sku"),
        ("TITRE / PRÉNOM", "first_name"),
        ("Last_Name", "surname"),
        ("Societe", "company"),
        ("date d’achat du matériel", "purchase_date"),
    ],
)
def test_case_accents_spacing_and_punctuation_do_not_matter(
    title: str, field: str
) -> None:
    assert match_columns([title]) == {field: 0}


def test_the_more_specific_title_wins_a_field() -> None:
    columns = match_columns(["Serial", "Title", "First name", "Product", "SKU"])

    assert columns["first_name"] == 2


def test_the_header_is_found_below_the_banner() -> None:
    match = find_header([BANNER, TEMPLATE_HEADER, CLAIRE])

    assert match is not None
    assert match.row == 1


def test_a_row_naming_one_field_is_no_header() -> None:
    assert find_header([("Serial", "Remarks", "Comments")]) is None


def test_a_row_naming_two_fields_is_a_header_with_columns_missing() -> None:
    match = find_header([("Serial", "Surname", "Comments")])

    assert match == HeaderMatch(0, {"serial_number": 0, "surname": 1})


def test_a_row_without_the_serial_column_is_still_the_header() -> None:
    match = find_header([("Product", "Surname", "Company", "Care Pack")])

    assert match is not None
    assert "serial_number" not in match.columns


def test_the_row_naming_most_fields_is_the_header() -> None:
    match = find_header([("Name", "Company"), TEMPLATE_HEADER, CLAIRE])

    assert match is not None
    assert match.row == 1


def test_the_header_is_only_looked_for_in_the_first_ten_rows() -> None:
    assert find_header([("",)] * 10 + [TEMPLATE_HEADER]) is None
    assert find_header([("",)] * 9 + [TEMPLATE_HEADER]) is not None


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (CLAIRE, True),
        ((12345678.0, "p", "U4417PE", "a", "b"), True),
        (("5CD3301K11", "p", "U4417PE", "a"), False),
        (("Dear team", "p", "U4417PE", "a", "b"), False),
        (("5CD3301K11", "p", "a care pack", "a", "b"), False),
        (("1.23457E+11", "2Y2D5EA", "U4417PE", "a", "b"), True),
        (("AB1", "2Y2D5EA", "U4417PE", "a", "b"), True),
        (("AB-12345", "2Y2D5EA", "U4417PE", "a", "b"), True),
        (("1,23457E+11", "bad product", "U4417PE", "a", "b"), True),
        (("5CD3301K11", "Widget", "9.99", "3", "2024-01-01"), False),
        (("1", "2.5", "3", "4", "5"), False),
    ],
)
def test_data_read_by_position_must_look_like_the_template(
    cells: tuple[object, ...], expected: bool
) -> None:
    assert looks_like_data(cells) is expected


def test_one_bad_first_row_does_not_hide_the_rows_below() -> None:
    rows = [("??", "bad product", "U4417PE", "a", "b"), CLAIRE, MARC]

    assert find_data_start(rows) == DataStart(0, is_header=False)


def test_a_row_of_unknown_titles_above_data_is_a_header() -> None:
    rows = [BANNER, ("Serie", "Produkt", "Paket", "Vorname", "Name"), CLAIRE, MARC]

    assert find_data_start(rows) == DataStart(1, is_header=True)


@pytest.mark.parametrize(
    "rows",
    [
        [("Dear team", "please find", "our order", "below", "thanks")],
        [("Order", "Item", "Price", "Qty", "Date")]
        + [(str(n), "Widget", "9.99", "3", "2024-01-01") for n in range(5)],
        [(str(n), "2.5", "3", "4", "5") for n in range(5)],
        [("AB1", "bad product", "a care pack", "a", "b"), ("x",) * 5, CLAIRE],
    ],
)
def test_rows_not_laid_out_as_the_template_give_no_start(
    rows: list[tuple[str, ...]],
) -> None:
    assert find_data_start(rows) is None
