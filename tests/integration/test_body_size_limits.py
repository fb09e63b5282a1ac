"""Use case: a sender posts a body larger than its route accepts. Every HTTP route answers 413 with a
clear reason before it reads, verifies or queues anything; the largest body the vendor documents passes."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from twilio.request_validator import RequestValidator

from tests.integration.conftest import http_event
from tests.support.events import hubspot_event
from tests.unit.test_hubspot_webhook_intake import sign
from textloop.http import HUBSPOT_BATCH_MAX_BYTES, TWILIO_FORM_MAX_BYTES

pytestmark = pytest.mark.integration

TWILIO_TOKEN = "local-twilio-auth-token"
HUBSPOT_SECRET = "local-hubspot-client-secret"
HOST = "https://abc123.execute-api.us-east-1.amazonaws.com"


def _queued(queue_url: str) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"]
    )
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def _signed_twilio(path: str, form: dict[str, str], *, base64_body: bool = True) -> dict[str, Any]:
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(HOST + path, form)
    headers = {"content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature}
    return http_event(path, urlencode(form), headers, base64_body=base64_body)


def _largest_inbound_form(body: str) -> dict[str, str]:
    """An MMS reply as large as Twilio documents: 1,600 characters and 10 media."""
    media = {
        f"MediaUrl{n}": f"{HOST}/2010-04-01/Accounts/AC{'0' * 32}/Messages/MM{n}/Media/ME{n}"
        for n in range(10)
    }
    kinds = {f"MediaContentType{n}": "image/jpeg" for n in range(10)}
    return {
        "MessageSid": "SM" + "b" * 32,
        "AccountSid": "AC" + "0" * 32,
        "From": "+14155550132",
        "To": "+14155550100",
        "Body": body,
        "NumMedia": "10",
        **media,
        **kinds,
    }


def _signed_hubspot(body: str) -> dict[str, Any]:
    timestamp = str(int(time.time() * 1000))
    url = HOST + "/hubspot/webhooks"
    headers = {
        "content-type": "application/json",
        "x-hubspot-request-timestamp": timestamp,
        "x-hubspot-signature-v3": sign(body.encode(), timestamp, url, HUBSPOT_SECRET),
    }
    return http_event("/hubspot/webhooks", body, headers)


def test_given_a_signed_inbound_form_over_the_limit_when_posted_then_413_and_nothing_queued(
    load_handler: Callable[..., ModuleType], aws: dict[str, str], lambda_context: Any
) -> None:
    app = load_handler("twilio_inbound", TWILIO_AUTH_TOKEN=TWILIO_TOKEN)
    form = _largest_inbound_form("STOP " + "x" * TWILIO_FORM_MAX_BYTES)

    answer = app.handler(_signed_twilio("/twilio/inbound", form), lambda_context)

    assert answer["statusCode"] == 413
    problem = json.loads(answer["body"])
    assert problem["error"] == "payload_too_large"
    assert f"at most {TWILIO_FORM_MAX_BYTES}" in problem["message"]
    assert _queued(aws["InboundQueue"]) == 0


def test_given_the_largest_reply_twilio_sends_when_posted_then_it_is_accepted(
    load_handler: Callable[..., ModuleType], aws: dict[str, str], lambda_context: Any
) -> None:
    app = load_handler("twilio_inbound", TWILIO_AUTH_TOKEN=TWILIO_TOKEN)
    form = _largest_inbound_form("\U0001f600" * 1600)  # 4 UTF-8 bytes each, percent-encoded: 12 bytes

    answer = app.handler(_signed_twilio("/twilio/inbound", form), lambda_context)

    assert answer["statusCode"] == 200
    assert _queued(aws["InboundQueue"]) == 1


def test_given_a_status_callback_over_the_limit_when_posted_then_413(
    load_handler: Callable[..., ModuleType], lambda_context: Any
) -> None:
    app = load_handler("twilio_status", TWILIO_AUTH_TOKEN=TWILIO_TOKEN)
    form = {
        "MessageSid": "SM" + "c" * 32,
        "MessageStatus": "delivered",
        "Padding": "p" * TWILIO_FORM_MAX_BYTES,
    }

    answer = app.handler(_signed_twilio("/twilio/status", form, base64_body=False), lambda_context)

    assert answer["statusCode"] == 413
    assert json.loads(answer["body"])["error"] == "payload_too_large"


def test_given_a_hubspot_batch_over_the_limit_when_posted_then_413_and_nothing_queued(
    load_handler: Callable[..., ModuleType], aws: dict[str, str], lambda_context: Any
) -> None:
    app = load_handler("hubspot_webhook", HUBSPOT_CLIENT_SECRET=HUBSPOT_SECRET)
    value = "v" * (HUBSPOT_BATCH_MAX_BYTES // 10)
    batch = [hubspot_event(900 + n, "dealstage", value, event_id=n) for n in range(11)]

    answer = app.handler(_signed_hubspot(json.dumps(batch)), lambda_context)

    assert answer["statusCode"] == 413
    assert f"at most {HUBSPOT_BATCH_MAX_BYTES}" in json.loads(answer["body"])["message"]
    assert _queued(aws["TriggerQueue"]) == 0


def test_given_a_full_batch_of_100_events_with_long_values_when_posted_then_200(
    load_handler: Callable[..., ModuleType], aws: dict[str, str], lambda_context: Any
) -> None:
    app = load_handler("hubspot_webhook", HUBSPOT_CLIENT_SECRET=HUBSPOT_SECRET)
    batch = [hubspot_event(900 + n, "dealstage", "w" * 5_000, event_id=n) for n in range(100)]

    answer = app.handler(_signed_hubspot(json.dumps(batch)), lambda_context)

    assert answer["statusCode"] == 200
    assert json.loads(answer["body"])["queued"] + json.loads(answer["body"])["ignored"] == 100


def test_given_a_link_fetched_with_a_body_then_a_plain_413_page(
    load_handler: Callable[..., ModuleType], lambda_context: Any
) -> None:
    app = load_handler("link_redirect")
    event = http_event("/l/abcdefgh", "x", {"user-agent": "curl/8"})
    event["requestContext"]["http"]["method"] = "GET"

    answer = app.handler(event, lambda_context)

    assert answer["statusCode"] == 413
    assert answer["headers"]["content-type"].startswith("text/html")
    assert "Request too large" in answer["body"]
