"""Mail backend for a laptop: one ``.eml`` file per message, in a folder.

Django's file backend appends every message of a connection to one
``.log`` file; a file per message opens in any mail client as it is.
"""

import os
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend


class EmlFileBackend(BaseEmailBackend):
    def __init__(self, *, file_path: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.file_path = os.path.abspath(file_path)
        os.makedirs(self.file_path, exist_ok=True)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            self._write(message)
            sent += 1
        return sent

    def _write(self, message: EmailMessage) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        name = f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
        final = os.path.join(self.file_path, name)
        # Written under a temporary name then renamed, so that a reader of
        # the folder never sees half a message.
        temporary = final + ".part"
        # Owner-only: a message may carry an activation code.
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(message.message().as_bytes())
        os.replace(temporary, final)
