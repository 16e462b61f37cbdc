"""What a batch gives back: the error file, the report, the result e-mail.

The error file holds only the lines in error, in file order, with their
original cells and an error column, in the form of the upload (a text file
in its own encoding and separator, xlsx for any spreadsheet): fixed and
uploaded again, it registers the fixed lines.
"""

import logging
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carepack.notifications.models import OutgoingEmail
from carepack.notifications.services import (
    Attachment,
    queue_email,
    render_message,
)
from carepack.readers.writers import write_text, write_xlsx
from carepack.registrations.rules import Field
from carepack.volume.models import BatchRow, UploadBatch

logger = logging.getLogger(__name__)

Outcome = BatchRow.Outcome
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT_EXTENSIONS = (".txt", ".csv", ".tsv", ".tab")
FIRST_ERRORS = 10
_ITERATE = 2000


def is_text(batch: UploadBatch) -> bool:
    return batch.kind == "text"


def error_file_name(batch: UploadBatch) -> str:
    """The name the customer sees: theirs, marked as the lines in error."""
    stem, extension = os.path.splitext(os.path.basename(batch.original_name))
    if not is_text(batch):
        extension = ".xlsx"
    elif extension.lower() not in TEXT_EXTENSIONS:
        extension = ".txt"
    suffix = _("errors")
    return f"{stem or 'registration'}-{suffix}{extension}"


def report_file_name(batch: UploadBatch, kind: str) -> str:
    stem = os.path.splitext(os.path.basename(batch.original_name))[0]
    return f"{stem or 'registration'}-{_('report')}.{kind}"


def error_file_type(batch: UploadBatch) -> str:
    return "text/plain" if is_text(batch) else XLSX_TYPE


# The column each error is about, named in the messages people read (the
# JSON of ``register-file`` gives the field on its own).
_FIELD_LABELS: dict[str, object] = {
    Field.SERIAL: gettext_lazy("Serial number"),
    Field.PRODUCT: gettext_lazy("Product number"),
    Field.CAREPACK: gettext_lazy("Care Pack product number"),
    Field.FIRST_NAME: gettext_lazy("Title/first name"),
    Field.SURNAME: gettext_lazy("Surname"),
    Field.COMPANY: gettext_lazy("Company"),
    Field.EMAIL: gettext_lazy("Contact e-mail"),
    Field.PURCHASE_DATE: gettext_lazy("Hardware purchase date"),
}


def messages(errors: Sequence[dict[str, str]]) -> str:
    """A line's errors as one text, each introduced by its column."""
    return " | ".join(_labelled(error) for error in errors)


def _labelled(error: dict[str, str]) -> str:
    label = _FIELD_LABELS.get(error.get("field", ""))
    if label is None:
        return error["message"]
    return _("%(column)s: %(message)s") % {"column": label, "message": error["message"]}


def write_error_file(batch: UploadBatch) -> str:
    """Write the lines in error to storage; returns the storage name."""
    rows = BatchRow.objects.filter(batch=batch, outcome=Outcome.ERROR).order_by("line")
    width = max([len(batch.header), *(len(raw) for raw in _raws(rows))], default=0)
    keep = kept_columns(batch.header, width)
    header = [*map(str, _pick(_pad(batch.header, width), keep)), _("Error")]
    # Each message names the line it had in the upload: the messages that
    # cite other lines ("Line 505 gives other details…") count in it too.
    lines = (
        [
            *_pick(_pad(raw, width), keep),
            _("Line %(line)s: %(messages)s")
            % {"line": line, "messages": messages(errors)},
        ]
        for line, raw, errors in rows.values_list("line", "raw", "errors").iterator(
            _ITERATE
        )
    )
    # The customer's file name is only for the download: stored under a
    # fixed name, it needs no cleaning by the storage.
    extension = os.path.splitext(error_file_name(batch))[1]
    name = f"volume/{batch.public_id}/errors{extension}"
    _store(batch, name, header, lines)
    logger.info("error file written batch=%s errors=%s", batch.pk, batch.errors)
    return name


def _raws(rows: QuerySet[BatchRow]) -> Iterator[list[object]]:
    raws: Iterator[list[object]] = rows.values_list("raw", flat=True).iterator(_ITERATE)
    return raws


def _pad(cells: Sequence[object], width: int) -> list[object]:
    return [*cells, *[""] * (width - len(cells))]


# The titles of the column our error files add. An error file uploaded again
# carries the old messages in it: ignored on upload, and left out of the
# files we write, so that they never come back as the customer's data.
_ERROR_TITLES = frozenset({"error", "errors", "erreur", "erreurs"})


def kept_columns(header: Sequence[object], width: int) -> list[int]:
    return [
        index
        for index in range(width)
        if index >= len(header)
        or str(header[index]).strip().casefold() not in _ERROR_TITLES
    ]


