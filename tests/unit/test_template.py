"""template.yaml is the one source of truth: its parser, its tables, routes and queues, and the
SalesforceChangeRule pattern evaluated by (moto's) EventBridge against both Salesforce payload shapes."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from moto import mock_aws
from pytest_socket import socket_allow_hosts

from tests.support.template_tables import TEMPLATE, create_tables
from textloop_local import template as sam

ROOT = Path(__file__).resolve().parents[2]
TRIGGERS = ROOT / "shared" / "textloop" / "triggers.default.json"
LOCAL_BUS = "salesforce-event-relay"  # moto cannot route rules on partner bus names containing '/'
RELAY_SOURCE = "aws.partner/salesforce.com/00DRM000000Fxts2AC/0YLRM0000004Dfg4AE"
APPFLOW_SOURCE = "aws.partner/appflow/salesforce.com/123456789012/textloop-cdc"


@pytest.fixture(autouse=True)
def _no_network() -> None:
    """Overrides the unit tier's no-socket rule: this module talks to a moto server on loopback only."""
    socket_allow_hosts(["127.0.0.1"], allow_unix_socket=True)


@pytest.fixture
def tpl() -> dict[str, Any]:
    return sam.load_template(TEMPLATE)


# ----------------------------------------------------------------------------------------- parser


def test_given_cloudformation_short_tags_when_loading_then_they_become_intrinsics() -> None:
    text = """
    A: !Ref Param
    B: !GetAtt Queue.Arn
    C: !Sub "https://${Api}.example.com"
    D: !If [Cond, !Ref X, !Ref AWS::NoValue]
    E: !Equals [!Ref P, ""]
    """

    doc = yaml.load(text, Loader=sam.CfnLoader)  # noqa: S506 - a SafeLoader subclass

    assert doc == {
        "A": {"Ref": "Param"},
        "B": {"Fn::GetAtt": ["Queue", "Arn"]},
        "C": {"Fn::Sub": "https://${Api}.example.com"},
        "D": {"Fn::If": ["Cond", {"Ref": "X"}, {"Ref": "AWS::NoValue"}]},
        "E": {"Fn::Equals": [{"Ref": "P"}, ""]},
    }


def test_given_the_template_when_parsing_then_both_tables_have_the_designed_keys(tpl: dict[str, Any]) -> None:
    tables = sam.tables(tpl)

    assert set(tables) == {"StateTable", "ConsentTable"}
    state, consent = tables["StateTable"], tables["ConsentTable"]
    assert (state.hash_key, state.range_key, state.ttl_attribute) == ("pk", "sk", "expires_at")
    assert state.billing_mode == "PAY_PER_REQUEST"
    assert (consent.hash_key, consent.range_key, consent.ttl_attribute) == ("phone", None, None)
    assert consent.billing_mode == "PAY_PER_REQUEST"
    assert consent.point_in_time_recovery
    assert consent.deletion_protection
    resource = tpl["Resources"]["ConsentTable"]
    assert resource["DeletionPolicy"] == "Retain"
    assert resource["UpdateReplacePolicy"] == "Retain"


