"""The one wiring place: builds each function's dependencies once per container, lazily.

A function pays only for what its event needs: the HubSpot webhook never imports a CRM SDK or
Twilio's REST client, and the dispatcher imports simple-salesforce only for a Salesforce event.
Tests build the same objects with their own clients and fakes instead of calling these.
Nothing built from a credential is kept for the container's life: such objects live in a ``Fresh``
holder, rebuilt when the secret's value changes (Powertools' cache age) or after an authentication
failure reads it again; the CRM gateways keep only their token source, which renews its tokens.
One stack serves several Salesforce orgs and HubSpot portals: a gateway per (CRM, account), each from
its tenant's own secret (``config.tenant_credentials``), built on first use and kept in a bounded cache.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from textloop.config import (
    SECRET_CACHE_SECONDS,
    BoundedCache,
    Fresh,
    SecretNotFound,
    Secrets,
    Settings,
    tenant_credentials,
)
from textloop.domain.errors import UnknownTenant

if TYPE_CHECKING:  # the ports' module is the domain's largest: a webhook that needs none skips it
    from textloop.domain.model import Crm
    from textloop.domain.ports import CrmGateway, MeetingReader, SmsSender
    from textloop.domain.rules import RuleSet

T = TypeVar("T")
TENANTS_KEPT = 32  # gateways kept per container (least recently used out first), each ≤ the secret cache age


class Lazy(Generic[T]):
    """Builds the wrapped object on first attribute access (first use, not cold start)."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._value: T | None = None

    def __getattr__(self, name: str) -> Any:
        if self._value is None:
            self._value = self._factory()
        return getattr(self._value, name)


def reset() -> None:
    """Forget every built dependency (a new cold start): for the local runner and tests."""
    for built in (
        settings,
        rules,
        hubspot_watchlist,
        trigger_queue,
        _tenants,
        _tenant_gateways,
        dynamodb,
        event_outcomes,
        message_status,
        send_slots,
        conversations,
        sla_tasks,
        deferrals,
        consent_queue,
        dispatcher,
        _twilio_clients,
        _twilio_tokens,
        consent_ledger,
        inbound_queue,
        reply_router,
        sla_watchdog,
        privacy_hash,
        privacy_queue,
        privacy_store,
        privacy,
        renewal_scanner,
        links,
        link_follower,
        outcome_queue,
        outcome_recorder,
    ):
        built.cache_clear()


@cache
def settings() -> Settings:
    return Settings.from_env()


@cache
def rules() -> RuleSet:
    from textloop.domain.rules import RuleSet

    return RuleSet.load(settings().triggers_file)


def now_ms() -> int:
    return int(time.time() * 1000)


# -- HubSpot webhook --------------------------------------------------------------------------


@cache
def hubspot_watchlist() -> frozenset[tuple[str, str]]:
    from textloop.domain.watchlist import watched_properties

    return watched_properties("hubspot", settings().triggers_file)


def hubspot_client_secret() -> str:
    """Read on each webhook: Powertools' cache bounds its age, so a rotated secret takes effect."""
    return Secrets("HUBSPOT").get("client_secret")


@cache
def trigger_queue() -> Any:
    from textloop.adapters.sqs import SqsQueue

    return SqsQueue(settings().trigger_queue_url)


# -- Dispatcher -------------------------------------------------------------------------------


@cache
def _tenants() -> BoundedCache[tuple[Secrets, bool] | None]:
    """(CRM, account) → whose credentials serve it (None: nobody's), re-decided after the secret cache age:
    a tenant's secret created or deleted later takes effect without a cold start."""
    return BoundedCache(TENANTS_KEPT * 4, SECRET_CACHE_SECONDS)


@cache
def _tenant_gateways() -> BoundedCache[CrmGateway]:
    """(CRM, tenant) → its gateway: the accounts the default secret serves share one (one token)."""
    return BoundedCache(TENANTS_KEPT, float("inf"))


def crm_gateway(crm: Crm, account: str = "") -> CrmGateway:
    """The CRM's gateway for one tenant (Salesforce org id, HubSpot portal id; "" the default tenant),
    built on first use. Raises ``UnknownTenant`` when the account has no credentials."""
    s = settings()
    found = _tenants().get(
        (crm, account), lambda: tenant_credentials(crm.upper(), account, s.tenant_secret_prefix, s.tenancy)
    )
    if found is None:
        raise UnknownTenant(f"no {crm} credentials for account {account}", crm=crm, account=account)
    secrets, is_default = found
    tenant = "" if is_default else account
    return _tenant_gateways().get((crm, tenant), lambda: _build_gateway(crm, account, secrets, is_default))


