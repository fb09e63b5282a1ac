"""TwilioSmsSender (twilio SDK over HTTP) against the Twilio emulator."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from textloop.adapters.twilio_sms import TwilioSmsSender
from textloop.domain.errors import RecipientUnsubscribed, SendRejected, SmsUnavailable
from textloop.domain.model import OutboundSms
from textloop_local.emulators import TwilioEmulator, seed

if TYPE_CHECKING:
    from tests.contract.conftest import Receiver

PRIYA = "+14155550132"
BODY = "Hi Priya, Dana from Acme: the contract is ready: https://sign.example.com/e/1 Reply STOP to opt out."


def sender(emulator: TwilioEmulator, auth_token: str = seed.TWILIO_AUTH_TOKEN) -> TwilioSmsSender:
    return TwilioSmsSender.connect(
        seed.TWILIO_ACCOUNT_SID, auth_token, seed.TWILIO_MESSAGING_SERVICE_SID, base_url=emulator.url
    )


# --- send -----------------------------------------------------------------------------------


def test_given_an_sms_when_sending_then_twilio_gets_the_messaging_service_form_and_accepts(
    twilio: TwilioEmulator,
) -> None:
    sent = sender(twilio).send(OutboundSms(to=PRIYA, body=BODY, status_callback="https://app.example.com/s"))

    assert sent.sid.startswith("SM") and len(sent.sid) == 34
    assert sent.status == "accepted"
    (request,) = twilio.requests
    assert (request["method"], request["path"]) == (
        "POST",
        f"/2010-04-01/Accounts/{seed.TWILIO_ACCOUNT_SID}/Messages.json",
    )
    assert request["body"] == {
        "To": PRIYA,
        "Body": BODY,
        "MessagingServiceSid": seed.TWILIO_MESSAGING_SERVICE_SID,
        "StatusCallback": "https://app.example.com/s",
    }


def test_given_no_status_callback_when_sending_then_none_is_sent(twilio: TwilioEmulator) -> None:
    sender(twilio).send(OutboundSms(to=PRIYA, body=BODY))

    assert twilio.requests[0]["body"] == {
        "To": PRIYA,
        "Body": BODY,
        "MessagingServiceSid": seed.TWILIO_MESSAGING_SERVICE_SID,
    }


def test_given_a_status_callback_when_delivered_then_signed_sent_and_delivered_callbacks(
    twilio: TwilioEmulator, receiver: Receiver
) -> None:
    callback_url = f"{receiver.url}/twilio/status"
    sent = sender(twilio).send(OutboundSms(to=PRIYA, body=BODY, status_callback=callback_url))

    assert twilio.wait_idle(5)
    assert [r.form["MessageStatus"] for r in receiver.received] == ["sent", "delivered"]
    validator = RequestValidator(seed.TWILIO_AUTH_TOKEN)
    for callback in receiver.received:
        assert callback.path == "/twilio/status"
        assert validator.validate(callback_url, callback.form, callback.headers["x-twilio-signature"])
        assert callback.form["MessageSid"] == callback.form["SmsSid"] == sent.sid
        assert callback.form["AccountSid"] == seed.TWILIO_ACCOUNT_SID
        assert (callback.form["From"], callback.form["To"]) == (seed.TWILIO_SENDER, PRIYA)
        assert callback.form["ApiVersion"] == "2010-04-01"
        assert "ErrorCode" not in callback.form
    assert not RequestValidator("another-token").validate(
        callback_url, receiver.received[0].form, receiver.received[0].headers["x-twilio-signature"]
    )
    (message,) = twilio.state()["messages"]
    assert (message["status"], message["from"]) == ("delivered", seed.TWILIO_SENDER)


def test_given_an_unreachable_handset_when_delivering_then_undelivered_with_error_code(
    twilio: TwilioEmulator, receiver: Receiver
) -> None:
    twilio.undeliverable[PRIYA] = 30003

    sender(twilio).send(OutboundSms(to=PRIYA, body=BODY, status_callback=receiver.url))

    assert twilio.wait_idle(5)
    assert [(r.form["MessageStatus"], r.form.get("ErrorCode")) for r in receiver.received] == [
        ("sent", None),
        ("undelivered", "30003"),
    ]


def test_given_a_callback_endpoint_that_is_down_when_delivering_then_the_failure_is_recorded(
    twilio: TwilioEmulator,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    sender(twilio).send(OutboundSms(to=PRIYA, body=BODY, status_callback=f"http://127.0.0.1:{port}/s"))

    assert twilio.wait_idle(5)
    assert [c["params"]["MessageStatus"] for c in twilio.callbacks] == ["sent", "delivered"]
    assert all(c["status"] is None and c["error"] for c in twilio.callbacks)


def test_given_an_unsubscribed_recipient_when_sending_then_recipient_unsubscribed(
    twilio: TwilioEmulator,
) -> None:
    twilio.unsubscribed.add(PRIYA)

    with pytest.raises(RecipientUnsubscribed) as raised:
        sender(twilio).send(OutboundSms(to=PRIYA, body=BODY))

    assert raised.value.details["code"] == 21610
    assert raised.value.details["to"] == "+*******0132"
    assert twilio.state()["messages"] == []


@pytest.mark.parametrize(("status", "code"), [(429, 20429), (500, 20500), (503, 20500)])
def test_given_twilio_throttling_or_failing_when_sending_then_sms_unavailable(
    twilio: TwilioEmulator, status: int, code: int
) -> None:
    twilio.fail_next.append((status, code))

    with pytest.raises(SmsUnavailable) as raised:
        sender(twilio).send(OutboundSms(to=PRIYA, body=BODY))

    assert (raised.value.details["status"], raised.value.details["code"]) == (status, code)


def test_given_an_invalid_number_when_sending_then_send_rejected_with_the_code_and_no_number_in_it(
    twilio: TwilioEmulator,
) -> None:
    with pytest.raises(SendRejected) as raised:
        sender(twilio).send(OutboundSms(to="+1415555", body=BODY))

    assert raised.value.details["code"] == 21211
    assert "+1415555" not in str(raised.value.details)


def test_given_wrong_credentials_when_sending_then_sms_unavailable(twilio: TwilioEmulator) -> None:
    with pytest.raises(SmsUnavailable) as raised:
        sender(twilio, auth_token="rotated").send(OutboundSms(to=PRIYA, body=BODY))

    assert raised.value.details["code"] == 20003


def test_given_twilio_unreachable_when_sending_then_sms_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    unreachable = TwilioSmsSender.connect(
        seed.TWILIO_ACCOUNT_SID,
        seed.TWILIO_AUTH_TOKEN,
        seed.TWILIO_MESSAGING_SERVICE_SID,
        base_url=f"http://127.0.0.1:{port}",
    )

    with pytest.raises(SmsUnavailable):
        unreachable.send(OutboundSms(to=PRIYA, body=BODY))


# --- recent (crash recovery: what Twilio keeps, never the body) -------------------------------


def test_given_messages_sent_when_listing_recent_then_ours_to_that_number_since_then_as_twilio_keeps_them(
    twilio: TwilioEmulator,
) -> None:
    since = datetime.now(UTC)
    sms = sender(twilio)
    sms.send(OutboundSms(to="+16175550142", body=BODY))
    sent = sms.send(OutboundSms(to=PRIYA, body=BODY))
    twilio._messages[-1]["body"] = BODY.replace("https://sign.example.com/e/1", "https://twil.example/x")

    (found,) = sms.recent(PRIYA, since)
    assert found.sid == sent.sid and found.status in ("accepted", "sent", "delivered")
    assert found.body.endswith("https://twil.example/x Reply STOP to opt out.")  # as Twilio stored it
    assert found.created is not None and found.created >= since.replace(microsecond=0)
    assert sms.recent(PRIYA, since + timedelta(minutes=5)) == []
    assert sms.recent("+12025550123", since) == []
    listing = twilio.requests[2]
    assert (listing["method"], listing["query"]["To"]) == ("GET", PRIYA)
    # No DateSent filter: a message still queued in the Messaging Service has no date_sent yet.
    assert not any(name.startswith("DateSent") for name in listing["query"])


def test_given_a_message_from_another_messaging_service_when_listing_recent_then_it_is_not_ours(
    twilio: TwilioEmulator,
) -> None:
    since = datetime.now(UTC)
    other = TwilioSmsSender.connect(
        seed.TWILIO_ACCOUNT_SID, seed.TWILIO_AUTH_TOKEN, "MG" + "f" * 32, base_url=twilio.url
    )
    other.send(OutboundSms(to=PRIYA, body=BODY))

    assert sender(twilio).recent(PRIYA, since) == []
    assert len(other.recent(PRIYA, since)) == 1


def test_given_many_messages_when_listing_recent_then_later_pages_come_from_the_same_base_url(
    twilio: TwilioEmulator,
) -> None:
    since = datetime.now(UTC)
    sms = sender(twilio)
    first = sms.send(OutboundSms(to=PRIYA, body=BODY))
    for n in range(60):
        sms.send(OutboundSms(to=PRIYA, body=f"reminder {n}"))

    found = sms.recent(PRIYA, since)
    assert len(found) == 61 and found[-1].sid == first.sid
    pages = [r for r in twilio.requests if r["method"] == "GET"]
    assert len(pages) == 2 and pages[1]["query"]["Page"] == "1"


def test_given_twilio_down_when_finding_then_sms_unavailable(twilio: TwilioEmulator) -> None:
    twilio.fail_next.append((500, 20500))

    with pytest.raises(SmsUnavailable):
        sender(twilio).recent(PRIYA, datetime.now(UTC))


# --- the emulator beyond the sender ------------------------------------------------------------


def test_api_key_credentials_are_accepted(twilio: TwilioEmulator) -> None:
    twilio.api_keys["SK0123456789abcdef0123456789abcdef"] = "key-secret"
    client = Client(
        "SK0123456789abcdef0123456789abcdef", "key-secret", seed.TWILIO_ACCOUNT_SID, environment={}
    )
    client.api.base_url = twilio.url

    message = client.messages.create(to=PRIYA, from_="+14155550100", body="ping")

    assert message.status == "queued" and message.from_ == "+14155550100"
    assert message.num_segments == "1"


def test_a_message_needs_a_body_or_media(twilio: TwilioEmulator) -> None:
    with pytest.raises(SendRejected) as raised:
        sender(twilio).send(OutboundSms(to=PRIYA, body=""))

    assert raised.value.details["code"] == 21602
