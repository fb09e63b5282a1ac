"""Use case: a contact texts STOP while DynamoDB is throttling the ConsentTable. The opt-out is never lost:

1. the webhook answers 200 with the confirmation and parks the change on the ConsentQueue;
2. ConsentWriterFunction, fed by the queue's SQS event source once DynamoDB works again, writes it to the
   ledger (evidence: the MessageSid), once however often SQS delivers it; the dispatcher then refuses
   the number;
3. while DynamoDB still fails the writer keeps the message (batch failure: redelivered, dead-lettered
   after ``maxReceiveCount``, alarmed), and so it does for a malformed message;
4. with both the ConsentTable and the ConsentQueue failing the webhook answers 503, having recorded
   nothing, so that Twilio's fallback URL (the same route) brings the message again.

DynamoDB and SQS fail for real, at the wire: a botocore ``before-send`` hook on the handler's own client
answers the chosen requests with the HTTP response AWS sends in that case, so the SDK's parser, its retry
policy and its exceptions all run as in production. Only the retry backoff is recorded instead of slept.
"""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import ModuleType, SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import boto3
import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError
from twilio.request_validator import RequestValidator

from tests.integration.conftest import http_event
from tests.support.template_tables import (
    TEMPLATE,
    create_queues,
    load_template,
    queues,
    sqs_event_sources,
)
from textloop import bootstrap
from textloop.adapters.dynamodb import DynamoConsentLedger
from textloop.domain.ports import ConsentStatus
from textloop_local.lambda_context import LambdaContext, LocalFunction
from textloop_local.sqs_poller import QueueBinding, SqsPoller

TOKEN = "local-twilio-auth-token"
URL = "https://abc123.execute-api.us-east-1.amazonaws.com/twilio/inbound"
PHONE = "+14155550132"
OTHER_PHONE = "+14155550177"
SID = "SM" + "e" * 32
OTHER_SID = "SM" + "f" * 32

# What DynamoDB answers a throttled data-plane request (HTTP 400, JSON 1.0, the real messages).
THROTTLED = {
    "ProvisionedThroughputExceededException": "The level of configured provisioned throughput for the "
    "table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
    "ThrottlingException": "Rate of requests exceeds the allowed throughput.",
}
DYNAMODB_ERROR = "com.amazonaws.dynamodb.v20120810#{code}"


# ------------------------------------------------------------------------------ failing AWS, for real


class _Body:
    """The raw stream of an HTTP response, as urllib3 hands it to botocore."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


@dataclass
class AwsOutage:
    """One operation of one boto3 client answered with an AWS error response before it leaves the process.

    Recording: ``refused`` holds the parameters of every attempt it answered (the SDK's retries
    included). ``only`` narrows it to some requests (a hot partition, one queue).
    """

    client: Any
    operation: str
    status: int
    error_type: str  # the JSON protocol's ``__type``
    message: str
    only: Callable[[dict[str, Any]], bool] = lambda _params: True
    refused: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        service = self.client.meta.service_model.service_id.hyphenize()
        self.event = f"before-send.{service}.{self.operation}"
        self.client.meta.events.register(self.event, self._answer)

    def _answer(self, request: Any, **_: Any) -> AWSResponse | None:
        params = json.loads(request.body)
        if not self.only(params):
            return None
        self.refused.append(params)
        body = json.dumps({"__type": self.error_type, "message": self.message}).encode()
        headers = {
            "content-type": "application/x-amz-json-1.0",
            "x-amzn-requestid": uuid.uuid4().hex.upper(),
            "x-amz-crc32": str(zlib.crc32(body) & 0xFFFFFFFF),
        }
        return AWSResponse(request.url, self.status, headers, _Body(body))

    def end(self) -> None:
        self.client.meta.events.unregister(self.event, self._answer)


def throttle_consent_table(
    ledger: DynamoConsentLedger,
    code: str = "ProvisionedThroughputExceededException",
    phone: str | None = None,
) -> AwsOutage:
    """DynamoDB throttles the ledger's writes (only ``phone``'s partition, if given: a hot key)."""
    return AwsOutage(
        ledger.client,
        "UpdateItem",
        400,
        DYNAMODB_ERROR.format(code=code),
        THROTTLED[code],
        only=lambda params: phone is None or params["Key"]["phone"]["S"] == phone,
    )


@pytest.fixture(autouse=True)
def backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The SDK's retry delays, recorded instead of slept (every attempt still happens)."""
    delays: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=delays.append))
    return delays


