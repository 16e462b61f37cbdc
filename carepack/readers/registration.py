"""The entry point: from an uploaded file on disk to a RegistrationFile."""

import logging
import os

from .errors import FileRefused
from .model import Limits, RegistrationFile
from .sniff import detect_kind
from .spreadsheet import open_spreadsheet
from .text import open_text

logger = logging.getLogger(__name__)

DEFAULT_LIMITS = Limits()


def open_registration_file(
    path: str | os.PathLike[str],
    limits: Limits = DEFAULT_LIMITS,
    *,
    known_kind: str | None = None,
) -> RegistrationFile:
    """Check an upload as a whole and describe how to read its rows.

    Every refusal (size, format, bombs, binary data, row cap) happens here,
    before the caller processes a single row. The kind comes from the
    content: a workbook renamed ``.txt`` is still read as a workbook.
    ``known_kind`` is for reading again a file this function opened before
    (its zip, when it is one, was inspected then): the kind is not sniffed
    again.
    """
    size = os.stat(path).st_size
    if size == 0:
        raise FileRefused("empty")
    if size > limits.max_bytes:
        raise FileRefused("too_large", size=size, max_bytes=limits.max_bytes)

    kind = known_kind or detect_kind(path, limits)
    if kind == "text":
        opened = open_text(path, limits)
    else:
        opened = open_spreadsheet(path, kind, limits)
    logger.debug(
        "registration file opened kind=%s encoding=%s rows=%s",
        opened.kind,
        opened.encoding,
        opened.row_count,
    )
    return opened
