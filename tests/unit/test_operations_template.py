"""Use case: an operator is told when Textloop is in trouble and sees what it does. Every alarm of
template.yaml notifies the stack's AlarmTopic (and AlarmTopicArn when given); the alarms cover each
function's errors and throttles, the age of each work queue, every dead-letter queue, the API's 5xx,
401/403 on the webhooks and the SLA watchdog; the dashboard shows the metrics the code emits."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.support.template_tables import TEMPLATE
from textloop import observability
from textloop.domain.outcome import LOG_FAILED, LOG_PENDING
from textloop_local import template as sam

TOPIC = {"Ref": "AlarmTopic"}
EXTRA = {"Fn::If": ["HasAlarmTopic", {"Ref": "AlarmTopicArn"}, {"Ref": "AWS::NoValue"}]}


@pytest.fixture(scope="module")
def tpl() -> dict[str, Any]:
    return sam.load_template(TEMPLATE)


def of_type(tpl: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in tpl["Resources"].items() if v["Type"] == type_}


def alarms_on(tpl: dict[str, Any], namespace: str, metric: str) -> dict[str, Any]:
    """The value of each alarm's first dimension (a !Ref / !GetAtt) -> the alarm's properties."""
    found = {}
    for alarm in of_type(tpl, "AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        if (props.get("Namespace"), props.get("MetricName")) == (namespace, metric):
            dims = props.get("Dimensions") or [{"Value": None}]
            value = dims[0]["Value"]
            key = value.get("Ref") or value.get("Fn::GetAtt", [None])[0] if isinstance(value, dict) else value
            found[key] = props
    return found


def test_every_alarm_notifies_the_stack_topic_and_the_optional_extra_topic(tpl: dict[str, Any]) -> None:
    alarms = of_type(tpl, "AWS::CloudWatch::Alarm")
    assert len(alarms) >= 25
    for name, alarm in alarms.items():
        props = alarm["Properties"]
        assert props["AlarmActions"] == [TOPIC, EXTRA], name
        assert props["OKActions"] == [TOPIC, EXTRA], name
        assert props["AlarmDescription"], name


def test_the_topic_gets_an_email_subscription_only_when_alarm_email_is_set(tpl: dict[str, Any]) -> None:
    assert tpl["Resources"]["AlarmTopic"]["Type"] == "AWS::SNS::Topic"
    (subscription,) = of_type(tpl, "AWS::SNS::Subscription").values()
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    assert tpl["Parameters"]["AlarmEmail"]["Default"] == ""
    assert re.fullmatch(tpl["Parameters"]["AlarmEmail"]["AllowedPattern"], "")
    assert re.fullmatch(tpl["Parameters"]["AlarmEmail"]["AllowedPattern"], "ops@acme.example")
    assert not re.fullmatch(tpl["Parameters"]["AlarmEmail"]["AllowedPattern"], "not an address")


def test_every_function_has_an_errors_and_a_throttles_alarm(tpl: dict[str, Any]) -> None:
    functions = set(of_type(tpl, "AWS::Serverless::Function"))
    assert len(functions) == 11  # ... the renewal scanner, the tracked-link redirect, the outcome recorder
    assert set(alarms_on(tpl, "AWS/Lambda", "Errors")) == functions
    assert set(alarms_on(tpl, "AWS/Lambda", "Throttles")) == functions


def test_the_watchdog_alarms_when_it_fails_or_stops_running(tpl: dict[str, Any]) -> None:
    assert "SlaWatchdogFunction" in alarms_on(tpl, "AWS/Lambda", "Errors")
    not_running = alarms_on(tpl, "AWS/Lambda", "Invocations")["SlaWatchdogFunction"]
    assert not_running["ComparisonOperator"] == "LessThanThreshold"
    assert not_running["TreatMissingData"] == "breaching"


def test_queue_age_and_every_dead_letter_queue_are_alarmed(tpl: dict[str, Any]) -> None:
    ages = alarms_on(tpl, "AWS/SQS", "ApproximateAgeOfOldestMessage")
    assert set(ages) == {"TriggerQueue", "InboundQueue", "ConsentQueue"}
    assert all(a["Threshold"] == {"Ref": "QueueAgeAlarmSeconds"} for a in ages.values())
    dlqs = {q.dead_letter_logical_id for q in sam.queues(tpl).values() if q.dead_letter_logical_id}
    assert dlqs == {
        "TriggerDeadLetterQueue",
        "InboundDeadLetterQueue",
        "ConsentDeadLetterQueue",
        "PrivacyDeadLetterQueue",
        "OutcomeDeadLetterQueue",
    }
    assert set(alarms_on(tpl, "AWS/SQS", "ApproximateNumberOfMessagesVisible")) == dlqs


def test_api_5xx_and_webhook_401_403_are_alarmed(tpl: dict[str, Any]) -> None:
    assert set(alarms_on(tpl, "AWS/ApiGateway", "5xx")) == {"HttpApi"}
    access = tpl["Resources"]["HttpApi"]["Properties"]["AccessLogSettings"]
    assert access["DestinationArn"] == {"Fn::GetAtt": ["HttpApiAccessLogGroup", "Arn"]}
    line = re.sub(r"\$context\.[A-Za-z.]+", "401", access["Format"])  # what API Gateway writes
    assert json.loads(line)["status"] == 401 and "routeKey" in json.loads(line)
    (metric_filter,) = of_type(tpl, "AWS::Logs::MetricFilter").values()
    props = metric_filter["Properties"]
    assert props["LogGroupName"] == {"Ref": "HttpApiAccessLogGroup"}
    assert "$.status = 401" in props["FilterPattern"] and "$.status = 403" in props["FilterPattern"]
    (transform,) = props["MetricTransformations"]
    assert (transform["MetricNamespace"], transform["MetricName"]) == ("Textloop", "WebhookAuthRejected")
    assert set(alarms_on(tpl, "Textloop", "WebhookAuthRejected")) == {None}


def dashboard(tpl: dict[str, Any]) -> dict[str, Any]:
    (board,) = of_type(tpl, "AWS::CloudWatch::Dashboard").values()
    body = board["Properties"]["DashboardBody"]["Fn::Sub"]
    refs = set(re.findall(r"\$\{([^}]+)\}", body))
    resources = set(tpl["Resources"])
    assert {r.split(".")[0] for r in refs} - {"AWS::Region", "AWS::StackName"} <= resources
    return dict(json.loads(re.sub(r"\$\{([^}]+)\}", r"\1", body)))


def test_the_dashboard_shows_sends_skips_deferrals_replies_latency_queue_age_and_errors(
    tpl: dict[str, Any],
) -> None:
    widgets = [w["properties"] for w in dashboard(tpl)["widgets"] if w["type"] == "metric"]
    text = json.dumps(widgets)
    for search in (
        """SEARCH('{Textloop,reason,service} MetricName="SmsSkipped"', 'Sum', 300)""",
        """SEARCH('{Textloop,reason,service} MetricName="SmsDeferred"', 'Sum', 300)""",
        """SEARCH('{Textloop,intent,service} MetricName="RepliesRouted"', 'Sum', 300)""",
    ):
        assert search in [m[0].get("expression") for w in widgets for m in w["metrics"] if len(m) == 1]
    assert '"SmsSent"' in text
    stats = {w["stat"] for w in widgets if any("Duration" in m for m in w["metrics"])}
    assert stats == {"p50", "p90"}
    assert text.count('"ApproximateAgeOfOldestMessage"') == 3
    assert '"Errors"' in text and '"5xx"' in text and '"WebhookAuthRejected"' in text
    for w in widgets:
        for m in w["metrics"]:
            assert isinstance(m, list) and m, w["title"]  # a metric is an array, an expression [{...}]


def test_the_dashboard_names_the_metrics_the_code_emits(tpl: dict[str, Any]) -> None:
    text = json.dumps(dashboard(tpl))
    emitted = {name for name, _, _ in observability.OUTCOME_METRICS.values()} - {"EventIgnored"}
    for name in emitted:
        assert f'"{name}"' in text or f'MetricName=\\"{name}\\"' in text, name


def test_a_sent_sms_whose_crm_log_stays_pending_or_failed_is_alarmed(tpl: dict[str, Any]) -> None:
    # Given the metric the dispatcher emits for a sent SMS whose CRM log did not land (observability)
    alarms = {
        props["Dimensions"][0]["Value"]: props
        for props in (a["Properties"] for a in of_type(tpl, "AWS::CloudWatch::Alarm").values())
        if (props.get("Namespace"), props.get("MetricName")) == ("Textloop", "SmsLogNotWritten")
    }
    service = tpl["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]

    # Then a log refused for good alarms at once, and a log still pending after 15 minutes too
    assert set(alarms) == {LOG_PENDING, LOG_FAILED}
    for state, props in alarms.items():
        assert props["Dimensions"] == [
            {"Name": "state", "Value": state},
            {"Name": "service", "Value": service},
        ]
        assert (props["Statistic"], props["Threshold"], props["ComparisonOperator"]) == (
            "Sum",
            0,
            "GreaterThanThreshold",
        )
    assert alarms[LOG_FAILED]["Period"] * alarms[LOG_FAILED]["EvaluationPeriods"] == 300
    assert alarms[LOG_PENDING]["Period"] * alarms[LOG_PENDING]["EvaluationPeriods"] == 900
