"""Use case: a compliance officer runs ``textloop privacy export|erase +E164`` against the local stack
(``--stack-url``: the stack's own environment from ``GET /_local/env``) and against a deployed stack
(``--stack-name``: the tables and the privacy secret from the CloudFormation outputs, default AWS
credentials; here a moto server stands for AWS). The CLI runs as its own process, as a person runs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support.template_tables import create_tables
from textloop.adapters.dynamodb import DynamoConsentLedger, DynamoSendSlots
from textloop.domain.model import RecordRef
from textloop.domain.ports import ConsentChange, ConsentStatus, SendSlot, SlotState
from textloop.service_layer.privacy import KeyedHash

ROOT = Path(__file__).resolve().parents[2]
KEY = "cli-test-privacy-key-0123456789abcdef"
KEN = "+13125550163"  # the seeded HubSpot contact on the Umbrella deal ("+1 312 555 0163" in HubSpot)


def textloop(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``textloop <args>`` in a fresh process: no PRIVACY_HASH_KEY, table or endpoint of ours leaks in."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "PRIVACY_")) and k not in ("STATE_TABLE", "CONSENT_TABLE")
    }
    base["PYTHONPATH"] = os.pathsep.join(str(ROOT / p) for p in ("shared", "infra/local"))
    return subprocess.run(
        [sys.executable, "-m", "textloop_local", *args],
        cwd=ROOT,
        env={**base, **(env or {})},
        input=stdin or "",
        capture_output=True,
        text=True,
        timeout=120,
    )


# ------------------------------------------------------------------------------------ the local stack


@pytest.fixture(scope="module")
def stack() -> Iterator[Any]:
    """A local stack given a privacy key, where Ken was texted for the Umbrella deal and then said STOP."""
    from textloop_local.demo import hubspot_event, post_hubspot_batch
    from textloop_local.emulators import seed
    from textloop_local.serve import LocalStack, StackOptions

    with LocalStack(StackOptions(extra_env={"PRIVACY_HASH_KEY": KEY, "LOG_LEVEL": "ERROR"})) as running:
        running.hubspot.update_record("deals", seed.HS_DEAL_UMBRELLA, {"dealstage": "contractsent"})
        event = hubspot_event(
            "deal", seed.HS_DEAL_UMBRELLA, "dealstage", "contractsent", int(seed.HS_PORTAL_ID), 1
        )
        answer = post_hubspot_batch(running.url, running.env["HUBSPOT_CLIENT_SECRET"], [event])
        assert answer.status_code == 200, answer.text
        assert running.drain(60)
        _, stop = running.post_inbound_sms(KEN, "STOP")
        assert stop.status_code == 200
        assert running.drain(60)
        yield running


def ours(stack: Any) -> str:
    """What the stack's own tables hold (the emulators' records are the vendors')."""
    state = stack.state()
    return json.dumps([state["ledger"], state["consent"]])


def test_given_a_local_stack_when_exporting_a_number_then_everything_held_is_printed_as_json(
    stack: Any,
) -> None:
    run = textloop("privacy", "export", KEN, "--stack-url", stack.url)

    assert run.returncode == 0, run.stderr
    exported = json.loads(run.stdout)
    assert exported["phone"] == KEN
    assert exported["consent"]["status"] == "opted_out"
    assert [h["source"] for h in exported["consent"]["history"]] == ["twilio_inbound"]
    (slot,) = exported["slots"]  # sent and logged, or held back until Chicago's send window opens
    assert slot["record_id"] == "20841130002" and slot["phone"] == KEN
    assert {i["pk"] for i in exported["index"]} >= {f"NUMBER#{KEN}"}
    assert all(m["phone"] == KEN for m in exported["messages"])
    assert exported["erased"] is None and exported["key"] == KeyedHash(lambda: KEY)(KEN)


def test_given_bad_input_then_a_clear_error_and_exit_2(stack: Any) -> None:
    for args in (["export", "312-555-0163"], ["erase", "+1 312 555 0163", "--yes"], ["export", "+0123"]):
        run = textloop("privacy", *args, "--stack-url", stack.url)
        assert run.returncode == 2 and "E.164" in run.stderr and run.stdout == ""
    nobody = textloop("privacy", "export", KEN, "--stack-url", "http://127.0.0.1:9")
    assert nobody.returncode == 2 and "no local stack" in nobody.stderr
    unconfirmed = textloop("privacy", "erase", KEN, "--stack-url", stack.url)  # stdin is not a terminal
    assert unconfirmed.returncode == 2 and "--yes" in unconfirmed.stderr
    assert KEN in ours(stack)


