"""Privacy: everything Textloop holds about one number, exported as one JSON object, or erased.

Erasure deletes the number's message records, send slots (the outbound bodies), index entries, the
tracked links of its messages and every fetch of them, its consent item and every history item. What
stays: when the number had opted out, a tombstone keyed by an HMAC-SHA256 of the number under the
privacy key (status only: no number, no history), so that a later send is still refused; the outcomes of its events (keyed by event, number masked to its
last four digits, expiring 35 days after the event); and an audit record of the erasure (the hash,
the time, the counts). Erasing twice is harmless.

HubSpot's ``contact.privacyDeletion`` arrives after HubSpot deleted the contact for good: its numbers
are found in Textloop's own index of the numbers texted for each contact (``numbers_for_contact``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from textloop.domain.errors import BadRequest
from textloop.domain.keyed_hash import KeyedHash as KeyedHash  # re-exported
from textloop.service_layer.intake import HUBSPOT_PRIVACY_SOURCE, PRIVACY_DELETION

if TYPE_CHECKING:  # annotations only: the webhooks read KeyedHash from here without the ports
    from textloop.domain.ports import ConsentRecord, ConsentRecords, NumberHoldings, PrivacyStore

E164 = re.compile(r"\+[1-9][0-9]{6,14}")
OUTCOMES_KEPT_BECAUSE = (
    "outcomes are keyed by event, not by number: they hold the number masked to its last four "
    "digits and expire 35 days after their event"
)
NOT_HELD = [
    "Inbound message bodies are not stored by Textloop: the CRM record holds them (Salesforce Task, "
    "HubSpot Communication).",
    "An outbound body stays in its send slot only until the message is logged on the CRM record.",
    "Routed replies are stored by MessageSid with a masked sender; those listed are the ones whose "
    "MessageSid is in the consent history.",
]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def e164(raw: str) -> str:
    """The number, if it is written in E.164 (``+`` and 7 to 15 digits); else BadRequest."""
    value = raw.strip()
    if not E164.fullmatch(value):
        raise BadRequest("not an E.164 number: write it as + and the country code, e.g. +14155550100")
    return value


@dataclass(frozen=True, slots=True)
class DeletionRequest:
    """A CRM's request to erase everything about one of its contacts."""

    crm: str
    contact_id: str
    source: str  # what asked, for the audit record
    event_id: str


def parse_privacy_envelope(body: str) -> DeletionRequest:
    """A PrivacyQueue message (``textloop.service_layer.intake.privacy_envelope``)."""
    try:
        message = json.loads(body)
        event = message["event"]
        kind = event.get("subscriptionType") or event.get("eventType")
        contact_id = str(event["objectId"])
        if message.get("source") != HUBSPOT_PRIVACY_SOURCE or kind != PRIVACY_DELETION:
            raise ValueError(f"not a {PRIVACY_DELETION} event")
        if not contact_id.isdigit():
            raise ValueError("objectId is not a HubSpot contact id")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BadRequest(f"privacy queue message is not a HubSpot privacy deletion: {exc}") from None
    return DeletionRequest(
        "hubspot", contact_id, f"hubspot:{PRIVACY_DELETION}", str(event.get("eventId", ""))
    )


@dataclass
class Privacy:
    store: PrivacyStore
    consent: ConsentRecords
    hasher: Callable[[str], str] | None  # None: no key configured (export still works, erasure not)
    clock: Callable[[], datetime] = _utcnow

    def export(self, phone: str) -> dict[str, Any]:
        """Everything held about *phone*, as one JSON-able object."""
        phone = e164(phone)
        key = self.hasher(phone) if self.hasher else None
        record = self.consent.consent_record(phone)
        tombstone = self.consent.tombstone(phone) if key else None
        held = self.store.holdings(phone, _evidence(record), key)
        return {
            "phone": phone,
            "exported_at": self.clock().isoformat(),
            "consent": None
            if record is None
            else {
                "status": str(record.status) if record.status else None,
                "updated_at": record.updated_at,
                "history": [
                    {
                        "status": str(c.status),
                        "source": c.source,
                        "evidence": c.evidence,
                        "at": c.at.isoformat(),
                    }
                    for c in record.history
                ],
            },
            "erased": None
            if tombstone is None
            else {
                "status": str(tombstone.status),
                "updated_at": tombstone.updated_at,
                "erased_at": tombstone.erased_at,
            },
            "messages": list(held.messages),
            "conversation": list(held.conversation),
            "slots": list(held.slots),
            "index": list(held.index),
            "links": list(held.links),
            "outcomes": [o for o in held.outcomes if not _is_reply(o)],
            "routed_replies": [o for o in held.outcomes if _is_reply(o)],
            "erasures": list(held.erasures),
            "key": key,
            "notes": NOT_HELD
            if key
            else [*NOT_HELD, "No privacy hash key: tombstone and erasures not looked up."],
        }

    def erase(self, phone: str, *, source: str = "cli", request: str = "") -> dict[str, Any]:
        """Delete everything held about *phone* except what keeps an opt-out honoured; the report and
        the audit record name the keyed hash, never the number. Idempotent."""
        phone = e164(phone)
        if self.hasher is None:
            raise RuntimeError("no privacy hash key (PRIVACY_SECRET_ID or PRIVACY_HASH_KEY): cannot erase")
        key, at = self.hasher(phone), self.clock()
        held = self.store.holdings(phone, _evidence(self.consent.consent_record(phone)), key)
        self.store.delete(held.deletable)  # the state table first: the consent item goes last
        forgotten = self.consent.forget(phone, at)
        summary = {
            "source": source,
            "request": request,
            "deleted": _counts(held)
            | {"consent_entries": forgotten.entries, "consent_items": forgotten.items},
            "tombstone": forgotten.tombstone,
            "kept": {"outcomes": len(held.outcomes), "why": OUTCOMES_KEPT_BECAUSE},
            "erased_before": len(held.erasures),
        }
        self.store.record_erasure(key, at, summary)
        return {"key": key, "erased_at": at.isoformat(), **summary}

    def erase_contact(self, crm: str, contact_id: str, *, source: str) -> dict[str, Any]:
        """A CRM deleted a contact for privacy: erase every number Textloop holds for it."""
        request = f"{crm}:contact:{contact_id}"
        numbers = self.store.numbers_for_contact(crm, contact_id)
        erased = [self.erase(number, source=source, request=request) for number in numbers]
        summary = {
            "source": source,
            "request": request,
            "numbers": len(erased),
            "keys": [e["key"] for e in erased],
            "tombstones": sum(1 for e in erased if e["tombstone"]),
        }
        self.store.record_erasure(f"contact:{crm}:{contact_id}", self.clock(), summary)
        return summary


def _evidence(record: ConsentRecord | None) -> list[str]:
    return [change.evidence for change in record.history] if record is not None else []


def _is_reply(outcome: dict[str, Any]) -> bool:
    return str(outcome.get("pk", "")).startswith("EVENT#in:")


def _counts(held: NumberHoldings) -> dict[str, int]:
    return {
        "conversation": len(held.conversation),
        "messages": len(held.messages),
        "slots": len(held.slots),
        "bodies": sum(1 for s in held.slots if s.get("body")),
        "index": len(held.index),
        "links": sum(1 for i in held.links if i.get("sk") == "LINK"),
        "clicks": sum(1 for i in held.links if str(i.get("sk", "")).startswith("CLICK#")),
    }
