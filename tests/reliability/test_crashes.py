"""Crashes: a worker killed with SIGKILL at random moments, again and
again, and restarted each time; the batch still ends as a clean run ends.

The kills fall in every phase: while the worker boots and sweeps, while it
reads the whole file, between and inside chunks, and while it finishes
(error file, result e-mail). The moments are drawn from a seed printed in
the test's output, so a failure can be replayed with CAREPACK_CRASH_SEED.
"""

import os
import random
import time
from collections import Counter
from typing import Any

import pytest
from django.core.files.base import ContentFile

from carepack.notifications.models import OutgoingEmail
from carepack.orders.models import CarePack
from carepack.registrations.models import Registration
from carepack.volume.models import BatchRow, UploadBatch
from carepack.volume.processing import process_batch
from carepack.volume.uploads import accept_upload
from tests.reliability.conftest import DESKTOP, HEADER, NOTEBOOK, wait_until

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

LINES = 20_000
UNITS = {"U4417PE": 19_000, "U6578E": 100}
KILLS_AT_RANDOM_TIMES = 3
KILLS_AT_RANDOM_ROWS = 9
# At most this many rows committed during a kill at a random moment.
ROWS_PER_WAIT = 1_500
# Small chunks make many transactions to fall between; a one-second
# heartbeat lets the restarted worker's sweep take the batch up at once.
WORKER_ENV = {
    "CAREPACK_BATCH_CHUNK_ROWS": "250",
    "CAREPACK_BATCH_STALE_SECONDS": "1",
}


def crash_file() -> bytes:
    """20,000 data lines of every kind: new, repeated, conflicting, in
    error, empty, and more new lines than units (the last find none)."""
    lines = []
    for n in range(LINES):
        serial = f"K{n:08d}"
        if n % 500 == 250:
            lines.append([""] * 6)  # skipped
        elif n % 100 == 13:
            lines.append(lines[-1] if any(lines[-1]) else lines[-2])  # repeat
        elif n % 100 == 7:
            lines.append([f"{serial}!", NOTEBOOK, "U4417PE", "Ann", "Lee", ""])
        elif n % 1000 == 999:
            lines.append([serial, NOTEBOOK, "U6578E", "Ann", "Lee", ""])  # no fit
        elif n % 2000 == 1500:
            earlier = f"K{n - 1001:08d}"  # same serial and pack, other name
            lines.append([earlier, NOTEBOOK, "U4417PE", "Bob", "Lee", ""])
        elif n % 1000 == 500:
            lines.append([serial, DESKTOP, "U6578E", "Ann", "Lee", "Desk SA"])
        else:
            lines.append([serial, NOTEBOOK, "U4417PE", "Ann", "Lee", "Lee SARL"])
    records = [HEADER, *lines]
    return "".join("\t".join(cells) + "\r\n" for cells in records).encode()


def upload(order: Any, content: bytes, *, enqueue: bool) -> UploadBatch:
    return accept_upload(
        order,
        ContentFile(content, name="crash.txt"),
        reply_email="ops@example.com",
        channel="web",
        enqueue=enqueue,
    ).batch


def state(batch: UploadBatch) -> tuple[str, int, int]:
    return (
        UploadBatch.objects.filter(pk=batch.pk)
        .values_list("status", "processed", "lines")
        .get()
    )


def outcome_of(batch: UploadBatch) -> dict[str, object]:
    """Everything a clean run and a crashed run must share."""
    batch.refresh_from_db()
    units = list(
        CarePack.objects.filter(order=batch.order)
        .order_by("id")
        .values_list("id", flat=True)
    )
    rank = {unit: index for index, unit in enumerate(units)}
    registrations = Registration.objects.filter(order=batch.order)
    return {
        "counts": (
            batch.status,
            batch.lines,
            batch.processed,
            batch.registered,
            batch.already_registered,
            batch.errors,
            batch.skipped,
        ),
        "rows": list(
            BatchRow.objects.filter(batch=batch)
            .order_by("line")
            .values_list("line", "outcome", "same_as", "serial_number", "sku")
        ),
        "errors": Counter(
            error["code"]
            for errors in BatchRow.objects.filter(batch=batch).values_list(
                "errors", flat=True
            )
            for error in errors
        ),
        # Which unit (by its place in the order) each serial and pack took.
        "registrations": sorted(
            (serial, sku, rank[unit])
            for serial, sku, unit in registrations.values_list(
                "serial_number", "product__sku", "carepack_id"
            )
        ),
        "units_taken": CarePack.objects.filter(
            order=batch.order, status="registered"
        ).count(),
        "result_emails": OutgoingEmail.objects.filter(
            order=batch.order, kind=OutgoingEmail.Kind.BATCH_RESULT
        ).count(),
    }


