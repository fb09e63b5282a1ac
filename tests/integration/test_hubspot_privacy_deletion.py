"""Use case: a HubSpot admin deletes a contact for privacy (GDPR). HubSpot posts ``contact.privacyDeletion``
to the webhook; the webhook queues it on the PrivacyQueue; PrivacyEraserFunction erases every number
Textloop texted for that contact, and a later trigger to an opted-out number is still refused.

Over loopback to a moto server: the real webhook handler, the PrivacyQueue as template.yaml defines it,
its SQS event source (the local poller), the real eraser handler.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import boto3
import pytest

from tests.integration.conftest import http_event
from tests.support.events import deal_to_contract_sent, hubspot_event
from tests.support.fakes import FakeCrm, FakeDeferrals, FakeSms, deal_context
from tests.support.template_tables import TEMPLATE, create_queues, load_template, sqs_event_sources
from tests.unit.test_hubspot_webhook_intake import sign
from textloop import bootstrap
from textloop.adapters.dynamodb import (
    DynamoConsentLedger,
    DynamoConversations,
    DynamoEventOutcomes,
    DynamoSendSlots,
)
from textloop.domain.model import Outcome
from textloop.domain.ports import ConsentChange, ConsentStatus
from textloop.domain.rules import RuleSet
from textloop.service_layer.dispatch import Dispatcher
from textloop.service_layer.privacy import KeyedHash
from textloop_local.lambda_context import LocalFunction
from textloop_local.sqs_poller import QueueBinding, SqsPoller

SECRET = "local-hubspot-client-secret"
KEY = "integration-privacy-key-0123456789abcdef"
URL = "https://abc123.execute-api.us-east-1.amazonaws.com/hubspot/webhooks"
PHONE = "+16175550142"  # contact 501 of deal_context
CONTACT = 501


def privacy_deletion(contact_id: int, event_id: int = 7001) -> dict[str, Any]:
    """``contact.privacyDeletion`` as HubSpot posts it: the contact id, no property, no number."""
    return {
        "objectId": contact_id,
        "changeSource": "GDPR",
        "eventId": event_id,
        "subscriptionId": 31,
        "portalId": 4431,
        "appId": 1160452,
        "occurredAt": int(time.time() * 1000),
        "subscriptionType": "contact.privacyDeletion",
        "attemptNumber": 0,
    }


@pytest.fixture
def privacy_queues(aws: dict[str, str]) -> dict[str, dict[str, str]]:
    resources = load_template(TEMPLATE)["Resources"]
    only = {"Resources": {n: resources[n] for n in ("PrivacyQueue", "PrivacyDeadLetterQueue")}}
    return create_queues(only, boto3.client("sqs"), suffix=f"-{uuid.uuid4().hex[:8]}")


@pytest.fixture
def texted(aws: dict[str, str]) -> Dispatcher:
    """Given contact 501's number was texted for a deal, then said STOP (the ledger knows the key)."""
    client = boto3.client("dynamodb")
    ledger = DynamoConsentLedger(aws["ConsentTable"], client, hasher=KeyedHash(lambda: KEY))
    crm = FakeCrm()
    crm.add(deal_context())
    dispatcher = Dispatcher(
        rules=RuleSet.load(),
        crm=lambda _crm, _account: crm,
        sms=FakeSms(),
        outcomes=DynamoEventOutcomes(aws["StateTable"], client),
        slots=DynamoSendSlots(aws["StateTable"], client),
        conversations=DynamoConversations(aws["StateTable"], client),
        consent=ledger,
        deferrals=FakeDeferrals(),
        brand="Textloop",
        clock=lambda: datetime(2026, 11, 23, 20, 0, tzinfo=UTC),
    )
    assert dispatcher(deal_to_contract_sent(event_id=1)).outcome is Outcome.SENT
    stop = ConsentChange(PHONE, ConsentStatus.OPTED_OUT, "twilio_inbound", "SM" + "5" * 32, datetime.now(UTC))
    ledger.record(stop)
    return dispatcher


def _post(app: ModuleType, ctx: Any, events: list[dict[str, Any]]) -> dict[str, Any]:
    body = json.dumps(events)
    timestamp = str(int(time.time() * 1000))
    headers = {
        "content-type": "application/json",
        "x-hubspot-request-timestamp": timestamp,
        "x-hubspot-signature-v3": sign(body.encode(), timestamp, URL, SECRET),
    }
    return app.handler(http_event("/hubspot/webhooks", body, headers), ctx)


def _eraser_poller(app: ModuleType, queues: dict[str, dict[str, str]]) -> tuple[SqsPoller, QueueBinding]:
    """PrivacyEraserFunction behind the PrivacyQueue's SQS event source (template.yaml's mapping)."""
    (source,) = [s for s in sqs_event_sources(TEMPLATE) if s.function == "PrivacyEraserFunction"]
    assert source.queue == "PrivacyQueue" and source.report_batch_item_failures
    queue = queues[source.queue]
    binding = QueueBinding(
        queue["url"],
        queue["arn"],
        LocalFunction(source.function, handler=app.handler),
        source.batch_size,
        source.report_batch_item_failures,
    )
    return SqsPoller(boto3.client("sqs"), [binding], visibility_timeout=0, wait_time_seconds=0), binding


