"""Use case: the send slot is never replaced while its message may be going, whatever the rule's
cooldown (0 included), and a stage entry that already got its message is never texted again."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from tests.support.clock import Clock
from tests.support.events import one, opportunity_to_review, salesforce_change
from tests.support.fakes import Crash, FakeCrm, FakeSms, opportunity_context
from textloop.adapters.dynamodb import MESSAGE_TTL
from textloop.domain.errors import InProgress
from textloop.domain.model import DispatchResult, MessageContext, Outcome, TriggerEvent
from textloop.domain.ports import EventOutcomes
from textloop.domain.rules import RuleSet
from textloop.domain.watchlist import DEFAULT_TRIGGERS_FILE
from textloop.service_layer.dispatch import Dispatcher

RECORD = "006000000000001AAA"
ENTERED = "2026-11-23T19:00:00.000+0000"  # LastStageChangeDate: when the record entered the stage


def no_cooldown() -> RuleSet:
    """The default rules, each with a cooldown of 0 days."""
    data = json.loads(DEFAULT_TRIGGERS_FILE.read_text(encoding="utf-8"))
    for rule in data["rules"]:
        rule["cooldown_days"] = 0
    return RuleSet.model_validate(data)


def gap_event() -> TriggerEvent:
    """A Salesforce GAP_UPDATE for the record: no field values, the dispatcher re-reads it."""
    return one(salesforce_change("Opportunity", [RECORD], {}, change_type="GAP_UPDATE"))


def entered(at: str) -> MessageContext:
    context = opportunity_context(RECORD)
    return replace(context, fields={**context.fields, "LastStageChangeDate": at})


@pytest.fixture
def zero_cooldown(make_dispatcher: Callable[[], Dispatcher]) -> Callable[[], Dispatcher]:
    def build() -> Dispatcher:
        return replace(make_dispatcher(), rules=no_cooldown())

    return build


def test_given_a_zero_cooldown_and_a_slot_left_sending_when_another_change_comes_then_it_waits_and_nothing_is_sent_twice(
    zero_cooldown: Callable[[], Dispatcher], crm: FakeCrm, sms: FakeSms, clock: Clock
) -> None:
    # Given a first change whose delivery died after Twilio accepted the message (slot SENDING)
    crm.add(opportunity_context(RECORD))
    first, second = opportunity_to_review(RECORD), opportunity_to_review(RECORD)
    sms.crash_after_send = 1
    with pytest.raises(Crash):
        zero_cooldown()(first)
    clock.advance(seconds=1)  # the rule's cooldown (0) has passed
    # When a second change for the same rule, record and recipient comes, it may not take the slot
    with pytest.raises(InProgress):
        zero_cooldown()(second)
    assert len(sms.sent) == 1
    # Then the first one, redelivered after its lease, reconciles instead of sending again
    clock.advance(minutes=3)
    assert zero_cooldown()(first).outcome is Outcome.SENT
    assert len(sms.sent) == 1 and len(crm.logged) == 1
    # And the second, once the first is logged, has its own message (a cooldown of 0 allows it)
    clock.advance(seconds=1)
    assert zero_cooldown()(second).outcome is Outcome.SENT
    assert len(sms.sent) == 2


def test_given_a_zero_cooldown_and_a_slot_sent_but_not_logged_when_another_change_comes_then_it_is_not_sent(
    zero_cooldown: Callable[[], Dispatcher], crm: FakeCrm, sms: FakeSms, clock: Clock
) -> None:
    crm.add(opportunity_context(RECORD))
    crm.crash_on_log = 1
    with pytest.raises(Crash):
        zero_cooldown()(opportunity_to_review(RECORD))  # slot SENT, not logged
    clock.advance(minutes=3)
    with pytest.raises(InProgress):
        zero_cooldown()(opportunity_to_review(RECORD))
    assert len(sms.sent) == 1


def test_given_a_gap_event_after_the_cooldown_for_the_stage_entry_already_texted_then_it_is_not_texted_again(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, clock: Clock
) -> None:
    # Given the record was texted when it entered the stage
    crm.add(entered(ENTERED))
    assert dispatcher(opportunity_to_review(RECORD)).outcome is Outcome.SENT
    # When, after the cooldown, a GAP event makes the dispatcher re-read the record, still in that entry
    clock.advance(days=8)
    result = dispatcher(gap_event())
    # Then it is not texted again
    assert (result.outcome, result.reason) == (Outcome.SKIPPED, "stage_entry_already_texted")
    assert len(sms.sent) == 1


def test_given_a_gap_event_after_the_record_left_and_entered_the_stage_again_then_it_is_texted(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, clock: Clock
) -> None:
    crm.add(entered(ENTERED))
    assert dispatcher(opportunity_to_review(RECORD)).outcome is Outcome.SENT
    clock.advance(days=8)
    crm.add(entered("2026-11-30T10:00:00.000+0000"))  # a new entry into the same stage
    assert dispatcher(gap_event()).outcome is Outcome.SENT
    assert len(sms.sent) == 2


def test_given_a_stage_entry_texted_then_its_slot_is_kept_as_long_as_the_message_records(
    dispatcher: Dispatcher, crm: FakeCrm, aws: dict[str, str], clock: Clock
) -> None:
    # Given the record was texted for a dated stage entry (a 7-day cooldown)
    crm.add(entered(ENTERED))
    assert dispatcher(opportunity_to_review(RECORD)).outcome is Outcome.SENT
    # Then its slot outlives the cooldown (whose end would otherwise let it expire a day later), so a
    # GAP re-read weeks later still finds the entry it texted
    items = boto3.client("dynamodb").scan(TableName=aws["StateTable"])["Items"]
    (slot,) = [i for i in items if i["sk"]["S"] == "SLOT"]
    assert slot["pk"]["S"].startswith("SLOT#contract_final_review#") and slot["entry"]["S"]
    kept = datetime.fromtimestamp(int(slot["expires_at"]["N"]), UTC)
    assert kept >= clock.now + MESSAGE_TTL - timedelta(seconds=1)


@dataclass
class OutcomeReadTooEarly:
    """The event's outcome as a concurrent delivery saw it: read before the first one had finished."""

    outcomes: EventOutcomes

    def outcome(self, event_key: str) -> DispatchResult | None:
        return None

    def record_outcome(self, result: DispatchResult, at: datetime) -> None:
        self.outcomes.record_outcome(result, at)


def test_given_a_zero_cooldown_when_a_concurrent_redelivery_claims_after_the_first_was_logged_then_it_is_a_duplicate(
    zero_cooldown: Callable[[], Dispatcher], crm: FakeCrm, sms: FakeSms, clock: Clock
) -> None:
    crm.add(opportunity_context(RECORD))
    event = opportunity_to_review(RECORD)
    assert zero_cooldown()(event).outcome is Outcome.SENT
    clock.advance(seconds=1)
    late = zero_cooldown()
    late = replace(late, outcomes=OutcomeReadTooEarly(late.outcomes))
    result = late(event)
    assert (result.outcome, result.reason) == (Outcome.DUPLICATE, "already_sent")
    assert len(sms.sent) == 1
