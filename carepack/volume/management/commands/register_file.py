"""``carepack register-file FILE --code CODE``: a volume upload, at once.

Runs the same pipeline as the portal's upload, synchronously. The code may
come from ``CAREPACK_CODE`` instead of the command line, so that it stays
out of the shell's history. With ``--json`` one JSON object, and nothing
else, is printed on stdout.
"""

import json
import os
import stat
import sys
from argparse import ArgumentParser
from collections.abc import Iterator
from io import BufferedReader
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from carepack.core.limits import limit_memory
from carepack.orders.models import Order
from carepack.orders.services import OrderError, find_active_code, validate_recipient
from carepack.volume.models import BatchRow, UploadBatch
from carepack.volume.processing import process_batch
from carepack.volume.refusals import refusal_message
from carepack.volume.results import batch_url, messages
from carepack.volume.uploads import accept_upload

Outcome = BatchRow.Outcome
EXIT_OK, EXIT_LINE_ERRORS, EXIT_REFUSED = 0, 1, 2
USAGE = "carepack register-file FILE --code CODE [--reply-to EMAIL] [--json]"


class Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Command(BaseCommand):
    help = "Register the Care Packs listed in a file (as a volume upload)."

    def create_parser(
        self, prog_name: str, subcommand: str, **kwargs: Any
    ) -> CommandParser:
        kwargs.setdefault("usage", USAGE)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: ArgumentParser) -> None:
        # Optional for argparse, so that a missing file is refused like
        # any other input, in JSON with --json (see _usage_problem).
        parser.add_argument(
            "file",
            nargs="?",
            metavar="FILE",
            help="the registration file (xlsx, xls, ods, txt, csv)",
        )
        parser.add_argument(
            "--code", help="the order's activation code (default: $CAREPACK_CODE)"
        )
        parser.add_argument(
            "--reply-to", default="", help="e-mail the result to this address"
        )
        parser.add_argument("--json", action="store_true", help="print JSON only")

    def run_from_argv(self, argv: list[str]) -> None:
        # argparse answers a usage error with its own text and exits; parse
        # once beforehand so that --json gets its one JSON object instead.
        refused = self._usage_problem(argv)
        if refused is None:
            super().run_from_argv(argv)
            return
        if wants_json(argv[2:]):
            self._refuse(refused, as_json=True)
        else:
            # Outside execute(), where Django would print a CommandError.
            self.stderr.write(refused.message)
            sys.exit(EXIT_REFUSED)

    def _usage_problem(self, argv: list[str]) -> Refused | None:
        parser = self.create_parser(argv[0], argv[1])
        parser.called_from_command_line = False  # raise CommandError, not exit
        try:
            options, extra = parser.parse_known_args(argv[2:])
        except CommandError as exc:
            problem = str(exc).removeprefix("Error: ")
            return usage(_("Wrong command line: %(problem)s.") % {"problem": problem})

        unknown = [arg for arg in extra if arg.startswith("-")]
        if unknown:
            message = _("Unknown option: %(options)s.")
            return usage(message % {"options": " ".join(unknown)})
        if not options.file:
            return no_file_given()
        if extra:
            message = _("Give one file at a time; also given: %(files)s.")
            return usage(message % {"files": " ".join(extra)})
        return None

    def handle(self, *args: Any, **options: Any) -> None:
        as_json = options["json"]
        try:
            order, reply_to, path = self._inputs(options)
            upload = open_file(path)
            _within_size_limit(upload)
        except Refused as refused:
            self._refuse(refused, as_json)
            return

        limit_memory()
        with upload:
            batch = accept_upload(
                order,
                File(upload, name=path.name),
                reply_email=reply_to,
                channel="cli",
                enqueue=False,
            ).batch
        process_batch(batch.pk)
        batch.refresh_from_db()

        if batch.status != UploadBatch.Status.DONE:
            self._refuse(Refused(batch.error_code, batch.error_message), as_json)
            return
        if as_json:
            self._print_json(batch)
        else:
            self._print_text(batch)
        if batch.errors:
            sys.exit(EXIT_LINE_ERRORS)

    def _inputs(self, options: dict[str, Any]) -> tuple[Order, str, Path]:
        if not options["file"]:
            raise no_file_given()
        code = options["code"] or os.environ.get("CAREPACK_CODE", "")
        if not code.strip():
            raise Refused(
                "no_code", _("Give the activation code (--code or CAREPACK_CODE).")
            )
        found = find_active_code(code)
        if found is None:
            raise Refused("invalid_code", _("This activation code is not valid."))
        order = found.order
        translation.activate(order.language)

        reply_to = options["reply_to"].strip()
        if reply_to:
            try:
                reply_to = validate_recipient(reply_to)
            except OrderError as exc:
                raise Refused("invalid_email", str(exc)) from exc
        return order, reply_to, Path(options["file"])

    def _refuse(self, refused: Refused, as_json: bool) -> None:
        if as_json:
            body = {"error": {"code": refused.code, "message": refused.message}}
            self.stdout.write(json.dumps(body, ensure_ascii=False))
            sys.exit(EXIT_REFUSED)
        raise CommandError(refused.message, returncode=EXIT_REFUSED)

    def _print_json(self, batch: UploadBatch) -> None:
        head = json.dumps(
            {"batch": str(batch.public_id), "counts": counts(batch)},
            ensure_ascii=False,
        )
        # The rows are streamed: a million of them never sit in memory.
        self.stdout.write(head[:-1] + ', "rows": [', ending="")
        for index, row in enumerate(json_rows(batch)):
            self.stdout.write(("," if index else "") + row, ending="")
        self.stdout.write("]}")

    def _print_text(self, batch: UploadBatch) -> None:
        """The counts and the lines in error, in the order's language, as
        the result e-mail words them."""
        labels = {
            "lines": _("lines"),
            "registered": _("registered"),
            "already_registered": _("already registered"),
            "errors": _("in error"),
            "skipped": _("empty, skipped"),
        }
        for key, value in counts(batch).items():
            self.stdout.write(f"{labels[key]}: {value}")
        rows = (
            BatchRow.objects.filter(batch=batch, outcome=Outcome.ERROR)
            .order_by("line")
            .values_list("line", "errors")
        )
        for line, errors in rows.iterator(2000):
            self.stdout.write(
                _("line %(line)s: %(message)s")
                % {"line": line, "message": messages(errors)}
            )
        if batch.error_file:
            self.stdout.write(error_file_hint(batch))


