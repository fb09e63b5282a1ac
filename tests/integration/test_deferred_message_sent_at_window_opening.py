"""Use case: a marketing message triggered at night is deferred through EventBridge Scheduler (moto,
real API calls) and sent once when the window opens — with a controlled clock, the local stack's
schedule firer, and the trigger queue in between, as in AWS."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3

from tests.support.clock import Clock
from tests.support.events import deal_to_renewal_offer
from tests.support.fakes import FakeCrm, FakeSms, renewal_context
from textloop.adapters.dynamodb import (
    DynamoConsentLedger,
    DynamoConversations,
    DynamoEventOutcomes,
    DynamoSendSlots,
)
from textloop.adapters.scheduler import SchedulerDeferrals
from textloop.domain.model import Outcome
from textloop.domain.ports import SlotState
from textloop.domain.rules import RuleSet
from textloop.schemas import deferred_body, parse_queue_body
from textloop.service_layer.dispatch import Dispatcher
from textloop_local.scheduler import ScheduleFirer

NIGHT = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 22:00 in Boston
OPENING = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # 08:00 in Boston


def test_given_a_night_time_marketing_message_then_it_is_sent_at_the_window_opening_once(
    aws: dict[str, str],
) -> None:
    # Given the stack's queue, tables and schedule group, and a clock at night in Boston
    clock = Clock()
    clock.now = NIGHT
    sqs, scheduler = boto3.client("sqs"), boto3.client("scheduler")
    queue_url = aws["TriggerQueue"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    group = f"deferrals-{aws['StateTable'][-8:]}"
    scheduler.create_schedule_group(Name=group)
    crm, sms = FakeCrm(), FakeSms(clock=clock)
    crm.add(renewal_context())
    dynamodb = boto3.client("dynamodb")
    slots = DynamoSendSlots(aws["StateTable"], dynamodb)
    dispatcher = Dispatcher(
        rules=RuleSet.load(),
        crm=lambda _crm, _account: crm,
        sms=sms,
        outcomes=DynamoEventOutcomes(aws["StateTable"], dynamodb),
        slots=slots,
        conversations=DynamoConversations(aws["StateTable"], dynamodb),
        consent=DynamoConsentLedger(aws["ConsentTable"], dynamodb),
        deferrals=SchedulerDeferrals(group, queue_arn, "arn:aws:iam::123456789012:role/scheduler", scheduler),
        brand="Acme Cloud",
        clock=clock,
    )
    firer = ScheduleFirer(scheduler, sqs, {queue_arn: queue_url}, group, clock=clock)

    def drain() -> list[Outcome]:  # the SQS event source: receive, dispatch, delete
        outcomes = []
        while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
            for message in messages:
                outcomes += [dispatcher(event).outcome for event in parse_queue_body(message["Body"])]
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        return outcomes

    # When the deal reaches the renewal stage at night
    event = deal_to_renewal_offer()
    sqs.send_message(QueueUrl=queue_url, MessageBody=deferred_body(event))
    assert drain() == [Outcome.DEFERRED]

    # Then nothing is sent, the slot is deferred until 08:00 local, and one schedule waits
    key = {"pk": {"S": "SLOT#renewal_offer#hubspot:deal:9101#+16175550142"}, "sk": {"S": "SLOT"}}
    slot = dynamodb.get_item(TableName=aws["StateTable"], Key=key)["Item"]
    assert slot["state"]["S"] == SlotState.DEFERRED and slot["not_before"]["S"] == OPENING.isoformat(
        timespec="microseconds"
    )
    (pending,) = firer.pending()
    assert pending["ScheduleExpression"] == "at(2026-11-24T13:00:00)"
    assert pending["ActionAfterCompletion"] == "DELETE" and sms.sent == []

    # When the clock reaches one minute before the opening, nothing fires
    clock.now = datetime(2026, 11, 24, 12, 59, tzinfo=UTC)
    assert firer.fire_due() == [] and drain() == []

    # When it reaches the opening, the schedule fires once, the event is judged again and sent once
    clock.now = OPENING
    assert len(firer.fire_due()) == 1
    assert drain() == [Outcome.SENT]
    assert firer.fire_due() == [] and firer.pending() == []  # deleted after it ran
    assert len(sms.sent) == 1 and sms.sent[0][2] == OPENING
    assert dispatcher(event).outcome is Outcome.DUPLICATE
