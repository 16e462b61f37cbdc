"""``carepack serve``: the web server and one background worker together,
for a laptop or a small single-machine install."""

import logging
import subprocess
import sys
import threading
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

logger = logging.getLogger(__name__)


def supervise_worker(stop: threading.Event) -> None:
    """Run one worker process and start it again should it ever die."""
    while not stop.is_set():
        worker = subprocess.Popen(
            [sys.executable, "-m", "carepack.cli", "worker", "--no-reload"]
        )
        while worker.poll() is None:
            if stop.wait(1):
                worker.terminate()
                worker.wait(timeout=30)
                return
        logger.error("worker exited status=%s; starting a new one", worker.returncode)
        stop.wait(5)


class Command(BaseCommand):
    help = "Serve the site with waitress and run a worker beside it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve

        from carepack.wsgi import application

        stop = threading.Event()
        supervisor = threading.Thread(
            target=supervise_worker, args=(stop,), daemon=True, name="worker"
        )
        if not options["no_worker"]:
            supervisor.start()
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(f"carepack is running at {url} (data in {settings.DATA_DIR})")
        try:
            serve(
                application,
                host=options["host"],
                port=options["port"],
                threads=options["threads"],
                ident="carepack",
                # Refuse a body past the upload limit before it is spooled
                # to disk (a form's fields need far less than 1 MB more).
                max_request_body_size=settings.CAREPACK_UPLOAD_MAX_BYTES + 2**20,
            )
        finally:
            stop.set()
            if supervisor.is_alive():
                supervisor.join(timeout=35)
