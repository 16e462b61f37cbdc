"""Reading xlsx, xls and ods workbooks through calamine.

calamine loads a whole sheet at once; that is accepted, and bounded by the
zip checks done before. Its rows are then taken one at a time (a Python
list for every row of a million-row sheet would double the memory), and
counted from A1 so that an index plus one is the row number the user sees.
"""

import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

import python_calamine as calamine

from .errors import FileRefused
from .headers import (
    DEFAULT_HEADER,
    HEADER_SEARCH_ROWS,
    HeaderMatch,
    cell_text,
    find_data_start,
    find_header,
    is_blank,
    match_columns,
    refuse_data_above,
    trim_blank_tail,
)
from .model import FIELDS, Limits, RegistrationFile, Row
from .rows import RowBuilder, unescape_formula

logger = logging.getLogger(__name__)

Table = list[list[object]]


@dataclass(frozen=True)
class _Layout:
    header_line: int | None
    header: tuple[str, ...]
    columns: dict[str, int]
    first: int


def open_spreadsheet(
    path: str | os.PathLike[str], kind: str, limits: Limits
) -> RegistrationFile:
    """Describe a workbook upload; every whole-file check has run on return."""
    with _named_as(path, kind) as named:
        if kind in _PROBED_KINDS:
            _probe_extent(named, kind, limits)
        try:
            chosen = _load(named)
        except calamine.CalamineError as error:
            logger.info("spreadsheet unreadable kind=%s error=%s", kind, error)
            raise FileRefused("unreadable_spreadsheet", kind=kind) from None

    sheet, head, match, last = chosen
    layout = _header_layout(head, match) if match else _positional_layout(head, last)
    if last < layout.first:
        raise FileRefused("no_data_rows", header_line=layout.header_line)
    if last - layout.first + 1 > limits.max_rows:
        raise FileRefused("too_many_rows", max_rows=limits.max_rows)

    builder = RowBuilder(layout.columns, len(layout.header))
    return RegistrationFile(
        kind=kind,
        encoding=None,
        delimiter=None,
        header_line=layout.header_line,
        header=layout.header,
        columns=layout.columns,
        row_count=last - layout.first + 1,
        _source=_SheetRows(sheet, layout.first, last, builder),
    )


@contextmanager
def _named_as(path: str | os.PathLike[str], kind: str) -> Iterator[str]:
    """The upload under a name ending in its real kind.

    calamine picks its reader from a known extension and only looks at the
    content for an unknown one, so a real xlsx named ``.xls`` would be read
    as xls and called damaged. The kind was told from the content (after
    the zip checks); a link named ``book.<kind>`` in a private folder makes
    calamine agree, whatever the upload's own name.
    """
    if os.fspath(path).endswith(f".{kind}"):
        yield os.fspath(path)
        return
    with tempfile.TemporaryDirectory(prefix="carepack-book-") as folder:
        named = os.path.join(folder, f"book.{kind}")
        try:
            os.symlink(os.path.abspath(path), named)
        except OSError:  # a file system without links: a copy will do
            shutil.copyfile(path, named)
        yield named


# xlsx sheets are measured by the zip guard from their cell references; an
# ods sheet's repeated rows and columns, or an xls sheet's records, are not,
# and calamine allocates a sheet's whole used range. So these are opened
# once in a child process with a memory ceiling: a hostile sheet kills the
# child (Rust aborts when an allocation fails), never the worker.
_PROBED_KINDS = frozenset({"ods", "xls"})
_PROBE_MEMORY = 1536 * 1024 * 1024
_PROBE_UNREADABLE = 3
_PROBE = """
import resource, sys
import python_calamine as calamine
soft, hard = resource.getrlimit(resource.RLIMIT_AS)
limit = int(sys.argv[2])
if hard != resource.RLIM_INFINITY:
    limit = min(limit, hard)
resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
largest = 0
try:
    with calamine.CalamineWorkbook.from_path(sys.argv[1]) as book:
        for index, meta in enumerate(book.sheets_metadata):
            if meta.typ == calamine.SheetTypeEnum.WorkSheet:
                sheet = book.get_sheet_by_index(index)
                largest = max(largest, sheet.height * sheet.width)
except calamine.CalamineError:
    sys.exit(3)
sys.stdout.write(str(largest))
"""


def _probe_extent(path: str | os.PathLike[str], kind: str, limits: Limits) -> None:
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", _PROBE, os.fspath(path), str(_PROBE_MEMORY)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode == _PROBE_UNREADABLE:
        raise FileRefused("unreadable_spreadsheet", kind=kind)
    cells = result.stdout.strip()
    if result.returncode != 0 or not cells.isdigit():
        logger.warning(
            "spreadsheet probe failed kind=%s status=%s", kind, result.returncode
        )
        raise FileRefused("zip_bomb", kind=kind, reason="extent")
    if int(cells) > limits.max_sheet_cells:
        raise FileRefused("zip_bomb", kind=kind, reason="extent")