def _build_gateway(crm: Crm, account: str, secrets: Secrets, is_default: bool) -> CrmGateway:
    s = settings()

    def read(force: bool) -> dict[str, str]:
        try:
            return secrets.values(force)
        except SecretNotFound:  # the tenant's secret was deleted since: its events are skipped from now on
            raise UnknownTenant(
                f"no {crm} credentials for account {account}", crm=crm, account=account
            ) from None

    if crm == "salesforce":
        from textloop.adapters.limits import ApiUsage
        from textloop.adapters.salesforce import ContactFields, SalesforceGateway
        from textloop.adapters.salesforce_auth import SalesforceCredentials

        # The gateway keeps no credential: its token source reads the secret (bounded cache) for each token.
        return SalesforceGateway.with_credentials(
            Fresh(read, SalesforceCredentials.from_secret),
            # another org's My Domain comes from its own secret or its token endpoint
            instance_url=(s.salesforce_instance_url if is_default else "") or None,
            api_version=s.salesforce_api_version,
            ca_bundle=s.salesforce_ca_bundle,
            default_region=s.phone_default_region,
            contact_fields=ContactFields(
                consent=s.salesforce_consent_field,
                do_not_call=s.salesforce_do_not_call_field,
                time_zone=s.salesforce_time_zone_field,
                state=s.salesforce_state_field,
            ),
            api_usage=ApiUsage(s.salesforce_api_usage_percent / 100, s.salesforce_api_pause_seconds),
        )
    from textloop.adapters.hubspot import ContactProperties, HubSpotGateway
    from textloop.adapters.hubspot_auth import HubSpotCredentials

    return HubSpotGateway.with_credentials(
        Fresh(read, HubSpotCredentials.from_secret),
        # a portal's own API host (an EU data-center portal: api-eu1.hubapi.com), else the setting
        base_url=("" if is_default else read(False).get("api_base_url", "")) or s.hubspot_api_base_url,
        default_region=s.phone_default_region,
        contact_properties=ContactProperties(
            consent=s.hubspot_consent_property,
            time_zone=s.hubspot_time_zone_property,
            state=s.hubspot_state_property,
        ),
    )


@cache
def _twilio_clients() -> Fresh[Any]:
    """Twilio's REST client, rebuilt when the secret changes: the API key and secret when the secret has
    them, else the auth token."""
    from textloop.adapters.twilio_sms import twilio_client

    base_url = str(settings().twilio_api_base_url).rstrip("/")
    return Fresh(
        Secrets("TWILIO").values,
        lambda v: twilio_client(
            v.get("account_sid", ""),
            v.get("auth_token"),
            api_key=v.get("api_key"),
            api_secret=v.get("api_secret"),
            base_url=base_url,
        ),
    )


def _twilio() -> SmsSender:
    from textloop.adapters.twilio_sms import TwilioSmsSender

    return TwilioSmsSender(_twilio_clients(), settings().twilio_messaging_service_sid)


@cache
def dynamodb() -> Any:
    """One DynamoDB client per container, shared by every table adapter and built on first use (a
    client costs a cold start tens of milliseconds: an inbound reply that is no consent change makes
    no DynamoDB call and builds none)."""

    def build() -> Any:
        import boto3

        from textloop.adapters.dynamo_table import CLIENT_CONFIG

        return boto3.client("dynamodb", config=CLIENT_CONFIG)

    return Lazy(build)


@cache
def event_outcomes() -> Any:
    from textloop.adapters.dynamodb import DynamoEventOutcomes

    return DynamoEventOutcomes(settings().state_table, dynamodb())


@cache
def send_slots() -> Any:
    from textloop.adapters.dynamodb import DynamoSendSlots

    return DynamoSendSlots(settings().state_table, event_outcomes().client, message_retention())


@cache
def conversations() -> Any:
    from textloop.adapters.dynamodb import DynamoConversations

    return DynamoConversations(settings().state_table, event_outcomes().client)


@cache
def message_status() -> Any:
    """The status webhook's store (message records and send SIDs), without the other adapters' imports."""
    from textloop.adapters.message_status import DynamoMessageStatus

    return DynamoMessageStatus(settings().state_table, dynamodb())


@cache
def sla_tasks() -> Any:
    from textloop.adapters.dynamodb import DynamoSlaTasks

    return DynamoSlaTasks(settings().state_table, event_outcomes().client)


@cache
def deferrals() -> Any:
    from textloop.adapters.scheduler import SchedulerDeferrals

    s = settings()
    return SchedulerDeferrals(
        s.deferral_group,
        s.deferral_target_arn,
        s.deferral_role_arn,
        dead_letter_arn=s.deferral_dead_letter_arn,
    )


