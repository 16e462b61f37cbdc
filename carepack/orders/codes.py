"""Activation codes: generation, keyed digests and forgiving matching.

A generated code is 16 characters from an alphabet without look-alikes
(no 0/O, 1/I/L, U/V), about 78 bits, shown as ``XXXX-XXXX-XXXX-XXXX``.
Case, spaces, dashes and dots are ignored when a person types it back.
Codes imported from the legacy system are compared exactly after trimming.
"""

import hashlib
import hmac
import re
import secrets

from django.conf import settings

ALPHABET = "ABCDEFGHJKMNPQRSTWXYZ23456789"
CODE_LENGTH = 16
GROUP = 4
_SEPARATORS = re.compile(r"[\s.\-_]+")
_GENERATED = re.compile(f"^[{ALPHABET}]{{{CODE_LENGTH}}}$")


def generate_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, CODE_LENGTH, GROUP))


def _hmac(message: str) -> str:
    key = settings.CAREPACK_CODE_KEY.encode()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def digest_generated(code: str) -> str:
    return _hmac("v1:" + _SEPARATORS.sub("", code).upper())


def digest_legacy(code: str) -> str:
    return _hmac("legacy:" + code.strip())


def candidate_digests(typed: str) -> list[str]:
    """The digests a typed code may match: as a generated code when it has
    that shape once separators are dropped, and always as a legacy code."""
    candidates = []
    compact = _SEPARATORS.sub("", typed).upper()
    if _GENERATED.match(compact):
        candidates.append(_hmac("v1:" + compact))
    if typed.strip():
        candidates.append(digest_legacy(typed))
    return candidates


def near_generated(typed: str) -> bool:
    """Whether a typed value is a generated code with a typo or two (a
    character too many or too few), rather than a short legacy code."""
    compact = _SEPARATORS.sub("", typed)
    return CODE_LENGTH - 3 <= len(compact) <= CODE_LENGTH + 3 and compact.isalnum()
