"""``carepack worker``: django-tasks-db's worker plus our periodic sweep.

django-tasks-db never runs again a task left RUNNING by a dead worker, so
every worker sweeps at start and then every ``--sweep-interval`` seconds:
batches whose heartbeat went stale and e-mails whose task was lost are
queued again.
"""

import logging
import threading
import time
from argparse import ArgumentParser
from typing import Any

from django.db import OperationalError, close_old_connections, connection
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from carepack.core.limits import limit_memory
from carepack.core.maintenance import sweep

logger = logging.getLogger(__name__)


def _sweep_forever(interval: float, stop: threading.Event) -> None:
    while not stop.wait(interval):
        try:
            close_old_connections()
            sweep()
        except Exception:
            logger.exception("sweep failed")
        finally:
            connection.close()


class Command(DbWorkerCommand):
    help = "Run a background worker (tasks, recovery of stale work)."
    # The system checks query the database (SQLite's JSON support) and would
    # fail a worker that starts while another process holds the write lock;
    # migrate and the web server run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--sweep-interval", type=float, default=60.0)

    def handle(self, *args: Any, **options: Any) -> None:
        limit_memory()
        stop = threading.Event()
        thread = threading.Thread(
            target=_sweep_forever,
            args=(options.pop("sweep_interval"), stop),
            daemon=True,
            name="carepack-sweep",
        )
        thread.start()
        try:
            self._work(*args, **options)
        finally:
            stop.set()

    def _work(self, *args: Any, **options: Any) -> None:
        # A database that stays busy longer than its timeout (SQLite while a
        # long write runs) or goes away for a moment must delay the worker,
        # never end it: the e-mails and batches would wait silently.
        delay = 1.0
        while True:
            try:
                sweep()
                connection.close()
                super().handle(*args, **options)
                return
            except OperationalError:
                logger.exception("database unavailable, worker retries in=%ss", delay)
                connection.close()
                time.sleep(delay)
                delay = min(delay * 2, 60.0)
