"""Races between volume uploads, online registrations and two real worker
processes on one order (PostgreSQL, real parallel connections).

However the work interleaves, a unit is registered at most once, every
line of every file and every form gets exactly one outcome, and a line
that finds no unit left says so.
"""

import random
import threading
import time
from collections import Counter
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count

from carepack.orders.models import CarePack
from carepack.registrations.models import Registration
from carepack.volume.models import BatchRow, UploadBatch
from tests.portal.conftest import pack_data, token_of
from tests.reliability.conftest import (
    NOTEBOOK,
    browser_for,
    in_parallel,
    serial_file,
    serial_rows,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

UNITS = 100
UPLOADS, LINES = 8, 40
ONLINE = 20
NO_UNIT_LEFT = "No unregistered U4417PE Care Pack is left on this order."
FINISHED = (
    UploadBatch.Status.DONE,
    UploadBatch.Status.REFUSED,
    UploadBatch.Status.FAILED,
)
# Small chunks, so that the two workers' transactions interleave with each
# other and with the online registrations; a one-second heartbeat, so that
# a batch whose run failed is taken up again at once.
WORKER_ENV = {"CAREPACK_BATCH_CHUNK_ROWS": "10", "CAREPACK_BATCH_STALE_SECONDS": "1"}


def upload_call(issued: Any, index: int, rows: list[tuple[str, ...]]) -> Any:
    """A browser ready to post a file; the post is the returned call."""
    browser = browser_for(issued.code, address=f"192.0.2.{index}")
    url = f"/order/{issued.order.public_id}/volume/"
    token = token_of(browser.get(url).content.decode())
    content = serial_file(rows)

    def call() -> Any:
        data = {
            "file": SimpleUploadedFile(f"file-{index}.txt", content),
            "reply_email": "claire@example.com",
            "token": token,
        }
        return browser.post(url, data)

    return call


def online_call(issued: Any, index: int, delay: float) -> Any:
    """A browser ready to register one pack online, ``delay`` seconds after
    the start, so that forms also meet the workers' chunks."""
    browser = browser_for(issued.code, address=f"198.51.100.{index}")
    url = f"/order/{issued.order.public_id}/register/packs/"
    token = token_of(browser.get(url, {"count_0": "1"}).content.decode())
    pack = {"sku": "U4417PE", "serial_number": f"ON{index:08d}"}
    data = pack_data(token, [pack | {"product_number": NOTEBOOK}])

    def call() -> Any:
        time.sleep(delay)
        return browser.post(url, data)

    return call


def wait_for_batches(order: Any, count: int, timeout: float) -> list[UploadBatch]:
    def finished() -> bool:
        return (
            UploadBatch.objects.filter(order=order, status__in=FINISHED).count()
            == count
        )

    wait_until(finished, timeout=timeout, what=f"{count} batches to finish")
    return list(UploadBatch.objects.filter(order=order).order_by("id"))


def assert_units_registered_once(order: Any, expected: int) -> None:
    active = Registration.objects.filter(order=order).exclude(status="cancelled")
    assert active.count() == expected
    doubled = active.values("carepack").annotate(n=Count("id")).filter(n__gt=1)
    assert list(doubled) == []
    registered = CarePack.objects.filter(order=order, status="registered")
    assert set(registered.values_list("id", flat=True)) == set(
        active.values_list("carepack_id", flat=True)
    )


@pytest.mark.slow
def test_uploads_and_online_forms_share_the_last_units_fairly(
    make_order, workers
) -> None:
    issued = make_order(lines={"U4417PE": UNITS})
    order = issued.order
    files = {index: serial_rows(LINES, prefix=f"B{index}") for index in range(UPLOADS)}
    rng = random.Random(5)
    calls = [upload_call(issued, index, rows) for index, rows in files.items()]
    calls += [online_call(issued, n, rng.uniform(0, 1.0)) for n in range(ONLINE)]
    for _ in range(2):
        workers(**WORKER_ENV)

    responses = in_parallel(calls)
    batches = wait_for_batches(order, UPLOADS, timeout=120)

    uploads, forms = responses[:UPLOADS], responses[UPLOADS:]
    assert all(r.status_code == 302 for r in uploads)
    online_ok = [r for r in forms if r.status_code == 302]
    refused = [r for r in forms if r.status_code == 200]
    assert len(online_ok) + len(refused) == ONLINE
    assert all(NO_UNIT_LEFT in r.content.decode() for r in refused)

    lines = 0
    for batch in batches:
        rows = list(BatchRow.objects.filter(batch=batch).order_by("line"))
        assert batch.status == UploadBatch.Status.DONE
        assert [row.line for row in rows] == list(range(2, LINES + 2))
        outcomes = Counter(row.outcome for row in rows)
        assert outcomes["registered"] + outcomes["error"] == LINES, outcomes
        assert (batch.lines, batch.registered, batch.errors) == (
            LINES,
            outcomes["registered"],
            outcomes["error"],
        )
        for row in rows:
            if row.outcome == "error":
                assert [e["code"] for e in row.errors] == ["no_unit_left"]
            else:
                assert row.registration.serial_number == row.serial_number
                assert row.registration.batch_id == batch.pk
        lines += batch.registered

    assert lines + len(online_ok) == UNITS
    assert_units_registered_once(order, UNITS)
    by_channel = Counter(
        Registration.objects.filter(order=order).values_list("channel", flat=True)
    )
    assert by_channel == {"volume": lines, "online": len(online_ok)}


@pytest.mark.slow
def test_one_file_uploaded_twice_at_once_registers_each_line_once(
    make_order, workers
) -> None:
    issued = make_order(lines={"U4417PE": UNITS})
    order = issued.order
    rows = serial_rows(30, prefix="TWICE")
    calls = [upload_call(issued, index, rows) for index in range(2)]
    for _ in range(2):
        workers(**WORKER_ENV)

    responses = in_parallel(calls)
    first, second = wait_for_batches(order, 2, timeout=60)

    assert [r.status_code for r in responses] == [302, 302]
    outcomes = Counter(
        (row.line, row.outcome)
        for row in BatchRow.objects.filter(batch__in=[first, second])
    )
    for line in range(2, 32):
        assert outcomes[(line, "registered")] == 1, line
        assert outcomes[(line, "already_registered")] == 1, line
    assert first.registered + second.registered == 30
    assert_units_registered_once(order, 30)


@pytest.mark.parametrize("same_order", [True, False], ids=["same order", "other order"])
def test_a_unit_held_by_one_transaction_hides_no_other_free_unit(
    make_order, same_order
) -> None:
    """While one registration holds a unit of a pack (its transaction still
    open), another one, of the same order or of any other, still finds the
    other free units of that pack: it must never answer "no unit left"."""
    from django.db import transaction

    from carepack.registrations.services import take_units

    first = make_order(lines={"U4417PE": 5}).order
    second = first if same_order else make_order(lines={"U4417PE": 5}).order
    holding, release = threading.Event(), threading.Event()

    def hold() -> list[int]:
        with transaction.atomic():
            units = take_units(first, "U4417PE", 1)
            holding.set()
            release.wait(timeout=20)
        return units

    def take() -> list[int]:
        holding.wait(timeout=20)
        try:
            with transaction.atomic():
                return take_units(second, "U4417PE", 2)
        finally:
            release.set()

    held, taken = in_parallel([hold, take])

    assert len(held) == 1
    assert len(taken) == 2 and not set(taken) & set(held)


def test_two_batches_deciding_the_same_lines_at_once_both_finish(
    make_order, monkeypatch
) -> None:
    """Both chunks decide "register" before either inserts: the second
    insert meets the first one's registrations, and its chunk must be
    decided again, not fail."""
    from django.core.files.base import ContentFile

    from carepack.volume import chunks
    from carepack.volume.processing import process_batch
    from carepack.volume.uploads import accept_upload

    order = make_order(lines={"U4417PE": 20}).order
    content = serial_file(serial_rows(5, prefix="SAME"))
    batches = [
        accept_upload(
            order,
            ContentFile(content, name=f"same-{n}.txt"),
            reply_email="",
            channel="web",
            enqueue=False,
        ).batch
        for n in range(2)
    ]
    decided = threading.Barrier(2)
    insert_rows = chunks.insert_rows
    waited = threading.local()

    def insert_after_both_decided(model: Any, *args: Any) -> None:
        if model is Registration and not getattr(waited, "done", False):
            waited.done = True
            decided.wait(timeout=20)
        insert_rows(model, *args)

    monkeypatch.setattr(chunks, "insert_rows", insert_after_both_decided)

    results = in_parallel([lambda b=b: process_batch(b.pk) for b in batches])

    assert results == ["done", "done"]
    outcomes = Counter(
        BatchRow.objects.filter(batch__in=batches).values_list("outcome", flat=True)
    )
    assert outcomes == {"registered": 5, "already_registered": 5}
    assert_units_registered_once(order, 5)
