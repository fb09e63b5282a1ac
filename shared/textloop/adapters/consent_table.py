"""The consent ledger (its own table): per number, the current status and an append-only, bounded
history; erased numbers' opt-outs kept by keyed hash. Its own module so the inbound and status webhooks'
cold start loads only this adapter."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from textloop.adapters.dynamo_table import (
    MOVE_ATTEMPTS,
    _condition_failed,
    _s,
    _Table,
    _translated,
    batch_delete,
    batch_get,
    iso,
)
from textloop.domain.consent import ConsentChange, ConsentForgotten, ConsentRecord, ConsentStatus, Tombstone
from textloop.domain.errors import StoreUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

HISTORY_INLINE = 50  # CONSENT_HISTORY_INLINE: consent entries kept on the number's own item
HISTORY_PREFIX = "HIST#"  # ConsentTable: HIST#<e164>#<seq>, history entries moved out of the number's item
ERASED_PREFIX = "ERASED#"  # ConsentTable: ERASED#<keyed hash>, the opt-out of an erased number


class DynamoConsentLedger(_Table):
    """Per E.164 number: the current status and an append-only history. Never loses an event;
    an older event never overwrites a newer status.

    Bounded in size: the number's item keeps its latest ``history_inline`` entries; when an append
    goes beyond that, the oldest move to an overflow item ``HIST#<e164>#<seq>`` (``chunks`` on the
    number's item counts them), written in one transaction with the trim of the number's item and on
    condition that no other move happened since: a failed, repeated or concurrent move never drops
    or repeats an entry. A move that fails leaves the entries where they are; the next append moves
    them. ``evidence`` keeps the evidence of the inline entries; ``history`` reads each evidence once.

    Erased numbers: ``ERASED#<keyed hash>`` keeps the opt-out of an erased number without the number;
    ``status`` falls back to it when the number has no status of its own, and an opt-in older than it
    only joins the history.
    """

    def __init__(
        self,
        table: str,
        client: DynamoDBClient | None = None,
        *,
        history_inline: int = HISTORY_INLINE,
        hasher: Callable[[str], str] | None = None,
    ) -> None:
        super().__init__(table, client)
        if history_inline < 1:
            raise ValueError("history_inline must be at least 1")
        self.history_inline = history_inline
        self.hasher = hasher  # the keyed hash of erased numbers; None: no tombstones (not configured)

    def status(self, phone: str) -> ConsentStatus | None:
        with _translated("GetItem"):
            item = self.client.get_item(
                TableName=self.table,
                Key={"phone": _s(phone)},
                ConsistentRead=True,
                ProjectionExpression="#status",
                ExpressionAttributeNames={"#status": "status"},
            ).get("Item")
        value = (item or {}).get("status", {}).get("S")
        if not value:  # no status of its own: an erased number may still have said STOP
            value = (self._tombstone_item(phone) or {}).get("status", {}).get("S")
        return ConsentStatus(value) if value else None

    def is_opted_out(self, phone: str) -> bool:
        return self.status(phone) is ConsentStatus.OPTED_OUT

    def record(self, change: ConsentChange) -> bool:
        """Returns True when the status changed. The same evidence (a MessageSid retried by Twilio)
        is recorded once; an older change only joins the history."""
        entry = {
            "M": {
                "status": _s(str(change.status)),
                "source": _s(change.source),
                "evidence": _s(change.evidence),
                "at": _s(iso(change.at)),
            }
        }
        values = {
            ":entry": {"L": [entry]},
            ":empty": {"L": []},
            ":evidence": {"SS": [change.evidence]},
            ":one": _s(change.evidence),
        }
        if change.status is ConsentStatus.OPTED_IN and self._erased_after(change):
            self._append_only(change.phone, values)  # the erased number's later opt-out stands
            return False
        try:
            old = self.client.update_item(
                TableName=self.table,
                Key={"phone": _s(change.phone)},
                UpdateExpression="SET #status = :status, updated_at = :at, "
                "history = list_append(if_not_exists(history, :empty), :entry) ADD evidence :evidence",
                ConditionExpression="(attribute_not_exists(updated_at) OR updated_at <= :at) "
                "AND NOT contains(evidence, :one)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    **values,
                    ":status": _s(str(change.status)),
                    ":at": _s(iso(change.at)),
                },
                ReturnValues="ALL_OLD",
            )
        except ClientError as exc:
            if not _condition_failed(exc):
                raise StoreUnavailable(
                    f"DynamoDB UpdateItem failed: {exc.response['Error']['Code']}"
                ) from None
        else:
            attributes = old.get("Attributes", {})
            self._bound(change.phone, len(attributes.get("history", {}).get("L", [])) + 1)
            return bool(attributes.get("status", {}).get("S") != change.status)
        self._append_only(change.phone, values)  # older than the current status: history only
        return False

    # -- privacy: the whole record, erasure ----------------------------------------------------------

    def consent_record(self, phone: str) -> ConsentRecord | None:
        read = self._read(phone)
        return read[1] if read else None

    def history(self, phone: str) -> list[ConsentChange]:
        """Every change recorded for *phone* (moved out and inline), oldest recorded first."""
        record = self.consent_record(phone)
        return list(record.history) if record else []

    def tombstone(self, phone: str) -> Tombstone | None:
        item = self._tombstone_item(phone, projection=False)
        if not item:
            return None
        return Tombstone(
            key=item["phone"]["S"].removeprefix(ERASED_PREFIX),
            status=ConsentStatus(item["status"]["S"]),
            updated_at=item.get("updated_at", {}).get("S", ""),
            erased_at=item.get("erased_at", {}).get("S", ""),
        )

    def forget(self, phone: str, at: datetime) -> ConsentForgotten:
        """Delete the number's item and its overflow items (those first: a crash leaves the number's
        item, so a retry finds them again); an opt-out stays as ``ERASED#<hash>``. Idempotent."""
        if self.hasher is None:
            raise RuntimeError("no privacy hash key is configured: an erased opt-out could not be kept")
        tombstone_key = {"phone": _s(ERASED_PREFIX + self.hasher(phone))}
        for _ in range(MOVE_ATTEMPTS):
            read = self._read(phone)
            if read is None:
                return ConsentForgotten(0, 0, self._tombstone_item(phone) is not None)
            item, record = read
            kept = self._keep_tombstone(tombstone_key, record, at)
            keys = [{"phone": _s(_history_key(phone, s))} for s in range(1, record.overflow_items + 1)]
            batch_delete(self.client, self.table, keys)
            chunks = item.get("chunks", {}).get("N")
            try:  # only the state just read: a change arriving meanwhile makes it look again
                self.client.delete_item(
                    TableName=self.table,
                    Key={"phone": _s(phone)},
                    ConditionExpression=("chunks = :chunks" if chunks else "attribute_not_exists(chunks)")
                    + " AND size(history) = :size",
                    ExpressionAttributeValues={
                        ":size": {"N": str(len(item.get("history", {}).get("L", [])))},
                        **({":chunks": {"N": chunks}} if chunks else {}),
                    },
                )
            except ClientError as exc:
                if not _condition_failed(exc):
                    raise StoreUnavailable(
                        f"DynamoDB DeleteItem failed: {exc.response['Error']['Code']}"
                    ) from None
                continue
            return ConsentForgotten(len(record.history), len(keys) + 1, kept)
        raise StoreUnavailable("the number's consent kept changing while it was being erased")

    # -- helpers -------------------------------------------------------------------------------------

    def _read(self, phone: str) -> tuple[dict[str, Any], ConsentRecord] | None:
        """The number's item as stored, and its record with the overflow items read back."""
        with _translated("GetItem"):
            item = self.client.get_item(
                TableName=self.table, Key={"phone": _s(phone)}, ConsistentRead=True
            ).get("Item")
        if not item:
            return None
        chunks = int(item.get("chunks", {}).get("N", "0"))
        keys = [{"phone": _s(_history_key(phone, seq))} for seq in range(1, chunks + 1)]
        found = {i["phone"]["S"]: i for i in batch_get(self.client, self.table, keys)}
        entries = [
            entry
            for key in keys
            for entry in found.get(key["phone"]["S"], {}).get("entries", {}).get("L", [])
        ]
        history: dict[str, ConsentChange] = {}
        for entry in [*entries, *item.get("history", {}).get("L", [])]:
            change = _change(phone, entry["M"])  # an evidence moved out and retried later: once
            history.setdefault(change.evidence, change)
        status = item.get("status", {}).get("S")
        record = ConsentRecord(
            phone=phone,
            status=ConsentStatus(status) if status else None,
            updated_at=item.get("updated_at", {}).get("S", ""),
            history=tuple(history.values()),
            overflow_items=chunks,
        )
        return item, record

    def _append_only(self, phone: str, values: dict[str, Any]) -> None:
        try:  # kept in the history only (once)
            old = self.client.update_item(
                TableName=self.table,
                Key={"phone": _s(phone)},
                UpdateExpression="SET history = list_append(if_not_exists(history, :empty), :entry) ADD evidence :evidence",
                ConditionExpression="NOT contains(evidence, :one)",
                ExpressionAttributeValues=values,
                ReturnValues="ALL_OLD",
            )
        except ClientError as exc:
            if not _condition_failed(exc):
                raise StoreUnavailable(
                    f"DynamoDB UpdateItem failed: {exc.response['Error']['Code']}"
                ) from None
            return
        self._bound(phone, len(old.get("Attributes", {}).get("history", {}).get("L", [])) + 1)

    def _bound(self, phone: str, length: int) -> None:
        """Move what goes beyond ``history_inline`` out of the number's item. The change itself is
        recorded already: a failed move must not fail it (the next append moves the excess)."""
        if length <= self.history_inline:
            return
        with suppress(StoreUnavailable):
            self._move_oldest(phone)

    def _move_oldest(self, phone: str) -> None:
        for _ in range(MOVE_ATTEMPTS):
            with _translated("GetItem"):
                item = self.client.get_item(
                    TableName=self.table,
                    Key={"phone": _s(phone)},
                    ConsistentRead=True,
                    ProjectionExpression="history, chunks",
                ).get("Item")
            history = (item or {}).get("history", {}).get("L", [])
            if item is None or len(history) <= self.history_inline:
                return
            moved = history[: len(history) - self.history_inline]
            chunks = int(item.get("chunks", {}).get("N", "0"))
            evidence = sorted({e["M"]["evidence"]["S"] for e in moved})
            trim: Any = {
                "TableName": self.table,
                "Key": {"phone": _s(phone)},
                "UpdateExpression": "REMOVE "
                + ", ".join(f"history[{n}]" for n in range(len(moved)))
                + " SET chunks = :next DELETE evidence :moved",
                "ConditionExpression": "attribute_exists(phone) AND "
                + ("chunks = :chunks" if chunks else "attribute_not_exists(chunks)"),
                "ExpressionAttributeValues": {
                    ":next": {"N": str(chunks + 1)},
                    ":moved": {"SS": evidence},
                    **({":chunks": {"N": str(chunks)}} if chunks else {}),
                },
            }
            overflow: Any = {
                "TableName": self.table,
                "Item": {
                    "phone": _s(_history_key(phone, chunks + 1)),
                    "entries": {"L": moved},
                    "count": {"N": str(len(moved))},
                },
                "ConditionExpression": "attribute_not_exists(phone)",
            }
            try:
                self.client.transact_write_items(TransactItems=[{"Put": overflow}, {"Update": trim}])
                return
            except BotoCoreError as exc:
                raise StoreUnavailable(f"DynamoDB TransactWriteItems failed: {type(exc).__name__}") from None
            except ClientError as exc:
                if not _condition_failed(exc) and not _conflict(exc):
                    raise StoreUnavailable(
                        f"DynamoDB TransactWriteItems failed: {exc.response['Error']['Code']}"
                    ) from None
            # another writer moved entries first (or the number was erased): look again

    def _erased_after(self, change: ConsentChange) -> bool:
        """Whether an erased opt-out of this number is newer than *change*."""
        tombstone = self._tombstone_item(change.phone) or {}
        return bool(tombstone.get("updated_at", {}).get("S", "") > iso(change.at))

    def _tombstone_item(self, phone: str, *, projection: bool = True) -> dict[str, Any] | None:
        if self.hasher is None:
            return None
        request: dict[str, Any] = {
            "TableName": self.table,
            "Key": {"phone": _s(ERASED_PREFIX + self.hasher(phone))},
            "ConsistentRead": True,
        }
        if projection:
            request.update(
                ProjectionExpression="#status, updated_at", ExpressionAttributeNames={"#status": "status"}
            )
        with _translated("GetItem"):
            item: dict[str, Any] | None = self.client.get_item(**request).get("Item")
        return item

    def _keep_tombstone(self, key: dict[str, Any], record: ConsentRecord, at: datetime) -> bool:
        """Make ``ERASED#<hash>`` say what the number's own item says; return whether one stays."""
        if record.status is ConsentStatus.OPTED_OUT:
            try:  # a newer one stays (a retried erasure, an erased number that said STOP again)
                self.client.put_item(
                    TableName=self.table,
                    Item={
                        **key,
                        "status": _s(str(record.status)),
                        "updated_at": _s(record.updated_at),
                        "erased_at": _s(iso(at)),
                    },
                    ConditionExpression="attribute_not_exists(phone) OR updated_at <= :at",
                    ExpressionAttributeValues={":at": _s(record.updated_at)},
                )
            except ClientError as exc:
                if not _condition_failed(exc):
                    raise StoreUnavailable(
                        f"DynamoDB PutItem failed: {exc.response['Error']['Code']}"
                    ) from None
            return True
        with _translated("GetItem"):
            exists = "Item" in self.client.get_item(TableName=self.table, Key=key, ConsistentRead=True)
        if record.status is ConsentStatus.OPTED_IN and exists:
            try:  # it opted in again after the erased opt-out: nothing is left to honour
                self.client.delete_item(
                    TableName=self.table,
                    Key=key,
                    ConditionExpression="updated_at < :at",
                    ExpressionAttributeValues={":at": _s(record.updated_at)},
                )
                return False
            except ClientError as exc:
                if not _condition_failed(exc):
                    raise StoreUnavailable(
                        f"DynamoDB DeleteItem failed: {exc.response['Error']['Code']}"
                    ) from None
        return exists


def _history_key(phone: str, seq: int) -> str:
    return f"{HISTORY_PREFIX}{phone}#{seq:06d}"


def _change(phone: str, entry: dict[str, Any]) -> ConsentChange:
    return ConsentChange(
        phone,
        ConsentStatus(entry["status"]["S"]),
        entry["source"]["S"],
        entry["evidence"]["S"],
        datetime.fromisoformat(entry["at"]["S"]),
    )


def _conflict(exc: ClientError) -> bool:
    """A transaction cancelled because another request touched one of its items at the same time."""
    reasons = exc.response.get("CancellationReasons", [])
    return any(r.get("Code") == "TransactionConflict" for r in reasons)
