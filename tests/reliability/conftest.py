"""Helpers of the reliability suite: parallel calls on their own database
connections, real worker processes, serial files and processed batches.

Tests that need real parallel connections are marked ``postgres``: on
SQLite writers are serialised anyway, so the race they pin cannot happen.
"""

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client

from tests.conftest import worker_command, worker_env
from tests.portal.conftest import activate
from tests.readers.builders import TEMPLATE_HEADER as HEADER

NOTEBOOK = "6F8K2EA"
DESKTOP = "9TY71EA"


def in_parallel(calls: Sequence[Callable[[], Any]], timeout: float = 60) -> list[Any]:
    """Run the calls at the same moment, each thread on its own connection,
    and return their results (or raise the first exception)."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        try:
            start.wait(timeout=timeout)
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls, timeout=timeout))


def serial_rows(
    count: int, *, prefix: str = "SN", sku: str = "U4417PE", start: int = 0
) -> list[tuple[str, ...]]:
    """Distinct valid rows for a notebook pack: serials PREFIX00000000…"""
    return [
        (f"{prefix}{n:08d}", NOTEBOOK, sku, "Claire", "Dubois", "Dubois SARL")
        for n in range(start, start + count)
    ]


def serial_file(rows: Sequence[Sequence[str]], *, header: bool = True) -> bytes:
    """A tab-separated UTF-8 serial file as the template's macro writes it."""
    records = [HEADER, *rows] if header else list(rows)
    return "".join("\t".join(cells) + "\r\n" for cells in records).encode()


def processed_batch(
    order: Any, content: bytes, *, name: str = "serials.txt", reply_email: str = ""
) -> Any:
    """Upload ``content`` to the order and process it in this process."""
    from carepack.volume.processing import process_batch
    from carepack.volume.uploads import accept_upload

    accepted = accept_upload(
        order,
        ContentFile(content, name=name),
        reply_email=reply_email,
        channel="web",
        enqueue=False,
    )
    process_batch(accepted.batch.pk)
    accepted.batch.refresh_from_db()
    return accepted.batch


def browser_for(code: str, address: str = "203.0.113.7") -> Client:
    """A browser that activated the order of ``code``."""
    browser = Client()
    response = activate(browser, code, address=address)
    assert response.status_code == 302, response.content.decode()[:500]
    return browser


class Worker:
    """A real ``carepack worker`` process on the test database."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "Worker":
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            worker_command("--interval", "0.05", "--sweep-interval", "0.5"),
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        handle.close()
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: no cleanup, no last commit, as a crash."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def pause(self) -> None:
        """SIGSTOP: freeze it, so that what the database shows stays true
        until it is killed or resumed."""
        os.kill(self.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-5000:]


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """Start real worker processes; all are stopped at the end."""
    started: list[Worker] = []

    def start(**env: str) -> Worker:
        worker = Worker(
            worker_env() | {"CAREPACK_LOG_LEVEL": "INFO"} | env,
            tmp_path / f"worker-{len(started)}.log",
        )
        started.append(worker.start())
        return worker

    yield start
    for worker in started:
        worker.stop()


def wait_until(
    condition: Callable[[], bool],
    *,
    timeout: float,
    what: str | Callable[[], str],
    step: float = 0.1,
) -> None:
    """Poll ``condition``; on timeout, fail saying ``what`` (a callable is
    asked then, so that it can show the state at that moment)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(step)
    described = what() if callable(what) else what
    raise AssertionError(f"timed out after {timeout} s waiting for {described}")
