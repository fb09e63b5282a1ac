"""Use case: the SMS went but its CRM log failed. The outcome says sent with the log pending, SmsSent
counts once, the slot stays SENT and the queue brings the message back to log it (idempotent by SID),
then LOGGED; a log the CRM refuses for good ends as sent with the log failed, recorded, never retried."""

from __future__ import annotations

from collections.abc import Callable

from tests.support.clock import Clock
from tests.support.events import opportunity_to_review
from tests.support.fakes import FakeCrm, FakeSms, opportunity_context
from textloop.adapters.dynamodb import DynamoEventOutcomes
from textloop.domain.errors import CrmUnavailable, RecordNotFound
from textloop.domain.model import LOG_PENDING, DispatchResult, Outcome
from textloop.service_layer.dispatch import Dispatcher


def _sms_sent_counted(results: list[DispatchResult]) -> int:
    """How many times ``observe`` emits SmsSent for these results (once per SENT outcome)."""
    return sum(1 for r in results if r.outcome is Outcome.SENT)


def test_given_the_crm_log_fails_for_now_then_sent_with_log_pending_and_the_message_comes_back(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, outcomes: DynamoEventOutcomes
) -> None:
    # Given the CRM answers 503 to the log
    crm.add(opportunity_context())
    crm.log_errors = [CrmUnavailable("Salesforce answered 503")]
    event = opportunity_to_review()
    # When the change is dispatched
    result = dispatcher.dispatch_many([event])[0]
    # Then the SMS went: sent, log pending, to be redelivered; recorded as such
    assert (result.outcome, result.reason, result.details["log"]) == (
        Outcome.SENT,
        "log_pending",
        LOG_PENDING,
    )
    assert result.details["log_error"] == "crm_unavailable" and result.redeliver
    assert result.sid and not result.activity_id
    recorded = outcomes.outcome(event.event_key)
    assert recorded is not None and (recorded.outcome, recorded.reason) == (Outcome.SENT, "log_pending")
    assert len(sms.sent) == 1 and crm.logged == []


def test_given_a_pending_log_when_redelivered_then_only_the_log_runs_and_sms_sent_counts_once(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, outcomes: DynamoEventOutcomes
) -> None:
    # Given a message sent whose log failed for now
    crm.add(opportunity_context())
    crm.log_errors = [CrmUnavailable("Salesforce answered 503")]
    event = opportunity_to_review()
    first = dispatcher.dispatch_many([event])[0]
    # When the queue brings it back (the lease was given back: at once)
    again = dispatcher.dispatch_many([event])[0]
    # Then nothing is sent again, the log is written, and the delivery is a duplicate (no second SmsSent)
    assert (again.outcome, again.reason, again.details["log"]) == (
        Outcome.DUPLICATE,
        "log_completed",
        "logged",
    )
    assert not again.redeliver and again.sid == first.sid and again.activity_id
    assert len(sms.sent) == 1 and crm.logged_sids() == [first.sid]
    assert _sms_sent_counted([first, again]) == 1
    # And the event's outcome is sent and logged; a further delivery is a plain duplicate
    recorded = outcomes.outcome(event.event_key)
    assert recorded is not None and (recorded.outcome, recorded.reason) == (Outcome.SENT, "")
    assert dispatcher.dispatch_many([event])[0].reason == "already sent"
    assert len(crm.log_calls) == 2


def test_given_the_log_keeps_failing_then_each_redelivery_only_retries_the_log(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms
) -> None:
    # Given the CRM is down for the first three deliveries (SQS' maxReceiveCount: then the DLQ)
    crm.add(opportunity_context())
    crm.log_errors = [CrmUnavailable("Salesforce answered 503") for _ in range(3)]
    event = opportunity_to_review()
    # When the event is delivered three times
    results = [dispatcher.dispatch_many([event])[0] for _ in range(3)]
    # Then one SMS, SmsSent once, and every delivery asks to come back with its log pending
    assert [r.outcome for r in results] == [Outcome.SENT, Outcome.DUPLICATE, Outcome.DUPLICATE]
    assert all(r.redeliver and r.details["log"] == LOG_PENDING for r in results)
    assert len(sms.sent) == 1 and _sms_sent_counted(results) == 1 and crm.logged == []


