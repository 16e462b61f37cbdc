"""Every file LibreOffice wrote for us, each against its own fresh order,
gives exactly the expected outcome on every line."""

import json

import pytest

from carepack.registrations.models import Registration
from carepack.volume.models import BatchRow, UploadBatch
from tests.volume.conftest import VOLUME, outcomes

EXPECTED = json.loads((VOLUME / "expected.json").read_text())
CASES = [(source, name) for source, case in EXPECTED.items() for name in case["files"]]


def expected_rows(source: str, kind: str) -> dict[int, list[str]]:
    rows = {}
    for line, expect in EXPECTED[source]["rows"].items():
        if isinstance(expect, dict):
            expect = expect["text" if kind == "text" else "spreadsheet"]
        rows[int(line)] = expect
    return rows


@pytest.mark.parametrize(("source", "name"), CASES)
def test_it_gives_every_line_its_expected_outcome(make_order, run_file, source, name):
    case = EXPECTED[source]
    order = make_order(case["order"]["lines"], language=case["order"]["language"])
    batch = run_file(order.order, VOLUME / name)

    assert batch.status == UploadBatch.Status.DONE, batch.error_message
    assert outcomes(batch) == expected_rows(source, batch.kind)
    assert batch.lines == len(case["rows"])
    total = batch.registered + batch.already_registered + batch.errors + batch.skipped
    assert total == batch.lines


def test_it_reads_dates_the_way_the_order_language_writes_them(make_order, run_file):
    order = make_order({"U4417PE": 5, "U6578E": 1}, language="fr").order
    run_file(order, VOLUME / "french-cp1252.csv")

    faure = Registration.objects.get(serial_number="MXL1000001")
    assert faure.purchase_date.isoformat() == "2025-06-05"
    assert faure.company == "Société Générale d'Été"
    assert faure.coverage_start.isoformat() == "2025-06-05"


def test_it_keeps_an_apostrophe_that_escapes_nothing(make_order, run_file):
    order = make_order({"U4417PE": 6, "U6578E": 2}).order
    run_file(order, VOLUME / "faults-utf8.csv")

    assert Registration.objects.get(serial_number="5CD0000002").company == "'t Hooft BV"


@pytest.mark.parametrize("name", ["faults.xlsx", "faults-cp1252.csv", "french.xlsx"])
def test_a_helper_process_checking_the_lines_changes_no_outcome(
    make_order, run_file, settings, name
) -> None:
    settings.CAREPACK_BATCH_HELPER_ROWS = 1
    settings.CAREPACK_BATCH_CHUNK_ROWS = 4
    source = name.split(".")[0].split("-")[0]
    case = EXPECTED[source]
    order = make_order(case["order"]["lines"], language=case["order"]["language"])

    batch = run_file(order.order, VOLUME / name)

    assert outcomes(batch) == expected_rows(source, batch.kind)
    if source == "french":
        row = BatchRow.objects.get(batch=batch, line=5)
        assert "n’est pas une date" in row.errors[0]["message"]
