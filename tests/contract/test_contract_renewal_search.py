"""Salesforce Contracts as a renewal source, through simple-salesforce against the emulator: activated
contracts by EndDate (every page followed), the decision maker from the ContractContactRole in the rule's
role, else the contact who signed (CustomerSignedId), else the account's primary contact
(AccountContactRole); usage fields read from the account; the message logged on the contract."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from textloop.adapters.salesforce import SalesforceGateway
from textloop.domain.model import RecordRef, SmsActivity
from textloop.domain.ports import RenewalQuery
from textloop_local.emulators import SalesforceEmulator, seed

TODAY = datetime.now(UTC).date()
CONTRACT = RecordRef("salesforce", "contract", seed.SF_CONTRACT_SOYLENT)
USAGE = ["Status", "Name", "EndDate", "Account.Seats_Used__c", "Account.Seats_Purchased__c"]


def _sf(emulator: SalesforceEmulator) -> SalesforceGateway:
    return SalesforceGateway.connect(emulator.url, "local-sf-token", ca_bundle=str(emulator.ca_bundle_path))


def _starting(ends_in: int) -> dict[str, object]:
    """StartDate and ContractTerm of a contract ending in *ends_in* days (EndDate is calculated)."""
    dates = seed.contract_dates(ends_in, 12)
    return {"StartDate": dates["StartDate"], "ContractTerm": dates["ContractTerm"]}


def _query(days: int = 60) -> RenewalQuery:
    return RenewalQuery("contract", "Status", ("Activated",), "EndDate", TODAY, TODAY + timedelta(days=days))


def test_given_activated_contracts_when_searching_60_days_then_those_ending_inside_by_end_date(
    salesforce: SalesforceEmulator,
) -> None:
    # Given a draft contract ending inside the window too (not activated: not a renewal yet)
    draft = salesforce.create_record(
        "Contract",
        {"AccountId": seed.SF_ACCOUNT_SOYLENT, "Status": "Draft", **_starting(ends_in=20)},
    )

    found = list(_sf(salesforce).due_renewals(_query()))

    assert [(d.record_id, d.renewal_date) for d in found] == [
        (seed.SF_CONTRACT_SOYLENT, TODAY + timedelta(days=40))
    ]  # the one ending in 400 days and the draft are left out
    assert draft not in {d.record_id for d in found}
    soql = next(str(r["query"]["q"]) for r in salesforce.requests if "q" in (r["query"] or {}))
    assert "FROM Contract WHERE Status IN ('Activated') AND EndDate >= " in soql


def test_given_small_query_batches_when_searching_contracts_then_every_page_is_followed(
    salesforce: SalesforceEmulator,
) -> None:
    salesforce.query_page_size = 1

    found = list(_sf(salesforce).due_renewals(_query(500)))

    assert [d.record_id for d in found] == [seed.SF_CONTRACT_SOYLENT, seed.SF_CONTRACT_SOYLENT_LATER]
    assert any("/query/01gRM" in str(r.get("path")) for r in salesforce.requests)


def test_given_a_contract_when_its_end_date_is_read_then_salesforce_calculated_it_from_the_term(
    salesforce: SalesforceEmulator,
) -> None:
    # EndDate is StartDate + ContractTerm months, less a day; the API refuses to write it
    created = salesforce.create_record(
        "Contract", {"AccountId": seed.SF_ACCOUNT_SOYLENT, "StartDate": "2026-03-01", "ContractTerm": 12}
    )
    record = salesforce.state()["Contract"]
    assert next(c for c in record if c["Id"] == created)["EndDate"] == "2027-02-28"
    with pytest.raises(ValueError, match="EndDate"):
        salesforce.update_record("Contract", created, {"EndDate": "2030-01-01"})


def test_given_a_decision_maker_role_when_loading_then_that_contact_with_the_accounts_usage(
    salesforce: SalesforceEmulator,
) -> None:
    context = _sf(salesforce).load_context(CONTRACT, USAGE, recipient_role="Decision Maker")

    assert context.recipient is not None and context.recipient.crm_id == seed.SF_CONTACT_GRACE
    assert (context.recipient.role, context.recipient.sms_consent) == ("Decision Maker", "opted_in")
    assert (
        context.fields["Account.Seats_Used__c"] == 57 and context.fields["Account.Seats_Purchased__c"] == 60
    )
    assert context.fields["Status"] == "Activated" and context.fields["EndDate"] == seed.days_ahead(40)
    assert context.account_name == "Soylent Corp"
    assert context.owner is not None and context.owner.crm_id == seed.SF_USER_MARCUS


def test_given_nobody_in_the_role_when_loading_then_the_signer_else_the_accounts_primary_contact(
    salesforce: SalesforceEmulator,
) -> None:
    gateway = _sf(salesforce)

    signer = gateway.load_context(CONTRACT, ["Status"], recipient_role="Champion")
    assert signer.recipient is not None and signer.recipient.crm_id == seed.SF_CONTACT_IVAN

    # When nobody signed it either, the account's primary contact (its primary AccountContactRole)
    salesforce.update_record("Contract", seed.SF_CONTRACT_SOYLENT, {"CustomerSignedId": None})
    salesforce.update_record(
        "AccountContactRole", seed.SF_ACR_SOYLENT_IVAN, {"ContactId": seed.SF_CONTACT_GRACE}
    )
    primary = gateway.load_context(CONTRACT, ["Status"], recipient_role="Champion")
    assert primary.recipient is not None and primary.recipient.crm_id == seed.SF_CONTACT_GRACE
    assert primary.recipient.role == "Business User"  # her role on the account

    # And with no account contact role at all: no recipient (the dispatcher skips it: no_recipient)
    salesforce.update_record("AccountContactRole", seed.SF_ACR_SOYLENT_IVAN, {"IsPrimary": False})
    assert gateway.load_context(CONTRACT, ["Status"], recipient_role="Champion").recipient is None


def test_given_a_text_about_a_contract_when_logged_then_a_task_on_the_contract(
    salesforce: SalesforceEmulator,
) -> None:
    task_id = _sf(salesforce).log_sms(
        SmsActivity(
            record=CONTRACT,
            direction="outbound",
            body="Acme Cloud: Hi Grace, your Soylent Corp contract ends soon. Reply STOP to opt out.",
            phone="+17205550175",
            sid="SM" + "1" * 32,
            at=datetime.now(UTC),
            contact_id=seed.SF_CONTACT_GRACE,
            owner_id=seed.SF_USER_MARCUS,
            subject="",
        )
    )

    task = next(t for t in salesforce.state()["Task"] if t["Id"] == task_id)
    assert (task["WhatId"], task["WhoId"], task["Status"]) == (
        seed.SF_CONTRACT_SOYLENT,
        seed.SF_CONTACT_GRACE,
        "Completed",
    )
