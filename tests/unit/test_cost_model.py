"""The cost model: AWS dollars per million SMS from measured usage (a fixed results.json, never a bench
run), memory from the template, prices from a table whose every entry has a source and a date; the
usage meter counts request units by DynamoDB's sizing rules through botocore's event hooks."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from textloop_local import bench_usage, cost
from textloop_local.bench_usage import UsageMeter, attribute_size, item_size, read_units, write_units

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "bench_results.json"

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Architectures: [arm64]
    MemorySize: 128
Resources:
  TriggerQueue:
    Type: AWS::SQS::Queue
  InboundQueue:
    Type: AWS::SQS::Queue
  DispatcherFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/dispatcher/
      Handler: app.handler
      MemorySize: 1024
      Events:
        TriggerQueue:
          Type: SQS
          Properties:
            Queue: !GetAtt TriggerQueue.Arn
            BatchSize: 10
  HubSpotWebhookFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/hubspot_webhook/
      Handler: app.handler
      Events:
        Webhook:
          Type: HttpApi
          Properties: {Method: POST, Path: /hubspot/webhooks}
  TwilioStatusFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/twilio_status/
      Handler: app.handler
      Events:
        Status:
          Type: HttpApi
          Properties: {Method: POST, Path: /twilio/status}
  TwilioInboundFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/twilio_inbound/
      Handler: app.handler
      Events:
        Inbound:
          Type: HttpApi
          Properties: {Method: POST, Path: /twilio/inbound}
  ReplyRouterFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/reply_router/
      Handler: app.handler
      MemorySize: 512
      Events:
        InboundQueue:
          Type: SQS
          Properties:
            Queue: !GetAtt InboundQueue.Arn
"""

ASSUMED = {
    "twilio_status_callbacks_per_sms": 3,
    "lambda_esm_sqs_requests_per_batch": 2,
    "lambda_esm_messages_per_batch": 1,
    "lambda_platform_log_bytes_per_invocation": 330,
    "apigateway_access_log_bytes_per_request": 300,
    "salesforce_changes_per_sms": 1,
    "deferred_share": 0,
    "reply_rate": 0.25,
    "meeting_rate": 0.03,
}


def _figures() -> dict[str, Any]:
    return dict(json.loads(FIXTURE.read_text(encoding="utf-8"))["figures"])


def _specs(tmp_path: Path, text: str = TEMPLATE) -> dict[str, cost.FunctionSpec]:
    path = tmp_path / "template.yaml"
    path.write_text(text, encoding="utf-8")
    return cost.template_functions(path)


def _price_table(**changes: Any) -> dict[str, Any]:
    """The bundled table with every price 0 but those named, and the assumptions above."""
    table: dict[str, Any] = json.loads(cost.PRICES_FILE.read_text(encoding="utf-8"))
    for key, entry in table["prices"].items():
        entry["value"] = changes.pop(key, 0)
    for key, entry in table["assumptions"].items():
        entry["value"] = changes.pop(key, ASSUMED[key])
    table["carrier_fees"]["carriers"] = changes.pop(
        "carriers", {"all": {"usd_per_segment": 0.0, "share": 1.0}}
    )
    assert not changes, f"unknown settings {changes}"
    return table


def _prices(tmp_path: Path, **changes: Any) -> cost.Prices:
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(_price_table(**changes)), encoding="utf-8")
    return cost.load_prices(path)


def _report(tmp_path: Path, options: cost.Options | None = None, **prices: Any) -> dict[str, Any]:
    return cost.compute(_figures(), _prices(tmp_path, **prices), _specs(tmp_path), options or cost.Options())


# ------------------------------------------------------------------------------------ AWS by service


def test_given_measured_request_units_when_costed_then_dynamodb_is_units_times_on_demand_prices(
    tmp_path: Path,
) -> None:
    report = _report(
        tmp_path, dynamodb_on_demand_write_request_unit=0.625, dynamodb_on_demand_read_request_unit=0.125
    )

    # dispatcher 1 x 20 WRU + 4 RRU; 3 status callbacks (Twilio's count, not the emulator's 2) x 1 WRU
    assert report["aws_breakdown_usd_per_million_sms"]["dynamodb"] == pytest.approx(23 * 0.625 + 4 * 0.125)
    assert report["aws_usd_per_million_sms"] == pytest.approx(14.875)
    assert report["dominant_service"] == "dynamodb"


