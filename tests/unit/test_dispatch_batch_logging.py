"""Use case: a queue batch is dispatched at once and the SMS it sent are logged in bulk, idempotent by
their Twilio SID: one bulk log per CRM gateway, never a second activity for one message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from tests.support.clock import Clock
from tests.support.events import deal_to_contract_sent, opportunity_to_review
from tests.support.fakes import Crash, FakeCrm, FakeSms, deal_context, opportunity_context
from textloop.domain.model import OutboundSms, Outcome, SentSms, TriggerEvent
from textloop.service_layer.dispatch import Dispatcher

RECORDS = [f"006000000000{n:03d}AAA" for n in range(1, 11)]


def _opportunities(crm: FakeCrm) -> list[TriggerEvent]:
    """Ten opportunities reaching review, each with its own contact's number."""
    for n, record in enumerate(RECORDS, start=10):
        crm.add(opportunity_context(record, phone=f"(415) 555-01{n:02d}"))
    return [opportunity_to_review(record) for record in RECORDS]


def test_given_a_batch_of_ten_sends_when_dispatched_then_one_bulk_log_call_holds_all_ten(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms
) -> None:
    # Given ten changes in one queue batch
    events = _opportunities(crm)
    # When the batch is dispatched
    results = dispatcher.dispatch_many(events)
    # Then ten SMS went and one bulk call logged them, each result carrying its own activity
    assert [r.outcome for r in results] == [Outcome.SENT] * 10
    assert [r.event_key for r in results] == [e.event_key for e in events]
    assert crm.log_calls == [[sid for _, sid, _ in sms.sent]]
    assert crm.logged_sids() == [r.sid for r in results]
    assert len({r.activity_id for r in results}) == 10
    assert all(r.details["log"] == "logged" and not r.redeliver for r in results)


def test_given_a_batch_mixing_two_crms_when_dispatched_then_each_gateway_gets_one_bulk_log(
    make_dispatcher: Callable[[], Dispatcher], crm: FakeCrm, sms: FakeSms
) -> None:
    # Given a Salesforce gateway and a HubSpot gateway, and a batch with changes from both
    hubspot = FakeCrm()
    hubspot.add(deal_context())
    events = [*_opportunities(crm)[:2], deal_to_contract_sent()]
    dispatcher = replace(make_dispatcher(), crm=lambda name, _account: hubspot if name == "hubspot" else crm)
    # When it is dispatched
    results = dispatcher.dispatch_many(events)
    # Then one bulk log per gateway, each with its own messages only
    assert [r.outcome for r in results] == [Outcome.SENT] * 3
    assert crm.log_calls == [[results[0].sid, results[1].sid]]
    assert hubspot.log_calls == [[results[2].sid]]


def test_given_a_batch_with_events_that_send_nothing_then_only_the_sent_ones_are_logged_in_order(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms
) -> None:
    # Given a batch: a send, a record that does not exist, a copy of the first, another send
    events = _opportunities(crm)
    batch = [events[0], opportunity_to_review("006000000000999AAA"), events[0], events[1]]
    # When it is dispatched
    results = dispatcher.dispatch_many(batch)
    # Then each event has its own outcome in place (the copy answered after the first: a duplicate),
    # and the two SMS were logged in one call
    assert [r.outcome for r in results] == [Outcome.SENT, Outcome.SKIPPED, Outcome.DUPLICATE, Outcome.SENT]
    assert (results[1].reason, results[2].reason) == ("record_not_found", "already sent")
    assert results[2].sid == results[0].sid and not results[2].redeliver
    assert crm.log_calls == [[results[0].sid, results[3].sid]]
    assert len(sms.sent) == 2


def test_given_one_event_fails_for_now_when_the_batch_is_dispatched_then_only_it_is_retried(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given Twilio throttles the second send of the batch
    events = _opportunities(crm)[:3]
    asked: list[OutboundSms] = []
    send = sms.send

    def throttle_the_second(message: OutboundSms) -> SentSms:
        asked.append(message)
        sms.unavailable = 1 if len(asked) == 2 else 0
        return send(message)

    monkeypatch.setattr(sms, "send", throttle_the_second)
    # When the batch is dispatched
    results = dispatcher.dispatch_many(events)
    # Then the others went and were logged; the throttled one is retried (never recorded)
    assert [r.outcome for r in results] == [Outcome.SENT, Outcome.RETRIED, Outcome.SENT]
    assert results[1].reason == "sms_unavailable" and results[1].redeliver
    assert len(sms.sent) == 2
    assert crm.log_calls == [[results[0].sid, results[2].sid]]
    # And its redelivery sends it once
    assert dispatcher.dispatch_many([events[1]])[0].outcome is Outcome.SENT


def test_given_the_crm_created_the_activities_but_the_answer_was_lost_when_redelivered_then_none_is_created_twice(
    make_dispatcher: Callable[[], Dispatcher], crm: FakeCrm, sms: FakeSms, clock: Clock
) -> None:
    # Given the CRM creates the batch's activities and the process dies before reading the answer
    events = _opportunities(crm)[:3]
    crm.lose_log_answers = 1
    with pytest.raises(Crash):
        make_dispatcher().dispatch_many(events)
    # When the whole batch is redelivered after the lease
    clock.advance(minutes=3)
    results = make_dispatcher().dispatch_many(events)
    # Then nothing is sent again, the activities are found by their SIDs, not created again
    assert [r.outcome for r in results] == [Outcome.SENT] * 3
    assert all(r.details.get("log_found") is True for r in results)
    assert len(sms.sent) == 3 and len(crm.logged) == 3
    assert sorted(crm.logged_sids()) == sorted(r.sid for r in results)
    # And once more: all three are duplicates, and the CRM is not asked again
    assert [r.outcome for r in make_dispatcher().dispatch_many(events)] == [Outcome.DUPLICATE] * 3
    assert len(crm.log_calls) == 2


def test_given_a_single_event_through_call_then_it_is_a_batch_of_one(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms
) -> None:
    # Given one change, When dispatched alone, Then one bulk log call with its one SMS
    event = _opportunities(crm)[0]
    result = dispatcher(event)
    assert result.outcome is Outcome.SENT and crm.log_calls == [[result.sid]]
