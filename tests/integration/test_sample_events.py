"""Use case: ops try a function with `sam local invoke -e events/<file>.json` — the samples are real."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

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
