"""Use case: a meeting booked in HubSpot (the generic ``object.creation`` webhook of object type 0-47) is
queued for the outcome recorder, read once for its associations, recorded once as *meeting_booked* and
credited as a Salesforce Event is: to the latest message on its deal, else its contact, else its company."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.events import hubspot_event
from tests.support.fakes import FakeMeetings, FakePipelineOutcomes
from textloop.domain.errors import CrmUnavailable, MalformedEvent
from textloop.domain.pipeline import AttributedMessage, MeetingLinks, OutcomeKind, Stages
from textloop.service_layer.intake import accept_hubspot_batch, hubspot_envelope, is_outcome_event
from textloop.service_layer.outcomes import OutcomeRecorder, parse_outcome_body

OCCURRED = datetime.fromtimestamp(1795187045000 / 1000, tz=UTC)  # the builder's occurredAt
MEETING = 61_230_001
PORTAL = "4431"


def meeting_created(
    meeting_id: int = MEETING, *, event_id: int = 5001, type_id: str = "0-47"
) -> dict[str, Any]:
    """A generic object.creation event as HubSpot sends it: no property, the object type by its id."""
    event = hubspot_event(meeting_id, "", "", event_id=event_id, kind="object.creation")
    for key in ("propertyName", "propertyValue"):
        event.pop(key)
    return {**event, "objectTypeId": type_id}


def message(sid: str, days_before: float) -> AttributedMessage:
    return AttributedMessage(
        sid, OCCURRED - timedelta(days=days_before), "deal_contract_sent", "hs_contract", 2
    )


def record(store: FakePipelineOutcomes, meetings: FakeMeetings, event: dict[str, Any]) -> Any:
    (signal,) = parse_outcome_body(hubspot_envelope(event), Stages())
    portals: list[str] = []

    def reader(portal: str) -> FakeMeetings:
        portals.append(portal)
        return meetings

    done = OutcomeRecorder(store, meetings=reader)(signal)
    return done, portals


LINKED = MeetingLinks(deals=("9001",), contacts=("51",), companies=("8801",))


def test_given_texts_on_the_deal_and_the_contact_when_a_meeting_is_booked_on_both_then_the_deal_text_credits() -> (
    None
):
    # Given a text on the deal (3 days ago) and a later one to its contact (1 day ago)
    store = FakePipelineOutcomes()
    store.sent("hubspot:deal:9001", message("SM-deal", days_before=3))
    store.sent("hubspot:contact:51", message("SM-contact", days_before=1))
    meetings = FakeMeetings({str(MEETING): LINKED})

    # When a meeting associated to the deal, the contact and the company is created
    done, portals = record(store, meetings, meeting_created())

    # Then it is one meeting_booked on the meeting, read from the event's portal, credited to the deal's text
    outcome = done.outcome
    assert (done.new, outcome.kind, outcome.crm, outcome.record, outcome.at) == (
        True,
        OutcomeKind.MEETING_BOOKED,
        "hubspot",
        f"hubspot:meeting:{MEETING}",
        OCCURRED,
    )
    assert outcome.amount is None
    assert outcome.message is not None and outcome.message.sid == "SM-deal"
    assert (portals, meetings.reads) == ([PORTAL], [str(MEETING)])
    assert store.queries[0][0] == ("hubspot:deal:9001", "hubspot:contact:51", "hubspot:company:8801")


@pytest.mark.parametrize(
    ("texted", "credited"),
    [
        ("hubspot:contact:51", "SM-1"),  # no text on the deal: the contact's
        ("hubspot:company:8801", "SM-1"),  # nor on the contact: the company's
        ("hubspot:deal:7777", None),  # a deal the meeting is not associated with: nobody
    ],
)
def test_given_a_text_on_one_related_record_when_a_meeting_is_booked_then_it_is_credited_by_specificity(
    texted: str, credited: str | None
) -> None:
    store = FakePipelineOutcomes()
    store.sent(texted, message("SM-1", days_before=2))

    done, _ = record(store, FakeMeetings({str(MEETING): LINKED}), meeting_created())

    assert (done.outcome.message.sid if done.outcome.message else None) == credited


def test_given_a_text_older_than_the_window_when_a_meeting_is_booked_then_nobody_is_credited() -> None:
    store = FakePipelineOutcomes()
    store.sent("hubspot:deal:9001", message("SM-old", days_before=31))

    done, _ = record(store, FakeMeetings({str(MEETING): LINKED}), meeting_created())

    assert done.outcome.kind is OutcomeKind.MEETING_BOOKED and done.outcome.message is None


def test_given_a_meeting_creation_delivered_again_when_recorded_then_it_is_stored_once_and_read_once() -> (
    None
):
    store = FakePipelineOutcomes()
    meetings = FakeMeetings({str(MEETING): LINKED})

    first, _ = record(store, meetings, meeting_created(event_id=9))
    again, _ = record(store, meetings, meeting_created(event_id=9))  # a retry
    duplicate, _ = record(store, meetings, meeting_created(event_id=10))  # HubSpot ids are not unique

    assert (first.new, again.new, duplicate.new) == (True, False, False)
    assert meetings.reads == [str(MEETING)] and len(store.recorded) == 1


def test_given_a_meeting_deleted_before_it_is_read_then_it_is_recorded_credited_to_nobody() -> None:
    store = FakePipelineOutcomes()
    store.sent("hubspot:deal:9001", message("SM-deal", days_before=1))

    done, _ = record(store, FakeMeetings(), meeting_created())  # HubSpot answers 404

    assert done.new is True and done.outcome.message is None
    assert done.outcome.record == f"hubspot:meeting:{MEETING}"


def test_given_hubspot_unavailable_when_a_meeting_is_read_then_the_message_is_retried_unrecorded() -> None:
    store = FakePipelineOutcomes()
    meetings = FakeMeetings({str(MEETING): LINKED}, unavailable=1)

    with pytest.raises(CrmUnavailable):
        record(store, meetings, meeting_created())

    assert store.recorded == {}
    done, _ = record(store, meetings, meeting_created())  # the redelivery
    assert done.new is True and meetings.reads == [str(MEETING)] * 2


def test_given_the_creation_of_another_object_type_when_parsed_then_it_is_no_outcome() -> None:
    for type_id in ("0-1", "0-48", "0-3"):  # a contact, a call, a deal in the generic form
        assert parse_outcome_body(hubspot_envelope(meeting_created(type_id=type_id)), Stages()) == []


def test_given_a_meeting_creation_without_its_object_id_when_parsed_then_it_is_refused() -> None:
    event = meeting_created()
    del event["objectId"]

    with pytest.raises(MalformedEvent, match="objectId"):
        parse_outcome_body(hubspot_envelope(event), Stages())


class Queue:
    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send_all(self, bodies: Any) -> None:
        self.bodies += list(bodies)


def test_given_a_batch_with_a_meeting_creation_when_accepted_then_only_the_outcome_queue_gets_it() -> None:
    triggers, outcomes = Queue(), Queue()
    batch = [meeting_created(event_id=1), meeting_created(MEETING + 1, event_id=2, type_id="0-48")]

    result = accept_hubspot_batch(
        json.dumps(batch).encode(), {("deal", "dealstage")}, triggers, None, outcomes
    )

    assert triggers.bodies == []  # a meeting starts no rule
    assert [json.loads(b)["event"]["eventId"] for b in outcomes.bodies] == [1]  # a call is not an outcome
    assert (result.queued, result.ignored) == (1, 1)
    assert is_outcome_event(batch[0]) and not is_outcome_event(batch[1])