@cache
def consent_ledger() -> Any:
    from textloop.adapters.consent_table import DynamoConsentLedger  # its own module: a light cold start

    return DynamoConsentLedger(
        settings().consent_table,
        dynamodb(),
        history_inline=settings().consent_history_inline,
        hasher=privacy_hash(),
    )


@cache
def dispatcher() -> Any:
    from datetime import timedelta

    from textloop.adapters.dynamodb import DynamoCapReservations
    from textloop.domain import templates
    from textloop.domain.caps import Cap, FrequencyCaps
    from textloop.domain.send_time import SendTimePolicy
    from textloop.service_layer.dispatch import Dispatcher

    s, ruleset = settings(), rules()
    for template in ruleset.templates:  # a template that does not compile fails the cold start
        templates.validate(template)
    opens, closes = ruleset.send_time.default_window
    caps: dict[str, tuple[Cap, ...]] = {
        purpose: tuple(Cap(c.limit, timedelta(hours=c.hours)) for c in limits)
        for purpose, limits in ruleset.send_time.caps.items()
    }
    return Dispatcher(
        rules=ruleset,
        crm=crm_gateway,
        sms=cast("SmsSender", Lazy(_twilio)),
        outcomes=event_outcomes(),
        slots=send_slots(),
        conversations=conversations(),
        consent=consent_ledger(),
        deferrals=Lazy(deferrals),
        brand=s.brand_name,
        status_callback=s.status_callback_url,
        default_region=s.phone_default_region,
        lease=timedelta(seconds=s.lease_seconds),
        policy=SendTimePolicy(default_opens=opens, default_closes=closes),
        caps=FrequencyCaps(caps),
        cap_reservations=DynamoCapReservations(s.state_table, event_outcomes().client),
        links=links(),
        link_base=s.link_base_url,
        link_ttl=message_retention(),
        optimiser=_send_optimiser(),
    )


def _send_optimiser() -> Any:
    """Send-time optimisation of marketing messages, when the rules file turns it on (None: off)."""
    optimise = rules().send_time.optimise
    if not optimise.enabled:
        return None
    from textloop.adapters.dynamodb import DynamoHourStats
    from textloop.domain.send_time import SendTimePolicy
    from textloop.service_layer.send_optimiser import SendTimeOptimiser

    opens, closes = rules().send_time.default_window
    stats = DynamoHourStats(settings().state_table, event_outcomes().client)
    policy = SendTimePolicy(default_opens=opens, default_closes=closes)
    return SendTimeOptimiser(optimise, stats, stats, policy)


# -- Tracked links ------------------------------------------------------------------------------


@cache
def links() -> Any:
    from textloop.adapters.dynamodb import DynamoLinks

    return DynamoLinks(settings().state_table, event_outcomes().client)


@cache
def link_follower() -> Any:
    """GET /l/{code}: the links, the message records (delivery time) and the InboundQueue."""
    from textloop.service_layer.links import LinkFollower

    return LinkFollower(links(), conversations(), inbound_queue())


# -- Twilio webhooks --------------------------------------------------------------------------


@cache
def _twilio_tokens() -> Fresh[tuple[str, ...]]:
    """The auth tokens webhooks are signed with: the primary and, during a rotation, the secondary."""

    def tokens(values: Any) -> tuple[str, ...]:
        if not values.get("auth_token"):
            raise RuntimeError("set auth_token in the Twilio secret (TWILIO_AUTH_TOKEN)")
        return tuple(t for t in (values["auth_token"], values.get("auth_token_secondary")) if t)

    return Fresh(Secrets("TWILIO").values, tokens)


def twilio_signature() -> Any:
    from textloop.adapters.twilio_signature import TwilioSignature

    return TwilioSignature(_twilio_tokens())


@cache
def inbound_queue() -> Any:
    from textloop.adapters.sqs import SqsQueue

    return SqsQueue(settings().inbound_queue_url)


@cache
def consent_queue() -> Any:
    from textloop.adapters.sqs import SqsQueue

    return SqsQueue(settings().consent_queue_url, share=inbound_queue())


def program() -> Any:
    from textloop.service_layer.inbound import Program

    s = settings()
    return Program(s.brand_name, s.care_contact, s.twilio_advanced_opt_out)


# -- Reply router and SLA watchdog --------------------------------------------------------------


def _routing() -> Any:
    routing = rules().routing
    if routing is None:
        raise RuntimeError("the triggers file has no 'routing' section: replies cannot be routed")
    return routing


