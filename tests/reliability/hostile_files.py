"""Hostile upload files, built fast and shared by the tests and by
``bench/hostile.py``. No pytest or Django here: bytes to a path only.

The zip bombs are written by hand: a megabyte of zeros deflated once with
a full flush is a self-contained piece of deflate stream, so repeating it
gives gigabytes of sheet in a file of a few megabytes, in milliseconds.
"""

import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import xlsxwriter

from tests.readers.builders import TEMPLATE_HEADER as HEADER

TEXT_HEADER = "\t".join(HEADER) + "\r\n"
ROW = ("5CD3301K11", "6F8K2EA", "U4417PE", "Claire", "Dubois", "")
MB = 1024 * 1024


def random_bytes(path: Path) -> None:
    path.write_bytes(random.Random(7).randbytes(2 * MB))


def truncated_xlsx(path: Path) -> None:
    full = path.with_name(path.name + ".full")
    book = xlsxwriter.Workbook(str(full))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    for row in range(1, 5000):
        sheet.write_row(row, 0, [f"SN{row:08d}", *ROW[1:]])
    book.close()
    data = full.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    full.unlink()


def zip_bomb(path: Path) -> None:
    """An xlsx whose sheet inflates to 2 GiB of zeros, sizes declared
    honestly: the zip's own directory gives it away."""
    _zeros_workbook(path, inflated=2 * 1024 * MB, declared=None)


def lying_zip_bomb(path: Path) -> None:
    """The same sheet, declaring 1,000 bytes: only inflating tells."""
    _zeros_workbook(path, inflated=2 * 1024 * MB, declared=1000)


def sparse_xlsx(path: Path) -> None:
    """A 5 KB workbook with one far-away cell: a spreadsheet reader that
    allocates the whole used range wants 100,000 × 1,001 cells."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    sheet.write_row(1, 0, ROW)
    sheet.write_string(100_000, 1000, "x")
    book.close()


def sparse_ods(path: Path) -> None:
    """A 1 KB OpenDocument sheet: titles, 400,000 empty rows written as one
    repeated row, then a cell 200 columns to the right."""
    cell = '<table:table-cell office:value-type="string"><text:p>{}</text:p>'
    titles = "".join(cell.format(title) + "</table:table-cell>" for title in HEADER)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<office:document-content {_ODS_NAMESPACES} office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Sheet1">'
        f"<table:table-row>{titles}</table:table-row>"
        '<table:table-row table:number-rows-repeated="400000">'
        "<table:table-cell/></table:table-row>"
        '<table:table-row><table:table-cell table:number-columns-repeated="200"/>'
        + cell.format("x")
        + "</table:table-cell></table:table-row>"
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:'
        'xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type='
        f'"{_ODS_TYPE}"/></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", _ODS_TYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", content)


_ODS_TYPE = "application/vnd.oasis.opendocument.spreadsheet"
_ODS_NAMESPACES = " ".join(
    f'xmlns:{prefix}="urn:oasis:names:tc:opendocument:xmlns:{name}:1.0"'
    for prefix, name in (("office", "office"), ("table", "table"), ("text", "text"))
)


def nul_bytes(path: Path) -> None:
    path.write_bytes(
        TEXT_HEADER.encode() + b"SN1\x00\x00\x006F8K2EA\tU4417PE\tA\tB\r\n" * 1000
    )


def one_long_line(path: Path) -> None:
    """The template's titles, then a single line of 50 MB."""
    with path.open("wb") as handle:
        handle.write(TEXT_HEADER.encode())
        block = b"A" * MB
        for _ in range(50):
            handle.write(block)


def over_size_limit(path: Path, size: int = 101 * MB) -> None:
    """Sparse: a file of ``size`` bytes that costs no disk."""
    with path.open("wb") as handle:
        handle.write(TEXT_HEADER.encode())
        handle.truncate(size)


def html_as_csv(path: Path) -> None:
    path.write_text(
        "<!DOCTYPE html><html><body>" + "<p>x</p>" * 50000 + "</body></html>"
    )


def pdf_as_csv(path: Path) -> None:
    path.write_bytes(b"%PDF-1.7\n" + random.Random(8).randbytes(MB))


def empty(path: Path) -> None:
    path.write_bytes(b"")


def only_headers(path: Path) -> None:
    path.write_text("MANDATORY FIELD\t" * 5 + "\r\n" + TEXT_HEADER)


@dataclass(frozen=True)
class Hostile:
    label: str
    name: str
    build: Callable[[Path], None]
    # The refusal code the readers give it, as the CLI prints it.
    code: str


