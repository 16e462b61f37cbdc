"""Reading uploads saved as tab-, semicolon- or comma-separated text.

The file is read several times, each time as a stream: once for its
encoding, once for the first rows of each separator, once to count the rows
(so an oversized file is refused before any row is processed), and once
more when the caller iterates. Memory stays bounded by the longest line,
which is itself bounded by Limits.max_cell_chars.
"""

import csv
import logging
import os
import re
from collections import Counter
from collections.abc import Generator, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from itertools import islice
from typing import TextIO

from .charsets import CP1252_ERRORS, detect_encoding
from .counting import count_unquoted
from .errors import FileRefused
from .headers import (
    DEFAULT_HEADER,
    HEADER_SEARCH_ROWS,
    HeaderMatch,
    find_data_start,
    find_header,
    match_columns,
    refuse_data_above,
    trim_blank_tail,
)
from .model import FIELDS, Limits, RegistrationFile, Row
from .rows import RowBuilder, unescape_formula

DELIMITERS = ("\t", ";", ",")

Path = str | os.PathLike[str]
Records = Generator[tuple[int, list[str]], None, None]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Source:
    path: Path
    encoding: str
    limits: Limits

    @property
    def max_chars(self) -> int:
        return self.limits.max_cell_chars

    def open(self) -> TextIO:
        errors = CP1252_ERRORS if self.encoding == "cp1252" else "strict"
        return open(self.path, encoding=self.encoding, errors=errors, newline="")

    def records(self, delimiter: str) -> Records:
        return _records(self, delimiter)


@dataclass(frozen=True)
class _Layout:
    delimiter: str
    header_line: int | None
    header: tuple[str, ...]
    columns: dict[str, int]
    first_line: int


def open_text(path: Path, limits: Limits) -> RegistrationFile:
    """Describe a text upload; every whole-file check has run on return."""
    encoding = detect_encoding(path)
    source = _Source(path, encoding, limits)
    layout = _choose_layout(source)
    last_line = _last_filled_line(source, layout.delimiter, layout.first_line, limits)
    if last_line < layout.first_line:
        raise FileRefused("no_data_rows", header_line=layout.header_line)

    rows = _TextRows(
        source,
        layout.delimiter,
        layout.first_line,
        last_line,
        RowBuilder(layout.columns, len(layout.header)),
    )
    return RegistrationFile(
        kind="text",
        encoding=encoding,
        delimiter=layout.delimiter,
        header_line=layout.header_line,
        header=layout.header,
        columns=layout.columns,
        row_count=last_line - layout.first_line + 1,
        _source=rows,
    )


def _choose_layout(source: _Source) -> _Layout:
    """Pick the separator that reveals the header, else read by position."""
    samples: dict[str, list[list[str]]] = {}
    stray_quotes: list[FileRefused] = []
    for delimiter in DELIMITERS:
        samples[delimiter] = _first_records(source, delimiter, stray_quotes)
    found = [
        (delimiter, match)
        for delimiter in DELIMITERS
        if (match := find_header(samples[delimiter])) is not None
    ]
    if not found:
        try:
            return _positional_layout(source, samples)
        except FileRefused as refusal:
            # A stray quote near the top hides the rows that would have
            # told the layout: it is the better reason to give.
            if refusal.code == "not_a_registration_file" and stray_quotes:
                raise stray_quotes[0] from None
            raise

    # Most titles recognised wins; a tie goes to the earlier row, then to
    # the earlier separator in DELIMITERS.
    delimiter, match = max(found, key=lambda item: (len(item[1].columns), -item[1].row))
    return _header_layout(delimiter, samples[delimiter], match)


def _header_layout(
    delimiter: str, sample: list[list[str]], match: HeaderMatch
) -> _Layout:
    refuse_data_above(sample, match.row)
    header = trim_blank_tail(sample[match.row])
    return _Layout(
        delimiter=delimiter,
        header_line=match.row + 1,
        header=tuple(str(title) for title in header),
        columns=match.columns,
        first_line=match.row + 2,
    )


