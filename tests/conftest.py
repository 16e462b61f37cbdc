"""Shared fixtures: the database kind, the catalogue, orders, the worker.

Tests marked ``postgres`` need real parallel connections and run only in
the PostgreSQL pass of the suite (``scripts/test.sh`` runs both passes).
"""

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

os.environ.setdefault("CAREPACK_DATA_DIR", tempfile.mkdtemp(prefix="carepack-test-"))

import pytest
from django.core.management import call_command
from django.db import connection

FIXTURES = Path(__file__).parent / "fixtures"
CASES = FIXTURES / "cases"


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in engine:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: runs in the PostgreSQL pass")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def catalog(db: None) -> None:
    """The catalogue of the shared cases (4 packs, 4 machines)."""
    from carepack.catalog.services import import_catalog

    report = import_catalog(
        CASES / "catalog" / "care-packs.csv", CASES / "catalog" / "hardware.csv"
    )
    assert not report.errors


@pytest.fixture
def make_order(catalog: None) -> Callable[..., object]:
    from carepack.orders.services import create_order

    counter = iter(range(1, 10_000))

    def make(
        lines: dict[str, int] | None = None,
        language: str = "en",
        email: str = "claire@example.com",
    ) -> object:
        n = next(counter)
        return create_order(
            partner_po=f"PPO-{n}",
            customer_po=f"CPO-{n}",
            email=email,
            language=language,
            lines=lines or {"U4417PE": 5, "U6578E": 2},
            actor="test",
        )

    return make


def worker_env() -> dict[str, str]:
    """Environment for a worker process that uses the test database."""
    from django.conf import settings

    db = connection.settings_dict
    # The data folder settings took (pytest may set them up before this
    # module's default applies): the uploads, the keys.
    env = dict(os.environ, CAREPACK_DATA_DIR=str(settings.DATA_DIR))
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        )
    return env


def worker_command(*extra: str) -> list[str]:
    """The command line of a real worker process, for tests that run one."""
    return [
        sys.executable,
        "-m",
        "carepack.cli",
        "worker",
        "--no-reload",
        "--no-startup-delay",
        *extra,
    ]


@pytest.fixture
def run_worker() -> Callable[[], subprocess.CompletedProcess[str]]:
    """Run a real worker process until the queue is empty."""

    def run() -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            worker_command("--batch"),
            env=worker_env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        return result

    return run


@pytest.fixture
def drain_tasks(db: None) -> Callable[[], None]:
    """Run queued tasks in this process (mail lands in mail.outbox)."""

    def drain() -> None:
        call_command(
            "db_worker", batch=True, startup_delay=False, reload=False, verbosity=0
        )

    return drain


@pytest.fixture(autouse=True)
def _english_between_tests() -> Iterator[None]:
    """A test (or the code under test) that activates a language must not
    change the language of the next test."""
    from django.utils import translation

    yield
    translation.activate("en")
