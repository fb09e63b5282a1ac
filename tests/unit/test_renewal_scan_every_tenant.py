"""Use case: the morning's renewal scan covers every tenant the stack serves — the default org and portal
and each Salesforce org or HubSpot portal installed with a secret of its own (``<prefix>/<crm>/<account>``,
listed with ListSecrets) — and one tenant failing (refused credentials, its CRM down) neither stops the
others nor goes unreported; the next scan catches up."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest

from textloop.adapters.tenants import EnvironmentTenants, InstalledTenants, SecretsManagerTenants
from textloop.domain.errors import CrmAuthFailed, CrmUnavailable, StoreUnavailable, UnknownTenant
from textloop.domain.model import Crm
from textloop.domain.ports import DueRenewal, RenewalQuery
from textloop.domain.rules import RuleSet
from textloop.schemas import parse_queue_body
from textloop.service_layer.renewals import RenewalScanner

NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
PORTAL_B, PORTAL_C = "13572468", "97531864"
ORG_B = "00D5e000000TxLqEAK"  # a second org (a valid 18-character id: its suffix encodes its case)
OBJECT_TYPES = {"salesforce": "opportunity", "hubspot": "deal"}


def _day(days: int) -> date:
    return NOW.date() + timedelta(days=days)


@dataclass
class Tenant:
    """One tenant's CRM: its due records, or the failure it answers with."""

    due: list[DueRenewal] = field(default_factory=list)
    fails_with: Exception | None = None  # raised when its gateway is built (credentials refused)
    fails_after: int | None = None  # records served before the CRM goes down (mid-paging)
    queries: list[RenewalQuery] = field(default_factory=list)

    def due_renewals(self, query: RenewalQuery) -> Iterator[DueRenewal]:
        self.queries.append(query)
        for n, due in enumerate(self.due):
            if self.fails_after is not None and n >= self.fails_after:
                raise CrmUnavailable("HubSpot answered 503", status=503)
            yield due


@dataclass
class Gateways:
    """Gateways by (CRM, account), as bootstrap.crm_gateway hands them out."""

    tenants: dict[tuple[str, str], Tenant]

    def __call__(self, crm: Crm, account: str) -> Tenant:
        tenant = self.tenants.get((crm, account))
        if tenant is None:
            raise UnknownTenant(f"no {crm} credentials for account {account}", crm=crm, account=account)
        if tenant.fails_with is not None:
            raise tenant.fails_with
        return tenant


@dataclass
class Directory:
    accounts_by_crm: dict[str, list[str]]
    fails: bool = False

    def accounts(self, crm: Crm) -> list[str]:
        if self.fails:
            raise StoreUnavailable("Secrets Manager ListSecrets failed: ThrottlingException")
        return self.accounts_by_crm.get(crm, [])


@dataclass
class Queue:
    bodies: list[str] = field(default_factory=list)
    fails: bool = False

    def send_all(self, bodies: Any) -> None:
        if self.fails:
            raise StoreUnavailable("SQS SendMessageBatch failed: EndpointConnectionError")
        self.bodies.extend(bodies)

    def accounts(self) -> list[tuple[str, str, str]]:
        return [
            (e.record.crm, e.account, e.record.record_id) for b in self.bodies for e in parse_queue_body(b)
        ]


class NoOutcomes:
    def outcome(self, event_key: str) -> None:
        return None

    def record_outcome(self, result: Any, at: datetime) -> None:
        raise AssertionError("the scanner records no outcome")


def _scanner(gateways: Gateways, directory: Directory, queue: Queue) -> RenewalScanner:
    return RenewalScanner(
        RuleSet.load(),
        lambda crm, account: _typed(gateways(crm, account), crm),
        queue,
        NoOutcomes(),
        tenants=directory,
        clock=lambda: NOW,
    )


@dataclass
class _Typed:
    """A tenant answering its CRM's usual renewal object only (a contract query finds nothing)."""

    tenant: Tenant
    object_type: str

    def due_renewals(self, query: RenewalQuery) -> Iterator[DueRenewal]:
        if query.object_type != self.object_type:
            return iter(())
        return self.tenant.due_renewals(query)


def _typed(tenant: Tenant, crm: str) -> _Typed:
    return _Typed(tenant, OBJECT_TYPES[crm])


@pytest.fixture
def gateways() -> Gateways:
    return Gateways(
        {
            ("salesforce", ""): Tenant([DueRenewal("006A", _day(25))]),
            ("salesforce", ORG_B): Tenant([DueRenewal("006B", _day(40))]),
            ("hubspot", ""): Tenant([DueRenewal("2084", _day(28))]),
            ("hubspot", PORTAL_B): Tenant([DueRenewal("3001", _day(10)), DueRenewal("3002", _day(55))]),
        }
    )


