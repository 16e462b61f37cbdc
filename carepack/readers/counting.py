"""Counting the rows of a text upload before they are read.

The caller wants an oversized file refused before any row is processed, so
the whole file is counted first. The csv module is the reference (a quoted
cell may hold line breaks), but parsing twice doubled the cost of every
upload. A file without a single quote character cannot hold a quoted cell,
so its rows are its lines, and those can be counted with a few string
methods over large chunks; any quote, or any suspiciously long line, sends
the count back to csv.
"""

from typing import TextIO

_CHUNK_CHARS = 1 << 20
# Every character str.isspace() accepts; all lie below U+3001.
_WHITESPACE = "".join(char for char in map(chr, range(0x3001)) if char.isspace())


def count_unquoted(
    stream: TextIO, delimiter: str, max_chars: int, cap: int
) -> int | None:
    """Return the number of the last row with text, or None to use csv.

    Rows past ``cap`` stop the count early: the returned number is then
    above ``cap`` and the caller refuses the file.
    """
    blank = delimiter + _WHITESPACE
    breaks = 0
    last = 0
    open_line = 0
    after_cr = False
    while chunk := stream.read(_CHUNK_CHARS):
        if '"' in chunk:
            return None
        open_line = _open_line_after(chunk, open_line, max_chars)
        if open_line < 0:
            return None

        # A CR ending one chunk and an LF starting the next are one break.
        split_crlf = after_cr and chunk.startswith("\n")
        filled = chunk.rstrip(blank)
        if filled:
            last = breaks + count_breaks(filled) - split_crlf + 1
        breaks += count_breaks(chunk) - split_crlf
        after_cr = chunk.endswith("\r")
        if last > cap:
            break
    return last


def count_breaks(text: str) -> int:
    """Count line ends the way csv with newline="" sees them."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _open_line_after(chunk: str, open_line: int, max_chars: int) -> int:
    """Return the length of the line left open; -1 if any line is too long.

    ``open_line`` is the length of the line the previous chunk left open.
    """
    lines = chunk.replace("\r", "\n").split("\n")
    head = open_line + len(lines[0])
    if head > max_chars or max(map(len, lines[1:]), default=0) > max_chars:
        return -1
    return head if len(lines) == 1 else len(lines[-1])
