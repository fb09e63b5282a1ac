"""Use case: the consent evidence and flagged-number notes are written once per key. Each gateway
stores the caller's key on the Task (Salesforce ``Textloop_Message_Sid__c``, HubSpot task property
``textloop_message_sid``) and looks it up before creating one, so a retry after a lost answer finds it
— through the real SDKs over HTTP, against the emulators."""

from __future__ import annotations

from typing import Any

from textloop.adapters.hubspot import SMS_SID_PROPERTY, HubSpotGateway
from textloop.adapters.salesforce import SMS_SID_FIELD, SalesforceGateway
from textloop.domain.activity_keys import KEY_MAX, activity_key
from textloop.domain.model import ConsentStatus, PhoneStatus
from textloop_local.emulators import HubSpotEmulator, SalesforceEmulator, seed

NOTE = "SMS reply SMstop1 (opt out): stop texting +14155550132"


def _salesforce(emulator: SalesforceEmulator) -> SalesforceGateway:
    return SalesforceGateway.connect(emulator.url, "local-sf-token", ca_bundle=str(emulator.ca_bundle_path))


def _hubspot(emulator: HubSpotEmulator) -> HubSpotGateway:
    return HubSpotGateway.connect("local-hubspot-token", base_url=emulator.url)


def _sf_tasks(emulator: SalesforceEmulator) -> list[dict[str, Any]]:
    return [t for t in emulator.state()["Task"] if t["WhoId"] == seed.SF_CONTACT_LENA]


def _task_posts(emulator: SalesforceEmulator | HubSpotEmulator, path: str) -> int:
    return sum(1 for r in emulator.requests if r["method"] == "POST" and r["path"].rstrip("/") == path)


def test_given_a_salesforce_consent_task_with_a_key_when_written_again_then_no_second_task(
    salesforce: SalesforceEmulator,
) -> None:
    gateway = _salesforce(salesforce)
    gateway.record_consent(seed.SF_CONTACT_LENA, ConsentStatus.OPTED_OUT, NOTE, "consent:SMstop1")
    gateway.record_consent(seed.SF_CONTACT_LENA, ConsentStatus.OPTED_OUT, NOTE, "consent:SMstop1")
    (task,) = _sf_tasks(salesforce)
    assert (task["Subject"], task[SMS_SID_FIELD]) == ("SMS consent: opted_out", "consent:SMstop1")
    assert "+14155550132" not in task["Description"]  # masked
    assert _task_posts(salesforce, "/services/data/v62.0/sobjects/Task") == 1
    # another piece of evidence is another task
    gateway.record_consent(seed.SF_CONTACT_LENA, ConsentStatus.OPTED_IN, "START", "consent:SMstart2")
    assert [t[SMS_SID_FIELD] for t in _sf_tasks(salesforce)] == ["consent:SMstop1", "consent:SMstart2"]


def test_given_a_salesforce_flag_with_a_long_key_when_flagged_again_then_one_task_within_the_field(
    salesforce: SalesforceEmulator,
) -> None:
    key = activity_key("flag", "SM" + "f" * 32, "30003", "x" * 100)  # hashed to the field's length
    gateway = _salesforce(salesforce)
    for _ in range(2):
        gateway.flag_phone(seed.SF_CONTACT_LENA, PhoneStatus.UNREACHABLE, "Twilio error 30003", key)
    (task,) = _sf_tasks(salesforce)
    assert task[SMS_SID_FIELD] == key and len(key) == KEY_MAX
    assert task["Subject"] == "SMS: number flagged unreachable"


def test_given_a_hubspot_consent_task_with_a_key_when_written_again_then_no_second_task(
    hubspot: HubSpotEmulator,
) -> None:
    gateway = _hubspot(hubspot)
    gateway.record_consent(seed.HS_CONTACT_MARIA, ConsentStatus.OPTED_OUT, NOTE, "consent:SMstop1")
    gateway.record_consent(seed.HS_CONTACT_MARIA, ConsentStatus.OPTED_OUT, NOTE, "consent:SMstop1")
    (task,) = hubspot.state()["tasks"]
    properties = task["properties"]
    assert (properties["hs_task_subject"], properties[SMS_SID_PROPERTY]) == (
        "SMS consent: opted_out",
        "consent:SMstop1",
    )
    assert "+14155550132" not in properties["hs_task_body"]
    assert _task_posts(hubspot, "/crm/v3/objects/tasks") == 1
    gateway.record_consent(seed.HS_CONTACT_MARIA, ConsentStatus.OPTED_IN, "START", "consent:SMstart2")
    keys = [t["properties"][SMS_SID_PROPERTY] for t in hubspot.state()["tasks"]]
    assert keys == ["consent:SMstop1", "consent:SMstart2"]


def test_given_a_hubspot_flag_with_a_key_when_flagged_again_then_one_task_on_the_contact(
    hubspot: HubSpotEmulator,
) -> None:
    gateway = _hubspot(hubspot)
    for _ in range(2):
        gateway.flag_phone(seed.HS_CONTACT_KEN, PhoneStatus.WRONG_PERSON, "wrong person", "flag:SMwho1")
    (task,) = hubspot.state()["tasks"]
    assert task["properties"][SMS_SID_PROPERTY] == "flag:SMwho1"
    assert task["properties"]["hs_task_subject"] == "SMS: number flagged wrong_person"