DIRECTORY = {"salesforce": [ORG_B], "hubspot": [PORTAL_B]}


# --------------------------------------------------------------------------------------------- scanning


def test_given_installed_tenants_when_scanning_then_the_default_and_every_tenant_are_scanned(
    gateways: Gateways,
) -> None:
    queue = Queue()

    report = _scanner(gateways, Directory(DIRECTORY), queue)()

    assert report.tenants == ["salesforce:", f"salesforce:{ORG_B}", "hubspot:", f"hubspot:{PORTAL_B}"]
    assert sorted(queue.accounts()) == [
        ("hubspot", "", "2084"),
        ("hubspot", PORTAL_B, "3001"),
        ("hubspot", PORTAL_B, "3002"),
        ("salesforce", "", "006A"),
        ("salesforce", ORG_B, "006B"),
    ]
    # each tenant's event is keyed to its own account: the same record id in two portals never collides
    keys = [e.event_key for b in queue.bodies for e in parse_queue_body(b)]
    assert f"renewal:hubspot:{PORTAL_B}:3001:{_day(10).isoformat()}:30" in keys
    assert report.failed == [] and report.queued == 5
    assert report.by_rule[f"renewal_window:hubspot:{PORTAL_B}"] == {"found": 2, "queued": 2}


def test_given_a_tenant_whose_credentials_are_refused_when_scanning_then_it_is_reported_and_the_others_scanned(
    gateways: Gateways,
) -> None:
    gateways.tenants[("salesforce", ORG_B)].fails_with = CrmAuthFailed(
        "Salesforce refused Textloop's credentials (invalid_grant: expired authorization code)"
    )
    queue = Queue()

    report = _scanner(gateways, Directory(DIRECTORY), queue)()

    assert [(f["crm"], f["account"], f["reason"]) for f in report.failed] == [
        ("salesforce", ORG_B, "crm_auth_failed")
    ]
    assert "invalid_grant" in report.failed[0]["error"]
    assert {a for _, a, _ in queue.accounts()} == {"", PORTAL_B}  # everyone else was queued
    assert report.queued == 4


def test_given_a_crm_down_mid_paging_when_scanning_then_what_it_found_is_queued_and_the_failure_reported(
    gateways: Gateways,
) -> None:
    gateways.tenants[("hubspot", PORTAL_B)].fails_after = 1
    queue = Queue()

    report = _scanner(gateways, Directory(DIRECTORY), queue)()

    assert [(f["account"], f["reason"]) for f in report.failed] == [(PORTAL_B, "crm_unavailable")]
    assert ("hubspot", PORTAL_B, "3001") in queue.accounts()  # found before the CRM went down
    assert ("hubspot", PORTAL_B, "3002") not in queue.accounts()
    # and the next scan, with the CRM back, catches up on what it missed
    gateways.tenants[("hubspot", PORTAL_B)].fails_after = None
    again = Queue()
    assert _scanner(gateways, Directory(DIRECTORY), again)().failed == []
    assert ("hubspot", PORTAL_B, "3002") in again.accounts()


def test_given_a_tenant_whose_secret_is_gone_when_scanning_then_it_is_reported_as_unknown_tenant(
    gateways: Gateways,
) -> None:
    directory = Directory({"hubspot": [PORTAL_B, PORTAL_C]})  # listed, then deleted before it was read

    report = _scanner(gateways, directory, Queue())()

    assert [(f["account"], f["reason"]) for f in report.failed] == [(PORTAL_C, "unknown_tenant")]


def test_given_the_tenant_list_unavailable_when_scanning_then_the_default_tenants_are_still_scanned(
    gateways: Gateways,
) -> None:
    queue = Queue()

    report = _scanner(gateways, Directory(DIRECTORY, fails=True), queue)()

    assert [(f["crm"], f["account"], f["reason"]) for f in report.failed] == [
        ("salesforce", "*", "store_unavailable"),
        ("hubspot", "*", "store_unavailable"),
    ]
    assert sorted(queue.accounts()) == [("hubspot", "", "2084"), ("salesforce", "", "006A")]


def test_given_the_queue_failing_when_scanning_then_the_scan_fails_to_be_retried(gateways: Gateways) -> None:
    # A store failure is no tenant's: the invocation fails, and the schedule's retry runs it again
    with pytest.raises(StoreUnavailable):
        _scanner(gateways, Directory(DIRECTORY), Queue(fails=True))()


