"""What the batch service makes of a file: one outcome per line, found
over the whole file, registered chunk by chunk."""

import os
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import python_calamine
import xlsxwriter
from django.core.files.storage import default_storage
from django.utils import timezone

from carepack.orders.models import CarePack
from carepack.registrations.models import Registration
from carepack.volume import chunks, processing
from carepack.volume.models import BatchRow, UploadBatch
from carepack.volume.processing import process_batch
from carepack.volume.results import error_file_name, report_header, report_rows
from tests.volume.conftest import (
    TITLES,
    VOLUME,
    counts,
    outcomes,
    pack,
    text_file,
    upload,
)

EMPTY = ["", "", "", "", "", ""]


@pytest.fixture
def small_chunks(settings) -> None:
    settings.CAREPACK_BATCH_CHUNK_ROWS = 100


def filler(count: int, start: int = 1000) -> list[list[str]]:
    """Valid desktop lines (registered on U6578E) to put lines far apart."""
    return [
        pack(f"MXL{n:07d}", product="9TY71EA", sku="U6578E")
        for n in range(start, start + count)
    ]


def test_repeats_and_conflicts_are_found_chunks_apart(
    make_order, run_file, tmp_path, small_chunks
) -> None:
    order = make_order({"U4417PE": 5, "U6578E": 1000}).order
    rows = [
        pack("5CD0000001"),  # line 2
        pack("5CD0000002"),  # line 3: conflicts with line 505
        *filler(500),
        pack("5CD0000001"),  # line 504: repeats line 2
        pack("5CD0000002", surname="Other"),  # line 505
        pack("5CD0000003", surname=""),  # line 506
        *filler(300, start=5000),
        pack("5cd0000003 ", surname="", first="CLAIRE"),  # line 807: repeats 506
    ]
    batch = run_file(order, text_file(tmp_path / "far.txt", rows))

    got = outcomes(batch)
    assert got[2] == ["registered"] and got[504] == ["already_registered"]
    assert got[3] == got[505] == ["error", "conflicting_lines"]
    assert got[506] == ["error", "required"]
    assert got[807] == ["error", "same_as_line", "required"]
    rows_by_line = {r.line: r for r in BatchRow.objects.filter(batch=batch)}
    assert rows_by_line[504].same_as == 2
    assert rows_by_line[504].registration_id == rows_by_line[2].registration_id
    assert "Line 505 gives other details" in rows_by_line[3].errors[0]["message"]
    assert "Line 3 gives other details" in rows_by_line[505].errors[0]["message"]
    assert "Same values as line 506" in rows_by_line[807].errors[0]["message"]
    assert counts(batch) == (806, 801, 1, 4, 0)


def test_units_are_given_out_in_file_order(
    make_order, run_file, tmp_path, small_chunks
) -> None:
    order = make_order({"U4417PE": 150, "U6578E": 1}).order
    rows = [pack(f"5CD{n:07d}") for n in range(160)]
    batch = run_file(order, text_file(tmp_path / "many.txt", rows))

    got = outcomes(batch)
    assert all(got[line] == ["registered"] for line in range(2, 152))
    assert all(got[line] == ["error", "no_unit_left"] for line in range(152, 162))
    first_units = CarePack.objects.filter(order=order).order_by("id")[:150]
    by_serial = dict(Registration.objects.values_list("serial_number", "carepack_id"))
    assert [by_serial[f"5CD{n:07d}"] for n in range(150)] == [u.pk for u in first_units]


def test_empty_rows_inside_count_and_after_do_not(
    make_order, run_file, tmp_path
) -> None:
    order = make_order().order
    rows = [
        pack("5CD0000001"),
        EMPTY,
        ["  ", "", "\t", "", "", ""],
        pack("5CD0000002"),
        EMPTY,
        EMPTY,
    ]
    batch = run_file(order, text_file(tmp_path / "gaps.txt", rows))

    assert outcomes(batch) == {
        2: ["registered"],
        3: ["skipped"],
        4: ["skipped"],
        5: ["registered"],
    }
    assert counts(batch) == (4, 2, 0, 0, 2)


