"""Text files a spreadsheet program or an editor damaged: each is read as
far as it safely can be, or refused whole with the row to look at; no line
is lost without a word."""

from pathlib import Path

import pytest

from carepack.readers import FIELDS, Row
from carepack.registrations.models import Registration
from carepack.volume.analysis import analyse
from carepack.volume.lines import LineMaker
from carepack.volume.models import BatchRow
from carepack.volume.refusals import refusal_message
from tests.volume.conftest import TITLES, assert_refused, outcomes, pack, text_file

pytestmark = pytest.mark.django_db


def test_a_stray_quote_refuses_the_file_naming_its_row(
    make_order, run_file, tmp_path: Path
) -> None:
    rows = [pack("5CD0000001"), pack("5CD0000002")]
    path = text_file(tmp_path / "q.csv", rows, encoding="utf-8", delimiter=",")
    stray = ",".join(pack("5CD0000003", company='"Acme,'))
    more = "".join(",".join(pack(f"5CD{n:07d}")) + "\r\n" for n in range(4, 154))
    path.write_bytes(path.read_bytes() + f"{stray}\r\n{more}".encode())

    batch = run_file(make_order().order, path)

    assert_refused(batch, "unclosed_quote")
    assert "row 4" in batch.error_message
    assert not BatchRow.objects.exists() and not Registration.objects.exists()


def test_utf8_with_a_windows_1252_row_is_refused_not_garbled(
    make_order, run_file, tmp_path: Path
) -> None:
    rows = [pack("5CD0000001", first="Zoë")]
    path = text_file(tmp_path / "mixed.csv", rows, encoding="utf-8", delimiter=";")
    cp1252_row = ";".join(pack("5CD0000002", company="Café SA")) + "\r\n"
    path.write_bytes(path.read_bytes() + cp1252_row.encode("cp1252"))

    batch = run_file(make_order().order, path)

    assert_refused(batch, "mixed_encoding")
    assert "row 3" in batch.error_message
    assert "Unicode Text" in batch.error_message
    assert not Registration.objects.exists()


def test_a_misspelt_title_is_named_beside_the_missing_column(
    make_order, run_file, tmp_path: Path
) -> None:
    header = ["Serial Numbr", *TITLES[1:]]
    rows = [pack("5CD0000001"), pack("5CD0000002")]
    path = text_file(tmp_path / "titles.txt", rows, header=header)

    batch = run_file(make_order().order, path)

    assert_refused(batch, "missing_columns")
    assert "Unit Serial Number" in batch.error_message
    assert "“Serial Numbr”" in batch.error_message
    assert not BatchRow.objects.exists()


def test_a_header_with_two_known_titles_is_a_header_not_data(
    make_order, run_file, tmp_path: Path
) -> None:
    header = ["Numéro", "Produit", "Pack", "Prénom", "Nom", "Remarque", "Error"]
    rows = [pack("5CD0000001"), pack("5CD0000002")]
    path = text_file(tmp_path / "titles.txt", rows, header=header)

    batch = run_file(make_order().order, path)

    assert batch.error_code == "missing_columns"
    assert "“Numéro”, “Produit”, “Pack”, “Remarque”." in batch.error_message
    assert "Title/First name" not in batch.error_message


@pytest.mark.parametrize("serial", ["1.23457E+11", "AB1", "AB-12345"])
def test_a_bad_serial_on_the_first_row_of_a_file_without_titles_is_a_line_error(
    make_order, run_file, tmp_path: Path, serial: str
) -> None:
    rows = [pack(serial), pack("5CD0000002"), pack("5CD0000003")]
    path = text_file(
        tmp_path / "bare.csv", rows, header=None, encoding="utf-8", delimiter=","
    )

    batch = run_file(make_order().order, path)

    code = "serial_became_number" if "E" in serial else "serial_invalid"
    assert outcomes(batch) == {
        1: ["error", code],
        2: ["registered"],
        3: ["registered"],
    }


def test_a_french_excel_exponent_serial_says_a_spreadsheet_changed_it(
    make_order, run_file, tmp_path: Path
) -> None:
    rows = [pack("1,23457E+11"), pack("5CD0000002")]
    path = text_file(tmp_path / "fr.csv", rows, encoding="cp1252", delimiter=";")

    batch = run_file(make_order().order, path)

    assert outcomes(batch) == {2: ["error", "serial_became_number"], 3: ["registered"]}


def test_a_whole_number_sku_with_decimals_repeats_the_same_line_without() -> None:
    def row(line: int, sku: str) -> Row:
        values = dict.fromkeys(FIELDS, "")
        values.update(serial_number="5CD0000001", carepack_sku=sku, surname="Roux")
        return Row(line, values, False, ())

    maker = LineMaker(language="fr", contact_email="ops@example.com")

    plan = analyse([row(2, "98765"), row(3, "98765,0"), row(4, "98765.5")], maker)

    assert plan.repeat_of == {3: 2}
    assert plan.conflicts == {}


@pytest.mark.parametrize(
    ("encoding", "named"), [("utf-8-sig", "UTF-8"), ("utf-16", "Unicode (UTF-16)")]
)
def test_a_file_false_to_its_bom_is_told_in_words(encoding: str, named: str) -> None:
    message = refusal_message("undecodable_text", {"encoding": encoding})

    assert f"saying its text is {named}," in message
    assert encoding not in message
    assert "Unicode Text (.txt)" in message
