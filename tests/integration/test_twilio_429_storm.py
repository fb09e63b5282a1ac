"""Use case: Twilio answers 429 to a burst. The dispatcher waits as Twilio asks — each throttled queue
message is made invisible for the Retry-After (ChangeMessageVisibility), the rest of the batch is held
without calling Twilio, and a message throttled more often than the queue's maxReceiveCount goes back as
a fresh delayed copy — and every SMS still goes exactly once, with nothing in the dead-letter queue.

The real dispatcher handler (functions/dispatcher/app.py) is driven by the local SQS event source
against moto, with a queue whose own visibility timeout (45 s) is far longer than the Retry-After (1 s):
only the per-message delay can bring a throttled message back in time."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import boto3
import pytest

from tests.support.events import one, salesforce_change
from tests.support.fakes import FakeCrm, FakeDeferrals, opportunity_context
from textloop.adapters.dynamodb import (
    DynamoConsentLedger,
    DynamoConversations,
    DynamoEventOutcomes,
    DynamoSendSlots,
)
from textloop.adapters.twilio_sms import TwilioSmsSender
from textloop.domain.model import Outcome
from textloop.domain.rules import RuleSet
from textloop.service_layer.dispatch import Dispatcher
from textloop_local.demo import DAYTIME_HOURS, zone_where
from textloop_local.emulators import TwilioEmulator, seed
from textloop_local.faults import FaultRegistry, parse
from textloop_local.lambda_context import LocalFunction
from textloop_local.sqs_poller import QueueBinding, SqsPoller

QUEUE_VISIBILITY = 45  # seconds: the queue's own redelivery, were the Retry-After not honoured
RETRY_AFTER = 1
STORM = 5  # 429s in a row: with the successful round, more receives than the queue's maxReceiveCount (5)
RECORDS = [f"006000000000{n:03d}AAA" for n in range(3)]


@pytest.fixture
def twilio() -> Iterator[TwilioEmulator]:
    emulator = TwilioEmulator()
    emulator.start()
    yield emulator
    emulator.stop()


def _queue_with_dlq(name: str) -> tuple[str, str, str]:
    sqs = boto3.client("sqs")
    dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(
        QueueName=name,
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"})},
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn, dlq


def _depth(url: str) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def test_given_a_429_storm_then_the_dispatcher_waits_as_asked_sends_each_sms_once_and_nothing_dead_letters(
    load_handler: Callable[..., ModuleType],
    aws: dict[str, str],
    lambda_context: Any,
    twilio: TwilioEmulator,
) -> None:
    # Given a trigger queue (maxReceiveCount 5) and Twilio throttling its next three sends
    url, arn, dlq = _queue_with_dlq(f"trigger-{aws['StateTable'][-8:]}")
    app = load_handler("dispatcher", TRIGGER_QUEUE_URL=url, POWERTOOLS_METRICS_DISABLED="true")
    twilio.faults = FaultRegistry()
    twilio.faults.add(
        parse(
            {
                "target": "twilio",
                "match": {"method": "POST", "path_prefix": "/2010-04-01/Accounts/"},
                "action": "status",
                "status": 429,
                "error": 20429,
                "times": STORM,
                "headers": {"Retry-After": str(RETRY_AFTER)},
            }
        )
    )
    crm = FakeCrm()
    daytime = zone_where(datetime.now(UTC), DAYTIME_HOURS)  # the real clock (the emulator's too): never night
    for record in RECORDS:
        context = opportunity_context(record)
        crm.add(replace(context, recipient=replace(context.recipient, time_zone=daytime)))
    client = boto3.client("dynamodb")
    app.dispatch = Dispatcher(  # the handler's dispatcher, on the real Twilio SDK and the emulator
        rules=RuleSet.load(),
        crm=lambda _crm, _account: crm,
        sms=TwilioSmsSender.connect(
            seed.TWILIO_ACCOUNT_SID,
            seed.TWILIO_AUTH_TOKEN,
            seed.TWILIO_MESSAGING_SERVICE_SID,
            base_url=twilio.url,
        ),
        outcomes=(outcomes := DynamoEventOutcomes(aws["StateTable"], client)),
        slots=DynamoSendSlots(aws["StateTable"], client),
        conversations=DynamoConversations(aws["StateTable"], client),
        consent=DynamoConsentLedger(aws["ConsentTable"], client),
        deferrals=FakeDeferrals(),
        brand="Textloop",
    )
    bodies = [
        json.dumps(salesforce_change("Opportunity", [r], {"StageName": "Negotiation/Review"}))
        for r in RECORDS
    ]
    events = [one(body) for body in bodies]
    sqs = boto3.client("sqs")
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body)
    poller = SqsPoller(
        sqs,
        [QueueBinding(url, arn, LocalFunction("DispatcherFunction", handler=app.handler), 10, True)],
        visibility_timeout=QUEUE_VISIBILITY,
    )
    # When the dispatcher consumes the queue
    started = time.monotonic()
    poller.start()
    try:
        deadline = started + QUEUE_VISIBILITY - 5
        while time.monotonic() < deadline and len(twilio.state()["messages"]) < len(RECORDS):
            time.sleep(0.1)
        while time.monotonic() < deadline and _depth(url):
            time.sleep(0.1)
    finally:
        poller.stop()
    elapsed = time.monotonic() - started
    # Then every SMS went exactly once, every event has its outcome, nothing is left or dead-lettered
    messages = twilio.state()["messages"]
    assert sorted(m["to"] for m in messages) == ["+14155550132"] * len(RECORDS)
    assert len({m["sid"] for m in messages}) == len(RECORDS)
    assert all((o := outcomes.outcome(e.event_key)) and o.outcome is Outcome.SENT for e in events)
    assert _depth(url) == 0 and _depth(dlq) == 0
    # And Twilio was asked exactly STORM times in vain: the batch waited instead of hammering it
    posts = [r for r in twilio.requests if r["method"] == "POST"]
    assert len(posts) == STORM + len(RECORDS)
    # And the waits were Twilio's (one second each), not the queue's 30 s visibility timeout
    assert STORM * RETRY_AFTER <= elapsed < QUEUE_VISIBILITY - 5
