"""Reading and checking the rows of a batch, chunk by chunk.

``check_line`` costs about as much per line as all the database work of a
chunk. On a large batch a helper process therefore reads and checks the
next chunks while the worker decides and registers the current one, and
while the worker first reads the whole file for repeats and conflicts
(nothing the helper does depends on those). Smaller batches are checked in
the worker itself: starting a Python process with Django costs about half a
second.

The helper gets everything it needs up front (the catalogue, the order's
SKUs, the language) and never touches the database. It writes each checked
chunk to a pipe; a thread of the worker keeps up to ``_READ_AHEAD`` of them
as bytes (a few megabytes each), so the helper keeps checking while the
worker reads the whole file, and is never further ahead than that. If the
worker dies, the helper's next write fails and it exits.
"""

import logging
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from itertools import batched, islice
from typing import IO, Any

from django.utils import translation

from carepack.core.collector import bulk_collection
from carepack.readers import Limits, RegistrationFile, Row, open_registration_file
from carepack.registrations.rules import Catalog, CheckedLine, Line, check_line
from carepack.volume.bulk import json_text, plain
from carepack.volume.lines import LineMaker

logger = logging.getLogger(__name__)

_LENGTH = struct.Struct("<Q")
# Checked chunks the worker holds before the helper has to wait.
_READ_AHEAD = 16


@dataclass(slots=True)
class CheckedRow:
    """A row once read and checked; ``checked`` is None for an empty row or
    for a row left unchecked because it repeats an earlier one."""

    line: int
    # The cells as read, encoded as stored in the batch row.
    raw: str
    empty: bool
    checked: CheckedLine | None


@dataclass(frozen=True)
class CheckJob:
    """What checking the rows of a batch needs, database aside."""

    path: str
    limits: Limits
    start: int
    chunk_rows: int
    language: str
    contact_email: str
    catalog: Catalog
    order_skus: dict[str, int]
    # Lines not worth checking (exact repeats): known in the worker only.
    skip: frozenset[int] = field(default=frozenset())
    # The file's kind, once the worker has opened it (and inspected the
    # zip of a workbook): the helper need not inspect it again.
    kind: str | None = None


def check_rows(
    rows: Iterable[Row], job: CheckJob, maker: LineMaker, *, text_cells: bool
) -> list[CheckedRow]:
    """Every check a line needs apart from the whole file and the database.
    ``text_cells``: every cell is a string (a text upload)."""
    checked_rows = []
    catalog, skus, skip = job.catalog, job.order_skus, job.skip
    for row in rows:
        raw = json_text(row.raw if text_cells else [plain(cell) for cell in row.raw])
        if row.empty or row.line in skip:
            checked_rows.append(CheckedRow(row.line, raw, row.empty, None))
            continue
        line, date_error = maker.make(row.values)
        checked = check_line(line, catalog, skus, require_purchase_date=False)
        if date_error is not None:
            checked.errors.append(date_error)
        checked_rows.append(CheckedRow(row.line, raw, False, checked))
    return checked_rows


def checked_chunks(
    job: CheckJob, opened: RegistrationFile | None = None
) -> Iterator[list[CheckedRow]]:
    """Check the chunks in this process (reading the file again unless it
    is given already opened)."""
    if opened is None:
        opened = open_registration_file(job.path, job.limits, known_kind=job.kind)
    maker = LineMaker(language=job.language, contact_email=job.contact_email)
    rows = islice(opened.rows(), job.start, None)
    text_cells = opened.kind == "text"
    for chunk in batched(rows, job.chunk_rows):
        with translation.override(job.language):
            yield check_rows(chunk, job, maker, text_cells=text_cells)


