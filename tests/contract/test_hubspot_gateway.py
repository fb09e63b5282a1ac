"""HubSpotGateway (hubspot-api-client over HTTP) against the HubSpot emulator."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hubspot import HubSpot
from hubspot.crm.contacts import Filter, FilterGroup, PublicObjectSearchRequest
from hubspot.crm.objects.tasks import ApiException as TasksApiException
from hubspot.crm.objects.tasks import SimplePublicObjectInputForCreate

from textloop.adapters.hubspot import HubSpotGateway
from textloop.domain.errors import CrmUnavailable, RecordNotFound
from textloop.domain.model import RecordRef, SmsActivity
from textloop_local.emulators import HubSpotEmulator, seed

INITECH = RecordRef("hubspot", "deal", seed.HS_DEAL_INITECH)
UMBRELLA = RecordRef("hubspot", "deal", seed.HS_DEAL_UMBRELLA)
SSO_TICKET = RecordRef("hubspot", "ticket", seed.HS_TICKET_SSO)
ORPHAN_TICKET = RecordRef("hubspot", "ticket", seed.HS_TICKET_NO_CONTACT)
DEAL_FIELDS = ["dealname", "dealstage", "esign_link"]


def gateway(emulator: HubSpotEmulator, token: str = "local-hubspot-token") -> HubSpotGateway:
    return HubSpotGateway.connect(token, base_url=emulator.url)


def sdk(emulator: HubSpotEmulator) -> HubSpot:
    return HubSpot(access_token=emulator.access_token, host=emulator.url)


def activity(record: RecordRef, **changes: object) -> SmsActivity:
    values: dict[str, object] = {
        "record": record,
        "direction": "outbound",
        "body": "Hi Maria, Avery from Textloop: the contract for Initech is ready: https://sign.example.com",
        "phone": "+15125550147",
        "sid": "SMfedcba9876543210fedcba9876543210",
        "at": datetime(2025, 2, 3, 17, 45, 12, 345000, tzinfo=UTC),
        "contact_id": seed.HS_CONTACT_MARIA,
        "owner_id": seed.HS_OWNER_AVERY,
        "subject": "SMS sent",
    }
    values.update(changes)
    return SmsActivity(**values)  # type: ignore[arg-type]


def associations_of(obj: dict[str, object], to_type: str) -> list[tuple[str, int]]:
    links = obj["associations"]
    assert isinstance(links, dict)
    return [(link["id"], link["associationTypeId"]) for link in links.get(to_type, [])]


# --- load_context ---------------------------------------------------------------------------


def test_given_a_deal_when_loading_then_fields_first_contact_mobile_and_owner(
    hubspot: HubSpotEmulator,
) -> None:
    context = gateway(hubspot).load_context(INITECH, DEAL_FIELDS)

    assert context.fields == {
        "dealname": "Initech — 50 seats expansion",
        "dealstage": "presentationscheduled",
        "esign_link": "https://sign.example.com/envelopes/initech-50",
    }
    assert context.recipient is not None
    assert context.recipient.crm_id == seed.HS_CONTACT_MARIA
    assert context.recipient.phone == "(512) 555-0147"  # mobilephone wins over phone
    assert context.recipient.email == "maria.gomez@initech.example.com"
    assert context.owner is not None
    assert (context.owner.crm_id, context.owner.first_name, context.owner.last_name) == (
        seed.HS_OWNER_AVERY,
        "Avery",
        "Chen",
    )


def test_given_a_deal_when_loading_then_three_calls_with_properties_and_associations(
    hubspot: HubSpotEmulator,
) -> None:
    gateway(hubspot).load_context(INITECH, DEAL_FIELDS)

    assert [(r["method"], r["path"]) for r in hubspot.requests] == [
        ("GET", f"/crm/v3/objects/deals/{seed.HS_DEAL_INITECH}"),
        ("GET", f"/crm/v3/objects/contacts/{seed.HS_CONTACT_MARIA}"),
        ("GET", f"/crm/v3/owners/{seed.HS_OWNER_AVERY}"),
    ]
    assert hubspot.requests[0]["query"] == {
        "properties": [*DEAL_FIELDS, "hubspot_owner_id"],
        "associations": ["contacts", "companies"],  # the company: the account outcomes are credited by
    }


def test_given_a_contact_with_a_phone_only_when_loading_then_that_phone(hubspot: HubSpotEmulator) -> None:
    context = gateway(hubspot).load_context(UMBRELLA, DEAL_FIELDS)

    assert context.recipient is not None
    assert (context.recipient.crm_id, context.recipient.phone) == (seed.HS_CONTACT_KEN, "+1 312 555 0163")


def test_given_a_ticket_when_loading_then_its_contact_and_owner(hubspot: HubSpotEmulator) -> None:
    context = gateway(hubspot).load_context(SSO_TICKET, ["subject", "hs_pipeline_stage", "help_article_url"])

    assert context.fields == {
        "subject": "Login fails with SSO",
        "hs_pipeline_stage": "3",
        "help_article_url": "https://help.example.com/articles/sso-setup",
    }
    assert context.recipient is not None and context.recipient.phone == "+1 (646) 555-0178"
    assert context.owner is not None and context.owner.first_name == "Jordan"


def test_given_a_ticket_without_contact_when_loading_then_no_recipient(hubspot: HubSpotEmulator) -> None:
    context = gateway(hubspot).load_context(ORPHAN_TICKET, ["subject", "help_article_url"])

    assert context.recipient is None
    assert context.fields == {"subject": "Webhook retries look duplicated", "help_article_url": None}
    assert len(hubspot.requests) == 2  # no contact read


def test_given_an_owner_that_no_longer_exists_when_loading_then_no_owner(hubspot: HubSpotEmulator) -> None:
    hubspot.update_record("deals", seed.HS_DEAL_INITECH, {"hubspot_owner_id": "99999999"})

    context = gateway(hubspot).load_context(INITECH, DEAL_FIELDS)

    assert context.owner is None and context.recipient is not None


# --- errors ---------------------------------------------------------------------------------


def test_given_an_unknown_deal_when_loading_then_record_not_found(hubspot: HubSpotEmulator) -> None:
    with pytest.raises(RecordNotFound):
        gateway(hubspot).load_context(RecordRef("hubspot", "deal", "404404"), DEAL_FIELDS)


@pytest.mark.parametrize(("status", "category"), [(429, None), (500, "INTERNAL_ERROR"), (502, "BAD_GATEWAY")])
def test_given_hubspot_throttling_or_failing_when_loading_then_crm_unavailable(
    hubspot: HubSpotEmulator, status: int, category: str | None
) -> None:
    hubspot.fail_next.append((status, category))

    with pytest.raises(CrmUnavailable) as raised:
        gateway(hubspot).load_context(INITECH, DEAL_FIELDS)

    assert raised.value.details["status"] == status


def test_given_a_wrong_token_when_loading_then_crm_unavailable(hubspot: HubSpotEmulator) -> None:
    with pytest.raises(CrmUnavailable):
        gateway(hubspot, token="revoked").load_context(INITECH, DEAL_FIELDS)


def test_given_hubspot_unreachable_when_loading_then_crm_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(CrmUnavailable):
        HubSpotGateway.connect("local-hubspot-token", f"http://127.0.0.1:{port}").load_context(
            INITECH, ["dealname"]
        )


# --- log_sms --------------------------------------------------------------------------------


def test_given_an_sms_on_a_deal_when_logging_then_an_sms_communication_associated_to_contact_and_deal(
    hubspot: HubSpotEmulator,
) -> None:
    communication_id = gateway(hubspot).log_sms(activity(INITECH))

    (communication,) = hubspot.state()["communications"]
    assert communication["id"] == communication_id
    properties = communication["properties"]
    assert properties["hs_communication_channel_type"] == "SMS"
    assert properties["hs_communication_logged_from"] == "CRM"
    assert properties["hs_communication_body"].startswith("Hi Maria, Avery from Textloop")
    assert (
        "Outbound SMS · Twilio SID SMfedcba9876543210fedcba9876543210" in properties["hs_communication_body"]
    )
    assert properties["hs_timestamp"] == "2025-02-03T17:45:12.345Z"
    assert properties["hubspot_owner_id"] == seed.HS_OWNER_AVERY
    assert associations_of(communication, "contacts") == [(seed.HS_CONTACT_MARIA, 81)]
    assert associations_of(communication, "deals") == [(seed.HS_DEAL_INITECH, 85)]
    (deal,) = [d for d in hubspot.state()["deals"] if d["id"] == seed.HS_DEAL_INITECH]
    assert associations_of(deal, "communications") == [(communication_id, 86)]


def test_given_an_sms_on_a_ticket_when_logging_then_the_ticket_association_type(
    hubspot: HubSpotEmulator,
) -> None:
    gateway(hubspot).log_sms(activity(SSO_TICKET, contact_id=seed.HS_CONTACT_RUTH, direction="inbound"))

    body = hubspot.requests[-1]["body"]
    assert isinstance(body, dict)
    assert body["associations"] == [
        {
            "to": {"id": seed.HS_CONTACT_RUTH},
            "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 81}],
        },
        {
            "to": {"id": seed.HS_TICKET_SSO},
            "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 83}],
        },
    ]
    (communication,) = hubspot.state()["communications"]
    assert associations_of(communication, "tickets") == [(seed.HS_TICKET_SSO, 83)]
    assert "Inbound SMS" in communication["properties"]["hs_communication_body"]


def test_given_no_contact_and_no_owner_when_logging_then_only_the_record_association(
    hubspot: HubSpotEmulator,
) -> None:
    gateway(hubspot).log_sms(activity(ORPHAN_TICKET, contact_id=None, owner_id=None))

    (communication,) = hubspot.state()["communications"]
    assert "hubspot_owner_id" not in communication["properties"]
    assert communication["associations"] == {
        "tickets": [
            {
                "id": seed.HS_TICKET_NO_CONTACT,
                "type": "communication_to_ticket",
                "associationCategory": "HUBSPOT_DEFINED",
                "associationTypeId": 83,
            }
        ]
    }


def test_given_hubspot_throttling_when_logging_then_crm_unavailable(hubspot: HubSpotEmulator) -> None:
    hubspot.fail_next.append((429, None))

    with pytest.raises(CrmUnavailable):
        gateway(hubspot).log_sms(activity(INITECH))
    assert hubspot.state()["communications"] == []


# --- the emulator beyond the gateway: search (reply routing) and task validation ------------


def test_contact_search_by_phone_eq_and_in(hubspot: HubSpotEmulator) -> None:
    search = sdk(hubspot).crm.contacts.search_api

    by_mobile = search.do_search(
        PublicObjectSearchRequest(
            filter_groups=[
                FilterGroup(
                    filters=[Filter(property_name="mobilephone", operator="EQ", value="+1 (646) 555-0178")]
                ),
                FilterGroup(
                    filters=[Filter(property_name="phone", operator="EQ", value="+1 (646) 555-0178")]
                ),
            ],
            properties=["firstname", "mobilephone"],
        )
    )
    by_ids = search.do_search(
        PublicObjectSearchRequest(
            filter_groups=[
                FilterGroup(
                    filters=[
                        Filter(
                            property_name="phone", operator="IN", values=["512-555-0190", "+1 312 555 0163"]
                        )
                    ]
                )
            ],
            limit=1,
        )
    )

    assert [(c.id, c.properties["firstname"]) for c in by_mobile.results] == [(seed.HS_CONTACT_RUTH, "Ruth")]
    assert by_ids.total == 2 and len(by_ids.results) == 1 and by_ids.paging.next.after == "1"


def test_task_without_hs_timestamp_is_a_validation_error(hubspot: HubSpotEmulator) -> None:
    tasks = sdk(hubspot).crm.objects.tasks.basic_api

    with pytest.raises(TasksApiException) as raised:
        tasks.create(
            SimplePublicObjectInputForCreate(properties={"hs_task_subject": "Call back"}, associations=[])
        )
    created = tasks.create(
        SimplePublicObjectInputForCreate(
            properties={
                "hs_task_subject": "Call back",
                "hs_timestamp": "2025-02-04T09:00:00Z",
                "hs_task_status": "NOT_STARTED",
            },
            associations=[
                {
                    "to": {"id": seed.HS_CONTACT_KEN},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 204}],
                }
            ],
        )
    )

    assert raised.value.status == 400 and "VALIDATION_ERROR" in raised.value.body
    (task,) = hubspot.state()["tasks"]
    assert task["id"] == created.id and associations_of(task, "contacts") == [(seed.HS_CONTACT_KEN, 204)]


def test_update_record_returns_the_changed_properties(hubspot: HubSpotEmulator) -> None:
    changed = hubspot.update_record(
        "deal", seed.HS_DEAL_UMBRELLA, {"dealstage": "contractsent", "amount": 64000}
    )

    assert changed == ["dealstage"]


def test_the_request_log_is_written_as_jsonl(hubspot: HubSpotEmulator, tmp_path: Path) -> None:
    gateway(hubspot).load_context(ORPHAN_TICKET, ["subject"])

    hubspot.write_request_log(tmp_path / "hubspot.jsonl")

    logged = [json.loads(line) for line in (tmp_path / "hubspot.jsonl").read_text().splitlines()]
    assert [(r["method"], r["path"]) for r in logged] == [
        ("GET", f"/crm/v3/objects/tickets/{seed.HS_TICKET_NO_CONTACT}"),
        ("GET", f"/crm/v3/owners/{seed.HS_OWNER_JORDAN}"),
    ]
