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
from textloop.domain.sources import HUBSPOT_MEETING_TYPE_ID, HUBSPOT_OBJECTS, HUBSPOT_SOURCE

MAX_HUBSPOT_BATCH = 100
MAX_QUEUED_EVENT_BYTES = 256 * 1024  # one SQS message (the adapter splits batches by count and size)
EVENT_TOO_LARGE = "event_too_large"
# What identifies a HubSpot event (its key) and what it was about: all a refused event keeps.
IDENTITY_FIELDS = (
    "objectId",
    "eventId",
    "portalId",
    "occurredAt",
    "subscriptionType",
    "eventType",
    "propertyName",
    "objectTypeId",
)
MAX_IDENTITY_CHARS = 128
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
class Refusal:
    """An event too large for a queue message: not queued as it came; its trimmed identity is queued
    instead, so the dispatcher records "skipped: event_too_large" under the event's own key."""

    event_key: str
    size: int  # bytes of its queue message


@dataclass(frozen=True, slots=True)
class IntakeResult:
    queued: int  # privacy deletions included; refused events are not
    ignored: int
    refused: tuple[Refusal, ...] = ()


def hubspot_event_key(event: Any) -> str:
    """The event key the dispatcher gives a HubSpot event (``textloop.schemas.HubSpotEvent``)."""
    if not isinstance(event, dict):
        return "hs:malformed"
    kind = event.get("subscriptionType") or event.get("eventType")
    parts = (
        event.get("portalId"),
        kind,
        event.get("objectId"),
        event.get("eventId"),
        event.get("occurredAt"),
    )
    return "hs:" + ":".join(_short(p) for p in parts)


def identity(event: dict[str, Any]) -> dict[str, Any]:
    """The fields that identify *event*, each kept only if it is a number or a short string."""
    return {k: event[k] for k in IDENTITY_FIELDS if k in event and _short(event[k]) == str(event[k])}


def _short(value: Any) -> str:
    text = str(value)
    return text if isinstance(value, int | str) and len(text) <= MAX_IDENTITY_CHARS else "?"


def _fits(body: str) -> bool:
    return len(body.encode()) <= MAX_QUEUED_EVENT_BYTES


def hubspot_envelope(event: Any) -> str:
    """The TriggerQueue body for one HubSpot event (``textloop.schemas`` reads it back)."""
    return json.dumps({"source": HUBSPOT_SOURCE, "event": event}, separators=(",", ":"))


def refused_envelope(event: Any, size: int) -> str:
    """The TriggerQueue body that stands in for an event too large to queue (``textloop.schemas``
    turns it into the auditable "skipped: event_too_large")."""
    trimmed = identity(event) if isinstance(event, dict) else {}
    refused = {"reason": EVENT_TOO_LARGE, "bytes": size}
    return json.dumps({"source": HUBSPOT_SOURCE, "event": trimmed, "refused": refused}, separators=(",", ":"))


def privacy_envelope(event: Any) -> str:
    """The PrivacyQueue body for one ``contact.privacyDeletion`` (``service_layer.privacy`` reads it).
    An erasure is never refused for its size: the eraser needs only the event's identity."""
    body = json.dumps({"source": HUBSPOT_PRIVACY_SOURCE, "event": event}, separators=(",", ":"))
    if _fits(body) or not isinstance(event, dict):
        return body
    return json.dumps({"source": HUBSPOT_PRIVACY_SOURCE, "event": identity(event)}, separators=(",", ":"))


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
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        raise BadRequest("body is not JSON") from None
    if not isinstance(events, list):
        raise BadRequest("body must be a JSON array of events")
    if len(events) > MAX_HUBSPOT_BATCH:
        raise BadRequest(f"a batch holds at most {MAX_HUBSPOT_BATCH} events, got {len(events)}")
    deletions = [e for e in events if _is_privacy_deletion(e)]
    sized = [
        (e, body, len(body.encode()))
        for e in events
        if not _is_privacy_deletion(e)
        for body in [hubspot_envelope(e)]
    ]
    fitting = [(e, body) for e, body, size in sized if size <= MAX_QUEUED_EVENT_BYTES]
    too_large = [(e, size) for e, _, size in sized if size > MAX_QUEUED_EVENT_BYTES]
    if deletions:
        if privacy is None:  # never acknowledge an erasure request that was not queued: HubSpot retries
            raise RuntimeError(
                f"no privacy queue (PRIVACY_QUEUE_URL) for {len(deletions)} {PRIVACY_DELETION}"
            )
        privacy.send_all([privacy_envelope(e) for e in deletions])
    wanted = [body for e, body in fitting if _may_trigger(e, watched)]
    # an event too large for a queue message is refused on its own (never the whole batch): its trimmed
    # identity is queued so that the dispatcher records "skipped: event_too_large" under its key
    queue.send_all(wanted + [refused_envelope(e, size) for e, size in too_large])
    pipeline = [body for e, body in fitting if is_outcome_event(e)] if outcomes is not None else []
    if outcomes is not None and pipeline:
        outcomes.send_all(pipeline)
    queued = len(deletions) + sum(
        1 for e, _ in fitting if _may_trigger(e, watched) or (outcomes is not None and is_outcome_event(e))
    )
    refused = tuple(Refusal(hubspot_event_key(e), size) for e, size in too_large)
    return IntakeResult(queued=queued, ignored=len(events) - queued - len(refused), refused=refused)


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
        name = event.get("propertyName")
        if not isinstance(name, str):
            return True  # malformed (a list is not even hashable): let the dispatcher record it
        return (object_type, name) in watched
    return False  # creation/deletion/merge events carry no stage change