def test_a_number_in_the_serial_column_is_an_error(
    make_order, run_file, tmp_path
) -> None:
    path = tmp_path / "numbers.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, TITLES)
    sheet.write_row(1, 0, [123456789012, 123, "U4417PE", "Claire", "Dubois"])
    sheet.write_row(2, 0, ["5CD0000001", "6F8K2EA", "U4417PE", "Marc", "Roux"])
    sheet.write_row(3, 0, [42.0, "6F8K2EA", "U4417PE", "Ana", "Lima"])
    book.close()

    batch = run_file(make_order().order, path)

    got = outcomes(batch)
    assert got[2] == ["error", "serial_became_number", "unknown_product"]
    assert got[3] == ["registered"]
    assert got[4][:2] == ["error", "serial_became_number"]
    row = BatchRow.objects.get(batch=batch, line=2)
    assert "“123”" in row.errors[1]["message"]  # read without its .0
    # Quoted as the cell shows it, as typed in a text file.
    assert "“123456789012”" in row.errors[0]["message"]
    text = run_file(
        make_order().order,
        text_file(tmp_path / "t.txt", [pack("123456789012.0")]),
    )
    [typed] = BatchRow.objects.get(batch=text, line=2).errors
    assert "“123456789012.0”" in typed["message"]


def test_an_excel_exponent_in_a_text_file_is_an_error(
    make_order, run_file, tmp_path
) -> None:
    rows = [pack("1.23457E+11"), pack("123456789012.0")]
    batch = run_file(make_order().order, text_file(tmp_path / "e.txt", rows))

    assert outcomes(batch) == {
        2: ["error", "serial_became_number"],
        3: ["error", "serial_became_number"],
    }


def test_a_header_in_french_and_in_another_order_is_found(
    make_order, run_file, tmp_path
) -> None:
    header = [
        "Société",
        "Nom",
        "Prénom",
        "Référence Care Pack",
        "N° de série",
        "Numéro de produit",
    ]
    rows = [["ACME", "Dubois", "Claire", "u4417pe", "5cd0000001", "6f8k2ea#abf"]]
    path = text_file(
        tmp_path / "fr.csv", rows, header=header, encoding="cp1252", delimiter=";"
    )

    batch = run_file(make_order().order, path)

    reg = Registration.objects.get(batch=batch)
    assert (reg.serial_number, reg.product_number, reg.company) == (
        "5CD0000001",
        "6F8K2EA",
        "ACME",
    )
    assert batch.header == header


def test_a_file_without_header_is_read_by_position(
    make_order, run_file, tmp_path
) -> None:
    rows = [pack("5CD0000001"), pack("5CD0000002")]
    path = text_file(
        tmp_path / "bare.csv",
        rows,
        header=None,
        encoding="utf-8",
        delimiter=",",
        newline="\n",
    )

    batch = run_file(make_order().order, path)

    assert outcomes(batch) == {1: ["registered"], 2: ["registered"]}


def test_a_file_without_a_mandatory_column_is_refused(
    make_order, run_file, tmp_path
) -> None:
    header = [
        "Unit Serial Number",
        "Product Number",
        "HP CarePack Product Number",
        "Surname",
    ]
    rows = [["5CD0000001", "6F8K2EA", "U4417PE", "Dubois"]] * 3
    batch = run_file(
        make_order().order, text_file(tmp_path / "x.txt", rows, header=header)
    )

    assert batch.status == UploadBatch.Status.REFUSED
    assert batch.error_code == "missing_columns"
    assert "Title/First name" in batch.error_message
    assert not BatchRow.objects.exists()


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"%PDF-1.4 not a list of packs", "not_a_registration_file"),
        (b"<!DOCTYPE html><html><body>hello</body></html>", "not_a_registration_file"),
        (
            b"Dear customer,\nplease find attached our order.\nRegards\n",
            "not_a_registration_file",
        ),
        (bytes(range(256)) * 40, "binary_content"),
        (b"PK\x03\x04 damaged workbook xl/workbook.xml", "unreadable_spreadsheet"),
    ],
)
def test_a_file_that_is_not_a_registration_file_is_refused_whole(
    make_order, run_file, tmp_path, content, code
) -> None:
    path = tmp_path / "upload.txt"
    path.write_bytes(content)

    batch = run_file(make_order().order, path)

    assert (batch.status, batch.error_code) == (UploadBatch.Status.REFUSED, code)
    assert "Excel" in batch.error_message or "spreadsheet" in batch.error_message
    assert batch.lines == 0 and not BatchRow.objects.exists()


