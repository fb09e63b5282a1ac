"""Twilio credentials against the emulator: an API key and secret when the secret has them, and one retry
with the re-read secret after a 401 (a rotated auth token)."""

from __future__ import annotations

from collections.abc import Mapping

from textloop.adapters.twilio_sms import TwilioSmsSender, twilio_client
from textloop.config import Fresh
from textloop.domain.model import OutboundSms
from textloop_local.emulators import TwilioEmulator, seed

PRIYA = "+14155550132"
API_KEY, API_SECRET = "SK" + "a" * 32, "api-key-secret"


def test_given_an_api_key_and_secret_when_sending_then_twilio_accepts_them_without_the_auth_token(
    twilio: TwilioEmulator,
) -> None:
    twilio.api_keys[API_KEY] = API_SECRET
    twilio.auth_token = "rotated-away"  # the auth token plays no part
    sender = TwilioSmsSender.connect(
        seed.TWILIO_ACCOUNT_SID,
        None,
        seed.TWILIO_MESSAGING_SERVICE_SID,
        base_url=twilio.url,
        api_key=API_KEY,
        api_secret=API_SECRET,
    )

    sent = sender.send(OutboundSms(to=PRIYA, body="Hi"))

    assert sent.sid.startswith("SM")
    assert twilio.requests[0]["path"] == f"/2010-04-01/Accounts/{seed.TWILIO_ACCOUNT_SID}/Messages.json"


def test_given_a_rotated_auth_token_still_cached_when_sending_then_401_rereads_the_secret_and_sends_once(
    twilio: TwilioEmulator,
) -> None:
    cached = {"account_sid": seed.TWILIO_ACCOUNT_SID, "auth_token": "the-old-token"}
    current = {"account_sid": seed.TWILIO_ACCOUNT_SID, "auth_token": seed.TWILIO_AUTH_TOKEN}

    def read(force: bool) -> Mapping[str, str]:
        return current if force else cached  # the cache still holds the old token

    clients = Fresh(read, lambda v: twilio_client(v["account_sid"], v["auth_token"], base_url=twilio.url))
    sender = TwilioSmsSender(clients, seed.TWILIO_MESSAGING_SERVICE_SID)

    sent = sender.send(OutboundSms(to=PRIYA, body="Hi"))

    assert sent.status == "accepted"
    assert [r["method"] for r in twilio.requests] == ["POST", "POST"]  # refused once, then sent once
    assert len(twilio.state()["messages"]) == 1
