"""Use case: consent from and to the CRM. Each gateway reads the contact's own consent, do-not-call,
time-zone and state fields (names are settings), and writes Textloop's consent changes back to the
consent field with the evidence logged on the contact — through the real SDKs, against the emulators."""

from __future__ import annotations

from textloop.adapters.hubspot import HubSpotGateway, iana_zone
from textloop.adapters.salesforce import ContactFields, SalesforceGateway
from textloop.domain.model import ConsentStatus, RecordRef
from textloop_local.emulators import HubSpotEmulator, SalesforceEmulator, seed

CASE = RecordRef("salesforce", "case", seed.SF_CASE_EXPORT)  # Lena's case
DEAL = RecordRef("hubspot", "deal", seed.HS_DEAL_INITECH)  # Maria's deal


def _salesforce(emulator: SalesforceEmulator) -> SalesforceGateway:
    fields = ContactFields(time_zone="SMS_Time_Zone__c")
    return SalesforceGateway.connect(
        emulator.url, "local-sf-token", ca_bundle=str(emulator.ca_bundle_path), contact_fields=fields
    )


def _hubspot(emulator: HubSpotEmulator) -> HubSpotGateway:
    return HubSpotGateway.connect("local-hubspot-token", base_url=emulator.url)


def test_given_a_salesforce_contact_flagged_do_not_call_when_loading_then_the_recipient_carries_the_flags(
    salesforce: SalesforceEmulator,
) -> None:
    salesforce.update_record(
        "Contact",
        seed.SF_CONTACT_LENA,
        {
            "DoNotCall": True,
            "SMS_Consent__c": "opted_in",
            "MailingState": "FL",
            "SMS_Time_Zone__c": "America/Chicago",
        },
    )
    recipient = _salesforce(salesforce).load_context(CASE, ["Status", "Subject"]).recipient
    assert recipient is not None
    assert (recipient.do_not_contact, recipient.sms_consent) == (True, "opted_in")
    assert (recipient.state, recipient.time_zone) == ("FL", "America/Chicago")
    assert recipient.crm_opted_out  # do-not-call wins over an opt-in


def test_given_an_opt_out_when_written_back_to_salesforce_then_the_field_and_an_evidence_task(
    salesforce: SalesforceEmulator,
) -> None:
    _salesforce(salesforce).record_consent(
        seed.SF_CONTACT_LENA, ConsentStatus.OPTED_OUT, "SMS reply SM123 (opt out): stop texting +14155550132"
    )
    (contact,) = [c for c in salesforce.state()["Contact"] if c["Id"] == seed.SF_CONTACT_LENA]
    assert contact["SMS_Consent__c"] == "opted_out"
    (task,) = [t for t in salesforce.state()["Task"] if t["WhoId"] == seed.SF_CONTACT_LENA]
    assert task["Subject"] == "SMS consent: opted_out" and task["Status"] == "Completed"
    assert "SM123" in task["Description"] and "+14155550132" not in task["Description"]  # masked


def test_given_a_hubspot_contact_with_consent_and_time_zone_when_loading_then_the_recipient_carries_them(
    hubspot: HubSpotEmulator,
) -> None:
    hubspot.update_record(
        "contacts",
        seed.HS_CONTACT_MARIA,
        {"textloop_sms_consent": "opted_in", "hs_timezone": "america_slash_los_angeles", "state": "TX"},
    )
    recipient = _hubspot(hubspot).load_context(DEAL, ["dealstage", "dealname"]).recipient
    assert recipient is not None
    assert (recipient.sms_consent, recipient.time_zone, recipient.state) == (
        "opted_in",
        "America/Los_Angeles",
        "TX",
    )
    assert recipient.crm_opted_in and not recipient.crm_opted_out


def test_given_an_opt_in_when_written_back_to_hubspot_then_the_property_and_a_completed_task(
    hubspot: HubSpotEmulator,
) -> None:
    _hubspot(hubspot).record_consent(
        seed.HS_CONTACT_MARIA, ConsentStatus.OPTED_IN, "SMS reply SM9 (opt in): START"
    )
    (contact,) = [c for c in hubspot.state()["contacts"] if c["id"] == seed.HS_CONTACT_MARIA]
    assert contact["properties"]["textloop_sms_consent"] == "opted_in"
    (task,) = hubspot.state()["tasks"]
    assert task["properties"]["hs_task_subject"] == "SMS consent: opted_in"
    assert task["properties"]["hs_task_status"] == "COMPLETED"


def test_hubspot_time_zone_values_become_iana_names() -> None:
    assert iana_zone("america_slash_new_york") == "America/New_York"
    assert iana_zone("america_slash_argentina_slash_buenos_aires") == "America/Argentina/Buenos_Aires"
    assert iana_zone("Europe/Paris") == "Europe/Paris"
