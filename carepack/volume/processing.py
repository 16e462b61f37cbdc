"""Processing a batch: the service behind the worker's task and the CLI.

A run first claims the batch (a lease with a token), reads the whole file
once to find repeats and conflicts, then registers it chunk by chunk. Each
chunk commits its rows and the batch's progress together, and only while
the run still holds the batch, so a run that was killed, or overtaken by a
newer one, leaves every line counted exactly once: the next run resumes
after the last committed chunk.
"""

import logging
import os
import shutil
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from carepack.audit.services import record
from carepack.core.collector import bulk_collection
from carepack.readers import (
    MANDATORY_FIELDS,
    FileRefused,
    Limits,
    RegistrationFile,
    open_registration_file,
)
from carepack.registrations.rules import Catalog
from carepack.registrations.services import order_skus
from carepack.volume import results
from carepack.volume.analysis import analyse
from carepack.volume.bulk import db_datetime
from carepack.volume.checking import CheckJob, HelperChecks, checked_chunks
from carepack.volume.chunks import (
    BatchContext,
    Prepared,
    RowResult,
    load_known,
    prepare,
    register,
)
from carepack.volume.lines import LineMaker
from carepack.volume.models import BatchRow, UploadBatch
from carepack.volume.refusals import refusal_message

logger = logging.getLogger(__name__)

Status = UploadBatch.Status
Outcome = BatchRow.Outcome
# Tries of a chunk that lost a race on the registration constraints to
# another upload or an online registration.
_CHUNK_TRIES = 3
# Unrecognised titles named in a missing-columns refusal, at most.
_SHOWN_TITLES = 10


class LeaseLost(Exception):
    """Another run took the batch over; this one must stop writing."""


def stale_after() -> timedelta:
    return timedelta(seconds=settings.CAREPACK_BATCH_STALE_SECONDS)


def reader_limits() -> Limits:
    return Limits(
        max_bytes=settings.CAREPACK_UPLOAD_MAX_BYTES,
        max_rows=settings.CAREPACK_UPLOAD_MAX_ROWS,
    )


def process_batch(batch_id: int) -> str:
    """Process (or resume) a batch; returns what happened, for the task."""
    token = uuid.uuid4().hex
    refused = _claimed_or_why(batch_id, token)
    if refused:
        return refused
    batch = UploadBatch.objects.select_related("order").get(pk=batch_id)
    logger.info("batch started batch=%s processed=%s", batch.pk, batch.processed)
    try:
        with translation.override(batch.order.language), bulk_collection():
            return _run(batch, token)
    except LeaseLost:
        logger.warning("batch taken over by another run batch=%s", batch.pk)
        return "taken-over"
    except BaseException:
        # Let the sweeper queue the batch again as soon as its heartbeat is
        # stale, instead of waiting for the lease to run out as well.
        UploadBatch.objects.filter(pk=batch_id, lease_token=token).update(
            lease_until=None
        )
        raise


def _claimed_or_why(batch_id: int, token: str) -> str:
    if _claim(batch_id, token):
        return ""
    finished = UploadBatch.objects.filter(
        pk=batch_id, status__in=[Status.DONE, Status.REFUSED, Status.FAILED]
    ).exists()
    return "finished" if finished else "busy"


def _claim(batch_id: int, token: str) -> bool:
    now = timezone.now()
    claimed = (
        UploadBatch.objects.filter(
            pk=batch_id, status__in=[Status.QUEUED, Status.RUNNING]
        )
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(
            status=Status.RUNNING,
            lease_token=token,
            lease_until=now + stale_after(),
            heartbeat_at=now,
        )
    )
    return claimed == 1


def _run(batch: UploadBatch, token: str) -> str:
    with local_copy(batch.file.name or "") as path:
        try:
            opened = open_registration_file(path, reader_limits())
        except FileRefused as refusal:
            _refuse(batch, token, refusal.code, refusal.params)
            return "refused"
        missing = [name for name in MANDATORY_FIELDS if name not in opened.columns]
        if missing:
            params: dict[str, object] = {
                "fields": missing,
                "titles": unrecognised_titles(opened),
            }
            _refuse(batch, token, "missing_columns", params)
            return "refused"
        _describe(batch, token, opened)
        if batch.processed < batch.lines:
            # Handed over, not kept here: a workbook's rows are a whole sheet
            # in memory, which the worker can free once it has read them all
            # if a helper process does the rest.
            source = [opened]
            del opened
            _register_rows(batch, token, path, source)
    _finish(batch, token)
    return "done"


