"""Use case: whatever a sender or an operator hands Textloop, each parser either accepts it or refuses it
with the project's own error, never a crash; what a vendor sends as documented is always accepted and
survives the trip through the queue intact.

Property-based (hypothesis), over every parser of outside input: the Salesforce CDC event and the queue
body (``schemas.parse_queue_body``), the HubSpot webhook batch (``intake.accept_hubspot_batch``), the
Twilio forms (``HttpRequest.form``, ``InboundSms.from_form``, ``status.record_status``), the rules file
(``RuleSet``) and the template renderer (``templates.render``). Deterministic (derandomized, no example
database) and small: a few hundred examples in all."""

from __future__ import annotations

import base64
import json
import string
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tests.support.events import hubspot_event, salesforce_change
from textloop.domain.errors import (
    BadRequest,
    EventTooLarge,
    MalformedEvent,
    MissingMergeField,
    TemplateError,
    UnknownEvent,
)
from textloop.domain.model import ChangeKind, TriggerEvent
from textloop.domain.rules import DEFAULT_TRIGGERS_FILE, RuleSet, Template
from textloop.domain.segments import is_gsm7
from textloop.domain.templates import render
from textloop.domain.watchlist import watched_properties
from textloop.http import HttpRequest, body_size
from textloop.schemas import parse_queue_body
from textloop.service_layer.inbound import InboundSms
from textloop.service_layer.intake import accept_hubspot_batch, hubspot_envelope
from textloop.service_layer.status import STATUS_RANK, record_status

PROPERTIES = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same examples on every run, in CI and here
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
AT = datetime(2026, 11, 20, 15, 4, 5, tzinfo=UTC)

# --- strategies --------------------------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
# Integers around the edges a JSON number can reach: a timestamp past year 9999, negatives, 64-bit and beyond.
edge_ints = st.integers() | st.sampled_from([0, -1, 2**31, 2**63, 10**17, 10**20, -(10**20), 253402300800000])


@st.composite
def mutated(draw: st.DrawFn, document: Any) -> Any:
    """*document* with one to three of its values (at any depth) replaced, or keys removed."""

    def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        found = [prefix]
        if isinstance(node, dict):
            for key, value in node.items():
                found += paths(value, (*prefix, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                found += paths(value, (*prefix, index))
        return found

    doc = json.loads(json.dumps(document))
    for _ in range(draw(st.integers(1, 3))):
        candidates = [p for p in paths(doc) if p]
        if not candidates:
            break
        path = draw(st.sampled_from(candidates))
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_values | edge_ints)
    return doc


# --- the queue body: Salesforce CDC through EventBridge, and every other source ----------------

salesforce_ids = st.text(alphabet=string.ascii_letters + string.digits, min_size=15, max_size=18)
change_types = st.sampled_from(["CREATE", "UPDATE", "DELETE", "UNDELETE"])


def parsed_or_skipped(body: str) -> list[TriggerEvent]:
    """The events *body* carries, [] when it is skipped; anything else raised fails the property."""
    try:
        events = parse_queue_body(body)
    except (MalformedEvent, UnknownEvent, EventTooLarge):
        return []
    assert all(event.event_key and event.account is not None for event in events)
    return events


@PROPERTIES
@given(body=st.text(max_size=200) | json_values.map(json.dumps))
def test_given_any_text_when_parsed_as_a_queue_message_then_events_or_a_skip(body: str) -> None:
    parsed_or_skipped(body)


@PROPERTIES
@given(
    event=mutated(
        salesforce_change("Opportunity", ["006RM000003AbCdYAK"], {"StageName": "Negotiation/Review"})
    )
)
def test_given_a_damaged_cdc_event_when_parsed_then_events_or_a_skip(event: Any) -> None:
    parsed_or_skipped(json.dumps(event))


@PROPERTIES
@given(
    entity=st.sampled_from(["Opportunity", "Case"]),
    record_ids=st.lists(salesforce_ids, min_size=1, max_size=5, unique=True),
    change_type=change_types,
    stage=st.text(max_size=40),
    commit_ms=st.integers(0, 253402300799999),  # Salesforce's timestamps, up to the year 9999
    nested=st.booleans(),
)
def test_given_a_valid_cdc_event_when_parsed_then_one_event_per_record_with_its_change(
    entity: str, record_ids: list[str], change_type: str, stage: str, commit_ms: int, nested: bool
) -> None:
    event = salesforce_change(
        entity, record_ids, {"StageName": stage}, change_type=change_type, nested=nested
    )
    header = (event["detail"]["payload"] if nested else event["detail"])["ChangeEventHeader"]
    header["commitTimestamp"] = commit_ms

    events = parse_queue_body(json.dumps(event))

    assert [e.record.record_id for e in events] == record_ids
    assert len({e.event_key for e in events}) == len(record_ids)
    assert all(e.kind is ChangeKind(change_type) and e.changed == {"StageName": stage} for e in events)


@PROPERTIES
@given(header=mutated(salesforce_change("Case", ["500RM0000001AbCYAK"], {})["detail"]["payload"]))
def test_given_a_cdc_header_with_any_values_then_events_or_a_skip(header: Any) -> None:
    event = salesforce_change("Case", ["500RM0000001AbCYAK"], {})
    event["detail"]["payload"] = header
    parsed_or_skipped(json.dumps(event))


# --- the HubSpot webhook batch -------------------------------------------------------------------


class Recorded:
    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send_all(self, bodies: Sequence[str]) -> None:
        self.bodies += bodies


WATCHED = watched_properties("hubspot")
hubspot_kinds = st.sampled_from(
    ["deal.propertyChange", "deal.creation", "deal.deletion", "contact.propertyChange", "ticket.creation"]
)


@st.composite
def hubspot_batches(draw: st.DrawFn) -> list[dict[str, Any]]:
    events = []
    for n in range(draw(st.integers(0, 100))):
        prop = draw(st.sampled_from(sorted({p for _, p in WATCHED} | {"amount"})))
        value = draw(st.text(max_size=30))
        events.append(
            hubspot_event(
                draw(st.integers(1, 2**53)),
                prop,
                value,
                event_id=n + 1,
                kind=draw(hubspot_kinds),
                legacy=draw(st.booleans()),
            )
        )
    return events


@PROPERTIES
@given(body=st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()))
def test_given_any_body_when_taken_as_a_hubspot_batch_then_accepted_or_400(body: bytes) -> None:
    queue = Recorded()
    try:
        result = accept_hubspot_batch(body, WATCHED, queue, Recorded(), Recorded())
    except BadRequest:
        return
    assert result.queued + result.ignored == len(json.loads(body))


