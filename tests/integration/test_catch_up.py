"""Use case: Textloop was not listening (Event Relay stopped, the HubSpot subscription paused) while a rep
moved a record to a trigger stage. ``textloop catch-up --since`` finds it (Salesforce SOQL on
SystemModstamp, HubSpot CRM search on hs_lastmodifieddate, through the vendors' SDKs against the local
stack's emulators), queues it as the change event the live path would have queued, and the dispatcher
texts once; running catch-up again queues the same event key and texts nobody twice."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.test_privacy_cli import textloop


@pytest.fixture(scope="module")
def stack() -> Iterator[Any]:
    from textloop_local.demo import SF_TIME_ZONE_FIELD, choose_zones, set_time_zones
    from textloop_local.serve import LocalStack, StackOptions

    options = StackOptions(extra_env={"LOG_LEVEL": "ERROR", "SALESFORCE_TIME_ZONE_FIELD": SF_TIME_ZONE_FIELD})
    with LocalStack(options) as running:
        set_time_zones(running, choose_zones(datetime.now(UTC)))  # daytime for the contacts texted
        yield running


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def sms_tasks(stack: Any, record_id: str) -> list[dict[str, Any]]:
    tasks = stack.state()["salesforce"]["Task"]
    return [t for t in tasks if t.get("WhatId") == record_id and str(t.get("Subject", "")).startswith("SMS")]


def sms_communications(stack: Any, deal_id: str) -> list[dict[str, Any]]:
    found = []
    for c in stack.state()["hubspot"]["communications"]:
        if deal_id in json.dumps(c.get("associations", {})):
            found.append(c)
    return found


def run_catch_up(stack: Any, *args: str) -> dict[str, Any]:
    run = textloop("catch-up", *args, "--stack-url", stack.url)
    assert run.returncode == 0, run.stderr
    return dict(json.loads(run.stdout))


def test_given_an_opportunity_moved_while_not_listening_then_catch_up_texts_once(stack: Any) -> None:
    from textloop_local.emulators import seed

    since = datetime.now(UTC) - timedelta(seconds=2)
    stack.salesforce.update_record(
        "Opportunity", seed.SF_OPPORTUNITY_ACME, {"StageName": "Negotiation/Review"}
    )
    time.sleep(0.01)
    sent_before = len(stack.state()["sms"])
    assert stack.drain(30) and len(stack.state()["sms"]) == sent_before  # no event was published

    dry = run_catch_up(stack, "--since", iso(since), "--crm", "salesforce", "--dry-run")
    (found,) = [r for r in dry["records"] if r["record_id"] == seed.SF_OPPORTUNITY_ACME]
    assert (found["rule"], found["field"], found["value"]) == (
        "contract_final_review",
        "StageName",
        "Negotiation/Review",
    )
    assert dry["would_queue"] == len(dry["records"])
    assert stack.drain(30) and sms_tasks(stack, seed.SF_OPPORTUNITY_ACME) == []  # dry: nothing queued

    first = run_catch_up(
        stack, "--since", iso(since), "--crm", "salesforce", "--salesforce-org", seed.SF_ORG_ID
    )
    assert first["queued"] >= 1
    assert stack.drain(60)
    assert len(sms_tasks(stack, seed.SF_OPPORTUNITY_ACME)) == 1
    texted = len(stack.state()["sms"])

    again = run_catch_up(
        stack, "--since", iso(since), "--crm", "salesforce", "--salesforce-org", seed.SF_ORG_ID
    )
    assert [r["event_key"] for r in again["records"]] == [r["event_key"] for r in first["records"]]
    assert stack.drain(60)
    assert len(sms_tasks(stack, seed.SF_OPPORTUNITY_ACME)) == 1
    assert len(stack.state()["sms"]) == texted
    (key,) = [r["event_key"] for r in first["records"] if r["record_id"] == seed.SF_OPPORTUNITY_ACME]
    (outcome,) = [i for i in stack.state()["ledger"] if i["pk"] == f"EVENT#{key}"]
    assert outcome["outcome"] == "sent"


def test_given_a_deal_moved_while_not_listening_then_catch_up_texts_once(stack: Any) -> None:
    from textloop_local.emulators import seed

    since = datetime.now(UTC) - timedelta(seconds=2)
    stack.hubspot.update_record("deals", seed.HS_DEAL_INITECH, {"dealstage": "contractsent"})
    sent_before = len(stack.state()["sms"])

    args = ("--since", iso(since), "--crm", "hubspot", "--hubspot-portal", seed.HS_PORTAL_ID)
    first = run_catch_up(stack, *args)
    (found,) = [r for r in first["records"] if r["record_id"] == seed.HS_DEAL_INITECH]
    assert (found["rule"], found["value"]) == ("contract_final_review", "contractsent")
    assert found["event_key"].startswith(
        f"hs:{seed.HS_PORTAL_ID}:deal.propertyChange:{seed.HS_DEAL_INITECH}:"
    )
    assert stack.drain(60)
    assert len(stack.state()["sms"]) == sent_before + 1

    again = run_catch_up(stack, *args)
    assert [r["event_key"] for r in again["records"]] == [r["event_key"] for r in first["records"]]
    assert stack.drain(60)
    assert len(stack.state()["sms"]) == sent_before + 1


def test_given_bad_input_then_exit_2() -> None:
    assert textloop("catch-up", "--since", "yesterday").returncode == 2
    later = textloop("catch-up", "--since", "2026-03-02T00:00:00Z", "--until", "2026-03-01T00:00:00Z")
    assert later.returncode == 2 and "--since" in later.stderr
    nobody = textloop("catch-up", "--since", "2026-03-01T00:00:00Z", "--stack-url", "http://127.0.0.1:9")
    assert nobody.returncode == 2 and "no local stack" in nobody.stderr