@cache
def reply_router() -> Any:
    from textloop.service_layer.replies import ReplyRouter

    return ReplyRouter(
        _routing(),
        crm_gateway,
        cast("tuple[Crm, ...]", settings().reply_crms),
        event_outcomes(),
        conversations(),
        sla_tasks(),
        consent=consent_ledger(),
        hour_stats=_hour_stats(),
        reply_window=timedelta(hours=rules().send_time.optimise.reply_window_hours),
    )


def _hour_stats() -> Any:
    """The send-time optimiser's reply counts, when the rules file turns it on (None: off)."""
    if not rules().send_time.optimise.enabled:
        return None
    from textloop.adapters.dynamodb import DynamoHourStats

    return DynamoHourStats(settings().state_table, event_outcomes().client)


@cache
def sla_watchdog() -> Any:
    from textloop.service_layer.replies import SlaWatchdog

    return SlaWatchdog(_routing(), crm_gateway, sla_tasks())


# -- Privacy: retention, erasure ----------------------------------------------------------------


def message_retention() -> timedelta:
    return timedelta(days=settings().message_retention_days)


@cache
def privacy_hash() -> Callable[[str], str] | None:
    """The keyed hash of erased numbers (Secrets Manager ``PRIVACY_SECRET_ID``, key ``hash_key``, else
    ``PRIVACY_HASH_KEY``), read on first use. None when neither is set (a bare local stack): then
    the ledger keeps no tombstones and erasure refuses to run."""
    import os

    if not (os.environ.get("PRIVACY_SECRET_ID") or os.environ.get("PRIVACY_HASH_KEY")):
        return None
    from textloop.domain.keyed_hash import KeyedHash

    return KeyedHash(lambda: Secrets("PRIVACY").get("hash_key"))


@cache
def privacy_queue() -> Any:
    """The PrivacyQueue (HubSpot privacy deletions), sharing the trigger queue's client; None if unset."""
    from textloop.adapters.sqs import SqsQueue

    url = settings().privacy_queue_url
    return SqsQueue(url, share=trigger_queue()) if url else None


@cache
def privacy_store() -> Any:
    from textloop.adapters.privacy import DynamoPrivacyStore

    return DynamoPrivacyStore(settings().state_table, event_outcomes().client)


@cache
def privacy() -> Any:
    from textloop.service_layer.privacy import Privacy

    return Privacy(privacy_store(), consent_ledger(), privacy_hash())


# -- Renewal scanner ------------------------------------------------------------------------------


@cache
def renewal_scanner() -> Any:
    """The renewal scan over every tenant of each CRM: the default one and each account installed with its
    own secret (``<prefix>/<crm>/<account>``, listed); a tenant's gateway is also its RenewalSearch."""
    from textloop.adapters.tenants import InstalledTenants
    from textloop.service_layer.renewals import RenewalScanner

    s = settings()
    return RenewalScanner(
        rules=rules(),
        search=cast(Any, crm_gateway),
        queue=trigger_queue(),
        outcomes=event_outcomes(),
        tenants=InstalledTenants(s.tenant_secret_prefix, s.tenancy),
    )


# -- Outcomes from the CRM ----------------------------------------------------------------------


@cache
def outcome_queue() -> Any:
    """The OutcomeQueue (HubSpot deal outcomes from the webhook), sharing the trigger queue's client;
    None when unset (the webhook then leaves them out)."""
    from textloop.adapters.sqs import SqsQueue

    url = settings().outcome_queue_url
    return SqsQueue(url, share=trigger_queue()) if url else None


@cache
def outcome_recorder() -> Any:
    """The outcome recorder: the state table's outcomes and message index, the CRM gateways (a HubSpot
    deal's amount and relations, a HubSpot meeting's associations), the attribution window of the settings."""
    from textloop.adapters.dynamodb import DynamoPipelineOutcomes
    from textloop.service_layer.outcomes import OutcomeRecorder

    s = settings()
    store = DynamoPipelineOutcomes(s.state_table, event_outcomes().client)
    window = timedelta(days=s.attribution_window_days)
    return OutcomeRecorder(store, crm_gateway, window, meetings=hubspot_meetings)


def hubspot_meetings(portal: str) -> MeetingReader:
    """A HubSpot portal's meetings: its gateway (``HubSpotGateway`` reads meetings too)."""
    return cast("MeetingReader", crm_gateway("hubspot", portal))


def outcome_stages() -> Any:
    from textloop.domain.pipeline import Stages

    s = settings()
    return Stages(frozenset(s.won_stages), frozenset(s.lost_stages))
