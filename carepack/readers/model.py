"""What a reader hands back: limits in, a file description and rows out."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

FIELDS = (
    "serial_number",
    "product_number",
    "carepack_sku",
    "first_name",
    "surname",
    "company",
    "purchase_date",
)

# Columns A-E sit under the template's "MANDATORY FIELD" banner. The reader
# never refuses a file for missing one of them: the caller decides.
MANDATORY_FIELDS = FIELDS[:5]


@dataclass(frozen=True)
class Limits:
    """Bounds that keep one upload from exhausting the worker.

    The zip ratio is only applied to entries that inflate past 1 MiB, so the
    tiny, very repetitive parts every workbook has are never mistaken for a
    bomb.

    The two quote bounds tell a genuine cell with line breaks (an address of
    two to four lines) from a stray quote that makes one "cell" of the rows
    below it: a row of a text file may span at most ``max_row_lines``
    physical lines, and a cell holding a line break at most
    ``max_multiline_cell_chars`` characters.
    """

    max_bytes: int = 100 * 1024 * 1024
    max_rows: int = 1_000_000
    max_uncompressed_bytes: int = 1024 * 1024 * 1024
    max_compression_ratio: int = 200
    max_zip_entries: int = 10_000
    max_cell_chars: int = 32_767
    max_row_lines: int = 10
    max_multiline_cell_chars: int = 1_000
    # calamine allocates a sheet's whole used range, so one far cell (XFD1
    # or A1048576) in a tiny file can ask for gigabytes.
    max_sheet_cells: int = 20_000_000


# Not slotted: rows.py fills instances through their __dict__, which costs
# half as much as the frozen __init__ at a million rows per file.
@dataclass(frozen=True)
class Row:
    """One record of the upload.

    ``line`` is the row number the user sees in a spreadsheet program: a cell
    holding a line break does not shift the rows below it. ``raw`` keeps the
    cells in the user's column order, padded or trimmed to the header's
    width, so an error file can be written back in the user's layout.
    """

    line: int
    values: dict[str, object]
    empty: bool
    raw: tuple[object, ...]


class RowSource(Protocol):
    def rows(self) -> Iterator[Row]: ...


@dataclass
class RegistrationFile:
    """An upload that passed every whole-file check, ready to be iterated.

    ``row_count`` is the number of rows ``rows()`` yields, known before any
    row is processed so callers can show progress or refuse early.
    """

    kind: str
    encoding: str | None
    delimiter: str | None
    header_line: int | None
    header: tuple[str, ...]
    columns: dict[str, int]
    row_count: int
    _source: RowSource = field(repr=False, compare=False)

    def rows(self) -> Iterator[Row]:
        """Stream the data rows; trailing empty rows are left out."""
        return self._source.rows()
