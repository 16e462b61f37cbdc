"""Vetting a zip container before calamine inflates it.

calamine inflates workbook parts without any bound: a 2.8 MB xlsx whose
sheet inflates to 1 GB of XML took one process to 24 GB. The sizes a zip
declares are only claims, so besides checking them every entry is inflated
once here, into nothing, stopping as soon as it grows past its claim.
"""

import os
import re
import struct
import zipfile
import zlib
from typing import BinaryIO

from .errors import FileRefused
from .model import Limits

_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_CHUNK = 1 << 20
# Small parts are often extremely repetitive; only an entry this large can
# hurt, so the ratio limit starts here.
_RATIO_FLOOR = 1 << 20
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_LOCAL_SIGNATURE = b"PK\x03\x04"
# A cell or row reference: `r="AB12"` on a cell, `r="12"` on a row.
_REFERENCE = re.compile(rb' r="([A-Z]{0,3})([0-9]{1,7})"')
_OVERLAP = 32
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    struct.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
)


def inspect_zip(path: str | os.PathLike[str], head: bytes, limits: Limits) -> str:
    """Return "xlsx" or "ods" for a safe workbook; refuse anything else."""
    try:
        with zipfile.ZipFile(path) as archive:
            kind = _workbook_kind(archive)
            infos = archive.infolist()
        _check_claims(infos, kind, limits)
        with open(path, "rb") as raw:
            _check_inflation(raw, infos, kind, limits)
    except _ZIP_ERRORS:
        guessed = _guess_kind(head)
        if guessed is None:
            raise FileRefused("not_a_registration_file", detected="zip") from None
        raise FileRefused("unreadable_spreadsheet", kind=guessed) from None
    return kind


def _workbook_kind(archive: zipfile.ZipFile) -> str:
    names = set(archive.namelist())
    if "xl/workbook.xml" in names:
        return "xlsx"
    if (
        "mimetype" in names
        and archive.getinfo("mimetype").file_size < 256
        and archive.read("mimetype").strip() == _ODS_MIMETYPE
    ):
        return "ods"
    raise FileRefused("not_a_registration_file", detected="zip")


def _guess_kind(head: bytes) -> str | None:
    """Name a damaged workbook from the entry names at its start."""
    if b"mimetype" + _ODS_MIMETYPE in head:
        return "ods"
    if b"xl/" in head:
        return "xlsx"
    return None


def _check_claims(infos: list[zipfile.ZipInfo], kind: str, limits: Limits) -> None:
    if len(infos) > limits.max_zip_entries:
        raise FileRefused("zip_bomb", kind=kind, reason="entries")
    if sum(info.file_size for info in infos) > limits.max_uncompressed_bytes:
        raise FileRefused("zip_bomb", kind=kind, reason="size")
    for info in infos:
        allowed = limits.max_compression_ratio * max(info.compress_size, 1)
        if info.file_size > max(_RATIO_FLOOR, allowed):
            raise FileRefused("zip_bomb", kind=kind, reason="ratio")


def _check_inflation(
    raw: BinaryIO, infos: list[zipfile.ZipInfo], kind: str, limits: Limits
) -> None:
    for info in infos:
        if info.flag_bits & 0x1:
            raise FileRefused("unreadable_spreadsheet", kind=kind)
        extent = _Extent() if _is_worksheet(info, kind) else None
        if _inflated_size(raw, info, extent) > info.file_size:
            raise FileRefused("zip_bomb", kind=kind, reason="size")
        if extent is not None and extent.cells() > limits.max_sheet_cells:
            raise FileRefused("zip_bomb", kind=kind, reason="extent")


def _is_worksheet(info: zipfile.ZipInfo, kind: str) -> bool:
    return kind == "xlsx" and info.filename.startswith("xl/worksheets/")


class _Extent:
    """The used range of a worksheet, from the references in its XML: what
    calamine will allocate, known before calamine runs."""

    def __init__(self) -> None:
        self.rows = 0
        self.columns = 0
        self.tail = b""

    def feed(self, data: bytes) -> None:
        # A reference may straddle two chunks: scan with the last bytes of
        # the previous one (a reference seen twice changes no maximum).
        window = self.tail + data
        self.tail = window[-_OVERLAP:]
        for letters, digits in _REFERENCE.findall(window):
            self.rows = max(self.rows, int(digits))
            if letters:
                self.columns = max(self.columns, _column_number(letters))

    def cells(self) -> int:
        return self.rows * max(self.columns, 1)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _inflated_size(
    raw: BinaryIO, info: zipfile.ZipInfo, extent: _Extent | None = None
) -> int:
    """Inflate one entry into nothing, stopping once it passes its claim;
    feed what it inflates to ``extent`` when given."""
    _seek_to_data(raw, info)
    if info.compress_type == zipfile.ZIP_STORED:
        if extent is not None:
            _feed_stored(raw, info, extent)
        return info.compress_size
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise NotImplementedError(info.compress_type)

    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    left = info.compress_size
    size = 0
    while left > 0 and not inflater.eof and size <= info.file_size:
        chunk = raw.read(min(_CHUNK, left))
        if not chunk:
            break
        left -= len(chunk)
        size += _take(inflater.decompress(chunk, _CHUNK), extent)
        while inflater.unconsumed_tail and size <= info.file_size:
            size += _take(inflater.decompress(inflater.unconsumed_tail, _CHUNK), extent)
    return size


def _take(data: bytes, extent: _Extent | None) -> int:
    if extent is not None:
        extent.feed(data)
    return len(data)


def _feed_stored(raw: BinaryIO, info: zipfile.ZipInfo, extent: _Extent) -> None:
    left = info.compress_size
    while left > 0:
        chunk = raw.read(min(_CHUNK, left))
        if not chunk:
            break
        left -= len(chunk)
        extent.feed(chunk)


def _seek_to_data(raw: BinaryIO, info: zipfile.ZipInfo) -> None:
    raw.seek(info.header_offset)
    header = _LOCAL_HEADER.unpack(raw.read(_LOCAL_HEADER.size))
    if header[0] != _LOCAL_SIGNATURE:
        raise zipfile.BadZipFile(info.filename)
    name_length, extra_length = header[9], header[10]
    raw.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
