"""``carepack serve``: the web server and one background worker together,
for a laptop or a small single-machine install."""

import logging
import subprocess
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

logger = logging.getLogger(__name__)


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

        worker = None
        if not options["no_worker"]:
            worker = subprocess.Popen(
                [sys.executable, "-m", "carepack.cli", "worker", "--no-reload"]
            )
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(f"carepack is running at {url} (data in {settings.DATA_DIR})")
        try:
            serve(
                application,
                host=options["host"],
                port=options["port"],
                threads=options["threads"],
                ident="carepack",
            )
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=30)