def test_given_memory_in_the_template_when_costed_then_gb_seconds_use_each_functions_memory(
    tmp_path: Path,
) -> None:
    price = 0.0000133334
    report = _report(tmp_path, lambda_arm64_gb_second=price)

    gb_seconds = 1 * 0.200 * 1.0 + 0.5 * 0.010 * 0.125 + 3 * 0.020 * 0.125  # dispatcher has 1024 MB
    assert report["aws_breakdown_usd_per_million_sms"]["lambda_compute"] == pytest.approx(
        gb_seconds * price * 1e6
    )
    assert report["lambda_per_function"]["DispatcherFunction"]["memory_mb"] == 1024
    assert report["lambda_per_function"]["TwilioStatusFunction"]["memory_mb"] == 128


def test_given_another_memory_size_when_costed_then_compute_cost_follows_the_template(tmp_path: Path) -> None:
    small = _report(tmp_path, lambda_arm64_gb_second=1e-5)["aws_breakdown_usd_per_million_sms"][
        "lambda_compute"
    ]
    specs = _specs(tmp_path, TEMPLATE.replace("MemorySize: 1024", "MemorySize: 2048"))
    big = cost.compute(_figures(), _prices(tmp_path, lambda_arm64_gb_second=1e-5), specs)
    dispatcher_share = 0.2 * 1.0 * 1e-5 * 1e6

    assert big["aws_breakdown_usd_per_million_sms"]["lambda_compute"] == pytest.approx(
        small + dispatcher_share
    )


def test_given_status_callbacks_when_costed_then_each_is_an_api_request_and_an_invocation(
    tmp_path: Path,
) -> None:
    report = _report(tmp_path, apigateway_http_request=1.0, lambda_request=0.2)
    fewer = _report(
        tmp_path, cost.Options(status_callbacks_per_sms=2), apigateway_http_request=1.0, lambda_request=0.2
    )

    assert report["aws_breakdown_usd_per_million_sms"]["api_gateway"] == pytest.approx(0.5 + 3)  # webhook + 3
    assert report["aws_breakdown_usd_per_million_sms"]["lambda_requests"] == pytest.approx(
        (1 + 0.5 + 3) * 0.2
    )
    assert fewer["aws_breakdown_usd_per_million_sms"]["api_gateway"] == pytest.approx(0.5 + 2)


def test_given_queues_when_costed_then_sqs_counts_sends_event_source_batches_and_the_rule_target(
    tmp_path: Path,
) -> None:
    report = _report(tmp_path, sqs_standard_request=0.4)
    deferred = _report(tmp_path, cost.Options(deferred_share=0.1), sqs_standard_request=0.4)

    # receive + delete of the dispatcher's batch of one, the webhook's send for half the SMS, and what
    # the dispatcher consumed that no function sent: the EventBridge rule's send for the Salesforce half
    assert report["aws_breakdown_usd_per_million_sms"]["sqs"] == pytest.approx((2 + 0.5 + 0.5) * 0.4)
    # a deferred message comes back through the queue once more (scheduler's send, another batch)
    assert deferred["aws_breakdown_usd_per_million_sms"]["sqs"] == pytest.approx(
        (2.2 + 0.5 + 0.5 + 0.1) * 0.4
    )


def test_given_a_deferred_share_when_costed_then_scheduler_invocations_and_a_second_dispatch_are_paid(
    tmp_path: Path,
) -> None:
    report = _report(
        tmp_path,
        cost.Options(deferred_share=0.2),
        eventbridge_scheduler_invocation=1.0,
        dynamodb_on_demand_write_request_unit=1.0,
    )

    assert report["aws_breakdown_usd_per_million_sms"]["scheduler"] == pytest.approx(0.2)
    assert report["aws_breakdown_usd_per_million_sms"]["dynamodb"] == pytest.approx(1.2 * 20 + 3 * 1)


def test_given_salesforce_changes_when_costed_then_partner_events_are_paid_per_change(tmp_path: Path) -> None:
    report = _report(tmp_path, eventbridge_partner_event=1.0, salesforce_changes_per_sms=4)

    assert report["aws_breakdown_usd_per_million_sms"]["eventbridge"] == pytest.approx(0.5 * 4)


def test_given_log_bytes_when_costed_then_logs_add_platform_lines_and_the_access_log(tmp_path: Path) -> None:
    report = _report(tmp_path, cloudwatch_logs_ingestion_gb=0.5)

    logged = 2000 + (1 + 0.5 + 3) * 330 + (0.5 + 3) * 300
    assert report["aws_breakdown_usd_per_million_sms"]["cloudwatch_logs"] == pytest.approx(
        logged / 1024**3 * 0.5 * 1e6
    )


