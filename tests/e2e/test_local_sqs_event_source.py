"""The local SQS event source (textloop_local.sqs_poller) against moto: records, partial batch
failures, whole-batch failures, redrive to the DLQ, drain()."""

from __future__ import annotations

import json
import threading

import boto3
import pytest
from moto.server import ThreadedMotoServer

from textloop_local.lambda_context import LocalFunction
from textloop_local.sqs_poller import QueueBinding, SqsPoller, failed_ids

pytestmark = pytest.mark.e2e


@pytest.fixture
def sqs():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    client = boto3.client(
        "sqs",
        endpoint_url=f"http://{host}:{port}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    yield client
    server.stop()


def _queue(sqs, name: str, max_receive: int = 3) -> tuple[str, str, str]:
    dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(
        QueueName=name,
        Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive)})
        },
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn, dlq


def _depth(sqs, url: str) -> int:
    return int(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
            "ApproximateNumberOfMessages"
        ]
    )


def test_records_partial_failures_redrive_and_drain(sqs):
    url, arn, dlq = _queue(sqs, "work")
    seen: list[dict] = []
    lock = threading.Lock()

    def handler(event, context):
        failures = []
        for record in event["Records"]:
            with lock:
                seen.append(record)
            if record["body"] == "poison":
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    poller = SqsPoller(
        sqs,
        [QueueBinding(url, arn, LocalFunction("Consumer", handler=handler), 10, True)],
        visibility_timeout=1,
    )
    sqs.send_message(
        QueueUrl=url,
        MessageBody="good",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "k"}},
    )
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    poller.start()
    try:
        assert poller.drain(timeout=30)
    finally:
        poller.stop()

    good = [r for r in seen if r["body"] == "good"]
    poison = [r for r in seen if r["body"] == "poison"]
    assert len(good) == 1  # deleted after success
    assert [r["attributes"]["ApproximateReceiveCount"] for r in poison] == ["1", "2", "3"]
    assert _depth(sqs, dlq) == 1  # moved to the DLQ after maxReceiveCount
    record = good[0]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == arn
    assert record["awsRegion"] == "us-east-1"
    assert record["md5OfBody"]
    assert record["receiptHandle"]
    assert {"SentTimestamp", "ApproximateFirstReceiveTimestamp", "SenderId"} <= set(record["attributes"])
    assert record["messageAttributes"]["kind"]["stringValue"] == "k"
    assert record["messageAttributes"]["kind"]["dataType"] == "String"
    results = [(d["messageId"] == record["messageId"], d["result"]) for d in poller.deliveries]
    assert (True, "ok") in results
    assert (False, "failed") in results


def test_handler_exception_fails_the_whole_batch(sqs):
    url, arn, _ = _queue(sqs, "boom", max_receive=10)
    calls = []

    def handler(event, context):
        calls.append(len(event["Records"]))
        if len(calls) == 1:
            raise RuntimeError("cold start hiccup")
        return {"batchItemFailures": []}

    for body in ("a", "b", "c"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    poller = SqsPoller(
        sqs,
        [QueueBinding(url, arn, LocalFunction("Consumer", handler=handler), 10, True)],
        visibility_timeout=1,
    )
    poller.start()
    try:
        assert poller.drain(timeout=30)
    finally:
        poller.stop()
    assert sum(calls) >= 6  # every record came back after the exception
    assert poller.stats["boom"]["errors"] == 1


def test_failed_ids_follow_lambda_rules():
    records = [{"messageId": "1"}, {"messageId": "2"}]
    assert failed_ids({"batchItemFailures": []}, records, True) == set()
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "2"}]}, records, True) == {"2"}
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "nope"}]}, records, True) == {"1", "2"}
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": ""}]}, records, True) == {"1", "2"}
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "2"}]}, records, False) == set()
    assert failed_ids(None, records, True) == set()
