"""Outcomes from the CRM: read the changes that matter after a message, attribute, record once.

The ``OutcomeQueue`` carries, one per message, what the sources sent:

* Salesforce Change Data Capture through Event Relay → EventBridge (rule ``SalesforceOutcomeRule``): the
  whole EventBridge event. ``OpportunityChangeEvent`` CREATE → *opportunity_created*; an UPDATE whose
  ``changedFields`` hold ``StageName`` → *closed_won* / *closed_lost* (``IsWon``/``IsClosed`` when the
  event carries them, else the stage names of ``OUTCOME_WON_STAGES``/``OUTCOME_LOST_STAGES``) or
  *stage_advanced*; ``EventChangeEvent`` CREATE → *meeting_booked* (its ``WhatId``/``WhoId``/``AccountId``
  are the records it is attributed by). The payload carries the values (a CREATE all of them, an UPDATE
  the changed and the enriched ones); an opportunity whose event lacks its ``AccountId`` (or, closed won,
  its ``Amount``) is read once from Salesforce.
* HubSpot webhooks (``{"source": "hubspot", "event": {...}}``, queued by the webhook intake):
  ``deal.creation`` → *opportunity_created*, ``deal.propertyChange`` of ``dealstage`` → by stage. A
  webhook carries no amount and no relations: the deal is read once (amount, contact, company).
  ``object.creation`` of a meeting (``objectTypeId`` 0-47) → *meeting_booked*: the meeting is read once
  for its associations, which it is attributed by as an ``Event`` is (its deals, contacts, companies).

Each outcome is keyed on the source's own event identity (the CDC transaction key and sequence, the
HubSpot event id; a HubSpot meeting's creation on the meeting itself), stored with a conditional put: a
redelivery records nothing twice. It is attributed to the latest message sent at or before it within the
window (default 30 days) on its record, else on its contact, else on its account (the most specific record
that was texted takes the credit).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from pydantic import ValidationError

from textloop.domain.errors import MalformedEvent, Skip, UnknownEvent
from textloop.domain.model import HUBSPOT_SOURCE, Crm, ObjectType, RecordRef
from textloop.domain.pipeline import (
    DEFAULT_WINDOW,
    HUBSPOT_MEETING_TYPE_ID,
    OutcomeKind,
    OutcomeSignal,
    PipelineOutcome,
    Stages,
    account_key,
    contact_key,
    credited,
    record_key,
    salesforce_key,
)
from textloop.domain.ports import CrmGateway, MeetingReader, PipelineOutcomes
from textloop.schemas import ChangeEventHeader, EventBridgeChangeEvent, HubSpotEvent, queue_message

AMOUNT_FIELDS = {"salesforce": "Amount", "hubspot": "amount"}

# -- parsing: a queue body → the outcome it is, or none -------------------------------------------


def parse_outcome_body(body: str, stages: Stages) -> list[OutcomeSignal]:
    """An OutcomeQueue message → its outcomes ([] when the change is not one: an amount edit, a GAP
    event, a deletion). Raises MalformedEvent/UnknownEvent for what cannot be read."""
    message = queue_message(body)
    try:
        if "detail-type" in message:
            return _salesforce(EventBridgeChangeEvent.model_validate(message), stages)
        if message.get("source") == HUBSPOT_SOURCE:
            return _hubspot(HubSpotEvent.model_validate(message.get("event")), stages)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise MalformedEvent(f"invalid event: {'.'.join(map(str, error['loc']))}: {error['msg']}") from None
    raise UnknownEvent("queue message is neither a Salesforce change event nor a HubSpot event")


def _salesforce(event: EventBridgeChangeEvent, stages: Stages) -> list[OutcomeSignal]:
    payload = event.payload
    try:
        header = ChangeEventHeader.model_validate(payload.get("ChangeEventHeader"))
    except ValidationError:
        raise MalformedEvent("CDC event without a valid ChangeEventHeader") from None
    if header.entityName not in ("Opportunity", "Event"):
        raise UnknownEvent(f"no outcome comes from Salesforce {header.entityName} changes")
    at = (
        datetime.fromtimestamp(header.commitTimestamp / 1000, tz=UTC)
        if header.commitTimestamp
        else (event.time or datetime.now(UTC))
    )
    base = f"sf:{event.org_id}:{header.transactionKey or event.id}:{header.sequenceNumber}"
    signals = []
    for record_id in header.recordIds:
        kind = _salesforce_kind(header, payload, stages)
        if kind is None:
            continue
        entity = "opportunity" if header.entityName == "Opportunity" else "event"
        related = [record_key("salesforce", entity, record_id)] if entity == "opportunity" else []
        for name in ("WhatId", "WhoId", "AccountId", "ContactId"):
            value = payload.get(name)
            key = salesforce_key(value) if isinstance(value, str) and value else None
            if key:
                related.append(key)
        amount = _amount(payload.get("Amount"))
        # an opportunity's amount (closed won) or account (not enriched by the channel): read it once
        missing = entity == "opportunity" and (
            (kind is OutcomeKind.CLOSED_WON and amount is None) or not payload.get("AccountId")
        )
        signals.append(
            OutcomeSignal(
                source_id=f"{base}:{record_id}",
                kind=kind,
                crm="salesforce",
                record=record_key("salesforce", entity, record_id),
                at=at,
                tenant=event.org_id,
                amount=amount,
                related=tuple(dict.fromkeys(related)),
                read=record_key("salesforce", "opportunity", record_id) if missing else None,
            )
        )
    return signals


def _salesforce_kind(
    header: ChangeEventHeader, payload: dict[str, Any], stages: Stages
) -> OutcomeKind | None:
    if header.changeType != "CREATE" and header.changeType != "UPDATE":
        return None  # deletions, undeletions and GAP_* events (no values) are not outcomes
    if header.entityName == "Event":
        return OutcomeKind.MEETING_BOOKED if header.changeType == "CREATE" else None
    if header.changeType == "CREATE":
        return OutcomeKind.OPPORTUNITY_CREATED
    if "StageName" not in header.changedFields or not isinstance(payload.get("StageName"), str):
        return None  # an amount or another field changed: the pipeline moved, no outcome
    is_won, is_closed = payload.get("IsWon"), payload.get("IsClosed")
    return stages.kind(
        payload["StageName"],
        is_won=is_won if isinstance(is_won, bool) else None,
        is_closed=is_closed if isinstance(is_closed, bool) else None,
    )


def _hubspot(event: HubSpotEvent, stages: Stages) -> list[OutcomeSignal]:
    if event.type == "object.creation":
        return _hubspot_meeting(event) if event.objectTypeId == HUBSPOT_MEETING_TYPE_ID else []
    kind: OutcomeKind | None = None
    if event.type == "deal.creation":
        kind = OutcomeKind.OPPORTUNITY_CREATED
    elif event.type == "deal.propertyChange" and event.propertyName == "dealstage" and event.propertyValue:
        kind = stages.kind(event.propertyValue)
    if kind is None:
        return []
    deal = record_key("hubspot", "deal", str(event.objectId))
    return [
        OutcomeSignal(
            source_id=f"hs:{event.portalId}:{event.type}:{event.objectId}:{event.eventId}:{event.occurredAt}",
            kind=kind,
            crm="hubspot",
            record=deal,
            at=datetime.fromtimestamp(event.occurredAt / 1000, tz=UTC),
            tenant=str(event.portalId),
            related=(deal,),
            read=deal,  # the webhook carries no amount and no relations
        )
    ]


def _hubspot_meeting(event: HubSpotEvent) -> list[OutcomeSignal]:
    meeting = record_key("hubspot", "meeting", str(event.objectId))
    return [
        OutcomeSignal(
            # a meeting is created once: keyed on it, whatever eventId a duplicate delivery carries
            source_id=f"hs:{event.portalId}:{event.type}:{HUBSPOT_MEETING_TYPE_ID}:{event.objectId}",
            kind=OutcomeKind.MEETING_BOOKED,
            crm="hubspot",
            record=meeting,
            at=datetime.fromtimestamp(event.occurredAt / 1000, tz=UTC),
            tenant=str(event.portalId),
            read=meeting,  # the webhook names the meeting only: its deals, contacts, companies are read
        )
    ]


def _amount(value: Any) -> float | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


# -- the use case ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recorded:
    outcome: PipelineOutcome
    new: bool  # False: a redelivery, nothing written


class OutcomeRecorder:
    """Attribute an outcome to the latest message on its related records within the window; store it once."""

    def __init__(
        self,
        store: PipelineOutcomes,
        gateways: Callable[[Crm, str], CrmGateway] | None = None,
        window: timedelta = DEFAULT_WINDOW,
        meetings: Callable[[str], MeetingReader] | None = None,
    ) -> None:
        self.store = store
        self.gateways = gateways
        self.window = window
        self.meetings = meetings  # a HubSpot portal id → its meetings

    def __call__(self, signal: OutcomeSignal) -> Recorded:
        if signal.read is not None:
            if self.store.exists(signal.at, signal.source_id):  # a redelivery: the CRM is not read again
                duplicate = PipelineOutcome(
                    signal.source_id, signal.kind, signal.crm, signal.record, signal.at
                )
                return Recorded(duplicate, False)
            signal = self._with_facts(signal)
        candidates = self.store.latest_messages(signal.related, signal.at - self.window, signal.at)
        message = credited(candidates, signal.related, signal.at, self.window)
        outcome = PipelineOutcome(
            source_id=signal.source_id,
            kind=signal.kind,
            crm=signal.crm,
            record=signal.record,
            at=signal.at,
            amount=signal.amount,
            message=message,
        )
        return Recorded(outcome, self.store.record(outcome))

    def _with_facts(self, signal: OutcomeSignal) -> OutcomeSignal:
        """The amount and the relations the event lacks, read from the CRM (a Retryable error retries the
        message; a record gone or a tenant unknown leaves the outcome with what the event said)."""
        crm, object_type, record_id = cast(str, signal.read).split(":", 2)
        if object_type == "meeting":
            return self._with_meeting_links(signal, record_id)
        if self.gateways is None:
            return signal.with_facts(None, ())
        record = RecordRef(cast(Crm, crm), cast(ObjectType, object_type), record_id)
        try:
            context = self.gateways(record.crm, signal.tenant).load_context(record, [AMOUNT_FIELDS[crm]])
        except Skip:  # RecordNotFound, UnknownTenant…
            return signal.with_facts(None, ())
        related: list[str] = []
        if context.recipient is not None and context.recipient.crm_id:
            related.append(contact_key(crm, context.recipient.crm_id))
        if context.account_id:
            related.append(account_key(crm, context.account_id))
        return signal.with_facts(_amount(context.fields.get(AMOUNT_FIELDS[crm])), related)

    def _with_meeting_links(self, signal: OutcomeSignal, meeting_id: str) -> OutcomeSignal:
        """A HubSpot meeting's deals, contacts and companies, most specific first (a Retryable error
        retries the message; a meeting gone or a portal unknown leaves it credited to nobody)."""
        if self.meetings is None:
            return signal.with_facts(None, ())
        try:
            links = self.meetings(signal.tenant).meeting_links(meeting_id)
        except Skip:
            return signal.with_facts(None, ())
        return signal.with_facts(None, links.keys(signal.crm))


def stages_from(won: Collection[str], lost: Collection[str]) -> Stages:
    return Stages(frozenset(won), frozenset(lost))
