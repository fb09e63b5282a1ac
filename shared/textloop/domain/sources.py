"""Where events come from: the CRMs, their object types, HubSpot's envelope and ids (light: the HubSpot
webhook imports this, not the whole model)."""

from __future__ import annotations

from typing import Literal

Crm = Literal["salesforce", "hubspot"]
ObjectType = Literal["opportunity", "case", "contract", "deal", "ticket"]  # contract: renewal scans only

HUBSPOT_SOURCE = "hubspot"  # the queue envelope of a HubSpot webhook event
HUBSPOT_OBJECTS: dict[str, ObjectType] = {"deal": "deal", "ticket": "ticket"}
# HubSpot's object type id of meetings: a generic ``object.creation`` webhook names the object by it
# (HubSpot Developer Changelog, "Public Beta: Generic Webhook Subscriptions", 2024-08: MEETING_EVENT).
HUBSPOT_MEETING_TYPE_ID = "0-47"
