"""Deciding how a text upload is encoded, from every byte of it.

Excel and LibreOffice write UTF-16 with a BOM, UTF-8 with or without one,
or Windows-1252. Statistical detectors misread short Windows-1252 files, so
the decision is a fixed cascade: BOM, then strict UTF-8 over the whole file
(one stray byte at the very end must still count), then Windows-1252.

A file holding both well-formed UTF-8 letters and bytes UTF-8 forbids is
neither: a row typed or pasted in Windows-1252 into a UTF-8 file. Reading it
as Windows-1252 would garble every UTF-8 letter ("Zoë" as "ZoÃ«") without a
word, so it is refused, naming the line of the first forbidden byte.

Windows-1252 leaves five bytes undefined (0x81 0x8D 0x8F 0x90 0x9D). They
are decoded as the C1 control of the same number, which is what Windows
itself does, and counted as control characters when judging whether the
file is binary: one stray byte keeps the file readable, many refuse it.
"""

import codecs
import os
import re
from typing import BinaryIO

from .counting import count_breaks
from .errors import FileRefused

CP1252_ERRORS = "carepack.cp1252-c1"

_CHUNK = 1 << 20
_HOLES = b"\x81\x8d\x8f\x90\x9d"
_CONTROLS = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_NOT_CONTROL = bytes(byte for byte in range(256) if byte not in _CONTROLS)
_NOT_HOLE = bytes(byte for byte in range(256) if byte not in _HOLES)
# Binary when more than this share of the characters are controls (the
# minimum keeps a short file with a stray control or two readable).
_CONTROL_SHARE = 100
_CONTROL_MINIMUM = 8


def _c1_fallback(error: UnicodeError) -> tuple[str | bytes, int]:
    """Map the five holes of Windows-1252 to C1 controls and back."""
    if isinstance(error, UnicodeDecodeError):
        byte = error.object[error.start]
        if byte in _HOLES:
            return chr(byte), error.start + 1
    elif isinstance(error, UnicodeEncodeError):
        code = ord(error.object[error.start])
        # Characters Windows-1252 lacks become "?" so an error file can
        # always be written in the encoding the customer uploaded.
        replacement = bytes([code]) if code < 256 and code in _HOLES else b"?"
        return replacement, error.start + 1
    raise error


codecs.register_error(CP1252_ERRORS, _c1_fallback)


class _Tally:
    """Counts what tells text from binary, one chunk at a time."""

    def __init__(self) -> None:
        self.size = 0
        self.controls = 0
        self.holes = 0

    def add(self, chunk: bytes) -> None:
        if b"\x00" in chunk:
            raise FileRefused("binary_content")
        self.size += len(chunk)
        self.controls += len(chunk.translate(None, _NOT_CONTROL))
        self.holes += len(chunk.translate(None, _NOT_HOLE))

    def check(self, encoding: str) -> None:
        suspicious = self.controls + (self.holes if encoding == "cp1252" else 0)
        if suspicious > max(_CONTROL_MINIMUM, self.size // _CONTROL_SHARE):
            raise FileRefused("binary_content")


def detect_encoding(path: str | os.PathLike[str]) -> str:
    """Name the codec to read the file with; refuse binary data."""
    with open(path, "rb") as stream:
        head = stream.read(4)
        stream.seek(0)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            _scan_utf16(stream)
            return "utf-16"
        return _scan_bytes(stream, has_bom=head.startswith(codecs.BOM_UTF8))


def _scan_utf16(stream: BinaryIO) -> None:
    decoder = codecs.getincrementaldecoder("utf-16")("strict")
    tally = _Tally()
    try:
        while chunk := stream.read(_CHUNK):
            # Re-encoding as UTF-8 keeps every control a single byte, so the
            # same byte counts serve both kinds of file.
            tally.add(decoder.decode(chunk).encode("utf-8"))
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise FileRefused("undecodable_text", encoding="utf-16") from None
    tally.check("utf-16")


def _scan_bytes(stream: BinaryIO, *, has_bom: bool) -> str:
    tally = _Tally()
    probe = _Utf8Probe()
    while chunk := stream.read(_CHUNK):
        tally.add(chunk)
        probe.feed(chunk)
    probe.feed(b"", final=True)

    if probe.invalid_at is None:
        encoding = "utf-8-sig" if has_bom else "utf-8"
    elif has_bom:
        raise FileRefused("undecodable_text", encoding="utf-8-sig")
    elif probe.multibyte:
        line = _line_at(stream, probe.invalid_at)
        raise FileRefused("mixed_encoding", line=line)
    else:
        encoding = "cp1252"
    tally.check(encoding)
    return encoding


# Past the first byte UTF-8 forbids, the rest is decoded with
# "surrogateescape": forbidden bytes become these, any other non-ASCII
# character comes from a well-formed multi-byte sequence.
_MULTIBYTE = re.compile("[^\\x00-\\x7f\\udc80-\\udcff]")


class _Utf8Probe:
    """Reads the file as UTF-8, noting what Windows-1252 would hide.

    ``invalid_at`` is the offset of the first byte UTF-8 forbids, None if
    there is none; ``multibyte`` tells whether a well-formed multi-byte
    letter was seen anywhere. Strict decoding, the fast path, runs until
    the first forbidden byte.
    """

    def __init__(self) -> None:
        self.invalid_at: int | None = None
        self.multibyte = False
        self._strict = codecs.getincrementaldecoder("utf-8")("strict")
        self._lenient = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        self._offset = 0

    def feed(self, chunk: bytes, *, final: bool = False) -> None:
        if self.invalid_at is None:
            self._feed_strict(chunk, final)
        elif not self.multibyte:
            self._feed_lenient(chunk, final)
        self._offset += len(chunk)

    def _feed_strict(self, chunk: bytes, final: bool) -> None:
        try:
            text = self._strict.decode(chunk, final)
        except UnicodeDecodeError as error:
            # The decoder put the bytes it held back in front of the chunk.
            held = len(error.object) - len(chunk)
            self.invalid_at = self._offset - held + error.start
            self.multibyte |= not error.object[: error.start].isascii()
            self._feed_lenient(error.object[error.start :], final)
            return
        # Only complete sequences are decoded, so a letter cut by the end of
        # the chunk is judged with the next one.
        self.multibyte |= not text.isascii()

    def _feed_lenient(self, data: bytes, final: bool) -> None:
        text = self._lenient.decode(data, final)
        if not text.isascii():
            self.multibyte |= _MULTIBYTE.search(text) is not None


def _line_at(stream: BinaryIO, offset: int) -> int:
    """The line holding the byte at ``offset``, as csv counts lines."""
    stream.seek(0)
    breaks = 0
    after_cr = False
    while offset > 0 and (chunk := stream.read(min(_CHUNK, offset))):
        offset -= len(chunk)
        # A CR ending one chunk and an LF starting the next are one break.
        breaks += count_breaks(chunk.decode("latin-1")) - (
            after_cr and chunk.startswith(b"\n")
        )
        after_cr = chunk.endswith(b"\r")
    return breaks + 1