def test_uploading_the_whole_file_again_registers_only_what_is_new(
    make_order, run_file, tmp_path
) -> None:
    order = make_order({"U4417PE": 5, "U6578E": 1}).order
    first = [pack("5CD0000001"), pack("5CD0000002", surname="")]
    run_file(order, text_file(tmp_path / "v1.txt", first))
    second = [pack("5CD0000001"), pack("5CD0000002"), pack("5CD0000003")]

    batch = run_file(order, text_file(tmp_path / "v2.txt", second))

    assert outcomes(batch) == {
        2: ["already_registered"],
        3: ["registered"],
        4: ["registered"],
    }
    assert Registration.objects.filter(order=order).count() == 3


def test_a_run_that_fails_leaves_no_helper_behind(
    make_order, tmp_path, settings, monkeypatch
) -> None:
    # Far more checked chunks than the worker reads ahead: the helper is
    # waiting to write when the worker gives up.
    settings.CAREPACK_BATCH_HELPER_ROWS = 1
    settings.CAREPACK_BATCH_CHUNK_ROWS = 50
    order = make_order({"U4417PE": 200, "U6578E": 1}).order
    rows = [pack(f"5CD{n:07d}", company="x" * 150) for n in range(3000)]
    batch = upload(order, text_file(tmp_path / "h.txt", rows))
    real = chunks.register
    helpers = []

    def fail_on_the_third(context, prepared):
        helpers.extend(p for p in child_commands() if "check_helper" in p)
        if prepared.rows[0].line > 101:
            raise RuntimeError("the database went away")
        return real(context, prepared)

    monkeypatch.setattr(processing, "register", fail_on_the_third)

    with pytest.raises(RuntimeError, match="went away"):
        process_batch(batch.pk)

    assert helpers, "the batch was checked by a helper process"
    assert not [p for p in child_commands() if "check_helper" in p]
    assert not [t for t in threading.enumerate() if t.name.startswith("carepack-")]
    batch.refresh_from_db()
    assert batch.processed == 100


def child_commands() -> list[str]:
    """The command lines of this process's living children."""
    found = []
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
            cmdline = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and fields[0] != "Z":
            found.append(cmdline.replace(b"\0", b" ").decode(errors="replace"))
    return found


def test_a_file_sent_again_with_purchase_dates_records_them(
    make_order, run_file, tmp_path
) -> None:
    order = make_order().order
    dated = [*TITLES, "Hardware Purchase Date"]
    first = [[*pack("5CD0000001"), ""], [*pack("5CD0000002"), ""]]
    run_file(order, text_file(tmp_path / "v1.txt", first, header=dated))
    second = [[*pack("5CD0000001"), "2026-03-15"], [*pack("5CD0000002"), ""]]

    again = run_file(order, text_file(tmp_path / "v2.txt", second, header=dated))

    assert counts(again) == (2, 0, 2, 0, 0)
    regs = {r.serial_number: r for r in Registration.objects.filter(order=order)}
    assert regs["5CD0000001"].purchase_date.isoformat() == "2026-03-15"
    assert regs["5CD0000001"].coverage_start is not None
    assert regs["5CD0000002"].purchase_date is None


def test_a_company_over_two_lines_of_its_cell_is_one_line(
    make_order, run_file, tmp_path
) -> None:
    company = "ACME, Inc., Bldg 4,\r\n12 Road, Paris, FR"
    rows = [pack("5CD0000001", company=company)]

    batch = run_file(make_order().order, text_file(tmp_path / "c.csv", rows))

    assert counts(batch) == (1, 1, 0, 0, 0)
    registration = Registration.objects.get(serial_number="5CD0000001")
    assert registration.company == "ACME, Inc., Bldg 4, 12 Road, Paris, FR"


def test_a_large_chunk_sent_again_comes_back_already_registered(
    make_order, run_file, tmp_path
) -> None:
    # Thousands of serial numbers in one chunk: each is looked up among the
    # registrations and each taken unit is marked, all in one query each.
    order = make_order({"U4417PE": 2600, "U6578E": 1}).order
    rows = [pack(f"5CD{n:07d}") for n in range(2500)]
    path = text_file(tmp_path / "big.txt", rows)
    run_file(order, path)

    again = run_file(order, path)

    assert counts(again) == (2500, 0, 2500, 0, 0)
    units = CarePack.objects.filter(order=order, product__sku="U4417PE")
    assert units.filter(status=CarePack.Status.REGISTERED).count() == 2500
    assert units.filter(status=CarePack.Status.UNREGISTERED).count() == 100


