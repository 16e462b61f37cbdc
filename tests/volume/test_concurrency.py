"""What must hold whatever runs in parallel, with real processes and
connections (PostgreSQL; SQLite serialises writers anyway): a worker
killed at any point finishes the batch with every line counted once, and
a form submitted twice at once makes one batch."""

import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from carepack.orders.models import CarePack
from carepack.registrations.models import Registration
from carepack.volume.models import BatchRow, UploadBatch
from tests.conftest import worker_command, worker_env
from tests.volume.conftest import pack, text_file, upload

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Worker:
    """A real ``carepack worker`` process on the test database."""

    def __init__(self, log: Path, **env: str) -> None:
        self.log = log
        self.env = worker_env() | env
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                worker_command("--interval", "0.05", "--sweep-interval", "0.3"),
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        """SIGKILL: no cleanup, no last commit, as a crash."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def start(**env: str) -> Worker:
        worker = Worker(
            tmp_path / "workers.log",
            # Small chunks and a short heartbeat, so that a batch of a few
            # thousand lines is long enough to be killed several times and
            # a dead worker's batch is taken up again within seconds.
            **{
                "CAREPACK_BATCH_CHUNK_ROWS": "20",
                "CAREPACK_BATCH_STALE_SECONDS": "1",
                "CAREPACK_LOG_LEVEL": "INFO",
            }
            | env,
        )
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def progress(batch: UploadBatch) -> tuple[str, int]:
    return tuple(
        UploadBatch.objects.filter(pk=batch.pk).values_list("status", "processed").get()
    )  # type: ignore[return-value]


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def kill_and_restart(
    batch: UploadBatch, start_worker: Callable[[], Worker], thresholds: list[int]
) -> list[int]:
    """Kill the worker once the batch has reached each threshold of
    processed rows (0: while it reads the whole file), then let a new
    worker finish it. Returns the progress at each kill."""
    killed_at = []
    worker = start_worker()
    for threshold in thresholds:
        wait_for(
            lambda at=threshold: progress(batch) >= ("running", at),
            f"the batch to pass row {threshold}",
        )
        worker.kill()
        killed_at.append(progress(batch)[1])
        worker = start_worker()
    wait_for(lambda: progress(batch)[0] == "done", "the batch to finish", timeout=180)
    return killed_at


def lines_of(count: int) -> list[list[str]]:
    """Valid lines, with an exact repeat and an error now and then."""
    rows = []
    for n in range(count):
        if n % 97 == 50 and (n - 40) % 89 != 7:
            rows.append(pack(f"5CD{n - 40:07d}"))  # repeats a line 40 above
        elif n % 89 == 7:
            rows.append(pack(f"5CD{n:07d}", surname=""))
        else:
            rows.append(pack(f"5CD{n:07d}"))
    return rows


def expected(rows: list[list[str]]) -> tuple[dict[int, str], list[str]]:
    """Each line's outcome, and the serials in the order they take units."""
    outcome, registered, seen = {}, [], set()
    for line, row in enumerate(rows, start=2):
        if not row[4]:
            outcome[line] = "error"
        elif row[0] in seen:
            outcome[line] = "already_registered"
        else:
            outcome[line] = "registered"
            registered.append(row[0])
            seen.add(row[0])
    return outcome, registered


def assert_counted_once(batch: UploadBatch, rows: list[list[str]]) -> None:
    batch.refresh_from_db()
    outcome, registered = expected(rows)
    got = dict(BatchRow.objects.filter(batch=batch).values_list("line", "outcome"))
    assert got == outcome
    assert batch.lines == batch.processed == len(rows)
    assert (batch.registered, batch.errors) == (
        len(registered),
        sum(o == "error" for o in outcome.values()),
    )
    assert batch.registered + batch.already_registered + batch.errors == len(rows)
    # As a clean run: one registration per new line, units in file order.
    units = list(
        CarePack.objects.filter(order=batch.order)
        .order_by("id")
        .values_list("id", flat=True)
    )
    by_serial = dict(
        Registration.objects.filter(order=batch.order).values_list(
            "serial_number", "carepack_id"
        )
    )
    assert len(by_serial) == Registration.objects.filter(order=batch.order).count()
    assert by_serial == dict(zip(registered, units, strict=False))
    taken = CarePack.objects.filter(order=batch.order, status="registered").count()
    assert taken == len(registered)


def test_a_worker_killed_three_times_finishes_the_batch_counting_each_line_once(
    make_order, start_worker, tmp_path
) -> None:
    rows = lines_of(3000)
    order = make_order({"U4417PE": 3000, "U6578E": 1}).order
    batch = upload(order, text_file(tmp_path / "big.txt", rows), enqueue=True)

    killed_at = kill_and_restart(batch, start_worker, [0, 1000, 2000])

    assert all(at < len(rows) for at in killed_at), killed_at
    assert_counted_once(batch, rows)


@pytest.mark.slow
def test_a_worker_killed_ten_times_on_a_large_batch_loses_nothing(
    make_order, start_worker, tmp_path
) -> None:
    rows = lines_of(10_000)
    order = make_order({"U4417PE": 10_000, "U6578E": 1}).order
    batch = upload(order, text_file(tmp_path / "big.txt", rows), enqueue=True)

    thresholds = [0, *range(1000, 10_000, 1000)]
    # Lines are checked by a helper process here, killed with its worker.
    with_helper = partial(start_worker, CAREPACK_BATCH_HELPER_ROWS="1000")
    killed_at = kill_and_restart(batch, with_helper, thresholds)

    assert all(at < len(rows) for at in killed_at), killed_at
    assert_counted_once(batch, rows)


def files_stored_since(start: datetime, folder: str) -> int:
    _, files = default_storage.listdir(folder)
    return sum(
        default_storage.get_created_time(f"{folder}/{f}") >= start for f in files
    )


def test_one_form_submitted_twice_at_once_makes_one_batch(make_order, tmp_path) -> None:
    issued = make_order()
    first = Client()
    first.post("/activate/", {"code": issued.code}, REMOTE_ADDR="203.0.113.8")
    second = Client()
    second.cookies = first.cookies
    page = f"/order/{issued.order.public_id}/volume/"
    html = first.get(page).content.decode()
    token = html.split('name="token" value="', 1)[1].split('"', 1)[0]
    name = f"twice-{uuid.uuid4().hex}.txt"
    content = text_file(tmp_path / name, [pack("5CD0000001")]).read_bytes()
    barrier = threading.Barrier(2)
    responses = {}
    start = timezone.now()

    def submit(who: str, browser: Client) -> None:
        try:
            data = {
                "file": SimpleUploadedFile(name, content),
                "reply_email": "buyer@example.com",
                "token": token,
            }
            barrier.wait(timeout=30)
            responses[who] = browser.post(page, data)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=submit, args=(who, browser))
        for who, browser in (("first", first), ("second", second))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    batch = UploadBatch.objects.get()
    assert [r.status_code for r in responses.values()] == [302, 302]
    assert {r["Location"] for r in responses.values()} == {
        f"/order/{issued.order.public_id}/batches/{batch.public_id}/"
    }
    tasks = DBTaskResult.objects.filter(task_path__endswith="process_upload")
    assert [str(pk) for pk in tasks.values_list("pk", flat=True)] == [batch.task_id]
    # The request that lost deleted the file it had stored.
    assert files_stored_since(start, os.path.dirname(batch.file.name)) == 1
