"""Salesforce OAuth 2.0 (JWT bearer, client credentials) through the gateway, against the emulator's token
endpoint: a token is obtained once, reused, renewed once when the session ends, and bad credentials fail fast."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
import pytest

from textloop.adapters.salesforce import SalesforceGateway
from textloop.adapters.salesforce_auth import SalesforceCredentials
from textloop.config import Fixed
from textloop.domain.errors import CrmAuthFailed
from textloop.domain.model import RecordRef
from textloop_local.emulators import SalesforceEmulator, seed
from textloop_local.emulators.tls import SigningKeyPair, signing_key_pair

ACME = RecordRef("salesforce", "opportunity", seed.SF_OPPORTUNITY_ACME)
FIELDS = ["Name", "StageName"]
TOKEN = "/services/oauth2/token"


@pytest.fixture(scope="module")
def keys() -> SigningKeyPair:
    return signing_key_pair()


@pytest.fixture
def org(tls_workdir: Path, keys: SigningKeyPair) -> SalesforceEmulator:
    emulator = SalesforceEmulator(
        tls_workdir, access_token=None, certificate=keys.certificate, consumer_secret="cc-secret"
    )
    emulator.start()
    yield emulator  # type: ignore[misc]
    emulator.stop()


def jwt_gateway(
    org: SalesforceEmulator, private_key: str, instance_url: str | None = None
) -> SalesforceGateway:
    credentials = SalesforceCredentials.from_secret(
        {
            "auth": "jwt_bearer",
            "username": org.username,
            "consumer_key": org.consumer_key,
            "private_key": private_key,
            "login_url": org.url,
        }
    )
    return SalesforceGateway.with_credentials(
        Fixed(credentials), instance_url=instance_url, ca_bundle=str(org.ca_bundle_path)
    )


def paths(org: SalesforceEmulator) -> list[str]:
    return [r["path"] for r in org.requests]


def test_given_jwt_bearer_credentials_when_calling_twice_then_one_token_is_obtained_and_reused(
    org: SalesforceEmulator, keys: SigningKeyPair
) -> None:
    gateway = jwt_gateway(org, keys.private_key)  # no instance URL: the token response names it

    first = gateway.load_context(ACME, FIELDS)
    second = gateway.load_context(ACME, FIELDS)

    assert first.fields == second.fields and first.fields["Name"] == "Acme Corp — 200 seats"
    assert paths(org).count(TOKEN) == 1 and paths(org)[0] == TOKEN
    token_request = org.requests[0]["body"]
    assert token_request["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    claims = jwt.decode(token_request["assertion"], options={"verify_signature": False})
    assert (claims["iss"], claims["sub"], claims["aud"]) == (org.consumer_key, org.username, org.url)
    assert 0 < claims["exp"] - time.time() <= 180


def test_given_the_session_expires_mid_run_when_calling_then_the_token_is_renewed_once_and_the_call_succeeds(
    org: SalesforceEmulator, keys: SigningKeyPair
) -> None:
    gateway = jwt_gateway(org, keys.private_key, instance_url=org.url)
    gateway.load_context(ACME, FIELDS)
    org.expire_tokens()
    before = len(org.requests)

    context = gateway.load_context(ACME, FIELDS)

    assert context.fields["StageName"] == "Proposal/Price Quote"
    after = paths(org)[before:]
    assert after[1] == TOKEN and after[0] == after[2]  # refused, renewed, the same request again
    assert paths(org).count(TOKEN) == 2 and org.tokens_issued == 2


def test_given_a_one_second_token_lifetime_when_a_later_call_comes_then_it_renews_and_succeeds(
    org: SalesforceEmulator, keys: SigningKeyPair
) -> None:
    org.token_lifetime = 0.3
    gateway = jwt_gateway(org, keys.private_key, instance_url=org.url)
    gateway.load_context(ACME, FIELDS)
    time.sleep(0.4)

    gateway.load_context(ACME, FIELDS)

    assert org.tokens_issued == 2


def test_given_a_key_the_app_certificate_does_not_match_when_calling_then_crm_auth_failed_after_one_try(
    org: SalesforceEmulator,
) -> None:
    gateway = jwt_gateway(org, signing_key_pair().private_key, instance_url=org.url)

    with pytest.raises(CrmAuthFailed, match="invalid_grant"):
        gateway.load_context(ACME, FIELDS)

    assert paths(org) == [TOKEN]  # one token request, no API call, no loop


def test_given_an_expired_session_and_a_key_no_longer_accepted_then_one_renewal_then_crm_auth_failed(
    org: SalesforceEmulator, keys: SigningKeyPair
) -> None:
    gateway = jwt_gateway(org, keys.private_key, instance_url=org.url)
    gateway.load_context(ACME, FIELDS)
    org.certificate = signing_key_pair().certificate  # the app's certificate replaced
    org.expire_tokens()

    with pytest.raises(CrmAuthFailed):
        gateway.load_context(ACME, FIELDS)

    assert paths(org).count(TOKEN) == 2


def test_given_client_credentials_when_calling_then_the_token_comes_from_the_my_domain_endpoint(
    org: SalesforceEmulator,
) -> None:
    credentials = SalesforceCredentials.from_secret(
        {"consumer_key": org.consumer_key, "consumer_secret": "cc-secret", "instance_url": org.url}
    )
    assert credentials.auth == "client_credentials"
    gateway = SalesforceGateway.with_credentials(Fixed(credentials), ca_bundle=str(org.ca_bundle_path))

    gateway.load_context(ACME, FIELDS)

    assert org.requests[0]["body"]["grant_type"] == "client_credentials"


def test_given_a_wrong_client_secret_when_calling_then_crm_auth_failed(org: SalesforceEmulator) -> None:
    credentials = SalesforceCredentials.from_secret(
        {"consumer_key": org.consumer_key, "consumer_secret": "wrong", "instance_url": org.url}
    )

    with pytest.raises(CrmAuthFailed, match="invalid_client"):
        SalesforceGateway.with_credentials(Fixed(credentials), ca_bundle=str(org.ca_bundle_path))


def test_given_a_secret_without_its_keys_then_the_missing_keys_are_named() -> None:
    with pytest.raises(ValueError, match="username, private_key"):
        SalesforceCredentials.from_secret({"auth": "jwt_bearer", "consumer_key": "k"})