def test_given_a_message_dead_lettered_with_its_log_pending_when_redriven_later_then_the_log_is_finished(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, clock: Clock
) -> None:
    # Given the event reached the DLQ after three deliveries whose log failed
    crm.add(opportunity_context())
    crm.log_errors = [CrmUnavailable("Salesforce answered 429") for _ in range(3)]
    event = opportunity_to_review()
    for _ in range(3):
        assert dispatcher.dispatch_many([event])[0].redeliver
    # When `textloop redrive` puts the same body back on the queue a day later
    clock.advance(days=1)
    redriven = dispatcher.dispatch_many([event])[0]
    # Then only the log runs, once, and the message is done
    assert (redriven.outcome, redriven.reason) == (Outcome.DUPLICATE, "log_completed")
    assert not redriven.redeliver and len(sms.sent) == 1 and len(crm.logged) == 1


def test_given_the_record_was_deleted_then_sent_with_log_failed_recorded_and_never_retried(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, outcomes: DynamoEventOutcomes
) -> None:
    # Given the opportunity was deleted in the CRM between the read and the log
    crm.add(opportunity_context())
    crm.log_errors = [RecordNotFound("salesforce:opportunity:006000000000001AAA does not exist")]
    event = opportunity_to_review()
    # When the change is dispatched
    result = dispatcher.dispatch_many([event])[0]
    # Then the SMS went; the log failed for good: recorded, acknowledged, not retried
    assert (result.outcome, result.reason, result.details["log"]) == (Outcome.SENT, "log_failed", "failed")
    assert result.details["log_error"] == "record_not_found" and not result.redeliver
    recorded = outcomes.outcome(event.event_key)
    assert recorded is not None and (recorded.outcome, recorded.reason) == (Outcome.SENT, "log_failed")
    assert dispatcher.dispatch_many([event])[0].outcome is Outcome.DUPLICATE
    assert len(crm.log_calls) == 1 and len(sms.sent) == 1


def test_given_one_log_of_a_batch_fails_then_only_that_message_comes_back(
    make_dispatcher: Callable[[], Dispatcher], crm: FakeCrm, sms: FakeSms
) -> None:
    # Given two messages in a batch, and the CRM refusing the first log for now
    crm.add(opportunity_context("006000000000001AAA", phone="(415) 555-0110"))
    crm.add(opportunity_context("006000000000002AAA", phone="(415) 555-0111"))
    events = [opportunity_to_review("006000000000001AAA"), opportunity_to_review("006000000000002AAA")]
    crm.log_errors = [CrmUnavailable("UNABLE_TO_LOCK_ROW")]
    # When the batch is dispatched
    results = make_dispatcher().dispatch_many(events)
    # Then both were sent; only the first asks to come back
    assert [r.outcome for r in results] == [Outcome.SENT, Outcome.SENT]
    assert [r.redeliver for r in results] == [True, False]
    assert crm.logged_sids() == [results[1].sid]


def test_given_the_record_changed_before_the_redelivery_then_the_pending_log_is_still_written_without_reading_it(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms
) -> None:
    # Given a message sent whose log failed for now
    crm.add(opportunity_context())
    crm.log_errors = [CrmUnavailable("Salesforce answered 503")]
    event = opportunity_to_review()
    first = dispatcher.dispatch_many([event])[0]
    reads = len(crm.loads)
    # When the opportunity moves on (the rule no longer matches) before the queue brings the message back
    crm.add(opportunity_context(stage="Closed Won"))
    again = dispatcher.dispatch_many([event])[0]
    # Then the SMS that went is still logged, from its slot alone: no CRM read, no rule judged again
    assert (again.outcome, again.reason) == (Outcome.DUPLICATE, "log_completed")
    assert crm.logged_sids() == [first.sid] and len(crm.loads) == reads and len(sms.sent) == 1


def test_given_the_crm_asks_to_wait_before_the_log_then_the_pending_result_carries_the_wait(
    dispatcher: Dispatcher, crm: FakeCrm
) -> None:
    # Given HubSpot's 10-second limit answers the log with Retry-After 10
    crm.add(opportunity_context())
    crm.log_errors = [CrmUnavailable("HubSpot answered 429", retry_after=10.0)]
    # When the change is dispatched
    result = dispatcher.dispatch_many([opportunity_to_review()])[0]
    # Then the message comes back no sooner than asked (the handler sets its visibility from it)
    assert result.redeliver and result.details["retry_after"] == 10.0
