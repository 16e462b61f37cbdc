"""``carepack serve``: the web server and one background worker together,
for a laptop or a small single-machine install."""

import errno
import logging
import signal
import subprocess
import sys
import threading
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# SIGTERM from a service manager or kill, SIGINT from Ctrl+C, SIGHUP when
# the terminal closes: each stops the server and its worker.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
# How long a worker may take to finish its task after SIGTERM before it is
# killed; a batch cut short resumes after its last chunk at the next start.
WORKER_STOP_SECONDS = 5


def supervise_worker(stop: threading.Event) -> None:
    """Run one worker process and start it again should it ever die."""
    while not stop.is_set():
        worker = subprocess.Popen(
            [sys.executable, "-m", "carepack.cli", "worker", "--no-reload"]
        )
        logger.info("worker started pid=%s", worker.pid)
        while worker.poll() is None:
            if stop.wait(1):
                stop_worker(worker)
                return
        if stop.is_set():
            return  # Ctrl+C reached the worker too; it stopped, as asked.
        logger.error("worker exited status=%s; starting a new one", worker.returncode)
        stop.wait(5)


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    """Ask the worker to stop, and kill it if it has not in time."""
    worker.terminate()
    try:
        worker.wait(timeout=WORKER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        logger.warning(
            "worker still running after SIGTERM pid=%s seconds=%s; killing it",
            worker.pid,
            WORKER_STOP_SECONDS,
        )
        worker.kill()
        worker.wait()
    logger.info("worker stopped pid=%s status=%s", worker.pid, worker.returncode)


def stop_serving(signum: int, frame: FrameType | None) -> None:
    logger.info("stopping on signal=%s", signal.Signals(signum).name)
    # waitress's loop closes the server when SystemExit reaches it.
    raise SystemExit(0)


def already_stopping(signum: int, frame: FrameType | None) -> None:
    # A second Ctrl+C must not cut short the stopping of the worker, which
    # would be left running without its supervisor.
    logger.info("already stopping; signal=%s ignored", signal.Signals(signum).name)


class Command(BaseCommand):
    help = "Serve the site with waitress and run a worker beside it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        # Listen before the worker starts: a port in use ends the command
        # with nothing left running.
        server = self._listen(options)
        stop = threading.Event()
        supervisor = threading.Thread(
            target=supervise_worker, args=(stop,), daemon=True, name="worker"
        )
        for signum in STOP_SIGNALS:
            signal.signal(signum, stop_serving)
        try:
            if not options["no_worker"]:
                supervisor.start()
            url = f"http://{options['host']}:{options['port']}/"
            self.stdout.write(
                f"carepack is running at {url} (data in {settings.DATA_DIR})"
            )
            server.run()
        finally:
            for signum in STOP_SIGNALS:
                signal.signal(signum, already_stopping)
            stop.set()
            if supervisor.is_alive():
                supervisor.join(timeout=WORKER_STOP_SECONDS + 5)

    def _listen(self, options: dict[str, Any]) -> Any:
        from waitress.server import create_server

        from carepack.wsgi import application

        host, port = options["host"], options["port"]
        try:
            return create_server(
                application,
                host=host,
                port=port,
                threads=options["threads"],
                ident="carepack",
                # Refuse a body past the upload limit before it is spooled
                # to disk (a form's fields need far less than 1 MB more).
                max_request_body_size=settings.CAREPACK_UPLOAD_MAX_BYTES + 2**20,
            )
        except OSError as exc:
            names = {"host": host, "port": port}
            if exc.errno == errno.EADDRINUSE:
                message = _(
                    "port %(port)s on %(host)s is already in use; set "
                    "CAREPACK_PORT (make run) or --port to a free port."
                )
            else:
                message = _("cannot listen on %(host)s port %(port)s: %(reason)s")
                names["reason"] = exc.strerror or str(exc)
            raise CommandError(message % names, returncode=1) from exc
