"""Use case: nothing is sent at an hour or a frequency the law or the recipient would object to —
and nothing is dropped: a held-back message is deferred, comes back on its schedule, is judged again
and goes once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tests.support.clock import Clock
from tests.support.events import deal_to_renewal_offer, opportunity_to_review
from tests.support.fakes import FakeCrm, FakeDeferrals, FakeSms, opportunity_context, renewal_context
from textloop.adapters.dynamodb import DynamoConsentLedger, DynamoEventOutcomes
from textloop.domain.caps import FrequencyCaps
from textloop.domain.errors import SmsUnavailable
from textloop.domain.model import Outcome, TriggerEvent
from textloop.domain.ports import ConsentChange, ConsentStatus
from textloop.schemas import deferred_body, parse_queue_body
from textloop.service_layer.dispatch import Dispatcher

NIGHT_IN_BOSTON = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # Monday 22:00 EST
BOSTON_OPENS = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # Tuesday 08:00 EST
MIAMI = "+13055550123"


def _fired(deferrals: FakeDeferrals) -> TriggerEvent:
    """What the schedule puts back on the trigger queue when it runs: the same event."""
    (deferral,) = deferrals.scheduled.values()
    (event,) = parse_queue_body(deferred_body(deferral.event))
    return event


def test_given_a_marketing_message_at_night_then_deferred_to_the_window_opening_with_its_audit(
    dispatcher: Dispatcher,
    crm: FakeCrm,
    sms: FakeSms,
    deferrals: FakeDeferrals,
    clock: Clock,
    outcomes: DynamoEventOutcomes,
) -> None:
    clock.now = NIGHT_IN_BOSTON
    crm.add(renewal_context())
    event = deal_to_renewal_offer()
    result = dispatcher(event)
    assert (result.outcome, result.reason) == (Outcome.DEFERRED, "quiet_hours_state:MA")
    assert result.details["not_before"] == "2026-11-24T13:00:00Z"
    assert result.details["held_by"] == ["quiet_hours_state:MA"]
    assert result.details["zones"] == ["America/New_York"] and result.details["purpose"] == "marketing"
    assert result.details["local_times"] == {"America/New_York": "2026-11-23T22:00:00-05:00"}
    assert sms.sent == []
    (deferral,) = deferrals.scheduled.values()
    assert deferral.not_before == BOSTON_OPENS and deferral.event_key == event.event_key
    recorded = outcomes.outcome(event.event_key)
    assert recorded is not None and recorded.outcome is Outcome.DEFERRED


def test_given_a_deferred_message_when_its_schedule_fires_at_the_opening_then_sent_once(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, deferrals: FakeDeferrals, clock: Clock
) -> None:
    clock.now = NIGHT_IN_BOSTON
    crm.add(renewal_context())
    dispatcher(deal_to_renewal_offer())
    clock.now = BOSTON_OPENS
    fired = _fired(deferrals)
    assert dispatcher(fired).outcome is Outcome.SENT
    assert dispatcher(fired).outcome is Outcome.DUPLICATE
    assert dispatcher(deal_to_renewal_offer()).outcome is Outcome.DUPLICATE  # the original, redelivered
    assert len(sms.sent) == 1 and len(crm.logged) == 1


def test_given_a_deferred_message_when_the_contact_opted_out_meanwhile_then_the_fired_event_is_refused(
    dispatcher: Dispatcher,
    crm: FakeCrm,
    sms: FakeSms,
    deferrals: FakeDeferrals,
    clock: Clock,
    consent: DynamoConsentLedger,
) -> None:
    clock.now = NIGHT_IN_BOSTON
    crm.add(renewal_context())
    dispatcher(deal_to_renewal_offer())
    consent.record(ConsentChange("+16175550142", ConsentStatus.OPTED_OUT, "twilio_inbound", "SM9", clock.now))
    clock.now = BOSTON_OPENS
    assert dispatcher(_fired(deferrals)).reason == "opted_out"
    assert sms.sent == []


def test_given_a_deferred_message_when_the_stage_moved_on_meanwhile_then_nothing_is_sent(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, deferrals: FakeDeferrals, clock: Clock
) -> None:
    clock.now = NIGHT_IN_BOSTON
    crm.add(renewal_context())
    dispatcher(deal_to_renewal_offer())
    moved = renewal_context()
    crm.add(replace(moved, fields={**moved.fields, "dealstage": "closedwon"}))
    clock.now = BOSTON_OPENS
    assert dispatcher(_fired(deferrals)).reason == "stage_changed_since"
    assert sms.sent == []


def test_given_the_original_event_is_redelivered_while_deferred_then_one_schedule_and_no_sms(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, deferrals: FakeDeferrals, clock: Clock
) -> None:
    clock.now = NIGHT_IN_BOSTON
    crm.add(renewal_context())
    results = [dispatcher(deal_to_renewal_offer()) for _ in range(3)]
    assert {r.outcome for r in results} == {Outcome.DEFERRED}
    assert len(deferrals.scheduled) == 1 and sms.sent == []
    other = dispatcher(deal_to_renewal_offer(event_id=2002))  # the same stage reached again
    assert other.reason == "cooldown"


def test_given_a_transactional_message_at_night_then_the_default_window_defers_it(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, clock: Clock
) -> None:
    clock.now = datetime(2026, 11, 24, 6, 30, tzinfo=UTC)  # 22:30 in San Francisco
    crm.add(opportunity_context())
    result = dispatcher(opportunity_to_review())
    assert (result.outcome, result.reason) == (Outcome.DEFERRED, "quiet_hours_default")
    assert result.details["not_before"] == "2026-11-24T16:00:00Z"  # 08:00 PST
    assert sms.sent == []


def test_given_the_recipients_own_time_zone_then_it_is_the_only_binding_zone(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, clock: Clock
) -> None:
    clock.now = NIGHT_IN_BOSTON  # 22:00 in Boston, but this contact lives in Honolulu: 17:00
    crm.add(renewal_context(time_zone="Pacific/Honolulu"))
    result = dispatcher(deal_to_renewal_offer())
    # Massachusetts (area code 617) still applies: 08-20 in the binding zone, Honolulu
    assert result.outcome is Outcome.SENT, result


def test_given_one_marketing_message_today_when_another_rule_fires_then_the_24h_cap_defers_it(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, clock: Clock
) -> None:
    crm.add(renewal_context("9101"))
    crm.add(renewal_context("9102"))
    assert dispatcher(deal_to_renewal_offer(9101, 1)).outcome is Outcome.SENT
    first_sent = clock.now
    clock.advance(hours=2)
    result = dispatcher(deal_to_renewal_offer(9102, 2))
    assert (result.outcome, result.reason) == (Outcome.DEFERRED, "frequency_cap_24h")
    assert datetime.fromisoformat(result.details["not_before"]) == first_sent.replace(day=24)  # 24 h later
    assert len(sms.sent) == 1


def test_given_marketing_messages_today_when_a_transactional_one_fires_then_it_is_counted_but_not_capped(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, clock: Clock
) -> None:
    crm.add(renewal_context("9101", phone="(415) 555-0132"))
    crm.add(opportunity_context())  # the same number, (415) 555-0132
    assert dispatcher(deal_to_renewal_offer(9101, 1)).outcome is Outcome.SENT
    clock.advance(minutes=10)
    assert dispatcher(opportunity_to_review()).outcome is Outcome.SENT
    assert len(sms.sent) == 2


def test_given_three_same_subject_messages_to_a_florida_number_then_the_state_cap_defers_the_fourth(
    make_dispatcher: Callable[[], Dispatcher], crm: FakeCrm, sms: FakeSms, clock: Clock
) -> None:
    dispatcher = replace(make_dispatcher(), caps=FrequencyCaps({}))  # Textloop's own caps off: the state's
    for n in range(4):
        crm.add(renewal_context(str(9200 + n), phone=MIAMI))
    for n in range(3):
        assert dispatcher(deal_to_renewal_offer(9200 + n, 10 + n)).outcome is Outcome.SENT
        clock.advance(minutes=30)
    result = dispatcher(deal_to_renewal_offer(9203, 13))
    assert (result.outcome, result.reason) == (Outcome.DEFERRED, "cap_24h:FL")
    assert result.details["states"] == ["FL"]
    assert datetime.fromisoformat(result.details["not_before"]) >= clock.now.replace(day=24)
    assert len(sms.sent) == 3


def test_given_the_crm_state_spelled_out_then_the_states_rules_apply(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, clock: Clock
) -> None:
    clock.now = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)  # Sunday 11:00 in Chicago
    crm.add(renewal_context(phone="+13125550123", state="Alabama"))  # a Chicago number, Alabama address
    result = dispatcher(deal_to_renewal_offer())
    assert (result.outcome, result.reason) == (Outcome.DEFERRED, "sunday:AL")
    assert result.details["states"] == ["AL"] and sms.sent == []


def test_given_a_send_that_failed_in_the_evening_when_retried_at_night_then_it_is_deferred_not_sent(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, deferrals: FakeDeferrals, clock: Clock
) -> None:
    # Given at 20:59:30 in San Francisco Twilio answers 429: the slot is left SENDING, the event retried
    clock.now = datetime(2026, 11, 24, 4, 59, 30, tzinfo=UTC)
    crm.add(opportunity_context())
    sms.unavailable = 1
    event = opportunity_to_review()
    with pytest.raises(SmsUnavailable):
        dispatcher(event)
    # When SQS redelivers it after 21:00 local
    clock.now = datetime(2026, 11, 24, 5, 2, tzinfo=UTC)
    result = dispatcher(event)
    # Then it is deferred to the next opening, never sent at night
    assert (result.outcome, result.reason) == (Outcome.DEFERRED, "quiet_hours_default")
    assert result.details["not_before"] == "2026-11-24T16:00:00Z" and sms.sent == []
    clock.now = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
    assert dispatcher(_fired(deferrals)).outcome is Outcome.SENT and len(sms.sent) == 1


def test_given_a_deferred_message_that_was_never_sent_then_the_next_stage_entry_is_not_blocked(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, deferrals: FakeDeferrals, clock: Clock
) -> None:
    # Given an offer deferred overnight whose deal moved on before the window opened
    clock.now = NIGHT_IN_BOSTON
    crm.add(renewal_context())
    dispatcher(deal_to_renewal_offer())
    moved = renewal_context()
    crm.add(replace(moved, fields={**moved.fields, "dealstage": "closedwon"}))
    clock.now = BOSTON_OPENS
    assert dispatcher(_fired(deferrals)).reason == "stage_changed_since"
    # When the deal re-enters the stage three days later
    crm.add(renewal_context())
    clock.advance(days=3)
    result = dispatcher(deal_to_renewal_offer(event_id=2099))
    # Then it is sent: the unsent deferral held the slot only until its instant
    assert result.outcome is Outcome.SENT and len(sms.sent) == 1
