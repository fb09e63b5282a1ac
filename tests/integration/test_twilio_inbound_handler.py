"""Use case: a contact texts back. STOP is in the consent ledger before Twilio gets its answer."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from twilio.request_validator import RequestValidator

from tests.integration.conftest import http_event
from textloop.adapters.dynamodb import DynamoConsentLedger

TOKEN = "local-twilio-auth-token"
URL = "https://abc123.execute-api.us-east-1.amazonaws.com/twilio/inbound"
PHONE = "+14155550132"


def _post(
    app: ModuleType, ctx: Any, body: str, *, sid: str = "SM" + "a" * 32, token: str = TOKEN, **extra: str
) -> dict[str, Any]:
    form = {
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": PHONE,
        "To": "+14155550100",
        "Body": body,
        "NumMedia": "0",
        **extra,
    }
    signature = RequestValidator(token).compute_signature(URL, form)
    headers = {"content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature}
    return app.handler(http_event("/twilio/inbound", urlencode(form), headers, base64_body=True), ctx)


def _queued(queue_url: str) -> list[dict[str, Any]]:
    messages = (
        boto3.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    )
    return [json.loads(m["Body"]) for m in messages]


@pytest.fixture
def inbound(load_handler: Callable[..., ModuleType]) -> ModuleType:
    return load_handler(
        "twilio_inbound", TWILIO_AUTH_TOKEN=TOKEN, BRAND_NAME="Acme Sales", CARE_CONTACT="help@acme.test"
    )


def _opted_out(aws: dict[str, str]) -> bool:
    return DynamoConsentLedger(aws["ConsentTable"], boto3.client("dynamodb")).is_opted_out(PHONE)


@pytest.mark.parametrize(
    "body", ["STOP", "stop.", "  Unsubscribe!! ", "please stop texting me", "Bitte keine SMS mehr"]
)
def test_given_a_signed_opt_out_when_posted_then_the_ledger_has_it_before_the_answer_with_one_confirmation(
    inbound: ModuleType, aws: dict[str, str], lambda_context: Any, body: str
) -> None:
    answer = _post(inbound, lambda_context, body)
    assert _opted_out(aws)  # the handler has returned: the opt-out is already recorded
    assert answer["statusCode"] == 200 and answer["headers"]["content-type"] == "text/xml"
    assert "<Message>Acme Sales: you are unsubscribed" in answer["body"] and "START" in answer["body"]
    again = _post(inbound, lambda_context, "STOP", sid="SM" + "b" * 32)
    assert "<Message>" not in again["body"]  # one confirmation only
    queued = _queued(aws["InboundQueue"])  # the reply also goes to the CRM thread
    assert queued and queued[0]["classification"]["opt_out"] is True


def test_given_stop_by_our_office_then_no_opt_out(
    inbound: ModuleType, aws: dict[str, str], lambda_context: Any
) -> None:
    answer = _post(inbound, lambda_context, "Could you stop by our office tomorrow at 10?")
    assert not _opted_out(aws) and "<Message>" not in answer["body"]


def test_given_help_then_a_ctia_reply(inbound: ModuleType, aws: dict[str, str], lambda_context: Any) -> None:
    body = html.unescape(_post(inbound, lambda_context, "HELP")["body"])
    for required in ("Acme Sales", "help@acme.test", "Reply STOP to opt out", "Msg & data rates may apply"):
        assert required in body


def test_given_start_after_stop_then_subscribed_again(
    inbound: ModuleType, aws: dict[str, str], lambda_context: Any
) -> None:
    _post(inbound, lambda_context, "STOP")
    answer = _post(inbound, lambda_context, "START", sid="SM" + "c" * 32)
    assert not _opted_out(aws) and "subscribed again" in answer["body"]


def test_given_twilio_advanced_opt_out_then_we_record_but_do_not_answer_keywords(
    load_handler: Callable[..., ModuleType], aws: dict[str, str], lambda_context: Any
) -> None:
    app = load_handler("twilio_inbound", TWILIO_AUTH_TOKEN=TOKEN, TWILIO_ADVANCED_OPT_OUT="true")
    answer = _post(app, lambda_context, "STOP", OptOutType="STOP")
    assert _opted_out(aws) and "<Message>" not in answer["body"]


@pytest.mark.parametrize("token", ["forged-token", None])
def test_given_an_unsigned_or_forged_post_then_403_and_nothing_stored(
    inbound: ModuleType, aws: dict[str, str], lambda_context: Any, token: str | None
) -> None:
    if token:
        answer = _post(inbound, lambda_context, "STOP", token=token)
    else:
        form = urlencode({"MessageSid": "SM1", "From": PHONE, "Body": "STOP"})
        answer = inbound.handler(
            http_event(
                "/twilio/inbound",
                form,
                {"content-type": "application/x-www-form-urlencoded"},
                base64_body=True,
            ),
            lambda_context,
        )
    assert answer["statusCode"] == 403
    assert not _opted_out(aws) and _queued(aws["InboundQueue"]) == []


def test_given_a_retried_stop_then_the_history_has_it_once(
    inbound: ModuleType, aws: dict[str, str], lambda_context: Any
) -> None:
    _post(inbound, lambda_context, "STOP")
    _post(inbound, lambda_context, "STOP")  # Twilio retry: same MessageSid
    item = boto3.client("dynamodb").get_item(TableName=aws["ConsentTable"], Key={"phone": {"S": PHONE}})[
        "Item"
    ]
    assert len(item["history"]["L"]) == 1


def test_given_emoji_and_long_bodies_then_they_pass_through_intact(
    inbound: ModuleType, aws: dict[str, str], lambda_context: Any
) -> None:
    text = "Sounds great 👍 — 日本語もOK " + "x" * 1500
    assert _post(inbound, lambda_context, text)["statusCode"] == 200
    (queued,) = _queued(aws["InboundQueue"])
    assert queued["sms"]["body"] == text


def test_given_the_reply_queue_is_down_then_a_stop_is_still_recorded_and_confirmed(
    load_handler: Callable[..., ModuleType], aws: dict[str, str], lambda_context: Any
) -> None:
    app = load_handler(
        "twilio_inbound", TWILIO_AUTH_TOKEN=TOKEN, INBOUND_QUEUE_URL="http://127.0.0.1:9/000000000000/missing"
    )
    stop = _post(app, lambda_context, "STOP")
    assert _opted_out(aws) and stop["statusCode"] == 200 and "unsubscribed" in stop["body"]
    question = _post(app, lambda_context, "Can we move our call to Friday at 3?", sid="SM" + "d" * 32)
    assert question["statusCode"] == 503  # nothing owed to the sender: let Twilio's retry, if any, bring it


def _consent_items(aws: dict[str, str]) -> str:
    return json.dumps(boto3.client("dynamodb").scan(TableName=aws["ConsentTable"])["Items"])


@pytest.mark.parametrize(
    "sender",
    ["22395", "Twilio", "VERIFY", "messenger:1234567890", "+1415555", "not a number"],
    ids=["short-code", "alphanumeric", "alphanumeric-caps", "other-channel", "too-short", "text"],
)
def test_given_a_signed_stop_whose_from_is_not_a_phone_number_then_400_and_no_consent_record(
    inbound: ModuleType, aws: dict[str, str], lambda_context: Any, sender: str
) -> None:
    answer = _post(inbound, lambda_context, "STOP", From=sender)

    assert answer["statusCode"] == 400
    assert "From is not a phone number" in json.loads(answer["body"])["message"]
    assert json.loads(_consent_items(aws)) == []  # the ledger is never keyed by a non-number
    assert _queued(aws["InboundQueue"]) == []


@pytest.mark.parametrize("sender", ["whatsapp:+14155550132", "+1 415 555 0132", " +14155550132"])
def test_given_a_stop_from_a_number_in_another_form_then_the_ledger_is_keyed_by_its_e164(
    inbound: ModuleType, aws: dict[str, str], lambda_context: Any, sender: str
) -> None:
    answer = _post(inbound, lambda_context, "STOP", From=sender)

    assert answer["statusCode"] == 200 and _opted_out(aws)  # keyed by +14155550132
    assert "whatsapp" not in _consent_items(aws)
    (queued,) = _queued(aws["InboundQueue"])
    assert queued["sms"]["sender"] == PHONE
