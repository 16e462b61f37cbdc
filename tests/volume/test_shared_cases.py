"""The shared cases: every file, each against its own fresh order and
database, gives exactly the expected outcome per line, through the command
line and through the web upload processed by a real worker."""

import json
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from carepack.volume.models import UploadBatch
from tests.conftest import CASES, worker_env
from tests.volume.conftest import outcomes

EXPECTED = json.loads((CASES / "volume" / "expected.json").read_text())
FILES = sorted(EXPECTED["files"].values())
WANTED = {row["line"]: row["expect"] for row in EXPECTED["rows"]}
SERIALS = {row["line"]: row["values"][0] for row in EXPECTED["rows"]}


@pytest.fixture
def given_order(make_order):
    """The order of the cases, as ``expected.json`` describes it."""
    return make_order(EXPECTED["order"]["lines"])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", FILES)
def test_the_command_line_gives_the_expected_outcomes(given_order, name) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "carepack.cli",
            "register-file",
            str(CASES / "volume" / name),
            "--json",
        ],
        env=worker_env() | {"CAREPACK_CODE": given_order.code},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1, result.stderr  # some lines are in error
    printed = json.loads(result.stdout)
    assert set(printed) == {"batch", "counts", "rows"}
    assert printed["counts"] == {
        "lines": 5,
        "registered": 3,
        "already_registered": 0,
        "errors": 2,
        "skipped": 0,
    }
    assert {row["line"]: row["outcome"] for row in printed["rows"]} == WANTED
    for row in printed["rows"]:
        assert set(row) == {"line", "outcome", "serial_number", "carepack", "errors"}
        assert row["serial_number"] == SERIALS[row["line"]]
        assert bool(row["errors"]) == (row["outcome"] == "error")
        for error in row["errors"]:
            assert set(error) == {"field", "code", "message"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", FILES)
def test_the_web_upload_gives_the_expected_outcomes(
    given_order, run_worker, name
) -> None:
    browser = Client()
    browser.post("/activate/", {"code": given_order.code}, REMOTE_ADDR="203.0.113.5")
    upload_page = f"/order/{given_order.order.public_id}/volume/"
    html = browser.get(upload_page).content.decode()
    token = html.split('name="token" value="', 1)[1].split('"', 1)[0]
    content = (CASES / "volume" / name).read_bytes()

    response = browser.post(
        upload_page,
        {
            "file": SimpleUploadedFile(name, content),
            "reply_email": "buyer@example.com",
            "token": token,
        },
    )
    run_worker()

    batch = UploadBatch.objects.get()
    assert response.status_code == 302
    assert batch.status == UploadBatch.Status.DONE
    assert {line: got[0] for line, got in outcomes(batch).items()} == WANTED
    page = browser.get(response["Location"]).content.decode()
    assert "3 + 0 + 2 + 0 = 5" in page