def test_given_a_dynamodb_client_when_creating_tables_then_schema_and_ttl_follow_the_template() -> None:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")

        names = create_tables(client, suffix="-t1")

        assert names == {"StateTable": "StateTable-t1", "ConsentTable": "ConsentTable-t1"}
        state = client.describe_table(TableName="StateTable-t1")["Table"]
        assert state["KeySchema"] == [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ]
        assert state["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        ttl = client.describe_time_to_live(TableName="StateTable-t1")["TimeToLiveDescription"]
        assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")
        consent = client.describe_table(TableName="ConsentTable-t1")["Table"]
        assert consent["KeySchema"] == [{"AttributeName": "phone", "KeyType": "HASH"}]
        # Idempotent: a second call finds them.
        assert create_tables(client, suffix="-t1") == names


def test_given_the_template_when_reading_routes_then_each_webhook_maps_to_its_function(
    tpl: dict[str, Any],
) -> None:
    routes = {(r.method, r.path): r for r in sam.http_routes(tpl)}

    assert set(routes) == {
        ("POST", "/hubspot/webhooks"),
        ("POST", "/twilio/status"),
        ("POST", "/twilio/inbound"),
        ("GET", "/l/{code}"),
        ("HEAD", "/l/{code}"),
    }
    assert routes["GET", "/l/{code}"].function == "LinkRedirectFunction"
    assert routes["HEAD", "/l/{code}"].function == "LinkRedirectFunction"
    hubspot, twilio = routes["POST", "/hubspot/webhooks"], routes["POST", "/twilio/status"]
    assert routes["POST", "/twilio/inbound"].function == "TwilioInboundFunction"
    assert (hubspot.function, hubspot.code_uri, hubspot.handler, hubspot.api) == (
        "HubSpotWebhookFunction",
        "functions/hubspot_webhook",
        "app.handler",
        "HttpApi",
    )
    assert (twilio.function, twilio.code_uri, twilio.handler) == (
        "TwilioStatusFunction",
        "functions/twilio_status",
        "app.handler",
    )


def test_given_the_template_when_reading_functions_then_globals_are_merged(tpl: dict[str, Any]) -> None:
    functions = {f.logical_id: f for f in sam.functions(tpl)}

    assert set(functions) == {
        "HubSpotWebhookFunction",
        "DispatcherFunction",
        "TwilioStatusFunction",
        "TwilioInboundFunction",
        "OutcomeRecorderFunction",
        "LinkRedirectFunction",
        "ReplyRouterFunction",
        "SlaWatchdogFunction",
        "RenewalScannerFunction",
        "ConsentWriterFunction",
        "PrivacyEraserFunction",
    }
    dispatcher = functions["DispatcherFunction"]
    assert (dispatcher.module, dispatcher.handler_function) == ("app", "handler")
    assert dispatcher.memory_size == 256
    assert dispatcher.environment["POWERTOOLS_SERVICE_NAME"] == "textloop"
    assert dispatcher.environment["STATE_TABLE"] == {"Ref": "StateTable"}
    glob = tpl["Globals"]["Function"]
    assert (glob["Runtime"], glob["Architectures"]) == ("python3.12", ["arm64"])
    # The webhook path must not pull in the X-Ray SDK: no active Powertools tracer is configured.
    assert not any(k.startswith("POWERTOOLS_TRACE") for k in sam.global_environment(tpl))


@pytest.mark.parametrize(
    ("queue", "dead_letter", "function", "batch_size"),
    [
        ("TriggerQueue", "TriggerDeadLetterQueue", "DispatcherFunction", 100),  # bulk context reads
        ("InboundQueue", "InboundDeadLetterQueue", "ReplyRouterFunction", 10),
        ("ConsentQueue", "ConsentDeadLetterQueue", "ConsentWriterFunction", 10),
        ("PrivacyQueue", "PrivacyDeadLetterQueue", "PrivacyEraserFunction", 10),
    ],
)
def test_given_the_template_when_reading_queues_then_each_consumer_has_partial_failures_and_redrive(
    tpl: dict[str, Any], queue: str, dead_letter: str, function: str, batch_size: int
) -> None:
    source = next(s for s in sam.sqs_event_sources(tpl) if s.queue == queue)
    queues = sam.queues(tpl)
    consumer = next(f for f in sam.functions(tpl) if f.logical_id == function)

    assert (source.function, source.batch_size) == (function, batch_size)
    assert batch_size <= 10 or source.maximum_batching_window_seconds > 0  # Lambda's rule, standard queue
    assert source.report_batch_item_failures
    assert list(queues).index(dead_letter) < list(queues).index(queue)  # creation order: DLQ first
    definition = queues[queue]
    assert (definition.dead_letter_logical_id, definition.max_receive_count) == (dead_letter, 5)
    assert consumer.timeout is not None
    assert definition.visibility_timeout >= 6 * consumer.timeout


def test_given_an_sqs_client_when_creating_queues_then_the_redrive_points_at_the_dlq() -> None:
    with mock_aws():
        client = boto3.client("sqs", region_name="us-east-1")

        created = sam.create_queues(None, client, prefix="textloop")

        trigger = created["TriggerQueue"]
        attrs = client.get_queue_attributes(QueueUrl=trigger["url"], AttributeNames=["All"])["Attributes"]
        redrive = json.loads(attrs["RedrivePolicy"])
        assert trigger["name"] == "textloop-TriggerQueue"
        assert redrive["deadLetterTargetArn"] == created["TriggerDeadLetterQueue"]["arn"]
        assert int(redrive["maxReceiveCount"]) == 5
        assert attrs["VisibilityTimeout"] == "540"  # 6 x the dispatcher's 90 s


def test_given_the_trigger_defaults_when_comparing_then_rule_parameters_match_triggers_default_json(
    tpl: dict[str, Any],
) -> None:
    rules = json.loads(TRIGGERS.read_text())["rules"]

    def values(object_type: str, field: str) -> set[str]:
        return {
            value
            for rule in rules
            if rule["crm"] == "salesforce" and rule["object_type"] == object_type and rule["field"] == field
            for value in rule["equals"]
        }

    defaults = sam.parameter_defaults(tpl)

    assert set(defaults["SalesforceOpportunityStages"]) == values("opportunity", "StageName")
    assert set(defaults["SalesforceCaseStatuses"]) == values("case", "Status")
    assert defaults["SalesforceOpportunityStages"] == ["Negotiation/Review"]
    assert defaults["SalesforceCaseStatuses"] == ["Closed"]


def test_given_the_rule_when_resolving_then_parameters_are_substituted_and_it_targets_the_queue(
    tpl: dict[str, Any],
) -> None:
    rule = sam.event_rule(tpl, "SalesforceChangeRule", parameters={"SalesforceCaseStatuses": "Closed,Solved"})

    assert rule.event_pattern["detail-type"] == ["OpportunityChangeEvent", "CaseChangeEvent"]
    assert {"detail": {"payload": {"Status": ["Closed", "Solved"]}}} in rule.event_pattern["$or"]
    assert "Ref" not in json.dumps(rule.event_pattern)
    (target,) = rule.targets
    assert (target.queue, target.dead_letter_queue) == ("TriggerQueue", "TriggerDeadLetterQueue")
    assert rule.event_bus_name == "aws.partner/salesforce.com/00D000000000000/0YL000000000000"


# ------------------------------------------------------------------- the rule, evaluated by EventBridge


@pytest.fixture(scope="module")
def route() -> Iterator[Callable[..., bool]]:
    """Given moto's EventBridge on loopback with SalesforceChangeRule (from template.yaml) → an SQS queue:
    ``route(detail, detail_type, source)`` says whether the event reached the queue."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        kw: dict[str, Any] = {
            "endpoint_url": f"http://{host}:{port}",
            "region_name": "us-east-1",
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
        events, sqs = boto3.client("events", **kw), boto3.client("sqs", **kw)
        queues = sam.create_queues(None, sqs, prefix=f"t{uuid.uuid4().hex[:6]}")
        rule = sam.event_rule(None, "SalesforceChangeRule")
        events.create_event_bus(Name=LOCAL_BUS)
        events.put_rule(
            Name="SalesforceChangeRule", EventBusName=LOCAL_BUS, EventPattern=json.dumps(rule.event_pattern)
        )
        events.put_targets(
            Rule="SalesforceChangeRule",
            EventBusName=LOCAL_BUS,
            Targets=[{"Id": t.id, "Arn": queues[t.queue]["arn"]} for t in rule.targets],
        )
        queue_url = queues["TriggerQueue"]["url"]

        def _route(
            detail: dict[str, Any], detail_type: str = "OpportunityChangeEvent", source: str = RELAY_SOURCE
        ) -> bool:
            marker = uuid.uuid4().hex
            entry = {
                "Source": source,
                "DetailType": detail_type,
                "EventBusName": LOCAL_BUS,
                "Detail": json.dumps({**detail, "marker": marker}),
            }
            assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0
            arrived = False
            while True:
                messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
                if not messages:
                    return arrived
                for message in messages:
                    body = json.loads(message["Body"])
                    arrived = arrived or body["detail"].get("marker") == marker
                    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])

        yield _route
    finally:
        server.stop()


def _header(
    change_type: str = "UPDATE", entity: str = "Opportunity", record_id: str = "006000000000001AAA"
) -> dict[str, Any]:
    return {
        "entityName": entity,
        "recordIds": [record_id],
        "changeType": change_type,
        "changedFields": ["StageName", "LastModifiedDate"],
        "changeOrigin": "com/salesforce/api/rest/62.0",
        "transactionKey": "0002b3c4-d5e6-f708-192a-3b4c5d6e7f80",
        "sequenceNumber": 1,
        "commitTimestamp": 1795187045000,
        "commitNumber": 11652013446,
        "commitUser": "005000000000001AAA",
    }


def test_given_an_event_relay_opportunity_in_the_trigger_stage_then_it_reaches_the_queue(
    route: Callable[..., bool],
) -> None:
    detail = {
        "payload": {"ChangeEventHeader": _header(), "StageName": "Negotiation/Review"},
        "schemaId": "X3y6m9m",
    }

    assert route(detail)


def test_given_the_appflow_shape_with_the_trigger_stage_then_it_reaches_the_queue(
    route: Callable[..., bool],
) -> None:
    detail = {"ChangeEventHeader": _header(), "StageName": "Negotiation/Review"}

    assert route(detail)
    assert route(detail, source=APPFLOW_SOURCE)


def test_given_an_opportunity_in_another_stage_then_it_is_filtered_out(route: Callable[..., bool]) -> None:
    assert not route({"payload": {"ChangeEventHeader": _header(), "StageName": "Prospecting"}})
    assert not route({"ChangeEventHeader": _header(), "StageName": "Closed Won"})


def test_given_the_outcome_changes_the_channel_relays_then_none_reaches_the_trigger_queue(
    route: Callable[..., bool],
) -> None:
    # The channel relays every Opportunity creation and stage change and Event creations (outcomes):
    # SalesforceChangeRule alone keeps the dispatcher to the trigger stages.
    created = {"ChangeEventHeader": _header("CREATE"), "StageName": "Prospecting", "Amount": 5}
    meeting = {"ChangeEventHeader": _header("CREATE", "Event", "00U000000000001AAA"), "WhatId": "006"}

    assert not route({"payload": created})
    assert not route({"payload": meeting}, detail_type="EventChangeEvent")
    at_trigger_stage = {**created, "StageName": "Negotiation/Review"}
    assert route({"payload": at_trigger_stage})


def test_given_a_closed_case_in_either_shape_then_it_reaches_the_queue(route: Callable[..., bool]) -> None:
    header = _header(entity="Case", record_id="500000000000001AAA")

    assert route(
        {"payload": {"ChangeEventHeader": header, "Status": "Closed"}}, detail_type="CaseChangeEvent"
    )
    assert route({"ChangeEventHeader": header, "Status": "Closed"}, detail_type="CaseChangeEvent")
    assert not route(
        {"payload": {"ChangeEventHeader": header, "Status": "Working"}}, detail_type="CaseChangeEvent"
    )


@pytest.mark.parametrize("change_type", ["GAP_UPDATE", "GAP_CREATE", "GAP_OVERFLOW"])
def test_given_a_gap_event_without_field_values_then_it_reaches_the_queue(
    route: Callable[..., bool], change_type: str
) -> None:
    header = _header(change_type)

    assert route({"payload": {"ChangeEventHeader": header}})
    assert route({"ChangeEventHeader": header})


def test_given_other_detail_types_or_sources_then_they_are_filtered_out(route: Callable[..., bool]) -> None:
    detail = {"payload": {"ChangeEventHeader": _header(entity="Account"), "StageName": "Negotiation/Review"}}

    assert not route(detail, detail_type="AccountChangeEvent")
    assert not route(detail, source="custom.textloop.test")


# ---------------------------------------------------------------------------------- events/*.json


def _sqs_body(name: str) -> dict[str, Any]:
    event = json.loads((ROOT / "events" / name).read_text())
    (record,) = event["Records"]
    assert record["eventSource"] == "aws:sqs"
    body: dict[str, Any] = json.loads(record["body"])
    return body


@pytest.mark.parametrize(
    "name", ["dispatcher_salesforce_opportunity.json", "dispatcher_salesforce_case.json"]
)
def test_given_the_sample_salesforce_events_then_the_rule_routes_them(
    route: Callable[..., bool], name: str
) -> None:
    body = _sqs_body(name)

    assert route(body["detail"], detail_type=body["detail-type"], source=body["source"])


def test_given_the_sample_http_events_then_they_are_http_api_v2_posts_on_template_routes(
    tpl: dict[str, Any],
) -> None:
    routes = {f"{r.method} {r.path}" for r in sam.http_routes(tpl)}
    for name in ("hubspot_webhook.json", "twilio_status.json", "twilio_inbound.json"):
        event = json.loads((ROOT / "events" / name).read_text())

        assert event["version"] == "2.0"
        assert event["routeKey"] in routes
    assert _sqs_body("dispatcher_hubspot_deal.json")["source"] == "hubspot"
    assert _sqs_body("reply_router.json")["type"] == "reply"
