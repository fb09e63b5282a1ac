"""Powertools Logger (JSON, phone numbers and bodies masked) and Metrics (EMF).

Nothing here imports the X-Ray SDK: the webhook path must not pay ~400 ms for it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.logging.types import PowertoolsLogRecord
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from textloop.domain.errors import Retryable
from textloop.domain.masking import mask_in_text
from textloop.domain.outcome import LOG_PENDING, Outcome

if TYPE_CHECKING:  # annotations only: the webhooks' cold start does not import the model
    from textloop.domain.model import DispatchResult

NAMESPACE_DEFAULT = "Textloop"
SENSITIVE_KEYS = frozenset({"body", "message_body", "Body", "text"})


class MaskingFormatter(LambdaPowertoolsFormatter):
    def serialize(self, log: dict[str, Any] | PowertoolsLogRecord) -> str:
        record: dict[str, Any] = dict(log)
        for key in SENSITIVE_KEYS & record.keys():
            record[key] = f"<{len(str(record[key]))} chars>"
        return mask_in_text(super().serialize(record))


class MaskingFilter(logging.Filter):
    """Masks numbers in what a vendor library logs itself: the twilio SDK logs a request's query
    parameters (``To=+1…`` when a send is reconciled) at INFO, outside the Powertools logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        # the request line is URL-encoded (To=%2B1…): decode before masking
        record.msg, record.args = mask_in_text(unquote(record.getMessage())), ()
        return True


VENDOR_LOGGERS = ("twilio.http_client", "twilio.async_http_client")
for _name in VENDOR_LOGGERS:
    logging.getLogger(_name).addFilter(MaskingFilter())

logger = Logger(logger_formatter=MaskingFormatter())
metrics = Metrics(namespace=os.getenv("POWERTOOLS_METRICS_NAMESPACE") or NAMESPACE_DEFAULT)


# Every outcome has its own metric and log level: (metric, dimension, level). A skip is a warning (a
# text the CRM change asked for did not go); everything else is the product working as designed.
OUTCOME_METRICS: dict[Outcome, tuple[str, str | None, str]] = {
    Outcome.SENT: ("SmsSent", None, "info"),
    Outcome.DEFERRED: ("SmsDeferred", "reason", "info"),  # held back by the send-time policy or a cap
    Outcome.SKIPPED: ("SmsSkipped", "reason", "warning"),
    Outcome.IGNORED: ("EventIgnored", "reason", "info"),  # no rule wants this change
    Outcome.DUPLICATE: ("DuplicateSuppressed", None, "info"),
    Outcome.ROUTED: ("RepliesRouted", "intent", "info"),  # a reply by intent; other routings by reason
    Outcome.RETRIED: ("Retried", "reason", "warning"),  # a batch's event (``failures_reported``' metric)
}


def observe(result: DispatchResult) -> None:
    """One structured line and the matching metric for every dispatch or routing outcome."""
    name, dimension, level = OUTCOME_METRICS[result.outcome]
    verb = "reply" if result.outcome is Outcome.ROUTED else "dispatch"
    getattr(logger, level)(
        f"{verb} {result.outcome}",
        extra={
            "event_key": result.event_key,
            "outcome": str(result.outcome),
            "reason": result.reason,
            "rule": result.rule,
            "sid": result.sid,
            **result.details,
        },
    )
    if result.outcome is Outcome.SENT and "segments" in result.details:  # what finance pays Twilio for
        metrics.add_metric(name="SmsSegments", unit=MetricUnit.Count, value=float(result.details["segments"]))
    if result.details.get("log") in (LOG_PENDING, "failed"):  # an SMS that went, not (yet) on the CRM record
        count_with_dimension("SmsLogNotWritten", "state", str(result.details["log"]))
    if result.outcome is Outcome.ROUTED and "latency_s" in result.details:  # the first five minutes decide
        count_with_dimension("ReplyLatency", "bucket", latency_bucket(float(result.details["latency_s"])))
    if dimension is None:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    elif result.outcome is Outcome.ROUTED and "intent" not in result.details:
        # a consent write-back or a delivery failure flagged on the contact: not a reply
        count_with_dimension(name, "reason", result.reason)
    elif result.outcome is Outcome.ROUTED:
        count_with_dimension(name, "intent", str(result.details["intent"]))
    else:
        count_with_dimension(name, dimension, result.reason)


def latency_bucket(seconds: float) -> str:
    """A reply's latency after its message, against the 5 and 30 minute marks."""
    return "within_5m" if seconds <= 300 else "within_30m" if seconds <= 1800 else "later"


def count_with_dimension(name: str, dimension: str, value: str) -> None:
    with single_metric(name=name, unit=MetricUnit.Count, value=1, namespace=metrics.namespace) as metric:
        metric.add_dimension(name=dimension, value=value or "unknown")


def count_with_reason(name: str, reason: str) -> None:
    count_with_dimension(name, "reason", reason)


@contextmanager
def failures_reported(what: str) -> Iterator[None]:
    """Log and count a queued message's failure, then let it fail: the queue redelivers it and, after
    ``maxReceiveCount``, dead-letters it. Powertools' batch processor alone would log nothing."""
    try:
        yield
    except Retryable as problem:
        logger.warning(f"{what} will be retried", extra={"reason": problem.reason, "error": str(problem)})
        count_with_reason("Retried", problem.reason)
        raise
    except Exception:
        logger.exception(f"{what} failed unexpectedly; it will be retried, then dead-lettered")
        count_with_reason("Retried", "unexpected_error")
        raise


def observe_pipeline(outcome: Any, new: bool) -> None:
    """One line and the metrics of a CRM outcome (``service_layer.outcomes``): ``PipelineOutcomes`` and,
    when a message earned it, ``AttributedOutcomes`` by ``kind``; ``WonRevenue`` (the amount) for a
    closed-won deal. A redelivery counts ``OutcomeDuplicate`` only."""
    message = outcome.message
    logger.info(
        "pipeline outcome" if new else "pipeline outcome already recorded",
        extra={
            "kind": str(outcome.kind),
            "record": outcome.record,
            "message_sid": message.sid if message else None,
            "rule": message.rule if message else None,
        },
    )
    if not new:
        metrics.add_metric(name="OutcomeDuplicate", unit=MetricUnit.Count, value=1)
        return
    count_with_dimension("PipelineOutcomes", "kind", str(outcome.kind))
    if message is not None:
        count_with_dimension("AttributedOutcomes", "kind", str(outcome.kind))
    if str(outcome.kind) == "closed_won" and outcome.amount is not None:
        with single_metric(
            name="WonRevenue", unit=MetricUnit.NoUnit, value=outcome.amount, namespace=metrics.namespace
        ) as metric:
            metric.add_dimension(name="attributed", value="yes" if message is not None else "no")
