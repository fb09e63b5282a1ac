"""Use case: HubSpot posts a signed batch; we verify it and queue what the rules may want."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from tests.support.events import hubspot_event
from textloop.domain.errors import BadRequest, Unauthorized
from textloop.domain.watchlist import watched_properties
from textloop.service_layer.intake import MAX_QUEUED_EVENT_BYTES, accept_hubspot_batch, verify_hubspot_v3
from textloop.service_layer.privacy import parse_privacy_envelope

SECRET = "hubspot-client-secret"
URI = "https://abc123.execute-api.us-east-1.amazonaws.com/hubspot/webhooks"
NOW = 1_795_187_045_000


def sign(body: bytes, timestamp: str, uri: str = URI, secret: str = SECRET) -> str:
    digest = hmac.new(
        secret.encode(), b"POST" + uri.encode() + body + timestamp.encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def verify(body: bytes, signature: str | None, timestamp: str | None, now: int = NOW) -> None:
    verify_hubspot_v3(
        client_secret=SECRET,
        method="POST",
        uri=URI,
        body=body,
        signature=signature,
        timestamp=timestamp,
        now_ms=now,
    )


class RecordingQueue:
    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send_all(self, bodies: list[str]) -> None:
        self.bodies.extend(bodies)


def test_given_a_valid_v3_signature_then_accepted() -> None:
    body = b'[{"objectId": 1}]'
    verify(body, sign(body, str(NOW - 1000)), str(NOW - 1000))


@pytest.mark.parametrize(
    ("signature", "timestamp", "why"),
    [
        (None, str(NOW), "missing"),
        (sign(b"[]", str(NOW)), None, "missing"),
        (sign(b"[]", str(NOW), secret="other"), str(NOW), "does not match"),
        (sign(b"[]", str(NOW - 301_000)), str(NOW - 301_000), "window"),
        (sign(b"[]", "soon"), "soon", "not a number"),
    ],
    ids=["no-signature", "no-timestamp", "wrong-secret", "older-than-5-minutes", "bad-timestamp"],
)
def test_given_a_bad_signature_then_unauthorized(
    signature: str | None, timestamp: str | None, why: str
) -> None:
    with pytest.raises(Unauthorized, match=why):
        verify(b"[]", signature, timestamp)


def test_given_a_body_changed_in_transit_then_unauthorized() -> None:
    with pytest.raises(Unauthorized):
        verify(b'[{"objectId": 2}]', sign(b'[{"objectId": 1}]', str(NOW)), str(NOW))


def test_given_a_batch_then_only_events_a_rule_watches_are_queued_and_malformed_ones_kept() -> None:
    queue = RecordingQueue()
    batch = [
        hubspot_event(1, "dealstage", "contractsent"),
        hubspot_event(2, "amount", "5000"),  # no rule watches deal amounts
        hubspot_event(3, "hs_pipeline_stage", "4", kind="ticket.propertyChange", legacy=True),
        hubspot_event(4, "lifecyclestage", "lead", kind="contact.propertyChange"),
        {"objectId": "broken"},  # queued so the dispatcher records it as skipped: malformed
    ]
    result = accept_hubspot_batch(json.dumps(batch).encode(), watched_properties("hubspot"), queue)
    assert (result.queued, result.ignored) == (3, 2)
    assert [json.loads(b)["event"]["objectId"] for b in queue.bodies] == [1, 3, "broken"]


@pytest.mark.parametrize("body", [b"not json", b'{"objectId": 1}', json.dumps([{}] * 101).encode()])
def test_given_a_body_that_is_not_a_batch_then_bad_request(body: bytes) -> None:
    with pytest.raises(BadRequest):
        accept_hubspot_batch(body, watched_properties("hubspot"), RecordingQueue())


def test_given_an_event_too_large_for_a_queue_message_then_only_it_is_refused_and_its_identity_queued() -> (
    None
):
    queue, outcomes = RecordingQueue(), RecordingQueue()
    huge = {
        **hubspot_event(1, "dealstage", "contractsent", event_id=11),
        "sourceId": "x" * MAX_QUEUED_EVENT_BYTES,
    }
    valid = hubspot_event(2, "dealstage", "contractsent", event_id=12)

    result = accept_hubspot_batch(
        json.dumps([huge, valid]).encode(), watched_properties("hubspot"), queue, outcomes=outcomes
    )

    assert (result.queued, result.ignored) == (1, 0)
    (refusal,) = result.refused
    assert refusal.event_key == f"hs:4431:deal.propertyChange:1:11:{huge['occurredAt']}"
    assert refusal.size > MAX_QUEUED_EVENT_BYTES
    assert all(len(b.encode()) <= MAX_QUEUED_EVENT_BYTES for b in queue.bodies + outcomes.bodies)
    stand_in = json.loads(next(b for b in queue.bodies if "refused" in b))
    assert stand_in["refused"] == {"reason": "event_too_large", "bytes": refusal.size}
    assert "sourceId" not in stand_in["event"] and stand_in["event"]["objectId"] == 1
    assert [json.loads(b)["event"]["objectId"] for b in outcomes.bodies] == [2]  # never the refused one


def test_given_an_oversized_privacy_deletion_then_its_identity_is_still_queued_for_erasure() -> None:
    queue, privacy = RecordingQueue(), RecordingQueue()
    deletion = {
        **hubspot_event(77, "", "", event_id=5, kind="contact.privacyDeletion"),
        "sourceId": "x" * MAX_QUEUED_EVENT_BYTES,
    }
    accept_hubspot_batch(json.dumps([deletion]).encode(), watched_properties("hubspot"), queue, privacy)
    (body,) = privacy.bodies
    assert len(body.encode()) < 1000 and parse_privacy_envelope(body).contact_id == "77"
