"""Use case: ops try a function with `sam local invoke -e events/<file>.json` — the samples are real."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3

from tests.support.template_tables import TEMPLATE, sqs_event_sources
from textloop.adapters.dynamodb import DynamoConsentLedger
from textloop.service_layer.inbound import parse_consent_change
from textloop.service_layer.status import consent_change_body
from textloop_local.emulators.seed import TWILIO_AUTH_TOKEN

EVENTS = Path(__file__).resolve().parents[2] / "events"


def _event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return event


def test_given_the_sample_inbound_sms_then_the_inbound_function_accepts_its_signature(
    load_handler: Callable[..., ModuleType], lambda_context: Any
) -> None:
    app = load_handler("twilio_inbound", TWILIO_AUTH_TOKEN=TWILIO_AUTH_TOKEN)
    answer = app.handler(_event("twilio_inbound.json"), lambda_context)
    assert answer["statusCode"] == 200 and answer["body"].startswith("<?xml")


def test_given_the_sample_status_callback_then_the_status_function_accepts_its_signature(
    load_handler: Callable[..., ModuleType], lambda_context: Any
) -> None:
    app = load_handler("twilio_status", TWILIO_AUTH_TOKEN=TWILIO_AUTH_TOKEN)
    assert app.handler(_event("twilio_status.json"), lambda_context)["statusCode"] == 204


def test_given_the_committed_hubspot_sample_then_its_stale_timestamp_is_refused_as_documented(
    load_handler: Callable[..., ModuleType], lambda_context: Any
) -> None:
    app = load_handler("hubspot_webhook", HUBSPOT_CLIENT_SECRET="local-hubspot-client-secret")
    answer = app.handler(_event("hubspot_webhook.json"), lambda_context)
    assert answer["statusCode"] == 401 and "window" in json.loads(answer["body"])["message"]


def test_given_the_sample_consent_change_then_the_consent_writer_applies_it_as_the_webhook_queued_it(
    load_handler: Callable[..., ModuleType], aws: dict[str, str], lambda_context: Any
) -> None:
    event = _event("consent_writer.json")
    (record,) = event["Records"]
    (source,) = [s for s in sqs_event_sources(TEMPLATE) if s.function == "ConsentWriterFunction"]
    assert record["eventSourceARN"].split(":")[-1].startswith(f"textloop-{source.queue}-")
    change = parse_consent_change(record["body"])
    assert consent_change_body(change) == record["body"]  # byte for byte what the webhook queues
    app = load_handler("consent_writer")
    assert app.handler(event, lambda_context) == {"batchItemFailures": []}
    ledger = DynamoConsentLedger(aws["ConsentTable"], boto3.client("dynamodb"))
    assert ledger.status(change.phone) is change.status and ledger.is_opted_out(change.phone)