def wants_json(args: list[str]) -> bool:
    """Whether --json is asked for, on a command line argparse may refuse;
    argparse also takes an option's unambiguous prefix (``--js``)."""
    for arg in args:
        if arg == "--":
            return False
        option = arg.partition("=")[0]
        if len(option) > 2 and "--json".startswith(option):
            return True
    return False


def usage(problem: str) -> Refused:
    how = _("Usage: %(usage)s (--help for more).") % {"usage": USAGE}
    return Refused("usage", f"{problem} {how}")


def no_file_given() -> Refused:
    return usage(_("Give the file to register."))


def _within_size_limit(upload: BufferedReader) -> None:
    """Refuse a file over the upload limit before it is copied into the
    file storage (processing would refuse it too, after the copy)."""
    size = os.fstat(upload.fileno()).st_size
    limit = settings.CAREPACK_UPLOAD_MAX_BYTES
    if size > limit:
        upload.close()
        params = {"size": size, "max_bytes": limit}
        raise Refused("too_large", refusal_message("too_large", params))


def open_file(path: Path) -> BufferedReader:
    """Open the file to register, or say why it cannot be read."""
    names = {"path": path}
    try:
        mode = path.stat().st_mode
        # Only a regular file: opening a FIFO would wait for a writer.
        if stat.S_ISREG(mode):
            return path.open("rb")
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise Refused("no_file", _("No such file: %(path)s") % names) from exc
    except PermissionError as exc:
        message = _(
            "Permission denied: %(path)s cannot be read by this user. "
            "Give a file you may read, or change its permissions."
        )
        raise Refused("permission_denied", message % names) from exc
    except OSError as exc:
        message = _("%(path)s cannot be read: %(reason)s")
        reason = exc.strerror or str(exc)
        raise Refused(
            "unreadable_file", message % (names | {"reason": reason})
        ) from exc

    if stat.S_ISDIR(mode):
        message = _("%(path)s is a folder, not a file. Give the registration file.")
    else:
        message = _("%(path)s is not a regular file. Give a saved registration file.")
    raise Refused("not_a_file", message % names)


def error_file_hint(batch: UploadBatch) -> str:
    """Where the file of lines in error can be opened by the one who ran
    the command: a path on this machine, or else the batch page."""
    try:
        path = os.path.abspath(default_storage.path(batch.error_file))
    except NotImplementedError:
        path = ""
    # A storage may name a local path and keep the file elsewhere
    # (InMemoryStorage does): only a file that is there is worth printing.
    if not os.path.isfile(path):
        message = _(
            "Lines in error: %(name)s in the file storage; download it from "
            "the batch page %(url)s (open it with the order's activation code)."
        )
        return message % {"name": batch.error_file, "url": batch_url(batch)}
    return _("Lines in error: %(path)s") % {"path": path}


def counts(batch: UploadBatch) -> dict[str, int]:
    return {
        "lines": batch.lines,
        "registered": batch.registered,
        "already_registered": batch.already_registered,
        "errors": batch.errors,
        "skipped": batch.skipped,
    }


def json_rows(batch: UploadBatch) -> Iterator[str]:
    rows = (
        BatchRow.objects.filter(batch=batch)
        .order_by("line")
        .values_list("line", "outcome", "serial_number", "sku", "errors", "same_as")
    )
    for line, outcome, serial, sku, errors, same_as in rows.iterator(5000):
        row: dict[str, Any] = {
            "line": line,
            "outcome": outcome,
            "serial_number": serial,
            "carepack": sku,
            "errors": errors,
        }
        # An exact repeat takes the earlier line's outcome; for an
        # "already_registered" one the citation is the only hint why.
        if same_as is not None:
            row["same_as"] = same_as
        yield json.dumps(row, ensure_ascii=False)