def after_a_while(batch: UploadBatch, seconds: float) -> None:
    """Wait that long, or until the batch has gone a stretch of rows further:
    a fast worker would otherwise finish the batch within one wait and
    leave the rest of the kills unmade."""
    began = state(batch)[1]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and state(batch)[1] < began + ROWS_PER_WAIT:
        time.sleep(0.005)


def kill_plan(rng: random.Random) -> list[tuple[str, float]]:
    """("after", seconds) kills at random moments after a start, ("row", n)
    kills once n rows are committed, and one at the very end."""
    plan: list[tuple[str, float]] = [
        ("after", rng.uniform(0.1, 2.0)) for _ in range(KILLS_AT_RANDOM_TIMES)
    ]
    rows = sorted(rng.sample(range(250, LINES - 250), KILLS_AT_RANDOM_ROWS))
    plan += [("row", float(row)) for row in rows]
    plan.insert(rng.randrange(len(plan) + 1), ("after", rng.uniform(0.1, 2.0)))
    plan.append(("finishing", float(LINES)))
    return plan


def test_a_batch_killed_at_random_moments_ends_as_a_clean_run(
    make_order, workers
) -> None:
    seed = int(os.environ.get("CAREPACK_CRASH_SEED", time.time_ns() % 1_000_000))
    print(f"CAREPACK_CRASH_SEED={seed}")
    rng = random.Random(seed)
    content = crash_file()

    clean = upload(make_order(lines=UNITS).order, content, enqueue=False)
    assert process_batch(clean.pk) == "done"
    expected = outcome_of(clean)
    # The crashed run must meet the world the clean run met: its standard
    # packs would otherwise find their serials covered by the clean order.
    Registration.objects.filter(order=clean.order).delete()

    batch = upload(make_order(lines=UNITS).order, content, enqueue=True)
    kills: list[tuple[str, float, tuple[str, int, int]]] = []
    worker = workers(**WORKER_ENV)
    for kind, value in kill_plan(rng):
        if kind == "after":
            after_a_while(batch, value)
        else:
            # Past the row, and past the row of the last kill: a batch
            # killed five times without progress fails on purpose
            # (CAREPACK_BATCH_MAX_ATTEMPTS), which is not what is tested.
            at = max(value, kills[-1][2][1] + 1 if kills else 0)
            wait_until(
                lambda at=at: state(batch)[1] >= at or state(batch)[0] == "done",
                timeout=60,
                what=lambda at=at, w=worker: f"row {at:.0f}\n{w.output()}",
                # The last kill waits for every row to be committed: the
                # worker is then writing the error file and the e-mail.
                step=0.002 if kind == "finishing" else 0.005,
            )
        if state(batch)[0] == "done":
            break
        worker.kill()
        kills.append((kind, round(value, 2), state(batch)))
        worker = workers(**WORKER_ENV)
    wait_until(
        lambda: state(batch)[0] in ("done", "failed"),
        timeout=120,
        what=lambda: f"the batch to finish\n{worker.output()}",
    )
    print("kills:", kills)

    assert len(kills) >= 10, kills
    got = outcome_of(batch)
    assert got["counts"] == expected["counts"]
    assert got["rows"] == expected["rows"]
    assert got["errors"] == expected["errors"]
    assert got["registrations"] == expected["registrations"]
    assert got["units_taken"] == expected["units_taken"] == len(got["registrations"])
    assert got["result_emails"] == 1
    _, lines, _, registered, already, errors, skipped = expected["counts"]
    assert lines == LINES == registered + already + errors + skipped
    # The file really exercises every outcome, "no unit left" included.
    assert {"no_unit_left", "conflicting_lines", "serial_invalid"} <= set(
        expected["errors"]
    )
    assert skipped and already
