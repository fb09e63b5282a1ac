"""Message records by SID (``MSG#<sid>``) and the send records' SIDs (``SEND#<send id>``): what a Twilio
status callback moves. Its own module so the status webhook's cold start loads only this adapter;
``DynamoConversations`` (in ``dynamodb``) extends it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from textloop.adapters.dynamo_table import _condition_failed, _epoch, _key, _s, _Table, _translated, iso
from textloop.domain.errors import StoreUnavailable

MESSAGE_TTL = timedelta(days=180)  # replies weeks later still find their conversation
SEND_PREFIX = "SEND#"  # StateTable: SEND#<send id>/SEND, an event's send (first claim, SID): reconciliation


class DynamoMessageStatus(_Table):
    """A message's delivery status, moved forward only, and the SID a callback brings for a send."""

    def message(self, sid: str) -> dict[str, Any] | None:
        with _translated("GetItem"):
            item = self.client.get_item(TableName=self.table, Key=_key(f"MSG#{sid}", "MSG")).get("Item")
        return {k: next(iter(v.values())) for k, v in item.items()} if item else None

    def attach_sid(self, identity: str, sid: str) -> bool:
        """A status callback carried the send id (``?slot=``): its SID goes on the send record unless
        one is there (the send's own answer). An unknown id changes nothing. Returns whether it moved."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key=_key(f"{SEND_PREFIX}{identity}", "SEND"),
                UpdateExpression="SET sid = :sid",
                ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(sid) OR sid = :empty)",
                ExpressionAttributeValues={":sid": _s(sid), ":empty": _s("")},
            )
        except ClientError as exc:
            if _condition_failed(exc):
                return False
            raise StoreUnavailable(f"DynamoDB UpdateItem failed: {exc.response['Error']['Code']}") from None
        return True

    def update_status(
        self, sid: str, status: str, rank: int, error_code: str, at: datetime, price: str = ""
    ) -> bool:
        """Move a message's delivery status forward; an older or repeated callback changes nothing.
        *price*: what Twilio charged (its ``Price``, e.g. ``-0.00790``), when the callback says.
        A callback for a record not written yet (Twilio called back before the send's own write) is
        kept on the record's key, to expire with it; the send's write keeps its status."""
        priced = {":price": _s(price)} if price else {}
        try:
            self.client.update_item(
                TableName=self.table,
                Key=_key(f"MSG#{sid}", "MSG"),
                UpdateExpression="SET #status = :status, status_rank = :rank, error_code = :code, status_at = :at"
                + ", expires_at = if_not_exists(expires_at, :expires)"
                + (", delivered_at = :at" if status == "delivered" else "")
                + (", price = :price" if price else ""),
                ConditionExpression="attribute_not_exists(status_rank) OR status_rank < :rank",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":status": _s(status),
                    ":rank": {"N": str(rank)},
                    ":code": _s(error_code),
                    ":at": _s(iso(at)),
                    ":expires": _epoch(at + MESSAGE_TTL),
                    **priced,
                },
            )
        except ClientError as exc:
            if _condition_failed(exc):
                return False
            raise StoreUnavailable(f"DynamoDB UpdateItem failed: {exc.response['Error']['Code']}") from None
        return True
