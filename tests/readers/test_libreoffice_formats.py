"""xls and ods as LibreOffice writes them (calamine reads, but cannot write).

The files in tests/fixtures/readers/ were made from the shared sample with
``soffice --headless --convert-to xls|ods serial.xlsx``; they are renamed
here so that the kind must come from the content, not the name.
"""

import json
import shutil
from pathlib import Path

import pytest

from carepack.readers import FIELDS, open_registration_file

FIXTURES = Path(__file__).parent.parent / "fixtures"
CASES = FIXTURES / "cases" / "volume"


@pytest.mark.parametrize("kind", ["xls", "ods"])
def test_converted_sample_reads_as_expected_json(tmp_path: Path, kind: str) -> None:
    expected = json.loads((CASES / "expected.json").read_text(encoding="utf-8"))
    renamed = tmp_path / f"{kind}.dat"
    shutil.copy(FIXTURES / "readers" / f"serial.{kind}", renamed)

    registration = open_registration_file(renamed)
    got = [
        {"line": row.line, "values": [row.values[field] for field in FIELDS[:6]]}
        for row in registration.rows()
    ]

    assert registration.kind == kind
    assert got == [
        {"line": row["line"], "values": row["values"]} for row in expected["rows"]
    ]