def test_given_a_local_stack_when_erasing_then_only_the_keyed_opt_out_stays_and_texts_are_refused(
    stack: Any,
) -> None:
    from textloop_local.demo import hubspot_event, post_hubspot_batch
    from textloop_local.emulators import seed

    run = textloop("privacy", "erase", KEN, "--yes", "--stack-url", stack.url)

    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert KEN not in run.stdout and report["tombstone"] is True
    assert report["deleted"]["slots"] == 1 and report["deleted"]["consent_entries"] == 1
    assert KEN not in ours(stack) and "3125550163" not in ours(stack)
    assert textloop("privacy", "export", KEN, "--stack-url", stack.url).returncode == 0
    # When the deal comes back to the stage the next week, the erased opt-out still refuses the text
    sent = len(stack.state()["sms"])
    event = hubspot_event(
        "deal", seed.HS_DEAL_UMBRELLA, "dealstage", "contractsent", int(seed.HS_PORTAL_ID), 1
    )
    assert post_hubspot_batch(stack.url, stack.env["HUBSPOT_CLIENT_SECRET"], [event]).status_code == 200
    assert stack.drain(60)
    assert len(stack.state()["sms"]) == sent
    (outcome,) = [
        i for i in stack.state()["ledger"] if i["pk"].endswith(f":{event['eventId']}:{event['occurredAt']}")
    ]
    assert (outcome["outcome"], outcome["reason"]) == ("skipped", "opted_out")


# --------------------------------------------------------------------------------- a deployed stack


@pytest.fixture
def deployed(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A CloudFormation stack (on moto) whose outputs name the tables and the privacy secret, holding a
    number that said STOP and a text to it that waits for a retry (its body in the slot)."""
    for name, value in {
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    suffix = uuid.uuid4().hex[:8]
    tables = create_tables(boto3.client("dynamodb"), suffix=f"-{suffix}")
    secret = boto3.client("secretsmanager").create_secret(
        Name=f"privacy-{suffix}", SecretString=json.dumps({"hash_key": KEY})
    )["ARN"]
    name = f"textloop-{suffix}"
    template = {
        "Resources": {"Placeholder": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {
            "StateTableName": {"Value": tables["StateTable"]},
            "ConsentTableName": {"Value": tables["ConsentTable"]},
            "PrivacySecretId": {"Value": secret},
        },
    }
    boto3.client("cloudformation").create_stack(StackName=name, TemplateBody=json.dumps(template))
    client = boto3.client("dynamodb")
    now = datetime.now(UTC)
    DynamoConsentLedger(tables["ConsentTable"], client, hasher=KeyedHash(lambda: KEY)).record(
        ConsentChange(KEN, ConsentStatus.OPTED_OUT, "twilio_inbound", "SM" + "7" * 32, now)
    )
    DynamoSendSlots(tables["StateTable"], client).claim(
        SendSlot(
            key=f"contract_final_review#hubspot:deal:77#{KEN}",
            event_key="hubspot:77",
            owner="worker-1",
            state=SlotState.SENDING,
            claimed_at=now,
            lease_until=now,
            cooldown_until=now,
            record=RecordRef("hubspot", "deal", "77"),
            rule="contract_final_review",
            template_id="contract_final_review",
            template_version=1,
            phone=KEN,
            body="Hi Ken, your contract is ready to sign.",
            contact_id="75102",
        ),
        now,
    )
    return {"name": name, **tables}


def test_given_a_deployed_stack_when_exporting_and_erasing_by_stack_name_then_its_outputs_lead_the_way(
    deployed: dict[str, str], moto_url: str
) -> None:
    aws = {
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }

    exported = textloop("privacy", "export", KEN, "--stack-name", deployed["name"], env=aws)
    assert exported.returncode == 0, exported.stderr
    held = json.loads(exported.stdout)
    assert held["consent"]["status"] == "opted_out" and held["slots"][0]["body"].startswith("Hi Ken")
    assert {i["pk"] for i in held["index"]} == {f"NUMBER#{KEN}", "CONTACT#hubspot:75102"}

    erased = textloop("privacy", "erase", KEN, "--yes", "--stack-name", deployed["name"], env=aws)
    assert erased.returncode == 0, erased.stderr
    assert json.loads(erased.stdout)["deleted"]["bodies"] == 1
    client = boto3.client("dynamodb")
    stored = json.dumps([client.scan(TableName=deployed[t])["Items"] for t in ("StateTable", "ConsentTable")])
    assert KEN not in stored and "Hi Ken" not in stored and "ERASED#" in stored
    missing = textloop("privacy", "export", KEN, "--stack-name", "no-such-stack", env=aws)
    assert missing.returncode == 2 and "no-such-stack" in missing.stderr
