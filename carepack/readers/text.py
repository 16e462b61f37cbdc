"""Reading uploads saved as tab-, semicolon- or comma-separated text.

The file is read several times, each time as a stream: once for its
encoding, once for the first rows of each separator, once to count the rows
(so an oversized file is refused before any row is processed), and once
more when the caller iterates. Memory stays bounded by the longest line,
which is itself bounded by Limits.max_cell_chars.
"""

import csv
import os
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
    find_header,
    is_banner,
    looks_like_data,
    trim_blank_tail,
)
from .model import FIELDS, Limits, RegistrationFile, Row
from .rows import RowBuilder, unescape_formula

DELIMITERS = ("\t", ";", ",")

Path = str | os.PathLike[str]
Records = Generator[tuple[int, list[str]], None, None]


@dataclass(frozen=True)
class _Source:
    path: Path
    encoding: str
    max_chars: int

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
    source = _Source(path, encoding, limits.max_cell_chars)
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
    samples = {delimiter: _first_records(source, delimiter) for delimiter in DELIMITERS}
    found = [
        (delimiter, match)
        for delimiter in DELIMITERS
        if (match := find_header(samples[delimiter])) is not None
    ]
    if not found:
        return _positional_layout(source, samples)

    # Most titles recognised wins; a tie goes to the earlier row, then to
    # the earlier separator in DELIMITERS.
    delimiter, match = max(found, key=lambda item: (len(item[1].columns), -item[1].row))
    header = trim_blank_tail(samples[delimiter][match.row])
    return _Layout(
        delimiter=delimiter,
        header_line=match.row + 1,
        header=tuple(str(title) for title in header),
        columns=match.columns,
        first_line=match.row + 2,
    )


def _positional_layout(source: _Source, samples: dict[str, list[list[str]]]) -> _Layout:
    delimiter = max(DELIMITERS, key=lambda each: _consistency(samples[each]))
    for line, cells in enumerate(samples[delimiter], start=1):
        if _is_blank_record(cells) or is_banner(cells):
            continue
        if not looks_like_data(cells):
            break
        width = max(len(DEFAULT_HEADER), len(trim_blank_tail(cells)))
        return _Layout(
            delimiter=delimiter,
            header_line=None,
            header=(*DEFAULT_HEADER, *[""] * (width - len(DEFAULT_HEADER))),
            columns={field: index for index, field in enumerate(FIELDS)},
            first_line=line,
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


def _first_records(source: _Source, delimiter: str) -> list[list[str]]:
    with closing(source.records(delimiter)) as records:
        return [cells for _, cells in islice(records, HEADER_SEARCH_ROWS)]


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


def _records(source: _Source, delimiter: str) -> Records:
    """Yield every record with its row number, as a spreadsheet counts rows."""
    with source.open() as stream:
        reader = csv.reader(
            _bounded_lines(stream, source.max_chars), delimiter=delimiter
        )
        record: tuple[int, list[str]] = (0, [])
        try:
            # Handing on enumerate's own tuples keeps this loop as cheap as
            # a generator can be: it runs once per row of every upload.
            for record in enumerate(reader, start=1):
                yield record
        except (_LineTooLong, csv.Error):
            # The bound was hit while reading the record after the last one.
            line = record[0] + 1
            raise FileRefused(
                "line_too_long", line=line, max_chars=source.max_chars
            ) from None


def _bounded_lines(stream: TextIO, max_chars: int) -> Iterator[str]:
    """Yield physical lines, refusing one longer than a cell may be.

    Reading with a size bound means a 50 MB file without a line break is
    never held whole; csv's own field limit is global to the process and
    left alone.
    """
    readline = stream.readline
    size = max_chars + 2
    while line := readline(size):
        if len(line) > max_chars and len(line.rstrip("\r\n")) > max_chars:
            raise _LineTooLong
        yield line
