"""Use case: an operator runs ``textloop doctor`` to check a configuration end to end before going live
(issue "Runs against a real org"). Here the org is the local stack: moto for AWS, the Salesforce, HubSpot
and Twilio emulators for the vendors. The doctor runs as its own process, as a person runs it, with the
stack's environment (``--stack-url``: ``GET /_local/env``) or with an environment of its own.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECK = re.compile(r"^(PASS|FAIL|SKIP) (\S+(?: \S+)*?) — (.*)$")


def doctor(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``textloop doctor <args>`` in a fresh process; *env*: exactly that environment (else a clean one)."""
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    base["PYTHONPATH"] = os.pathsep.join(str(ROOT / p) for p in ("shared", "infra/local"))
    return subprocess.run(
        # The command of `textloop doctor` (cli.COMMANDS), without importing the other commands.
        [sys.executable, "-m", "textloop_local.doctor", *args],
        cwd=ROOT,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def checks(output: str) -> dict[str, tuple[str, str]]:
    """name → (PASS/FAIL/SKIP, detail) of each printed check."""
    found = {}
    for line in output.splitlines():
        match = CHECK.match(line)
        if match:
            found[match[2]] = (match[1], match[3])
    return found


def fix_of(output: str, name: str) -> str:
    lines = output.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(f"FAIL {name} — "))
    assert lines[at + 1].strip().startswith("fix: "), lines[at + 1]
    return lines[at + 1].strip().removeprefix("fix: ")


def assert_no_secret_printed(stack: Any, output: str) -> None:
    for name in (
        "TWILIO_AUTH_TOKEN",
        "HUBSPOT_CLIENT_SECRET",
        "HUBSPOT_REFRESH_TOKEN",
        "HUBSPOT_ACCESS_TOKEN",
        "SALESFORCE_ACCESS_TOKEN",
        "PRIVACY_HASH_KEY",
    ):
        assert stack.env[name] not in output, name
    assert "PRIVATE KEY" not in output
    assert not re.search(r"\+\d{10,}", output), "a phone number was printed"


@pytest.fixture(scope="module")
def stack() -> Iterator[Any]:
    from textloop_local.serve import LocalStack, StackOptions

    with LocalStack(StackOptions(extra_env={"LOG_LEVEL": "ERROR"})) as running:
        yield running


def test_given_a_good_configuration_when_running_doctor_then_every_check_passes(stack: Any) -> None:
    run = doctor("--stack-url", stack.url)

    assert run.returncode == 0, run.stdout + run.stderr
    found = checks(run.stdout)
    assert found and all(status == "PASS" for status, _ in found.values()), run.stdout
    assert {
        "secret:twilio",
        "secret:salesforce",
        "secret:hubspot",
        "salesforce:token",
        "salesforce:Contact fields",
        "salesforce:Opportunity fields",
        "salesforce:Case fields",
        "salesforce:permission set",
        "salesforce:change events",
        "hubspot:token",
        "hubspot:scopes",
        "hubspot:contacts properties",
        "hubspot:association labels",
        "twilio:messaging service",
        "aws:SalesforceChangeRule",
        "aws:partner event source",
        "aws:TriggerDeadLetterQueue",
        "aws:InboundDeadLetterQueue",
        "aws:ConsentDeadLetterQueue",
        "aws:PrivacyDeadLetterQueue",
    } <= set(found)
    assert f"{stack.url}/twilio/inbound" in found["twilio:messaging service"][1]
    assert_no_secret_printed(stack, run.stdout)


def test_given_no_twilio_auth_token_then_the_secret_fails_and_twilio_is_skipped(stack: Any) -> None:
    env = {k: v for k, v in stack.env.items() if k != "TWILIO_AUTH_TOKEN"}

    run = doctor("--event-bus", "salesforce-event-relay", env=env)

    assert run.returncode == 1, run.stdout + run.stderr
    found = checks(run.stdout)
    assert found["secret:twilio"][0] == "FAIL" and "auth_token" in found["secret:twilio"][1]
    assert "TWILIO_AUTH_TOKEN" in fix_of(run.stdout, "secret:twilio")
    assert found["twilio:messaging service"] == ("SKIP", "secret:twilio failed")
    assert found["salesforce:Contact fields"][0] == "PASS"  # the rest is still checked
    assert_no_secret_printed(stack, run.stdout)


def test_given_a_contact_field_missing_in_salesforce_then_doctor_names_the_deploy(stack: Any) -> None:
    stack.salesforce.remove_field("Contact", "SMS_Consent__c")
    try:
        run = doctor("--stack-url", stack.url)
    finally:
        stack.salesforce.removed_fields.clear()

    assert run.returncode == 1, run.stdout + run.stderr
    found = checks(run.stdout)
    assert found["salesforce:Contact fields"][0] == "FAIL"
    assert "SMS_Consent__c" in found["salesforce:Contact fields"][1]
    fix = fix_of(run.stdout, "salesforce:Contact fields")
    assert "SMS_Consent__c" in fix and "infra/salesforce" in fix and "sf project deploy start" in fix
    assert [n for n, (status, _) in found.items() if status != "PASS"] == ["salesforce:Contact fields"]


def test_given_a_wrong_inbound_url_on_the_messaging_service_then_doctor_names_the_url(stack: Any) -> None:
    from twilio.rest import Client

    sid = stack.env["TWILIO_MESSAGING_SERVICE_SID"]
    client = Client(stack.env["TWILIO_ACCOUNT_SID"], stack.env["TWILIO_AUTH_TOKEN"], environment={})
    client.messaging.base_url = stack.twilio.url
    client.messaging.v1.services(sid).update(inbound_request_url="https://old-app.example.com/sms")
    try:
        run = doctor("--stack-url", stack.url)
    finally:
        stack.twilio.messaging_services[sid]["inbound_request_url"] = None

    assert run.returncode == 1, run.stdout + run.stderr
    status, detail = checks(run.stdout)["twilio:messaging service"]
    assert status == "FAIL" and "https://old-app.example.com/sms" in detail
    assert f"Request URL {stack.url}/twilio/inbound" in fix_of(run.stdout, "twilio:messaging service")


def test_given_a_message_in_a_dead_letter_queue_then_doctor_says_how_to_redrive(stack: Any) -> None:
    sqs = stack.client("sqs")
    dlq = stack.queues["TriggerDeadLetterQueue"]
    sqs.send_message(QueueUrl=dlq["url"], MessageBody='{"source": "hubspot", "event": {}}')
    try:
        run = doctor("--stack-url", stack.url)
    finally:
        sqs.purge_queue(QueueUrl=dlq["url"])

    assert run.returncode == 1, run.stdout + run.stderr
    found = checks(run.stdout)
    assert found["aws:TriggerDeadLetterQueue"] == ("FAIL", "1 message waiting")
    fix = fix_of(run.stdout, "aws:TriggerDeadLetterQueue")
    assert "DispatcherFunction" in fix and f"--source-arn {dlq['arn']}" in fix
    assert found["aws:ConsentDeadLetterQueue"][0] == "PASS"


def test_doctor_is_a_textloop_command() -> None:
    from textloop_local import cli

    assert "doctor" in cli.COMMANDS


def test_given_no_stack_at_the_url_then_exit_2() -> None:
    run = doctor("--stack-url", "http://127.0.0.1:9")

    assert run.returncode == 2 and "no local stack" in run.stderr
