"""SalesforceGateway (simple-salesforce over HTTPS) against the Salesforce emulator."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from urllib.parse import unquote

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from textloop.adapters.salesforce import SalesforceGateway
from textloop.domain.errors import CrmRejected, CrmUnavailable, RecordNotFound
from textloop.domain.model import RecordRef, SmsActivity
from textloop_local.emulators import SalesforceEmulator, seed

ACME = RecordRef("salesforce", "opportunity", seed.SF_OPPORTUNITY_ACME)
GLOBEX = RecordRef("salesforce", "opportunity", seed.SF_OPPORTUNITY_GLOBEX)
EXPORT_CASE = RecordRef("salesforce", "case", seed.SF_CASE_EXPORT)
NO_PHONE_CASE = RecordRef("salesforce", "case", seed.SF_CASE_NO_PHONE)
OPPORTUNITY_FIELDS = ["Name", "StageName", "Contract_Signing_URL__c"]


def gateway(emulator: SalesforceEmulator, token: str = "local-sf-token") -> SalesforceGateway:
    return SalesforceGateway.connect(emulator.url, token, ca_bundle=str(emulator.ca_bundle_path))


def client(emulator: SalesforceEmulator) -> Salesforce:
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
    session.verify = str(emulator.ca_bundle_path)
    return Salesforce(
        instance_url=emulator.url, session_id=emulator.access_token, version="62.0", session=session
    )


def soql_of(entry: dict[str, object]) -> str:
    query = entry["query"]
    assert isinstance(query, dict)
    return unquote(str(query["q"]))


def activity(record: RecordRef, **changes: object) -> SmsActivity:
    values: dict[str, object] = {
        "record": record,
        "direction": "outbound",
        "body": "Hi Priya, Dana from Textloop: the contract for Acme Corp — 200 seats is ready: https://sign.example.com",
        "phone": "+14155550132",
        "sid": "SM0123456789abcdef0123456789abcdef",
        "at": datetime(2025, 2, 3, 17, 45, tzinfo=UTC),
        "contact_id": seed.SF_CONTACT_PRIYA,
        "owner_id": seed.SF_USER_DANA,
        "subject": "",
    }
    values.update(changes)
    return SmsActivity(**values)  # type: ignore[arg-type]


# --- load_context ---------------------------------------------------------------------------


def test_given_an_opportunity_with_a_primary_contact_when_loading_then_fields_mobile_owner_and_account(
    salesforce: SalesforceEmulator,
) -> None:
    context = gateway(salesforce).load_context(ACME, OPPORTUNITY_FIELDS)

    assert context.fields == {
        "Name": "Acme Corp — 200 seats",
        "StageName": "Proposal/Price Quote",
        "Contract_Signing_URL__c": "https://sign.example.com/envelopes/acme-200-seats",
    }
    assert context.recipient is not None
    assert context.recipient.crm_id == seed.SF_CONTACT_PRIYA  # the primary role, not Lena
    assert context.recipient.phone == "(415) 555-0132"  # MobilePhone wins over Phone
    assert (context.recipient.first_name, context.recipient.last_name) == ("Priya", "Raman")
    assert context.owner is not None
    assert (context.owner.crm_id, context.owner.first_name) == (seed.SF_USER_DANA, "Dana")
    assert context.account_name == "Acme Corporation"


def test_given_an_opportunity_when_loading_then_three_api_calls_one_get_two_soql(
    salesforce: SalesforceEmulator,
) -> None:
    gateway(salesforce).load_context(ACME, OPPORTUNITY_FIELDS)

    calls = [(r["method"], r["path"]) for r in salesforce.requests]
    assert calls == [
        ("GET", f"/services/data/v62.0/sobjects/Opportunity/{seed.SF_OPPORTUNITY_ACME}"),
        ("GET", "/services/data/v62.0/query/"),
        ("GET", "/services/data/v62.0/query/"),
    ]
    role_query = soql_of(salesforce.requests[2])
    assert "FROM OpportunityContactRole" in role_query
    assert f"OpportunityId = '{seed.SF_OPPORTUNITY_ACME}' AND IsPrimary = true" in role_query


def test_given_a_contact_with_an_office_phone_only_when_loading_then_that_phone(
    salesforce: SalesforceEmulator,
) -> None:
    context = gateway(salesforce).load_context(GLOBEX, OPPORTUNITY_FIELDS)

    assert context.recipient is not None
    assert (context.recipient.crm_id, context.recipient.phone) == (seed.SF_CONTACT_TOM, "+1 617-555-0142")
    assert context.owner is not None and context.owner.crm_id == seed.SF_USER_MARCUS


def test_given_no_primary_contact_role_when_loading_then_no_recipient(salesforce: SalesforceEmulator) -> None:
    salesforce.update_record("OpportunityContactRole", seed.SF_OCR_GLOBEX_TOM, {"IsPrimary": False})

    context = gateway(salesforce).load_context(GLOBEX, OPPORTUNITY_FIELDS)

    assert context.recipient is None
    assert context.fields["Name"] == "Globex renewal"


def test_given_a_case_when_loading_then_its_contact_owner_and_two_calls(
    salesforce: SalesforceEmulator,
) -> None:
    context = gateway(salesforce).load_context(EXPORT_CASE, ["Subject", "Status", "Help_Article_URL__c"])

    assert context.fields == {
        "Subject": "Cannot export reports",
        "Status": "Working",
        "Help_Article_URL__c": "https://help.example.com/articles/export-reports",
    }
    assert context.recipient is not None
    assert (context.recipient.crm_id, context.recipient.phone) == (seed.SF_CONTACT_LENA, "202.555.0123")
    assert context.owner is not None and context.owner.first_name == "Marcus"
    assert len(salesforce.requests) == 2


def test_given_a_case_whose_contact_has_no_phone_when_loading_then_a_recipient_without_phone(
    salesforce: SalesforceEmulator,
) -> None:
    context = gateway(salesforce).load_context(NO_PHONE_CASE, ["Subject"])

    assert context.recipient is not None
    assert (context.recipient.crm_id, context.recipient.phone) == (seed.SF_CONTACT_SAM, "")


def test_given_a_field_the_record_lacks_when_loading_then_it_is_none(salesforce: SalesforceEmulator) -> None:
    context = gateway(salesforce).load_context(NO_PHONE_CASE, ["Help_Article_URL__c"])

    assert context.fields == {"Help_Article_URL__c": None}


def test_given_a_prebuilt_client_when_loading_then_it_is_used(salesforce: SalesforceEmulator) -> None:
    context = SalesforceGateway(client(salesforce)).load_context(ACME, ["Name"])

    assert context.fields == {"Name": "Acme Corp — 200 seats"}


# --- errors ---------------------------------------------------------------------------------


def test_given_an_unknown_record_when_loading_then_record_not_found(salesforce: SalesforceEmulator) -> None:
    missing = RecordRef("salesforce", "opportunity", "0065e00000ZzZzZAAF")

    with pytest.raises(RecordNotFound):
        gateway(salesforce).load_context(missing, ["Name"])


@pytest.mark.parametrize(
    ("status", "code"),
    [(403, "REQUEST_LIMIT_EXCEEDED"), (500, "UNKNOWN_EXCEPTION"), (503, "SERVER_UNAVAILABLE")],
)
def test_given_salesforce_overloaded_or_failing_when_loading_then_crm_unavailable(
    salesforce: SalesforceEmulator, status: int, code: str
) -> None:
    salesforce.fail_next.append((status, code))

    with pytest.raises(CrmUnavailable) as raised:
        gateway(salesforce).load_context(ACME, ["Name"])

    assert raised.value.details["status"] == status


def test_given_an_invalid_session_when_loading_then_crm_unavailable(salesforce: SalesforceEmulator) -> None:
    with pytest.raises(CrmUnavailable):
        gateway(salesforce, token="expired").load_context(ACME, ["Name"])


def test_given_salesforce_unreachable_when_loading_then_crm_unavailable(tls_workdir: object) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    unreachable = SalesforceGateway.connect(f"https://127.0.0.1:{port}", "local-sf-token")

    with pytest.raises(CrmUnavailable):
        unreachable.load_context(ACME, ["Name"])


# --- log_sms --------------------------------------------------------------------------------


def test_given_an_outbound_sms_when_logging_then_a_completed_task_on_the_record(
    salesforce: SalesforceEmulator,
) -> None:
    task_id = gateway(salesforce).log_sms(activity(ACME))

    (task,) = salesforce.state()["Task"]
    assert task["Id"] == task_id and task_id.startswith("00T") and len(task_id) == 18
    assert task["WhoId"] == seed.SF_CONTACT_PRIYA
    assert task["WhatId"] == seed.SF_OPPORTUNITY_ACME
    assert task["OwnerId"] == seed.SF_USER_DANA
    assert task["Subject"] == "SMS sent: Hi Priya, Dana from Textloop: the contra"  # 40 characters
    assert (task["Status"], task["Priority"], task["IsClosed"]) == ("Completed", "Normal", True)
    assert task["ActivityDate"] == "2025-02-03"
    assert task["Description"].startswith("Hi Priya, Dana from Textloop")
    assert "Outbound SMS · Twilio SID SM0123456789abcdef0123456789abcdef" in task["Description"]
    assert task["Textloop_Message_Sid__c"] == "SM0123456789abcdef0123456789abcdef"  # the idempotency key
    assert salesforce.requests[-1]["path"] == "/services/data/v62.0/composite/sobjects"


def test_given_an_inbound_sms_with_a_subject_when_logging_then_that_subject(
    salesforce: SalesforceEmulator,
) -> None:
    gateway(salesforce).log_sms(
        activity(
            EXPORT_CASE,
            direction="inbound",
            body="Thanks, fixed!",
            subject="SMS received: Thanks, fixed!",
            contact_id=seed.SF_CONTACT_LENA,
            owner_id=None,
        )
    )

    (task,) = salesforce.state()["Task"]
    assert task["Subject"] == "SMS received: Thanks, fixed!"
    assert task["WhatId"] == seed.SF_CASE_EXPORT
    assert "Inbound SMS" in task["Description"]
    assert salesforce.requests[-1]["body"]["records"] == [  # type: ignore[index]
        {
            "attributes": {"type": "Task"},
            "Subject": "SMS received: Thanks, fixed!",
            "Description": "Thanks, fixed!\n\nInbound SMS · Twilio SID SM0123456789abcdef0123456789abcdef",
            "Status": "Completed",
            "Priority": "Normal",
            "ActivityDate": "2025-02-03",
            "Textloop_Message_Sid__c": "SM0123456789abcdef0123456789abcdef",
            "WhatId": seed.SF_CASE_EXPORT,
            "WhoId": seed.SF_CONTACT_LENA,
        }
    ]


def test_given_a_who_id_that_is_not_a_contact_when_logging_then_skip(salesforce: SalesforceEmulator) -> None:
    with pytest.raises(CrmRejected) as raised:
        gateway(salesforce).log_sms(activity(ACME, contact_id=seed.SF_ACCOUNT_ACME))

    assert raised.value.details["codes"] == ["FIELD_INTEGRITY_EXCEPTION"]
    assert salesforce.state()["Task"] == []


def test_given_a_server_error_when_logging_then_crm_unavailable(salesforce: SalesforceEmulator) -> None:
    salesforce.fail_next.append((500, None))

    with pytest.raises(CrmUnavailable):
        gateway(salesforce).log_sms(activity(ACME))


# --- the emulator's SOQL subset and UI edits --------------------------------------------------


def test_soql_in_order_by_desc_and_limit(salesforce: SalesforceEmulator) -> None:
    result = client(salesforce).query(
        "SELECT Id, LastName FROM Contact WHERE LastName IN ('Raman', 'Ortiz', 'Becker') "
        "ORDER BY LastName DESC LIMIT 2"
    )

    assert result["totalSize"] == 2
    assert [r["LastName"] for r in result["records"]] == ["Raman", "Ortiz"]
    assert result["records"][0]["attributes"]["type"] == "Contact"


def test_soql_equality_is_case_insensitive_and_handles_escaped_quotes(salesforce: SalesforceEmulator) -> None:
    sf = client(salesforce)
    salesforce.update_record("Contact", seed.SF_CONTACT_SAM, {"LastName": "O'Noel"})

    assert sf.query("SELECT Id FROM Case WHERE Status = 'working'")["totalSize"] == 1
    found = sf.query("SELECT Id, Name FROM Contact WHERE LastName = 'O\\'Noel' AND AccountId != null")
    assert [r["Name"] for r in found["records"]] == ["Sam O'Noel"]


def test_soql_relationship_fields_follow_lookups(salesforce: SalesforceEmulator) -> None:
    result = client(salesforce).query(
        f"SELECT Owner.Email, Account.Name FROM Opportunity WHERE Id = '{seed.SF_OPPORTUNITY_GLOBEX[:15]}'"
    )

    (row,) = result["records"]
    assert row["Owner"]["Email"] == "marcus.okafor@example.com"
    assert row["Account"]["Name"] == "Globex Corporation"


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT Nope FROM Contact", "INVALID_FIELD"),
        ("SELECT Id FROM Contact WHERE LastName LIKE 'R%'", "MALFORMED_QUERY"),
        ("SELECT Id FROM Widget__c", "INVALID_TYPE"),
    ],
)
def test_soql_errors_come_back_as_salesforce_errors(
    salesforce: SalesforceEmulator, soql: str, code: str
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as raised:
        client(salesforce).query(soql)

    assert isinstance(raised.value.content, list)
    assert raised.value.content[0]["errorCode"] == code


def test_update_record_returns_the_changed_fields_and_derives_flags(salesforce: SalesforceEmulator) -> None:
    changed = salesforce.update_record(
        "Opportunity", seed.SF_OPPORTUNITY_GLOBEX, {"StageName": "Closed Won", "Amount": 120000.0}
    )

    assert changed == ["StageName"]
    (globex,) = [o for o in salesforce.state()["Opportunity"] if o["Id"] == seed.SF_OPPORTUNITY_GLOBEX]
    assert (globex["IsClosed"], globex["IsWon"]) == (True, True)
    with pytest.raises(ValueError, match="restricted picklist"):
        salesforce.update_record("Opportunity", seed.SF_OPPORTUNITY_GLOBEX, {"StageName": "Maybe"})


def test_responses_carry_the_api_usage_header(salesforce: SalesforceEmulator) -> None:
    sf = client(salesforce)
    sf.query("SELECT Id FROM User")

    assert sf.api_usage["api-usage"].used == 1
    assert sf.api_usage["api-usage"].total == 100_000
