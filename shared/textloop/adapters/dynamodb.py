"""DynamoDB adapters, one per port: event outcomes, send slots, conversations (message records by
sid and by number), SLA tasks — all in the state table — and the consent ledger in its own table.

Low-level client on purpose: the resource layer costs cold-start time and hides conditions.
Every ClientError is translated: a failed condition is a domain decision, anything else is
``StoreUnavailable`` (retried through the queue, then the DLQ: nothing is lost).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from textloop.domain.errors import InProgress, StoreUnavailable
from textloop.domain.model import (
    Conversation,
    Crm,
    DispatchResult,
    ObjectType,
    Outcome,
    RecordRef,
    WatchedTask,
)
from textloop.domain.ports import ConsentChange, ConsentStatus, SendSlot, SentMessage, SlotState

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# DynamoDB validates every request itself; client-side validation only costs CPU per call.
CLIENT_CONFIG = Config(parameter_validation=False, retries={"mode": "standard", "max_attempts": 3})
SLA_PARTITION = "SLA#OPEN"  # open SLA tasks, sorted by due time: the watchdog reads one partition
OUTCOME_TTL = timedelta(days=35)  # longer than every redelivery window (SQS 4 d, HubSpot 1 d, relay 3 d)
MESSAGE_TTL = timedelta(days=180)  # replies weeks later still find their conversation
CONDITION_FAILED = "ConditionalCheckFailedException"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _epoch(moment: datetime) -> dict[str, str]:
    return {"N": str(int(moment.timestamp()))}


def _s(value: str) -> Any:
    return {"S": value}


@contextmanager
def _translated(what: str) -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        raise StoreUnavailable(f"DynamoDB {what} failed: {code}", code=code) from None
    except BotoCoreError as exc:
        raise StoreUnavailable(f"DynamoDB {what} failed: {type(exc).__name__}") from None


def _condition_failed(exc: ClientError) -> bool:
    error = exc.response.get("Error", {})
    reasons = exc.response.get("CancellationReasons", [])
    return error.get("Code") == CONDITION_FAILED or any(
        r.get("Code") == "ConditionalCheckFailed" for r in reasons
    )


class _Table:
    def __init__(self, table: str, client: DynamoDBClient | None = None) -> None:
        self.table = table
        self.client = client or boto3.client("dynamodb", config=CLIENT_CONFIG)


class DynamoEventOutcomes(_Table):
    """``EVENT#<key>``/``OUTCOME``: the auditable outcome of every event."""

    def outcome(self, event_key: str) -> DispatchResult | None:
        with _translated("GetItem"):
            item = self.client.get_item(
                TableName=self.table, Key=_key(f"EVENT#{event_key}", "OUTCOME"), ConsistentRead=True
            ).get("Item")
        if not item:
            return None
        return DispatchResult(
            Outcome(item["outcome"]["S"]),
            event_key,
            reason=item.get("reason", {}).get("S", ""),
            rule=item.get("rule", {}).get("S", ""),
            sid=item.get("sid", {}).get("S", ""),
        )

    def record_outcome(self, result: DispatchResult, at: datetime) -> None:
        with _translated("PutItem"):
            self.client.put_item(TableName=self.table, Item=_outcome_item(result, at))


