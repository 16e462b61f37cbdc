"""The files LibreOffice wrote for the volume case match expected.json."""

import json
from pathlib import Path

import pytest

from carepack.readers import FIELDS, open_registration_file

CASES = Path(__file__).parent.parent / "fixtures" / "cases" / "volume"
EXPECTED = json.loads((CASES / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("name", "kind", "encoding", "delimiter"),
    [
        ("serial-utf16.txt", "text", "utf-16", "\t"),
        ("serial-semicolon.csv", "text", "utf-8", ";"),
        ("serial.xlsx", "xlsx", None, None),
    ],
)
def test_sample_file_rows_match_expected_json(
    name: str, kind: str, encoding: str | None, delimiter: str | None
) -> None:
    assert name in EXPECTED["files"].values()
    registration = open_registration_file(CASES / name)

    got = [
        (row.line, [row.values[field] for field in FIELDS[:6]])
        for row in registration.rows()
    ]

    assert got == [(row["line"], row["values"]) for row in EXPECTED["rows"]]
    assert (registration.kind, registration.encoding) == (kind, encoding)
    assert registration.delimiter == delimiter
    assert registration.header_line == 2
    assert registration.row_count == len(EXPECTED["rows"])


def test_sample_files_have_no_purchase_date_column() -> None:
    registration = open_registration_file(CASES / "serial.xlsx")

    assert "purchase_date" not in registration.columns
    assert {row.values["purchase_date"] for row in registration.rows()} == {""}
