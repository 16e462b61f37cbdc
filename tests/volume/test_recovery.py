"""Batches whose worker died are queued again by every worker's sweep;
one that keeps failing gives up with a message instead of looping."""

from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from carepack.core.maintenance import sweep
from carepack.notifications.models import OutgoingEmail
from carepack.volume.models import UploadBatch
from carepack.volume.processing import process_batch
from carepack.volume.recovery import requeue_stale_batches
from tests.volume.conftest import pack, text_file, upload


@pytest.fixture
def batch(make_order, tmp_path) -> UploadBatch:
    """A batch whose worker died while processing it, three minutes ago."""
    path = text_file(tmp_path / "s.txt", [pack("5CD0000001"), pack("5CD0000002")])
    batch = upload(make_order().order, path, reply_email="b@example.com", enqueue=True)
    long_ago = timezone.now() - timedelta(minutes=3)
    DBTaskResult.objects.filter(pk=batch.task_id).update(
        status=TaskResultStatus.RUNNING
    )
    UploadBatch.objects.filter(pk=batch.pk).update(
        status=UploadBatch.Status.RUNNING,
        lease_token="dead",
        lease_until=long_ago + timedelta(minutes=2),
        heartbeat_at=long_ago,
    )
    return batch


def test_it_queues_a_batch_whose_worker_died(batch) -> None:
    assert requeue_stale_batches() == 1

    batch.refresh_from_db()
    assert batch.attempts == 1
    assert DBTaskResult.objects.get(pk=batch.task_id).status == TaskResultStatus.READY
    assert process_batch(batch.pk) == "done"
    batch.refresh_from_db()
    assert (batch.status, batch.registered) == (UploadBatch.Status.DONE, 2)


def test_every_sweep_does_it(batch) -> None:
    sweep()

    batch.refresh_from_db()
    assert DBTaskResult.objects.filter(pk=batch.task_id, status="READY").exists()


def test_it_queues_it_once_however_many_sweeps(batch) -> None:
    requeue_stale_batches()
    requeue_stale_batches()

    queued = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    assert queued.filter(task_path__endswith="process_upload").count() == 1


def test_a_task_still_waiting_in_the_queue_is_left_to_run(batch) -> None:
    DBTaskResult.objects.filter(pk=batch.task_id).update(status=TaskResultStatus.READY)

    assert requeue_stale_batches() == 0


def test_a_batch_with_a_live_heartbeat_is_left_alone(batch) -> None:
    UploadBatch.objects.filter(pk=batch.pk).update(
        heartbeat_at=timezone.now(), lease_until=timezone.now() + timedelta(minutes=2)
    )

    assert requeue_stale_batches() == 0


def test_a_batch_that_keeps_dying_fails_with_a_message(batch, settings) -> None:
    UploadBatch.objects.filter(pk=batch.pk).update(
        attempts=settings.CAREPACK_BATCH_MAX_ATTEMPTS
    )

    assert requeue_stale_batches() == 0

    batch.refresh_from_db()
    assert batch.status == UploadBatch.Status.FAILED
    assert "could not be processed" in batch.error_message
    assert OutgoingEmail.objects.filter(kind="batch_result").count() == 1


def test_progress_resets_the_attempts(batch, settings) -> None:
    UploadBatch.objects.filter(pk=batch.pk).update(attempts=3)
    requeue_stale_batches()

    process_batch(batch.pk)

    batch.refresh_from_db()
    assert batch.attempts == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_lock_on_the_order_does_not_hide_its_stale_batches(batch) -> None:
    # Another transaction holds the order row (an admin saving it, another
    # worker re-queuing a batch of the same order): the sweep locks only
    # the batch, so it still finds this one.
    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname=settings["NAME"],
    )
    try:
        other.execute(
            "SELECT id FROM orders_order WHERE id = %s FOR UPDATE", [batch.order_id]
        )
        assert requeue_stale_batches() == 1
    finally:
        other.close()
