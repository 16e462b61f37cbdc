"""``carepack serve`` with real processes: it stops its worker when it is
told to stop, and a port already taken ends it with one clear line and no
process left behind."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import worker_env

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not Path("/proc/self/environ").exists(), reason="finds processes in /proc"
    ),
]


def serve(port: int, data_dir: Path) -> subprocess.Popen[bytes]:
    """Start serve with its output in files: a pipe would stay open as long
    as a worker left behind, and hide it behind a time-out."""
    env = worker_env() | {"CAREPACK_DATA_DIR": str(data_dir)}
    with (data_dir / "serve.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "carepack.cli", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def output(data_dir: Path) -> str:
    return (data_dir / "serve.log").read_text()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def processes_of(data_dir: Path) -> set[int]:
    """Live processes started with this data folder: serve and its worker."""
    marker = f"CAREPACK_DATA_DIR={data_dir}".encode()
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            environ = (entry / "environ").read_bytes() if entry.name.isdigit() else b""
        except OSError:
            continue  # gone meanwhile, or not ours to read
        if marker in environ.split(b"\0"):
            found.add(int(entry.name))
    return found


def wait_for(predicate: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def kill_all(pids: set[int]) -> None:
    """Leave no process behind, whatever a failed test left running."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_it_stops_its_worker_when_told_to_stop(
    tmp_path: Path, signum: signal.Signals
) -> None:
    server = serve(free_port(), tmp_path)
    try:
        assert wait_for(lambda: len(processes_of(tmp_path)) == 2), "no worker started"
        [worker_pid] = processes_of(tmp_path) - {server.pid}

        server.send_signal(signum)
        server.wait(timeout=30)

        assert not processes_of(tmp_path), f"worker {worker_pid} left running"
        assert server.returncode == 0, output(tmp_path)
        assert "Traceback" not in output(tmp_path)
    finally:
        server.kill()
        kill_all(processes_of(tmp_path))


def test_a_port_in_use_is_told_in_one_line_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        server = serve(port, tmp_path)
        try:
            server.wait(timeout=60)
        finally:
            server.kill()
            left = processes_of(tmp_path)
            kill_all(left)

    err = output(tmp_path)
    assert server.returncode not in (0, None), err
    assert f"port {port} on 127.0.0.1 is already in use; set CAREPACK_PORT" in err
    assert "Traceback" not in err
    assert not left


def test_a_worker_deaf_to_sigterm_is_killed(monkeypatch: pytest.MonkeyPatch) -> None:
    from carepack.core.management.commands import serve as command

    monkeypatch.setattr(command, "WORKER_STOP_SECONDS", 0.5)
    deaf = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, time\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "print('ready', flush=True)\n"
            "time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert deaf.stdout is not None and deaf.stdout.readline() == b"ready\n"

        command.stop_worker(deaf)

        assert deaf.returncode == -signal.SIGKILL
    finally:
        deaf.kill()
        deaf.wait()