# ------------------------------------------------------------------------------------------ the stack


@pytest.fixture
def consent_queues(aws: dict[str, str]) -> dict[str, dict[str, str]]:
    """ConsentQueue and ConsentDeadLetterQueue as template.yaml defines them (redrive included)."""
    resources = load_template(TEMPLATE)["Resources"]
    only = {"Resources": {name: resources[name] for name in ("ConsentQueue", "ConsentDeadLetterQueue")}}
    return create_queues(only, boto3.client("sqs"), suffix=f"-{uuid.uuid4().hex[:8]}")


@pytest.fixture
def inbound(load_handler: Callable[..., ModuleType], consent_queues: dict[str, dict[str, str]]) -> ModuleType:
    return load_handler(
        "twilio_inbound",
        TWILIO_AUTH_TOKEN=TOKEN,
        BRAND_NAME="Acme Sales",
        CONSENT_QUEUE_URL=consent_queues["ConsentQueue"]["url"],
    )


@dataclass
class Invocation:
    records: list[dict[str, Any]]
    result: Any  # the handler's answer, or the exception it raised

    @property
    def failed(self) -> set[str]:
        """The message ids Lambda leaves on the queue: reported failures, or all when the call raised."""
        if isinstance(self.result, Exception):
            return {r["messageId"] for r in self.records}
        return {f["itemIdentifier"] for f in self.result["batchItemFailures"]}


@dataclass
class ConsentWriter:
    """ConsentWriterFunction behind the ConsentQueue's SQS event source (template.yaml's mapping)."""

    app: ModuleType
    poller: SqsPoller
    invocations: list[Invocation]

    def deliver(self) -> int:
        """One poll of the event source: receive a batch, invoke, delete what succeeded."""
        return self.poller.poll_once(self.poller.bindings[0])

    def redeliver(self, invocation: Invocation) -> Any:
        """SQS is at-least-once: the same records, delivered again."""
        return self.app.handler({"Records": invocation.records}, LambdaContext("ConsentWriterFunction"))


@pytest.fixture
def start_writer(
    load_handler: Callable[..., ModuleType], consent_queues: dict[str, dict[str, str]]
) -> Callable[[], ConsentWriter]:
    """Cold-start ConsentWriterFunction (fresh clients: the webhook's outage stays with the webhook)."""

    def start() -> ConsentWriter:
        (source,) = [s for s in sqs_event_sources(TEMPLATE) if s.function == "ConsentWriterFunction"]
        assert source.queue == "ConsentQueue" and source.report_batch_item_failures
        app = load_handler("consent_writer")
        invocations: list[Invocation] = []

        def handler(event: dict[str, Any], context: Any) -> Any:
            try:
                result = app.handler(event, context)
            except Exception as exc:
                invocations.append(Invocation(event["Records"], exc))
                raise
            invocations.append(Invocation(event["Records"], result))
            return result

        queue = consent_queues[source.queue]
        binding = QueueBinding(
            queue["url"],
            queue["arn"],
            LocalFunction(source.function, handler=handler),
            source.batch_size,
            source.report_batch_item_failures,
        )
        poller = SqsPoller(boto3.client("sqs"), [binding], visibility_timeout=0, wait_time_seconds=0)
        return ConsentWriter(app, poller, invocations)

    return start


def _post(app: ModuleType, ctx: Any, body: str, *, sid: str = SID, phone: str = PHONE) -> dict[str, Any]:
    form = {
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": phone,
        "To": "+14155550100",
        "Body": body,
        "NumMedia": "0",
    }
    signature = RequestValidator(TOKEN).compute_signature(URL, form)
    headers = {"content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature}
    return app.handler(http_event("/twilio/inbound", urlencode(form), headers, base64_body=True), ctx)


def _consent_item(aws: dict[str, str], phone: str = PHONE) -> dict[str, Any] | None:
    item: dict[str, Any] | None = (
        boto3.client("dynamodb")
        .get_item(TableName=aws["ConsentTable"], Key={"phone": {"S": phone}}, ConsistentRead=True)
        .get("Item")
    )
    return item


def _depth(queue_url: str) -> int:
    """Messages on the queue, visible or in flight."""
    attrs = boto3.client("sqs").get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])


