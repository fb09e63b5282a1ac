"""Use case: the TriggerQueue consumer takes an SQS batch at once: a malformed message gets its auditable
skip, the valid changes are dispatched together and their SMS logged in one CRM call, and only the messages
that must come back (an SMS whose CRM log is pending) are reported as batch item failures."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.support.events import ORG, salesforce_change
from tests.support.sqs import sqs_record
from textloop_local.emulators import SalesforceEmulator, TwilioEmulator, seed

pytestmark = pytest.mark.integration


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[dict[str, Any]]:
    salesforce, twilio = SalesforceEmulator(tmp_path), TwilioEmulator()
    for emulator in (salesforce, twilio):
        emulator.start()
    yield {"salesforce": salesforce, "twilio": twilio}
    for emulator in (salesforce, twilio):
        emulator.stop()


@pytest.fixture
def app(stack: dict[str, Any], load_handler: Callable[..., ModuleType]) -> ModuleType:
    sf, twilio = stack["salesforce"], stack["twilio"]
    return load_handler(
        "dispatcher",
        POWERTOOLS_METRICS_DISABLED="true",
        SALESFORCE_ACCESS_TOKEN="local-sf-token",
        SALESFORCE_INSTANCE_URL=sf.url,
        SALESFORCE_CA_BUNDLE=str(sf.ca_bundle_path),
        TWILIO_ACCOUNT_SID=seed.TWILIO_ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=seed.TWILIO_AUTH_TOKEN,
        TWILIO_MESSAGING_SERVICE_SID=seed.TWILIO_MESSAGING_SERVICE_SID,
        TWILIO_API_BASE_URL=twilio.url,
        BRAND_NAME="Acme Cloud",
        PUBLIC_BASE_URL="https://hooks.acme.example",
        LINK_DOMAIN="off",
        TENANCY="single",  # one org: the default credentials serve every account
    )


def _review(record_id: str) -> str:
    return json.dumps(salesforce_change("Opportunity", [record_id], {"StageName": "Negotiation/Review"}))


NOON_IN_CALIFORNIA = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)  # a Monday: inside every send window


@pytest.fixture
def dispatcher_app(app: ModuleType, stack: dict[str, Any]) -> ModuleType:
    """The cold-started app, its dispatcher's clock fixed at a sending hour; two opportunities reach review."""
    app.dispatch = replace(app.dispatch, clock=lambda: NOON_IN_CALIFORNIA)
    for record in (seed.SF_OPPORTUNITY_ACME, seed.SF_OPPORTUNITY_GLOBEX):
        stack["salesforce"].update_record("Opportunity", record, {"StageName": "Negotiation/Review"})
    stack["salesforce"].requests.clear()
    return app


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_given_a_batch_with_a_malformed_message_then_each_is_answered_and_the_sms_are_logged_in_one_call(
    dispatcher_app: ModuleType, stack: dict[str, Any], lambda_context: Any, log_lines: io.StringIO
) -> None:
    # Given an SQS batch: two changes and a malformed message between them
    batch = [
        sqs_record("m-acme", _review(seed.SF_OPPORTUNITY_ACME)),
        sqs_record("m-broken", "{not json"),
        sqs_record("m-globex", _review(seed.SF_OPPORTUNITY_GLOBEX)),
    ]
    # When the consumer takes it
    answer = dispatcher_app.handler({"Records": batch}, lambda_context)
    # Then nothing comes back; two SMS went and were logged with one collection create
    assert answer == {"batchItemFailures": []}
    assert len(stack["twilio"].state()["messages"]) == 2
    paths = [str(r["path"]) for r in stack["salesforce"].requests if r["method"] == "POST"]
    assert paths == ["/services/data/v62.0/composite/sobjects"]
    # And each line carries its own key: the skip its SQS message id, each send its event
    lines = _lines(log_lines)
    skipped = [line for line in lines if line["message"] == "dispatch skipped"]
    sent = [line for line in lines if line["message"] == "dispatch sent"]
    assert [line["correlation_id"] for line in skipped] == ["sqs:m-broken"]
    assert [line["correlation_id"] for line in sent] == [line["event_key"] for line in sent]
    assert len({line["event_key"] for line in sent}) == 2 and all(line["log"] == "logged" for line in sent)


def test_given_the_crm_log_fails_for_now_then_only_that_message_is_a_batch_item_failure(
    dispatcher_app: ModuleType, stack: dict[str, Any], lambda_context: Any, log_lines: io.StringIO
) -> None:
    # Given Salesforce answers 503 to the log (its sObject Collections call), and a batch of two changes
    batch = [
        sqs_record("m-acme", _review(seed.SF_OPPORTUNITY_ACME)),
        sqs_record("m-globex", _review(seed.SF_OPPORTUNITY_GLOBEX)),
    ]
    gateway = dispatcher_app.dispatch.crm("salesforce", ORG)  # the tenant's cached gateway
    log_sms_many = gateway.log_sms_many

    def down_for_logs(activities: Any) -> Any:
        stack["salesforce"].fail_next.append((503, "SERVER_UNAVAILABLE", "try later"))
        return log_sms_many(activities)

    gateway.log_sms_many = down_for_logs
    # When the consumer takes it
    answer = dispatcher_app.handler({"Records": batch}, lambda_context)
    # Then both SMS went, both messages come back for their logs, each logged "sent" with log pending
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-acme"}, {"itemIdentifier": "m-globex"}]}
    assert len(stack["twilio"].state()["messages"]) == 2
    sent = [line for line in _lines(log_lines) if line["message"] == "dispatch sent"]
    assert [line["log"] for line in sent] == ["pending", "pending"]
    # And the redelivered batch (Salesforce back) only logs them: no SMS again, nothing comes back
    del gateway.log_sms_many
    assert dispatcher_app.handler({"Records": batch}, lambda_context) == {"batchItemFailures": []}
    assert len(stack["twilio"].state()["messages"]) == 2
    tasks = [t for t in stack["salesforce"].state()["Task"] if t.get("Textloop_Message_Sid__c")]
    assert len(tasks) == 2