class HelperChecks:
    """Chunks checked by a helper process, in file order.

    The helper is ``python -m carepack.volume.check_helper``: it reads the
    job on stdin and writes length-prefixed chunks on stdout.
    """

    def __init__(self, job: CheckJob) -> None:
        self.catalog = job.catalog
        self._process = subprocess.Popen(
            [sys.executable, "-m", "carepack.volume.check_helper"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._out = self._process.stdout
        self._chunks: queue.Queue[bytes | BaseException | None] = queue.Queue(
            _READ_AHEAD
        )
        self._closing = threading.Event()
        # The helper reads the job once Django is set up (the catalogue holds
        # model instances); writing it from a thread spares the worker that
        # wait when the catalogue is larger than the pipe.
        threading.Thread(
            target=_write_job,
            args=(self._process.stdin, pickle.dumps(job)),
            name="carepack-check-job",
            daemon=True,
        ).start()
        self._reader = threading.Thread(
            target=self._read_ahead, name="carepack-check-read", daemon=True
        )
        self._reader.start()

    def _read_ahead(self) -> None:
        """In a thread: move the helper's messages into the queue until the
        last one, or until the worker closes."""
        while True:
            message: bytes | BaseException | None
            try:
                message = _receive(self._out)
            except BaseException as error:  # handed over to the worker
                message = error
            while not self._closing.is_set():
                try:
                    self._chunks.put(message, timeout=0.2)
                    break
                except queue.Full:
                    continue
            if self._closing.is_set() or not isinstance(message, bytes):
                return

    def __iter__(self) -> Iterator[list[CheckedRow]]:
        while True:
            message = self._chunks.get()
            if message is None:
                return
            if isinstance(message, BaseException):
                raise message
            found = pickle.loads(message)  # noqa: S301 (our own child)
            if isinstance(found, str):
                raise RuntimeError(f"the checking helper failed:\n{found}")
            yield [_restore(row, self.catalog) for row in found]

    def close(self) -> None:
        self._closing.set()
        if self._process.poll() is None:
            self._process.terminate()
        self._process.wait(timeout=10)
        # The helper is gone, so the reading thread meets the end of the
        # pipe (or a full queue) and stops: only then is the pipe closed.
        self._reader.join(timeout=10)
        self._out.close()


def _write_job(stream: IO[bytes], job: bytes) -> None:
    try:
        stream.write(job)
        stream.close()
    except OSError:
        pass  # the helper died: reading its chunks says so


def _send(stream: IO[bytes], message: object) -> None:
    data = pickle.dumps(message)
    stream.write(_LENGTH.pack(len(data)))
    stream.write(data)
    stream.flush()


def _receive(stream: IO[bytes]) -> bytes | None:
    """The next message, still pickled, or None at the end."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        raise RuntimeError("the checking helper died")
    (length,) = _LENGTH.unpack(head)
    if length == 0:
        return None
    data = stream.read(length)
    if len(data) < length:
        raise RuntimeError("the checking helper died")
    return data


def serve() -> None:
    """In the helper process: check the job's chunks, write them out."""
    # Chunks go to the real stdout alone; anything printed goes to stderr.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr
    job: CheckJob = pickle.loads(sys.stdin.buffer.read())  # noqa: S301
    try:
        with bulk_collection():
            for chunk in checked_chunks(job):
                _send(out, [_portable(row) for row in chunk])
        out.write(_LENGTH.pack(0))
        out.flush()
    except BrokenPipeError:
        return  # the worker is gone, so is the need for these chunks
    except Exception:
        logger.exception("checking helper failed")
        _send(out, traceback.format_exc())


_LINE_FIELDS = [f.name for f in fields(Line)]


def _portable(row: CheckedRow) -> tuple[Any, ...]:
    """The row as plain values: catalogue objects travel as their keys."""
    checked = row.checked
    if checked is None:
        return (row.line, row.raw, row.empty, None)
    line = checked.line
    return (
        row.line,
        row.raw,
        row.empty,
        (
            tuple(getattr(line, name) for name in _LINE_FIELDS),
            checked.serial_number,
            checked.product_number,
            checked.sku,
            checked.errors,
        ),
    )


def _restore(values: tuple[Any, ...], catalog: Catalog) -> CheckedRow:
    line_no, raw, empty, found = values
    if found is None:
        return CheckedRow(line_no, raw, empty, None)
    fields, serial, product_number, sku, errors = found
    checked = CheckedLine(
        Line(*fields),
        serial_number=serial,
        product_number=product_number,
        sku=sku,
        errors=errors,
    )
    if checked.ok:
        # check_line found both in this catalogue under these keys.
        checked.product = catalog.products[sku]
        checked.hardware = catalog.hardware[product_number]
    return CheckedRow(line_no, raw, empty, checked)
