"""Helpers for the volume tests: files to upload and batches to run."""

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import pytest
from django.core.files import File

from carepack.orders.models import Order
from carepack.volume.models import BatchRow, UploadBatch
from carepack.volume.processing import process_batch
from carepack.volume.uploads import accept_upload
from tests.conftest import FIXTURES
from tests.readers.builders import TEMPLATE_HEADER as TITLES

VOLUME = FIXTURES / "volume"


def text_file(
    path: Path,
    rows: Iterable[Sequence[object]],
    *,
    header: Sequence[str] | None = TITLES,
    encoding: str = "utf-16",
    delimiter: str = "\t",
    newline: str = "\r\n",
) -> Path:
    """A text file as Excel saves it: titles, then one record per row."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def pack(
    serial: str, first: str = "Claire", surname: str = "Dubois", **more: str
) -> list[str]:
    """A valid notebook line of the shared catalogue."""
    return [
        serial,
        more.get("product", "6F8K2EA"),
        more.get("sku", "U4417PE"),
        first,
        surname,
        more.get("company", ""),
    ]


def upload(
    order: Order, path: Path, *, reply_email: str = "", enqueue: bool = False
) -> UploadBatch:
    with path.open("rb") as handle:
        return accept_upload(
            order,
            File(handle, name=path.name),
            reply_email=reply_email,
            channel="test",
            enqueue=enqueue,
        ).batch


def outcomes(batch: UploadBatch) -> dict[int, list[str]]:
    """Each line's outcome followed by its error codes."""
    rows = BatchRow.objects.filter(batch=batch).order_by("line")
    return {
        row.line: [row.outcome, *(error["code"] for error in row.errors)]
        for row in rows
    }


def assert_refused(batch: UploadBatch, code: str) -> None:
    """The file was refused as a whole, for this reason."""
    assert (batch.status, batch.error_code) == (UploadBatch.Status.REFUSED, code)


def counts(batch: UploadBatch) -> tuple[int, int, int, int, int]:
    return (
        batch.lines,
        batch.registered,
        batch.already_registered,
        batch.errors,
        batch.skipped,
    )


@pytest.fixture
def run_file() -> Callable[..., UploadBatch]:
    """Upload a file for an order and process it in this process."""

    def run(order: Order, path: Path, **options: object) -> UploadBatch:
        batch = upload(order, path, **options)  # type: ignore[arg-type]
        process_batch(batch.pk)
        batch.refresh_from_db()
        return batch

    return run
