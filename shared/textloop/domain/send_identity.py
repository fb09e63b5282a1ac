"""A send's identity: derived from its event (the same for every delivery, a redrive included), carried in
the status-callback URL (``?slot=<id>``) and back; light, for the status webhook (``reconcile`` uses it)."""

from __future__ import annotations

import hashlib
import re

SEND_ID_LENGTH = 32
_SEND_ID = re.compile(rf"^[0-9a-f]{{{SEND_ID_LENGTH}}}$")


def send_id(event_key: str) -> str:
    """The send's identity for the provider: the same for every delivery of one event (a redrive
    included), opaque (no CRM id, no number) and URL-safe."""
    return hashlib.sha256(f"textloop-send:{event_key}".encode()).hexdigest()[:SEND_ID_LENGTH]


def is_send_id(value: str) -> bool:
    return bool(_SEND_ID.match(value))


def with_send_id(url: str | None, identity: str) -> str | None:
    """The status-callback URL carrying the send's identity (Twilio signs the whole URL, query
    included, and posts to it as given)."""
    if not url:
        return url
    return f"{url}{'&' if '?' in url else '?'}slot={identity}"