def _load(path: str | os.PathLike[str]) -> "_Candidate":
    """Return the visible sheet that holds the registration lines, with its
    first rows.

    Hidden sheets are never read: a template's hidden list of SKUs, or an
    old sheet hidden rather than deleted, holds no lines the user sees. Two
    visible sheets with lines refuse the file, since reading one would drop
    the other's lines without a word. Without lines anywhere, the sheet
    with the best header is taken (its refusal is the useful one), else the
    first sheet with content.
    """
    with calamine.CalamineWorkbook.from_path(os.fspath(path)) as book:
        visible = [
            (index, meta.name)
            for index, meta in enumerate(book.sheets_metadata)
            if meta.typ == calamine.SheetTypeEnum.WorkSheet
            and meta.visible == calamine.SheetVisibleEnum.Visible
        ]
        if not visible:
            raise FileRefused("not_a_registration_file", detected="spreadsheet")
        choice = _SheetChoice()
        for index, name in visible:
            choice.consider(name, book.get_sheet_by_index(index))
        return choice.chosen()


class _SheetChoice:
    """The sheets seen so far, keeping in memory only those that may be
    read: the first with lines, the best header, the first with content."""

    def __init__(self) -> None:
        self.with_lines: list[str] = []
        self.lines: _Candidate | None = None
        self.header: _Candidate | None = None
        self.content: _Candidate | None = None
        self.first: _Candidate | None = None

    def consider(self, name: str, sheet: calamine.CalamineSheet) -> None:
        head = _head(sheet)
        candidate = _Candidate(
            sheet, head, find_header(head), _last_filled_index(sheet)
        )
        if self.first is None:
            self.first = candidate
        if _holds_lines(candidate):
            self.with_lines.append(name)
            self.lines = self.lines or candidate
        match = candidate.match
        if match is not None and (
            self.header is None
            or self.header.match is None
            or len(match.columns) > len(self.header.match.columns)
        ):
            self.header = candidate
        if self.content is None and candidate.last >= 0:
            self.content = candidate

    def chosen(self) -> "_Candidate":
        if len(self.with_lines) > 1:
            logger.info("spreadsheet sheets with lines=%s", self.with_lines)
            raise FileRefused("several_sheets", sheets=self.with_lines)
        best = self.lines or self.header or self.content or self.first
        assert best is not None, "a workbook with a visible sheet was considered"
        return best


class _Candidate(NamedTuple):
    """A sheet with its first rows, its header if any, and the index of
    its last filled row (-1 when it has none)."""

    sheet: calamine.CalamineSheet
    head: Table
    match: HeaderMatch | None
    last: int


# Two of these among a header's titles make it a registration sheet's: a
# contact list may name a first name, a surname and a company too.
_CODE_FIELDS = frozenset({"serial_number", "product_number", "carepack_sku"})


def _holds_lines(candidate: _Candidate) -> bool:
    """Tell a sheet of registration lines: the template's titles with a row
    filled below them, or rows laid out as the template without titles."""
    match = candidate.match
    if match is None:
        start = find_data_start(candidate.head)
        return start is not None
    if len(_CODE_FIELDS & match.columns.keys()) < 2:
        return False
    return candidate.last > match.row


def _head(sheet: calamine.CalamineSheet) -> Table:
    # calamine's cell union is wider than what Row.values promises; object is
    # what the rest of the package handles.
    head: Table = sheet.to_python(  # type: ignore[assignment]
        skip_empty_area=False, nrows=HEADER_SEARCH_ROWS
    )
    return head


def _sheet_rows(sheet: calamine.CalamineSheet) -> Iterator[tuple[int, list[object]]]:
    """Each row of the sheet with its index from A1. calamine's rows start
    at row 1 but at the first used column: the columns before it are put
    back (``test_row_numbers_count_from_the_sheet_top…`` checks both)."""
    start = sheet.start
    if start is None:
        return
    padding: list[object] = [""] * start[1]
    for index, cells in enumerate(sheet.iter_rows()):
        yield index, [*padding, *cells]


def _header_layout(table: Table, match: HeaderMatch) -> _Layout:
    refuse_data_above(table, match.row)
    header = trim_blank_tail(table[match.row])
    return _Layout(
        header_line=match.row + 1,
        header=tuple(cell_text(title) for title in header),
        columns=match.columns,
        first=match.row + 1,
    )


def _positional_layout(table: Table, last: int) -> _Layout:
    start = find_data_start(table[:HEADER_SEARCH_ROWS])
    if start is not None and start.is_header:
        match = HeaderMatch(start.row, match_columns(table[start.row]))
        return _header_layout(table, match)
    if start is not None:
        width = max(len(DEFAULT_HEADER), len(trim_blank_tail(table[start.row])))
        return _Layout(
            header_line=None,
            header=(*DEFAULT_HEADER, *[""] * (width - len(DEFAULT_HEADER))),
            columns={field: column for column, field in enumerate(FIELDS)},
            first=start.row,
        )

    if last < 0:
        raise FileRefused("empty")
    raise FileRefused("not_a_registration_file", detected="spreadsheet")


def _last_filled_index(sheet: calamine.CalamineSheet) -> int:
    """Index of the last row with content, -1 when there is none."""
    last = -1
    for index, cells in _sheet_rows(sheet):
        if not all(map(is_blank, cells)):
            last = index
    return last


@dataclass(frozen=True)
class _SheetRows:
    sheet: calamine.CalamineSheet
    first: int
    last: int
    builder: RowBuilder

    def rows(self) -> Iterator[Row]:
        build = self.builder.build
        first, last = self.first, self.last
        for index, cells in _sheet_rows(self.sheet):
            if index < first:
                continue
            if index > last:
                return
            empty = all(map(is_blank, cells))
            yield build(index + 1, list(map(unescape_formula, cells)), empty)