def _messages(queue_url: str) -> list[dict[str, Any]]:
    response = boto3.client("sqs").receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0
    )
    return [json.loads(m["Body"]) for m in response.get("Messages", [])]


def _everything(aws: dict[str, str]) -> str:
    client = boto3.client("dynamodb")
    return json.dumps([client.scan(TableName=aws[t])["Items"] for t in ("StateTable", "ConsentTable")])


def test_given_a_signed_privacy_deletion_when_the_eraser_runs_then_the_contacts_number_is_erased(
    load_handler: Callable[..., ModuleType],
    aws: dict[str, str],
    privacy_queues: dict[str, dict[str, str]],
    texted: Dispatcher,
    lambda_context: Any,
) -> None:
    assert PHONE in _everything(aws)
    # When HubSpot posts a signed batch with the privacy deletion and an unrelated stage change
    webhook = load_handler(
        "hubspot_webhook",
        HUBSPOT_CLIENT_SECRET=SECRET,
        PRIVACY_QUEUE_URL=privacy_queues["PrivacyQueue"]["url"],
    )
    answer = _post(
        webhook, lambda_context, [privacy_deletion(CONTACT), hubspot_event(9005, "dealstage", "contractsent")]
    )
    # Then it is acknowledged, the deletion waits on the PrivacyQueue and the stage change on the TriggerQueue
    assert answer["statusCode"] == 200 and json.loads(answer["body"]) == {"queued": 2, "ignored": 0}
    (queued,) = _messages(privacy_queues["PrivacyQueue"]["url"])
    assert queued == {
        "source": "hubspot.privacy",
        "event": privacy_deletion(CONTACT) | {"occurredAt": queued["event"]["occurredAt"]},
    }
    assert [m["event"]["objectId"] for m in _messages(aws["TriggerQueue"])] == [9005]

    # When the PrivacyQueue's event source delivers it to PrivacyEraserFunction
    eraser = load_handler("privacy_eraser", PRIVACY_HASH_KEY=KEY)
    poller, binding = _eraser_poller(eraser, privacy_queues)
    assert poller.poll_once(binding) == 1
    # Then the message is done with (deleted), the number is nowhere, its opt-out stays as a keyed hash
    assert (
        poller.stats[binding.name]["deleted"] == 1 and _messages(privacy_queues["PrivacyQueue"]["url"]) == []
    )
    stored = _everything(aws)
    assert PHONE not in stored and f"ERASED#{KeyedHash(lambda: KEY)(PHONE)}" in stored
    assert "PRIVACY#contact:hubspot:501" in stored
    # And the deployed ledger (same key) still refuses the number
    assert bootstrap.consent_ledger().status(PHONE) is ConsentStatus.OPTED_OUT
    later = texted(deal_to_contract_sent(event_id=2))
    assert (later.outcome, later.reason) == (Outcome.SKIPPED, "opted_out")


def test_given_a_privacy_deletion_without_a_privacy_queue_then_it_is_not_acknowledged(
    load_handler: Callable[..., ModuleType], aws: dict[str, str], lambda_context: Any
) -> None:
    webhook = load_handler("hubspot_webhook", HUBSPOT_CLIENT_SECRET=SECRET)

    answer = _post(webhook, lambda_context, [privacy_deletion(CONTACT)])

    assert answer["statusCode"] >= 500  # HubSpot retries; nothing was silently dropped
    assert _messages(aws["TriggerQueue"]) == []


def test_given_a_malformed_privacy_message_then_it_fails_alone_and_stays_for_the_dead_letter_queue(
    load_handler: Callable[..., ModuleType],
    aws: dict[str, str],
    privacy_queues: dict[str, dict[str, str]],
) -> None:
    sqs = boto3.client("sqs")
    url = privacy_queues["PrivacyQueue"]["url"]
    sqs.send_message(QueueUrl=url, MessageBody='{"source": "hubspot.privacy", "event": {"objectId": "x"}}')
    sqs.send_message(
        QueueUrl=url, MessageBody=json.dumps({"source": "hubspot.privacy", "event": privacy_deletion(424242)})
    )
    eraser = load_handler("privacy_eraser", PRIVACY_HASH_KEY=KEY)
    poller, binding = _eraser_poller(eraser, privacy_queues)

    while poller.poll_once(binding):
        if poller.stats[binding.name]["records"] >= 2:
            break

    assert poller.stats[binding.name]["deleted"] == 1 and poller.stats[binding.name]["failed"] == 1
    assert "PRIVACY#contact:hubspot:424242" in _everything(aws)  # nothing held, and that is on record
