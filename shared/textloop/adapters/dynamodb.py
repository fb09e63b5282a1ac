"""DynamoDB adapters, one per port: event outcomes, send slots, conversations (message records by
sid and by number), SLA tasks, tracked links — all in the state table — and the consent ledger in
its own table.

Low-level client on purpose: the resource layer costs cold-start time and hides conditions.
Every ClientError is translated: a failed condition is a domain decision, anything else is
``StoreUnavailable`` (retried through the queue, then the DLQ: nothing is lost).
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from textloop.adapters.consent_table import DynamoConsentLedger as DynamoConsentLedger  # re-exported
from textloop.adapters.dynamo_table import CLIENT_CONFIG as CLIENT_CONFIG  # re-exported
from textloop.adapters.dynamo_table import (
    MOVE_ATTEMPTS,
    _condition_failed,
    _epoch,
    _key,
    _s,
    _Table,
    _translated,
    batch_put,
)
from textloop.adapters.dynamo_table import iso as iso  # re-exported
from textloop.adapters.message_status import MESSAGE_TTL as MESSAGE_TTL  # re-exported
from textloop.adapters.message_status import SEND_PREFIX, DynamoMessageStatus
from textloop.domain import links, pipeline, segments
from textloop.domain.attribution import cohort
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
from textloop.domain.ports import (
    CapEntry,
    CapLedger,
    SendPlan,
    SendSlot,
    SentMessage,
    SlotState,
)
from textloop.domain.reconcile import SendAttempt, send_id
from textloop.domain.send_optimiser import HourCount

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from textloop.domain.links import Click, TrackedLink

SLA_PARTITION = "SLA#OPEN"  # open SLA tasks, sorted by due time: the watchdog reads one partition
OUTCOME_TTL = timedelta(days=35)  # longer than every redelivery window (SQS 4 d, HubSpot 1 d, relay 3 d)
INDEX_PREFIX = "NUMBER#"  # StateTable: NUMBER#<e164>/SLOT#<key>, the send slots of a number
CONTACT_PREFIX = "CONTACT#"  # StateTable: CONTACT#<crm>:<id>/NUMBER#<e164>, the numbers of a contact
INDEX_MARGIN = timedelta(days=31)  # a deferred slot held back again, up to the send-time policy's horizon
LINK_PREFIX = "LINK#"  # StateTable: LINK#<code>/LINK (the link), LINK#<code>/CLICK#<iso>#<id> (its fetches)
LINK_KEY_ITEM = ("LINK#KEY", "KEY")  # the deployment's link key (random, created on first use)
USER_AGENT_KEPT = 256  # characters of a User-Agent kept with a click


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
    records (``MSG#<sid>`` and ``PHONE#<e164>``) and LOGGED the event's outcome, atomically.

    Privacy: the body stays in the slot only while it may still be sent or logged; LOGGED and FAILED
    remove it (the CRM record holds the thread). Message records expire ``retention`` after sending.
    A claim first indexes the slot by number (``NUMBER#<e164>``) and the number by contact
    (``CONTACT#<crm>:<id>``), so that an erasure finds every slot and a CRM's deletion every number.
    ``attempt`` keeps the event's send (``SEND#<send id>``: first claim, SID) longer than the slot, for
    reconciliation after a redelivery or a DLQ redrive (``domain/reconcile.py``).
    """

    def __init__(
        self, table: str, client: DynamoDBClient | None = None, retention: timedelta = MESSAGE_TTL
    ) -> None:
        super().__init__(table, client)
        self.retention = retention

    def complete(self, slot: SendSlot, result: DispatchResult, at: datetime) -> None:
        move = _slot_move(slot, SlotState.LOGGED, activity_id=result.activity_id)
        if slot.entry:  # the stage entry it texted is remembered as long as its message records
            move["UpdateExpression"] += ", expires_at = :exp"
            kept = max(slot.cooldown_until + timedelta(days=1), at + self.retention)
            move["ExpressionAttributeValues"][":exp"] = _epoch(kept)
        move["UpdateExpression"] += " REMOVE body"  # logged on the CRM record: no longer needed here
        self._slot_transaction(move, {"Put": {"TableName": self.table, "Item": _outcome_item(result, at)}})

    def claim(self, slot: SendSlot, now: datetime) -> SendSlot | None:
        self._index(slot)  # before the slot: no slot without its index entries
        try:
            self.client.put_item(TableName=self.table, Item=_slot_item(slot), **_claim_condition(slot, now))
            return None
        except ClientError as exc:
            if not _condition_failed(exc):
                raise StoreUnavailable(f"DynamoDB PutItem failed: {exc.response['Error']['Code']}") from None
        with _translated("GetItem"):
            item = self.client.get_item(
                TableName=self.table, Key=_slot_key(slot.key), ConsistentRead=True
            ).get("Item")
        if item is None:  # gone between the two calls (expired, erased): the next delivery claims it
            raise InProgress("the send slot changed while it was being claimed", slot=slot.key)
        return _slot_from(item)

    def slot(self, key: str) -> SendSlot | None:
        with _translated("GetItem"):
            found = self.client.get_item(TableName=self.table, Key=_slot_key(key), ConsistentRead=True)
        return _slot_from(found["Item"]) if found.get("Item") else None

    def take_over(self, existing: SendSlot, owner: str, lease_until: datetime) -> SendSlot | None:
        return self._update(
            existing,
            "SET #owner = :new, lease_until = :lease",
            "#owner = :old AND lease_until = :old_lease",
            {":new": _s(owner), ":lease": _s(iso(lease_until)), ":old_lease": _s(iso(existing.lease_until))},
        )

    def advance(self, slot: SendSlot, to: SlotState, **attrs: str) -> SendSlot:
        # instants are stored in one format (they are compared as strings in conditions)
        attrs = {k: iso(datetime.fromisoformat(v)) if k in _SLOT_TIMES else v for k, v in attrs.items()}
        updated = slot.evolve(
            state=to, **{k: datetime.fromisoformat(v) if k in _SLOT_TIMES else v for k, v in attrs.items()}
        )
        if to is SlotState.SENT:
            self._sent(updated)
            return updated
        sets = ["#state = :to", *(f"#{name} = :{name}" for name in attrs)]
        values = {":to": _s(str(to)), **{f":{name}": _s(value) for name, value in attrs.items()}}
        update = "SET " + ", ".join(sets)
        if to is SlotState.FAILED:  # a refused message must not block the next trigger
            update += ", cooldown_until = :claimed REMOVE body"  # and is never sent: no body to keep
            values[":claimed"] = _s(iso(slot.claimed_at))
        if self._update(slot, update, "#owner = :me", values, names=list(attrs)) is None:
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

    def attempt(self, slot: SendSlot, now: datetime) -> SendAttempt | None:
        """``SEND#<send id>``/``SEND``: the event's send, recorded before the provider is called and
        kept ``OUTCOME_TTL`` (longer than every redelivery and DLQ window) — a redrive after the slot
        expired or was replaced still finds it. No number and no body: only the event, the first
        claim and the SID (set by the send's answer or the first status callback)."""
        identity = send_id(slot.event_key)
        with _translated("UpdateItem"):
            old = self.client.update_item(
                TableName=self.table,
                Key=_key(f"{SEND_PREFIX}{identity}", "SEND"),
                UpdateExpression=(
                    "SET event_key = if_not_exists(event_key, :event), first_at = if_not_exists(first_at, :at),"
                    " expires_at = if_not_exists(expires_at, :exp)"
                ),
                ExpressionAttributeValues={
                    ":event": _s(slot.event_key),
                    ":at": _s(iso(min(slot.claimed_at, now))),
                    ":exp": _epoch(now + OUTCOME_TTL),
                },
                ReturnValues="ALL_OLD",
            ).get("Attributes")
        if not old or "first_at" not in old:
            return None
        return SendAttempt(
            identity,
            old.get("event_key", {}).get("S", slot.event_key),
            datetime.fromisoformat(old["first_at"]["S"]),
            old.get("sid", {}).get("S", ""),
        )

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

    def _index(self, slot: SendSlot) -> None:
        """The slot under its number, and the number under its contact (idempotent puts). They live
        as long as what they point at may: the slot, a re-deferral, then the message records."""
        expires = _epoch(slot.cooldown_until + timedelta(days=1) + INDEX_MARGIN + self.retention)
        items = [{**_key(f"{INDEX_PREFIX}{slot.phone}", f"SLOT#{slot.key}"), "expires_at": expires}]
        if slot.contact_id:
            contact = f"{slot.record.crm}:{slot.contact_id}"
            items[0].update(crm=_s(slot.record.crm), contact_id=_s(slot.contact_id))
            items.append(
                {
                    **_key(f"{CONTACT_PREFIX}{contact}", f"{INDEX_PREFIX}{slot.phone}"),
                    "phone": _s(slot.phone),
                    "expires_at": expires,
                }
            )
        batch_put(self.client, self.table, items)

    def _sent(self, slot: SendSlot) -> None:
        """Slot → SENT, and the message record by sid (status callbacks) and by phone (replies)."""
        now = datetime.fromisoformat(slot.sent_at) if slot.sent_at else datetime.now(UTC)
        cost = segments.count(slot.body)
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
            "template_tag": _s(slot.template_tag),
            "variant": _s(slot.variant),
            # attribution as it was at send (domain/attribution.py): what the report groups by
            "trigger": _s(slot.trigger),
            "stage": _s(slot.stage),
            "tier": _s(slot.tier),
            "lifecycle": _s(slot.lifecycle),
            "cohort": _s(slot.cohort or cohort(now)),
            "segments": {"N": str(cost.segments)},  # what the body costs, by Twilio's rules
            "encoding": _s(cost.encoding),
            "event_key": _s(slot.event_key),
            "account": _s(slot.account),  # the tenant: replies and callbacks use its CRM credentials
            "status": _s("accepted"),
            "sent_at": _s(iso(now)),
            "expires_at": _epoch(now + self.retention),
        }
        # The message under its record, contact and account (what CRM outcomes are credited by): plain puts,
        # idempotent, before the transaction — the provider accepted the message, so the index is true
        # whatever becomes of the slot; outside it they cost half (no transactional writes).
        batch_put(self.client, self.table, message_index_items(slot, now, now + self.retention))
        self._slot_transaction(
            _slot_move(slot, SlotState.SENT, sid=slot.sid, sent_at=iso(now)),
            {"Update": {"TableName": self.table, **_message_update(slot.sid, message)}},
            {"Update": {"TableName": self.table, **_send_sid(slot.event_key, slot.sid, now)}},
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


def _claim_condition(slot: SendSlot, now: datetime) -> dict[str, Any]:
    """A slot is replaced only once its work is finished *and* its cooldown has ended (a cooldown of
    0 ends at once: the state alone keeps a live slot): LOGGED, unless for the stage entry *slot* is
    for; FAILED; DEFERRED with no lease running (its instant is its cooldown). Never SENDING or SENT,
    and never a slot of the same event: its redelivery resumes it (a concurrent one that read no outcome
    yet would otherwise send again once the first is logged)."""
    logged = "#state = :logged"
    values = {
        ":event": _s(slot.event_key),
        ":now": _s(iso(now)),
        ":logged": _s(str(SlotState.LOGGED)),
        ":failed": _s(str(SlotState.FAILED)),
        ":deferred": _s(str(SlotState.DEFERRED)),
    }
    if slot.entry:
        logged += " AND (attribute_not_exists(#entry) OR #entry <> :entry)"
        values[":entry"] = _s(slot.entry)
    finished = f"({logged}) OR #state = :failed OR (#state = :deferred AND lease_until < :now)"
    return {
        "ConditionExpression": (
            f"attribute_not_exists(pk) OR (event_key <> :event AND cooldown_until < :now AND ({finished}))"
        ),
        "ExpressionAttributeNames": {"#state": "state", **({"#entry": "entry"} if slot.entry else {})},
        "ExpressionAttributeValues": values,
    }


def _send_sid(event_key: str, sid: str, at: datetime) -> dict[str, Any]:
    """The SID on the event's send record (``SEND#<send id>``), the moment Twilio answered."""
    return {
        "Key": _key(f"{SEND_PREFIX}{send_id(event_key)}", "SEND"),
        "UpdateExpression": "SET sid = :sid, event_key = if_not_exists(event_key, :event),"
        " expires_at = if_not_exists(expires_at, :exp)",
        "ExpressionAttributeValues": {
            ":sid": _s(sid),
            ":event": _s(event_key),
            ":exp": _epoch(at + OUTCOME_TTL),
        },
    }


def _message_update(sid: str, message: dict[str, Any]) -> dict[str, Any]:
    """The message record by sid, written as an update: a status callback that came first (Twilio may
    call back before the send's own write lands) left its status there, and it is kept."""
    kept = {"status", "status_rank"}
    names = {f"#f{i}": name for i, name in enumerate(message)}
    sets = [
        f"{alias} = if_not_exists({alias}, :v{i})" if name in kept else f"{alias} = :v{i}"
        for i, (alias, name) in enumerate(names.items())
    ]
    return {
        "Key": _key(f"MSG#{sid}", "MSG"),
        "UpdateExpression": "SET " + ", ".join(sets),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": {f":v{i}": value for i, value in enumerate(message.values())},
    }


class DynamoConversations(DynamoMessageStatus):
    """Outbound messages by sid (``MSG#<sid>``: status callbacks, in ``DynamoMessageStatus``) and by
    number (``PHONE#<e164>``, newest last: replies and frequency caps)."""

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
            account=item.get("account", {}).get("S", ""),  # absent on records written before accounts
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

    def cohort(self, phone: str) -> str:
        """Kept on the number's oldest message record still held (each record copies it, so it
        outlives the retention of the first one); a record from before cohorts: its month."""
        with _translated("Query"):
            items = self.client.query(
                TableName=self.table,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :msg)",
                ExpressionAttributeValues={":pk": _s(f"PHONE#{phone}"), ":msg": _s("MSG#")},
                ProjectionExpression="sent_at, cohort",
                Limit=1,
            )["Items"]
        if not items:
            return ""
        first = items[0]
        return str(first.get("cohort", {}).get("S") or cohort(datetime.fromisoformat(first["sent_at"]["S"])))


