"""HubSpotGateway.log_sms_many (hubspot-api-client over HTTP) against the HubSpot emulator: one search of
the SIDs already logged, one batch create of the others; one invalid input makes each be created alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
import requests

from textloop.adapters.hubspot import SMS_SID_PROPERTY, HubSpotGateway
from textloop.domain.errors import CrmRejected, CrmUnavailable
from textloop.domain.model import RecordRef, SmsActivity
from textloop_local.emulators import HubSpotEmulator, seed

INITECH = RecordRef("hubspot", "deal", seed.HS_DEAL_INITECH)


def gateway(emulator: HubSpotEmulator) -> HubSpotGateway:
    return HubSpotGateway.connect("local-hubspot-token", base_url=emulator.url)


def sms(n: int, record: RecordRef = INITECH) -> SmsActivity:
    return SmsActivity(
        record=record,
        direction="outbound",
        body=f"Hi Maria, message {n}: the contract is ready",
        phone="+16175550142",
        sid=f"SM{n:032x}",
        at=datetime(2026, 11, 30, 17, 45, tzinfo=UTC),
        contact_id=seed.HS_CONTACT_MARIA,
        owner_id=seed.HS_OWNER_AVERY,
        subject="",
    )


def calls(emulator: HubSpotEmulator) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in emulator.requests]


def logged_sids(emulator: HubSpotEmulator) -> list[str]:
    found = [c["properties"].get(SMS_SID_PROPERTY) for c in emulator.state()["communications"]]
    return sorted(str(s) for s in found if s)


def test_given_ten_sms_when_logged_then_one_search_and_one_batch_create(hubspot: HubSpotEmulator) -> None:
    # Given ten SMS of a batch, When logged at once
    activities = [sms(n) for n in range(1, 11)]
    logged = gateway(hubspot).log_sms_many(activities)
    # Then one search (IN over the SIDs) and one batch create; ten communications on the deal and contact
    assert calls(hubspot) == [
        "POST /crm/v3/objects/communications/search",
        "POST /crm/v3/objects/communications/batch/create",
    ]
    search = hubspot.requests[0]["body"]["filterGroups"][0]["filters"][0]  # type: ignore[index]
    assert (search["propertyName"], search["operator"]) == (SMS_SID_PROPERTY, "IN")
    assert sorted(search["values"]) == sorted(a.sid for a in activities)
    assert [r.key for r in logged] == [a.sid for a in activities]
    assert all(r.error is None and r.activity_id and not r.existing for r in logged)
    assert logged_sids(hubspot) == sorted(a.sid for a in activities)
    stored = next(c for c in hubspot.state()["communications"] if c["id"] == logged[0].activity_id)
    assert {"deals", "contacts"} <= set(stored["associations"])


def test_given_some_already_logged_when_logged_again_then_never_a_second_communication(
    hubspot: HubSpotEmulator,
) -> None:
    # Given three SMS logged, and a retry with two new ones
    crm = gateway(hubspot)
    before = crm.log_sms_many([sms(n) for n in (1, 2, 3)])
    hubspot.requests.clear()
    # When the five are logged
    again = crm.log_sms_many([sms(n) for n in (1, 2, 3, 4, 5)])
    # Then the three are found (same ids), the two created; five communications in all
    assert [(r.activity_id, r.existing) for r in again[:3]] == [(r.activity_id, True) for r in before]
    assert len(hubspot.requests[1]["body"]["inputs"]) == 2  # type: ignore[index]
    assert logged_sids(hubspot) == sorted(sms(n).sid for n in (1, 2, 3, 4, 5))
    # And a single log of a logged SID returns its id without creating anything
    hubspot.requests.clear()
    assert crm.log_sms(sms(1)) == before[0].activity_id
    assert calls(hubspot) == ["POST /crm/v3/objects/communications/search"]


def test_given_a_deal_deleted_since_then_only_its_log_fails_for_good(hubspot: HubSpotEmulator) -> None:
    # Given a batch where one SMS's deal no longer exists: HubSpot refuses the whole batch create
    gone = RecordRef("hubspot", "deal", "20841139999")
    logged = gateway(hubspot).log_sms_many([sms(1), replace(sms(2), record=gone), sms(3)])
    # Then each was tried alone: the others are logged, its error is permanent
    assert [r.error is None for r in logged] == [True, False, True]
    assert isinstance(logged[1].error, CrmRejected)
    assert logged_sids(hubspot) == sorted([sms(1).sid, sms(3).sid])


def test_given_hubspot_unavailable_then_every_record_is_to_retry(hubspot: HubSpotEmulator) -> None:
    hubspot.fail_next.append((503, "SERVICE_UNAVAILABLE", "try later"))
    logged = gateway(hubspot).log_sms_many([sms(1), sms(2)])
    assert all(isinstance(r.error, CrmUnavailable) for r in logged) and logged_sids(hubspot) == []


def test_given_more_than_100_sms_then_batches_of_100_at_most(hubspot: HubSpotEmulator) -> None:
    logged = gateway(hubspot).log_sms_many([sms(n) for n in range(1, 106)])
    creates = [r for r in hubspot.requests if str(r["path"]).endswith("/batch/create")]
    assert [len(r["body"]["inputs"]) for r in creates] == [100, 5]  # type: ignore[index]
    assert all(r.error is None for r in logged) and len(logged_sids(hubspot)) == 105


def test_given_a_batch_create_over_100_inputs_then_the_emulator_refuses_it_as_hubspot_does(
    hubspot: HubSpotEmulator,
) -> None:
    inputs = [{"properties": {"hs_timestamp": "2026-11-30T17:45:00Z"}}] * 101
    answer = requests.post(
        f"{hubspot.url}/crm/v3/objects/communications/batch/create",
        json={"inputs": inputs},
        headers={"Authorization": "Bearer local-hubspot-token"},
        timeout=10,
    )
    assert answer.status_code == 400 and answer.json()["category"] == "VALIDATION_ERROR"
    assert logged_sids(hubspot) == []


def test_given_the_emulator_properties_then_the_sid_property_is_defined_for_communications(
    hubspot: HubSpotEmulator,
) -> None:
    assert hubspot.properties["communications"][SMS_SID_PROPERTY]["type"] == "string"


def test_given_an_activity_without_its_sid_then_it_is_refused_before_any_call(
    hubspot: HubSpotEmulator,
) -> None:
    with pytest.raises(ValueError, match="SID"):
        gateway(hubspot).log_sms_many([sms(1), replace(sms(2), sid="")])
    assert hubspot.requests == []
