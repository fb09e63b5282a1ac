"""The renewal scanner's CRM reads through the real SDKs against the emulators: the due records (dates
compared, every page followed) and the renewal's decision maker as the recipient."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from textloop.adapters import hubspot as hubspot_adapter
from textloop.adapters.hubspot import HubSpotGateway
from textloop.adapters.salesforce import SalesforceGateway
from textloop.domain.model import RecordRef
from textloop.domain.ports import RenewalQuery
from textloop_local.emulators import HubSpotEmulator, SalesforceEmulator, seed

TODAY = datetime.now(UTC).date()


def _sf(emulator: SalesforceEmulator) -> SalesforceGateway:
    return SalesforceGateway.connect(emulator.url, "local-sf-token", ca_bundle=str(emulator.ca_bundle_path))


def _query(object_type: str, field: str, equals: str, date_field: str, days: int = 60) -> RenewalQuery:
    return RenewalQuery(object_type, field, (equals,), date_field, TODAY, TODAY + timedelta(days=days))


def test_given_renewal_opportunities_when_searching_60_days_then_those_inside_by_close_date(
    salesforce: SalesforceEmulator,
) -> None:
    found = list(_sf(salesforce).due_renewals(_query("opportunity", "Type", "Renewal", "CloseDate")))

    assert [(d.record_id, d.renewal_date) for d in found] == [
        (seed.SF_OPPORTUNITY_ACME_RENEWAL, TODAY + timedelta(days=25)),
        (seed.SF_OPPORTUNITY_GLOBEX_RENEWAL, TODAY + timedelta(days=50)),
    ]  # ordered by CloseDate; the one in 200 days and the non-renewal types are left out


def test_given_small_query_batches_when_searching_then_every_page_is_followed(
    salesforce: SalesforceEmulator,
) -> None:
    salesforce.query_page_size = 1

    found = list(_sf(salesforce).due_renewals(_query("opportunity", "Type", "Renewal", "CloseDate", 365)))

    assert len(found) == 3
    assert any("/query/01gRM" in str(r.get("path")) for r in salesforce.requests)


def test_given_a_decision_maker_role_when_loading_then_that_contact_else_the_primary(
    salesforce: SalesforceEmulator,
) -> None:
    record = RecordRef("salesforce", "opportunity", seed.SF_OPPORTUNITY_ACME_RENEWAL)
    gateway = _sf(salesforce)

    with_role = gateway.load_context(record, ["Name"], recipient_role="Decision Maker")
    without = gateway.load_context(record, ["Name"])
    nobody_in_role = gateway.load_context(record, ["Name"], recipient_role="Champion")

    assert with_role.recipient is not None and with_role.recipient.crm_id == seed.SF_CONTACT_LENA
    assert without.recipient is not None and without.recipient.crm_id == seed.SF_CONTACT_PRIYA
    assert nobody_in_role.recipient is not None and nobody_in_role.recipient.crm_id == seed.SF_CONTACT_PRIYA


def test_given_closed_won_deals_when_searching_then_those_renewing_within_the_window(
    hubspot: HubSpotEmulator,
) -> None:
    found = list(
        HubSpotGateway.connect("local-hubspot-token", base_url=hubspot.url).due_renewals(
            _query("deal", "dealstage", "closedwon", "renewal_date")
        )
    )

    assert [(d.record_id, d.renewal_date) for d in found] == [
        (seed.HS_DEAL_INITECH_RENEWAL, TODAY + timedelta(days=28))
    ]


def test_given_one_result_per_page_when_searching_then_paged_with_after(
    hubspot: HubSpotEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hubspot_adapter, "_SEARCH_PAGE", 1)
    monkeypatch.setattr(hubspot_adapter, "_SEARCH_INTERVAL", 0)

    found = list(
        HubSpotGateway.connect("local-hubspot-token", base_url=hubspot.url).due_renewals(
            _query("deal", "dealstage", "closedwon", "renewal_date", 365)
        )
    )

    assert {d.record_id for d in found} == {seed.HS_DEAL_INITECH_RENEWAL, seed.HS_DEAL_UMBRELLA_RENEWAL}
    assert all(isinstance(d.renewal_date, date) for d in found)


def test_given_a_decision_maker_label_when_loading_then_that_contact_else_the_first(
    hubspot: HubSpotEmulator,
) -> None:
    record = RecordRef("hubspot", "deal", seed.HS_DEAL_INITECH_RENEWAL)
    gateway = HubSpotGateway.connect("local-hubspot-token", base_url=hubspot.url)

    labelled = gateway.load_context(record, ["dealname"], recipient_role="Decision maker")
    first = gateway.load_context(record, ["dealname"])

    assert labelled.recipient is not None and labelled.recipient.crm_id == seed.HS_CONTACT_RUTH
    assert first.recipient is not None and first.recipient.crm_id == seed.HS_CONTACT_MARIA
