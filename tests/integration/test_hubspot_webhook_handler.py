"""Use case: HubSpot posts a signed webhook batch to POST /hubspot/webhooks."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import boto3
import pytest

from tests.integration.conftest import http_event
from tests.support.events import hubspot_event
from tests.unit.test_hubspot_webhook_intake import sign
from textloop.domain.errors import EventTooLarge
from textloop.schemas import HubSpotEvent, parse_queue_body

SECRET = "local-hubspot-client-secret"
URL = "https://abc123.execute-api.us-east-1.amazonaws.com/hubspot/webhooks"


def _post(
    handler: ModuleType, ctx: Any, body: str, *, signature: str | None = None, age_ms: int = 0
) -> dict[str, Any]:
    timestamp = str(int(time.time() * 1000) - age_ms)
    headers = {
        "content-type": "application/json",
        "x-hubspot-request-timestamp": timestamp,
        "x-hubspot-signature-v3": signature or sign(body.encode(), timestamp, URL, SECRET),
    }
    return handler.handler(http_event("/hubspot/webhooks", body, headers), ctx)


def _queued(queue_url: str) -> list[dict[str, Any]]:
    sqs, found = boto3.client("sqs"), []
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages"):
        found += [json.loads(m["Body"]) for m in messages]
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": m["MessageId"], "ReceiptHandle": m["ReceiptHandle"]} for m in messages],
        )
    return found


def test_given_a_signed_batch_of_100_when_posted_then_200_and_every_watched_event_is_queued(
    load_handler: Callable[..., ModuleType], aws: dict[str, str], lambda_context: Any
) -> None:
    app = load_handler("hubspot_webhook", HUBSPOT_CLIENT_SECRET=SECRET)
    batch = [hubspot_event(9000 + n, "dealstage", "contractsent", event_id=n) for n in range(100)]
    result = _post(app, lambda_context, json.dumps(batch))
    assert result["statusCode"] == 200 and json.loads(result["body"]) == {"queued": 100, "ignored": 0}
    queued = _queued(aws["TriggerQueue"])
    assert sorted(m["event"]["objectId"] for m in queued) == list(range(9000, 9100))
    assert {m["source"] for m in queued} == {"hubspot"}


def test_given_a_forged_or_stale_signature_then_401_and_nothing_queued(
    load_handler: Callable[..., ModuleType], aws: dict[str, str], lambda_context: Any
) -> None:
    app = load_handler("hubspot_webhook", HUBSPOT_CLIENT_SECRET=SECRET)
    body = json.dumps([hubspot_event(1, "dealstage", "contractsent")])
    forged = _post(app, lambda_context, body, signature="bm90IGEgc2lnbmF0dXJl")
    stale = _post(app, lambda_context, body, age_ms=6 * 60 * 1000)
    assert (forged["statusCode"], stale["statusCode"]) == (401, 401)
    assert json.loads(forged["body"])["error"] == "unauthorized"
    assert _queued(aws["TriggerQueue"]) == []


def test_given_a_signed_body_that_is_not_a_batch_then_400(
    load_handler: Callable[..., ModuleType], aws: dict[str, str], lambda_context: Any
) -> None:
    app = load_handler("hubspot_webhook", HUBSPOT_CLIENT_SECRET=SECRET)
    result = _post(app, lambda_context, '{"objectId": 1}')
    assert result["statusCode"] == 400 and "array" in json.loads(result["body"])["message"]


def test_given_the_queue_is_unreachable_then_503_so_hubspot_retries(
    load_handler: Callable[..., ModuleType], lambda_context: Any
) -> None:
    app = load_handler(
        "hubspot_webhook",
        HUBSPOT_CLIENT_SECRET=SECRET,
        TRIGGER_QUEUE_URL="http://127.0.0.1:9/000000000000/missing",
    )
    result = _post(app, lambda_context, json.dumps([hubspot_event(1, "dealstage", "contractsent")]))
    assert result["statusCode"] == 503


@pytest.fixture
def classic_sqs_limits(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """SQS's documented classic limits on the moto server (in this process): 256 KiB per message (the
    queue's MaximumMessageSize) and per SendMessageBatch request (moto's own default is 1 MiB)."""
    import moto.sqs.models

    monkeypatch.setattr(moto.sqs.models, "MAXIMUM_MESSAGE_LENGTH", 256 * 1024)
    for name in ("TriggerQueue", "InboundQueue"):
        boto3.client("sqs").set_queue_attributes(
            QueueUrl=aws[name], Attributes={"MaximumMessageSize": str(256 * 1024)}
        )
    return aws


def _padded(object_id: int, pad: int) -> dict[str, Any]:
    event = hubspot_event(object_id, "dealstage", "contractsent", event_id=object_id)
    return {**event, "sourceId": "x" * pad}  # HubSpot events carry extra fields; this one is large


def test_given_events_too_large_together_for_one_sqs_request_when_posted_then_all_are_queued(
    load_handler: Callable[..., ModuleType], classic_sqs_limits: dict[str, str], lambda_context: Any
) -> None:
    app = load_handler("hubspot_webhook", HUBSPOT_CLIENT_SECRET=SECRET)
    batch = [_padded(7000 + n, 100_000) for n in range(3)] + [
        hubspot_event(7100, "dealstage", "contractsent")
    ]

    result = _post(app, lambda_context, json.dumps(batch))

    assert result["statusCode"] == 200, result["body"]
    assert json.loads(result["body"]) == {"queued": 4, "ignored": 0}
    queued = _queued(classic_sqs_limits["TriggerQueue"])
    assert sorted(m["event"]["objectId"] for m in queued) == [7000, 7001, 7002, 7100]


def test_given_one_event_over_the_sqs_message_limit_then_only_it_is_refused_and_recorded_under_its_key(
    load_handler: Callable[..., ModuleType],
    classic_sqs_limits: dict[str, str],
    lambda_context: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = load_handler("hubspot_webhook", HUBSPOT_CLIENT_SECRET=SECRET)
    huge, valid = _padded(8001, 300_000), hubspot_event(8002, "dealstage", "contractsent", event_id=2)

    result = _post(app, lambda_context, json.dumps([huge, valid]))

    # Then HubSpot is answered 200 (a retry would be refused the same way) and the valid event is queued
    assert result["statusCode"] == 200, result["body"]
    assert json.loads(result["body"]) == {"queued": 1, "ignored": 0}
    bodies = _queued(classic_sqs_limits["TriggerQueue"])
    (kept,) = [b for b in bodies if "refused" not in b]
    (stand_in,) = [b for b in bodies if "refused" in b]
    assert kept["event"] == valid
    # And the refused event's identity is queued: the dispatcher records it as skipped under its own key
    with pytest.raises(EventTooLarge) as refused:
        parse_queue_body(json.dumps(stand_in))
    own_key = HubSpotEvent.model_validate(huge).to_trigger().event_key
    assert refused.value.details["event_key"] == own_key and refused.value.reason == "event_too_large"
    # And it is logged with that key
    (line,) = [r for r in caplog.records if r.getMessage() == "hubspot event too large to queue"]
    assert getattr(line, "event_key", "") == own_key and getattr(line, "bytes", 0) > 300_000
