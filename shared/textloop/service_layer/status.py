"""Twilio delivery status callbacks: move the message record forward, never back."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from urllib.parse import parse_qs

from textloop.domain.consent import ConsentChange, ConsentStatus
from textloop.domain.errors import BadRequest, Retryable
from textloop.domain.send_identity import is_send_id

if TYPE_CHECKING:  # annotations only: the status and inbound webhooks' cold start skips these modules
    from textloop.domain.ports import ConsentLedger
    from textloop.service_layer.intake import MessageQueue

DELIVERY_FAILURE = "delivery_failure"  # the InboundQueue message that flags a contact's number
CONSENT_SYNC = "consent_sync"  # the InboundQueue message that writes a consent change to the CRM
CONSENT_CHANGE = "consent_change"  # ConsentQueue: a change a webhook could not write to the ledger

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


UNSUBSCRIBED = "21610"  # Twilio: the recipient unsubscribed
# Unreachable handset, unknown destination, landline or unreachable carrier: flag the contact.
UNREACHABLE = {"30003": "unreachable", "30005": "unreachable", "30006": "landline"}


class StatusStore(Protocol):
    def update_status(
        self, sid: str, status: str, rank: int, error_code: str, at: datetime, price: str = ""
    ) -> bool: ...


class SendIds(Protocol):
    def attach_sid(self, identity: str, sid: str) -> bool:
        """The SID on the send record named by the callback URL's ``slot`` (unless one is there)."""
        ...


def send_identity(query: str) -> str | None:
    """The send id the status-callback URL carries (``?slot=<id>``, ``domain.reconcile``); None when
    absent. A value that is not a send id is refused (400): Twilio posts to the URL we gave it."""
    values = parse_qs(query, keep_blank_values=True).get("slot")
    if not values:
        return None
    if len(values) != 1 or not is_send_id(values[0]):
        raise BadRequest("the status callback's slot is not a send id")
    return values[0]


def record_status(form: dict[str, str], store: StatusStore, at: datetime) -> bool:
    """Returns whether the record moved. Unknown statuses are refused (400), not guessed."""
    sid = form.get("MessageSid") or form.get("SmsSid")
    status = (form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
    if not sid:
        raise BadRequest("status callback without MessageSid")
    if status not in STATUS_RANK:
        raise BadRequest(f"unknown MessageStatus {status!r}")
    price = form.get("Price", "")  # what the message cost, when the callback carries it
    return store.update_status(sid, status, STATUS_RANK[status], form.get("ErrorCode", ""), at, price)


def consent_message(kind: str, change: ConsentChange) -> str:
    """A consent change as a queue message: ``consent_sync`` (InboundQueue: write it to the CRM) or
    ``consent_change`` (ConsentQueue: write it to the ledger)."""
    return json.dumps(
        {
            "type": kind,
            "phone": change.phone,
            "status": str(change.status),
            "source": change.source,
            "evidence": change.evidence,
            "at": change.at.isoformat(),
        }
    )


def consent_sync_body(change: ConsentChange) -> str:
    return consent_message(CONSENT_SYNC, change)


def consent_change_body(change: ConsentChange) -> str:
    return consent_message(CONSENT_CHANGE, change)


def record_consent(change: ConsentChange, consent: ConsentLedger, fallback: MessageQueue) -> bool:
    """Write the change to the ledger; if the ledger cannot be written, put it on the consent queue
    (its consumer applies it, idempotently on the evidence). Only if both fail does this raise:
    then, and only then, the webhook answers 5xx. Returns whether the status (probably) moved."""
    try:
        return consent.record(change)
    except Retryable:
        fallback.send_all([consent_change_body(change)])
        return True  # unknown: a second confirmation beats a missing one


def handle_status(
    form: dict[str, str],
    store: StatusStore,
    consent: ConsentLedger,
    queue: MessageQueue,
    at: datetime,
    consent_fallback: MessageQueue | None = None,
    query: str = "",
    sends: SendIds | None = None,
) -> bool:
    """21610 is an opt-out at once, before anything else (Twilio does not retry a status callback:
    if the ledger fails it goes on the consent queue); then the SID onto its send record (*query*:
    the callback URL's query, ``?slot=<send id>``); then the status moves forward;
    30003/30005/30006 flag the contact (queued: the CRM call must not hold up Twilio's callback)."""
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    identity = send_identity(query)  # a bad one is refused before anything is written
    code, phone = form.get("ErrorCode", ""), form.get("To", "")
    if code == UNSUBSCRIBED and phone:
        change = ConsentChange(phone, ConsentStatus.OPTED_OUT, "twilio_error_21610", sid, at)
        moved_consent = (
            record_consent(change, consent, consent_fallback) if consent_fallback else consent.record(change)
        )
        if moved_consent:
            queue.send_all([consent_sync_body(change)])
    if sends is not None and identity and sid:
        sends.attach_sid(identity, sid)
    moved = record_status(form, store, at)
    if code in UNREACHABLE and moved:
        failure = {"type": DELIVERY_FAILURE, "sid": sid, "error_code": code, "phone": phone}
        queue.send_all([json.dumps(failure)])
    return moved
