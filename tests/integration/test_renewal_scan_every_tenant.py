"""Use case, deployed wiring: the renewal scanner (functions/renewal_scanner/app.py, cold-started as Lambda
does) lists the tenant secrets ``<prefix>/<crm>/<account>`` with ListSecrets on a moto server, reads each
through Powertools, and scans every tenant's CRM over HTTP (the Salesforce and HubSpot emulators, the
second HubSpot portal 13572468 with its own data and token); a portal whose token is refused is reported in
the answer, the log and the RenewalTenantsFailed metric, and the others are queued all the same."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest

from textloop.schemas import parse_queue_body
from textloop_local.emulators import HubSpotEmulator, SalesforceEmulator, seed

pytestmark = pytest.mark.integration

ORG_B = "00D5e000000TxLqEAK"  # a second org (its own secret; here the same emulator answers it)
PORTAL_C = "97531864"  # installed, but its token was revoked


@pytest.fixture
def crms(tmp_path: Path) -> Iterator[dict[str, Any]]:
    salesforce = SalesforceEmulator(tmp_path)
    default = HubSpotEmulator()
    second = HubSpotEmulator(
        access_token=seed.HS2_ACCESS_TOKEN,
        objects=seed.HUBSPOT_2,
        owners=seed.HUBSPOT_2_OWNERS,
        id_offset=5_000_000,
    )
    for emulator in (salesforce, default, second):
        emulator.start()
    # the second portal's deal was won; it renews in 20 days
    second.update_record(
        "deals", seed.HS2_DEAL_GLOBEX, {"dealstage": "closedwon", "renewal_date": seed.days_ahead(20)}
    )
    yield {"salesforce": salesforce, "hubspot": default, "second": second}
    for emulator in (salesforce, default, second):
        emulator.stop()


@pytest.fixture
def scanner(
    aws: dict[str, str], crms: dict[str, Any], load_handler: Callable[..., ModuleType]
) -> tuple[ModuleType, str]:
    """The stack's secrets: the default Salesforce and HubSpot secrets, and the tenants' own under a prefix."""
    prefix = f"textloop-{uuid.uuid4().hex[:8]}"
    sf, hs, second = crms["salesforce"], crms["hubspot"], crms["second"]
    client = boto3.client("secretsmanager")
    secrets = {
        f"{prefix}-default/salesforce": {"access_token": "local-sf-token", "instance_url": sf.url},
        f"{prefix}-default/hubspot": {
            "client_secret": "local-hubspot-client-secret",
            "access_token": "local-hubspot-token",
        },
        f"{prefix}/salesforce/{ORG_B}": {"access_token": "local-sf-token", "instance_url": sf.url},
        f"{prefix}/hubspot/{seed.HS2_PORTAL_ID}": {
            "access_token": seed.HS2_ACCESS_TOKEN,
            "api_base_url": second.url,
        },
        f"{prefix}/hubspot/{PORTAL_C}": {"access_token": "revoked-token", "api_base_url": second.url},
    }
    for name, value in secrets.items():
        client.create_secret(Name=name, SecretString=json.dumps(value))
    module = load_handler(
        "renewal_scanner",
        SALESFORCE_SECRET_ID=f"{prefix}-default/salesforce",
        HUBSPOT_SECRET_ID=f"{prefix}-default/hubspot",
        TENANT_SECRET_PREFIX=prefix,
        SALESFORCE_CA_BUNDLE=str(sf.ca_bundle_path),
        HUBSPOT_API_BASE_URL=hs.url,
    )
    return module, prefix


def _queued(aws: dict[str, str]) -> list[tuple[str, str, str]]:
    sqs = boto3.client("sqs")
    found: list[tuple[str, str, str]] = []
    while True:
        batch = sqs.receive_message(QueueUrl=aws["TriggerQueue"], MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return sorted(found)
        for message in batch:
            (event,) = parse_queue_body(message["Body"])
            found.append((event.record.crm, event.account, event.record.record_id))
            sqs.delete_message(QueueUrl=aws["TriggerQueue"], ReceiptHandle=message["ReceiptHandle"])


def test_given_tenant_secrets_when_the_scan_runs_then_every_tenant_is_scanned_and_a_refused_one_reported(
    aws: dict[str, str],
    crms: dict[str, Any],
    scanner: tuple[ModuleType, str],
    lambda_context: Any,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    module, _ = scanner

    report = module.handler({"source": "aws.scheduler", "detail-type": "Scheduled Event"}, lambda_context)

    # Then the default tenants and every installed one were scanned, each with its own credentials
    assert report["tenants"] == [
        "salesforce:",
        f"salesforce:{ORG_B}",
        "hubspot:",
        f"hubspot:{seed.HS2_PORTAL_ID}",
        f"hubspot:{PORTAL_C}",
    ]
    queued = _queued(aws)
    assert ("hubspot", seed.HS2_PORTAL_ID, seed.HS2_DEAL_GLOBEX) in queued  # the second portal's renewal
    assert ("hubspot", "", seed.HS_DEAL_INITECH_RENEWAL) in queued
    assert ("salesforce", ORG_B, seed.SF_CONTRACT_SOYLENT) in queued
    assert ("salesforce", "", seed.SF_OPPORTUNITY_ACME_RENEWAL) in queued
    searches = [r for r in crms["second"].requests if r["path"].endswith("/search")]
    assert searches  # the second portal was asked through its own API host
    # And the portal whose token is refused is reported, not fatal
    (failed,) = report["failed"]
    assert (failed["crm"], failed["account"]) == ("hubspot", PORTAL_C)
    assert (failed["reason"], failed["error"]) == ("crm_unavailable", "CrmUnavailable: HubSpot answered 401")
    (warning,) = [r for r in caplog.records if r.getMessage() == "renewal scan failed for a tenant"]
    assert warning.levelname == "WARNING" and getattr(warning, "account", "") == PORTAL_C
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [m["RenewalTenantsFailed"] for m in metrics] == [[1.0]]


def test_given_a_tenant_secret_deleted_when_the_next_scan_runs_then_that_tenant_is_no_longer_scanned(
    aws: dict[str, str], scanner: tuple[ModuleType, str], lambda_context: Any
) -> None:
    module, prefix = scanner
    boto3.client("secretsmanager").delete_secret(
        SecretId=f"{prefix}/hubspot/{PORTAL_C}", ForceDeleteWithoutRecovery=True
    )

    report = module.handler({"source": "aws.scheduler"}, lambda_context)

    assert f"hubspot:{PORTAL_C}" not in report["tenants"] and report["failed"] == []
    assert f"hubspot:{seed.HS2_PORTAL_ID}" in report["tenants"]
