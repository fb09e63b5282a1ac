"""Use case: ops read what happened from the metric name and the log level alone. Every outcome has its
own metric (a routed reply is a reply by intent, never an "ignored event") and its own level (only a
skipped text is a warning)."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools import Logger

from textloop import observability
from textloop.domain.model import DispatchResult, Outcome
from textloop.observability import MaskingFormatter, observe


@pytest.fixture
def seen(capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    """observe() with its log lines and EMF metrics captured: returns (level, message, metrics)."""
    stream = io.StringIO()
    log = Logger(
        service=f"t{uuid.uuid4().hex}",
        logger_formatter=MaskingFormatter(),
        stream=stream,
        level=logging.DEBUG,
    )
    original, observability.logger = observability.logger, log
    observability.metrics.clear_metrics()

    def run(result: DispatchResult) -> tuple[str, str, list[tuple[str, dict[str, str]]]]:
        stream.seek(0)
        stream.truncate()
        capsys.readouterr()
        observe(result)
        (line,) = stream.getvalue().splitlines()
        entry = json.loads(line)
        emitted: list[tuple[str, dict[str, str]]] = []
        for blob in capsys.readouterr().out.splitlines():  # single_metric flushes at once (EMF)
            emf = json.loads(blob)
            for directive in emf["_aws"]["CloudWatchMetrics"]:
                dims = {d: emf[d] for group in directive["Dimensions"] for d in group if d != "service"}
                emitted += [(m["Name"], dims) for m in directive["Metrics"]]
        emitted += [(name, {}) for name in observability.metrics.metric_set]  # flushed by the handler
        observability.metrics.clear_metrics()
        return entry["level"], entry["message"], emitted

    try:
        yield run
    finally:
        observability.logger = original
        observability.metrics.clear_metrics()


@pytest.mark.parametrize(
    ("result", "level", "metric"),
    [
        (DispatchResult(Outcome.SENT, "sf:1", rule="r", sid="SM1"), "INFO", ("SmsSent", {})),
        (
            DispatchResult(Outcome.DEFERRED, "sf:2", "quiet_hours_default"),
            "INFO",
            ("SmsDeferred", {"reason": "quiet_hours_default"}),
        ),
        (
            DispatchResult(Outcome.SKIPPED, "sf:3", "opted_out"),
            "WARNING",
            ("SmsSkipped", {"reason": "opted_out"}),
        ),
        (
            DispatchResult(Outcome.IGNORED, "sf:4", "no_rule"),
            "INFO",
            ("EventIgnored", {"reason": "no_rule"}),
        ),
        (DispatchResult(Outcome.DUPLICATE, "sf:5", "already_sent"), "INFO", ("DuplicateSuppressed", {})),
        (
            DispatchResult(
                Outcome.ROUTED,
                "in:SM6",
                "buying_signal",
                details={"intent": "buying_signal", "how": "thread"},
            ),
            "INFO",
            ("RepliesRouted", {"intent": "buying_signal"}),
        ),
        (
            DispatchResult(Outcome.ROUTED, "failure:SM7:30006", "phone_landline", details={"contact": "c1"}),
            "INFO",
            ("RepliesRouted", {"reason": "phone_landline"}),
        ),
    ],
    ids=lambda v: v.outcome.value if isinstance(v, DispatchResult) else None,
)
def test_given_an_outcome_when_observed_then_its_own_metric_and_log_level(
    seen: Any, result: DispatchResult, level: str, metric: tuple[str, dict[str, str]]
) -> None:
    got_level, message, emitted = seen(result)

    assert got_level == level
    assert message.endswith(str(result.outcome))
    assert emitted == [metric]


def test_given_a_routed_reply_then_it_is_never_counted_as_an_ignored_event_nor_warned(seen: Any) -> None:
    level, message, emitted = seen(
        DispatchResult(Outcome.ROUTED, "in:SM8", "meeting", details={"intent": "meeting"})
    )

    assert (level, message) == ("INFO", "reply routed")
    assert [name for name, _ in emitted] == ["RepliesRouted"]


@pytest.mark.parametrize(
    ("result", "metrics"),
    [
        (
            DispatchResult(Outcome.SENT, "sf:1", "log_pending", details={"log": "pending"}),
            [("SmsLogNotWritten", {"state": "pending"}), ("SmsSent", {})],
        ),
        (  # a redelivery that only retried the log: no second SmsSent
            DispatchResult(Outcome.DUPLICATE, "sf:1", "log_pending", details={"log": "pending"}),
            [("SmsLogNotWritten", {"state": "pending"}), ("DuplicateSuppressed", {})],
        ),
        (
            DispatchResult(Outcome.SENT, "sf:2", "log_failed", details={"log": "failed"}),
            [("SmsLogNotWritten", {"state": "failed"}), ("SmsSent", {})],
        ),
        (DispatchResult(Outcome.SENT, "sf:3", details={"log": "logged"}), [("SmsSent", {})]),
    ],
)
def test_given_a_sent_sms_whose_crm_log_is_pending_or_failed_then_it_is_counted_apart(
    seen: Any, result: DispatchResult, metrics: list[tuple[str, dict[str, str]]]
) -> None:
    _, _, emitted = seen(result)
    assert emitted == metrics


def test_every_outcome_has_a_distinct_metric_name() -> None:
    names = [name for name, _, _ in observability.OUTCOME_METRICS.values()]
    assert set(observability.OUTCOME_METRICS) == set(Outcome)
    assert len(set(names)) == len(names)


@pytest.mark.parametrize(
    ("latency_s", "bucket"), [("270.0", "within_5m"), ("301", "within_30m"), ("1801", "later")]
)
def test_given_a_reply_with_its_latency_then_its_bucket_against_the_5_and_30_minute_marks_is_counted(
    seen: Any, latency_s: str, bucket: str
) -> None:
    _, _, emitted = seen(
        DispatchResult(
            Outcome.ROUTED, "in:SM9", "meeting", details={"intent": "meeting", "latency_s": latency_s}
        )
    )

    assert ("ReplyLatency", {"bucket": bucket}) in emitted and (
        "RepliesRouted",
        {"intent": "meeting"},
    ) in emitted


def test_given_a_sent_message_then_its_segments_are_counted_for_finance(seen: Any) -> None:
    _, _, emitted = seen(DispatchResult(Outcome.SENT, "sf:10", rule="r", sid="SM10", details={"segments": 2}))

    assert sorted(name for name, _ in emitted) == ["SmsSegments", "SmsSent"]
    assert observability.latency_bucket(300) == "within_5m"
