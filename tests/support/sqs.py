"""An SQS record as Lambda's event source mapping hands it to a function (one entry of ``Records``)."""

from __future__ import annotations

from typing import Any


def sqs_record(message_id: str, body: str, **attributes: str) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": f"rh-{message_id}",
        "body": body,
        "attributes": attributes,
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:1:q",
    }