class DynamoLinks(_Table):
    """``LINK#<code>``/``LINK``: a tracked link and its message's attribution (no number), until the
    message retention ends; ``LINK#<code>``/``CLICK#<iso>#<id>``: each fetch, a click or a preview.
    Codes are keyed hashes under ``LINK#KEY``/``KEY``, a random key the first caller creates."""

    def __init__(self, table: str, client: DynamoDBClient | None = None) -> None:
        super().__init__(table, client)
        self._secret: bytes | None = None

    def code_for(self, *parts: str) -> str:
        return links.derive_code(self._link_key(), *parts)

    def create(self, link: TrackedLink) -> None:
        item: dict[str, Any] = {
            **_key(f"{LINK_PREFIX}{link.code}", "LINK"),
            "code": _s(link.code),
            "target": _s(link.target),
            "slot_key": _s(link.slot_key),
            "event_key": _s(link.event_key),
            "rule": _s(link.rule),
            "template_id": _s(link.template_id),
            "template_version": {"N": str(link.template_version)},
            "template_tag": _s(link.template_tag),
            "variant": _s(link.variant),
            "crm": _s(link.record.crm),
            "object_type": _s(link.record.object_type),
            "record_id": _s(link.record.record_id),
            "contact_id": _s(link.contact_id or ""),
            "owner_id": _s(link.owner_id or ""),
            "account": _s(link.account),
            "sid": _s(link.sid),
            "created_at": _s(iso(link.created_at)),
            "expires": _s(iso(link.expires_at)),
            "expires_at": _epoch(link.expires_at),
            "clicks": {"N": "0"},
            "previews": {"N": "0"},
        }
        try:
            self.client.put_item(
                TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as exc:
            if not _condition_failed(exc):  # already there: a redelivery keeps the link as it is
                raise StoreUnavailable(f"DynamoDB PutItem failed: {exc.response['Error']['Code']}") from None

    def attach(self, code: str, sid: str) -> None:
        with _translated("UpdateItem"):
            self.client.update_item(
                TableName=self.table,
                Key=_key(f"{LINK_PREFIX}{code}", "LINK"),
                UpdateExpression="SET sid = :sid",
                ExpressionAttributeValues={":sid": _s(sid)},
            )

    def link(self, code: str) -> TrackedLink | None:
        if not links.is_code(code):
            return None
        with _translated("GetItem"):
            item = self.client.get_item(TableName=self.table, Key=_key(f"{LINK_PREFIX}{code}", "LINK")).get(
                "Item"
            )
        if not item:
            return None
        found = _link_from(item)
        return found if found.expires_at > datetime.now(UTC) else None  # TTL deletes late: hours

    def record_click(self, click: Click) -> None:
        pk = f"{LINK_PREFIX}{click.code}"
        item = {
            **_key(pk, f"CLICK#{iso(click.at)}#{uuid.uuid4().hex[:8]}"),
            "kind": _s(click.kind),
            "reason": _s(click.reason),
            "method": _s(click.method),
            "user_agent": _s(click.user_agent[:USER_AGENT_KEPT]),
            "sid": _s(click.sid),
            "crm": _s(click.record.crm),
            "object_type": _s(click.record.object_type),
            "record_id": _s(click.record.record_id),
            "variant": _s(click.variant),
            "at": _s(iso(click.at)),
            "expires_at": _epoch(click.at + MESSAGE_TTL),
        }
        counter = "clicks" if click.kind == "click" else "previews"
        with _translated("TransactWriteItems"):
            self.client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": self.table, "Item": item}},
                    {
                        "Update": {
                            "TableName": self.table,
                            "Key": _key(pk, "LINK"),
                            "UpdateExpression": f"ADD {counter} :one",
                            "ConditionExpression": "attribute_exists(pk)",
                            "ExpressionAttributeValues": {":one": {"N": "1"}},
                        }
                    },
                ]
            )

    def clicks(self, code: str) -> list[Click]:
        with _translated("Query"):
            items = self.client.query(
                TableName=self.table,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :click)",
                ExpressionAttributeValues={":pk": _s(f"{LINK_PREFIX}{code}"), ":click": _s("CLICK#")},
            )["Items"]
        return [
            links.Click(
                code=code,
                at=datetime.fromisoformat(i["at"]["S"]),
                kind="click" if i["kind"]["S"] == "click" else "preview",
                reason=i["reason"]["S"],
                method=i["method"]["S"],
                user_agent=i["user_agent"]["S"],
                sid=i["sid"]["S"],
                record=_record(i["crm"]["S"], i["object_type"]["S"], i["record_id"]["S"]),
                variant=i["variant"]["S"],
            )
            for i in items
        ]

    def _link_key(self) -> bytes:
        """The link key: read once per container; the first caller ever creates it (conditionally)."""
        if self._secret is None:
            key = _key(*LINK_KEY_ITEM)
            with _translated("GetItem"):
                item = self.client.get_item(TableName=self.table, Key=key, ConsistentRead=True).get("Item")
            if item is None:
                fresh = base64.b64encode(links.new_key()).decode("ascii")
                try:
                    self.client.put_item(
                        TableName=self.table,
                        Item={**key, "key": _s(fresh)},
                        ConditionExpression="attribute_not_exists(pk)",
                    )
                    item = {"key": _s(fresh)}
                except ClientError as exc:
                    if not _condition_failed(exc):
                        raise StoreUnavailable(
                            f"DynamoDB PutItem failed: {exc.response['Error']['Code']}"
                        ) from None
                    with _translated("GetItem"):  # another container created it first: theirs
                        item = self.client.get_item(TableName=self.table, Key=key, ConsistentRead=True)[
                            "Item"
                        ]
            self._secret = base64.b64decode(item["key"]["S"])
        return self._secret


