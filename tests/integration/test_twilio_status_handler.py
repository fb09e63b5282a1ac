"""Use case: Twilio posts signed delivery status callbacks to POST /twilio/status."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import boto3
from twilio.request_validator import RequestValidator

from tests.integration.conftest import http_event
from textloop.adapters.dynamodb import DynamoConversations, DynamoSendSlots
from textloop.domain.model import RecordRef
from textloop.domain.ports import SendSlot, SlotState

TOKEN = "local-twilio-auth-token"
URL = "https://abc123.execute-api.us-east-1.amazonaws.com/twilio/status"
SID = "SM" + "1" * 32


def _callback(app: ModuleType, ctx: Any, status: str, *, token: str = TOKEN, error: str = "") -> int:
    form = {
        "MessageSid": SID,
        "SmsSid": SID,
        "MessageStatus": status,
        "AccountSid": "AC" + "0" * 32,
        "ApiVersion": "2010-04-01",
    }
    if error:
        form["ErrorCode"] = error
    signature = RequestValidator(token).compute_signature(URL, form)
    event = http_event(
        "/twilio/status",
        urlencode(form),
        {"content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature},
        base64_body=True,
    )
    return int(app.handler(event, ctx)["statusCode"])


def _a_sent_message(table: str) -> DynamoConversations:
    slots = DynamoSendSlots(table, boto3.client("dynamodb"))
    now = datetime.now(UTC)
    slot = SendSlot(
        "r#x#+14155550132",
        "ev-1",
        "owner-1",
        SlotState.SENDING,
        now,
        now,
        now,
        RecordRef("salesforce", "opportunity", "006A"),
        "r",
        "t",
        1,
        "+14155550132",
        "hello",
    )
    assert slots.claim(slot, now) is None
    slots.advance(slot, SlotState.SENT, sid=SID)
    return DynamoConversations(table, boto3.client("dynamodb"))


def test_given_callbacks_out_of_order_and_duplicated_then_status_only_moves_forward(
    load_handler: Callable[..., ModuleType], aws: dict[str, str], lambda_context: Any
) -> None:
    ledger = _a_sent_message(aws["StateTable"])
    app = load_handler("twilio_status", TWILIO_AUTH_TOKEN=TOKEN)
    codes = [_callback(app, lambda_context, s) for s in ("sent", "delivered", "sent", "delivered", "queued")]
    assert codes == [204] * 5
    message = ledger.message(SID)
    assert message is not None and message["status"] == "delivered"


def test_given_an_undelivered_callback_then_the_error_code_is_kept(
    load_handler: Callable[..., ModuleType], aws: dict[str, str], lambda_context: Any
) -> None:
    ledger = _a_sent_message(aws["StateTable"])
    app = load_handler("twilio_status", TWILIO_AUTH_TOKEN=TOKEN)
    _callback(app, lambda_context, "undelivered", error="30003")
    message = ledger.message(SID)
    assert message is not None and (message["status"], message["error_code"]) == ("undelivered", "30003")


def test_given_a_forged_callback_then_403_and_nothing_changes(
    load_handler: Callable[..., ModuleType], aws: dict[str, str], lambda_context: Any
) -> None:
    ledger = _a_sent_message(aws["StateTable"])
    app = load_handler("twilio_status", TWILIO_AUTH_TOKEN=TOKEN)
    assert _callback(app, lambda_context, "failed", token="not-the-token") == 403
    message = ledger.message(SID)
    assert message is not None and message["status"] == "accepted"


def test_given_an_unknown_status_then_400(
    load_handler: Callable[..., ModuleType], aws: dict[str, str], lambda_context: Any
) -> None:
    _a_sent_message(aws["StateTable"])
    app = load_handler("twilio_status", TWILIO_AUTH_TOKEN=TOKEN)
    assert _callback(app, lambda_context, "teleported") == 400
