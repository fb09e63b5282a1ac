"""Consent: a number's status and one recorded change of it (the words the webhooks need, kept light:
the inbound and status webhooks import this, not the whole model)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class ConsentStatus(enum.StrEnum):
    OPTED_IN = "opted_in"
    OPTED_OUT = "opted_out"


@dataclass(frozen=True, slots=True)
class ConsentChange:
    phone: str  # E.164
    status: ConsentStatus
    source: str  # "twilio_inbound", "twilio_error_21610", "crm", "admin", ...
    evidence: str  # MessageSid, CRM record id, ...
    at: datetime


@dataclass(frozen=True, slots=True)
class Tombstone:
    """What stays of an erased number that had opted out: its keyed hash and its consent, no number."""

    key: str  # HMAC-SHA256 of the E.164 number under the privacy key (hex)
    status: ConsentStatus
    updated_at: str  # ISO instant of the status it keeps (orders it against later changes)
    erased_at: str


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """The ledger's item for one number, with its full history (overflow items first, then inline)."""

    phone: str
    status: ConsentStatus | None  # None: only history-only entries (older than an erased opt-out)
    updated_at: str
    history: tuple[ConsentChange, ...]  # every entry once, in the order recorded
    overflow_items: int  # history items outside the number's own item


@dataclass(frozen=True, slots=True)
class ConsentForgotten:
    entries: int  # history entries deleted (inline and overflow)
    items: int  # ledger items deleted (the number's item and its overflow items)
    tombstone: bool  # an opt-out stays as a tombstone keyed by the hash