def _peek(queue_url: str) -> list[dict[str, Any]]:
    """Read the queued messages and leave them there (visible again at once)."""
    messages: list[dict[str, Any]] = (
        boto3.client("sqs")
        .receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        .get("Messages", [])
    )
    return messages


def _dispatcher_ledger(aws: dict[str, str]) -> DynamoConsentLedger:
    """The ledger as DispatcherFunction reads it (its own client)."""
    return DynamoConsentLedger(aws["ConsentTable"], boto3.client("dynamodb"))


# ------------------------------------------------------------------------------------------ the tests


@pytest.mark.parametrize("code", sorted(THROTTLED))
@pytest.mark.parametrize("body", ["STOP", "please stop texting me"])
def test_given_the_consent_table_throttles_when_a_signed_opt_out_arrives_then_it_is_confirmed_queued_and_applied_once(
    inbound: ModuleType,
    start_writer: Callable[[], ConsentWriter],
    aws: dict[str, str],
    consent_queues: dict[str, dict[str, str]],
    lambda_context: Any,
    backoff: list[float],
    body: str,
    code: str,
) -> None:
    # Given DynamoDB throttles every write to the ConsentTable
    outage = throttle_consent_table(bootstrap.consent_ledger(), code)
    # When the contact's opt-out arrives, signed by Twilio
    before = datetime.now(UTC)
    answer = _post(inbound, lambda_context, body)

    # Then the webhook answers 200 with the opt-out confirmation
    assert answer["statusCode"] == 200 and answer["headers"]["content-type"] == "text/xml"
    assert "<Message>Acme Sales: you are unsubscribed" in answer["body"] and "START" in answer["body"]
    # though DynamoDB refused the write, the SDK's retries included
    assert len(outage.refused) > 1 and backoff and _consent_item(aws) is None
    # and the exact change waits on the ConsentQueue
    (parked,) = _peek(consent_queues["ConsentQueue"]["url"])
    change = json.loads(parked["Body"])
    assert {k: v for k, v in change.items() if k != "at"} == {
        "type": "consent_change",
        "phone": PHONE,
        "status": "opted_out",
        "source": "twilio_inbound",
        "evidence": SID,
    }
    assert before <= datetime.fromisoformat(change["at"]) <= datetime.now(UTC)

    # When DynamoDB works again and the SQS event source delivers the message to ConsentWriterFunction
    outage.end()
    writer = start_writer()
    assert writer.deliver() == 1

    # Then the ledger has the number opted out, with the MessageSid as its evidence, and the queue is empty
    (delivery,) = writer.invocations
    (record,) = delivery.records
    assert (
        record["eventSource"] == "aws:sqs"
        and record["eventSourceARN"] == consent_queues["ConsentQueue"]["arn"]
    )
    assert delivery.result == {"batchItemFailures": []}
    item = _consent_item(aws)
    assert item is not None and item["status"] == {"S": "opted_out"}
    assert item["evidence"] == {"SS": [SID]}
    (entry,) = item["history"]["L"]
    assert entry["M"]["evidence"] == {"S": SID} and entry["M"]["source"] == {"S": "twilio_inbound"}
    assert _depth(consent_queues["ConsentQueue"]["url"]) == 0

    # When SQS delivers the same message again, then nothing changes
    assert writer.redeliver(delivery) == {"batchItemFailures": []}
    assert _consent_item(aws) == item

    # And the dispatcher refuses the number
    assert _dispatcher_ledger(aws).is_opted_out(PHONE)
    assert _dispatcher_ledger(aws).status(PHONE) is ConsentStatus.OPTED_OUT


