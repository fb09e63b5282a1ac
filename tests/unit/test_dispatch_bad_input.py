"""Use case: bad input is skipped with an auditable reason, never sent broken, never lost."""

from __future__ import annotations

import json

import pytest

from tests.support.events import opportunity_to_review, salesforce_change
from tests.support.fakes import FakeCrm, FakeSms, opportunity_context
from textloop.adapters.dynamodb import DynamoConsentLedger, DynamoEventOutcomes
from textloop.domain import errors
from textloop.domain.model import Outcome
from textloop.domain.ports import ConsentChange, ConsentStatus
from textloop.schemas import parse_queue_body
from textloop.service_layer.dispatch import Dispatcher


@pytest.mark.parametrize(
    ("phone", "reason"),
    [("", "invalid_phone"), ("555-01", "invalid_phone"), ("not a number", "invalid_phone")],
)
def test_given_a_missing_or_invalid_phone_then_skipped_with_the_reason(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, outcomes: DynamoEventOutcomes, phone: str, reason: str
) -> None:
    crm.add(opportunity_context(phone=phone))
    event = opportunity_to_review()
    result = dispatcher(event)
    assert (result.outcome, result.reason) == (Outcome.SKIPPED, reason)
    assert sms.sent == []
    recorded = outcomes.outcome(event.event_key)
    assert recorded is not None and recorded.reason == reason  # auditable


def test_given_a_missing_merge_field_then_nothing_is_sent_with_a_broken_template(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms
) -> None:
    crm.add(opportunity_context(link=None))  # no signing link and the rule has no default
    result = dispatcher(opportunity_to_review())
    assert (result.outcome, result.reason) == (Outcome.SKIPPED, "missing_merge_field")
    assert "link" in result.details["detail"]
    assert sms.sent == []


def test_given_a_blank_first_name_then_it_counts_as_missing(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms
) -> None:
    crm.add(opportunity_context(first_name=""))
    assert dispatcher(opportunity_to_review()).reason == "missing_merge_field"
    assert sms.sent == []


def test_given_a_record_the_crm_no_longer_has_then_skipped_record_not_found(
    dispatcher: Dispatcher, sms: FakeSms
) -> None:
    result = dispatcher(opportunity_to_review("006000000000404AAA"))
    assert (result.outcome, result.reason) == (Outcome.SKIPPED, "record_not_found")


def test_given_an_unknown_stage_then_the_event_is_ignored_without_asking_the_crm(
    dispatcher: Dispatcher, crm: FakeCrm
) -> None:
    event = parse_queue_body(
        json.dumps(salesforce_change("Opportunity", ["006A"], {"StageName": "Mystery"}))
    )[0]
    result = dispatcher(event)
    assert (result.outcome, result.reason) == (Outcome.IGNORED, "no_matching_rule")
    assert crm.loads == []


def test_given_the_stage_moved_on_before_we_read_it_then_nothing_is_sent(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms
) -> None:
    crm.add(opportunity_context(stage="Closed Won"))
    assert dispatcher(opportunity_to_review()).reason == "stage_changed_since"
    assert sms.sent == []


def test_given_a_gap_event_then_the_record_is_reread_and_the_rule_applied_to_its_values(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms
) -> None:
    crm.add(opportunity_context())
    body = salesforce_change("Opportunity", ["006000000000001AAA"], {}, change_type="GAP_UPDATE")
    (event,) = parse_queue_body(json.dumps(body))
    assert dispatcher(event).outcome is Outcome.SENT
    assert len(sms.sent) == 1 and crm.loads


def test_given_gap_overflow_then_it_is_recorded_and_counted_not_dropped(
    dispatcher: Dispatcher, outcomes: DynamoEventOutcomes
) -> None:
    body = salesforce_change("Opportunity", [], {}, change_type="GAP_OVERFLOW")
    (event,) = parse_queue_body(json.dumps(body))
    result = dispatcher(event)
    assert (result.outcome, result.reason) == (Outcome.SKIPPED, "gap_overflow")
    assert outcomes.outcome(event.event_key) is not None


def test_given_an_opted_out_number_then_it_is_refused(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, consent: DynamoConsentLedger, clock: object
) -> None:
    crm.add(opportunity_context())
    consent.record(ConsentChange("+14155550132", ConsentStatus.OPTED_OUT, "twilio_inbound", "SM1", clock()))  # type: ignore[operator]
    result = dispatcher(opportunity_to_review())
    assert (result.outcome, result.reason) == (Outcome.SKIPPED, "opted_out")
    assert sms.sent == []


def test_given_twilio_says_21610_then_the_number_is_opted_out_and_the_next_trigger_refused(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, consent: DynamoConsentLedger
) -> None:
    crm.add(opportunity_context())
    sms.unsubscribed.add("+14155550132")
    result = dispatcher(opportunity_to_review())
    assert (result.outcome, result.reason) == (Outcome.SKIPPED, "opted_out")
    assert consent.is_opted_out("+14155550132")
    crm.add(opportunity_context("006000000000002AAA"))
    assert dispatcher(opportunity_to_review("006000000000002AAA")).reason == "opted_out"


def test_given_an_unparseable_queue_message_then_an_auditable_skip_is_recorded(
    dispatcher: Dispatcher, outcomes: DynamoEventOutcomes
) -> None:
    with pytest.raises(errors.MalformedEvent) as problem:
        parse_queue_body("{not json")
    result = dispatcher.skip("sqs:m-1", problem.value)
    assert (result.outcome, result.reason) == (Outcome.SKIPPED, "malformed_event")
    recorded = outcomes.outcome("sqs:m-1")
    assert recorded is not None and recorded.reason == "malformed_event"


def test_given_21610_again_after_the_contact_opted_back_in_then_the_opt_out_is_recorded_again(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, consent: DynamoConsentLedger, clock: object
) -> None:
    crm.add(opportunity_context())
    crm.add(opportunity_context("006000000000002AAA"))
    sms.unsubscribed.add("+14155550132")
    dispatcher(opportunity_to_review())
    clock.advance(minutes=1)  # type: ignore[attr-defined]
    consent.record(
        ConsentChange("+14155550132", ConsentStatus.OPTED_IN, "twilio_inbound", "SMstart", clock())
    )  # type: ignore[operator]
    clock.advance(minutes=1)  # type: ignore[attr-defined]
    assert dispatcher(opportunity_to_review("006000000000002AAA")).reason == "opted_out"
    assert consent.is_opted_out("+14155550132")
