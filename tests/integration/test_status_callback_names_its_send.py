"""Use case: a status callback names its send (``?slot=<send id>`` in the URL Twilio signs in full), and
its SID is stored on the send record the moment it arrives — what a crashed send is reconciled by."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import boto3
from twilio.request_validator import RequestValidator

from tests.integration.conftest import http_event
from textloop.adapters.dynamodb import DynamoSendSlots
from textloop.domain.model import RecordRef
from textloop.domain.ports import SendSlot, SlotState
from textloop.domain.reconcile import send_id

TOKEN = "local-twilio-auth-token"
URL = "https://abc123.execute-api.us-east-1.amazonaws.com/twilio/status"
SID = "SM" + "2" * 32
EVENT = "sf:00D000000000001:ev-9"


def _slot() -> SendSlot:
    now = datetime.now(UTC)
    record = RecordRef("salesforce", "opportunity", "006A")
    return SendSlot(
        "r#x#+14155550132",
        EVENT,
        "o",
        SlotState.SENDING,
        now,
        now,
        now,
        record,
        "r",
        "t",
        1,
        "+14155550132",
        "hi",
    )


def _post(app: ModuleType, ctx: Any, query: str, *, signed_url: str | None = None) -> int:
    form = {"MessageSid": SID, "SmsSid": SID, "MessageStatus": "sent", "To": "+14155550132"}
    url = signed_url if signed_url is not None else f"{URL}?{query}"
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    event = http_event(
        "/twilio/status",
        urlencode(form),
        {"content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature},
    )
    event["rawQueryString"] = query
    return int(app.handler(event, ctx)["statusCode"])


def test_given_a_callback_naming_its_send_then_the_sid_is_stored_on_the_send_record(
    load_handler: Callable[..., ModuleType], aws: dict[str, str], lambda_context: Any
) -> None:
    # Given a send recorded before Twilio was called, whose own answer was lost
    slots = DynamoSendSlots(aws["StateTable"], boto3.client("dynamodb"))
    assert slots.attempt(_slot(), datetime.now(UTC)) is None
    app = load_handler("twilio_status", TWILIO_AUTH_TOKEN=TOKEN)
    # When Twilio's callback arrives, signed over the URL with its query
    assert _post(app, lambda_context, f"slot={send_id(EVENT)}") == 204
    # Then the next delivery of the event finds the SID
    earlier = slots.attempt(_slot(), datetime.now(UTC))
    assert earlier is not None and earlier.sid == SID


def test_given_a_signature_over_the_url_without_its_query_then_it_is_refused(
    load_handler: Callable[..., ModuleType], aws: dict[str, str], lambda_context: Any
) -> None:
    app = load_handler("twilio_status", TWILIO_AUTH_TOKEN=TOKEN)
    assert _post(app, lambda_context, f"slot={send_id(EVENT)}", signed_url=URL) == 403


def test_given_a_slot_that_is_not_a_send_id_then_400_and_nothing_stored(
    load_handler: Callable[..., ModuleType], aws: dict[str, str], lambda_context: Any
) -> None:
    app = load_handler("twilio_status", TWILIO_AUTH_TOKEN=TOKEN)
    assert _post(app, lambda_context, "slot=SLOT%23r%23x") == 400


def test_given_a_callback_for_an_unknown_send_then_nothing_is_created(
    load_handler: Callable[..., ModuleType], aws: dict[str, str], lambda_context: Any
) -> None:
    app = load_handler("twilio_status", TWILIO_AUTH_TOKEN=TOKEN)
    assert _post(app, lambda_context, f"slot={send_id('never-sent')}") == 204
    item = boto3.client("dynamodb").get_item(
        TableName=aws["StateTable"], Key={"pk": {"S": f"SEND#{send_id('never-sent')}"}, "sk": {"S": "SEND"}}
    )
    assert "Item" not in item
