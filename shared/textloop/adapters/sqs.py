"""SQS adapter: enqueue bodies in batches that fit one SendMessageBatch request (10 entries, 256 KiB in
all); a transient partial failure is retried once, then raised; a refusal for good is never retried."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from textloop.domain.errors import QueueRejected, StoreUnavailable

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

SQS_BATCH = 10
# SQS's classic limits, which every queue accepts: a message, and a whole SendMessageBatch request
# (the sum of its messages), are at most 256 KiB, counted in UTF-8 bytes.
SQS_MAX_MESSAGE_BYTES = 256 * 1024
SQS_MAX_BATCH_BYTES = 256 * 1024
# What SQS answers when the request itself is wrong: sending it again cannot help.
PERMANENT_CODES = frozenset(
    {
        "BatchRequestTooLong",
        "AWS.SimpleQueueService.BatchRequestTooLong",
        "InvalidParameterValue",
        "InvalidMessageContents",
        "TooManyEntriesInBatchRequest",
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
        "BatchEntryIdsNotDistinct",
        "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
        "InvalidBatchEntryId",
        "AWS.SimpleQueueService.InvalidBatchEntryId",
        "EmptyBatchRequest",
        "AWS.SimpleQueueService.EmptyBatchRequest",
        "MissingParameter",
    }
)


def body_bytes(body: str) -> int:
    return len(body.encode())


def batches(bodies: Sequence[str]) -> Iterator[list[str]]:
    """Consecutive groups of at most ten bodies and 256 KiB; a body over 256 KiB alone is refused
    (QueueRejected): the caller must keep such a body out of the queue."""
    group: list[str] = []
    size = 0
    for body in bodies:
        n = body_bytes(body)
        if n > SQS_MAX_MESSAGE_BYTES:
            raise QueueRejected(f"a message of {n} bytes exceeds SQS's {SQS_MAX_MESSAGE_BYTES}-byte limit")
        if group and (len(group) == SQS_BATCH or size + n > SQS_MAX_BATCH_BYTES):
            yield group
            group, size = [], 0
        group.append(body)
        size += n
    if group:
        yield group


class SqsQueue:
    """One queue. Its client is built on first use (a cold start pays only for what its request needs),
    or is *share*'s (another queue's, built when either first needs it)."""

    def __init__(
        self, queue_url: str, client: SQSClient | None = None, *, share: SqsQueue | None = None
    ) -> None:
        self.queue_url = queue_url
        self._client = client
        self._share = share

    @property
    def client(self) -> SQSClient:
        if self._client is None:
            self._client = self._share.client if self._share is not None else boto3.client("sqs")
        return self._client

    def send_all(self, bodies: Sequence[str]) -> None:
        for group in list(batches(bodies)):  # every body checked before the first is sent
            entries: list[SendMessageBatchRequestEntryTypeDef] = [
                {"Id": str(i), "MessageBody": body} for i, body in enumerate(group)
            ]
            for attempt in (1, 2):
                failed = self._send(entries)
                if not failed:
                    break
                if attempt == 2:
                    raise StoreUnavailable(f"SQS refused {len(failed)} messages", codes=",".join(failed))
                entries = [e for e in entries if e["Id"] in failed]

    def _send(self, entries: list[SendMessageBatchRequestEntryTypeDef]) -> dict[str, str]:
        try:
            response = self.client.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in PERMANENT_CODES:
                raise QueueRejected(f"SQS refused the batch for good: {code}", code=code) from None
            raise StoreUnavailable(f"SQS SendMessageBatch failed: {code or type(exc).__name__}") from None
        except BotoCoreError as exc:
            raise StoreUnavailable(f"SQS SendMessageBatch failed: {type(exc).__name__}") from None
        failures = response.get("Failed", [])
        if refused := [f for f in failures if f.get("SenderFault")]:
            codes = ",".join(sorted({f.get("Code", "") for f in refused}))
            raise QueueRejected(f"SQS refused {len(refused)} messages for good", codes=codes)
        return {f["Id"]: f.get("Code", "") for f in failures}
