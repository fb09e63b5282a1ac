"""Outcomes from the CRM against a moto server: the SalesforceOutcomeRule of template.yaml routes the change
events that are outcomes (and only those) to the OutcomeQueue; a message the dispatcher records is indexed
under its record, contact and account; the OutcomeRecorderFunction, cold-started from its app.py, stores
each outcome once as ``PIPE#<yyyy-mm>``/``<iso at>#<source id>`` credited to that message."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer

from tests.support.events import ORG, salesforce_change
from tests.support.template_tables import TEMPLATE, event_rule, load_template
from textloop.adapters.dynamodb import DynamoPipelineOutcomes, DynamoSendSlots
from textloop.domain.model import RecordRef
from textloop.domain.pipeline import OutcomeKind, PipelineOutcome
from textloop.domain.ports import SendSlot, SlotState

OPP, ACCOUNT, CONTACT = "006000000000001AAA", "001000000000001AAA", "003000000000001AAA"
COMMIT = datetime.fromtimestamp(1795187045000 / 1000, tz=UTC)  # tests.support.events' commitTimestamp


def send_message(table: str, sid: str, sent_at: datetime, record_id: str = OPP) -> None:
    """What the dispatcher does for one SMS: claim its slot, then record it SENT (message records and index)."""
    slots = DynamoSendSlots(table, boto3.client("dynamodb"))
    slot = SendSlot(
        key=f"contract_final_review#salesforce:opportunity:{record_id}#+14155550132#{sid}",  # one per send
        event_key=f"sf:{ORG}:tx-{sid}:1:{record_id}",
        owner="worker-1",
        state=SlotState.SENDING,
        claimed_at=sent_at,
        lease_until=sent_at + timedelta(minutes=2),
        cooldown_until=sent_at + timedelta(days=7),
        record=RecordRef("salesforce", "opportunity", record_id),
        rule="contract_final_review",
        template_id="sf_contract_final_review",
        template_version=3,
        phone="+14155550132",
        body="Hi Maya, the contract is ready to sign.",
        contact_id=CONTACT,
        variant="enterprise",
        crm_account=ACCOUNT,
    )
    assert slots.claim(slot, sent_at) is None
    slots.advance(slot, SlotState.SENT, sid=sid, sent_at=sent_at.isoformat())


def items(table: str, prefix: str) -> list[dict[str, Any]]:
    decode = TypeDeserializer().deserialize
    found = boto3.client("dynamodb").scan(TableName=table, ConsistentRead=True)["Items"]
    return sorted(
        ({k: decode(v) for k, v in i.items()} for i in found if i["pk"]["S"].startswith(prefix)),
        key=lambda i: (i["pk"], i["sk"]),
    )


def sqs_event(*bodies: dict[str, Any]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "rh",
                "body": json.dumps(body),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:OutcomeQueue",
                "awsRegion": "us-east-1",
            }
            for body in bodies
        ]
    }


def test_given_a_sent_message_then_it_is_indexed_under_its_record_contact_and_account(
    aws: dict[str, str],
) -> None:
    sent_at = COMMIT - timedelta(days=3)
    send_message(aws["StateTable"], "SM0001", sent_at)

    index = items(aws["StateTable"], "REC#")

    assert [i["pk"] for i in index] == [
        f"REC#salesforce:account:{ACCOUNT}",
        f"REC#salesforce:contact:{CONTACT}",
        f"REC#salesforce:opportunity:{OPP}",
    ]
    assert {i["sk"] for i in index} == {f"MSG#{sent_at.isoformat(timespec='microseconds')}#SM0001"}
    assert all(
        (i["sid"], i["rule"], i["template"], i["version"], i["variant"])
        == ("SM0001", "contract_final_review", "sf_contract_final_review", 3, "enterprise")
        for i in index
    )
    assert all("phone" not in i and "body" not in i for i in index)  # no number, no body


def test_given_outcomes_then_the_store_finds_the_latest_message_per_key_and_writes_each_outcome_once(
    aws: dict[str, str],
) -> None:
    table = aws["StateTable"]
    send_message(table, "SM-old", COMMIT - timedelta(days=40))
    send_message(table, "SM-new", COMMIT - timedelta(days=2))
    send_message(table, "SM-after", COMMIT + timedelta(hours=1))
    store = DynamoPipelineOutcomes(table, boto3.client("dynamodb"))

    found = store.latest_messages([f"salesforce:opportunity:{OPP}"], COMMIT - timedelta(days=30), COMMIT)
    outcome = PipelineOutcome(
        "src-1",
        OutcomeKind.CLOSED_WON,
        "salesforce",
        f"salesforce:opportunity:{OPP}",
        COMMIT,
        1250.5,
        found[0],
    )

    assert [m.sid for m in found] == ["SM-new"]
    assert store.exists(COMMIT, "src-1") is False
    assert store.record(outcome) is True
    assert store.record(outcome) is False
    assert store.exists(COMMIT, "src-1") is True
    (item,) = items(table, "PIPE#")
    assert (item["pk"], item["sk"]) == ("PIPE#2026-11", f"{COMMIT.isoformat(timespec='microseconds')}#src-1")
    assert item["amount"] == 1250.5 and item["message_sid"] == "SM-new" and item["version"] == 3


def test_given_the_template_rule_on_a_bus_then_only_outcome_change_events_reach_the_outcome_queue(
    aws: dict[str, str],
) -> None:
    events, sqs = boto3.client("events"), boto3.client("sqs")
    suffix = uuid.uuid4().hex[:8]
    bus = f"salesforce-relay-{suffix}"
    events.create_event_bus(Name=bus)
    queue = sqs.create_queue(QueueName=f"OutcomeQueue-{suffix}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule = event_rule(load_template(TEMPLATE), "SalesforceOutcomeRule")
    events.put_rule(
        Name="SalesforceOutcomeRule", EventBusName=bus, EventPattern=json.dumps(rule.event_pattern)
    )
    events.put_targets(Rule="SalesforceOutcomeRule", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
    sent = {
        "won": salesforce_change("Opportunity", [OPP], {"StageName": "Closed Won", "IsWon": True}),
        "created": salesforce_change(
            "Opportunity", [OPP], {"StageName": "Prospecting"}, change_type="CREATE"
        ),
        "meeting": salesforce_change("Event", ["00U000000000001AAA"], {"WhatId": OPP}, change_type="CREATE"),
        "amount": salesforce_change("Opportunity", [OPP], {"Amount": 5}),
        "case": salesforce_change("Case", ["500000000000001AAA"], {"Status": "New"}, change_type="CREATE"),
        "flat_won": salesforce_change("Opportunity", [OPP], {"StageName": "Closed Won"}, nested=False),
    }
    for name, event in sent.items():
        entry = {
            "Source": event["source"],
            "DetailType": event["detail-type"],
            "Detail": json.dumps(event["detail"]),
        }
        events.put_events(Entries=[{**entry, "EventBusName": bus, "Resources": [name]}])

    received = []
    while batch := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
        received += [json.loads(m["Body"])["resources"][0] for m in batch]

    assert sorted(received) == ["created", "flat_won", "meeting", "won"]


def test_given_the_outcome_recorder_function_then_a_redelivered_batch_records_each_outcome_once(
    aws: dict[str, str], load_handler: Callable[..., ModuleType], lambda_context: Any
) -> None:
    send_message(aws["StateTable"], "SM0042", COMMIT - timedelta(days=5))
    app = load_handler("outcome_recorder", ATTRIBUTION_WINDOW_DAYS="30", POWERTOOLS_METRICS_DISABLED="true")
    won = salesforce_change(
        "Opportunity",
        [OPP],
        {"StageName": "Closed Won", "IsWon": True, "Amount": 48000, "AccountId": ACCOUNT},
    )
    meeting = salesforce_change(
        "Event", ["00U000000000001AAA"], {"WhoId": CONTACT, "AccountId": ACCOUNT}, change_type="CREATE"
    )
    lost = {"StageName": "Closed Lost", "IsWon": False, "AccountId": "001000000000777AAA"}  # enriched
    late = salesforce_change("Opportunity", ["006000000000777AAA"], lost)

    first = app.handler(sqs_event(won, meeting, late), lambda_context)
    again = app.handler(sqs_event(won, meeting), lambda_context)  # SQS (or Event Relay) delivers again

    assert first == {"batchItemFailures": []} and again == {"batchItemFailures": []}
    rows = {i["kind"]: i for i in items(aws["StateTable"], "PIPE#")}
    assert sorted(rows) == ["closed_lost", "closed_won", "meeting_booked"]
    assert rows["closed_won"]["message_sid"] == "SM0042" and rows["closed_won"]["amount"] == 48000
    assert rows["meeting_booked"]["message_sid"] == "SM0042"  # found under the contact
    assert rows["meeting_booked"]["record"] == "salesforce:event:00U000000000001AAA"
    assert "message_sid" not in rows["closed_lost"] and "amount" not in rows["closed_lost"]