def unrecognised_titles(opened: RegistrationFile) -> list[str]:
    """The header's titles that name no field, to show beside the missing
    columns: a misspelt title is usually the missing column itself."""
    used = set(opened.columns.values())
    kept = results.kept_columns(opened.header, len(opened.header))
    titles = [
        title.strip()
        for index, title in enumerate(opened.header)
        if index in kept and index not in used and title.strip()
    ]
    return titles[:_SHOWN_TITLES]


@contextmanager
def local_copy(name: str) -> Iterator[str]:
    """A path to the stored upload; a temporary copy if the storage is remote."""
    try:
        path = default_storage.path(name)
    except NotImplementedError:
        path = ""
    # Some storages give a path that points at nothing (in memory).
    if path and os.path.isfile(path):
        yield path
        return
    suffix = os.path.splitext(name)[1]
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy:
        with default_storage.open(name, "rb") as stored:
            shutil.copyfileobj(stored, copy)
        copy.flush()
        yield copy.name


def _hold(batch_id: int, token: str, processed: int | None = None) -> None:
    """Lock the batch for this transaction, or stop if another run owns it.

    On PostgreSQL the row lock makes a newer run's claim wait for this
    chunk; on SQLite the IMMEDIATE transaction already serialises writers.
    """
    owner, done = (
        UploadBatch.objects.select_for_update()
        .filter(pk=batch_id)
        .values_list("lease_token", "processed")
        .get()
    )
    if owner != token or (processed is not None and done != processed):
        raise LeaseLost


def _renew(batch_id: int, token: str) -> None:
    now = timezone.now()
    renewed = UploadBatch.objects.filter(pk=batch_id, lease_token=token).update(
        heartbeat_at=now, lease_until=now + stale_after()
    )
    if not renewed:
        raise LeaseLost


def _describe(batch: UploadBatch, token: str, opened: RegistrationFile) -> None:
    with transaction.atomic():
        _hold(batch.pk, token)
        UploadBatch.objects.filter(pk=batch.pk).update(
            kind=opened.kind,
            encoding=opened.encoding or "",
            delimiter=opened.delimiter or "",
            header=list(opened.header),
            lines=opened.row_count,
        )
    batch.refresh_from_db()


def _register_rows(
    batch: UploadBatch, token: str, path: str, source: list[RegistrationFile]
) -> None:
    """Read the whole file for repeats and conflicts, then register it
    chunk by chunk from where the last run stopped."""
    opened = source.pop()
    job = replace(_check_job(batch, path), kind=opened.kind)
    left = opened.row_count - batch.processed
    helper = None
    if 0 < settings.CAREPACK_BATCH_HELPER_ROWS <= left:
        # Started first: it checks while this process reads the whole file.
        helper = HelperChecks(job)
    try:
        maker = LineMaker(language=job.language, contact_email=job.contact_email)
        plan = analyse(opened.rows(), maker, heartbeat=partial(_renew, batch.pk, token))
        context = BatchContext(
            order=batch.order,
            batch_id=batch.pk,
            plan=plan,
            created_at=db_datetime(timezone.now()),
            known=load_known(batch.pk, plan.targets),
        )
        if helper is None:
            chunks = checked_chunks(
                replace(job, skip=frozenset(plan.repeat_of)), opened
            )
        else:
            chunks = iter(helper)
            del opened  # the helper reads the file itself: free this copy
        processed = batch.processed
        for checked in chunks:
            _commit_chunk(context, token, prepare(context, checked), processed)
            processed += len(checked)
    finally:
        if helper is not None:
            helper.close()
    logger.info("batch registered batch=%s rows=%s", batch.pk, processed)