class DynamoSendSlots(_Table):
    """``SLOT#<key>``/``SLOT``: the intent to send, moved under a lease; SENT also writes the message
    records (``MSG#<sid>`` and ``PHONE#<e164>``) and LOGGED the event's outcome, atomically."""

    def complete(self, slot: SendSlot, result: DispatchResult, at: datetime) -> None:
        self._slot_transaction(
            _slot_move(slot, SlotState.LOGGED, activity_id=result.activity_id),
            {"Put": {"TableName": self.table, "Item": _outcome_item(result, at)}},
        )

    def claim(self, slot: SendSlot, now: datetime) -> SendSlot | None:
        try:
            self.client.put_item(
                TableName=self.table,
                Item=_slot_item(slot),
                ConditionExpression="attribute_not_exists(pk) OR cooldown_until < :now",
                ExpressionAttributeValues={":now": _s(iso(now))},
            )
            return None
        except ClientError as exc:
            if not _condition_failed(exc):
                raise StoreUnavailable(f"DynamoDB PutItem failed: {exc.response['Error']['Code']}") from None
        with _translated("GetItem"):
            item = self.client.get_item(TableName=self.table, Key=_slot_key(slot.key), ConsistentRead=True)[
                "Item"
            ]
        return _slot_from(item)

    def take_over(self, existing: SendSlot, owner: str, lease_until: datetime) -> SendSlot | None:
        return self._update(
            existing,
            "SET #owner = :new, lease_until = :lease",
            "#owner = :old AND lease_until = :old_lease",
            {":new": _s(owner), ":lease": _s(iso(lease_until)), ":old_lease": _s(iso(existing.lease_until))},
        )

    def advance(self, slot: SendSlot, to: SlotState, **attrs: str) -> SendSlot:
        updated = slot.evolve(state=to, **attrs)
        if to is SlotState.SENT:
            self._sent(updated)
            return updated
        sets = ["#state = :to", *(f"#{name} = :{name}" for name in attrs)]
        values = {":to": _s(str(to)), **{f":{name}": _s(value) for name, value in attrs.items()}}
        if to is SlotState.FAILED:  # a refused message must not block the next trigger
            sets.append("cooldown_until = :claimed")
            values[":claimed"] = _s(iso(slot.claimed_at))
        if self._update(slot, "SET " + ", ".join(sets), "#owner = :me", values, names=list(attrs)) is None:
            raise InProgress("lost the send slot's lease to another worker")
        return updated

    def defer(self, slot: SendSlot, not_before: datetime, cooldown_until: datetime) -> SendSlot:
        values = {
            ":to": _s(str(SlotState.DEFERRED)),
            ":nb": _s(iso(not_before)),
            ":cd": _s(iso(cooldown_until)),
            ":free": _s(iso(slot.claimed_at)),
            ":exp": _epoch(cooldown_until + timedelta(days=1)),
        }
        update = (
            "SET #state = :to, not_before = :nb, cooldown_until = :cd, lease_until = :free, expires_at = :exp"
        )
        moved = self._update(slot, update, "#owner = :me", values)
        if moved is None:
            raise InProgress("lost the send slot's lease to another worker")
        return moved

    def release(self, slot: SendSlot, now: datetime) -> None:
        # The state stays as it is: a SENDING slot is reconciled with the provider on the retry.
        self._update(slot, "SET lease_until = :now", "#owner = :me", {":now": _s(iso(now))})

    def _update(
        self,
        slot: SendSlot,
        update: str,
        condition: str,
        values: dict[str, dict[str, str]],
        names: list[str] | tuple[str, ...] = (),
    ) -> SendSlot | None:
        attribute_names = {"#owner": "owner", **{f"#{name}": name for name in names}}
        if "#state" in update:
            attribute_names["#state"] = "state"
        try:
            item = self.client.update_item(
                TableName=self.table,
                Key=_slot_key(slot.key),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames=attribute_names,
                ExpressionAttributeValues={**_owner_values(condition, slot.owner), **values},
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except ClientError as exc:
            if _condition_failed(exc):
                return None
            raise StoreUnavailable(f"DynamoDB UpdateItem failed: {exc.response['Error']['Code']}") from None
        return _slot_from(item)

    def _sent(self, slot: SendSlot) -> None:
        """Slot → SENT, and the message record by sid (status callbacks) and by phone (replies)."""
        now = datetime.fromisoformat(slot.sent_at) if slot.sent_at else datetime.now(UTC)
        message: dict[str, Any] = {
            "sid": _s(slot.sid),
            "phone": _s(slot.phone),
            "crm": _s(slot.record.crm),
            "object_type": _s(slot.record.object_type),
            "record_id": _s(slot.record.record_id),
            "contact_id": _s(slot.contact_id or ""),
            "owner_id": _s(slot.owner_id or ""),
            "rule": _s(slot.rule),
            "purpose": _s(slot.purpose),
            "template": _s(f"{slot.template_id}@v{slot.template_version}"),
            "event_key": _s(slot.event_key),
            "status": _s("accepted"),
            "sent_at": _s(iso(now)),
            "expires_at": _epoch(now + MESSAGE_TTL),
        }
        self._slot_transaction(
            _slot_move(slot, SlotState.SENT, sid=slot.sid, sent_at=iso(now)),
            {"Put": {"TableName": self.table, "Item": {**_key(f"MSG#{slot.sid}", "MSG"), **message}}},
            {
                "Put": {
                    "TableName": self.table,
                    "Item": {**_key(f"PHONE#{slot.phone}", f"MSG#{iso(now)}#{slot.sid}"), **message},
                }
            },
        )

    def _slot_transaction(self, move: dict[str, Any], *records: Any) -> None:
        """One atomic write: the slot's move (conditional on still holding it) and its records."""
        update: Any = {"Update": {"TableName": self.table, **move}}
        try:
            self.client.transact_write_items(TransactItems=[update, *records])
        except ClientError as exc:
            if _condition_failed(exc):
                raise InProgress("lost the send slot's lease to another worker") from None
            raise StoreUnavailable(
                f"DynamoDB TransactWriteItems failed: {exc.response['Error']['Code']}"
            ) from None


class DynamoConversations(_Table):
    """Outbound messages by sid (``MSG#<sid>``: status callbacks) and by number (``PHONE#<e164>``,
    newest last: replies and frequency caps)."""

    def latest_conversation(self, phone: str) -> Conversation | None:
        with _translated("Query"):
            items = self.client.query(
                TableName=self.table,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :msg)",
                ExpressionAttributeValues={":pk": _s(f"PHONE#{phone}"), ":msg": _s("MSG#")},
                ScanIndexForward=False,
                Limit=1,
            )["Items"]
        if not items:
            return None
        item = items[0]
        return Conversation(
            record=_record(item["crm"]["S"], item["object_type"]["S"], item["record_id"]["S"]),
            contact_id=item["contact_id"]["S"] or None,
            owner_id=item["owner_id"]["S"] or None,
            sid=item["sid"]["S"],
            sent_at=item["sent_at"]["S"],
        )

    def sent_since(self, phone: str, since: datetime) -> list[SentMessage]:
        items: list[dict[str, Any]] = []
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND sk >= :since",
            "ExpressionAttributeValues": {":pk": _s(f"PHONE#{phone}"), ":since": _s(f"MSG#{iso(since)}")},
            "ProjectionExpression": "sent_at, #rule, purpose",
            "ExpressionAttributeNames": {"#rule": "rule"},
        }
        with _translated("Query"):
            while True:
                page = self.client.query(**request)
                items += page["Items"]
                if "LastEvaluatedKey" not in page:
                    break
                request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return [
            SentMessage(
                datetime.fromisoformat(i["sent_at"]["S"]),
                i.get("rule", {}).get("S", ""),
                i.get("purpose", {}).get("S", "transactional"),
            )
            for i in items
        ]

    def message(self, sid: str) -> dict[str, Any] | None:
        with _translated("GetItem"):
            item = self.client.get_item(TableName=self.table, Key=_key(f"MSG#{sid}", "MSG")).get("Item")
        return {k: next(iter(v.values())) for k, v in item.items()} if item else None

    def update_status(self, sid: str, status: str, rank: int, error_code: str, at: datetime) -> bool:
        """Move a message's delivery status forward; an older or repeated callback changes nothing."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key=_key(f"MSG#{sid}", "MSG"),
                UpdateExpression="SET #status = :status, status_rank = :rank, error_code = :code, status_at = :at",
                ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(status_rank) OR status_rank < :rank)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":status": _s(status),
                    ":rank": {"N": str(rank)},
                    ":code": _s(error_code),
                    ":at": _s(iso(at)),
                },
            )
        except ClientError as exc:
            if _condition_failed(exc):
                return False
            raise StoreUnavailable(f"DynamoDB UpdateItem failed: {exc.response['Error']['Code']}") from None
        return True


class DynamoSlaTasks(_Table):
    """``SLA#OPEN``/``<due>#<crm>#<task>``: open SLA tasks in due order; ``TASK#…``/``SLA``: done."""

    def watch_task(self, task: WatchedTask) -> None:
        item = {
            **_key(SLA_PARTITION, f"{iso(task.due)}#{task.crm}#{task.task_id}"),
            "crm": _s(task.crm),
            "task_id": _s(task.task_id),
            "due": _s(iso(task.due)),
            "owner_id": _s(task.owner_id or ""),
            "contact_id": _s(task.contact_id or ""),
            "object_type": _s(task.record.object_type if task.record else ""),
            "record_id": _s(task.record.record_id if task.record else ""),
            "subject": _s(task.subject),
        }
        with _translated("PutItem"):
            self.client.put_item(TableName=self.table, Item=item)

    def overdue_tasks(self, now: datetime) -> list[WatchedTask]:
        with _translated("Query"):
            items = self.client.query(
                TableName=self.table,
                KeyConditionExpression="pk = :pk AND sk <= :now",
                ExpressionAttributeValues={":pk": _s(SLA_PARTITION), ":now": _s(iso(now))},
            )["Items"]
        return [_watched(item) for item in items]

    def stop_watching(self, task: WatchedTask, outcome: str, at: datetime) -> None:
        with _translated("TransactWriteItems"):
            self.client.transact_write_items(
                TransactItems=[
                    {
                        "Delete": {
                            "TableName": self.table,
                            "Key": _key(SLA_PARTITION, f"{iso(task.due)}#{task.crm}#{task.task_id}"),
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": {
                                **_key(f"TASK#{task.crm}#{task.task_id}", "SLA"),
                                "outcome": _s(outcome),
                                "due": _s(iso(task.due)),
                                "at": _s(iso(at)),
                                "expires_at": _epoch(at + OUTCOME_TTL),
                            },
                        }
                    },
                ]
            )


