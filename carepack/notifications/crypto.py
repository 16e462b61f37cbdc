"""Encryption of mail payloads at rest, with a key from settings."""

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet
from django.conf import settings


def _fernet() -> Fernet:
    digest = hashlib.sha256(settings.CAREPACK_ENCRYPTION_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(data: dict[str, Any]) -> bytes:
    return _fernet().encrypt(json.dumps(data).encode())


def unseal(token: bytes) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(_fernet().decrypt(bytes(token)))
    return result