@PROPERTIES
@given(batch=st.lists(mutated(hubspot_event(9001, "dealstage", "contractsent")), max_size=8))
def test_given_a_batch_of_damaged_events_then_accepted_and_each_queued_one_is_parsed_or_skipped(
    batch: list[Any],
) -> None:
    queue = Recorded()

    result = accept_hubspot_batch(json.dumps(batch).encode(), WATCHED, queue, Recorded(), Recorded())

    assert result.queued + result.ignored == len(batch)
    for body in queue.bodies:
        parsed_or_skipped(body)


def test_given_a_deeply_nested_body_when_taken_as_a_hubspot_batch_then_400_not_a_crash() -> None:
    with pytest.raises(BadRequest):
        accept_hubspot_batch(b"[" * 100_000 + b"]" * 100_000, WATCHED, Recorded(), Recorded(), Recorded())


@PROPERTIES
@given(batch=hubspot_batches())
def test_given_a_valid_batch_when_accepted_then_every_watched_event_is_queued_and_reads_back_intact(
    batch: list[dict[str, Any]],
) -> None:
    queue = Recorded()

    result = accept_hubspot_batch(json.dumps(batch).encode(), WATCHED, queue, Recorded(), Recorded())

    assert result.queued + result.ignored == len(batch)
    watched = [
        e
        for e in batch
        if (e.get("subscriptionType") or e.get("eventType"))
        in ("deal.propertyChange", "contact.propertyChange")
        and (
            ("deal" if "deal" in (e.get("subscriptionType") or e["eventType"]) else "contact"),
            e["propertyName"],
        )
        in WATCHED
    ]
    queued = [json.loads(body)["event"] for body in queue.bodies]
    assert all(e in queued for e in watched)
    for body in queue.bodies:
        (trigger,) = parse_queue_body(body)
        event = json.loads(body)["event"]
        assert trigger.record.record_id == str(event["objectId"])
        assert trigger.account == str(event["portalId"])
        if event.get("subscriptionType", event.get("eventType", "")).endswith("propertyChange"):
            assert trigger.changed == {event["propertyName"]: event["propertyValue"]}


@PROPERTIES
@given(occurred_at=edge_ints, object_id=edge_ints)
def test_given_any_hubspot_numbers_when_queued_then_read_back_or_skipped(
    occurred_at: int, object_id: int
) -> None:
    event = hubspot_event(object_id, "dealstage", "contractsent")
    event["occurredAt"] = occurred_at
    for trigger in parsed_or_skipped(hubspot_envelope(event)):
        assert trigger.record.record_id == str(object_id)


# --- the Twilio forms ---------------------------------------------------------------------------