def test_given_secrets_manager_calls_when_costed_then_they_are_paid_per_call(tmp_path: Path) -> None:
    report = _report(tmp_path, secretsmanager_api_call=5.0)

    assert report["aws_breakdown_usd_per_million_sms"]["secrets_manager"] == pytest.approx(0.1 * 5.0)


def test_given_the_breakdown_when_summed_then_it_is_the_total(tmp_path: Path) -> None:
    table = json.loads(cost.PRICES_FILE.read_text(encoding="utf-8"))
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(table), encoding="utf-8")
    report = cost.compute(_figures(), cost.load_prices(path), _specs(tmp_path))

    assert sum(report["aws_breakdown_usd_per_million_sms"].values()) == pytest.approx(
        report["aws_usd_per_million_sms"], abs=1e-3
    )
    assert report["within_aim"] is (report["aws_usd_per_million_sms"] <= 3.0)


# -------------------------------------------------------------------------- Twilio, replies, meetings


def test_given_carrier_shares_when_costed_then_the_fee_is_weighted_by_share(tmp_path: Path) -> None:
    carriers = {"a": {"usd_per_segment": 0.002, "share": 0.5}, "b": {"usd_per_segment": 0.004, "share": 0.5}}
    report = _report(tmp_path, twilio_us_sms_outbound_segment=0.0083, carriers=carriers)

    assert report["twilio_usd_per_sms"] == pytest.approx(0.0083 + 0.003)
    assert report["usd_per_message"] == pytest.approx(0.0113)


def test_given_reply_and_meeting_rates_when_costed_then_each_carries_the_messages_that_earned_it(
    tmp_path: Path,
) -> None:
    report = _report(
        tmp_path,
        cost.Options(reply_rate=0.2, meeting_rate=0.05),
        twilio_us_sms_outbound_segment=0.01,
        twilio_us_sms_inbound_segment=0.005,
    )

    with_replies = 0.01 + 0.2 * 0.005  # each message, and the replies it brings
    assert report["usd_per_message_with_its_replies"] == pytest.approx(with_replies)
    assert report["usd_per_reply"] == pytest.approx(with_replies / 0.2)
    assert report["usd_per_meeting"] == pytest.approx(with_replies / 0.05)


def test_given_a_price_per_segment_option_when_costed_then_it_replaces_the_table(tmp_path: Path) -> None:
    report = _report(tmp_path, cost.Options(price_per_segment=0.02), twilio_us_sms_outbound_segment=0.0083)

    assert report["twilio_usd_per_sms"] == pytest.approx(0.02)


# ---------------------------------------------------------------------------------------- bad input


def test_given_results_without_usage_when_costed_then_the_error_says_to_run_make_bench(
    tmp_path: Path,
) -> None:
    figures = {k: v for k, v in _figures().items() if not k.startswith("usage.")}

    with pytest.raises(cost.CostInputError, match="make bench"):
        cost.compute(figures, _prices(tmp_path), _specs(tmp_path))


def test_given_no_results_file_when_loaded_then_the_error_says_to_run_make_bench(tmp_path: Path) -> None:
    with pytest.raises(cost.CostInputError, match="make bench"):
        cost.load_results(tmp_path / "missing.json")


def test_given_a_function_the_template_lacks_when_costed_then_it_is_refused(tmp_path: Path) -> None:
    figures = _figures()
    for key in [k for k in figures if ".DispatcherFunction." in k]:
        figures[key.replace("DispatcherFunction", "GhostFunction")] = figures.pop(key)

    with pytest.raises(cost.CostInputError, match="GhostFunction"):
        cost.compute(figures, _prices(tmp_path), _specs(tmp_path))


def test_given_an_x86_function_when_costed_then_the_arm64_price_is_not_applied(tmp_path: Path) -> None:
    specs = _specs(tmp_path, TEMPLATE.replace("Architectures: [arm64]", "Architectures: [x86_64]"))

    with pytest.raises(cost.CostInputError, match="x86_64"):
        cost.compute(_figures(), _prices(tmp_path), specs)


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda t: t["prices"]["lambda_request"].pop("source"), "no source"),
        (lambda t: t["prices"]["sqs_standard_request"].update(read_on="last week"), "read_on"),
        (lambda t: t["prices"]["sqs_standard_request"].update(value=-1), ">= 0"),
        (lambda t: t["prices"].pop("apigateway_http_request"), "apigateway_http_request is missing"),
        (
            lambda t: t["carrier_fees"]["carriers"].update(x={"usd_per_segment": 0.01, "share": 0.5}),
            "add up to 1",
        ),
        (lambda t: t["assumptions"]["reply_rate"].update(value=0), "reply_rate"),
    ],
)
def test_given_a_broken_price_table_when_loaded_then_the_error_names_the_entry(
    tmp_path: Path, break_it: Callable[[dict[str, Any]], Any], message: str
) -> None:
    table = _price_table()
    break_it(table)
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(table), encoding="utf-8")

    with pytest.raises(cost.CostInputError, match=message):
        cost.load_prices(path)


