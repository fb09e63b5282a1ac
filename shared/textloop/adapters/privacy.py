"""PrivacyStore on the state table: everything held about one number, its deletion, the numbers of a
CRM contact, and the audit record of each erasure (the consent side is ``DynamoConsentLedger``).

Where a number lives in the state table:

- ``PHONE#<e164>``/``MSG#<iso>#<sid>``: its conversation (the message records by number);
- ``MSG#<sid>``/``MSG``: each message record by sid (status callbacks);
- ``SLOT#<rule>#<record>#<e164>``/``SLOT``: each send slot, with the outbound body until it is logged;
  found through ``NUMBER#<e164>``/``SLOT#<key>`` (written before the slot) and the message records;
- ``CONTACT#<crm>:<id>``/``NUMBER#<e164>``: the number under each contact it was meant for;
- ``CAPS#<e164>``/``CAPS``: its frequency-cap ledger (reported and deleted with the index entries);
- ``LINK#<code>``/``LINK``: the tracked link of each of its messages (its slot key names the number), and
  ``LINK#<code>``/``CLICK#<iso>#<id>``: each fetch of it; found by the code, a keyed hash of the slot key
  and the event key under ``LINK#KEY`` (or the code on the message's outcome);
- ``EVENT#<key>``/``OUTCOME``: the outcomes of its events, messages, routed replies and logged clicks
  (masked number only; they expire after 35 days): reported, never deleted;
- ``PRIVACY#<keyed hash>``/``<iso>``: the audit record of each erasure (no number).
"""

from __future__ import annotations

import base64
import contextlib
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from textloop.adapters.dynamo_table import (
    _condition_failed,
    _key,
    _s,
    _Table,
    _translated,
    batch_delete,
    batch_get,
    iso,
)
from textloop.adapters.dynamodb import (
    CAPS_PREFIX,
    CONTACT_PREFIX,
    INDEX_PREFIX,
    LINK_KEY_ITEM,
    LINK_PREFIX,
)
from textloop.domain import links
from textloop.domain.errors import StoreUnavailable
from textloop.domain.ports import NumberHoldings

AUDIT_PREFIX = "PRIVACY#"
_deserialize = TypeDeserializer().deserialize
_serialize = TypeSerializer().serialize


