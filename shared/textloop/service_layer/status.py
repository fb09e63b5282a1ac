"""Twilio delivery status callbacks: move the message record forward, never back."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from textloop.domain.errors import BadRequest

# Twilio's lifecycle; callbacks arrive duplicated and out of order, so only a higher rank moves.
STATUS_RANK: dict[str, int] = {
    "accepted": 1,
    "scheduled": 1,
    "queued": 2,
    "sending": 3,
    "sent": 4,
    "delivered": 5,
    "undelivered": 5,
    "failed": 5,
    "canceled": 5,
    "read": 6,
}


class StatusStore(Protocol):
    def update_status(self, sid: str, status: str, rank: int, error_code: str, at: datetime) -> bool: ...


def record_status(form: dict[str, str], store: StatusStore, at: datetime) -> bool:
    """Returns whether the record moved. Unknown statuses are refused (400), not guessed."""
    sid = form.get("MessageSid") or form.get("SmsSid")
    status = (form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
    if not sid:
        raise BadRequest("status callback without MessageSid")
    if status not in STATUS_RANK:
        raise BadRequest(f"unknown MessageStatus {status!r}")
    return store.update_status(sid, status, STATUS_RANK[status], form.get("ErrorCode", ""), at)
