"""Identifiers are compared as people mean them: case, surrounding spaces
and spaces inside a product number or SKU do not matter."""

import pytest

from carepack.catalog.normalize import (
    normalize_product_number,
    normalize_serial,
    normalize_sku,
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [(" u4417pe ", "U4417PE"), ("u4417 pe", "U4417PE"), ("U4417\u00a0PE", "U4417PE")],
)
def test_a_sku_ignores_case_and_spaces(typed: str, expected: str) -> None:
    assert normalize_sku(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2y2d5ea#abf ", "2Y2D5EA"),
        ("2Y2D5\u00a0EA", "2Y2D5EA"),
        (" 2y2d5 ea # abf", "2Y2D5EA"),
    ],
)
def test_a_product_number_ignores_case_spaces_and_options(
    typed: str, expected: str
) -> None:
    assert normalize_product_number(typed) == expected


def test_a_serial_keeps_a_space_inside_for_its_check_to_refuse() -> None:
    assert normalize_serial(" 5cd0 000001 ") == "5CD0 000001"
