"""Builders of the payloads as the sources send them (Event Relay CDC, HubSpot webhook events)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from textloop.domain.model import TriggerEvent
from textloop.schemas import parse_queue_body
from textloop.service_layer.intake import hubspot_envelope

ORG = "00DRM000000Fxts2AC"


def salesforce_change(
    entity: str,
    record_ids: list[str],
    fields: dict[str, Any],
    *,
    change_type: str = "UPDATE",
    transaction_key: str | None = None,
    nested: bool = True,
) -> dict[str, Any]:
    """An EventBridge event as Event Relay (nested=True, ``detail.payload``) or AppFlow delivers it."""
    header = {
        "entityName": entity,
        "recordIds": record_ids,
        "changeType": change_type,
        "changedFields": list(fields),
        "changeOrigin": "com/salesforce/api/rest/62.0",
        "transactionKey": transaction_key or str(uuid.uuid4()),
        "sequenceNumber": 1,
        "commitTimestamp": 1795187045000,
        "commitNumber": 11652013446,
        "commitUser": "005RM000002XyZaYAK",
    }
    payload = {"ChangeEventHeader": header, **fields}
    detail = (
        {"payload": payload, "schemaId": "X3y6m9m-Q1pRf3e0R0c8nQ", "id": str(uuid.uuid4())}
        if nested
        else payload
    )
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": f"{entity}ChangeEvent",
        "source": f"aws.partner/salesforce.com/{ORG}/0YLRM0000004Dfg4AE",
        "account": "123456789012",
        "time": "2026-11-20T15:04:05Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


def hubspot_event(
    object_id: int,
    prop: str,
    value: str,
    *,
    event_id: int = 1001,
    kind: str = "deal.propertyChange",
    legacy: bool = False,
) -> dict[str, Any]:
    event = {
        "objectId": object_id,
        "propertyName": prop,
        "propertyValue": value,
        "changeSource": "CRM_UI",
        "eventId": event_id,
        "subscriptionId": 25,
        "portalId": 4431,
        "appId": 1160452,
        "occurredAt": 1795187045000,
        "attemptNumber": 0,
    }
    event["eventType" if legacy else "subscriptionType"] = kind
    return event


def one(body: dict[str, Any] | str) -> TriggerEvent:
    """The single trigger a queue message carries, parsed the way the dispatcher parses it."""
    text = body if isinstance(body, str) else json.dumps(body)
    (event,) = parse_queue_body(text)
    return event


def opportunity_to_review(record_id: str = "006000000000001AAA", **kw: Any) -> TriggerEvent:
    return one(salesforce_change("Opportunity", [record_id], {"StageName": "Negotiation/Review"}, **kw))


def deal_to_contract_sent(object_id: int = 9001, event_id: int = 1001) -> TriggerEvent:
    return one(hubspot_envelope(hubspot_event(object_id, "dealstage", "contractsent", event_id=event_id)))


def deal_to_renewal_offer(object_id: int = 9101, event_id: int = 2001) -> TriggerEvent:
    return one(hubspot_envelope(hubspot_event(object_id, "dealstage", "renewal_offer", event_id=event_id)))
