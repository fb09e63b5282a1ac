"""Use case: a vendor's "too many" slows the dispatcher down — the message waits as long as asked, on the
queue — and a retry never moves a message earlier than its cooldown or its deferral allows."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from tests.support.clock import Clock
from tests.support.events import deal_to_renewal_offer, opportunity_to_review
from tests.support.fakes import FakeCrm, FakeDeferrals, FakeSms, opportunity_context, renewal_context
from textloop.adapters.limits import ApiUsage, Redeliveries, Throttle, redelivery_delay, retry_after_header
from textloop.domain.errors import CrmUnavailable, SmsUnavailable
from textloop.domain.model import Outcome
from textloop.service_layer.dispatch import DEFERRAL_KEPT, Dispatcher

NIGHT_IN_BOSTON = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # Monday 22:00 EST
BOSTON_OPENS = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # Tuesday 08:00 EST


# --- the dispatcher: the wait travels with the result ---------------------------------------------


def test_given_twilio_asks_to_wait_when_a_batch_is_dispatched_then_the_event_is_retried_with_that_wait(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms
) -> None:
    crm.add(opportunity_context())
    sms.unavailable, sms.retry_after = 1, 7.0

    (result,) = dispatcher.dispatch_many([opportunity_to_review()])

    assert result.outcome is Outcome.RETRIED and result.redeliver
    assert redelivery_delay(result.details) == 7
    assert sms.sent == []


def test_given_a_throttled_send_when_redelivered_after_the_wait_then_sent_once(
    make_dispatcher: Callable[[], Dispatcher], crm: FakeCrm, sms: FakeSms, clock: Clock
) -> None:
    crm.add(opportunity_context())
    sms.unavailable, sms.retry_after = 2, 1.0
    event = opportunity_to_review()
    for _ in range(2):
        with pytest.raises(SmsUnavailable):
            make_dispatcher()(event)
        clock.advance(seconds=1)
    assert make_dispatcher()(event).outcome is Outcome.SENT
    assert make_dispatcher()(event).outcome is Outcome.DUPLICATE
    assert len(sms.sent) == 1


def test_given_a_deferred_message_redelivered_before_its_instant_when_nothing_holds_it_now_then_it_waits(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, deferrals: FakeDeferrals, clock: Clock
) -> None:
    # Given a marketing message deferred at night in Boston to the window's opening (08:00)
    clock.now = NIGHT_IN_BOSTON
    crm.add(renewal_context())
    first = dispatcher(deal_to_renewal_offer())
    assert first.outcome is Outcome.DEFERRED and first.details["not_before"] == "2026-11-24T13:00:00Z"
    # When the event is redelivered an hour later, and nothing would hold it back now
    # (the contact's time zone was corrected to Honolulu, where it is 18:00)
    clock.advance(hours=1)
    crm.add(renewal_context(time_zone="Pacific/Honolulu"))
    again = dispatcher(deal_to_renewal_offer())
    # Then it stays deferred to its instant: a retry never shortens a deferral
    assert (again.outcome, again.reason) == (Outcome.DEFERRED, DEFERRAL_KEPT)
    assert again.details["not_before"] == "2026-11-24T13:00:00Z"
    assert sms.sent == [] and len(deferrals.scheduled) == 1
    # And at its instant (the contact in Boston again) it goes, once
    clock.now = BOSTON_OPENS
    crm.add(renewal_context())
    assert dispatcher(deal_to_renewal_offer()).outcome is Outcome.SENT
    assert len(sms.sent) == 1


def test_given_a_retry_after_a_throttle_then_the_cooldown_still_counts_from_the_send(
    make_dispatcher: Callable[[], Dispatcher], crm: FakeCrm, sms: FakeSms, clock: Clock
) -> None:
    crm.add(opportunity_context())
    sms.unavailable, sms.retry_after = 1, 30.0
    event = opportunity_to_review()
    with pytest.raises(SmsUnavailable):
        make_dispatcher()(event)
    clock.advance(seconds=30)
    assert make_dispatcher()(event).outcome is Outcome.SENT
    # the same stage again within the rule's 7 days: still the cooldown
    clock.advance(days=6, hours=23)
    assert make_dispatcher()(opportunity_to_review()).reason == "cooldown"
    assert len(sms.sent) == 1


# --- the pieces ----------------------------------------------------------------------------------


def test_given_retry_after_headers_then_seconds_or_dates_are_read_and_a_default_otherwise() -> None:
    assert retry_after_header({"Retry-After": "7"}, 1.0) == 7.0
    assert retry_after_header({"retry-after": "2.5"}, 1.0) == 2.5
    later = (datetime.now(UTC) + timedelta(seconds=120)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 100 < retry_after_header({"Retry-After": later}, 1.0) <= 120
    assert retry_after_header({}, 1.5) == 1.5
    assert retry_after_header({"Retry-After": "soon"}, 1.5) == 1.5


def test_given_a_throttle_then_it_never_shortens_a_wait_already_running() -> None:
    now = [100.0]
    throttle = Throttle(clock=lambda: now[0])
    assert throttle.wait() is None
    throttle.block(10)
    throttle.block(2)
    assert throttle.wait() == 10
    now[0] += 10
    assert throttle.wait() is None


def test_given_salesforce_usage_above_its_share_then_calls_pause_then_one_probes() -> None:
    now = [0.0]
    usage = ApiUsage(share=0.9, pause=300, clock=lambda: now[0])
    usage.observe("api-usage=89999/100000")
    assert usage.wait() is None
    usage.observe("api-usage=90000/100000")
    assert usage.wait() == 300 and (usage.used, usage.limit) == (90000, 100000)
    now[0] += 300
    assert usage.wait() is None  # one call goes and reads the usage again
    usage.observe("per-app-api-usage=2/250000(appName=x)")  # no api-usage: nothing learnt
    assert usage.wait() is None
    with pytest.raises(ValueError, match="share"):
        ApiUsage(share=1.5)


def test_given_waits_of_every_shape_then_the_visibility_stays_within_sqs_bounds() -> None:
    assert redelivery_delay(SmsUnavailable("x", retry_after=0.2)) == 1
    assert redelivery_delay(CrmUnavailable("x", retry_after=10.0)) == 10
    assert redelivery_delay({"retry_after": "2.1"}) == 3
    assert redelivery_delay({"retry_after": "86400"}) == 43_200
    assert redelivery_delay(SmsUnavailable("x")) is None
    assert redelivery_delay({"retry_after": "later"}) is None


def test_given_a_delayed_message_then_the_queue_brings_it_back_only_after_its_wait(aws: object) -> None:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="trigger")["QueueUrl"]
    for body in ("throttled", "failed for another reason"):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)["Messages"]
    records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"]} for m in received]
    throttled = next(m["MessageId"] for m in received if m["Body"] == '"throttled"')
    later = Redeliveries(records)
    later.note(throttled, {"retry_after": "120"})
    later.note(throttled, {"retry_after": "30"})  # two events of one message: the longest wait
    later.note("not-in-this-batch", {"retry_after": "5"})

    assert later.delays == {throttled: 120}
    assert later.apply(sqs, url, [throttled]) == [throttled]  # still a failure: the queue brings it back
    back = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in back] == ['"failed for another reason"']  # the throttled one waits


def test_given_a_message_throttled_again_and_again_then_it_goes_back_as_a_fresh_copy_not_to_the_dlq(
    aws: object,
) -> None:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="trigger")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody='"event"')
    (message,) = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"]
    now_ms = int(datetime.now(UTC).timestamp() * 1000)

    def record(receives: int, sent_ms: int) -> dict[str, object]:
        attributes = {"ApproximateReceiveCount": str(receives), "SentTimestamp": str(sent_ms)}
        return {
            "messageId": "m",
            "receiptHandle": message["ReceiptHandle"],
            "body": '"event"',
            "attributes": attributes,
        }

    # its second receive: it waits by visibility, and stays a failure (the queue brings it back)
    early = Redeliveries([record(2, now_ms)])
    early.note("m", {"retry_after": "1"})
    assert early.apply(sqs, url, ["m"]) == ["m"] and early.requeued == []
    # its third: a fresh copy, delayed, carries when it was first sent; the original is acknowledged
    late = Redeliveries([record(3, now_ms)])
    late.note("m", {"retry_after": "1"})
    assert late.apply(sqs, url, ["m"]) == [] and late.requeued == ["m"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])  # as Lambda does, acknowledged
    copies: list[dict[str, object]] = []
    for _ in range(30):  # its DelaySeconds (1 s) first
        copies = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], WaitTimeSeconds=1).get(
            "Messages", []
        )
        if copies:
            break
    (copy,) = copies
    assert copy["Body"] == '"event"'
    assert copy["MessageAttributes"]["textloop_throttled_since"]["StringValue"] == str(now_ms // 1000)
    # throttled for more than a day: it fails like any other (dead-letter queue, alarm)
    stale = Redeliveries([record(4, now_ms - 2 * 86_400_000)])
    stale.note("m", {"retry_after": "1"})
    assert stale.apply(sqs, url, ["m"]) == ["m"]
