"""Telling what an upload is from its bytes; its name is never trusted."""

import codecs
import os

from .errors import FileRefused
from .model import Limits
from .zipguard import inspect_zip

_HEAD_BYTES = 1 << 16
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FOREIGN_MAGIC = {
    b"%PDF": "pdf",
    b"\x89PNG\r\n\x1a\n": "image",
    b"\xff\xd8\xff": "image",
    b"GIF87a": "image",
    b"GIF89a": "image",
}
_MARKUP_STARTS = ("<html", "<!doctype")


def detect_kind(path: str | os.PathLike[str], limits: Limits) -> str:
    """Return "xlsx", "ods", "xls" or "text"; refuse known foreign formats."""
    with open(path, "rb") as stream:
        head = stream.read(_HEAD_BYTES)

    if head.startswith(_ZIP_MAGIC):
        return inspect_zip(path, head, limits)
    if head.startswith(_OLE_MAGIC):
        return "xls"
    foreign = _foreign_format(head)
    if foreign is not None:
        raise FileRefused("not_a_registration_file", detected=foreign)
    return "text"


def _foreign_format(head: bytes) -> str | None:
    for magic, name in _FOREIGN_MAGIC.items():
        if head.startswith(magic):
            return name
    if _head_text(head).lstrip().lower().startswith(_MARKUP_STARTS):
        return "html"
    return None


def _head_text(head: bytes) -> str:
    """Decode just enough of the start to spot a web page, in any BOM."""
    start = head[:1024]
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return start.decode("utf-16", errors="ignore")
    return start.removeprefix(codecs.BOM_UTF8).decode("latin-1")
