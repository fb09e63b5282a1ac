"""The keyed hash of an erased number (its own module: the inbound webhook's consent ledger uses it,
without the privacy use cases)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

MIN_KEY_LENGTH = 16


class KeyedHash:
    """HMAC-SHA256 of an E.164 number under the privacy key (hex): identifies an erased number without
    keeping it. The key must never change: tombstones made under another key are never found again."""

    def __init__(self, key: Callable[[], str]) -> None:
        self._key = key  # read on use (Secrets Manager, cached), not at cold start

    def __call__(self, phone: str) -> str:
        key = self._key()
        if len(key) < MIN_KEY_LENGTH:
            raise ValueError(f"the privacy hash key must have at least {MIN_KEY_LENGTH} characters")
        return hmac.new(key.encode(), phone.encode(), hashlib.sha256).hexdigest()
