"""``GET /_local/state``: one JSON snapshot of everything the local stack holds.

Shape: ``{"sms": [...], "salesforce": {...}, "hubspot": {...}, "consent": [...], "ledger": [...],
"queues": {...}, "inbound": [...]}`` — the Twilio emulator's messages, each CRM emulator's records (seed included),
the ConsentTable and StateTable items (plain JSON, numbers as int/float), queue depths, and the
routed replies (``inbound``: sid, masked sender, intent, where routed, task, due — from the ledger's
``EVENT#in:<sid>`` outcomes).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

_deserializer = TypeDeserializer()


def plain(value: Any) -> Any:
    """DynamoDB-deserialized values → JSON-able values."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set | frozenset):
        return sorted(plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, bytes | bytearray):
        import base64

        return base64.b64encode(value).decode()
    return value


def scan_table(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        page = dynamodb.scan(**kwargs)
        items.extend(
            {k: plain(_deserializer.deserialize(v)) for k, v in item.items()}
            for item in page.get("Items", [])
        )
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return sorted(items, key=lambda i: tuple(str(i.get(k, "")) for k in ("pk", "sk", "phone")))


def _sms(twilio_state: dict[str, Any]) -> list[Any]:
    for key in ("messages", "sms", "Messages"):
        if isinstance(twilio_state.get(key), list):
            return list(twilio_state[key])
    if isinstance(twilio_state.get("messages"), dict):
        return list(twilio_state["messages"].values())
    return []


def snapshot(stack: Any) -> dict[str, Any]:
    """The observed state of a running ``LocalStack`` (see serve.py)."""
    twilio_state = stack.twilio.state() if stack.twilio else {}
    result: dict[str, Any] = {
        "sms": _sms(twilio_state),
        "twilio": {
            **{k: v for k, v in twilio_state.items() if k != "messages"},
            "status_callbacks": [
                {
                    "MessageSid": c["params"].get("MessageSid"),
                    "MessageStatus": c["params"].get("MessageStatus"),
                    "http_status": c.get("status"),
                    "error": c.get("error"),
                }
                for c in getattr(stack.twilio, "callbacks", [])
            ],
        }
        if stack.twilio
        else {},
        "salesforce": stack.salesforce.state() if stack.salesforce else {},
        "hubspot": stack.hubspot.state() if stack.hubspot else {},
        "consent": scan_table(stack.dynamodb, stack.consent_table),
        "ledger": scan_table(stack.dynamodb, stack.state_table),
        "queues": stack.queue_depths(),
    }
    result = json.loads(json.dumps(result, default=_default))
    from textloop_local.transcript import inbound_summary

    result["inbound"] = inbound_summary(result)  # the routed replies, from the ledger's EVENT#in:<sid>
    return result


def _default(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return sorted(value)
    if isinstance(value, Decimal):
        return plain(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