class DynamoPrivacyStore(_Table):
    def holdings(self, phone: str, evidence: Sequence[str], key: str | None) -> NumberHoldings:
        conversation = self._query(f"PHONE#{phone}")
        index = self._query(f"{INDEX_PREFIX}{phone}")
        slot_keys = {i["sk"]["S"].removeprefix("SLOT#") for i in index} | _slot_keys(conversation, phone)
        slots = self._get(_key(f"SLOT#{k}", "SLOT") for k in sorted(slot_keys))
        sids = {_text(i, "sid") for i in [*conversation, *slots]} - {""}
        messages = self._get(_key(f"MSG#{sid}", "MSG") for sid in sorted(sids))
        more = _slot_keys(messages, phone) - slot_keys  # a slot whose conversation item is gone
        slots += self._get(_key(f"SLOT#{k}", "SLOT") for k in sorted(more))
        slots = [s for s in slots if _text(s, "phone") == phone]
        contacts = {
            (_text(i, "crm"), _text(i, "contact_id"))
            for i in [*conversation, *messages, *slots, *index]
            if _text(i, "crm") and _text(i, "contact_id")
        }
        index += self._get(
            _key(f"{CONTACT_PREFIX}{crm}:{contact}", f"{INDEX_PREFIX}{phone}")
            for crm, contact in sorted(contacts)
        )
        index += self._query(f"{CAPS_PREFIX}{phone}")  # the number's cap ledger
        events = {_text(i, "event_key") for i in [*conversation, *messages, *slots]} - {""}
        events |= {
            f"failure:{_text(m, 'sid')}:{_text(m, 'error_code')}" for m in messages if _text(m, "error_code")
        }
        for sid in evidence:  # inbound MessageSids: the routed reply; any evidence: its CRM consent sync
            events |= {f"in:{sid}", f"consent:{sid}:opted_out", f"consent:{sid}:opted_in"}
        outcomes = self._get(_key(f"EVENT#{k}", "OUTCOME") for k in sorted(events))
        links = self._links(phone, [*conversation, *messages, *slots], outcomes)
        clicks = {_click_event(i) for i in links if i["sk"]["S"].startswith("CLICK#")}
        outcomes += self._get(_key(f"EVENT#{k}", "OUTCOME") for k in sorted(clicks - events))
        erasures = self._query(f"{AUDIT_PREFIX}{key}") if key else []
        return NumberHoldings(
            conversation=_plain_all(conversation),
            messages=_plain_all(messages),
            slots=_plain_all(slots),
            index=_plain_all(index),
            outcomes=_plain_all(outcomes),
            erasures=_plain_all(erasures),
            links=_plain_all(links),
        )

    def _links(
        self, phone: str, records: Sequence[dict[str, Any]], outcomes: Sequence[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The tracked links of the number's messages and their fetches: every item under each code. A code
        is the keyed hash of a slot key and an event key (the slots' and the message records'), or the
        ``link`` on an outcome; a link of another number's slot is left alone."""
        codes = {_text(_details(o), "link") for o in outcomes} - {""}
        with _translated("GetItem"):
            secret = self.client.get_item(
                TableName=self.table, Key=_key(*LINK_KEY_ITEM), ConsistentRead=True
            ).get("Item")
        if secret is not None:  # no key: no link was ever created
            key = base64.b64decode(secret["key"]["S"])
            pairs = {
                (i["pk"]["S"].removeprefix("SLOT#"), _text(i, "event_key"))
                for i in records
                if i["sk"]["S"] == "SLOT"
            }
            pairs |= {(k, _text(m, "event_key")) for m in records for k in _slot_keys([m], phone)}
            codes |= {links.derive_code(key, slot, event) for slot, event in pairs if slot and event}
        found: list[dict[str, Any]] = []
        for code in sorted(codes):
            items = self._query(f"{LINK_PREFIX}{code}")
            link = next((i for i in items if i["sk"]["S"] == "LINK"), None)
            if link is None or _text(link, "slot_key").endswith(f"#{phone}"):
                found += items
        return found

    def delete(self, items: Sequence[dict[str, Any]]) -> int:
        batch_delete(self.client, self.table, [_key(i["pk"], i["sk"]) for i in items])
        return len(items)

    def numbers_for_contact(self, crm: str, contact_id: str) -> list[str]:
        items = self._query(f"{CONTACT_PREFIX}{crm}:{contact_id}")
        return sorted({_text(i, "phone") for i in items} - {""})

    def record_erasure(self, key: str, at: datetime, summary: dict[str, Any]) -> None:
        """Never overwrites an earlier record (two erasures in the same microsecond both stay)."""
        values = {k: _serialize(v) for k, v in summary.items()}
        for suffix in ("", f"#{uuid.uuid4().hex}"):
            try:
                self.client.put_item(
                    TableName=self.table,
                    Item={**_key(f"{AUDIT_PREFIX}{key}", iso(at) + suffix), **values},
                    ConditionExpression="attribute_not_exists(pk)",
                )
                return
            except ClientError as exc:
                if not _condition_failed(exc):
                    raise StoreUnavailable(
                        f"DynamoDB PutItem failed: {exc.response['Error']['Code']}"
                    ) from None
            except BotoCoreError as exc:
                raise StoreUnavailable(f"DynamoDB PutItem failed: {type(exc).__name__}") from None

    def _query(self, pk: str) -> list[dict[str, Any]]:
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": _s(pk)},
            "ConsistentRead": True,
        }
        items: list[dict[str, Any]] = []
        with _translated("Query"):
            while True:
                page = self.client.query(**request)
                items += page["Items"]
                if "LastEvaluatedKey" not in page:
                    return items
                request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _get(self, keys: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        found = batch_get(self.client, self.table, list(keys))
        return sorted(found, key=lambda i: (i["pk"]["S"], i["sk"]["S"]))


def _text(item: dict[str, Any], name: str) -> str:
    return str(item.get(name, {}).get("S", ""))


def _details(outcome: dict[str, Any]) -> dict[str, Any]:
    return dict(outcome.get("details", {}).get("M", {}))


def _click_event(click: dict[str, Any]) -> str:
    """The reply router's event key for a click it logged on the record (``click:<code>:<at>``)."""
    code = click["pk"]["S"].removeprefix(LINK_PREFIX)
    at = _text(click, "at")
    with contextlib.suppress(ValueError):
        at = datetime.fromisoformat(at).isoformat()  # as the InboundQueue message carries it
    return f"click:{code}:{at}"


def _slot_keys(messages: Iterable[dict[str, Any]], phone: str) -> set[str]:
    """The send slot of each message record (``<rule>#<crm>:<type>:<id>#<e164>``, as the dispatcher keys it)."""
    return {
        f"{_text(m, 'rule')}#{_text(m, 'crm')}:{_text(m, 'object_type')}:{_text(m, 'record_id')}#{phone}"
        for m in messages
        if _text(m, "rule") and _text(m, "record_id")
    }


def _plain_all(items: Iterable[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    return tuple({name: _plain(_deserialize(value)) for name, value in item.items()} for item in items)


def _plain(value: Any) -> Any:
    """DynamoDB values → JSON values (numbers as int or float, sets as sorted lists)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, bytes | bytearray):
        return value.hex()
    return value