def test_a_purchase_date_written_another_way_is_a_repeat_a_bad_one_is_not(
    make_order, run_file, tmp_path
) -> None:
    order = make_order().order
    dated = [*TITLES, "Hardware Purchase Date"]
    rows = [
        [*pack("5CD0000001"), "2026-03-15"],  # line 2
        [*pack("5CD0000001"), "15/03/2026"],  # line 3: the same date
        [*pack("5CD0000002"), ""],  # line 4
        [*pack("5CD0000002"), "soon"],  # line 5: not line 4 with no date
    ]
    batch = run_file(order, text_file(tmp_path / "d.txt", rows, header=dated))

    assert outcomes(batch) == {
        2: ["registered"],
        3: ["already_registered"],
        4: ["error", "conflicting_lines"],
        5: ["error", "invalid_date", "conflicting_lines"],
    }


def test_the_error_file_fixed_and_uploaded_registers_the_fixed_lines(
    make_order, run_file, tmp_path
) -> None:

    order = make_order({"U4417PE": 5, "U6578E": 1}).order
    rows = [
        pack("5CD0000001"),
        pack("5CD0000002", first="=HYPERLINK(1)", surname=""),
        pack("5CD0000003", sku="U9999XX"),
        pack("5CD0000004", company="'t Hooft BV", surname=""),
    ]
    batch = run_file(order, text_file(tmp_path / "Mes séries (v2).txt", rows))
    assert batch.error_file.endswith("/errors.txt")
    assert error_file_name(batch) == "Mes séries (v2)-errors.txt"

    with default_storage.open(batch.error_file, "rb") as stored:
        text = stored.read().decode("utf-16")
    lines = text.splitlines()
    assert len(lines) == 4 and lines[0].endswith("\tError")
    fixed = (
        text.replace("\t'=HYPERLINK(1)\t\t", "\t'=HYPERLINK(1)\tDubois\t")
        .replace("U9999XX", "U4417PE")
        .replace("Claire\t\t't", "Claire\tVan\t't")
    )
    path = tmp_path / "Mes séries (v2)-errors.txt"
    path.write_bytes(fixed.encode("utf-16"))

    again = run_file(order, path)

    assert outcomes(again) == {2: ["registered"], 3: ["registered"], 4: ["registered"]}
    assert (
        Registration.objects.get(serial_number="5CD0000002").first_name
        == "=HYPERLINK(1)"
    )
    assert Registration.objects.get(serial_number="5CD0000004").company == "'t Hooft BV"


def test_old_messages_of_an_uploaded_error_file_are_not_carried_over(
    make_order, run_file, tmp_path
) -> None:
    order = make_order({"U4417PE": 5}).order
    batch = run_file(
        order, text_file(tmp_path / "a.txt", [pack("5CD0000009", surname="")])
    )
    path = tmp_path / "a-errors.txt"
    with default_storage.open(batch.error_file, "rb") as stored:
        path.write_bytes(stored.read())

    again = run_file(order, path)

    with default_storage.open(again.error_file, "rb") as stored:
        header = stored.read().decode("utf-16").splitlines()[0].split("\t")
    assert header.count("Error") == 1 and header[-1] == "Error"
    assert "Error" not in report_header(again)
    [row] = list(report_rows(again))
    assert len(row) == len(report_header(again))


def test_the_error_file_of_a_workbook_is_a_workbook(make_order, run_file) -> None:
    order = make_order({"U4417PE": 6, "U6578E": 2}).order
    batch = run_file(order, VOLUME / "faults.xlsx")

    with default_storage.open(batch.error_file, "rb") as stored:
        book = python_calamine.CalamineWorkbook.from_filelike(stored)
        sheet = book.get_sheet_by_index(0).to_python()
    assert error_file_name(batch) == "faults-errors.xlsx"
    assert sheet[0][-1] == "Error"
    assert len(sheet) == 1 + batch.errors
    assert sheet[1][0] == 123457000000.0  # the number as it was, explained
    assert "looks like a number" in sheet[1][-1]