class DynamoConsentLedger(_Table):
    """Per E.164 number: the current status and an append-only history. Never loses an event;
    an older event never overwrites a newer status."""

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
            return bool(old.get("Attributes", {}).get("status", {}).get("S") != change.status)
        except ClientError as exc:
            if not _condition_failed(exc):
                raise StoreUnavailable(
                    f"DynamoDB UpdateItem failed: {exc.response['Error']['Code']}"
                ) from None
        try:  # older than the current status: keep it in the history only (once)
            self.client.update_item(
                TableName=self.table,
                Key={"phone": _s(change.phone)},
                UpdateExpression="SET history = list_append(if_not_exists(history, :empty), :entry) ADD evidence :evidence",
                ConditionExpression="NOT contains(evidence, :one)",
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if not _condition_failed(exc):
                raise StoreUnavailable(
                    f"DynamoDB UpdateItem failed: {exc.response['Error']['Code']}"
                ) from None
        return False


def _outcome_item(result: DispatchResult, at: datetime) -> dict[str, Any]:
    return {
        **_key(f"EVENT#{result.event_key}", "OUTCOME"),
        "outcome": _s(str(result.outcome)),
        "reason": _s(result.reason),
        "rule": _s(result.rule),
        "sid": _s(result.sid),
        "activity_id": _s(result.activity_id),
        "details": {"M": {k: _s(str(v)) for k, v in result.details.items()}},
        "at": _s(iso(at)),
        "expires_at": _epoch(at + OUTCOME_TTL),
    }


def _slot_move(slot: SendSlot, to: SlotState, **attrs: str) -> dict[str, Any]:
    """The conditional update moving a held slot to *to* (the table name is added by the caller)."""
    return {
        "Key": _slot_key(slot.key),
        "UpdateExpression": "SET #state = :to, " + ", ".join(f"#{name} = :{name}" for name in attrs),
        "ConditionExpression": "#owner = :me",
        "ExpressionAttributeNames": {"#state": "state", "#owner": "owner", **{f"#{n}": n for n in attrs}},
        "ExpressionAttributeValues": {
            ":to": _s(str(to)),
            ":me": _s(slot.owner),
            **{f":{name}": _s(value) for name, value in attrs.items()},
        },
    }


def _record(crm: str, object_type: str, record_id: str) -> RecordRef:
    """A record reference read back from the table (written from a valid RecordRef)."""
    return RecordRef(cast(Crm, crm), cast(ObjectType, object_type), record_id)


def _watched(item: dict[str, Any]) -> WatchedTask:
    crm, object_type, record_id = item["crm"]["S"], item["object_type"]["S"], item["record_id"]["S"]
    return WatchedTask(
        crm=cast(Crm, crm),
        task_id=item["task_id"]["S"],
        due=datetime.fromisoformat(item["due"]["S"]),
        owner_id=item["owner_id"]["S"] or None,
        contact_id=item["contact_id"]["S"] or None,
        record=_record(crm, object_type, record_id) if record_id else None,
        subject=item["subject"]["S"],
    )


def _owner_values(condition: str, owner: str) -> dict[str, dict[str, str]]:
    return {name: _s(owner) for name in (":me", ":old") if name in condition}


def _key(pk: str, sk: str) -> dict[str, dict[str, str]]:
    return {"pk": _s(pk), "sk": _s(sk)}


def _slot_key(key: str) -> dict[str, dict[str, str]]:
    return _key(f"SLOT#{key}", "SLOT")


_SLOT_TEXT = (
    "event_key",
    "owner",
    "rule",
    "template_id",
    "phone",
    "body",
    "sid",
    "activity_id",
    "error",
    "purpose",
    "sent_at",
)
_SLOT_TIMES = ("claimed_at", "lease_until", "cooldown_until")


def _slot_item(slot: SendSlot) -> dict[str, Any]:
    item: dict[str, Any] = {
        **_slot_key(slot.key),
        "key": _s(slot.key),
        "state": _s(str(slot.state)),
        "crm": _s(slot.record.crm),
        "object_type": _s(slot.record.object_type),
        "record_id": _s(slot.record.record_id),
        "template_version": {"N": str(slot.template_version)},
        "contact_id": _s(slot.contact_id or ""),
        "owner_id": _s(slot.owner_id or ""),
        "expires_at": _epoch(slot.cooldown_until + timedelta(days=1)),
    }
    item.update({name: _s(getattr(slot, name)) for name in _SLOT_TEXT})
    item.update({name: _s(iso(getattr(slot, name))) for name in _SLOT_TIMES})
    if slot.not_before is not None:
        item["not_before"] = _s(iso(slot.not_before))
    return item


def _slot_from(item: dict[str, Any]) -> SendSlot:
    def text(name: str) -> str:
        return str(item.get(name, {}).get("S", ""))

    fields: dict[str, Any] = {name: text(name) for name in _SLOT_TEXT}
    fields.update({name: datetime.fromisoformat(text(name)) for name in _SLOT_TIMES})
    fields["purpose"] = fields["purpose"] or "transactional"
    return SendSlot(
        not_before=datetime.fromisoformat(text("not_before")) if text("not_before") else None,
        key=text("key"),
        state=SlotState(text("state")),
        record=_record(text("crm"), text("object_type"), text("record_id")),
        template_version=int(item["template_version"]["N"]),
        contact_id=text("contact_id") or None,
        owner_id=text("owner_id") or None,
        **fields,
    )
