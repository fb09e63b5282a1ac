"""Use case: HubSpot posts a signed webhook batch to POST /hubspot/webhooks."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import boto3

from tests.integration.conftest import http_event
from tests.support.events import hubspot_event
from tests.unit.test_hubspot_webhook_intake import sign

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
