"""Backpressure over real HTTP: each vendor's "too many" becomes a Retryable carrying how long to wait
(``retry_after``), read from what the vendor answers (status, code, headers) — Twilio 429 and 21611,
HubSpot's ten-second and daily limits, Salesforce's ``Sforce-Limit-Info`` usage and its daily limit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from textloop.adapters.hubspot import HubSpotGateway
from textloop.adapters.salesforce import SalesforceGateway
from textloop.adapters.twilio_sms import TwilioSmsSender
from textloop.domain.errors import CrmUnavailable, SmsUnavailable
from textloop.domain.model import OutboundSms, RecordRef
from textloop_local.emulators import HubSpotEmulator, SalesforceEmulator, TwilioEmulator, seed
from textloop_local.faults import FaultRegistry, parse

PRIYA = "+14155550132"
BODY = "Hi Priya, the contract is ready: https://sign.example.com/e/1 Reply STOP to opt out."
ACME = RecordRef("salesforce", "opportunity", seed.SF_OPPORTUNITY_ACME)
INITECH = RecordRef("hubspot", "deal", seed.HS_DEAL_INITECH)


def fault(emulator: Any, **spec: Any) -> None:
    if emulator.faults is None:
        emulator.faults = FaultRegistry()
    emulator.faults.add(parse({"target": emulator.name, "action": "status", **spec}))


def twilio_sender(emulator: TwilioEmulator) -> TwilioSmsSender:
    return TwilioSmsSender.connect(
        seed.TWILIO_ACCOUNT_SID,
        seed.TWILIO_AUTH_TOKEN,
        seed.TWILIO_MESSAGING_SERVICE_SID,
        base_url=emulator.url,
    )


# --- Twilio ------------------------------------------------------------------------------------


def test_given_twilio_429_with_retry_after_when_sending_then_it_waits_that_long_and_holds_the_next_sends(
    twilio: TwilioEmulator,
) -> None:
    fault(twilio, status=429, error=20429, times=1, headers={"Retry-After": "7"})
    sms = twilio_sender(twilio)

    with pytest.raises(SmsUnavailable) as raised:
        sms.send(OutboundSms(PRIYA, BODY))
    assert raised.value.retry_after == 7.0 and raised.value.details["retry_after"] == 7.0
    # the next send of this process waits too, without calling Twilio
    with pytest.raises(SmsUnavailable) as held:
        sms.send(OutboundSms(PRIYA, BODY))
    assert held.value.retry_after is not None and 0 < held.value.retry_after <= 7.0
    assert len(twilio.requests) == 1 and twilio.state()["messages"] == []


def test_given_twilio_429_without_retry_after_when_sending_then_a_short_default_wait(
    twilio: TwilioEmulator,
) -> None:
    twilio.fail_next.append((429, 20429))

    with pytest.raises(SmsUnavailable) as raised:
        twilio_sender(twilio).send(OutboundSms(PRIYA, BODY))
    assert raised.value.retry_after == 1.0


def test_given_the_messaging_service_queue_is_full_21611_when_sending_then_retryable_with_a_wait(
    twilio: TwilioEmulator,
) -> None:
    fault(twilio, status=400, error=21611, times=1)

    with pytest.raises(SmsUnavailable) as raised:
        twilio_sender(twilio).send(OutboundSms(PRIYA, BODY))
    assert raised.value.details["code"] == 21611
    assert raised.value.retry_after == 60.0


# --- HubSpot -------------------------------------------------------------------------------------


def test_given_hubspots_ten_second_limit_when_loading_then_retryable_for_its_window(
    hubspot: HubSpotEmulator,
) -> None:
    hubspot.fail_next.append((429, None))

    with pytest.raises(CrmUnavailable) as raised:
        HubSpotGateway.connect("local-hubspot-token", base_url=hubspot.url).load_context(
            INITECH, ["dealstage"]
        )
    assert raised.value.details["policy"] == "TEN_SECONDLY_ROLLING"
    assert raised.value.retry_after == 10.0  # X-HubSpot-RateLimit-Interval-Milliseconds: 10000


def test_given_hubspot_names_retry_after_when_limited_then_that_wait(hubspot: HubSpotEmulator) -> None:
    fault(hubspot, status=429, times=1, headers={"Retry-After": "3"})

    with pytest.raises(CrmUnavailable) as raised:
        HubSpotGateway.connect("local-hubspot-token", base_url=hubspot.url).load_context(
            INITECH, ["dealstage"]
        )
    assert raised.value.retry_after == 3.0


def test_given_hubspots_daily_limit_spent_when_loading_then_a_long_wait(hubspot: HubSpotEmulator) -> None:
    fault(hubspot, status=429, times=1, headers={"X-HubSpot-RateLimit-Daily-Remaining": "0"})

    with pytest.raises(CrmUnavailable) as raised:
        HubSpotGateway.connect("local-hubspot-token", base_url=hubspot.url).load_context(
            INITECH, ["dealstage"]
        )
    assert raised.value.retry_after == 900.0


# --- Salesforce ----------------------------------------------------------------------------------


@pytest.fixture
def small_org(tls_workdir: Path) -> Any:
    emulator = SalesforceEmulator(tls_workdir, api_limit=3)  # 3 calls a day: one load spends them
    emulator.start()
    yield emulator
    emulator.stop()


def sf_gateway(emulator: SalesforceEmulator) -> SalesforceGateway:
    return SalesforceGateway.connect(emulator.url, "local-sf-token", ca_bundle=str(emulator.ca_bundle_path))


def test_given_api_usage_above_its_share_when_loading_again_then_it_waits_without_calling(
    small_org: SalesforceEmulator,
) -> None:
    gateway = sf_gateway(small_org)
    gateway.load_context(ACME, ["StageName"])  # three calls: Sforce-Limit-Info says api-usage=3/3
    calls = len(small_org.requests)

    with pytest.raises(CrmUnavailable) as raised:
        gateway.load_context(ACME, ["StageName"])
    assert raised.value.retry_after is not None and 299 < raised.value.retry_after <= 300
    assert (raised.value.details["api_used"], raised.value.details["api_limit"]) == (3, 3)
    assert len(small_org.requests) == calls  # not one call spent


def test_given_usage_below_its_share_then_calls_go_on(salesforce: SalesforceEmulator) -> None:
    gateway = sf_gateway(salesforce)  # 100,000 a day
    gateway.load_context(ACME, ["StageName"])
    gateway.load_context(ACME, ["StageName"])
    assert len(salesforce.requests) == 6


def test_given_the_daily_limit_spent_request_limit_exceeded_then_retryable_with_a_long_wait(
    salesforce: SalesforceEmulator,
) -> None:
    salesforce.fail_next.append((403, "REQUEST_LIMIT_EXCEEDED"))

    with pytest.raises(CrmUnavailable) as raised:
        sf_gateway(salesforce).load_context(ACME, ["StageName"])
    assert raised.value.retry_after == 900.0
