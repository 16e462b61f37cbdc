"""Recognising column titles, in English or French, however they are typed."""

import pytest

from carepack.readers import HEADER_NAMES
from carepack.readers.headers import find_header, looks_like_data, match_columns

from .builders import BANNER, CLAIRE, TEMPLATE_HEADER

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


def test_a_row_naming_fewer_than_three_fields_is_no_header() -> None:
    assert find_header([("Serial", "Surname", "Comments")]) is None


def test_a_row_without_the_serial_column_is_no_header() -> None:
    assert find_header([("Product", "Surname", "Company", "Care Pack")]) is None


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
    ],
)
def test_data_read_by_position_must_look_like_the_template(
    cells: tuple[object, ...], expected: bool
) -> None:
    assert looks_like_data(cells) is expected