def _check_job(batch: UploadBatch, path: str) -> CheckJob:
    order = batch.order
    return CheckJob(
        path=path,
        limits=reader_limits(),
        start=batch.processed,
        chunk_rows=settings.CAREPACK_BATCH_CHUNK_ROWS,
        language=order.language,
        contact_email=batch.reply_email or order.email,
        catalog=Catalog.load(),
        order_skus=order_skus(order),
    )


def _commit_chunk(
    context: BatchContext, token: str, prepared: Prepared, processed: int
) -> None:
    for attempt in range(1, _CHUNK_TRIES + 1):
        try:
            with transaction.atomic():
                _no_flush_wait()
                _hold(context.batch_id, token, processed)
                done = register(context, prepared)
                _record_progress(context.batch_id, processed, done)
            return
        except (IntegrityError, OperationalError):
            # Another upload or an online registration took the same pack
            # and serial number between our check and our insert (or the
            # two deadlocked, or SQLite stayed locked past its timeout):
            # decide the chunk again, it now sees that registration.
            if attempt == _CHUNK_TRIES:
                raise
            logger.info(
                "batch chunk retried batch=%s at=%s", context.batch_id, processed
            )


def _no_flush_wait() -> None:
    """On PostgreSQL, let this transaction's commit return before its WAL
    is flushed to disk (the server flushes it a moment later).

    A chunk writes thousands of rows: waiting for each flush cost a third of
    a large batch's time. Should the server crash within that moment, the
    chunk is lost whole, its progress with it, and the next run writes it
    again: still every line once. The batch's last commit waits for its
    flush, which covers every chunk before it: a batch reported done is on
    disk whole.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _record_progress(batch_id: int, processed: int, done: list[RowResult]) -> None:
    counts = Counter(result.outcome for result in done)
    now = timezone.now()
    UploadBatch.objects.filter(pk=batch_id).update(
        processed=processed + len(done),
        registered=F("registered") + counts[Outcome.REGISTERED],
        already_registered=F("already_registered") + counts[Outcome.ALREADY_REGISTERED],
        errors=F("errors") + counts[Outcome.ERROR],
        skipped=F("skipped") + counts[Outcome.SKIPPED],
        heartbeat_at=now,
        lease_until=now + stale_after(),
        attempts=0,
    )


def _refuse(
    batch: UploadBatch, token: str, code: str, params: dict[str, object]
) -> None:
    logger.info("batch refused batch=%s code=%s", batch.pk, code)
    with transaction.atomic():
        _hold(batch.pk, token)
        batch.status = Status.REFUSED
        batch.error_code = code
        batch.error_message = refusal_message(code, params)
        batch.error_params = {
            name: value
            if isinstance(value, str | int | float | list | tuple)
            else str(value)
            for name, value in params.items()
        }
        batch.lines = 0
        _close(batch)
        batch.save()


def _finish(batch: UploadBatch, token: str) -> None:
    batch.refresh_from_db()
    error_file = results.write_error_file(batch) if batch.errors else ""
    with transaction.atomic():
        _hold(batch.pk, token, batch.lines)
        batch.status = Status.DONE
        batch.error_file = error_file
        _close(batch)
        batch.save()
    logger.info(
        "batch done batch=%s lines=%s registered=%s errors=%s",
        batch.pk,
        batch.lines,
        batch.registered,
        batch.errors,
    )


def fail(batch: UploadBatch, message: str) -> None:
    """Give up on a batch; call in a transaction holding its row."""
    batch.status = Status.FAILED
    batch.error_code = "processing_failed"
    batch.error_message = message
    _close(batch)
    batch.save()


def _close(batch: UploadBatch) -> None:
    """End the batch: drop the lease, queue the result e-mail once."""
    batch.finished_at = timezone.now()
    batch.lease_token = ""
    batch.lease_until = None
    if batch.reply_email and not batch.result_mail_queued:
        results.queue_result_email(batch)
        batch.result_mail_queued = True
    record(
        batch.channel,
        "volume.batch_finished",
        order=batch.order,
        batch=str(batch.public_id),
        status=batch.status,
        lines=batch.lines,
        registered=batch.registered,
        already_registered=batch.already_registered,
        errors=batch.errors,
        skipped=batch.skipped,
    )
