"""Text files a spreadsheet program or an editor damaged: each is read as
far as it safely can be, or refused whole with the row to look at; no line
is lost without a word."""

from pathlib import Path

import pytest

from carepack.registrations.models import Registration
from carepack.volume.models import BatchRow, UploadBatch
from tests.volume.conftest import pack, text_file

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

    assert (batch.status, batch.error_code) == (
        UploadBatch.Status.REFUSED,
        "unclosed_quote",
    )
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

    assert (batch.status, batch.error_code) == (
        UploadBatch.Status.REFUSED,
        "mixed_encoding",
    )
    assert "row 3" in batch.error_message
    assert "Unicode Text" in batch.error_message
    assert not Registration.objects.exists()