def test_given_the_consent_table_and_the_consent_queue_fail_then_503_nothing_half_recorded_and_the_fallback_url_records_it_once(
    inbound: ModuleType,
    aws: dict[str, str],
    consent_queues: dict[str, dict[str, str]],
    lambda_context: Any,
) -> None:
    # Given DynamoDB throttles the ConsentTable and SQS is unavailable for the ConsentQueue
    consent_url = consent_queues["ConsentQueue"]["url"]
    table = throttle_consent_table(bootstrap.consent_ledger())
    queue = AwsOutage(
        bootstrap.consent_queue().client,
        "SendMessageBatch",
        503,
        "com.amazonaws.sqs#ServiceUnavailable",
        "The request has failed due to a temporary failure of the server.",
        only=lambda params: params["QueueUrl"] == consent_url,
    )
    # When a signed STOP arrives
    answer = _post(inbound, lambda_context, "STOP")

    # Then the webhook answers 503 (Twilio calls the fallback URL) and nothing is half-recorded
    assert answer["statusCode"] == 503 and json.loads(answer["body"])["error"] == "store_unavailable"
    assert table.refused and queue.refused
    assert _consent_item(aws) is None
    assert _depth(consent_url) == 0
    assert _depth(aws["InboundQueue"]) == 0  # no reply routed for a message Twilio sends again

    # When AWS recovers and Twilio posts the same message to the fallback URL (the same route)
    table.end()
    queue.end()
    fallback = _post(inbound, lambda_context, "STOP")

    # Then it is recorded and confirmed; a further retry of that MessageSid changes nothing
    assert fallback["statusCode"] == 200 and "you are unsubscribed" in fallback["body"]
    assert _dispatcher_ledger(aws).is_opted_out(PHONE)
    again = _post(inbound, lambda_context, "STOP")
    assert again["statusCode"] == 200 and "<Message>" not in again["body"]
    item = _consent_item(aws)
    assert item is not None and len(item["history"]["L"]) == 1 and item["evidence"] == {"SS": [SID]}
    assert _depth(consent_url) == 0


def test_given_dynamodb_still_fails_when_the_writer_gets_the_change_then_it_stays_queued_and_is_dead_lettered_alarmed(
    inbound: ModuleType,
    start_writer: Callable[[], ConsentWriter],
    aws: dict[str, str],
    consent_queues: dict[str, dict[str, str]],
    lambda_context: Any,
) -> None:
    # Given a STOP parked on the ConsentQueue while DynamoDB throttled the ConsentTable
    throttle_consent_table(bootstrap.consent_ledger())
    assert _post(inbound, lambda_context, "STOP")["statusCode"] == 200
    # and DynamoDB still throttles when ConsentWriterFunction runs
    writer = start_writer()
    outage = throttle_consent_table(writer.app.ledger)
    max_receive = queues(TEMPLATE)["ConsentQueue"].max_receive_count
    assert max_receive is not None and queues(TEMPLATE)["ConsentQueue"].dead_letter_logical_id == (
        "ConsentDeadLetterQueue"
    )

    # When the SQS event source delivers it again and again
    deliveries = 0
    while writer.deliver():
        deliveries += 1
        assert deliveries <= max_receive  # never dropped, never retried forever

    # Then every delivery failed the message: the writer never acknowledged it
    (parked,) = writer.invocations[0].records
    assert deliveries == max_receive == len(writer.invocations)
    assert all(inv.failed == {parked["messageId"]} for inv in writer.invocations)
    assert [
        int(inv.records[0]["attributes"]["ApproximateReceiveCount"]) for inv in writer.invocations
    ] == list(range(1, max_receive + 1))
    assert outage.refused and _consent_item(aws) is None
    # and after maxReceiveCount it is in ConsentDeadLetterQueue, unchanged
    assert _depth(consent_queues["ConsentQueue"]["url"]) == 0
    (dead,) = _peek(consent_queues["ConsentDeadLetterQueue"]["url"])
    assert dead["Body"] == parked["body"] and json.loads(dead["Body"])["evidence"] == SID
    # where ConsentDeadLetterAlarm sees it
    alarm = load_template(TEMPLATE)["Resources"]["ConsentDeadLetterAlarm"]["Properties"]
    assert alarm["Namespace"] == "AWS/SQS" and alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    (dimension,) = alarm["Dimensions"]
    assert dimension["Value"] == {"Fn::GetAtt": ["ConsentDeadLetterQueue", "QueueName"]}
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold" and _depth(
        consent_queues["ConsentDeadLetterQueue"]["url"]
    ) > float(alarm["Threshold"])


