"""Powertools Logger (JSON, phone numbers and bodies masked) and Metrics (EMF).

Nothing here imports the X-Ray SDK: the webhook path must not pay ~400 ms for it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.logging.types import PowertoolsLogRecord
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from textloop.domain.errors import Retryable
from textloop.domain.masking import mask_in_text
from textloop.domain.model import DispatchResult, Outcome

NAMESPACE_DEFAULT = "Textloop"
SENSITIVE_KEYS = frozenset({"body", "message_body", "Body", "text"})


class MaskingFormatter(LambdaPowertoolsFormatter):
    def serialize(self, log: dict[str, Any] | PowertoolsLogRecord) -> str:
        record: dict[str, Any] = dict(log)
        for key in SENSITIVE_KEYS & record.keys():
            record[key] = f"<{len(str(record[key]))} chars>"
        return mask_in_text(super().serialize(record))


logger = Logger(logger_formatter=MaskingFormatter())
metrics = Metrics(namespace=os.getenv("POWERTOOLS_METRICS_NAMESPACE") or NAMESPACE_DEFAULT)


def observe(result: DispatchResult) -> None:
    """One structured line and the matching metric for every dispatch outcome."""
    log = logger.info if result.outcome in (Outcome.SENT, Outcome.DEFERRED) else logger.warning
    log(
        f"dispatch {result.outcome}",
        extra={
            "event_key": result.event_key,
            "outcome": str(result.outcome),
            "reason": result.reason,
            "rule": result.rule,
            "sid": result.sid,
            **result.details,
        },
    )
    if result.outcome is Outcome.SENT:
        metrics.add_metric(name="SmsSent", unit=MetricUnit.Count, value=1)
    elif result.outcome is Outcome.DUPLICATE:
        metrics.add_metric(name="DuplicateSuppressed", unit=MetricUnit.Count, value=1)
    elif result.outcome is Outcome.DEFERRED:  # held back by the send-time policy or a cap: comes back
        count_with_reason("SmsDeferred", result.reason)
    else:
        count_with_reason(
            "SmsSkipped" if result.outcome is Outcome.SKIPPED else "EventIgnored", result.reason
        )


def count_with_reason(name: str, reason: str) -> None:
    with single_metric(name=name, unit=MetricUnit.Count, value=1, namespace=metrics.namespace) as metric:
        metric.add_dimension(name="reason", value=reason or "unknown")


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
