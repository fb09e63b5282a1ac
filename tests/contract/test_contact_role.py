"""The contact's role, what a rule's ``contact.role`` condition tests: Salesforce's OpportunityContactRole
``Role``, HubSpot's ``hs_buying_role`` contact property."""

from __future__ import annotations

from textloop.adapters.hubspot import HubSpotGateway
from textloop.adapters.salesforce import SalesforceGateway
from textloop.domain.model import RecordRef
from textloop_local.emulators import HubSpotEmulator, SalesforceEmulator, seed


def test_given_an_opportunity_when_loading_then_the_recipient_carries_its_contact_role(
    salesforce: SalesforceEmulator,
) -> None:
    gateway = SalesforceGateway.connect(
        salesforce.url, "local-sf-token", ca_bundle=str(salesforce.ca_bundle_path)
    )

    context = gateway.load_context(RecordRef("salesforce", "opportunity", seed.SF_OPPORTUNITY_ACME), ["Name"])

    assert context.recipient is not None and context.recipient.crm_id == seed.SF_CONTACT_PRIYA
    assert context.recipient.role == "Decision Maker"  # her primary OpportunityContactRole


def test_given_a_deal_whose_contact_has_a_buying_role_when_loading_then_the_recipient_carries_it(
    hubspot: HubSpotEmulator,
) -> None:
    gateway = HubSpotGateway.connect("local-hubspot-token", base_url=hubspot.url)
    deal = RecordRef("hubspot", "deal", seed.HS_DEAL_INITECH)
    assert (recipient := gateway.load_context(deal, ["dealname"]).recipient) is not None
    assert recipient.role == ""  # none recorded

    hubspot.update_record("contacts", seed.HS_CONTACT_MARIA, {"hs_buying_role": "BUDGET_HOLDER"})

    recipient = gateway.load_context(deal, ["dealname"]).recipient
    assert recipient is not None and recipient.role == "BUDGET_HOLDER"