def test_a_run_that_dies_is_resumed_with_every_line_once(
    make_order, tmp_path, small_chunks, monkeypatch
) -> None:
    order = make_order({"U4417PE": 400, "U6578E": 1}).order
    rows = [pack(f"5CD{n:07d}") for n in range(350)]
    rows[300] = pack("5CD0000010")  # repeats line 12, in another chunk
    batch = upload(order, text_file(tmp_path / "big.txt", rows))
    real = chunks.register
    calls = []

    def dying(context, prepared):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("worker killed")
        return real(context, prepared)

    monkeypatch.setattr("carepack.volume.processing.register", dying)
    with pytest.raises(RuntimeError):
        process_batch(batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.processed) == (UploadBatch.Status.RUNNING, 200)

    monkeypatch.setattr("carepack.volume.processing.register", real)
    assert process_batch(batch.pk) == "done"

    batch.refresh_from_db()
    assert counts(batch) == (350, 349, 1, 0, 0)
    assert BatchRow.objects.filter(batch=batch).count() == 350
    assert Registration.objects.filter(batch=batch).count() == 349
    assert BatchRow.objects.get(batch=batch, line=302).same_as == 12


def test_a_batch_held_by_a_live_run_is_left_alone(make_order, tmp_path) -> None:
    batch = upload(
        make_order().order, text_file(tmp_path / "s.txt", [pack("5CD0000001")])
    )

    UploadBatch.objects.filter(pk=batch.pk).update(
        lease_token="other", lease_until=timezone.now() + timedelta(minutes=1)
    )

    assert process_batch(batch.pk) == "busy"
    assert not BatchRow.objects.exists()


def test_a_run_overtaken_by_another_stops_writing(
    make_order, tmp_path, small_chunks, monkeypatch
) -> None:
    order = make_order({"U4417PE": 300, "U6578E": 1}).order
    batch = upload(
        order, text_file(tmp_path / "s.txt", [pack(f"5CD{n:07d}") for n in range(250)])
    )
    real = chunks.prepare
    calls = []

    def overtaken(context, rows):
        calls.append(1)
        if len(calls) == 2:
            # A newer run claimed the batch while this one was checking.
            UploadBatch.objects.filter(pk=batch.pk).update(lease_token="newer")
        return real(context, rows)

    monkeypatch.setattr("carepack.volume.processing.prepare", overtaken)

    assert process_batch(batch.pk) == "taken-over"
    batch.refresh_from_db()
    assert batch.processed == 100
    assert BatchRow.objects.filter(batch=batch).count() == 100
    assert Registration.objects.count() == 100


def test_a_line_break_inside_a_cell_shifts_no_line_number(
    make_order, run_file, tmp_path
) -> None:
    rows = [
        pack("5CD0000001", company="Dubois\net fils"),
        pack("5CD0000002", surname=""),
        pack("5CD0000003"),
    ]
    path = text_file(tmp_path / "multi.csv", rows, encoding="utf-8-sig", delimiter=";")

    batch = run_file(make_order().order, path)

    assert outcomes(batch) == {
        2: ["registered"],
        3: ["error", "required"],
        4: ["registered"],
    }
    registration = Registration.objects.get(serial_number="5CD0000001")
    assert registration.company == "Dubois et fils"


def test_an_overlong_value_is_a_line_error(make_order, run_file, tmp_path) -> None:
    rows = [pack("5CD" + "1" * 40), pack("5CD0000002", company="x" * 201)]

    batch = run_file(make_order().order, text_file(tmp_path / "long.txt", rows))

    assert outcomes(batch) == {
        2: ["error", "too_long"],
        3: ["error", "too_long"],
    }


def test_a_chunk_that_loses_a_race_is_decided_again(
    make_order, run_file, tmp_path, monkeypatch
) -> None:
    order = make_order().order
    path = text_file(tmp_path / "s.txt", [pack("5CD0000001"), pack("5CD0000002")])
    run_file(order, path)
    real = chunks.existing_for
    calls = []

    def blind_once(serials):
        # The first look misses the registrations another upload just made:
        # the insert then hits the database's constraint.
        calls.append(1)
        return real([]) if len(calls) == 1 else real(serials)

    monkeypatch.setattr(chunks, "existing_for", blind_once)

    again = run_file(order, path)

    assert outcomes(again) == {2: ["already_registered"], 3: ["already_registered"]}
    assert len(calls) == 2
    assert Registration.objects.filter(order=order).count() == 2


def test_a_storage_whose_paths_lead_nowhere_is_read_through_a_copy(
    make_order, run_file, tmp_path, settings
) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    order = make_order().order

    batch = run_file(order, text_file(tmp_path / "m.txt", [pack("5CD0000001")]))

    assert counts(batch) == (1, 1, 0, 0, 0)
