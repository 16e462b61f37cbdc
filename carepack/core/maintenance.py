"""Periodic work done by every worker: recover what a dead worker left."""

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from carepack.notifications.services import requeue_lost_emails

logger = logging.getLogger(__name__)

KEEP_TASK_RESULTS = timedelta(days=7)


def prune_task_results() -> int:
    cutoff = timezone.now() - KEEP_TASK_RESULTS
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted


def sweep() -> None:
    """Requeue batches and e-mails whose worker died; prune old results."""
    from carepack.volume.recovery import requeue_stale_batches

    requeue_stale_batches()
    requeue_lost_emails()
    pruned = prune_task_results()
    if pruned:
        logger.info("pruned task results count=%s", pruned)
