"""Webhook intake: authenticate, parse, pre-filter, enqueue. Acknowledge fast; the work is queued."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from textloop.domain.errors import BadRequest, Unauthorized
from textloop.domain.model import HUBSPOT_OBJECTS, HUBSPOT_SOURCE
from textloop.domain.pipeline import HUBSPOT_MEETING_TYPE_ID

MAX_HUBSPOT_BATCH = 100
PRIVACY_DELETION = "contact.privacyDeletion"  # HubSpot: a contact deleted for good (GDPR)
HUBSPOT_PRIVACY_SOURCE = "hubspot.privacy"  # the PrivacyQueue envelope of such an event


class MessageQueue(Protocol):
    def send_all(self, bodies: Sequence[str]) -> None:
        """Enqueue every body or raise (a partial enqueue is retried by the webhook's sender)."""
        ...


def verify_hubspot_v3(
    *,
    client_secret: str,
    method: str,
    uri: str,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    now_ms: int,
    tolerance_ms: int = 300_000,
) -> None:
    """HubSpot signature v3: base64(HMAC-SHA256(secret, method + uri + body + timestamp)).

    Raises Unauthorized when the signature is missing or wrong, or the timestamp is stale.
    """
    if not signature or not timestamp:
        raise Unauthorized("missing X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp")
    try:
        sent_ms = int(timestamp)
    except ValueError:
        raise Unauthorized("X-HubSpot-Request-Timestamp is not a number") from None
    if abs(now_ms - sent_ms) > tolerance_ms:
        raise Unauthorized("X-HubSpot-Request-Timestamp is outside the allowed window")
    message = method.upper().encode() + uri.encode() + body + timestamp.encode()
    expected = base64.b64encode(hmac.new(client_secret.encode(), message, hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise Unauthorized("X-HubSpot-Signature-v3 does not match")


@dataclass(frozen=True, slots=True)
class IntakeResult:
    queued: int  # privacy deletions included
    ignored: int


def hubspot_envelope(event: Any) -> str:
    """The TriggerQueue body for one HubSpot event (``textloop.schemas`` reads it back)."""
    return json.dumps({"source": HUBSPOT_SOURCE, "event": event}, separators=(",", ":"))


def privacy_envelope(event: Any) -> str:
    """The PrivacyQueue body for one ``contact.privacyDeletion`` (``service_layer.privacy`` reads it)."""
    return json.dumps({"source": HUBSPOT_PRIVACY_SOURCE, "event": event}, separators=(",", ":"))


def accept_hubspot_batch(
    body: bytes,
    watched: Collection[tuple[str, str]],
    queue: MessageQueue,
    privacy: MessageQueue | None = None,
    outcomes: MessageQueue | None = None,
) -> IntakeResult:
    """Queue every event a rule may care about; count the others. Malformed elements are queued
    too, so the dispatcher records them as an auditable "skipped: malformed_event".
    ``contact.privacyDeletion`` events go to the *privacy* queue (the eraser), before the others; deal
    creations, deal stage changes and meeting creations also go to the *outcomes* queue (the outcome
    recorder), when given."""
    try:
        events = json.loads(body)
    except ValueError:
        raise BadRequest("body is not JSON") from None
    if not isinstance(events, list):
        raise BadRequest("body must be a JSON array of events")
    if len(events) > MAX_HUBSPOT_BATCH:
        raise BadRequest(f"a batch holds at most {MAX_HUBSPOT_BATCH} events, got {len(events)}")
    deletions = [e for e in events if _is_privacy_deletion(e)]
    wanted = [e for e in events if not _is_privacy_deletion(e) and _may_trigger(e, watched)]
    if deletions:
        if privacy is None:  # never acknowledge an erasure request that was not queued: HubSpot retries
            raise RuntimeError(
                f"no privacy queue (PRIVACY_QUEUE_URL) for {len(deletions)} {PRIVACY_DELETION}"
            )
        privacy.send_all([privacy_envelope(e) for e in deletions])
    queue.send_all([hubspot_envelope(e) for e in wanted])
    pipeline = [e for e in events if is_outcome_event(e)] if outcomes is not None else []
    if outcomes is not None and pipeline:
        outcomes.send_all([hubspot_envelope(e) for e in pipeline])
    queued = sum(1 for e in events if _is_privacy_deletion(e) or _may_trigger(e, watched) or e in pipeline)
    return IntakeResult(queued=queued, ignored=len(events) - queued)


def is_outcome_event(event: Any) -> bool:
    """A HubSpot event the outcome recorder wants: a deal created, a deal's stage changed, a meeting
    created (the generic ``object.creation`` of object type 0-47)."""
    if not isinstance(event, dict):
        return False
    kind = event.get("subscriptionType") or event.get("eventType")
    if kind == "object.creation":
        return event.get("objectTypeId") == HUBSPOT_MEETING_TYPE_ID
    return kind == "deal.creation" or (
        kind == "deal.propertyChange" and event.get("propertyName") == "dealstage"
    )


def _is_privacy_deletion(event: Any) -> bool:
    return isinstance(event, dict) and PRIVACY_DELETION in (
        event.get("subscriptionType"),
        event.get("eventType"),
    )


def _may_trigger(event: Any, watched: Collection[tuple[str, str]]) -> bool:
    if not isinstance(event, dict):
        return True  # malformed: let the dispatcher record it
    kind = event.get("subscriptionType") or event.get("eventType")
    if not isinstance(kind, str) or "." not in kind:
        return True
    object_name, _, action = kind.partition(".")
    object_type = HUBSPOT_OBJECTS.get(object_name)
    if object_type is None:
        return False
    if action == "propertyChange":
        return (object_type, event.get("propertyName")) in watched
    return False  # creation/deletion/merge events carry no stage change
