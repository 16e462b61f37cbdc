"""Benchmark of volume registration: lines per second and peak memory.

    .venv/bin/python bench/volume.py                      # 100,000 lines, SQLite
    .venv/bin/python bench/volume.py --lines 1000000      # the big one
    .venv/bin/python bench/volume.py --postgres           # PostgreSQL too

For each size and format (UTF-16 tab-separated text as Excel writes it,
and xlsx) it creates a fresh order with enough units, stores the file as an
upload, and runs the batch in a child process through the worker's code
path (``process_batch``, which the task calls). The child reports its own
time and peak RSS (and its checking helper's, when the batch is large
enough to start one), so setting up a million units does not count.
Every line must come out registered.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from carepack.readers.headers import DEFAULT_HEADER

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "tests" / "fixtures" / "cases" / "catalog"
PG_URL = "postgres://postgres@127.0.0.1:5432"
PG_NAME = "carepack_bench"
# The vendor template's titles, mandatory and optional, without the date.
HEADER = DEFAULT_HEADER[:6]
PEOPLE = (
    ("Claire", "Dubois", "Atelier Dubois SARL"),
    ("Björn", "Ångström", "Ångström AB"),
    ("Hélène", "Faure", ""),
    ("Marc", "Roux", "Roux SA"),
)


def values(index: int) -> tuple[str, ...]:
    first, surname, company = PEOPLE[index % len(PEOPLE)]
    return (f"5CD{index:07d}", "6F8K2EA#ABF", "U4417PE", first, surname, company)


def write_text(path: Path, lines: int) -> None:
    with path.open("w", encoding="utf-16", newline="") as out:
        out.write("\t".join(["MANDATORY FIELD"] * 5) + "\t\r\n")
        out.write("\t".join(HEADER) + "\r\n")
        for index in range(lines):
            out.write("\t".join(values(index)) + "\r\n")


def write_xlsx(path: Path, lines: int) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Registration")
    for column in range(5):
        sheet.write_string(0, column, "MANDATORY FIELD")
    for column, title in enumerate(HEADER):
        sheet.write_string(1, column, title)
    for index in range(lines):
        for column, value in enumerate(values(index)):
            if value:
                sheet.write_string(index + 2, column, value)
    book.close()


def setup_django(database_url: str, data_dir: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["CAREPACK_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carepack.settings")
    os.environ["CAREPACK_UPLOAD_MAX_BYTES"] = str(1024**3)
    os.environ["CAREPACK_LOG_LEVEL"] = "WARNING"
    import django

    django.setup()


def prepare(lines: int, kind: str, folder: Path) -> int:
    """A fresh order and a stored upload; returns the batch id."""
    from django.core.files import File

    from carepack.orders.services import create_order
    from carepack.volume.uploads import accept_upload

    stamp = f"{time.time_ns()}"
    order = create_order(
        partner_po=f"BENCH-{stamp}",
        customer_po=f"{kind}-{lines}",
        email="bench@example.com",
        language="en",
        lines={"U4417PE": lines},
        actor="bench",
    ).order
    path = folder / f"bench-{lines}.{'txt' if kind == 'text' else 'xlsx'}"
    started = time.perf_counter()
    (write_text if kind == "text" else write_xlsx)(path, lines)
    print(
        f"  file {path.name}: {path.stat().st_size / 1e6:.1f} MB "
        f"written in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    with path.open("rb") as handle:
        batch = accept_upload(
            order,
            File(handle, name=path.name),
            reply_email="",
            channel="bench",
            enqueue=False,
        ).batch
    return batch.pk


def run_batch(batch_id: int) -> None:
    """In the child: process the batch and report time and peak memory."""
    from django.db import connection

    from carepack.volume.models import UploadBatch
    from carepack.volume.processing import process_batch

    connection.ensure_connection()
    profile_to = os.environ.get("CAREPACK_BENCH_PROFILE")
    started = time.perf_counter()
    if profile_to:
        import cProfile

        with cProfile.Profile() as profile:
            outcome = process_batch(batch_id)
        profile.dump_stats(profile_to)
    else:
        outcome = process_batch(batch_id)
    seconds = time.perf_counter() - started
    batch = UploadBatch.objects.get(pk=batch_id)
    helper = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "outcome": outcome,
                "seconds": seconds,
                "peak_mb": peak_rss_mb(),
                "helper_peak_mb": helper,
                "lines": batch.lines,
                "registered": batch.registered,
            }
        )
    )


def peak_rss_mb() -> float:
    """This process's own peak RSS. ``getrusage`` would not do: Linux keeps
    ``ru_maxrss`` across exec, so a child reports its parent's peak (here
    the million units created before it started)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(database_url: str, data_dir: str, batch_id: int) -> dict[str, float]:
    env = dict(os.environ, DATABASE_URL=database_url, CAREPACK_DATA_DIR=data_dir)
    child = subprocess.run(
        [sys.executable, __file__, "--run-batch", str(batch_id)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        sys.exit(child.stderr)
    result: dict[str, float] = json.loads(child.stdout.strip().splitlines()[-1])
    return result


def bench(database: str, database_url: str, sizes: list[int], kinds: list[str]) -> None:
    from django.core.management import call_command

    from carepack.catalog.services import import_catalog

    call_command("migrate", verbosity=0)
    import_catalog(CATALOG / "care-packs.csv", CATALOG / "hardware.csv")
    data_dir = os.environ["CAREPACK_DATA_DIR"]
    with tempfile.TemporaryDirectory() as folder:
        for lines in sizes:
            for kind in kinds:
                print(f"{database}, {lines:,} lines, {kind}:", flush=True)
                batch_id = prepare(lines, kind, Path(folder))
                result = measure(database_url, data_dir, batch_id)
                assert result["registered"] == lines, result
                helper = result["helper_peak_mb"]
                print(
                    f"  {result['seconds']:.1f} s, "
                    f"{lines / result['seconds']:,.0f} lines/s, "
                    f"peak {result['peak_mb']:.0f} MB"
                    + (f" (checking helper {helper:.0f} MB)" if helper else ""),
                    flush=True,
                )


def postgres_reachable() -> bool:
    try:
        import psycopg

        psycopg.connect(f"{PG_URL}/postgres", connect_timeout=3).close()
    except Exception:
        return False
    return True


def fresh_postgres() -> str:
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
        admin.execute(f"CREATE DATABASE {PG_NAME}")
    return f"{PG_URL}/{PG_NAME}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[100_000])
    parser.add_argument("--kinds", nargs="+", default=["text", "xlsx"])
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL too")
    parser.add_argument("--database", choices=["sqlite", "postgres"])
    parser.add_argument(
        "--profile", metavar="FILE", help="write the batch's cProfile stats to FILE"
    )
    parser.add_argument("--run-batch", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.profile:
        os.environ["CAREPACK_BENCH_PROFILE"] = os.path.abspath(args.profile)

    if args.run_batch:
        setup_django(os.environ["DATABASE_URL"], os.environ["CAREPACK_DATA_DIR"])
        run_batch(args.run_batch)
        return
    if args.database:
        with tempfile.TemporaryDirectory(prefix="carepack-bench-") as data_dir:
            if args.database == "sqlite":
                name, url = "SQLite", f"sqlite:///{data_dir}/bench.sqlite3"
            else:
                name, url = "PostgreSQL", fresh_postgres()
            setup_django(url, data_dir)
            bench(name, url, args.lines, args.kinds)
        return

    databases = ["sqlite"]
    if args.postgres or postgres_reachable():
        databases.append("postgres")
    for database in databases:
        command = [sys.executable, __file__, "--database", database, "--lines"]
        command += [str(n) for n in args.lines] + ["--kinds", *args.kinds]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
