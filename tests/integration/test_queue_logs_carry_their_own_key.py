"""Use case: ops follow one queued event through the logs by its correlation id; a message that cannot
be parsed is logged under its own key (its SQS message id), never under the previous record's."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from tests.support.sqs import sqs_record
from textloop.domain.ports import ConsentChange, ConsentStatus
from textloop.service_layer.status import consent_change_body


def test_given_a_valid_then_a_malformed_consent_message_when_consumed_then_each_line_has_its_own_key(
    load_handler: Callable[..., ModuleType], lambda_context: Any, log_lines: io.StringIO
) -> None:
    app = load_handler("consent_writer", POWERTOOLS_METRICS_DISABLED="true")
    change = ConsentChange(
        "+14155550101",
        ConsentStatus.OPTED_OUT,
        "twilio_inbound",
        "SM-first",
        datetime(2026, 11, 30, 12, tzinfo=UTC),
    )
    event = {
        "Records": [sqs_record("m-valid", consent_change_body(change)), sqs_record("m-broken", "{not json")]
    }

    answer = app.handler(event, lambda_context)

    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-broken"}]}
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    applied = [line for line in lines if line["message"] == "consent change applied"]
    failed = [line for line in lines if line["level"] in ("WARNING", "ERROR")]
    assert [line["correlation_id"] for line in applied] == ["SM-first"]
    assert failed and {line["correlation_id"] for line in failed} == {"sqs:m-broken"}