form_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
forms = st.dictionaries(form_text, form_text, max_size=8)


def _request(body: bytes) -> HttpRequest:
    return HttpRequest("POST", "/twilio/inbound", "", {}, body, "example.test", "$default")


@PROPERTIES
@given(form=forms)
def test_given_any_form_when_encoded_and_parsed_then_the_same_form(form: dict[str, str]) -> None:
    assert _request(urlencode(form).encode()).form() == form


@PROPERTIES
@given(body=st.binary(max_size=300))
def test_given_any_bytes_when_parsed_as_a_form_then_a_form_or_400(body: bytes) -> None:
    try:
        form = _request(body).form()
    except BadRequest:
        return
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in form.items())


inbound_forms = st.fixed_dictionaries(
    {},
    optional={
        "MessageSid": form_text,
        "From": form_text | st.sampled_from(["+14155550132", "+447700900123", "4155550132"]),
        "To": form_text,
        "Body": form_text,
        "NumMedia": form_text | edge_ints.map(str) | st.integers(-2, 12).map(str),
        "OptOutType": form_text,
        "MediaContentType0": form_text,
    },
)


@PROPERTIES
@given(form=inbound_forms)
def test_given_any_inbound_form_then_a_message_or_400(form: dict[str, str]) -> None:
    try:
        sms = InboundSms.from_form(form, AT)
    except BadRequest:
        return
    assert sms.sid == form["MessageSid"] and sms.sender.startswith("+")  # E.164, the ledger's key
    assert len(sms.media_types) == sms.num_media <= 10


@PROPERTIES
@given(
    body=form_text,
    media=st.lists(st.sampled_from(["image/jpeg", "image/png", "video/mp4", "text/vcard"]), max_size=10),
)
def test_given_a_valid_inbound_form_when_parsed_then_every_field_is_kept(body: str, media: list[str]) -> None:
    form = {"MessageSid": "SM" + "a" * 32, "From": "+14155550132", "To": "+14155550100", "Body": body}
    form |= {"NumMedia": str(len(media))} | {f"MediaContentType{n}": t for n, t in enumerate(media)}

    sms = InboundSms.from_form(_request(urlencode(form).encode()).form(), AT)

    assert (sms.body, sms.media_types, sms.num_media) == (body, tuple(media), len(media))


class Statuses:
    def __init__(self) -> None:
        self.updates: list[tuple[str, str, int]] = []

    def update_status(
        self, sid: str, status: str, rank: int, error_code: str, at: datetime, price: str = ""
    ) -> bool:
        self.updates.append((sid, status, rank))
        return True


status_forms = st.fixed_dictionaries(
    {},
    optional={
        "MessageSid": form_text,
        "SmsSid": form_text,
        "MessageStatus": form_text | st.sampled_from(sorted(STATUS_RANK)).map(str.upper),
        "SmsStatus": form_text,
        "ErrorCode": form_text,
        "Price": form_text,
    },
)


@PROPERTIES
@given(form=status_forms)
def test_given_any_status_callback_then_recorded_or_400(form: dict[str, str]) -> None:
    store = Statuses()
    try:
        record_status(form, store, AT)
    except BadRequest:
        assert store.updates == []
        return
    ((sid, status, rank),) = store.updates
    assert sid and STATUS_RANK[status] == rank


@PROPERTIES
@given(
    sid=st.text(string.ascii_letters + string.digits, min_size=1, max_size=34),
    status=st.sampled_from(sorted(STATUS_RANK)),
)
def test_given_a_valid_status_callback_then_it_is_always_recorded(sid: str, status: str) -> None:
    store = Statuses()

    record_status({"MessageSid": sid, "MessageStatus": status, "ErrorCode": ""}, store, AT)

    assert store.updates == [(sid, status, STATUS_RANK[status])]


# --- the rules file -----------------------------------------------------------------------------

DEFAULT_RULES = json.loads(DEFAULT_TRIGGERS_FILE.read_text(encoding="utf-8"))


@PROPERTIES
@given(document=mutated(DEFAULT_RULES) | json_values)
def test_given_a_damaged_rules_file_then_loaded_or_a_validation_error(document: Any) -> None:
    try:
        rules = RuleSet.model_validate(document)
    except ValidationError:
        return
    assert {t.id for t in rules.templates} >= {tid for r in rules.rules for tid in r.template_ids}


@PROPERTIES
@given(text=st.text(max_size=200))
def test_given_any_text_as_the_rules_file_then_a_value_error(text: str, tmp_path_factory: Any) -> None:
    path = tmp_path_factory.mktemp("rules") / "triggers.json"
    path.write_text(text, encoding="utf-8")
    try:
        RuleSet.load(path)
    except ValueError:  # json.JSONDecodeError and pydantic's ValidationError both are
        return
    pytest.fail("arbitrary text loaded as a rules file")


