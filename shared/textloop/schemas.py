"""Inbound payloads (pydantic) and their normalization into ``TriggerEvent``.

* Salesforce CDC through Event Relay → EventBridge → SQS: the CDC payload sits under
  ``detail.payload`` (Event Relay) or directly under ``detail`` (the older AppFlow path).
* HubSpot webhooks: a JSON array of events, queued one per message as
  ``{"source": "hubspot", "event": {...}}``; ``subscriptionType`` or the older ``eventType``.
* The renewal scanner: ``{"source": "textloop.renewal", "event": {...}}``, one record and window.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from textloop.domain.errors import EventTooLarge, MalformedEvent, Skip, UnknownEvent
from textloop.domain.model import (
    HUBSPOT_OBJECTS,
    HUBSPOT_SOURCE,
    ChangeKind,
    ObjectType,
    RecordRef,
    TriggerEvent,
)
from textloop.domain.renewals import renewal_key, window_value

SALESFORCE_ENTITIES: dict[str, ObjectType] = {"Opportunity": "opportunity", "Case": "case"}


def _ms(value: int) -> datetime:
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):  # past what a datetime holds (year 9999)
        raise MalformedEvent(f"timestamp {value} ms is out of range") from None


class ChangeEventHeader(BaseModel):
    model_config = ConfigDict(extra="allow")

    entityName: str = Field(min_length=1)  # noqa: N815 - Salesforce's names
    changeType: str = Field(min_length=1)  # noqa: N815
    recordIds: list[str] = Field(default_factory=list)  # noqa: N815
    changedFields: list[str] = Field(default_factory=list)  # noqa: N815
    transactionKey: str = ""  # noqa: N815
    sequenceNumber: int = 0  # noqa: N815
    commitTimestamp: int = 0  # noqa: N815


class EventBridgeChangeEvent(BaseModel):
    """An EventBridge event carrying one Salesforce change event."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str
    detail_type: str = Field(alias="detail-type")
    source: str
    time: datetime | None = None
    detail: dict[str, Any]

    @property
    def payload(self) -> dict[str, Any]:
        nested = self.detail.get("payload")
        return nested if isinstance(nested, dict) else self.detail

    @property
    def org_id(self) -> str:
        _, _, rest = self.source.partition("salesforce.com/")
        return rest.split("/", 1)[0]

    def to_triggers(self) -> list[TriggerEvent]:
        payload = self.payload
        try:
            header = ChangeEventHeader.model_validate(payload.get("ChangeEventHeader"))
        except ValidationError as exc:
            raise MalformedEvent(
                f"CDC event without a valid ChangeEventHeader: {_first_error(exc)}"
            ) from None
        object_type = SALESFORCE_ENTITIES.get(header.entityName)
        if object_type is None:
            raise UnknownEvent(f"no trigger handles Salesforce {header.entityName} changes")
        kind = _salesforce_kind(header.changeType)
        occurred = _ms(header.commitTimestamp) if header.commitTimestamp else (self.time or datetime.now(UTC))
        base = f"sf:{self.org_id}:{header.transactionKey or self.id}:{header.sequenceNumber}"
        changed = {k: v for k, v in payload.items() if k != "ChangeEventHeader"}
        if kind is ChangeKind.GAP_OVERFLOW or not header.recordIds:
            record = RecordRef("salesforce", object_type, "")
            return [TriggerEvent(f"{base}:{header.entityName}", record, kind, {}, occurred, self.org_id)]
        return [
            TriggerEvent(
                f"{base}:{record_id}",
                RecordRef("salesforce", object_type, record_id),
                kind,
                changed,
                occurred,
                self.org_id,
            )
            for record_id in header.recordIds
        ]


def _salesforce_kind(change_type: str) -> ChangeKind:
    if change_type == "GAP_OVERFLOW":
        return ChangeKind.GAP_OVERFLOW
    if change_type.startswith("GAP_"):
        return ChangeKind.GAP
    try:
        return ChangeKind(change_type)
    except ValueError:
        raise UnknownEvent(f"unknown CDC changeType {change_type!r}") from None


class HubSpotEvent(BaseModel):
    """One element of a HubSpot webhook batch."""

    model_config = ConfigDict(extra="allow")

    objectId: int  # noqa: N815 - HubSpot's names
    eventId: int  # noqa: N815
    portalId: int  # noqa: N815
    occurredAt: int  # noqa: N815
    subscriptionType: str | None = None  # noqa: N815
    eventType: str | None = None  # noqa: N815 - the older name
    propertyName: str | None = None  # noqa: N815
    propertyValue: str | None = None  # noqa: N815
    objectTypeId: str | None = None  # noqa: N815 - generic object.* subscriptions: "0-47" (meetings)…
    attemptNumber: int = 0  # noqa: N815

    @model_validator(mode="after")
    def _has_type(self) -> HubSpotEvent:
        if not (self.subscriptionType or self.eventType):
            raise ValueError("neither subscriptionType nor eventType")
        return self

    @property
    def type(self) -> str:
        return self.subscriptionType or self.eventType or ""

    def to_trigger(self) -> TriggerEvent:
        object_name, _, action = self.type.partition(".")
        object_type = HUBSPOT_OBJECTS.get(object_name)
        if object_type is None:
            raise UnknownEvent(f"no trigger handles HubSpot {self.type} events")
        kinds = {
            "propertyChange": ChangeKind.UPDATE,
            "creation": ChangeKind.CREATE,
            "deletion": ChangeKind.DELETE,
        }
        kind = kinds.get(action, ChangeKind.UPDATE if action == "restore" else None)
        if kind is None:
            raise UnknownEvent(f"unknown HubSpot event {self.type!r}")
        changed = {self.propertyName: self.propertyValue} if self.propertyName else {}
        key = f"hs:{self.portalId}:{self.type}:{self.objectId}:{self.eventId}:{self.occurredAt}"
        record = RecordRef("hubspot", object_type, str(self.objectId))
        return TriggerEvent(key, record, kind, changed, _ms(self.occurredAt), str(self.portalId))