def _link_from(item: dict[str, Any]) -> TrackedLink:
    def text(name: str) -> str:
        return str(item.get(name, {}).get("S", ""))

    return links.TrackedLink(
        code=text("code"),
        target=text("target"),
        slot_key=text("slot_key"),
        event_key=text("event_key"),
        rule=text("rule"),
        template_id=text("template_id"),
        template_version=int(item.get("template_version", {}).get("N", "0")),
        template_tag=text("template_tag"),
        variant=text("variant"),
        record=_record(text("crm"), text("object_type"), text("record_id")),
        contact_id=text("contact_id") or None,
        owner_id=text("owner_id") or None,
        account=text("account"),
        created_at=datetime.fromisoformat(text("created_at")),
        expires_at=datetime.fromisoformat(text("expires")),
        sid=text("sid"),
    )


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
            "account": _s(task.account),
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

    def stop_watching(
        self, task: WatchedTask, outcome: str, at: datetime, completed_at: datetime | None = None
    ) -> None:
        done: dict[str, Any] = {
            **_key(f"TASK#{task.crm}#{task.task_id}", "SLA"),
            "outcome": _s(outcome),
            "due": _s(iso(task.due)),
            "at": _s(iso(at)),
            "expires_at": _epoch(at + OUTCOME_TTL),
        }
        if completed_at is not None:  # the CRM's completion instant: the owner's first response
            done["completed_at"] = _s(iso(completed_at))
        with _translated("TransactWriteItems"):
            self.client.transact_write_items(
                TransactItems=[
                    {
                        "Delete": {
                            "TableName": self.table,
                            "Key": _key(SLA_PARTITION, f"{iso(task.due)}#{task.crm}#{task.task_id}"),
                        }
                    },
                    {"Put": {"TableName": self.table, "Item": done}},
                ]
            )


