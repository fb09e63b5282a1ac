"""The local SQS event source honours the template's BatchSize above SQS' 10 per receive: within the
batching window (MaximumBatchingWindowInSeconds) it gathers further receives into one invocation, as Lambda's
poller does; with the default window of 0 a batch is one receive, at most 10."""

from __future__ import annotations

import boto3
import pytest
from moto.server import ThreadedMotoServer

from textloop_local.lambda_context import LocalFunction
from textloop_local.sqs_poller import QueueBinding, SqsPoller

pytestmark = pytest.mark.e2e


@pytest.fixture
def sqs():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield boto3.client(
        "sqs",
        endpoint_url=f"http://{host}:{port}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    server.stop()


def _filled(sqs, name: str, count: int) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for start in range(0, count, 10):
        entries = [{"Id": str(i), "MessageBody": f"m{start + i}"} for i in range(min(10, count - start))]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
    return url, arn


def _sizes(sqs, name: str, count: int, batch_size: int, window: float) -> list[int]:
    url, arn = _filled(sqs, name, count)
    sizes: list[int] = []

    def handler(event, context):
        sizes.append(len(event["Records"]))
        return {"batchItemFailures": []}

    binding = QueueBinding(url, arn, LocalFunction("Consumer", handler=handler), batch_size, True, window)
    poller = SqsPoller(sqs, [binding], visibility_timeout=30).start()
    try:
        assert poller.drain(timeout=30)
    finally:
        poller.stop()
    return sizes


def test_given_a_batch_size_of_100_and_a_window_when_250_wait_then_batches_of_up_to_100_go(sqs) -> None:
    sizes = _sizes(sqs, "bulk", 250, 100, 5.0)

    assert sum(sizes) == 250
    assert max(sizes) > 10  # gathered from several receives
    assert all(size <= 100 for size in sizes)


def test_given_no_window_when_messages_wait_then_a_batch_is_one_receive(sqs) -> None:
    sizes = _sizes(sqs, "plain", 30, 100, 0.0)

    assert sum(sizes) == 30
    assert all(size <= 10 for size in sizes)