def test_given_the_report_when_returned_then_it_names_every_tenant_and_every_failure(
    gateways: Gateways,
) -> None:
    gateways.tenants[("hubspot", PORTAL_B)].fails_with = CrmUnavailable("HubSpot unreachable: ConnectTimeout")

    report = _scanner(gateways, Directory(DIRECTORY), Queue())().as_dict()

    assert report["tenants"][-1] == f"hubspot:{PORTAL_B}"
    assert report["failed"] == [
        {
            "crm": "hubspot",
            "account": PORTAL_B,
            "reason": "crm_unavailable",
            "error": "CrmUnavailable: HubSpot unreachable: ConnectTimeout",
        }
    ]


# ------------------------------------------------------------------------------------ the tenant list


@pytest.fixture
def secrets(aws: dict[str, str]) -> Any:
    client = boto3.client("secretsmanager")
    for name in (
        f"textloop/hubspot/{PORTAL_B}",
        f"textloop/hubspot/{PORTAL_C}",
        "textloop/hubspot/13572468-old",  # not a portal id: left out
        "textloop/hubspotx/1234",  # another prefix
        f"textloop/salesforce/{ORG_B}",
        "other/hubspot/5555",
        "Textloop/hubspot/4444",  # the name filter is case-sensitive
    ):
        client.create_secret(Name=name, SecretString='{"access_token": "x"}')
    return client


def test_given_tenant_secrets_when_listing_then_every_page_is_read_and_only_account_ids_are_kept(
    secrets: Any,
) -> None:
    calls: list[dict[str, Any]] = []
    secrets.meta.events.register(
        "provide-client-params.secrets-manager.ListSecrets", lambda params, **_: calls.append(params)
    )
    directory = SecretsManagerTenants("textloop", client=lambda: secrets, page_size=1)

    assert directory.accounts("hubspot") == sorted([PORTAL_B, PORTAL_C])
    assert len(calls) >= 3  # one secret a page: every page was asked for
    assert calls[0]["Filters"] == [{"Key": "name", "Values": ["textloop/hubspot/"]}]
    assert directory.accounts("salesforce") == [ORG_B]


def test_given_a_secret_scheduled_for_deletion_when_listing_then_it_is_not_a_tenant(secrets: Any) -> None:
    secrets.delete_secret(SecretId=f"textloop/hubspot/{PORTAL_C}", RecoveryWindowInDays=7)

    assert SecretsManagerTenants("textloop", client=lambda: secrets).accounts("hubspot") == [PORTAL_B]


def test_given_a_deployed_vendor_when_listing_then_secrets_else_the_local_variables(secrets: Any) -> None:
    env = {
        "HUBSPOT_SECRET_ID": "textloop/hubspot",  # deployed: the vendor's tenants are secrets
        f"SALESFORCE_{ORG_B.upper()}_ACCESS_TOKEN": "t",  # locally: a variable per key
        "SALESFORCE_INSTANCE_URL": "https://acme.my.salesforce.com",
    }
    installed = InstalledTenants("textloop", env=env, client=lambda: secrets)

    assert installed.accounts("hubspot") == sorted([PORTAL_B, PORTAL_C])
    assert installed.accounts("salesforce") == [ORG_B]  # its case restored from the id's suffix
    assert InstalledTenants("textloop", "single", env=env, client=lambda: secrets).accounts("hubspot") == []


def test_given_local_variables_when_listing_then_each_account_with_a_key_is_a_tenant() -> None:
    env = {
        f"HUBSPOT_{PORTAL_B}_ACCESS_TOKEN": "local-hubspot-portal-2-token",
        f"HUBSPOT_{PORTAL_B}_API_BASE_URL": "http://127.0.0.1:4011",
        "HUBSPOT_ACCOUNT": "24681357",  # the default credentials' own account: not a tenant of its own
        "HUBSPOT_CLIENT_SECRET": "s",
        f"HUBSPOT_{PORTAL_C}_ACCESS_TOKEN": "",  # empty: not installed
    }

    assert EnvironmentTenants(env).accounts("hubspot") == [PORTAL_B]


def test_given_secrets_manager_unreachable_when_listing_then_store_unavailable(aws: dict[str, str]) -> None:
    from botocore.exceptions import ClientError

    class Throttled:
        def get_paginator(self, name: str) -> Any:
            class Pages:
                def paginate(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
                    raise ClientError({"Error": {"Code": "ThrottlingException"}}, "ListSecrets")

            return Pages()

    with pytest.raises(StoreUnavailable, match="ThrottlingException"):
        SecretsManagerTenants("textloop", client=Throttled).accounts("hubspot")
