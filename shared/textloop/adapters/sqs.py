"""SQS adapter: enqueue bodies in batches of ten; a partial failure is retried once, then raised."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from textloop.domain.errors import StoreUnavailable

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

SQS_BATCH = 10


class SqsQueue:
    def __init__(self, queue_url: str, client: SQSClient | None = None) -> None:
        self.queue_url = queue_url
        self.client = client or boto3.client("sqs")

    def send_all(self, bodies: Sequence[str]) -> None:
        for start in range(0, len(bodies), SQS_BATCH):
            entries: list[SendMessageBatchRequestEntryTypeDef] = [
                {"Id": str(i), "MessageBody": body}
                for i, body in enumerate(bodies[start : start + SQS_BATCH])
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
        except (ClientError, BotoCoreError) as exc:
            raise StoreUnavailable(f"SQS SendMessageBatch failed: {type(exc).__name__}") from None
        return {f["Id"]: f.get("Code", "") for f in response.get("Failed", [])}