def test_given_the_bundled_price_table_then_every_price_has_a_vendor_source_and_a_date() -> None:
    prices = cost.load_prices()

    assert set(cost.PRICE_KEYS) <= set(prices.sources)
    for key in cost.PRICE_KEYS:
        assert prices.sources[key]["source"].startswith("https://"), key
    assert 0 < prices.carrier_fee_per_segment < prices.prices["twilio_us_sms_outbound_segment"]


def test_given_the_repository_template_then_every_function_is_arm64_with_its_memory() -> None:
    specs = cost.template_functions()

    assert {"DispatcherFunction", "TwilioStatusFunction", "HubSpotWebhookFunction"} <= set(specs)
    assert all(s.architecture == "arm64" and s.memory_mb >= 128 for s in specs.values())
    assert specs["DispatcherFunction"].trigger_consumer and specs["DispatcherFunction"].sqs_consumer
    assert cost.STATUS_ROUTE in specs["TwilioStatusFunction"].routes


# ------------------------------------------------------------------------ the meter and results.json


def test_given_dynamodb_values_when_sized_then_the_published_rules_apply() -> None:
    assert attribute_size({"S": "héllo"}) == 6  # UTF-8 bytes
    assert attribute_size({"N": "12345"}) == 4  # ceil(5 digits / 2) + 1
    assert attribute_size({"BOOL": True}) == 1
    assert attribute_size({"M": {"a": {"S": "xy"}}}) == 3 + 1 + 1 + 2
    assert item_size({"pk": {"S": "A" * 10}, "n": {"N": "7"}}) == 2 + 10 + 1 + 2
    assert [write_units(s) for s in (0, 1024, 1025)] == [1, 1, 2]
    assert [read_units(s, c) for s, c in ((100, False), (100, True), (4097, True))] == [0.5, 1.0, 2.0]


class _Function:
    logical_id = "ProbeFunction"

    def invoke(self, call: Callable[[], Any]) -> Any:
        return call()


class _Consumer:
    logical_id = "ConsumerFunction"

    def invoke(self, event: dict[str, Any]) -> None:
        return None


@mock_aws
def test_given_a_metered_function_when_it_calls_aws_then_units_and_requests_are_counted_from_hooks() -> None:
    meter = UsageMeter()
    session = boto3.session.Session(region_name="us-east-1")
    meter.install(session)
    db, sqs = session.client("dynamodb"), session.client("sqs")
    db.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    queue = sqs.create_queue(QueueName="q")["QueueUrl"]
    meter.resolve_with(boto3.session.Session(region_name="us-east-1").client("dynamodb"))  # not metered
    function = _Function()
    meter.wrap(function)
    big = {"pk": {"S": "a"}, "body": {"S": "x" * 1500}}  # 2 KB rounded up: 2 write units

    function.invoke(lambda: db.put_item(TableName="t", Item=big))
    function.invoke(lambda: db.get_item(TableName="t", Key={"pk": {"S": "a"}}))  # eventually consistent
    function.invoke(
        lambda: db.transact_write_items(
            TransactItems=[{"Put": {"TableName": "t", "Item": {"pk": {"S": "b"}}}}]
        )
    )
    function.invoke(
        lambda: db.update_item(
            TableName="t",
            Key={"pk": {"S": "a"}},
            UpdateExpression="SET body = :b",
            ExpressionAttributeValues={":b": {"S": "y" * 3000}},
        )
    )
    function.invoke(lambda: sqs.send_message(QueueUrl=queue, MessageBody="z" * 70_000))
    function.invoke(
        lambda: sqs.send_message_batch(
            QueueUrl=queue, Entries=[{"Id": "1", "MessageBody": "a"}, {"Id": "2", "MessageBody": "b"}]
        )
    )

    consumer = _Consumer()
    meter.wrap(consumer)
    consumer.invoke({"Records": [{"eventSource": "aws:sqs", "body": "{}"}] * 3})  # a batch of three

    usage = meter.snapshot()["ProbeFunction"]
    assert usage.invocations == 6
    assert usage.wru == 2 + 2 + 3  # put 2 KB; transactional put of a tiny item x2; the 3 KB item updated
    assert usage.rru == 0.5
    assert usage.sqs_requests == 2 + 1  # 70 KB: two 64 KB chunks; a batch of two small ones: one
    assert usage.sqs_messages_sent == 3
    assert meter.snapshot()["ConsumerFunction"].sqs_messages_consumed == 3
    assert usage.calls["dynamodb.PutItem"] == 1 and "dynamodb.CreateTable" not in usage.calls
    assert meter.usage[UsageMeter.OUTSIDE].calls["dynamodb.CreateTable"] == 1  # set-up, not the function's


