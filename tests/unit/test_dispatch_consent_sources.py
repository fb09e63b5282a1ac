"""Use case: who may be texted at all — the consent ledger, the CRM's own flags, and the opt-in that
marketing needs (purpose per rule)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support.events import deal_to_renewal_offer, opportunity_to_review
from tests.support.fakes import FakeCrm, FakeSms, opportunity_context, renewal_context
from textloop.adapters.dynamodb import DynamoConsentLedger, DynamoEventOutcomes
from textloop.domain.model import MessageContext, Outcome, Person
from textloop.domain.ports import ConsentChange, ConsentStatus
from textloop.domain.rules import RuleSet
from textloop.service_layer.dispatch import Dispatcher

BOSTON = "+16175550142"


def _with_recipient(context: MessageContext, **changes: Any) -> MessageContext:
    assert context.recipient is not None
    return replace(context, recipient=replace(context.recipient, **changes))


def test_every_default_rule_declares_its_purpose() -> None:
    purposes = {r.name: r.purpose for r in RuleSet.load().rules}
    assert purposes == {
        "contract_final_review": "transactional",
        "ticket_closed": "transactional",
        "renewal_offer": "marketing",
        "renewal_window": "marketing",
        "contract_renewal": "marketing",
    }


@pytest.mark.parametrize(
    ("flags", "crm_flag"),
    [({"do_not_contact": True}, "do_not_call"), ({"sms_consent": "opted_out"}, "sms_consent=opted_out")],
)
def test_given_the_crm_flags_the_contact_when_a_transactional_trigger_fires_then_skipped_crm_opted_out(
    dispatcher: Dispatcher,
    crm: FakeCrm,
    sms: FakeSms,
    outcomes: DynamoEventOutcomes,
    flags: dict[str, object],
    crm_flag: str,
) -> None:
    crm.add(_with_recipient(opportunity_context(), **flags))
    event = opportunity_to_review()
    result = dispatcher(event)
    assert (result.outcome, result.reason) == (Outcome.SKIPPED, "crm_opted_out")
    assert sms.sent == []
    recorded = outcomes.outcome(event.event_key)
    assert recorded is not None and recorded.reason == "crm_opted_out"
    assert result.details["crm_flag"] == crm_flag and result.details["purpose"] == "transactional"


def test_given_a_marketing_rule_and_no_opt_in_anywhere_then_skipped_no_marketing_consent(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms
) -> None:
    crm.add(renewal_context(consent="unknown"))
    result = dispatcher(deal_to_renewal_offer())
    assert (result.outcome, result.reason) == (Outcome.SKIPPED, "no_marketing_consent")
    assert result.rule == "renewal_offer" and sms.sent == []


def test_given_an_opt_in_in_the_ledger_when_the_crm_field_is_unknown_then_marketing_sends(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, consent: DynamoConsentLedger
) -> None:
    crm.add(renewal_context(consent=""))
    consent.record(
        ConsentChange(BOSTON, ConsentStatus.OPTED_IN, "web_form", "form-77", datetime(2026, 1, 5, tzinfo=UTC))
    )
    assert dispatcher(deal_to_renewal_offer()).outcome is Outcome.SENT
    assert len(sms.sent) == 1


def test_given_the_crm_consent_field_opted_in_then_marketing_sends(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms
) -> None:
    crm.add(renewal_context(consent="opted_in"))
    result = dispatcher(deal_to_renewal_offer())
    assert result.outcome is Outcome.SENT and result.details["purpose"] == "marketing"


def test_given_a_stop_in_the_ledger_when_the_crm_still_says_opted_in_then_the_stop_wins(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, consent: DynamoConsentLedger
) -> None:
    crm.add(renewal_context(consent="opted_in"))
    consent.record(
        ConsentChange(
            BOSTON, ConsentStatus.OPTED_OUT, "twilio_inbound", "SM1", datetime(2026, 1, 5, tzinfo=UTC)
        )
    )
    assert dispatcher(deal_to_renewal_offer()).reason == "opted_out"
    assert sms.sent == []


def test_given_twilio_says_unsubscribed_then_the_ledger_and_the_crm_field_both_record_the_opt_out(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, consent: DynamoConsentLedger
) -> None:
    crm.add(opportunity_context(phone=BOSTON))
    sms.unsubscribed.add(BOSTON)
    assert dispatcher(opportunity_to_review()).reason == "opted_out"
    assert consent.status(BOSTON) is ConsentStatus.OPTED_OUT
    ((contact_id, status, note),) = crm.consent_writes
    assert (contact_id, status) == ("003000000000001AAA", ConsentStatus.OPTED_OUT) and "21610" in note


def test_person_consent_flags() -> None:
    assert Person("1", do_not_contact=True).crm_opted_out
    assert Person("1", sms_consent="opted_out").crm_opted_out
    assert Person("1", sms_consent="opted_in").crm_opted_in and not Person("1").crm_opted_in
