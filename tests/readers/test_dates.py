"""Purchase dates: spreadsheet cells, ISO text and each language's habit."""

import datetime

import pytest

from carepack.readers.dates import (
    AmbiguousDate,
    DateError,
    InvalidDate,
    parse_purchase_date,
)

MARCH_1 = datetime.date(2024, 3, 1)


@pytest.mark.parametrize(
    ("value", "language"),
    [
        (MARCH_1, "en"),
        (datetime.datetime(2024, 3, 1, 17, 30), "fr"),
        ("2024-03-01", "en"),
        (" 2024-3-1 ", "fr"),
        ("2024-03-01 00:00:00", "en"),
        ("2024/03/01", "en"),
        ("2024.3.1", "fr"),
        ("01/03/2024", "fr"),
        ("01.03.2024", "fr"),
        ("1-3-2024", "fr"),
        ("01/03/2024", "de"),
        (45352, "en"),
        (45352.75, "fr"),
    ],
)
def test_accepted_spellings_of_the_first_of_march(value: object, language: str) -> None:
    assert parse_purchase_date(value, language) == MARCH_1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25/12/2023", datetime.date(2023, 12, 25)),
        ("12/25/2023", datetime.date(2023, 12, 25)),
        ("07/07/2023", datetime.date(2023, 7, 7)),
    ],
)
def test_english_dates_are_accepted_when_only_one_reading_exists(
    text: str, expected: datetime.date
) -> None:
    assert parse_purchase_date(text, "en-GB") == expected


def test_english_dates_with_two_readings_are_ambiguous() -> None:
    with pytest.raises(AmbiguousDate) as error:
        parse_purchase_date("03/01/2024", "en")

    assert error.value.code == "ambiguous_date"
    assert isinstance(error.value, ValueError)


def test_french_dates_are_always_day_first() -> None:
    assert parse_purchase_date("03/01/2024", "fr") == datetime.date(2024, 1, 3)


@pytest.mark.parametrize("text", ["01/03/24", "1.3.24"])
def test_two_digit_years_are_ambiguous(text: str) -> None:
    with pytest.raises(AmbiguousDate):
        parse_purchase_date(text, "fr")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "soon",
        "31/02/2024",
        "13/13/2024",
        "2024-13-01",
        "2024/03-01",
        "01/03/202",
        "01/03-2024",
        "٢٠٢٤-٠٣-٠١",
        19999,
        80001,
        float("nan"),
        True,
        None,
        datetime.time(12, 0),
    ],
)
def test_anything_else_is_invalid(value: object) -> None:
    with pytest.raises(InvalidDate) as error:
        parse_purchase_date(value, "en")

    assert error.value.code == "invalid_date"
    assert isinstance(error.value, DateError)


def test_serial_numbers_count_from_excels_epoch() -> None:
    assert parse_purchase_date(20000, "en") == datetime.date(1954, 10, 3)
    assert parse_purchase_date(80000, "en") == datetime.date(2119, 1, 11)
