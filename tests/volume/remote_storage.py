"""A file storage without local paths, as a cloud bucket is, for the tests
of ``register-file``: in memory, the upload and its error file live as long
as the one process that writes and reads them."""

from typing import Any

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage


class RemoteStorage(Storage):
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def _open(self, name: str, mode: str = "rb") -> File[Any]:
        return ContentFile(self.files[name], name=name)

    def _save(self, name: str, content: File[Any]) -> str:
        self.files[name] = b"".join(content.chunks())
        return name

    def exists(self, name: str) -> bool:
        return name in self.files

    def delete(self, name: str) -> None:
        self.files.pop(name, None)

    def size(self, name: str) -> int:
        return len(self.files[name])