def _pick(cells: Sequence[object], keep: Sequence[int]) -> list[object]:
    return [cells[index] for index in keep]


def _store(
    batch: UploadBatch,
    name: str,
    header: Sequence[str],
    rows: Iterator[Sequence[object]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "file"
        if is_text(batch):
            write_text(
                path,
                header,
                rows,
                encoding=batch.encoding or "utf-8",
                delimiter=batch.delimiter or "\t",
            )
        else:
            write_xlsx(path, header, rows, sheet_name=_("Errors")[:31])
        # Written again by a run resumed after a crash: replace, not rename.
        if default_storage.exists(name):
            default_storage.delete(name)
        with path.open("rb") as handle:
            saved = default_storage.save(name, File(handle))
    if saved != name:
        raise RuntimeError(f"storage saved {name} as {saved}")


def batch_url(batch: UploadBatch) -> str:
    path = reverse(
        "volume:batch",
        kwargs={"public_id": batch.order.public_id, "batch_id": batch.public_id},
    )
    return f"{settings.CAREPACK_BASE_URL}{path}"


def error_file_url(batch: UploadBatch) -> str:
    path = reverse(
        "volume:error_file",
        kwargs={"public_id": batch.order.public_id, "batch_id": batch.public_id},
    )
    return f"{settings.CAREPACK_BASE_URL}{path}"


def first_errors(batch: UploadBatch) -> list[dict[str, object]]:
    rows = (
        BatchRow.objects.filter(batch=batch, outcome=Outcome.ERROR)
        .order_by("line")
        .values_list("line", "errors")[:FIRST_ERRORS]
    )
    return [{"line": line, "message": messages(errors)} for line, errors in rows]


def queue_result_email(batch: UploadBatch) -> OutgoingEmail:
    """Mail the reply address the outcome; call in the transaction that
    ends the batch, so that it is queued exactly once."""
    attachments: list[Attachment] = []
    attach = bool(batch.error_file) and (
        default_storage.size(batch.error_file)
        <= settings.CAREPACK_MAIL_MAX_ATTACHMENT_BYTES
    )
    if attach:
        attachments.append(
            Attachment(
                name=error_file_name(batch),
                storage_name=batch.error_file,
                # A text error file is in the upload's own encoding: sent
                # as bytes, it arrives exactly as it will be read back.
                mimetype="application/octet-stream" if is_text(batch) else XLSX_TYPE,
            )
        )
    context = {
        "batch": batch,
        "order": batch.order,
        "url": batch_url(batch),
        "first_errors": first_errors(batch),
        "more_errors": max(batch.errors - FIRST_ERRORS, 0),
        "attached": attach,
        "error_file_url": error_file_url(batch) if batch.error_file else "",
        "error_file_name": error_file_name(batch),
    }
    message = render_message(
        OutgoingEmail.Kind.BATCH_RESULT,
        batch.reply_email,
        "volume/email/result",
        context,
        batch.order.language,
    )
    message.attachments = attachments
    return queue_email(message, order=batch.order)


def report_header(batch: UploadBatch) -> list[str]:
    keep = kept_columns(batch.header, len(batch.header))
    columns = map(str, _pick(batch.header, keep))
    return [_("Line"), _("Outcome"), *columns, _("Details")]


def report_rows(batch: UploadBatch) -> Iterator[list[object]]:
    """Every line of the batch with its outcome, in file order."""
    labels = dict(Outcome.choices)
    width = len(batch.header)
    keep = kept_columns(batch.header, width)
    rows = (
        BatchRow.objects.filter(batch=batch)
        .order_by("line")
        .values_list("line", "outcome", "raw", "errors", "same_as")
        .iterator(_ITERATE)
    )
    for line, outcome, raw, errors, same_as in rows:
        yield [
            line,
            str(labels.get(outcome, outcome)),
            *_pick(_pad(raw, width), keep),
            _details(outcome, errors, same_as),
        ]


def _details(outcome: str, errors: list[dict[str, str]], same_as: int | None) -> str:
    if outcome == Outcome.ERROR:
        return messages(errors)
    if outcome == Outcome.SKIPPED:
        return _("Empty row.")
    if outcome == Outcome.ALREADY_REGISTERED:
        if same_as:
            return _("Same values as line %(line)s.") % {"line": same_as}
        return _("Registered earlier with the same details.")
    return ""


def write_report(batch: UploadBatch, path: Path, kind: str) -> None:
    """The full report, as ``xlsx`` or ``csv`` (separated as the order's
    language expects, so that a double click opens it in columns)."""
    header = report_header(batch)
    rows = report_rows(batch)
    if kind == "xlsx":
        write_xlsx(path, header, rows, sheet_name=_("Report")[:31])
        return
    delimiter = ";" if batch.order.language == "fr" else ","
    write_text(path, header, rows, encoding="utf-8-sig", delimiter=delimiter)
