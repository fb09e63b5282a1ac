"""Use case: both sources normalize into one trigger event, whatever shape they arrive in."""

from __future__ import annotations

import json

import pytest

from tests.support.events import hubspot_event, salesforce_change
from textloop.domain.errors import MalformedEvent, UnknownEvent
from textloop.domain.model import ChangeKind
from textloop.schemas import parse_queue_body
from textloop.service_layer.intake import hubspot_envelope


@pytest.mark.parametrize("nested", [True, False], ids=["event-relay-detail.payload", "appflow-detail"])
def test_given_cdc_under_either_shape_then_the_same_trigger(nested: bool) -> None:
    body = salesforce_change(
        "Opportunity", ["006A"], {"StageName": "Negotiation/Review"}, transaction_key="tk-1", nested=nested
    )
    (event,) = parse_queue_body(json.dumps(body))
    assert event.record.crm == "salesforce" and event.record.object_type == "opportunity"
    assert event.changed == {"StageName": "Negotiation/Review"}
    assert event.event_key == "sf:00DRM000000Fxts2AC:tk-1:1:006A"
    assert event.account == "00DRM000000Fxts2AC"


def test_given_one_change_event_for_many_records_then_one_trigger_per_record() -> None:
    body = salesforce_change("Case", ["500A", "500B"], {"Status": "Closed"})
    events = parse_queue_body(json.dumps(body))
    assert [e.record.record_id for e in events] == ["500A", "500B"]
    assert len({e.event_key for e in events}) == 2


def test_given_gap_events_then_kind_says_reread() -> None:
    (gap,) = parse_queue_body(json.dumps(salesforce_change("Case", ["500A"], {}, change_type="GAP_UPDATE")))
    (overflow,) = parse_queue_body(json.dumps(salesforce_change("Case", [], {}, change_type="GAP_OVERFLOW")))
    assert gap.kind is ChangeKind.GAP and gap.needs_reread
    assert overflow.kind is ChangeKind.GAP_OVERFLOW


@pytest.mark.parametrize("legacy", [False, True], ids=["subscriptionType", "eventType"])
def test_given_hubspot_events_with_either_type_field_then_the_same_trigger(legacy: bool) -> None:
    (event,) = parse_queue_body(
        hubspot_envelope(hubspot_event(9001, "dealstage", "contractsent", legacy=legacy))
    )
    assert (event.record.crm, event.record.object_type, event.record.record_id) == ("hubspot", "deal", "9001")
    assert event.changed == {"dealstage": "contractsent"}
    assert event.event_key == "hs:4431:deal.propertyChange:9001:1001:1795187045000"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("[1, 2]", MalformedEvent),
        ("no json", MalformedEvent),
        (json.dumps({"source": "hubspot", "event": {"objectId": "x"}}), MalformedEvent),
        (
            json.dumps(
                {"source": "hubspot", "event": {**hubspot_event(1, "a", "b"), "subscriptionType": None}}
            ),
            MalformedEvent,
        ),
        (json.dumps({"hello": "world"}), UnknownEvent),
        (hubspot_envelope(hubspot_event(1, "x", "y", kind="company.propertyChange")), UnknownEvent),
        (json.dumps(salesforce_change("Account", ["001A"], {"Name": "x"})), UnknownEvent),
        (
            json.dumps(
                {**salesforce_change("Case", ["500A"], {}), "detail": {"payload": {"Status": "Closed"}}}
            ),
            MalformedEvent,
        ),
    ],
    ids=[
        "array",
        "not-json",
        "hubspot-bad-id",
        "hubspot-no-type",
        "unknown-shape",
        "hubspot-company",
        "sf-account",
        "no-header",
    ],
)
def test_given_malformed_or_unknown_messages_then_a_clear_error(body: str, error: type[Exception]) -> None:
    with pytest.raises(error) as raised:
        parse_queue_body(body)
    assert str(raised.value)
