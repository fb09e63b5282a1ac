"""Use case: the webhooks enqueue events with SendMessageBatch within SQS's documented limits (ten
entries, 256 KiB per message and per request); a request SQS refuses for good is never retried as
if it were transient (a webhook answering 503 to that would be retried by its sender forever)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from textloop.adapters.sqs import SqsQueue
from textloop.domain.errors import QueueRejected, Retryable, StoreUnavailable

LIMIT = 256 * 1024


class DocumentedSqs:
    """SendMessageBatch as the SQS API reference documents it, recording every request."""

    def __init__(self, failed: list[dict[str, Any]] | None = None, error: str | None = None) -> None:
        self.requests: list[list[str]] = []
        self.failed = failed or []
        self.error = error

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:  # noqa: N803
        self.requests.append([e["MessageBody"] for e in Entries])
        if self.error:
            raise ClientError({"Error": {"Code": self.error, "Message": "refused"}}, "SendMessageBatch")
        if len(Entries) > 10:
            raise ClientError({"Error": {"Code": "TooManyEntriesInBatchRequest"}}, "SendMessageBatch")
        if sum(len(e["MessageBody"].encode()) for e in Entries) > LIMIT:
            raise ClientError({"Error": {"Code": "BatchRequestTooLong"}}, "SendMessageBatch")
        return {"Successful": [], "Failed": self.failed}


def _queue(client: DocumentedSqs) -> SqsQueue:
    return SqsQueue("https://sqs.us-east-1.amazonaws.com/1/q", client)  # type: ignore[arg-type]


def test_given_bodies_too_large_for_one_request_when_sent_then_split_by_size_and_count_and_all_sent() -> None:
    client = DocumentedSqs()
    bodies = [f"{n:03d}" + "é" * 20_000 for n in range(25)]  # 40 KB each in UTF-8: six fit in a request

    _queue(client).send_all(bodies)

    assert [b for request in client.requests for b in request] == bodies
    assert all(len(r) <= 10 and sum(len(b.encode()) for b in r) <= LIMIT for r in client.requests)
    assert len(client.requests) == 5


def test_given_many_small_bodies_then_ten_per_request() -> None:
    client = DocumentedSqs()
    _queue(client).send_all([str(n) for n in range(23)])
    assert [len(r) for r in client.requests] == [10, 10, 3]


def test_given_a_body_over_the_message_limit_then_refused_for_good_before_anything_is_sent() -> None:
    client = DocumentedSqs()
    with pytest.raises(QueueRejected) as refused:
        _queue(client).send_all(["small", "x" * (LIMIT + 1)])
    assert not isinstance(refused.value, Retryable) and client.requests == []


@pytest.mark.parametrize("code", ["BatchRequestTooLong", "InvalidParameterValue", "InvalidMessageContents"])
def test_given_sqs_refuses_the_request_for_good_then_it_is_not_reported_as_retryable(code: str) -> None:
    client = DocumentedSqs(error=code)
    with pytest.raises(QueueRejected, match=code):
        _queue(client).send_all(["{}"])
    assert len(client.requests) == 1


def test_given_an_entry_refused_for_the_senders_fault_then_not_retried() -> None:
    client = DocumentedSqs(failed=[{"Id": "0", "SenderFault": True, "Code": "InvalidMessageContents"}])
    with pytest.raises(QueueRejected, match="for good"):
        _queue(client).send_all(["{}"])
    assert len(client.requests) == 1


@pytest.mark.parametrize(
    "code", ["ThrottlingException", "RequestThrottled", "InternalError", "ServiceUnavailable"]
)
def test_given_a_transient_sqs_error_then_retryable(code: str) -> None:
    with pytest.raises(StoreUnavailable):
        _queue(DocumentedSqs(error=code)).send_all(["{}"])


def test_given_an_entry_failing_on_sqs_side_then_retried_once_then_retryable() -> None:
    client = DocumentedSqs(failed=[{"Id": "0", "SenderFault": False, "Code": "InternalError"}])
    with pytest.raises(StoreUnavailable):
        _queue(client).send_all(["{}"])
    assert len(client.requests) == 2
