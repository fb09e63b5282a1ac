"""One stack, several Salesforce orgs and HubSpot portals: each event's account picks its tenant's
credentials (a secret per tenant, by convention); an account without credentials is skipped as
``unknown_tenant``, recorded, never retried; replies go back through the tenant of their conversation."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

import boto3
import pytest
from aws_lambda_powertools.utilities.parameters import SecretsProvider

from tests.support.clock import Clock
from tests.support.events import deal_to_contract_sent
from tests.support.fakes import FakeCrm, deal_context
from tests.unit.test_route_replies import intent, reply
from textloop import bootstrap
from textloop.adapters.dynamodb import DynamoConversations, DynamoEventOutcomes, DynamoSlaTasks
from textloop.config import BoundedCache, tenant_credentials
from textloop.domain.errors import UnknownTenant
from textloop.domain.model import Crm, Outcome, TriggerEvent
from textloop.domain.phone import to_e164
from textloop.domain.ports import CrmGateway
from textloop.domain.rules import RuleSet
from textloop.service_layer.dispatch import Dispatcher
from textloop.service_layer.replies import ReplyRouter, SlaWatchdog

PORTAL_A, PORTAL_B, STRANGER = "24681357", "13572468", "11223344"


class Tenants:
    """Gateways by (CRM, account), as bootstrap.crm_gateway hands them out; the calls it received."""

    def __init__(self, **crms: FakeCrm) -> None:
        self.crms = crms
        self.calls: list[tuple[Crm, str]] = []

    def __call__(self, crm: Crm, account: str) -> CrmGateway:
        self.calls.append((crm, account))
        if account not in self.crms:
            raise UnknownTenant(f"no {crm} credentials for account {account}", crm=crm, account=account)
        return self.crms[account]


def from_portal(portal: str, object_id: int = 9001, event_id: int = 1001) -> TriggerEvent:
    return replace(deal_to_contract_sent(object_id, event_id), account=portal)


@pytest.fixture
def crm_a() -> FakeCrm:
    crm = FakeCrm()
    crm.add(deal_context("9001", phone="+1 617-555-0142"))
    return crm


@pytest.fixture
def crm_b() -> FakeCrm:
    crm = FakeCrm()
    crm.add(deal_context("9001", phone="+1 206-555-0163"))  # the same deal id, in another portal
    return crm


@pytest.fixture
def tenants(crm_a: FakeCrm, crm_b: FakeCrm) -> Tenants:
    return Tenants(**{"": crm_a, PORTAL_A: crm_a, PORTAL_B: crm_b})


@pytest.fixture
def tenant_dispatcher(make_dispatcher: Callable[[], Dispatcher], tenants: Tenants) -> Dispatcher:
    return replace(make_dispatcher(), crm=tenants)


@pytest.fixture
def tenant_router(
    outcomes: DynamoEventOutcomes,
    conversations: DynamoConversations,
    tasks: DynamoSlaTasks,
    tenants: Tenants,
    clock: Clock,
) -> ReplyRouter:
    routing = RuleSet.load().routing
    assert routing is not None
    return ReplyRouter(routing, tenants, ("hubspot",), outcomes, conversations, tasks, clock)


# --- the dispatcher -------------------------------------------------------------------------


def test_given_two_portals_when_each_sends_a_change_then_each_is_read_and_logged_through_its_own_gateway(
    tenant_dispatcher: Dispatcher, tenants: Tenants, crm_a: FakeCrm, crm_b: FakeCrm
) -> None:
    a = tenant_dispatcher(from_portal(PORTAL_A, event_id=1))
    b = tenant_dispatcher(from_portal(PORTAL_B, event_id=2))

    assert a.outcome is Outcome.SENT and b.outcome is Outcome.SENT
    assert ("hubspot", PORTAL_A) in tenants.calls and ("hubspot", PORTAL_B) in tenants.calls
    assert [s.phone for s in crm_a.logged] == ["+16175550142"]
    assert [s.phone for s in crm_b.logged] == ["+12065550163"]


def test_given_a_portal_without_credentials_then_its_event_is_skipped_as_unknown_tenant_and_recorded_once(
    tenant_dispatcher: Dispatcher, outcomes: DynamoEventOutcomes, crm_a: FakeCrm, crm_b: FakeCrm
) -> None:
    event = from_portal(STRANGER)

    result = tenant_dispatcher(event)

    assert result.outcome is Outcome.SKIPPED and result.reason == "unknown_tenant"
    assert result.details["account"] == STRANGER and result.details["crm"] == "hubspot"
    recorded = outcomes.outcome(event.event_key)
    assert recorded is not None and recorded.reason == "unknown_tenant"
    # Then a redelivery is a duplicate: acknowledged, never retried forever; nothing was read or sent
    assert tenant_dispatcher(event).outcome is Outcome.DUPLICATE
    assert not crm_a.loads and not crm_b.loads


def test_given_a_sent_message_then_its_records_carry_the_account(
    tenant_dispatcher: Dispatcher, conversations: DynamoConversations
) -> None:
    sent = tenant_dispatcher(from_portal(PORTAL_B))

    conversation = conversations.latest_conversation(to_e164("+1 206-555-0163"))
    assert conversation is not None and conversation.account == PORTAL_B
    message = conversations.message(sent.sid)
    assert message is not None and message["account"] == PORTAL_B


# --- replies, delivery failures, the SLA watchdog ------------------------------------------


def test_given_a_reply_to_a_second_portal_text_then_it_is_logged_and_tasked_in_that_portal(
    tenant_dispatcher: Dispatcher,
    tenant_router: ReplyRouter,
    tenants: Tenants,
    crm_a: FakeCrm,
    crm_b: FakeCrm,
    tasks: DynamoSlaTasks,
    clock: Clock,
) -> None:
    tenant_dispatcher(from_portal(PORTAL_B))

    result = tenant_router(reply("what would 50 seats cost?", sender="+12065550163"), intent("buying_signal"))

    assert result.outcome is Outcome.ROUTED and result.details["account"] == PORTAL_B
    assert [a.direction for a in crm_b.logged] == ["outbound", "inbound"] and crm_b.tasks
    assert not crm_a.logged and not crm_a.tasks
    # And the SLA watchdog chases the task in the same portal
    clock.advance(days=3)
    tenants.calls.clear()
    (handled,) = SlaWatchdog(tenant_router.routing, tenants, tasks, clock)()
    assert handled["outcome"] == "escalated" and tenants.calls == [("hubspot", PORTAL_B)]


def test_given_a_delivery_failure_then_the_number_is_flagged_in_the_tenant_that_texted_it(
    tenant_dispatcher: Dispatcher, tenant_router: ReplyRouter, crm_a: FakeCrm, crm_b: FakeCrm
) -> None:
    sent = tenant_dispatcher(from_portal(PORTAL_B))

    tenant_router.delivery_failure({"sid": sent.sid, "error_code": "30003", "phone": "+12065550163"})

    assert [f[0] for f in crm_b.flags] == ["501"] and not crm_a.flags


def test_given_a_number_never_texted_then_only_the_default_tenant_is_searched(
    tenant_router: ReplyRouter, tenants: Tenants
) -> None:
    result = tenant_router(reply("who is this?", sender="+13035550188"), intent("question"))

    assert result.details["how"] == "triage"
    assert set(tenants.calls) == {("hubspot", "")}


# --- which credentials answer for an account ------------------------------------------------

LOCAL = {
    "HUBSPOT_ACCESS_TOKEN": "token-a",
    "HUBSPOT_ACCOUNT": PORTAL_A,
    f"HUBSPOT_{PORTAL_B}_ACCESS_TOKEN": "token-b",
    f"HUBSPOT_{PORTAL_B}_API_BASE_URL": "http://127.0.0.1:9999",
}


def test_given_local_variables_then_each_portal_gets_its_own_token_and_a_stranger_none() -> None:
    def token(account: str, env: dict[str, str] = LOCAL, tenancy: str = "multi") -> str | None:
        found = tenant_credentials("HUBSPOT", account, "textloop", tenancy, env)
        return None if found is None else found[0].values()["access_token"]

    assert token(PORTAL_A) == "token-a"  # the default credentials name their portal
    assert token(PORTAL_B) == "token-b"
    assert token("") == "token-a"  # an event or a message from before accounts were kept
    assert token(STRANGER) is None
    assert token(STRANGER, tenancy="single") == "token-a"  # single-tenant: the default for everyone
    without_account = {k: v for k, v in LOCAL.items() if k != "HUBSPOT_ACCOUNT"}
    assert token(STRANGER, without_account) == "token-a"  # an existing deployment keeps working


@pytest.fixture
def secrets_manager(aws: dict[str, str]) -> SecretsProvider:
    client = boto3.client("secretsmanager")
    client.create_secret(Name="textloop-hubspot-default", SecretString=json.dumps({"access_token": "t-a"}))
    client.create_secret(Name=f"acme/hubspot/{PORTAL_B}", SecretString=json.dumps({"access_token": "t-b"}))
    return SecretsProvider(boto3_client=client)


def test_given_secrets_manager_then_a_portal_secret_is_found_by_convention_and_a_missing_one_falls_back(
    secrets_manager: SecretsProvider,
) -> None:
    env = {"HUBSPOT_SECRET_ID": "textloop-hubspot-default"}

    own = tenant_credentials("HUBSPOT", PORTAL_B, "acme", env=env, provider=secrets_manager)
    fallback = tenant_credentials("HUBSPOT", STRANGER, "acme", env=env, provider=secrets_manager)

    assert own is not None and own[0].values() == {"access_token": "t-b"} and own[1] is False
    assert fallback is not None and fallback[1] is True  # the default secret names no account: it serves all


def test_given_the_default_secret_names_its_portal_then_a_portal_without_a_secret_is_unknown(
    secrets_manager: SecretsProvider,
) -> None:
    boto3.client("secretsmanager").put_secret_value(
        SecretId="textloop-hubspot-default",
        SecretString=json.dumps({"access_token": "t-a", "account": PORTAL_A}),
    )
    env = {"HUBSPOT_SECRET_ID": "textloop-hubspot-default"}

    assert tenant_credentials("HUBSPOT", STRANGER, "acme", env=env, provider=secrets_manager) is None
    assert tenant_credentials("HUBSPOT", PORTAL_A, "acme", env=env, provider=secrets_manager) is not None


def test_given_the_wiring_then_gateways_are_built_per_tenant_once_and_a_stranger_raises_unknown_tenant(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {**LOCAL, "STATE_TABLE": "state", "CONSENT_TABLE": "consent"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("HUBSPOT_SECRET_ID", raising=False)
    bootstrap.reset()
    try:
        a, b = bootstrap.crm_gateway("hubspot", PORTAL_A), bootstrap.crm_gateway("hubspot", PORTAL_B)
        assert a is not b and bootstrap.crm_gateway("hubspot", PORTAL_B) is b
        assert bootstrap.crm_gateway("hubspot") is a  # the portal the default credentials name: one gateway
        with pytest.raises(UnknownTenant) as unknown:
            bootstrap.crm_gateway("hubspot", STRANGER)
        assert unknown.value.reason == "unknown_tenant"
    finally:
        bootstrap.reset()


def test_given_a_bounded_cache_then_the_least_recently_used_tenant_leaves_and_old_entries_are_rebuilt() -> (
    None
):
    now = [0.0]
    cache: BoundedCache[str] = BoundedCache(2, max_age=300, clock=lambda: now[0])
    built: list[str] = []

    def get(key: str) -> str:
        return cache.get(key, lambda: built.append(key) or key)

    get("a"), get("b"), get("a"), get("c")  # "b" was the least recently used
    assert len(cache) == 2 and built == ["a", "b", "c"]
    get("a")
    assert built == ["a", "b", "c"]
    now[0] = 301
    get("a")
    assert built == ["a", "b", "c", "a"]


def test_given_a_tenant_removed_since_its_task_was_created_then_the_watchdog_stops_watching_it_once(
    tenant_dispatcher: Dispatcher,
    tenant_router: ReplyRouter,
    tenants: Tenants,
    tasks: DynamoSlaTasks,
    clock: Clock,
) -> None:
    tenant_dispatcher(from_portal(PORTAL_B))
    tenant_router(reply("can we talk tomorrow?", sender="+12065550163"), intent("meeting"))
    del tenants.crms[PORTAL_B]
    clock.advance(days=3)
    watchdog = SlaWatchdog(tenant_router.routing, tenants, tasks, clock)

    (handled,) = watchdog()

    assert handled["outcome"] == "unknown_tenant"
    assert watchdog() == []  # never retried forever