def _outcome_item(result: DispatchResult, at: datetime) -> dict[str, Any]:
    return {
        **_key(f"EVENT#{result.event_key}", "OUTCOME"),
        "outcome": _s(str(result.outcome)),
        "reason": _s(result.reason),
        "rule": _s(result.rule),
        "sid": _s(result.sid),
        "activity_id": _s(result.activity_id),
        "details": {"M": {k: _attribute(v) for k, v in result.details.items()}},
        "at": _s(iso(at)),
        "expires_at": _epoch(at + OUTCOME_TTL),
    }


def _attribute(value: Any) -> dict[str, Any]:
    """An audit value as DynamoDB holds it: lists and maps stay lists and maps (zones, local times),
    numbers stay numbers, anything else is its text."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float):
        return {"N": str(value)}
    if isinstance(value, list | tuple):
        return {"L": [_attribute(v) for v in value]}
    if isinstance(value, dict):
        return {"M": {str(k): _attribute(v) for k, v in value.items()}}
    return {"S": str(value)}


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
        account=item.get("account", {}).get("S", ""),
    )


def _owner_values(condition: str, owner: str) -> dict[str, dict[str, str]]:
    return {name: _s(owner) for name in (":me", ":old") if name in condition}


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
    "account",
    "template_tag",
    "variant",
    "trigger",
    "stage",
    "tier",
    "lifecycle",
    "cohort",
    "crm_account",
    "entry",
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


# -- Frequency caps: the per-number cap ledger ------------------------------------------------------

CAPS_PREFIX = "CAPS#"  # StateTable: CAPS#<e164>/CAPS, the number's cap ledger
CAPS_KEPT = 256  # entries kept at most (a caps' limit is far lower; it bounds the item, not the count)
COUNT_ROUNDS = 3  # optimistic rounds of ``count`` (pruning on the way) before its unconditional write


class DynamoCapReservations(_Table):
    """``CAPS#<e164>``/``CAPS``: one entry per message counted against the number's caps (``entries``, a
    map by holder: ``at``, ``rule``, ``purpose``, ``until``), the instant the ledger started (``since``)
    and a ``version`` every write moves. A reservation is a PutItem of the whole ledger conditional on
    the version it was judged on (DynamoDB's per-item atomicity: of N writers on one version, one wins),
    so concurrent claimers are serialised on the number. Entries out of every window are pruned on each
    write; the item expires (TTL ``expires_at``) a day after its last entry stops counting."""

    def ledger(self, phone: str) -> CapLedger:
        with _translated("GetItem"):
            item = self.client.get_item(
                TableName=self.table, Key=_key(f"{CAPS_PREFIX}{phone}", "CAPS"), ConsistentRead=True
            ).get("Item")
        return _cap_ledger(phone, item) if item else CapLedger(phone)

    def reserve(self, ledger: CapLedger, entry: CapEntry) -> bool:
        return ledger.holds(entry.holder) or self._write(ledger, entry)

    def count(self, phone: str, entry: CapEntry) -> None:
        for _ in range(COUNT_ROUNDS):  # the whole ledger, pruned, as long as nobody else is writing
            if self._write(self.ledger(phone), entry):
                return
        key = _key(f"{CAPS_PREFIX}{phone}", "CAPS")
        for _ in range(MOVE_ATTEMPTS):  # contended: add the entry alone, unconditionally (never blocked)
            try:
                self.client.update_item(
                    TableName=self.table,
                    Key=key,
                    UpdateExpression="SET entries.#holder = :entry, expires_at = :exp ADD version :one",
                    ConditionExpression="attribute_exists(pk)",
                    ExpressionAttributeNames={"#holder": entry.holder},
                    ExpressionAttributeValues={
                        ":entry": _cap_entry_value(entry),
                        ":exp": _epoch(entry.until + timedelta(days=1)),
                        ":one": {"N": "1"},
                    },
                )
                return
            except ClientError as exc:
                if not _condition_failed(exc):
                    raise StoreUnavailable(
                        f"DynamoDB UpdateItem failed: {exc.response['Error']['Code']}"
                    ) from None
            if self._write(CapLedger(phone), entry):  # no ledger yet: create it
                return
        raise StoreUnavailable("the number's cap ledger kept appearing and disappearing")

    def release(self, phone: str, holder: str) -> None:
        try:
            self.client.update_item(
                TableName=self.table,
                Key=_key(f"{CAPS_PREFIX}{phone}", "CAPS"),
                UpdateExpression="REMOVE entries.#holder ADD version :one",  # a stale reservation fails
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#holder": holder},
                ExpressionAttributeValues={":one": {"N": "1"}},
            )
        except ClientError as exc:
            if not _condition_failed(exc):  # no ledger: nothing to release
                raise StoreUnavailable(
                    f"DynamoDB UpdateItem failed: {exc.response['Error']['Code']}"
                ) from None

    def _write(self, ledger: CapLedger, entry: CapEntry) -> bool:
        """The ledger with *entry* (replacing its holder's), pruned, if still at ``ledger.version``."""
        kept = [e for e in ledger.entries if e.until > entry.at and e.holder != entry.holder]
        entries = [*kept[-(CAPS_KEPT - 1) :], entry]
        item = {
            **_key(f"{CAPS_PREFIX}{ledger.phone}", "CAPS"),
            "entries": {"M": {e.holder: _cap_entry_value(e) for e in entries}},
            "since": _s(iso(ledger.since or entry.at)),
            "version": {"N": str(ledger.version + 1)},
            "expires_at": _epoch(max(e.until for e in entries) + timedelta(days=1)),
        }
        request: dict[str, Any] = {"TableName": self.table, "Item": item}
        if ledger.version == 0:
            request["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            request["ConditionExpression"] = "version = :version"
            request["ExpressionAttributeValues"] = {":version": {"N": str(ledger.version)}}
        try:
            self.client.put_item(**request)
        except ClientError as exc:
            if _condition_failed(exc):
                return False
            raise StoreUnavailable(f"DynamoDB PutItem failed: {exc.response['Error']['Code']}") from None
        return True


def _cap_entry_value(entry: CapEntry) -> dict[str, Any]:
    values = {"at": iso(entry.at), "rule": entry.rule, "purpose": entry.purpose, "until": iso(entry.until)}
    return {"M": {k: _s(v) for k, v in values.items()}}


def _cap_ledger(phone: str, item: dict[str, Any]) -> CapLedger:
    entries = [
        CapEntry(
            holder,
            datetime.fromisoformat(value["M"]["at"]["S"]),
            value["M"]["rule"]["S"],
            value["M"]["purpose"]["S"],
            datetime.fromisoformat(value["M"]["until"]["S"]),
        )
        for holder, value in item.get("entries", {}).get("M", {}).items()
    ]
    return CapLedger(
        phone,
        tuple(sorted(entries, key=lambda e: (e.at, e.holder))),
        datetime.fromisoformat(item["since"]["S"]) if "since" in item else None,
        int(item.get("version", {}).get("N", "0")),
    )


# -- Outcomes from the CRM: the message index and the pipeline outcomes ---------------------------

REC_PREFIX = "REC#"  # StateTable: REC#<crm>:<object>:<id>/MSG#<iso>#<sid>, a message under a related record


def message_index_items(slot: SendSlot, sent_at: datetime, expires: datetime) -> list[dict[str, Any]]:
    """The message under its record, its contact and its CRM account (no number, no body): what an
    outcome is attributed by. Written when the message is recorded as sent; expires with it."""
    attribution: dict[str, Any] = {
        "sid": _s(slot.sid),
        "sent_at": _s(iso(sent_at)),
        "rule": _s(slot.rule),
        "template": _s(slot.template_id),
        "version": {"N": str(slot.template_version)},
        "variant": _s(slot.variant),
        "expires_at": _epoch(expires),
    }
    record, sk = slot.record, f"MSG#{iso(sent_at)}#{slot.sid}"
    keys = pipeline.message_keys(
        record.crm, record.object_type, record.record_id, slot.contact_id or "", slot.crm_account
    )
    return [{**_key(f"{REC_PREFIX}{k}", sk), **attribution} for k in keys]


class DynamoPipelineOutcomes(_Table):
    """``PIPE#<yyyy-mm>``/``<iso at>#<source id>``: one item per CRM outcome (kind, crm, record, at, amount,
    and the attributed message's sid, rule, template, version, variant), written once (conditional put):
    a redelivered change records nothing. No number, no body, no TTL: the pipeline report reads them.
    The attribution reads ``REC#<key>`` (newest first, one item per related key)."""

    def latest_messages(
        self, related: Sequence[str], since: datetime, until: datetime
    ) -> list[pipeline.AttributedMessage]:
        found: list[pipeline.AttributedMessage] = []
        for key in dict.fromkeys(related):
            with _translated("Query"):
                items = self.client.query(
                    TableName=self.table,
                    KeyConditionExpression="pk = :pk AND sk BETWEEN :since AND :until",
                    ExpressionAttributeValues={
                        ":pk": _s(f"{REC_PREFIX}{key}"),
                        ":since": _s(f"MSG#{iso(since)}"),
                        ":until": _s(f"MSG#{iso(until)}#~"),  # '~' sorts after every sid
                    },
                    ScanIndexForward=False,
                    Limit=1,
                )["Items"]
            found += [_attributed(item, key) for item in items]
        return found

    def exists(self, at: datetime, source_id: str) -> bool:
        with _translated("GetItem"):
            item = self.client.get_item(
                TableName=self.table, Key=_key(*pipeline_key(at, source_id)), ProjectionExpression="pk"
            ).get("Item")
        return item is not None

    def record(self, outcome: pipeline.PipelineOutcome) -> bool:
        try:
            self.client.put_item(
                TableName=self.table,
                Item=_pipeline_item(outcome),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if _condition_failed(exc):
                return False
            raise StoreUnavailable(f"DynamoDB PutItem failed: {exc.response['Error']['Code']}") from None
        return True


def pipeline_key(at: datetime, source_id: str) -> tuple[str, str]:
    """``PIPE#<yyyy-mm>`` (UTC month of the outcome) and ``<iso instant>#<source id>``."""
    moment = at.astimezone(UTC)
    return f"{pipeline.PIPE_PREFIX}{moment:%Y-%m}", f"{iso(moment)}#{source_id}"


def _pipeline_item(outcome: pipeline.PipelineOutcome) -> dict[str, Any]:
    pk, sk = pipeline_key(outcome.at, outcome.source_id)
    item: dict[str, Any] = {
        **_key(pk, sk),
        "kind": _s(str(outcome.kind)),
        "crm": _s(outcome.crm),
        "record": _s(outcome.record),
        "at": _s(iso(outcome.at)),
    }
    if outcome.amount is not None:
        item["amount"] = {"N": format(outcome.amount, "f").rstrip("0").rstrip(".") or "0"}
    message = outcome.message
    if message is not None:
        item.update(
            message_sid=_s(message.sid),
            rule=_s(message.rule),
            template=_s(message.template),
            variant=_s(message.variant),
        )
        if message.version is not None:
            item["version"] = {"N": str(message.version)}
    return item


def _attributed(item: dict[str, Any], key: str) -> pipeline.AttributedMessage:
    def text(name: str) -> str:
        return str(item.get(name, {}).get("S", ""))

    version = item.get("version", {}).get("N")
    return pipeline.AttributedMessage(
        sid=text("sid"),
        sent_at=datetime.fromisoformat(text("sent_at")),
        rule=text("rule"),
        template=text("template"),
        version=int(version) if version is not None else None,
        variant=text("variant"),
        related=key,
    )


HOURS_PREFIX = "SENDHOUR#"  # StateTable: SENDHOUR#<segment>/H#<hour>: sends and replies in a week hour
SENT_HOUR_PREFIX = "SENTHOUR#"  # StateTable: SENTHOUR#<sid>/SENT: the hour a marketing message counted under
PLAN_PREFIX = "SENDPLAN#"  # StateTable: SENDPLAN#<event key>/PLAN: the instant chosen for a message


class DynamoHourStats(_Table):
    """Send-time optimisation in the state table (``HourStats`` and ``SendPlans``); no item holds a
    number or a body.

    - ``SENDHOUR#<segment>``/``H#<hour>`` (hour of the week, 000-167): ``sends`` and ``replies``, atomic
      ``ADD`` counters; one Query reads a segment's week. Kept (aggregates, no person in them).
    - ``SENTHOUR#<sid>``/``SENT``: the segment and hour a sent message counted under, its ``sent_at`` and,
      once a reply counted, ``replied_at``. Written in one transaction with its ``sends`` (conditional on
      not existing: a message counts once), read by the reply, expires after the reply window.
    - ``SENDPLAN#<event key>``/``PLAN``: the instant drawn for a message (``at``, ``hour``, ``segment``,
      ``zone``), first writer wins; expires after the horizon and the policy's own."""

    def counts(self, segment: str) -> dict[int, HourCount]:
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :h)",
            "ExpressionAttributeValues": {":pk": _s(f"{HOURS_PREFIX}{segment}"), ":h": _s("H#")},
            "ProjectionExpression": "sk, sends, replies",
        }
        found: dict[int, HourCount] = {}
        with _translated("Query"):
            while True:
                page = self.client.query(**request)
                for item in page["Items"]:
                    hour = int(item["sk"]["S"][2:])
                    sends = int(item.get("sends", {}).get("N", "0"))
                    found[hour] = HourCount(sends, int(item.get("replies", {}).get("N", "0")))
                if "LastEvaluatedKey" not in page:
                    return found
                request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def record_send(self, sid: str, segment: str, hour: int, at: datetime, until: datetime) -> bool:
        marker = {
            **_key(f"{SENT_HOUR_PREFIX}{sid}", "SENT"),
            "segment": _s(segment),
            "hour": {"N": str(hour)},
            "sent_at": _s(iso(at)),
            "expires_at": _epoch(until),
        }
        once = {"TableName": self.table, "Item": marker, "ConditionExpression": "attribute_not_exists(pk)"}
        return self._transact({"Put": once}, self._count(segment, hour, "sends"))

    def record_reply(self, sid: str, since: datetime) -> bool:
        key = _key(f"{SENT_HOUR_PREFIX}{sid}", "SENT")
        with _translated("GetItem"):
            item = self.client.get_item(TableName=self.table, Key=key, ConsistentRead=True).get("Item")
        if not item or "replied_at" in item or item["sent_at"]["S"] < iso(since):
            return False
        mark = {
            "Update": {
                "TableName": self.table,
                "Key": key,
                "UpdateExpression": "SET replied_at = :now",
                "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(replied_at)",
                "ExpressionAttributeValues": {":now": _s(iso(datetime.now(UTC)))},
            }
        }
        return self._transact(mark, self._count(item["segment"]["S"], int(item["hour"]["N"]), "replies"))

    def planned(self, message: str) -> SendPlan | None:
        with _translated("GetItem"):
            item = self.client.get_item(
                TableName=self.table, Key=_key(f"{PLAN_PREFIX}{message}", "PLAN"), ConsistentRead=True
            ).get("Item")
        if not item:
            return None
        return SendPlan(
            message,
            datetime.fromisoformat(item["at"]["S"]),
            int(item["hour"]["N"]),
            item["segment"]["S"],
            item["zone"]["S"],
            datetime.fromtimestamp(int(item["expires_at"]["N"]), UTC),
        )

    def fix(self, plan: SendPlan) -> SendPlan:
        item = {
            **_key(f"{PLAN_PREFIX}{plan.message}", "PLAN"),
            "at": _s(iso(plan.at)),
            "hour": {"N": str(plan.hour)},
            "segment": _s(plan.segment),
            "zone": _s(plan.zone),
            "expires_at": _epoch(plan.until),
        }
        try:
            self.client.put_item(
                TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(pk)"
            )
            return plan
        except ClientError as exc:
            if not _condition_failed(exc):
                raise StoreUnavailable(f"DynamoDB PutItem failed: {exc.response['Error']['Code']}") from None
        kept = self.planned(plan.message)
        if kept is None:  # expired between the two calls: this one is as good
            raise InProgress("the message's send plan changed while it was being fixed")
        return kept

    def _count(self, segment: str, hour: int, counter: str) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self.table,
                "Key": _key(f"{HOURS_PREFIX}{segment}", f"H#{hour:03d}"),
                "UpdateExpression": f"ADD {counter} :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        }

    def _transact(self, *items: dict[str, Any]) -> bool:
        """One atomic write; False when its condition failed (already counted)."""
        try:
            self.client.transact_write_items(TransactItems=list(items))  # type: ignore[arg-type]
        except ClientError as exc:
            if _condition_failed(exc):
                return False
            raise StoreUnavailable(
                f"DynamoDB TransactWriteItems failed: {exc.response['Error']['Code']}"
            ) from None
        return True
