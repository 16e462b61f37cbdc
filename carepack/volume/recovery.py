"""Recovery of batches whose worker died.

django-tasks-db never runs again a task left RUNNING by a dead worker, so
every worker calls ``requeue_stale_batches`` at start and each minute (see
``carepack.core.maintenance``). A batch is stale when its heartbeat is
older than ``CAREPACK_BATCH_STALE_SECONDS`` and no run holds its lease; it
is queued again unless its task is still waiting in the queue. A batch
queued again this many times without progress has failed for good.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.tasks import TaskResultStatus
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_tasks_db.models import DBTaskResult

from carepack.volume.models import UploadBatch
from carepack.volume.processing import fail, stale_after

logger = logging.getLogger(__name__)

Status = UploadBatch.Status
_SWEEP_LIMIT = 100


def requeue_stale_batches() -> int:
    """Queue again the batches whose worker died; returns how many."""
    now = timezone.now()
    stale = (
        UploadBatch.objects.filter(
            status__in=[Status.QUEUED, Status.RUNNING],
            heartbeat_at__lt=now - stale_after(),
        )
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("heartbeat_at")
        .values_list("pk", "task_id")[:_SWEEP_LIMIT]
    )
    requeued = 0
    for batch_id, task_id in stale:
        if _waiting(task_id):
            continue
        requeued += _requeue(batch_id)
    if requeued:
        logger.warning("requeued stale batches count=%s", requeued)
    return requeued


def _waiting(task_id: str) -> bool:
    """Whether the batch's task is still in the queue, to be run."""
    if not task_id:
        return False
    return DBTaskResult.objects.filter(
        pk=task_id, status=TaskResultStatus.READY
    ).exists()


def _requeue(batch_id: int) -> int:
    from carepack.volume.tasks import process_upload

    now = timezone.now()
    with transaction.atomic():
        batch = (
            UploadBatch.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("order")
            .filter(pk=batch_id, status__in=[Status.QUEUED, Status.RUNNING])
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .first()
        )
        if batch is None:  # another worker got there first
            return 0
        if batch.attempts >= settings.CAREPACK_BATCH_MAX_ATTEMPTS:
            logger.error("batch failed batch=%s attempts=%s", batch.pk, batch.attempts)
            with override(batch.order.language):
                fail(
                    batch,
                    _(
                        "The file could not be processed. Nothing more will be "
                        "registered from it; the lines listed in the report are "
                        "done. Please contact support."
                    ),
                )
            return 0
        result = process_upload.enqueue(batch.pk)
        UploadBatch.objects.filter(pk=batch.pk).update(
            task_id=str(result.id), attempts=batch.attempts + 1, heartbeat_at=now
        )
    logger.warning("batch requeued batch=%s attempts=%s", batch_id, batch.attempts + 1)
    return 1
