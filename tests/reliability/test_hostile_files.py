"""Hostile files: each is refused as a whole with one clear message, on the
page (web upload, real worker) and in the CLI (``--json``, exit 2), and
leaves nothing half-written. The tests also pin the mechanisms that bound
the cost: the byte cap is checked before any parsing, the row cap before
any row is processed, the zip guard before calamine inflates anything, and
the parsing processes run under an address-space limit.
"""

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from carepack.registrations.models import Registration
from carepack.volume.models import BatchRow, UploadBatch
from carepack.volume.processing import process_batch
from carepack.volume.refusals import refusal_message
from carepack.volume.uploads import accept_upload
from tests.conftest import worker_env
from tests.portal.conftest import token_of
from tests.reliability.conftest import browser_for, serial_file, serial_rows, wait_until
from tests.reliability.hostile_files import HOSTILE, SPARSE_ODS, Hostile, build_all

# The web form refuses these itself, before a batch exists.
FORM_REFUSES = {"empty file", "over the size limit (101 MB)"}
BY_LABEL = {hostile.label: hostile for hostile in HOSTILE}


@pytest.fixture(scope="session")
def hostile_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Built once per session (the zip bombs and the 50 MB line)."""
    return build_all(tmp_path_factory.mktemp("hostile"))


def assert_nothing_written(order: object) -> None:
    batches = UploadBatch.objects.filter(order=order)
    assert Registration.objects.filter(order=order).count() == 0
    assert BatchRow.objects.filter(batch__in=batches).count() == 0
    assert {b.status for b in batches} <= {UploadBatch.Status.REFUSED}
    assert all(b.lines == b.processed == b.registered == 0 for b in batches)


def run_cli(path: Path, code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "carepack.cli",
            "register-file",
            str(path),
            "--json",
            "--reply-to",
            "claire@example.com",
        ],
        # The limit the hostile files are built around (101 MB is over it).
        env=worker_env()
        | {"CAREPACK_CODE": code, "CAREPACK_UPLOAD_MAX_BYTES": str(100 * 1024 * 1024)}
        | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db(transaction=True)
def test_each_hostile_file_gets_one_message_on_the_page(
    make_order, hostile_files, run_worker, settings
) -> None:
    issued = make_order()
    browser = browser_for(issued.code)
    url = f"/order/{issued.order.public_id}/volume/"
    batches: dict[str, str] = {}

    for hostile in HOSTILE:
        content = hostile_files[hostile.label].read_bytes()
        if hostile.label == "over the size limit (101 MB)":
            # The form's cap, lowered so as not to post 101 MB here.
            settings.CAREPACK_UPLOAD_MAX_BYTES = 1024 * 1024
            content = content[: 1024 * 1024 + 1]
        token = token_of(browser.get(url).content.decode())
        data = {
            "file": SimpleUploadedFile(hostile.name, content),
            "reply_email": "claire@example.com",
            "token": token,
        }
        response = browser.post(url, data)
        settings.CAREPACK_UPLOAD_MAX_BYTES = 100 * 1024 * 1024
        if hostile.label in FORM_REFUSES:
            html = response.content.decode()
            assert response.status_code == 400, hostile.label
            assert html.count('class="error-summary"') == 1, hostile.label
            assert "empty" in html or "at most 1.0" in html, hostile.label
            continue
        assert response.status_code == 302, hostile.label
        batches[hostile.label] = response["Location"]
    run_worker()

    for label, location in batches.items():
        batch = UploadBatch.objects.get(public_id=location.rstrip("/").split("/")[-1])
        html = browser.get(location).content.decode()
        assert batch.status == UploadBatch.Status.REFUSED, label
        assert batch.error_code == BY_LABEL[label].code, label
        assert batch.error_message, label
        assert html.count('id="refusal"') == 1, label
        assert f'id="refusal">{escape(batch.error_message)}</p>' in html, label
    assert_nothing_written(issued.order)


@pytest.mark.django_db(transaction=True)
def test_each_hostile_file_gets_one_json_error_from_the_cli(
    make_order, hostile_files
) -> None:
    issued = make_order()

    def run(hostile: Hostile) -> tuple[Hostile, subprocess.CompletedProcess[str]]:
        return hostile, run_cli(hostile_files[hostile.label], issued.code)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, HOSTILE))

    for hostile, result in results:
        assert result.returncode == 2, (hostile.label, result.stderr[-2000:])
        assert "Traceback" not in result.stderr, hostile.label
        body = json.loads(result.stdout)
        assert set(body) == {"error"}, hostile.label
        assert set(body["error"]) == {"code", "message"}, hostile.label
        assert body["error"]["code"] == hostile.code, hostile.label
        assert body["error"]["message"].strip(), hostile.label
    assert_nothing_written(issued.order)


# The mechanisms that bound the cost.


def _explode(*args: object, **kwargs: object) -> None:
    raise AssertionError("parsed although a check should have refused first")


def run_batch(order: object, path: Path) -> UploadBatch:
    with path.open("rb") as handle:
        batch = accept_upload(
            order,
            ContentFile(handle.read(), name=path.name),
            reply_email="",
            channel="web",
            enqueue=False,
        ).batch
    process_batch(batch.pk)
    batch.refresh_from_db()
    return batch


@pytest.mark.django_db
def test_the_byte_cap_refuses_before_anything_is_read(
    make_order, tmp_path, settings, monkeypatch
) -> None:
    from carepack.readers import registration

    for name in ("detect_kind", "open_text", "open_spreadsheet"):
        monkeypatch.setattr(registration, name, _explode)
    settings.CAREPACK_UPLOAD_MAX_BYTES = 1000
    path = tmp_path / "big.txt"
    path.write_bytes(serial_file(serial_rows(40)))
    order = make_order().order

    batch = run_batch(order, path)

    assert batch.error_code == "too_large"
    assert "at most 1000" in batch.error_message.replace("\xa0", " ")
    assert_nothing_written(order)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["txt", "xlsx"])
def test_the_row_cap_refuses_before_any_row_is_processed(
    make_order, tmp_path, settings, monkeypatch, kind
) -> None:
    from carepack.volume import processing

    monkeypatch.setattr(processing, "_register_rows", _explode)
    settings.CAREPACK_UPLOAD_MAX_ROWS = 10
    order = make_order().order
    path = tmp_path / f"rows.{kind}"
    rows = serial_rows(11)
    if kind == "txt":
        path.write_bytes(serial_file(rows))
    else:
        _xlsx(path, rows)

    batch = run_batch(order, path)

    assert batch.error_code == "too_many_rows"
    assert "more than 10 rows" in batch.error_message
    assert_nothing_written(order)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "label", ["xlsx zip bomb (2 GiB sheet)", "xlsx zip bomb, lying sizes"]
)
def test_the_zip_guard_refuses_before_calamine_opens_the_file(
    make_order, hostile_files, monkeypatch, label
) -> None:
    import python_calamine

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", _explode)
    order = make_order().order
    started = time.perf_counter()

    batch = run_batch(order, hostile_files[label])

    assert batch.error_code == "zip_bomb"
    assert batch.error_message == refusal_message("zip_bomb", {})
    assert time.perf_counter() - started < 5
    assert_nothing_written(order)


def _limits(pid: int) -> int:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max address space"):
            soft = line.split()[3]
            return -1 if soft == "unlimited" else int(soft)
    raise AssertionError("no address-space line")


@pytest.mark.django_db(transaction=True)
def test_workers_run_under_the_configured_memory_ceiling(workers) -> None:
    worker = workers(CAREPACK_WORKER_MEMORY_MB="700")

    wait_until(
        lambda: _limits(worker.pid) == 700 * 1024 * 1024,
        timeout=20,
        what=lambda: f"the limit (now {_limits(worker.pid)})\n{worker.output()}",
        step=0.05,
    )


@pytest.mark.django_db(transaction=True)
def test_the_cli_parses_under_the_configured_memory_ceiling(
    make_order, hostile_files
) -> None:
    """The CLI sets its limit before it reads the file: watch it while it
    copies and reads the 50 MB line."""
    issued = make_order()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "carepack.cli",
            "register-file",
            str(hostile_files["one 50 MB line"]),
            "--json",
        ],
        env=worker_env()
        | {"CAREPACK_CODE": issued.code, "CAREPACK_WORKER_MEMORY_MB": "600"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    seen = set()
    while process.poll() is None:
        try:
            seen.add(_limits(process.pid))
        except (FileNotFoundError, ProcessLookupError):
            break
        time.sleep(0.002)
    process.communicate(timeout=60)

    assert 600 * 1024 * 1024 in seen, seen
    assert process.returncode == 2


TOO_BIG_TO_OPEN = [
    pytest.param(BY_LABEL["xlsx with one far cell (5 KB)"], id="xlsx"),
    pytest.param(SPARSE_ODS, id="ods"),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("hostile", TOO_BIG_TO_OPEN)
def test_a_sheet_too_big_to_open_is_refused_without_killing_the_worker(
    make_order, hostile_files, workers, hostile
) -> None:
    issued = make_order()
    worker = workers(CAREPACK_WORKER_MEMORY_MB="1024")
    batch = accept_upload(
        issued.order,
        ContentFile(hostile_files[hostile.label].read_bytes(), name=hostile.name),
        reply_email="",
        channel="web",
    ).batch

    def settled() -> bool:
        status = UploadBatch.objects.get(pk=batch.pk).status
        return status not in ("queued", "running") or worker.process.poll() is not None

    wait_until(settled, timeout=30, what=lambda: worker.output())

    batch.refresh_from_db()
    assert worker.process.poll() is None, worker.output()
    assert batch.status == UploadBatch.Status.REFUSED
    assert batch.error_code == hostile.code
    assert batch.error_message
    assert_nothing_written(issued.order)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("hostile", TOO_BIG_TO_OPEN)
def test_the_cli_refuses_a_sheet_too_big_to_open(
    make_order, hostile_files, hostile
) -> None:
    issued = make_order()

    result = run_cli(
        hostile_files[hostile.label], issued.code, CAREPACK_WORKER_MEMORY_MB="1024"
    )

    assert result.returncode == 2, result.stderr[-1500:]
    assert json.loads(result.stdout)["error"]["code"] == hostile.code


def _xlsx(path: Path, rows: list[tuple[str, ...]]) -> None:
    import xlsxwriter

    from tests.reliability.conftest import HEADER

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, row)
    book.close()
