"""HubSpotGateway.meeting_links (hubspot-api-client over HTTP) against the HubSpot emulator's meetings, and
the emulator's ``object.creation`` webhook event read back by the webhook intake and the outcome parser."""

from __future__ import annotations

import json

import pytest
from hubspot import HubSpot
from hubspot.crm.objects.meetings import ApiException as MeetingsApiException
from hubspot.crm.objects.meetings import (
    AssociationSpec,
    PublicAssociationsForObject,
    PublicObjectId,
    SimplePublicObjectInputForCreate,
)

from textloop.adapters.hubspot import HubSpotGateway
from textloop.domain.errors import CrmUnavailable, RecordNotFound
from textloop.domain.pipeline import MeetingLinks, OutcomeKind, Stages
from textloop.service_layer.intake import accept_hubspot_batch
from textloop.service_layer.outcomes import parse_outcome_body
from textloop_local.emulators import HubSpotEmulator, seed

MEETING_TO_CONTACT, MEETING_TO_DEAL = 200, 212  # HUBSPOT_DEFINED association type ids


def book(emulator: HubSpotEmulator, links: list[tuple[str, int]]) -> str:
    """A rep books a meeting (CRM v3 create through the SDK, associated as HubSpot's UI does)."""
    client = HubSpot(access_token=emulator.access_token, host=emulator.url)
    meeting = client.crm.objects.meetings.basic_api.create(
        SimplePublicObjectInputForCreate(
            properties={"hs_timestamp": "2026-12-02T15:00:00.000Z", "hs_meeting_title": "Seat expansion"},
            associations=[
                PublicAssociationsForObject(
                    to=PublicObjectId(id=to_id),
                    types=[
                        AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=type_id)
                    ],
                )
                for to_id, type_id in links
            ],
        )
    )
    return str(meeting.id)


def test_given_a_meeting_on_a_deal_and_a_contact_when_its_links_are_read_then_both_are_returned(
    hubspot: HubSpotEmulator,
) -> None:
    meeting_id = book(
        hubspot, [(seed.HS_CONTACT_MARIA, MEETING_TO_CONTACT), (seed.HS_DEAL_INITECH, MEETING_TO_DEAL)]
    )

    links = HubSpotGateway.connect("local-hubspot-token", base_url=hubspot.url).meeting_links(meeting_id)

    assert links == MeetingLinks(deals=(seed.HS_DEAL_INITECH,), contacts=(seed.HS_CONTACT_MARIA,))
    assert links.keys("hubspot") == [
        f"hubspot:deal:{seed.HS_DEAL_INITECH}",
        f"hubspot:contact:{seed.HS_CONTACT_MARIA}",
    ]
    (read,) = [r for r in hubspot.requests if r["path"] == f"/crm/v3/objects/meetings/{meeting_id}"]
    assert read["method"] == "GET" and read["query"]["associations"] == ["deals", "contacts", "companies"]


def test_given_a_meeting_without_associations_when_its_links_are_read_then_they_are_empty(
    hubspot: HubSpotEmulator,
) -> None:
    meeting_id = book(hubspot, [])

    assert HubSpotGateway.connect("local-hubspot-token", base_url=hubspot.url).meeting_links(meeting_id) == (
        MeetingLinks()
    )


def test_given_no_such_meeting_when_its_links_are_read_then_record_not_found(
    hubspot: HubSpotEmulator,
) -> None:
    with pytest.raises(RecordNotFound, match="hubspot:meeting:61230999999"):
        HubSpotGateway.connect("local-hubspot-token", base_url=hubspot.url).meeting_links("61230999999")


def test_given_hubspot_failing_when_a_meeting_is_read_then_crm_unavailable(hubspot: HubSpotEmulator) -> None:
    meeting_id = book(hubspot, [(seed.HS_CONTACT_MARIA, MEETING_TO_CONTACT)])
    hubspot.fail_next.append((503, None))

    with pytest.raises(CrmUnavailable):
        HubSpotGateway.connect("local-hubspot-token", base_url=hubspot.url).meeting_links(meeting_id)


def test_given_a_meeting_without_its_required_timestamp_when_created_then_hubspot_refuses_it(
    hubspot: HubSpotEmulator,
) -> None:
    client = HubSpot(access_token=hubspot.access_token, host=hubspot.url)
    with pytest.raises(MeetingsApiException) as refused:
        client.crm.objects.meetings.basic_api.create(SimplePublicObjectInputForCreate(properties={}))
    assert refused.value.status == 400 and "hs_timestamp is required" in str(refused.value.body)


class _Queue:
    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send_all(self, bodies: list[str]) -> None:
        self.bodies += bodies


def test_given_the_emulators_meeting_creation_event_when_accepted_then_it_is_a_meeting_booked_outcome(
    hubspot: HubSpotEmulator,
) -> None:
    meeting_id = book(hubspot, [(seed.HS_CONTACT_MARIA, MEETING_TO_CONTACT)])
    event = hubspot.creation_event("meetings", meeting_id, portal_id=4431, app_id=1160452)
    triggers, outcomes = _Queue(), _Queue()

    accept_hubspot_batch(json.dumps([event]).encode(), {("deal", "dealstage")}, triggers, None, outcomes)

    assert triggers.bodies == []
    (body,) = outcomes.bodies
    (signal,) = parse_outcome_body(body, Stages())
    assert (signal.kind, signal.record, signal.read) == (
        OutcomeKind.MEETING_BOOKED,
        f"hubspot:meeting:{meeting_id}",
        f"hubspot:meeting:{meeting_id}",
    )
    (stored,) = [m for m in hubspot.state()["meetings"] if m["id"] == meeting_id]
    assert signal.at.isoformat(timespec="milliseconds").replace("+00:00", "Z") == stored["createdAt"]
