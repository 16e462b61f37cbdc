"""Time and peak memory of reading each hostile file (target: < 2 s, < 200 MB).

Each file is read in a fresh process with the product's default limits, so
the peak resident memory printed is that file's alone.

    .venv/bin/python bench/hostile.py
"""

import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

HEADER = (
    "Unit Serial Number\tProduct Number\tHP CarePack Product Number\t"
    "Title/First name\tSurname\tCompany Name\r\n"
)


def random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(2 * 1024 * 1024))


def truncated_xlsx(path: Path) -> None:
    import xlsxwriter

    full = path.with_suffix(".full.xlsx")
    book = xlsxwriter.Workbook(str(full))
    sheet = book.add_worksheet()
    for row in range(5000):
        sheet.write_row(row, 0, [f"SN{row:08d}", "6F8K2EA", "U4417PE", "A", "B"])
    book.close()
    data = full.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    full.unlink()


def zip_bomb(path: Path) -> None:
    """A small xlsx whose sheet inflates to 4 GB of XML (declared honestly
    in the zip directory: the guard must refuse before inflating)."""
    size = 4 * 1024**3
    chunk = b"<c><v>0</v></c>" * 4096
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            written = 0
            while written < size:
                sheet.write(chunk)
                written += len(chunk)


def nul_bytes(path: Path) -> None:
    path.write_bytes(
        HEADER.encode() + b"SN1\x00\x00\x006F8K2EA\tU4417PE\tA\tB\r\n" * 1000
    )


def one_long_line(path: Path) -> None:
    with path.open("wb") as handle:
        handle.write(HEADER.encode())
        block = b"A" * (1024 * 1024)
        for _ in range(50):
            handle.write(block)


def over_size_limit(path: Path) -> None:
    with path.open("wb") as handle:
        handle.write(HEADER.encode())
        handle.truncate(101 * 1024 * 1024)  # sparse: costs no disk


def html_as_csv(path: Path) -> None:
    path.write_text(
        "<!DOCTYPE html><html><body>" + "<p>x</p>" * 50000 + "</body></html>"
    )


def pdf_as_csv(path: Path) -> None:
    path.write_bytes(b"%PDF-1.7\n" + os.urandom(1024 * 1024))


def empty(path: Path) -> None:
    path.write_bytes(b"")


def only_headers(path: Path) -> None:
    path.write_text("MANDATORY FIELD\t" * 5 + "\r\n" + HEADER)


CASES: dict[str, tuple[str, Callable[[Path], None]]] = {
    "random bytes .txt": ("random.txt", random_bytes),
    "random bytes .xlsx": ("random.xlsx", random_bytes),
    "truncated xlsx": ("truncated.xlsx", truncated_xlsx),
    "xlsx zip bomb (4 GB sheet)": ("bomb.xlsx", zip_bomb),
    "text with NUL bytes": ("nul.txt", nul_bytes),
    "one 50 MB line": ("long.txt", one_long_line),
    "over the size limit (101 MB)": ("big.txt", over_size_limit),
    "HTML renamed .csv": ("page.csv", html_as_csv),
    "PDF renamed .csv": ("doc.csv", pdf_as_csv),
    "empty file": ("empty.csv", empty),
    "only headers": ("headers.txt", only_headers),
}


def read_one(path: str) -> None:
    """Child process: read the file as the worker does, print the result."""
    from carepack.readers import FileRefused, open_registration_file

    started = time.perf_counter()
    try:
        registration = open_registration_file(path)
        rows = sum(1 for _ in registration.rows())
        outcome = f"read {rows} rows"
    except FileRefused as exc:
        outcome = f"refused: {exc.code}"
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{elapsed:.3f}\t{peak_mb:.0f}\t{outcome}")


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        read_one(sys.argv[2])
        return

    print(f"{'file':32} {'seconds':>8} {'peak MB':>8}  outcome")
    with tempfile.TemporaryDirectory() as directory:
        for label, (name, build) in CASES.items():
            path = Path(directory) / name
            build(path)
            result = subprocess.run(
                [sys.executable, __file__, "--one", str(path)],
                capture_output=True,
                text=True,
                check=True,
            )
            seconds, peak, outcome = result.stdout.strip().split("\t")
            size = path.stat().st_size
            print(
                f"{label:32} {float(seconds):8.3f} {peak:>8}  "
                f"{outcome} ({size:,} bytes)"
            )
            path.unlink()


if __name__ == "__main__":
    main()
