"""Reading the vendor's small CSV files (catalogue, orders)."""

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from django.utils.translation import gettext as _


class CsvFileError(Exception):
    """The file cannot be read at all (not a line-level problem)."""


def read_csv(
    path: str | Path, required: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line number, row)`` with headers lower-cased and cells
    trimmed. UTF-8 with or without BOM; comma separated."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError as exc:
        raise CsvFileError(_("File not found: %(path)s") % {"path": path}) from exc
    except UnicodeDecodeError as exc:
        raise CsvFileError(
            _("%(path)s is not UTF-8 text. Save it as “CSV UTF-8”.") % {"path": path}
        ) from exc

    reader = csv.reader(io.StringIO(text, newline=""))
    header = [cell.strip().lower() for cell in next(reader, [])]
    missing = [name for name in required if name not in header]
    if missing and len(header) == 1 and ";" in header[0]:
        raise CsvFileError(
            _(
                "%(path)s is separated by semicolons; save it as CSV with commas "
                "(in LibreOffice: Save As, Text CSV, field delimiter “,”)."
            )
            % {"path": path}
        )
    if missing:
        raise CsvFileError(
            _("%(path)s: missing columns %(missing)s; expected header: %(header)s")
            % {
                "path": path,
                "missing": ", ".join(missing),
                "header": ",".join(required),
            }
        )
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        padded = cells + [""] * (len(header) - len(cells))
        row = {name: padded[i].strip() for i, name in enumerate(header) if name}
        yield reader.line_num, row