def _positional_layout(source: _Source, samples: dict[str, list[list[str]]]) -> _Layout:
    delimiter = max(DELIMITERS, key=lambda each: _consistency(samples[each]))
    sample = samples[delimiter]
    start = find_data_start(sample)
    if start is not None and start.is_header:
        match = HeaderMatch(start.row, match_columns(sample[start.row]))
        return _header_layout(delimiter, sample, match)
    if start is not None:
        width = max(len(DEFAULT_HEADER), len(trim_blank_tail(sample[start.row])))
        return _Layout(
            delimiter=delimiter,
            header_line=None,
            header=(*DEFAULT_HEADER, *[""] * (width - len(DEFAULT_HEADER))),
            columns={field: index for index, field in enumerate(FIELDS)},
            first_line=start.row + 1,
        )

    for each in DELIMITERS:
        if all(map(_is_blank_record, samples[each])):
            _refuse_if_blank(source, each)
    raise FileRefused("not_a_registration_file", detected="text")


def _refuse_if_blank(source: _Source, delimiter: str) -> None:
    """Call the file empty if no row holds more than separators and spaces."""
    for _, cells in source.records(delimiter):
        if not _is_blank_record(cells):
            return
    raise FileRefused("empty")


def _consistency(sample: list[list[str]]) -> int:
    """Score a separator by how many rows share its most common width."""
    widths = Counter(
        len(trim_blank_tail(cells)) for cells in sample if not _is_blank_record(cells)
    )
    if not widths:
        return 0
    width, rows = widths.most_common(1)[0]
    return rows if width >= 3 else 0


def _first_records(
    source: _Source, delimiter: str, stray_quotes: list[FileRefused]
) -> list[list[str]]:
    """The first records as this separator splits them.

    A quote may be stray only for a wrong separator (one that puts it at
    the start of a cell), so it ends the sample here and is noted; the
    count with the chosen separator refuses the file if it is real.
    """
    sample: list[list[str]] = []
    with closing(source.records(delimiter)) as records:
        try:
            for _, cells in islice(records, HEADER_SEARCH_ROWS):
                sample.append(cells)
        except FileRefused as refusal:
            if refusal.code != "unclosed_quote":
                raise
            stray_quotes.append(refusal)
    return sample


def _last_filled_line(
    source: _Source, delimiter: str, first_line: int, limits: Limits
) -> int:
    """Find the last row with text; refuse a file with too many rows."""
    cap = first_line - 1 + limits.max_rows
    with source.open() as stream:
        last = count_unquoted(stream, delimiter, source.max_chars, cap)
    if last is None:
        last = _last_filled_record(source, delimiter, cap)
    if last > cap:
        raise FileRefused("too_many_rows", max_rows=limits.max_rows)
    return last


def _last_filled_record(source: _Source, delimiter: str, cap: int) -> int:
    """Count with the same parser as the rows, for files csv must split.

    Stops at the first row with text past ``cap``.
    """
    last = 0
    for line, cells in source.records(delimiter):
        joined = "".join(cells)
        if len(joined) > source.max_chars:
            _check_cell_lengths(cells, line, source.max_chars)
        if joined and not joined.isspace():
            last = line
            if line > cap:
                break
    return last


def _check_cell_lengths(cells: list[str], line: int, max_chars: int) -> None:
    """Refuse a cell that outgrew the bound by spanning several lines.

    Physical lines are bounded as they are read, so only a quoted cell
    holding line breaks gets here with more than max_chars characters.
    """
    if max(map(len, cells)) > max_chars:
        raise FileRefused("line_too_long", line=line, max_chars=max_chars)


def _is_blank_record(cells: Sequence[str]) -> bool:
    if not any(cells):
        return True
    return "".join(cells).isspace()


@dataclass(frozen=True)
class _TextRows:
    source: _Source
    delimiter: str
    first_line: int
    last_line: int
    builder: RowBuilder

    def rows(self) -> Iterator[Row]:
        build = self.builder.build
        records = self.source.records(self.delimiter)
        with closing(records):
            for line, cells in islice(records, self.first_line - 1, self.last_line):
                joined = "".join(cells)
                empty = not joined or joined.isspace()
                if "'" in joined:
                    yield build(line, [unescape_formula(cell) for cell in cells], empty)
                else:
                    yield build(line, cells, empty)


class _LineTooLong(Exception):
    pass


# A line inside a quoted cell is a row that a stray quote swallowed when it
# splits into several fields of which at least two are codes mixing letters
# and digits, as serial numbers, product numbers and Care Pack SKUs do,
# wherever the columns stand. An address line has words and postcodes
# ("Unit 4, Dock Road, 75001 Paris"), not such codes.
_SWALLOWED_FIELDS = 3
_SWALLOWED_CODES = 2
_CODE = re.compile(r"(?=[^\d]*\d)(?=[^A-Za-z]*[A-Za-z])[A-Za-z0-9#-]{4,20}")