HOSTILE = [
    Hostile("random bytes .txt", "random.txt", random_bytes, "binary_content"),
    Hostile("random bytes .xlsx", "random.xlsx", random_bytes, "binary_content"),
    Hostile(
        "truncated xlsx", "truncated.xlsx", truncated_xlsx, "unreadable_spreadsheet"
    ),
    Hostile("xlsx zip bomb (2 GiB sheet)", "bomb.xlsx", zip_bomb, "zip_bomb"),
    Hostile("xlsx zip bomb, lying sizes", "liar.xlsx", lying_zip_bomb, "zip_bomb"),
    Hostile("text with NUL bytes", "nul.txt", nul_bytes, "binary_content"),
    Hostile("one 50 MB line", "long.txt", one_long_line, "line_too_long"),
    Hostile("over the size limit (101 MB)", "big.txt", over_size_limit, "too_large"),
    Hostile("HTML renamed .csv", "page.csv", html_as_csv, "not_a_registration_file"),
    Hostile("PDF renamed .csv", "doc.csv", pdf_as_csv, "not_a_registration_file"),
    Hostile("empty file", "empty.csv", empty, "empty"),
    Hostile("only headers", "headers.txt", only_headers, "no_data_rows"),
    Hostile("xlsx with one far cell (5 KB)", "sparse.xlsx", sparse_xlsx, "zip_bomb"),
]
# Not refused yet (it kills the process that parses it): kept out of the
# list the worker tests share; see tests/reliability/test_hostile_files.py.
SPARSE_ODS = Hostile(
    "ods with 400,000 repeated rows (1 KB)", "sparse.ods", sparse_ods, "zip_bomb"
)


def build_all(directory: Path) -> dict[str, Path]:
    """Every hostile file in ``directory``, by label; built once."""
    paths = {}
    for hostile in [*HOSTILE, SPARSE_ODS]:
        path = directory / hostile.name
        if not path.exists():
            hostile.build(path)
        paths[hostile.label] = path
    return paths


# The smallest zip writer that calamine and zipfile accept as an xlsx.

_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_END = struct.Struct("<4sHHHHIIH")
_DOS_DATE = (1 << 5) | 1  # 1980-01-01
_STORED, _DEFLATED = 0, 8


@dataclass
class _Entry:
    name: bytes
    method: int
    crc: int
    compressed: int
    size: int
    offset: int = 0


def _zeros_workbook(path: Path, *, inflated: int, declared: int | None) -> None:
    block = MB
    deflater = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    piece = deflater.compress(bytes(block)) + deflater.flush(zlib.Z_FULL_FLUSH)
    end = deflater.flush(zlib.Z_FINISH)
    count = inflated // block
    crc = 0
    if declared is None:
        zero = bytes(block)
        for _ in range(count):
            crc = zlib.crc32(zero, crc)

    small = {
        b"[Content_Types].xml": b"<Types/>",
        b"xl/workbook.xml": b"<workbook/>",
    }
    entries = []
    with path.open("wb") as out:
        for name, data in small.items():
            entry = _Entry(name, _STORED, zlib.crc32(data), len(data), len(data))
            _write_local(out, entry)
            out.write(data)
            entries.append(entry)
        sheet = _Entry(
            b"xl/worksheets/sheet1.xml",
            _DEFLATED,
            crc,
            len(piece) * count + len(end),
            declared if declared is not None else count * block,
        )
        _write_local(out, sheet)
        for _ in range(count):
            out.write(piece)
        out.write(end)
        entries.append(sheet)
        _write_directory(out, entries)


def _write_local(out: BinaryIO, entry: _Entry) -> None:
    entry.offset = out.tell()
    out.write(
        _LOCAL.pack(
            b"PK\x03\x04",
            20,
            0,
            entry.method,
            0,
            _DOS_DATE,
            entry.crc,
            entry.compressed,
            entry.size,
            len(entry.name),
            0,
        )
        + entry.name
    )


def _write_directory(out: BinaryIO, entries: list[_Entry]) -> None:
    start = out.tell()
    for entry in entries:
        out.write(
            _CENTRAL.pack(
                b"PK\x01\x02",
                20,
                20,
                0,
                entry.method,
                0,
                _DOS_DATE,
                entry.crc,
                entry.compressed,
                entry.size,
                len(entry.name),
                0,
                0,
                0,
                0,
                0,
                entry.offset,
            )
            + entry.name
        )
    size = out.tell() - start
    out.write(
        _END.pack(b"PK\x05\x06", 0, 0, len(entries), len(entries), size, start, 0)
    )
