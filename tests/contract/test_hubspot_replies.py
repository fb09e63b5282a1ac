"""HubSpotGateway for replies (find_contacts, create_task, flag_phone) against the HubSpot emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hubspot import HubSpot
from hubspot.crm.contacts import ApiException as ContactsApiException
from hubspot.crm.contacts import SimplePublicObjectInput, SimplePublicObjectInputForCreate

from textloop.adapters.hubspot import HubSpotGateway
from textloop.domain.errors import CrmRejected, CrmUnavailable, RecordNotFound
from textloop.domain.model import OwnerTask, PhoneStatus, RecordRef, SmsActivity, TaskPriority, TaskState
from textloop_local.emulators import HubSpotEmulator, seed

INITECH = RecordRef("hubspot", "deal", seed.HS_DEAL_INITECH)
SSO_TICKET = RecordRef("hubspot", "ticket", seed.HS_TICKET_SSO)
DUE = datetime(2025, 2, 4, 17, 0, tzinfo=UTC)
DUE_MS = "1738688400000"


def gateway(emulator: HubSpotEmulator) -> HubSpotGateway:
    return HubSpotGateway.connect("local-hubspot-token", base_url=emulator.url)


def sdk(emulator: HubSpotEmulator) -> HubSpot:
    return HubSpot(access_token=emulator.access_token, host=emulator.url)


def owner_task(**changes: object) -> OwnerTask:
    values: dict[str, object] = {
        "crm": "hubspot",
        "subject": "Call Maria back: she asked for a new quote",
        "body": 'Maria replied "can we get 60 seats at the same price?"',
        "priority": TaskPriority.HIGH,
        "due": DUE,
        "owner_id": seed.HS_OWNER_AVERY,
        "contact_id": seed.HS_CONTACT_MARIA,
        "record": INITECH,
    }
    values.update(changes)
    return OwnerTask(**values)  # type: ignore[arg-type]


def stored(emulator: HubSpotEmulator, object_type: str, object_id: str) -> dict[str, object]:
    (found,) = [o for o in emulator.state()[object_type] if o["id"] == object_id]
    return found


def properties_of(emulator: HubSpotEmulator, object_type: str, object_id: str) -> dict[str, str]:
    properties = stored(emulator, object_type, object_id)["properties"]
    assert isinstance(properties, dict)
    return properties


def associations_of(obj: dict[str, object], to_type: str) -> list[tuple[str, int]]:
    links = obj["associations"]
    assert isinstance(links, dict)
    return [(link["id"], link["associationTypeId"]) for link in links.get(to_type, [])]


# --- find_contacts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "prop"),
    [
        ("(646) 555-0178", "phone"),
        ("+1 646.555.0178", "mobilephone"),
        ("6465550178", "phone"),
        ("+16465550178", "mobilephone"),
    ],
)
def test_given_a_number_typed_any_way_when_finding_by_e164_then_that_contact_with_its_owner(
    hubspot: HubSpotEmulator, typed: str, prop: str
) -> None:
    hubspot.update_record("contacts", seed.HS_CONTACT_KEN, {"phone": None, prop: typed})

    people = gateway(hubspot).find_contacts("+16465550178")

    assert [p.crm_id for p in people] == [seed.HS_CONTACT_KEN, seed.HS_CONTACT_RUTH]
    ken = people[0]
    assert (ken.first_name, ken.last_name, ken.email) == ("Ken", "Ito", "ken.ito@umbrella.example.com")
    assert (ken.phone, ken.owner_id) == (typed, seed.HS_OWNER_AVERY)


def test_given_a_contact_when_finding_then_one_search_on_the_calculated_searchable_numbers(
    hubspot: HubSpotEmulator,
) -> None:
    people = gateway(hubspot).find_contacts("+16465550178")

    assert [(p.crm_id, p.phone, p.owner_id) for p in people] == [
        (seed.HS_CONTACT_RUTH, "+1 (646) 555-0178", seed.HS_OWNER_JORDAN)
    ]
    (call,) = hubspot.requests
    assert (call["method"], call["path"]) == ("POST", "/crm/v3/objects/contacts/search")
    assert call["body"] == {
        "filterGroups": [
            {
                "filters": [
                    {
                        "propertyName": "hs_searchable_calculated_mobile_number",
                        "operator": "EQ",
                        "value": "6465550178",
                    }
                ]
            },
            {
                "filters": [
                    {
                        "propertyName": "hs_searchable_calculated_phone_number",
                        "operator": "EQ",
                        "value": "6465550178",
                    }
                ]
            },
        ],
        "properties": ["firstname", "lastname", "mobilephone", "phone", "email", "hubspot_owner_id"],
        "limit": 100,
    }


def test_given_a_number_on_two_contacts_when_finding_then_both(hubspot: HubSpotEmulator) -> None:
    people = gateway(hubspot).find_contacts("+15125550190")

    assert {(p.crm_id, p.phone) for p in people} == {
        (seed.HS_CONTACT_MARIA, "512-555-0190"),  # her office phone (her mobile is another number)
        (seed.HS_CONTACT_DIEGO, "+1 512.555.0190"),
    }


def test_given_more_matches_than_a_page_when_finding_then_every_page(hubspot: HubSpotEmulator) -> None:
    contacts = sdk(hubspot).crm.contacts.basic_api
    for n in range(101):
        contacts.create(
            SimplePublicObjectInputForCreate(properties={"lastname": f"Desk {n}", "phone": "512 555 0190"})
        )

    people = gateway(hubspot).find_contacts("+15125550190")

    assert len(people) == 103
    assert [r["path"] for r in hubspot.requests].count("/crm/v3/objects/contacts/search") == 2


def test_given_no_contact_with_the_number_when_finding_then_an_empty_list(hubspot: HubSpotEmulator) -> None:
    assert gateway(hubspot).find_contacts("+13125550100") == []


def test_given_the_same_digits_in_another_country_when_finding_then_not_that_contact(
    hubspot: HubSpotEmulator,
) -> None:
    hubspot.update_record("contacts", seed.HS_CONTACT_KEN, {"phone": "+52 646 555 0178"})

    assert [p.crm_id for p in gateway(hubspot).find_contacts("+16465550178")] == [seed.HS_CONTACT_RUTH]
    assert [p.crm_id for p in gateway(hubspot).find_contacts("+526465550178")] == [seed.HS_CONTACT_KEN]


def test_given_an_alphanumeric_sender_when_finding_then_no_contact_and_no_call(
    hubspot: HubSpotEmulator,
) -> None:
    assert gateway(hubspot).find_contacts("INITECH") == []
    assert hubspot.requests == []


def test_given_hubspot_throttling_when_finding_then_crm_unavailable_without_the_number(
    hubspot: HubSpotEmulator,
) -> None:
    hubspot.fail_next.append((429, None))

    with pytest.raises(CrmUnavailable) as raised:
        gateway(hubspot).find_contacts("+16465550178")

    assert "6465550178" not in str(raised.value.details)


def test_the_emulator_derives_the_calculated_phone_properties_on_seed_create_and_update(
    hubspot: HubSpotEmulator,
) -> None:
    maria = properties_of(hubspot, "contacts", seed.HS_CONTACT_MARIA)
    assert maria["hs_calculated_mobile_number"] == "+15125550147"
    assert maria["hs_searchable_calculated_mobile_number"] == "5125550147"
    assert maria["hs_calculated_phone_number"] == "+15125550190"
    assert maria["hs_searchable_calculated_phone_number"] == "5125550190"

    contacts = sdk(hubspot).crm.contacts.basic_api
    created = contacts.create(SimplePublicObjectInputForCreate(properties={"phone": "+44 20 7946 0958"}))
    contacts.update(created.id, SimplePublicObjectInput(properties={"mobilephone": "(212) 555-0111"}))
    new = properties_of(hubspot, "contacts", created.id)
    assert (new["hs_calculated_phone_number"], new["hs_searchable_calculated_phone_number"]) == (
        "+442079460958",
        "2079460958",
    )
    assert new["hs_calculated_mobile_number"] == "+12125550111"

    contacts.update(created.id, SimplePublicObjectInput(properties={"mobilephone": ""}))
    assert "hs_calculated_mobile_number" not in properties_of(hubspot, "contacts", created.id)


def test_the_emulator_refuses_to_write_a_calculated_phone_property(hubspot: HubSpotEmulator) -> None:
    with pytest.raises(ContactsApiException) as raised:
        sdk(hubspot).crm.contacts.basic_api.update(
            seed.HS_CONTACT_KEN, SimplePublicObjectInput(properties={"hs_calculated_phone_number": "+1"})
        )

    assert raised.value.status == 400 and "READ_ONLY_VALUE" in raised.value.body


# --- create_task ----------------------------------------------------------------------------


def test_given_a_keyed_owner_task_when_created_again_then_the_first_task_is_found_not_a_second_made(
    hubspot: HubSpotEmulator,
) -> None:
    # Given a task created for a reply's key (the first attempt never heard back, say)
    first = gateway(hubspot).create_task(owner_task(key="task:SMcall7"))

    # When the retry creates it again, through a new gateway (a new container)
    again = gateway(hubspot).create_task(owner_task(key="task:SMcall7"))

    # Then it is the same task, keyed on the task property the SMS logs use; an unkeyed one is new
    assert again == first
    keyed = [
        t["id"]
        for t in hubspot.state()["tasks"]
        if t["properties"].get("textloop_message_sid") == "task:SMcall7"
    ]
    assert keyed == [first]
    assert gateway(hubspot).create_task(owner_task()) != first


def test_given_an_owner_task_on_a_deal_when_creating_then_a_todo_with_due_time_reminder_and_links(
    hubspot: HubSpotEmulator,
) -> None:
    task_id = gateway(hubspot).create_task(owner_task(reminder=DUE - timedelta(minutes=30)))

    task = stored(hubspot, "tasks", task_id)
    properties = properties_of(hubspot, "tasks", task_id)
    assert properties["hs_task_subject"] == "Call Maria back: she asked for a new quote"
    assert properties["hs_task_body"] == 'Maria replied "can we get 60 seats at the same price?"'
    assert (properties["hs_task_status"], properties["hs_task_priority"], properties["hs_task_type"]) == (
        "NOT_STARTED",
        "HIGH",
        "TODO",
    )
    assert properties["hs_timestamp"] == "2025-02-04T17:00:00.000Z"
    assert properties["hs_task_reminders"] == str(int(DUE_MS) - 30 * 60 * 1000)
    assert properties["hubspot_owner_id"] == seed.HS_OWNER_AVERY
    assert associations_of(task, "contacts") == [(seed.HS_CONTACT_MARIA, 204)]
    assert associations_of(task, "deals") == [(seed.HS_DEAL_INITECH, 216)]
    assert associations_of(stored(hubspot, "deals", seed.HS_DEAL_INITECH), "tasks") == [(task_id, 215)]


@pytest.mark.parametrize(
    ("priority", "expected"),
    [(TaskPriority.HIGH, "HIGH"), (TaskPriority.NORMAL, "MEDIUM"), (TaskPriority.LOW, "LOW")],
)
def test_given_a_priority_when_creating_then_the_hubspot_option(
    hubspot: HubSpotEmulator, priority: TaskPriority, expected: str
) -> None:
    task_id = gateway(hubspot).create_task(owner_task(priority=priority))

    assert properties_of(hubspot, "tasks", task_id)["hs_task_priority"] == expected


def test_given_a_task_on_a_ticket_when_creating_then_the_ticket_association(hubspot: HubSpotEmulator) -> None:
    task_id = gateway(hubspot).create_task(owner_task(record=SSO_TICKET, contact_id=seed.HS_CONTACT_RUTH))

    task = stored(hubspot, "tasks", task_id)
    assert associations_of(task, "tickets") == [(seed.HS_TICKET_SSO, 230)]
    assert associations_of(task, "contacts") == [(seed.HS_CONTACT_RUTH, 204)]


def test_given_no_reminder_owner_contact_or_record_when_creating_then_reminded_at_due_time_unassigned(
    hubspot: HubSpotEmulator,
) -> None:
    task_id = gateway(hubspot).create_task(owner_task(owner_id=None, contact_id=None, record=None))

    body = hubspot.requests[-1]["body"]
    assert isinstance(body, dict)
    assert body["associations"] == []
    assert body["properties"]["hs_task_reminders"] == DUE_MS
    assert "hubspot_owner_id" not in properties_of(hubspot, "tasks", task_id)
    assert gateway(hubspot).task_state(task_id) == TaskState(open=True)


def test_given_a_contact_that_does_not_exist_when_creating_then_crm_rejected(
    hubspot: HubSpotEmulator,
) -> None:
    with pytest.raises(CrmRejected):
        gateway(hubspot).create_task(owner_task(contact_id="404404"))

    assert hubspot.state()["tasks"] == []


def test_given_hubspot_failing_when_creating_then_crm_unavailable(hubspot: HubSpotEmulator) -> None:
    hubspot.fail_next.append((500, None))

    with pytest.raises(CrmUnavailable):
        gateway(hubspot).create_task(owner_task())


# --- log_sms on a contact alone, task_state -------------------------------------------------


def test_given_a_reply_without_conversation_when_logging_then_a_communication_on_the_contact_alone(
    hubspot: HubSpotEmulator,
) -> None:
    activity = SmsActivity(
        record=None,
        direction="inbound",
        body="Who is this?",
        phone="+15125550190",
        sid="SM00000000000000000000000000000002",
        at=DUE,
        contact_id=seed.HS_CONTACT_DIEGO,
        owner_id=None,
        subject="SMS received",
    )

    communication = stored(hubspot, "communications", gateway(hubspot).log_sms(activity))

    assert communication["associations"] == {
        "contacts": [
            {
                "id": seed.HS_CONTACT_DIEGO,
                "type": "communication_to_contact",
                "associationCategory": "HUBSPOT_DEFINED",
                "associationTypeId": 81,
            }
        ]
    }


def test_given_a_completed_task_when_asking_then_not_open_and_completed_when_hubspot_says(
    hubspot: HubSpotEmulator,
) -> None:
    task_id = gateway(hubspot).create_task(owner_task())
    before = datetime.now(UTC).replace(microsecond=0)
    hubspot.update_record("tasks", task_id, {"hs_task_status": "COMPLETED"})
    after = datetime.now(UTC)

    state = gateway(hubspot).task_state(task_id)

    assert not state.open and state.completed_at is not None
    assert before <= state.completed_at <= after
    completion = properties_of(hubspot, "tasks", task_id)["hs_task_completion_date"]
    assert state.completed_at == datetime.fromisoformat(completion)
    assert hubspot.requests[-1]["query"]["properties"] == [
        "hs_task_status",
        "hs_task_completion_date",
        "hs_lastmodifieddate",
    ]


def test_given_a_completed_task_without_a_completion_date_when_asking_then_its_last_change(
    hubspot: HubSpotEmulator,
) -> None:
    task_id = gateway(hubspot).create_task(owner_task())
    hubspot.update_record("tasks", task_id, {"hs_task_status": "COMPLETED", "hs_task_completion_date": ""})

    state = gateway(hubspot).task_state(task_id)

    modified = properties_of(hubspot, "tasks", task_id)["hs_lastmodifieddate"]
    assert state == TaskState(open=False, completed_at=datetime.fromisoformat(modified))


def test_given_a_completed_task_reopened_when_asking_then_open_without_completion(
    hubspot: HubSpotEmulator,
) -> None:
    task_id = gateway(hubspot).create_task(owner_task())
    hubspot.update_record("tasks", task_id, {"hs_task_status": "COMPLETED"})
    hubspot.update_record("tasks", task_id, {"hs_task_status": "IN_PROGRESS"})

    assert gateway(hubspot).task_state(task_id) == TaskState(open=True)
    assert "hs_task_completion_date" not in properties_of(hubspot, "tasks", task_id)


def test_given_a_deleted_task_when_asking_then_record_not_found(hubspot: HubSpotEmulator) -> None:
    with pytest.raises(RecordNotFound):
        gateway(hubspot).task_state("51870000404")


# --- flag_phone -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", list(PhoneStatus))
def test_given_a_flagged_number_when_flagging_then_the_contact_property_and_a_completed_task_say_why(
    hubspot: HubSpotEmulator, status: PhoneStatus
) -> None:
    gateway(hubspot).flag_phone(seed.HS_CONTACT_KEN, status, "Reply: 'wrong number, I am not Ken'")

    assert properties_of(hubspot, "contacts", seed.HS_CONTACT_KEN)["textloop_phone_status"] == status.value
    (task,) = hubspot.state()["tasks"]
    assert task["properties"]["hs_task_subject"] == f"SMS: number flagged {status.value}"
    assert task["properties"]["hs_task_body"] == "Reply: 'wrong number, I am not Ken'"
    assert task["properties"]["hs_task_status"] == "COMPLETED"
    assert associations_of(task, "contacts") == [(seed.HS_CONTACT_KEN, 204)]
    assert [(r["method"], r["path"]) for r in hubspot.requests] == [
        ("PATCH", f"/crm/v3/objects/contacts/{seed.HS_CONTACT_KEN}"),
        ("POST", "/crm/v3/objects/tasks"),
    ]


def test_given_an_unknown_contact_when_flagging_then_record_not_found_and_no_task(
    hubspot: HubSpotEmulator,
) -> None:
    with pytest.raises(RecordNotFound):
        gateway(hubspot).flag_phone("404404", PhoneStatus.LANDLINE, "Twilio error 30006")

    assert hubspot.state()["tasks"] == []


def test_given_a_server_error_when_flagging_then_crm_unavailable(hubspot: HubSpotEmulator) -> None:
    hubspot.fail_next.append((500, None))

    with pytest.raises(CrmUnavailable):
        gateway(hubspot).flag_phone(seed.HS_CONTACT_KEN, PhoneStatus.UNREACHABLE, "Twilio error 30003")

    assert "textloop_phone_status" not in properties_of(hubspot, "contacts", seed.HS_CONTACT_KEN)


def test_the_emulator_refuses_a_phone_status_outside_the_enumeration(hubspot: HubSpotEmulator) -> None:
    with pytest.raises(ContactsApiException) as raised:
        sdk(hubspot).crm.contacts.basic_api.update(
            seed.HS_CONTACT_KEN, SimplePublicObjectInput(properties={"textloop_phone_status": "maybe"})
        )

    assert raised.value.status == 400 and "INVALID_OPTION" in raised.value.body
