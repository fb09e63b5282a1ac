"""Use case: one CRM change produces at most one SMS, whatever the queue and the process do."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.support.clock import Clock
from tests.support.delivery import deliver_three_times
from tests.support.events import deal_to_contract_sent, opportunity_to_review
from tests.support.fakes import Crash, FakeCrm, FakeSms, deal_context, opportunity_context
from textloop.domain.errors import InProgress, SmsUnavailable
from textloop.domain.model import Outcome
from textloop.service_layer.dispatch import Dispatcher


def test_given_sqs_redelivers_an_event_three_times_then_one_sms_and_two_duplicates(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms
) -> None:
    crm.add(opportunity_context())
    event = opportunity_to_review()
    outcomes = deliver_three_times(dispatcher, event)
    assert len(sms.sent) == 1 and len(crm.logged) == 1
    assert outcomes == [Outcome.SENT, Outcome.DUPLICATE, Outcome.DUPLICATE]


def test_given_hubspot_sends_the_same_change_under_new_event_ids_then_the_cooldown_suppresses_it(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms
) -> None:
    crm.add(deal_context())
    results = [dispatcher(deal_to_contract_sent(event_id=n)) for n in (1, 2, 3)]
    assert len(sms.sent) == 1
    assert [(r.outcome, r.reason) for r in results[1:]] == [(Outcome.SKIPPED, "cooldown")] * 2


def test_given_the_cooldown_window_has_passed_when_the_stage_is_reached_again_then_it_sends_again(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, clock: Clock
) -> None:
    crm.add(opportunity_context())
    dispatcher(opportunity_to_review())
    clock.advance(days=6)
    assert dispatcher(opportunity_to_review()).reason == "cooldown"
    clock.advance(days=1, seconds=1)
    assert dispatcher(opportunity_to_review()).outcome is Outcome.SENT
    assert len(sms.sent) == 2


def test_given_a_crash_after_twilio_accepted_when_redelivered_then_nothing_is_sent_again_and_logging_finishes(
    make_dispatcher: Callable[[], Dispatcher], crm: FakeCrm, sms: FakeSms, clock: Clock
) -> None:
    # Given the process dies after Twilio accepted the message, before we recorded its sid
    crm.add(opportunity_context())
    event = opportunity_to_review()
    sms.crash_after_send = 1
    with pytest.raises(Crash):
        make_dispatcher()(event)
    # When SQS redelivers it before the lease ran out, the slot's holder is presumed alive: retry later
    with pytest.raises(InProgress):
        make_dispatcher()(event)
    # And when it is redelivered after the lease, the provider is asked instead of sending again
    clock.advance(minutes=3)
    result = make_dispatcher()(event)
    assert result.outcome is Outcome.SENT and result.sid == sms.sent[0][1]
    assert len(sms.sent) == 1 and len(crm.logged) == 1


def test_given_a_crash_between_sending_and_logging_when_redelivered_then_only_the_logging_is_done(
    make_dispatcher: Callable[[], Dispatcher], crm: FakeCrm, sms: FakeSms, clock: Clock
) -> None:
    crm.add(opportunity_context())
    crm.crash_on_log = 1
    event = opportunity_to_review()
    with pytest.raises(Crash):
        make_dispatcher()(event)
    clock.advance(minutes=3)
    assert make_dispatcher()(event).outcome is Outcome.SENT
    assert make_dispatcher()(event).outcome is Outcome.DUPLICATE
    assert len(sms.sent) == 1 and len(crm.logged) == 1


def test_given_twilio_is_throttling_when_the_retry_comes_then_it_sends_once(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms
) -> None:
    crm.add(opportunity_context())
    sms.unavailable = 1
    event = opportunity_to_review()
    with pytest.raises(SmsUnavailable):
        dispatcher(event)  # the queue redelivers it
    assert dispatcher(event).outcome is Outcome.SENT
    assert len(sms.sent) == 1