def test_given_a_usage_measurement_when_written_as_figures_then_the_cost_model_reads_it_back(
    tmp_path: Path,
) -> None:
    per_fn = {
        "invocations_per_unit": 1.0,
        "mean_billed_ms": 100.0,
        "rru_per_invocation": 2.0,
        "wru_per_invocation": 10.0,
        "sqs_requests_per_invocation": 0.0,
        "sqs_messages_sent_per_invocation": 0.0,
        "sqs_messages_consumed_per_invocation": 1.0,
        "secretsmanager_calls_per_invocation": 0.0,
        "scheduler_calls_per_invocation": 0.0,
    }
    measured = {
        "functions_per_sms": {"DispatcherFunction": per_fn},
        "functions_per_reply": {"ReplyRouterFunction": copy.deepcopy(per_fn)},
        "log_bytes_per_sms": 1000.0,
        "segments_per_sms": 1.0,
        "status_callbacks_per_sms": 2.0,
        "salesforce_share": 0.5,
        "log_bytes_per_reply": 900.0,
    }

    figures = bench_usage.figures(measured)
    usage = cost.usage_from_figures(figures)

    assert usage["sms"].functions["DispatcherFunction"]["wru"] == 10.0
    assert usage["sms"].totals == {
        "log_bytes": 1000.0,
        "segments": 1.0,
        "status_callbacks": 2.0,
        "salesforce_share": 0.5,
    }
    assert all(set(f) == {"value", "bound", "unit"} for f in figures.values())


# ------------------------------------------------------------------------ durations of a deployed stack

_DEPLOYED = {
    "Resources": {
        "DispatcherFunction": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "FunctionName": "prod-dispatcher",
                "Runtime": "python3.12",
                "Handler": "app.handler",
                "Role": "arn:aws:iam::123456789012:role/textloop",
                "Code": {"ZipFile": "def handler(event, context):\n    return None\n"},
            },
        }
    }
}


@mock_aws
def test_given_a_deployed_stack_when_durations_come_from_cloudwatch_then_they_replace_the_local_ones(
    tmp_path: Path,
) -> None:
    from datetime import UTC, datetime

    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_role(RoleName="textloop", AssumeRolePolicyDocument="{}")
    boto3.client("cloudformation", region_name="us-east-1").create_stack(
        StackName="prod", TemplateBody=json.dumps(_DEPLOYED)
    )
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
    for ms in (400.0, 600.0):  # a real dispatcher waits on Twilio and the CRM
        cloudwatch.put_metric_data(
            Namespace="AWS/Lambda",
            MetricData=[
                {
                    "MetricName": "Duration",
                    "Dimensions": [{"Name": "FunctionName", "Value": "prod-dispatcher"}],
                    "Value": ms,
                    "Unit": "Milliseconds",
                    "Timestamp": datetime.now(UTC),
                }
            ],
        )

    durations = cost.cloudwatch_durations("prod", ["DispatcherFunction"], region="us-east-1")
    figures = cost.with_durations(_figures(), durations)
    report = cost.compute(figures, _prices(tmp_path, lambda_arm64_gb_second=1e-5), _specs(tmp_path))

    assert durations == {"DispatcherFunction": pytest.approx(500.0)}
    assert report["lambda_per_function"]["DispatcherFunction"]["billed_ms"] == pytest.approx(500.0)
    assert report["lambda_per_function"]["TwilioStatusFunction"]["billed_ms"] == 20.0  # none in CloudWatch
    with pytest.raises(cost.CostInputError, match="no function GhostFunction"):
        cost.cloudwatch_durations("prod", ["GhostFunction"], region="us-east-1")
