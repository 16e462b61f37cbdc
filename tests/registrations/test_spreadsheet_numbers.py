"""Numbers a spreadsheet wrote into the identifier columns, as every face
reads them: a serial turned number is an error that says so; a product
number or SKU that is a whole number loses its decimals."""

import pytest

from carepack.catalog.models import CarePackProduct, HardwareProduct
from carepack.registrations.rules import (
    Catalog,
    Line,
    LineError,
    check_line,
    check_serial,
    whole_number_text,
)

CATALOG = Catalog(
    [CarePackProduct(sku="98765", coverage_months=12, categories=["notebook"])],
    [HardwareProduct(product_number="12345", category="notebook")],
)


def codes(value: str) -> list[str]:
    errors: list[LineError] = []
    check_serial(value, errors)
    return [error.code for error in errors]


@pytest.mark.parametrize(
    "serial",
    ["1.23457E+11", "1,23457E+11", "1,23457e+11", "1E+11", "123456789012.0", "123,0"],
)
def test_a_serial_written_as_a_number_says_a_spreadsheet_changed_it(
    serial: str,
) -> None:
    assert codes(serial) == ["serial_became_number"]


@pytest.mark.parametrize("serial", ["123E4567", "5E10000", "5CD0000001"])
def test_a_serial_with_an_e_between_digits_is_a_serial(serial: str) -> None:
    assert codes(serial) == []


@pytest.mark.parametrize("serial", ["AB1", "AB-12345", "12,AB", "12345E+2"])
def test_other_bad_serials_are_invalid(serial: str) -> None:
    assert codes(serial) == ["serial_invalid"]


def test_a_serial_of_digits_only_is_valid() -> None:
    assert codes("123456789012") == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12345.0", "12345"),
        (" 12345,00 ", "12345"),
        ("12345", "12345"),
        ("12345.5", "12345.5"),
        ("1.2E+4", "1.2E+4"),
        ("2Y2D5EA", "2Y2D5EA"),
    ],
)
def test_only_a_whole_number_loses_its_decimals(value: str, expected: str) -> None:
    assert whole_number_text(value) == expected


@pytest.mark.parametrize("written", [("12345.0", "98765,0"), ("12345,0", "98765.0")])
def test_product_and_sku_typed_as_whole_numbers_are_read_without_decimals(
    written: tuple[str, str],
) -> None:
    line = Line("5CD3301K11", *written, "Claire", "Dubois", "", "c@example.com")

    checked = check_line(line, CATALOG, {"98765": 1}, require_purchase_date=False)

    assert checked.errors == []
    assert (checked.product_number, checked.sku) == ("12345", "98765")