DEFERRED_SOURCE = "textloop.deferred"  # a held-back event brought back by its one-time schedule


def deferred_body(event: TriggerEvent) -> str:
    """The TriggerQueue body that brings *event* back once its send window opens (same event key)."""
    return json.dumps(
        {
            "source": DEFERRED_SOURCE,
            "event": {
                "event_key": event.event_key,
                "crm": event.record.crm,
                "object_type": event.record.object_type,
                "record_id": event.record.record_id,
                "kind": str(event.kind),
                "changed": event.changed,
                "occurred_at": event.occurred_at.isoformat(),
                "account": event.account,
            },
        },
        separators=(",", ":"),
        default=str,
    )


class DeferredEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_key: str = Field(min_length=1)
    crm: Literal["salesforce", "hubspot"]
    object_type: ObjectType
    record_id: str = Field(min_length=1)
    kind: ChangeKind
    changed: dict[str, Any]
    occurred_at: datetime
    account: str = ""

    def to_trigger(self) -> TriggerEvent:
        record = RecordRef(self.crm, self.object_type, self.record_id)
        return TriggerEvent(self.event_key, record, self.kind, self.changed, self.occurred_at, self.account)


RENEWAL_SOURCE = "textloop.renewal"  # the renewal scanner: a record entered one of its renewal windows


def renewal_body(
    crm: str,
    object_type: str,
    record_id: str,
    account: str,
    date_field: str,
    renewal_date: date,
    window: int,
    scanned_at: datetime,
) -> str:
    """The TriggerQueue body of one record entering one renewal window (the renewal scanner)."""
    return json.dumps(
        {
            "source": RENEWAL_SOURCE,
            "event": {
                "crm": crm,
                "object_type": object_type,
                "record_id": record_id,
                "account": account,
                "date_field": date_field,
                "renewal_date": renewal_date.isoformat(),
                "window": window,
                "scanned_at": scanned_at.isoformat(),
            },
        },
        separators=(",", ":"),
    )


class RenewalEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    crm: Literal["salesforce", "hubspot"]
    object_type: ObjectType
    record_id: str = Field(min_length=1)
    account: str = ""
    date_field: str = Field(min_length=1)
    renewal_date: date
    window: int = Field(ge=1)
    scanned_at: datetime

    def to_trigger(self) -> TriggerEvent:
        """Kind RENEWAL, ``changed`` {date field: "window:<N>"}, keyed to the record and the cycle."""
        key = renewal_key(self.crm, self.account, self.record_id, self.renewal_date, self.window)
        record = RecordRef(self.crm, self.object_type, self.record_id)
        changed = {self.date_field: window_value(self.window)}
        return TriggerEvent(key, record, ChangeKind.RENEWAL, changed, self.scanned_at, self.account)


def queue_message(body: str) -> dict[str, Any]:
    """A queue message's JSON object. Raises MalformedEvent for anything else."""
    try:
        message = json.loads(body)
    except (TypeError, ValueError, RecursionError):
        raise MalformedEvent("queue message is not JSON") from None
    if not isinstance(message, dict):
        raise MalformedEvent("queue message is not a JSON object")
    return message


def parse_queue_body(body: str) -> list[TriggerEvent]:
    """A TriggerQueue message → the change events it carries. Raises MalformedEvent/UnknownEvent."""
    message = queue_message(body)
    try:
        if "detail-type" in message:
            return EventBridgeChangeEvent.model_validate(message).to_triggers()
        if message.get("source") == HUBSPOT_SOURCE and "refused" in message:
            raise _refused_at_intake(message)
        if message.get("source") == HUBSPOT_SOURCE:
            return [HubSpotEvent.model_validate(message.get("event")).to_trigger()]
        if message.get("source") == DEFERRED_SOURCE:
            return [DeferredEvent.model_validate(message.get("event")).to_trigger()]
        if message.get("source") == RENEWAL_SOURCE:
            return [RenewalEvent.model_validate(message.get("event")).to_trigger()]
    except ValidationError as exc:
        raise MalformedEvent(f"invalid event: {_first_error(exc)}") from None
    raise UnknownEvent("queue message is neither an EventBridge change event nor a HubSpot event")


def _refused_at_intake(message: dict[str, Any]) -> EventTooLarge:
    """The stand-in the webhook queued for an event too large to queue (``service_layer.intake``):
    a skip under the event's own key when its trimmed identity still gives one."""
    refused = message.get("refused")
    size = refused.get("bytes") if isinstance(refused, dict) else None
    try:
        key: str | None = HubSpotEvent.model_validate(message.get("event")).to_trigger().event_key
    except (ValidationError, Skip):
        key = None
    known = {"event_key": key} if key else {}
    return EventTooLarge(f"the webhook refused an event of {size} bytes (over one queue message)", **known)


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"]) or "body"
    return f"{where}: {error['msg']}"
