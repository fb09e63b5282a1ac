"""Use case: ops read logs; phone numbers and message bodies never appear in them unmasked."""

from __future__ import annotations

import io
import json
import logging
import uuid

import pytest
from aws_lambda_powertools import Logger

from textloop.domain.model import DispatchResult, Outcome
from textloop.observability import MaskingFormatter, observe


def _capture() -> tuple[Logger, io.StringIO]:
    stream = io.StringIO()
    return Logger(
        service=f"t{uuid.uuid4().hex}", logger_formatter=MaskingFormatter(), stream=stream, level=logging.INFO
    ), stream


@pytest.mark.raw_numbers_on_purpose  # pytest's own log capture shows the record before our formatter masks it
def test_given_numbers_in_any_format_when_logged_then_only_the_last_four_digits_remain() -> None:
    log, stream = _capture()
    log.info("texting +14155550132 and (617) 555-0142", extra={"to": "+14155550132", "alt": "202.555.0123"})
    line = stream.getvalue()
    for digits in ("4155550132", "555-0142", "202.555"):
        assert digits not in line
    assert "0132" in line and "0142" in line


def test_given_a_message_body_when_logged_then_only_its_length_is_written() -> None:
    log, stream = _capture()
    log.info("sent", extra={"body": "Hi Maya, your contract is ready"})
    assert json.loads(stream.getvalue())["body"] == "<31 chars>"


def test_given_timestamps_and_ids_when_logged_then_they_are_left_alone() -> None:
    log, stream = _capture()
    log.info("at 2026-11-23 17:37:21", extra={"commit": 1795187045000, "record": "006000000000001AAA"})
    entry = json.loads(stream.getvalue())
    assert entry["message"] == "at 2026-11-23 17:37:21" and entry["record"] == "006000000000001AAA"


def test_given_a_dispatch_outcome_when_observed_then_one_masked_structured_line() -> None:
    from textloop import observability

    log, stream = _capture()
    original, observability.logger = observability.logger, log
    try:
        observe(DispatchResult(Outcome.SKIPPED, "sf:1", "opted_out", details={"phone": "+14155550132"}))
    finally:
        observability.logger = original
    entry = json.loads(stream.getvalue())
    assert (entry["outcome"], entry["reason"], entry["event_key"]) == ("skipped", "opted_out", "sf:1")
    assert "4155550132" not in stream.getvalue()


def test_given_the_twilio_sdk_logs_a_reconciliation_query_then_the_number_is_masked(caplog) -> None:  # type: ignore[no-untyped-def]
    from twilio.http.http_client import TwilioHttpClient

    import textloop.observability  # noqa: F401 - installs the filter on the vendor loggers

    client = TwilioHttpClient()
    with caplog.at_level(logging.INFO, logger="twilio.http_client"):
        client.log_request(
            {
                "method": "GET",
                "url": "https://api.twilio.com/x",
                "params": {"To": "+14155550132"},
                "headers": {},
            }
        )
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "Query Params" in text and "0132" in text
    assert "4155550132" not in text