def test_given_one_hot_partition_still_throttled_then_only_its_change_is_a_batch_item_failure_and_it_is_applied_later(
    inbound: ModuleType,
    start_writer: Callable[[], ConsentWriter],
    aws: dict[str, str],
    consent_queues: dict[str, dict[str, str]],
    lambda_context: Any,
) -> None:
    # Given two opt-outs parked on the ConsentQueue while the ConsentTable throttled
    throttle_consent_table(bootstrap.consent_ledger())
    assert _post(inbound, lambda_context, "STOP")["statusCode"] == 200
    assert _post(inbound, lambda_context, "STOP", sid=OTHER_SID, phone=OTHER_PHONE)["statusCode"] == 200
    # and DynamoDB still throttles one number's partition when the writer runs
    writer = start_writer()
    hot = throttle_consent_table(writer.app.ledger, phone=PHONE)

    # When the event source delivers both in one batch
    assert writer.deliver() == 2

    # Then the other number is applied and only the hot one is reported as a batch item failure
    (batch,) = writer.invocations
    by_phone = {json.loads(r["body"])["phone"]: r["messageId"] for r in batch.records}
    assert batch.result == {"batchItemFailures": [{"itemIdentifier": by_phone[PHONE]}]}
    assert _dispatcher_ledger(aws).is_opted_out(OTHER_PHONE) and not _dispatcher_ledger(aws).is_opted_out(
        PHONE
    )
    assert _depth(consent_queues["ConsentQueue"]["url"]) == 1  # kept for redelivery

    # When the partition cools down, then the redelivery applies it
    hot.end()
    assert writer.deliver() == 1
    assert writer.invocations[-1].result == {"batchItemFailures": []}
    assert _dispatcher_ledger(aws).is_opted_out(PHONE)
    assert _depth(consent_queues["ConsentQueue"]["url"]) == 0


def test_given_dynamodb_times_out_when_a_stop_arrives_then_it_is_still_confirmed_and_queued(
    inbound: ModuleType,
    consent_queues: dict[str, dict[str, str]],
    lambda_context: Any,
) -> None:
    # Given every write to the ConsentTable times out (the socket read, as urllib3 reports it)
    def time_out(request: Any, **_: Any) -> None:
        raise ReadTimeoutError(endpoint_url=request.url)

    bootstrap.consent_ledger().client.meta.events.register("before-send.dynamodb.UpdateItem", time_out)
    # When a signed STOP arrives
    answer = _post(inbound, lambda_context, "STOP")
    # Then it is confirmed and parked on the ConsentQueue, as for a throttled table
    assert answer["statusCode"] == 200 and "you are unsubscribed" in answer["body"]
    (parked,) = _peek(consent_queues["ConsentQueue"]["url"])
    assert json.loads(parked["Body"])["evidence"] == SID


@pytest.mark.parametrize(
    "malformed",
    [
        "not json at all",
        '{"type": "reply", "sms": {}}',
        json.dumps(
            {"type": "consent_change", "phone": PHONE, "status": "opted_out", "source": "twilio_inbound"}
        ),
        json.dumps(
            {
                "type": "consent_change",
                "phone": PHONE,
                "status": "maybe",
                "source": "twilio_inbound",
                "evidence": SID,
                "at": "2026-11-20T15:04:05+00:00",
            }
        ),
    ],
    ids=["not-json", "not-a-consent-change", "no-evidence", "unknown-status"],
)
def test_given_a_malformed_consent_queue_message_then_it_is_a_batch_item_failure_kept_on_the_queue(
    start_writer: Callable[[], ConsentWriter],
    aws: dict[str, str],
    consent_queues: dict[str, dict[str, str]],
    malformed: str,
) -> None:
    # Given a malformed message next to a valid change on the ConsentQueue
    url = consent_queues["ConsentQueue"]["url"]
    valid = {
        "type": "consent_change",
        "phone": OTHER_PHONE,
        "status": "opted_out",
        "source": "twilio_inbound",
        "evidence": OTHER_SID,
        "at": (datetime.now(UTC) - timedelta(seconds=5)).isoformat(),
    }
    sqs = boto3.client("sqs")
    bad_id = sqs.send_message(QueueUrl=url, MessageBody=malformed)["MessageId"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(valid))
    writer = start_writer()

    # When the event source delivers the batch
    assert writer.deliver() == 2

    # Then the malformed one is reported as a batch item failure and kept; the valid one is applied
    assert writer.invocations[0].result == {"batchItemFailures": [{"itemIdentifier": bad_id}]}
    assert _dispatcher_ledger(aws).is_opted_out(OTHER_PHONE) and _consent_item(aws) is None
    (kept,) = _peek(url)
    assert kept["MessageId"] == bad_id and kept["Body"] == malformed
