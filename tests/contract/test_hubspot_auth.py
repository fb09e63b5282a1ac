"""HubSpot OAuth (refresh-token grant) through the gateway, against the emulator's token endpoint: refreshed
before expiry, renewed once on a 401, a bad refresh token fails fast; a static token still works."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from textloop.adapters.hubspot import HubSpotGateway
from textloop.adapters.hubspot_auth import HubSpotAuth, HubSpotCredentials
from textloop.config import Fixed
from textloop.domain.errors import CrmAuthFailed
from textloop.domain.model import RecordRef
from textloop_local.emulators import HubSpotEmulator, seed

TOKEN = "/oauth/v1/token"
REFRESH = "local-refresh-token"


@pytest.fixture
def portal() -> Iterator[HubSpotEmulator]:
    emulator = HubSpotEmulator(access_token=None, refresh_token=REFRESH)
    emulator.start()
    yield emulator
    emulator.stop()


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def oauth(portal: HubSpotEmulator, refresh_token: str = REFRESH) -> HubSpotCredentials:
    return HubSpotCredentials.from_secret(
        {"client_id": portal.client_id, "client_secret": portal.client_secret, "refresh_token": refresh_token}
    )


def gateway(
    portal: HubSpotEmulator, credentials: HubSpotCredentials, clock: Clock | None = None
) -> HubSpotGateway:
    auth = HubSpotAuth(Fixed(credentials), portal.url, clock=clock or Clock())
    return HubSpotGateway.with_credentials(Fixed(credentials), base_url=portal.url, auth=auth)


def deal() -> RecordRef:
    return RecordRef("hubspot", "deal", seed.HS_DEAL_INITECH)


def paths(portal: HubSpotEmulator) -> list[str]:
    return [r["path"] for r in portal.requests]


def test_given_oauth_credentials_when_calling_twice_then_one_refresh_and_the_token_is_reused(
    portal: HubSpotEmulator,
) -> None:
    hub = gateway(portal, oauth(portal))

    hub.load_context(deal(), ["dealname"])
    hub.load_context(deal(), ["dealname"])

    assert paths(portal).count(TOKEN) == 1 and paths(portal)[0] == TOKEN
    assert portal.requests[0]["body"] == {
        "grant_type": "refresh_token",
        "client_id": portal.client_id,
        "client_secret": portal.client_secret,
        "refresh_token": REFRESH,
    }


def test_given_a_token_close_to_its_expiry_when_calling_then_it_is_refreshed_first_without_a_401(
    portal: HubSpotEmulator,
) -> None:
    clock = Clock()
    hub = gateway(portal, oauth(portal), clock)
    hub.load_context(deal(), ["dealname"])
    first = paths(portal)
    clock.now += 1800 - 30  # expires_in 1800: inside the refresh margin

    hub.load_context(deal(), ["dealname"])

    assert paths(portal)[len(first) :] == first  # refresh first, then the same calls, none refused
    assert portal.tokens_issued == 2


def test_given_a_token_that_expired_early_when_calling_then_401_renews_once_and_the_call_succeeds(
    portal: HubSpotEmulator,
) -> None:
    hub = gateway(portal, oauth(portal))
    hub.load_context(deal(), ["dealname"])
    portal.expire_tokens()
    before = len(portal.requests)

    context = hub.load_context(deal(), ["dealname"])

    assert context.fields["dealname"]
    after = paths(portal)[before:]
    assert after[1] == TOKEN and after[0] == after[2]  # refused, refreshed, the same call again
    assert portal.tokens_issued == 2


def test_given_an_expired_token_then_the_emulator_answers_as_hubspot_does(portal: HubSpotEmulator) -> None:
    import requests

    hub = gateway(portal, oauth(portal))
    hub.load_context(deal(), ["dealname"])
    token = requests.post(
        f"{portal.url}{TOKEN}",
        data={
            "grant_type": "refresh_token",
            "client_id": portal.client_id,
            "client_secret": portal.client_secret,
            "refresh_token": REFRESH,
        },
        timeout=5,
    ).json()["access_token"]
    portal.expire_tokens()

    answer = requests.get(
        f"{portal.url}/crm/v3/objects/deals/{deal().record_id}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )

    assert answer.status_code == 401
    assert answer.json()["category"] == "EXPIRED_AUTHENTICATION"


def test_given_a_revoked_refresh_token_when_calling_then_crm_auth_failed_after_one_try(
    portal: HubSpotEmulator,
) -> None:
    hub = gateway(portal, oauth(portal, refresh_token="revoked"))

    with pytest.raises(CrmAuthFailed, match="BAD_REFRESH_TOKEN"):
        hub.load_context(deal(), ["dealname"])

    assert paths(portal) == [TOKEN]


def test_given_a_static_private_app_token_when_calling_then_no_token_call() -> None:
    portal = HubSpotEmulator()
    portal.start()
    try:
        credentials = HubSpotCredentials.from_secret({"access_token": portal.access_token or ""})
        hub = HubSpotGateway.with_credentials(Fixed(credentials), base_url=portal.url)

        hub.load_context(deal(), ["dealname"])

        assert TOKEN not in paths(portal)
    finally:
        portal.stop()
