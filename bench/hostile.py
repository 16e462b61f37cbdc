"""Time and peak memory of each hostile file (target: < 2 s, < 200 MB).

Two measures per file, each in a fresh process so that its peak resident
memory is that file's alone:

- reader: ``open_registration_file`` and every row, as the worker reads;
- CLI: the real ``carepack register-file FILE --json`` on a throwaway
  SQLite database (Django's start-up included), as a user would run it.

    .venv/bin/python bench/hostile.py

The files are the reliability suite's (tests/reliability/hostile_files.py).
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.reliability.hostile_files import HOSTILE, SPARSE_ODS, build_all  # noqa: E402

CATALOG = ROOT / "tests" / "fixtures" / "cases" / "catalog"
# The product's default ceiling for the processes that parse uploads.
MEMORY_MB = 3072


def read_one(path: str) -> None:
    """Child process: read the file as the worker does, print the result."""
    from carepack.readers import FileRefused, open_registration_file

    limit = MEMORY_MB * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.RLIM_INFINITY))
    started = time.perf_counter()
    try:
        registration = open_registration_file(path)
        rows = sum(1 for _ in registration.rows())
        outcome = f"read {rows} rows"
    except FileRefused as exc:
        outcome = f"refused: {exc.code}"
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{elapsed:.3f}\t{peak_mb:.0f}\t{outcome}")  # peak: see measure()


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Run a child; its wall time, peak RSS in MB, exit status and stdout."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        return elapsed, usage.ru_maxrss / 1024, child.returncode, out.read().decode()


def reader(path: Path) -> str:
    """The reading alone: its own time, and the child's peak memory."""
    elapsed, peak, code, stdout = measure(
        [sys.executable, __file__, "--one", str(path)], dict(os.environ)
    )
    if code != 0:
        return f"{elapsed:8.3f} {peak:8.0f}  crashed (exit status {code})"
    seconds, _, outcome = stdout.strip().split("\t")
    return f"{float(seconds):8.3f} {peak:8.0f}  {outcome}"


def cli_env(directory: Path) -> dict[str, str]:
    """A throwaway data folder with a migrated database and one order."""
    env = dict(os.environ) | {
        "CAREPACK_DATA_DIR": str(directory),
        "CAREPACK_LOG_LEVEL": "WARNING",
        # The readers' own default, which the 101 MB file is built to pass.
        "CAREPACK_UPLOAD_MAX_BYTES": str(100 * 1024 * 1024),
    }
    env.pop("DATABASE_URL", None)
    carepack = [sys.executable, "-m", "carepack.cli"]
    for args in (
        ["migrate", "--verbosity", "0"],
        [
            "import-catalog",
            str(CATALOG / "care-packs.csv"),
            str(CATALOG / "hardware.csv"),
        ],
    ):
        subprocess.run(carepack + args, env=env, check=True, capture_output=True)
    order = ["--partner-po", "BENCH", "--customer-po", "HOSTILE"]
    order += ["--email", "bench@example.com", "--line", "U4417PE=10", "--json"]
    created = subprocess.run(
        [*carepack, "create-order", *order],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    env["CAREPACK_CODE"] = json.loads(created.stdout)["activation_code"]
    return env


def cli(path: Path, env: dict[str, str]) -> str:
    command = [
        sys.executable,
        "-m",
        "carepack.cli",
        "register-file",
        str(path),
        "--json",
    ]
    elapsed, peak, code, stdout = measure(command, env)
    try:
        outcome = "refused: " + json.loads(stdout)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        outcome = "no JSON error"
    return f"{elapsed:8.3f} {peak:8.0f}  {outcome} (exit status {code})"


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        read_one(sys.argv[2])
        return

    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        (folder / "files").mkdir()
        files = build_all(folder / "files")
        env = cli_env(folder / "data")
        print(f"{'file':32} {'bytes':>12}  {'reader s':>8} {'peak MB':>8}  outcome")
        print(f"{'':32} {'':>12}  {'CLI s':>8} {'peak MB':>8}  outcome")
        for hostile in [*HOSTILE, SPARSE_ODS]:
            path = files[hostile.label]
            size = path.stat().st_size
            print(f"{hostile.label:32} {size:12,}  {reader(path)}")
            print(f"{'':32} {'':>12}  {cli(path, env)}")


if __name__ == "__main__":
    main()