def test_given_the_default_rules_file_when_dumped_and_loaded_then_the_same_rules() -> None:
    rules = RuleSet.load()

    again = RuleSet.model_validate_json(rules.model_dump_json(by_alias=True))

    assert again == rules


# --- the template renderer ----------------------------------------------------------------------

FRAGMENTS = [
    "Hi ",
    " ",
    "{{ brand }}",
    "{{ contact.first_name }}",
    "{{ record.name }}",
    "{{ record.amount }}",
    "{{ link }}",
    "{{ record.name|upper }}",
    "{{ record.name[40] }}",
    "{{ record.amount / record.seats }}",
    "{{ record.amount + record.name }}",
    "{{ record.name|round }}",
    "{{ '%d' % record.name }}",
    "{{ record.name.__class__ }}",
    "{{ record.missing }}",
    "{% if record.seats %}seats{% endif %}",
    "{% for c in record.name %}{{ c }}{% endfor %}",
    "{{",
    "}}",
    "{% if %}",
    "{{ record.name|nosuchfilter }}",
    "Reply STOP to opt out.",
]
merge_values = st.text(max_size=40) | st.integers() | st.floats(allow_nan=False) | st.none()


def _template(body: str) -> Template:
    return Template(
        id="t",
        version=1,
        status="approved",
        owner="ops@example.test",
        tag="stage-trigger-a-v1",
        body=body,
        max_lengths={"record.name": 28},
    )


@PROPERTIES
@given(
    fragments=st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=6),
    values=st.fixed_dictionaries(
        {},
        optional={
            "brand": st.text(max_size=20),
            "contact": st.fixed_dictionaries({}, optional={"first_name": st.text(max_size=20)}),
            "record": st.fixed_dictionaries(
                {}, optional={"name": merge_values, "amount": merge_values, "seats": merge_values}
            ),
            "link": st.text(max_size=30),
        },
    ),
)
def test_given_any_template_and_values_then_a_message_or_a_template_skip(
    fragments: list[str], values: dict[str, Any]
) -> None:
    try:
        body = render(_template("".join(fragments)), values)
    except (TemplateError, MissingMergeField):
        return
    assert body and body == " ".join(body.split())


@PROPERTIES
@given(first_name=st.text(min_size=1, max_size=60), record_name=st.text(min_size=1, max_size=60))
def test_given_a_valid_template_and_any_crm_text_then_a_message_with_the_values_cut_and_normalised(
    first_name: str, record_name: str
) -> None:
    assume(first_name.split() and record_name.split())
    template = _template(
        "Acme: Hi {{ contact.first_name }}, {{ record.name }} is ready. Reply STOP to opt out."
    )

    body = render(template, {"contact": {"first_name": first_name}, "record": {"name": record_name}})

    assert body.startswith("Acme: Hi ") and body.endswith("is ready. Reply STOP to opt out.")
    assert body == " ".join(body.split())
    gsm_in, gsm_out = is_gsm7(first_name + record_name), is_gsm7(body)
    assert gsm_out or not gsm_in


# --- the HTTP edge: API Gateway's payload v2 event and its body size --------------------------

APIGW_EVENT = {
    "version": "2.0",
    "routeKey": "POST /twilio/inbound",
    "rawPath": "/twilio/inbound",
    "rawQueryString": "",
    "headers": {"host": "abc123.execute-api.us-east-1.amazonaws.com"},
    "requestContext": {
        "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
        "http": {"method": "POST", "path": "/twilio/inbound"},
        "stage": "$default",
    },
    "body": "",
    "isBase64Encoded": False,
}


@PROPERTIES
@given(event=mutated(APIGW_EVENT))
def test_given_a_damaged_api_gateway_event_then_a_request_or_400(event: Any) -> None:
    try:
        request = HttpRequest.from_apigw_v2(event)
    except BadRequest:
        return
    assert isinstance(request.body, bytes) and isinstance(request.path, str)
    assert request.method == request.method.upper() and isinstance(request.public_url(), str)


@PROPERTIES
@given(body=st.binary(max_size=2_000), encoded=st.booleans())
def test_given_any_body_when_sized_then_its_decoded_length_exactly(body: bytes, encoded: bool) -> None:
    text = base64.b64encode(body).decode() if encoded else body.decode("utf-8", "replace")
    event = {**APIGW_EVENT, "body": text, "isBase64Encoded": encoded}

    assert body_size(event) == len(HttpRequest.from_apigw_v2(event).body)
