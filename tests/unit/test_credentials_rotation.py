"""Rotated secrets take effect without a cold start: Powertools' bounded cache, a rebuild when the value
changes, an immediate (rate-limited) re-read after an authentication failure; Twilio's secondary token."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parameters.base import BaseProvider
from twilio.request_validator import RequestValidator

from textloop.adapters.twilio_signature import TwilioSignature
from textloop.config import Fixed, Fresh, Secrets
from textloop.domain.errors import Forbidden

URL = "https://hooks.example.com/twilio/status"
FORM = {"MessageSid": "SM" + "0" * 32, "MessageStatus": "delivered"}


class SecretStore(BaseProvider):  # type: ignore[misc]
    """Secrets Manager as Powertools sees it: one JSON string per secret id; counts the fetches."""

    def __init__(self, value: dict[str, str]) -> None:
        super().__init__()
        self.value = value
        self.fetches = 0

    def _get(self, name: str, **sdk_options: Any) -> str:
        self.fetches += 1
        return json.dumps(self.value)

    def _get_multiple(self, path: str, **sdk_options: Any) -> dict[str, str]:
        raise NotImplementedError


def secrets(store: SecretStore, max_age: int) -> Secrets:
    return Secrets("TWILIO", {"TWILIO_SECRET_ID": f"twilio-{uuid.uuid4()}"}, max_age=max_age, provider=store)


def signed(token: str) -> str:
    return RequestValidator(token).compute_signature(URL, FORM)


def test_given_a_rotated_secret_when_the_cache_age_passes_then_it_is_rebuilt_without_cold_start() -> None:
    store = SecretStore({"auth_token": "old"})
    built: list[str] = []
    holder = Fresh(
        secrets(store, max_age=1).values, lambda v: built.append(v["auth_token"]) or v["auth_token"]
    )
    assert holder.get() == "old"

    store.value = {"auth_token": "new"}  # rotated in Secrets Manager
    assert holder.get() == "old"  # within the cache age: Powertools answers from its cache
    time.sleep(1.1)

    assert holder.get() == "new"
    assert holder.get() == "new"
    assert built == ["old", "new"]  # rebuilt once, when the value changed


def test_given_an_auth_failure_when_renewing_then_the_secret_is_read_at_once_but_not_again_right_away() -> (
    None
):
    store = SecretStore({"auth_token": "old"})
    holder = Fresh(secrets(store, max_age=300).values, lambda v: v["auth_token"])
    holder.get()
    store.value = {"auth_token": "new"}

    assert holder.renew() == "new"  # forced read, inside the 300 s cache age
    fetches = store.fetches
    assert holder.renew() is None  # unchanged, and a second forced read is rate-limited
    assert store.fetches == fetches


def test_given_twilio_signs_with_the_secondary_token_during_a_rotation_then_the_webhook_passes() -> None:
    signature = TwilioSignature("primary-token", "secondary-token")

    signature.verify(URL, FORM, signed("secondary-token"))
    signature.verify(URL, FORM, signed("primary-token"))
    with pytest.raises(Forbidden):
        signature.verify(URL, FORM, signed("some-other-token"))


def test_given_a_token_promoted_since_the_last_read_when_a_webhook_fails_then_one_reread_lets_it_pass() -> (
    None
):
    store = SecretStore({"account_sid": "AC1", "auth_token": "old"})
    tokens = Fresh(
        secrets(store, max_age=300).values,
        lambda v: tuple(t for t in (v["auth_token"], v.get("auth_token_secondary")) if t),
    )
    signature = TwilioSignature(tokens)
    signature.verify(URL, FORM, signed("old"))
    store.value = {"account_sid": "AC1", "auth_token": "new", "auth_token_secondary": "old"}

    signature.verify(URL, FORM, signed("new"))  # refused by the cached token, passes after the re-read
    with pytest.raises(Forbidden):
        signature.verify(URL, FORM, signed("forged"))


def test_given_fixed_credentials_then_renew_has_nothing_new() -> None:
    assert Fixed("x").renew() is None