def _records(source: _Source, delimiter: str) -> Records:
    """Yield every record with its row number, as a spreadsheet counts rows.

    A quoted cell may hold line breaks, so one record may span several
    physical lines; one that spans too many, or runs to the end of the file,
    is a stray quote and refuses the file rather than losing the rows it
    swallowed.
    """
    with source.open() as stream:
        lines = _PhysicalLines(stream, source.limits.max_cell_chars)
        reader = csv.reader(lines, delimiter=delimiter)
        record: tuple[int, list[str]] = (0, [])
        # Physical lines read beyond one per record: cells with line breaks.
        extra = 0
        try:
            # Handing on enumerate's own tuples keeps this loop as cheap as
            # a generator can be: it runs once per row of every upload.
            for record in enumerate(reader, start=1):
                if reader.line_num != record[0] + extra or lines.ended:
                    used = reader.line_num - record[0] + 1 - extra
                    _check_quoted_breaks(record, used, lines.ended, source, delimiter)
                    extra = reader.line_num - record[0]
                yield record
        except (_LineTooLong, csv.Error) as error:
            # A bound was hit while reading the record after the last one. A
            # too long line is not counted in line_num yet, a too long field
            # is: past its own first line, a quote left the record open.
            line = record[0] + 1
            first_line_only = 1 if isinstance(error, csv.Error) else 0
            if reader.line_num - record[0] - extra > first_line_only:
                raise _unclosed_quote(line, source, at_end=False) from None
            raise FileRefused(
                "line_too_long", line=line, max_chars=source.max_chars
            ) from None


def _check_quoted_breaks(
    record: tuple[int, list[str]],
    used: int,
    at_end: bool,
    source: _Source,
    delimiter: str,
) -> None:
    """Refuse a record that a stray quote made out of the rows below it.

    ``used`` is the number of physical lines the record took; ``at_end``
    tells that csv only finished it because the file ended inside a quote.
    """
    line, cells = record
    if at_end:
        raise _unclosed_quote(line, source, at_end=True)
    if used > source.limits.max_row_lines:
        raise _unclosed_quote(line, source, at_end=False)
    if any(_swallowed_rows(cell, delimiter, source.limits) for cell in cells):
        raise _unclosed_quote(line, source, at_end=False)


def _swallowed_rows(cell: str, delimiter: str, limits: Limits) -> bool:
    """Tell a cell with line breaks that holds rows from an address."""
    if "\n" not in cell and "\r" not in cell:
        return False
    if len(cell) > limits.max_multiline_cell_chars:
        return True
    parts = cell.replace("\r", "\n").split("\n")
    return any(_looks_like_a_row(part, delimiter) for part in parts)


def _looks_like_a_row(part: str, delimiter: str) -> bool:
    fields = part.split(delimiter)
    if len(fields) < _SWALLOWED_FIELDS:
        return False
    codes = sum(
        _CODE.fullmatch(field.strip().strip('"')) is not None for field in fields
    )
    return codes >= _SWALLOWED_CODES


def _unclosed_quote(line: int, source: _Source, *, at_end: bool) -> FileRefused:
    logger.info("stray quote line=%s at_end=%s", line, at_end)
    return FileRefused(
        "unclosed_quote",
        line=line,
        max_lines=source.limits.max_row_lines,
        at_end=at_end,
    )


class _PhysicalLines:
    """The physical lines of a text upload, each refused past a cell's bound.

    Reading with a size bound means a 50 MB file without a line break is
    never held whole; csv's own field limit is global to the process and
    left alone. ``ended`` turns true once csv has asked past the last line:
    a record csv still hands over after that was cut off by the end of the
    file inside a quoted cell.
    """

    def __init__(self, stream: TextIO, max_chars: int) -> None:
        self.ended = False
        self._stream = stream
        self._max_chars = max_chars

    def __iter__(self) -> Iterator[str]:
        readline = self._stream.readline
        max_chars = self._max_chars
        size = max_chars + 2
        while line := readline(size):
            if len(line) > max_chars and len(line.rstrip("\r\n")) > max_chars:
                raise _LineTooLong
            yield line
        self.ended = True
