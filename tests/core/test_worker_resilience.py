"""A worker outlives a database that stays locked longer than its timeout."""

import sqlite3
import subprocess
import sys
import time

import pytest
from django.db import connection

from carepack.notifications.models import OutgoingEmail
from tests.conftest import worker_env


@pytest.mark.django_db(transaction=True)
def test_it_waits_out_a_locked_database_and_then_sends(make_order) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's writer lock; PostgreSQL waits on row locks instead")
    make_order()
    env = worker_env() | {"CAREPACK_SQLITE_TIMEOUT": "1"}
    holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")

    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "carepack.cli",
            "worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.2",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        time.sleep(4)
        assert worker.poll() is None, worker.communicate()[0]
        holder.execute("COMMIT")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if OutgoingEmail.objects.filter(status="sent").exists():
                break
            time.sleep(0.2)
        assert OutgoingEmail.objects.get().status == "sent"
        assert worker.poll() is None
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
        holder.close()
    assert "database unavailable, worker retries" in output
