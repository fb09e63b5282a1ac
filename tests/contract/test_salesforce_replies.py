"""SalesforceGateway for replies (find_contacts, create_task, flag_phone) against the Salesforce emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import unquote

import pytest
import requests
from simple_salesforce import Salesforce

from textloop.adapters.salesforce import SalesforceGateway, _sosl_escape
from textloop.domain.errors import CrmRejected, CrmUnavailable, RecordNotFound
from textloop.domain.model import OwnerTask, PhoneStatus, RecordRef, SmsActivity, TaskPriority, TaskState
from textloop_local.emulators import SalesforceEmulator, seed

ACME = RecordRef("salesforce", "opportunity", seed.SF_OPPORTUNITY_ACME)
EXPORT_CASE = RecordRef("salesforce", "case", seed.SF_CASE_EXPORT)
DUE = datetime(2025, 2, 4, 17, 0, tzinfo=UTC)


def gateway(emulator: SalesforceEmulator) -> SalesforceGateway:
    return SalesforceGateway.connect(emulator.url, "local-sf-token", ca_bundle=str(emulator.ca_bundle_path))


def client(emulator: SalesforceEmulator) -> Salesforce:
    session = requests.Session()
    session.trust_env = False
    session.verify = str(emulator.ca_bundle_path)
    return Salesforce(
        instance_url=emulator.url, session_id=emulator.access_token, version="62.0", session=session
    )


def owner_task(**changes: object) -> OwnerTask:
    values: dict[str, object] = {
        "crm": "salesforce",
        "subject": "Call Priya back: she asked for a new quote",
        "body": 'Priya replied "can we get 250 seats at the same price?"',
        "priority": TaskPriority.HIGH,
        "due": DUE,
        "owner_id": seed.SF_USER_DANA,
        "contact_id": seed.SF_CONTACT_PRIYA,
        "record": ACME,
    }
    values.update(changes)
    return OwnerTask(**values)  # type: ignore[arg-type]


def the_task(emulator: SalesforceEmulator, task_id: str) -> dict[str, object]:
    (task,) = [t for t in emulator.state()["Task"] if t["Id"] == task_id]
    return task


def contact(emulator: SalesforceEmulator, contact_id: str) -> dict[str, object]:
    (found,) = [c for c in emulator.state()["Contact"] if c["Id"] == contact_id]
    return found


# --- find_contacts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        ("(415) 555-0132", "MobilePhone"),
        ("+1 415.555.0132", "MobilePhone"),
        ("4155550132", "Phone"),
        ("+14155550132", "Phone"),
    ],
)
def test_given_a_number_typed_any_way_when_finding_by_e164_then_that_contact_with_its_owner(
    salesforce: SalesforceEmulator, typed: str, field: str
) -> None:
    salesforce.update_record("Contact", seed.SF_CONTACT_LENA, {"MobilePhone": None, field: typed})

    people = gateway(salesforce).find_contacts("+14155550132")

    assert [p.crm_id for p in people] == [seed.SF_CONTACT_PRIYA, seed.SF_CONTACT_LENA]
    lena = people[1]
    assert (lena.first_name, lena.last_name, lena.email) == ("Lena", "Ortiz", "lena.ortiz@acme.example.com")
    assert (lena.phone, lena.owner_id) == (typed, seed.SF_USER_DANA)


def test_given_a_contact_when_finding_then_one_sosl_phone_search(salesforce: SalesforceEmulator) -> None:
    people = gateway(salesforce).find_contacts("+14155550132")

    assert [(p.crm_id, p.phone, p.owner_id) for p in people] == [
        (seed.SF_CONTACT_PRIYA, "(415) 555-0132", seed.SF_USER_DANA)
    ]
    (call,) = salesforce.requests
    assert (call["method"], call["path"]) == ("GET", "/services/data/v62.0/search/")
    assert isinstance(call["query"], dict)
    assert unquote(str(call["query"]["q"])) == (
        "FIND {4155550132} IN PHONE FIELDS RETURNING "
        "Contact(Id, FirstName, LastName, MobilePhone, Phone, Email, OwnerId)"
    )


def test_given_a_number_on_two_contacts_when_finding_then_both(salesforce: SalesforceEmulator) -> None:
    people = gateway(salesforce).find_contacts("+14155550199")

    assert {(p.crm_id, p.phone) for p in people} == {
        (seed.SF_CONTACT_PRIYA, "+1 415 555 0199"),  # her office phone (her mobile is another number)
        (seed.SF_CONTACT_OMAR, "(415) 555-0199"),
    }


def test_given_no_contact_with_the_number_when_finding_then_an_empty_list(
    salesforce: SalesforceEmulator,
) -> None:
    assert gateway(salesforce).find_contacts("+13125550100") == []


def test_given_the_same_digits_in_another_country_when_finding_then_not_that_contact(
    salesforce: SalesforceEmulator,
) -> None:
    salesforce.update_record("Contact", seed.SF_CONTACT_LENA, {"MobilePhone": "+52 415 555 0132"})

    people = gateway(salesforce).find_contacts("+14155550132")

    assert [p.crm_id for p in people] == [seed.SF_CONTACT_PRIYA]
    assert [p.crm_id for p in gateway(salesforce).find_contacts("+524155550132")] == [seed.SF_CONTACT_LENA]


def test_given_an_alphanumeric_sender_when_finding_then_no_contact_and_no_call(
    salesforce: SalesforceEmulator,
) -> None:
    assert gateway(salesforce).find_contacts("ACMEBANK") == []
    assert salesforce.requests == []


def test_given_salesforce_failing_when_finding_then_crm_unavailable_without_the_number(
    salesforce: SalesforceEmulator,
) -> None:
    salesforce.fail_next.append((500, None))

    with pytest.raises(CrmUnavailable) as raised:
        gateway(salesforce).find_contacts("+14155550132")

    assert "4155550132" not in str(raised.value.details)


def test_sosl_reserved_characters_are_escaped() -> None:
    assert _sosl_escape('+1 (415) 555-0132 "x" {y}') == r"\+1 \(415\) 555\-0132 \"x\" \{y\}"


def test_the_emulator_phone_search_reads_escaped_terms_and_several_objects(
    salesforce: SalesforceEmulator,
) -> None:
    result = client(salesforce).search(
        r"FIND {\+1 \(206\) 555\-0110} IN PHONE FIELDS RETURNING Contact(Id), User(Id, Email) LIMIT 5"
    )

    assert result["searchRecords"] == [
        {
            "attributes": {
                "type": "User",
                "url": f"/services/data/v62.0/sobjects/User/{seed.SF_USER_MARCUS}",
            },
            "Id": seed.SF_USER_MARCUS,
            "Email": "marcus.okafor@example.com",
        }
    ]


# --- create_task ----------------------------------------------------------------------------


def test_given_an_owner_task_when_creating_then_an_open_task_with_due_date_reminder_and_links(
    salesforce: SalesforceEmulator,
) -> None:
    task_id = gateway(salesforce).create_task(owner_task(reminder=DUE - timedelta(minutes=30)))

    task = the_task(salesforce, task_id)
    assert task_id.startswith("00T")
    assert task["Subject"] == "Call Priya back: she asked for a new quote"
    assert task["Description"] == 'Priya replied "can we get 250 seats at the same price?"'
    assert (task["Status"], task["IsClosed"], task["Priority"]) == ("Not Started", False, "High")
    assert task["ActivityDate"] == "2025-02-04"
    assert (task["ReminderDateTime"], task["IsReminderSet"]) == ("2025-02-04T16:30:00.000Z", True)
    assert (task["OwnerId"], task["WhoId"], task["WhatId"]) == (
        seed.SF_USER_DANA,
        seed.SF_CONTACT_PRIYA,
        seed.SF_OPPORTUNITY_ACME,
    )


def test_given_a_keyed_owner_task_when_created_again_then_the_first_task_is_found_not_a_second_made(
    salesforce: SalesforceEmulator,
) -> None:
    # Given a task created for a reply's key (the first attempt never heard back, say)
    first = gateway(salesforce).create_task(owner_task(key="task:SMcall7"))

    # When the retry creates it again, through a new gateway (a new container)
    again = gateway(salesforce).create_task(owner_task(key="task:SMcall7"))

    # Then it is the same task, keyed on the Activity field the SMS logs use; an unkeyed one is new
    assert again == first
    keyed = [t for t in salesforce.state()["Task"] if t.get("Textloop_Message_Sid__c") == "task:SMcall7"]
    assert [t["Id"] for t in keyed] == [first]
    assert gateway(salesforce).create_task(owner_task()) != first


@pytest.mark.parametrize(
    ("priority", "expected"),
    [(TaskPriority.HIGH, "High"), (TaskPriority.NORMAL, "Normal"), (TaskPriority.LOW, "Low")],
)
def test_given_a_priority_when_creating_then_the_salesforce_picklist_value(
    salesforce: SalesforceEmulator, priority: TaskPriority, expected: str
) -> None:
    task_id = gateway(salesforce).create_task(owner_task(priority=priority))

    assert the_task(salesforce, task_id)["Priority"] == expected


def test_given_no_reminder_and_no_owner_contact_or_record_when_creating_then_reminded_at_due_time(
    salesforce: SalesforceEmulator,
) -> None:
    due = datetime(2025, 2, 4, 9, 0, tzinfo=timezone(timedelta(hours=-8)))

    task_id = gateway(salesforce).create_task(
        owner_task(due=due, owner_id=None, contact_id=None, record=None)
    )

    assert salesforce.requests[-1]["body"] == {
        "Subject": "Call Priya back: she asked for a new quote",
        "Description": 'Priya replied "can we get 250 seats at the same price?"',
        "Status": "Not Started",
        "Priority": "High",
        "ActivityDate": "2025-02-04",
        "ReminderDateTime": "2025-02-04T17:00:00.000Z",
        "IsReminderSet": True,
    }
    assert the_task(salesforce, task_id)["OwnerId"] is None


def test_given_a_task_on_a_case_when_creating_then_it_is_on_the_case(salesforce: SalesforceEmulator) -> None:
    task_id = gateway(salesforce).create_task(owner_task(record=EXPORT_CASE, contact_id=seed.SF_CONTACT_LENA))

    assert the_task(salesforce, task_id)["WhatId"] == seed.SF_CASE_EXPORT
    assert gateway(salesforce).task_state(task_id) == TaskState(open=True)


def test_given_an_owner_that_is_not_a_user_when_creating_then_crm_rejected(
    salesforce: SalesforceEmulator,
) -> None:
    with pytest.raises(CrmRejected) as raised:
        gateway(salesforce).create_task(owner_task(owner_id=seed.SF_CONTACT_TOM))

    assert raised.value.details["codes"] == ["FIELD_INTEGRITY_EXCEPTION"]
    assert salesforce.state()["Task"] == []


def test_the_emulator_refuses_a_task_priority_outside_the_picklist(salesforce: SalesforceEmulator) -> None:
    with pytest.raises(Exception, match="INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"):
        client(salesforce).Task.create({"Subject": "x", "Priority": "Urgent", "Status": "Not Started"})


def test_given_salesforce_unavailable_when_creating_then_crm_unavailable(
    salesforce: SalesforceEmulator,
) -> None:
    salesforce.fail_next.append((503, "SERVER_UNAVAILABLE"))

    with pytest.raises(CrmUnavailable):
        gateway(salesforce).create_task(owner_task())


# --- log_sms on a contact alone, task_state -------------------------------------------------


def test_given_a_reply_without_conversation_when_logging_then_a_task_on_the_contact_alone(
    salesforce: SalesforceEmulator,
) -> None:
    activity = SmsActivity(
        record=None,
        direction="inbound",
        body="Who is this?",
        phone="+14155550199",
        sid="SM00000000000000000000000000000001",
        at=DUE,
        contact_id=seed.SF_CONTACT_OMAR,
        owner_id=None,
        subject="SMS received: Who is this?",
    )

    task = the_task(salesforce, gateway(salesforce).log_sms(activity))

    assert (task["WhoId"], task["WhatId"], task["Status"]) == (seed.SF_CONTACT_OMAR, None, "Completed")


def test_given_a_completed_task_when_asking_then_not_open_and_completed_when_salesforce_says(
    salesforce: SalesforceEmulator,
) -> None:
    task_id = gateway(salesforce).create_task(owner_task())
    before = datetime.now(UTC).replace(microsecond=0)
    salesforce.update_record("Task", task_id, {"Status": "Completed"})
    after = datetime.now(UTC)

    state = gateway(salesforce).task_state(task_id)

    assert not state.open and state.completed_at is not None
    assert before <= state.completed_at <= after
    stored = the_task(salesforce, task_id)["CompletedDateTime"]
    assert state.completed_at == datetime.fromisoformat(str(stored))
    assert salesforce.requests[-1]["path"] == f"/services/data/v62.0/sobjects/Task/{task_id}"


def test_given_a_completed_task_reopened_when_asking_then_open_without_completion(
    salesforce: SalesforceEmulator,
) -> None:
    task_id = gateway(salesforce).create_task(owner_task())
    salesforce.update_record("Task", task_id, {"Status": "Completed"})
    salesforce.update_record("Task", task_id, {"Status": "In Progress"})

    assert gateway(salesforce).task_state(task_id) == TaskState(open=True)
    assert the_task(salesforce, task_id)["CompletedDateTime"] is None


def test_given_a_deleted_task_when_asking_then_record_not_found(salesforce: SalesforceEmulator) -> None:
    with pytest.raises(RecordNotFound):
        gateway(salesforce).task_state("00T000000000404AAA")


def test_the_emulator_refuses_a_completion_instant_written_by_the_client(
    salesforce: SalesforceEmulator,
) -> None:
    with pytest.raises(Exception, match="INVALID_FIELD_FOR_INSERT_UPDATE"):
        client(salesforce).Task.create(
            {"Subject": "x", "Status": "Completed", "CompletedDateTime": "2026-01-01T00:00:00.000+0000"}
        )


# --- flag_phone -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", list(PhoneStatus))
def test_given_a_flagged_number_when_flagging_then_the_contact_field_and_a_completed_task_say_why(
    salesforce: SalesforceEmulator, status: PhoneStatus
) -> None:
    gateway(salesforce).flag_phone(seed.SF_CONTACT_TOM, status, "Reply: 'wrong number, I am not Tom'")

    assert contact(salesforce, seed.SF_CONTACT_TOM)["SMS_Phone_Status__c"] == status.value
    (task,) = salesforce.state()["Task"]
    assert task["Subject"] == f"SMS: number flagged {status.value}"
    assert task["Description"] == "Reply: 'wrong number, I am not Tom'"
    assert (task["WhoId"], task["Status"], task["IsClosed"]) == (seed.SF_CONTACT_TOM, "Completed", True)
    assert [(r["method"], r["path"]) for r in salesforce.requests] == [
        ("PATCH", f"/services/data/v62.0/sobjects/Contact/{seed.SF_CONTACT_TOM}"),
        ("POST", "/services/data/v62.0/sobjects/Task/"),
    ]


def test_given_an_unknown_contact_when_flagging_then_record_not_found_and_no_task(
    salesforce: SalesforceEmulator,
) -> None:
    with pytest.raises(RecordNotFound):
        gateway(salesforce).flag_phone("0035e00000ZzZzZAAF", PhoneStatus.LANDLINE, "Twilio error 30006")

    assert salesforce.state()["Task"] == []


def test_given_a_server_error_when_flagging_then_crm_unavailable(salesforce: SalesforceEmulator) -> None:
    salesforce.fail_next.append((500, None))

    with pytest.raises(CrmUnavailable):
        gateway(salesforce).flag_phone(seed.SF_CONTACT_TOM, PhoneStatus.UNREACHABLE, "Twilio error 30003")

    assert contact(salesforce, seed.SF_CONTACT_TOM)["SMS_Phone_Status__c"] is None


def test_the_emulator_refuses_a_phone_status_outside_the_picklist(salesforce: SalesforceEmulator) -> None:
    with pytest.raises(ValueError, match="restricted picklist"):
        salesforce.update_record("Contact", seed.SF_CONTACT_TOM, {"SMS_Phone_Status__c": "maybe"})
