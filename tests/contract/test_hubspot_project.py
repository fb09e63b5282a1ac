"""Contract: the HubSpot developer-platform project in infra/hubspot is what the code needs.

- HubSpot's own parser (npm ``@hubspot/project-parsing-lib``, run by ``infra/hubspot/scripts/check-project.mjs``)
  parses the project offline, per config profile, and TypeScript checks the app card.
- The app's scopes are exactly what ``textloop.adapters.hubspot`` calls (read from its source) plus what the
  webhook subscriptions need, each scope taken from HubSpot's published OpenAPI descriptions.
- The webhook subscriptions are the HubSpot rules of ``triggers.default.json`` (plus ``contact.privacyDeletion``),
  in the legacy ``<object>.propertyChange`` form the webhook intake reads: each one, delivered, is queued.

Needs ``infra/hubspot/node_modules`` (``make hubspot-tools``): fails without it.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from textloop.adapters import hubspot as hubspot_adapter
from textloop.domain.model import ConsentStatus, PhoneStatus
from textloop.domain.watchlist import DEFAULT_TRIGGERS_FILE, watched_properties
from textloop.service_layer.intake import PRIVACY_DELETION, accept_hubspot_batch, is_outcome_event

pytestmark = pytest.mark.contract

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "infra" / "hubspot"
SRC = PROJECT / "src"
CHECK = PROJECT / "scripts" / "check-project.mjs"
NODE_MODULES = PROJECT / "node_modules" / "@hubspot" / "project-parsing-lib"
APP = SRC / "app" / "app-hsmeta.json"
WEBHOOKS = SRC / "app" / "webhooks" / "webhooks-hsmeta.json"
CARD = SRC / "app" / "cards" / "sms-thread-card-hsmeta.json"

# The scope each SDK call of the adapter needs: the `security` of the operation in HubSpot's published
# OpenAPI descriptions (CRM v3: deals, tickets, contacts, owners, communications, tasks). Tasks and
# communications are written under the contacts scopes there; a contact search needs contacts read.
OPERATION_SCOPES: dict[tuple[str, str], str] = {
    ("crm.deals.basic_api", "get_by_id"): "crm.objects.deals.read",  # GET /crm/v3/objects/0-3/{dealId}
    ("crm.tickets.basic_api", "get_by_id"): "tickets",  # GET /crm/v3/objects/tickets/{ticketId}
    ("crm.contacts.basic_api", "get_by_id"): "crm.objects.contacts.read",  # GET .../contacts/{contactId}
    ("crm.contacts.basic_api", "update"): "crm.objects.contacts.write",  # PATCH .../contacts/{contactId}
    ("crm.contacts.search_api", "do_search"): "crm.objects.contacts.read",  # POST .../contacts/search
    ("crm.deals.search_api", "do_search"): "crm.objects.deals.read",  # POST /crm/v3/objects/deals/search
    ("crm.tickets.search_api", "do_search"): "tickets",  # POST /crm/v3/objects/tickets/search
    # GET /crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}: read on the objects
    ("crm.associations.v4.basic_api", "get_page"): "crm.objects.contacts.read",
    ("crm.owners.owners_api", "get_by_id"): "crm.objects.owners.read",  # GET /crm/v3/owners/{ownerId}
    # the dispatcher's bulk context reads (prefetch): POST .../contacts/batch/read, POST
    # /crm/v4/associations/{from}/{to}/batch/read (read on the objects), GET /crm/v3/owners/ (a page)
    ("crm.contacts.batch_api", "read"): "crm.objects.contacts.read",
    ("crm.associations.v4.batch_api", "get_page"): "crm.objects.contacts.read",
    ("crm.owners.owners_api", "get_page"): "crm.objects.owners.read",
    (
        "crm.objects.communications.basic_api",
        "create",
    ): "crm.objects.contacts.write",  # POST .../communications
    # POST .../communications/batch/create and .../communications/search: the SMS log, idempotent by SID
    ("crm.objects.communications.batch_api", "create"): "crm.objects.contacts.write",
    ("crm.objects.communications.search_api", "do_search"): "crm.objects.contacts.read",
    ("crm.objects.tasks.basic_api", "create"): "crm.objects.contacts.write",  # POST /crm/v3/objects/tasks
    ("crm.objects.tasks.basic_api", "get_by_id"): "crm.objects.contacts.read",  # GET .../tasks/{taskId}
    # POST .../tasks/search: a consent or flagged-number note already made for its key
    ("crm.objects.tasks.search_api", "do_search"): "crm.objects.contacts.read",
    # GET /crm/v3/objects/meetings/{meetingId} (engagements are read with the contacts scope)
    ("crm.objects.meetings.basic_api", "get_by_id"): "crm.objects.contacts.read",
}
# The scope a subscription needs to be delivered: read access to the object it reports on.
SUBSCRIPTION_SCOPES = {
    "deal": "crm.objects.deals.read",
    "ticket": "tickets",
    "contact": "crm.objects.contacts.read",
    "meeting": "crm.objects.contacts.read",  # crmObjects object.creation of meetings (0-47)
}
# The objectTypeId a generic (crmObjects) subscription's events carry (HubSpot's object type ids).
OBJECT_TYPE_IDS = {"meeting": "0-47"}
BASE_SCOPES = {"oauth"}  # on every HubSpot app (HubSpot's project templates put it first)


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _chain(node: ast.expr) -> str | None:
    """``client.crm.objects.tasks.basic_api`` → ``crm.objects.tasks.basic_api``."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id == "client":
        return ".".join(reversed(parts))
    return None


def adapter_operations() -> set[tuple[str, str]]:
    """Every (SDK API, method) the HubSpot adapter calls, read from its source."""
    tree = ast.parse(Path(hubspot_adapter.__file__).read_text(encoding="utf-8"))
    apis: dict[str, set[str]] = {}  # self attribute -> SDK API chains
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                    found = {c for n in ast.walk(node.value) if isinstance(n, ast.expr) and (c := _chain(n))}
                    chains = {c for c in found if not any(o.startswith(c + ".") for o in found)}
                    if target.value.id == "self" and chains:
                        apis.setdefault(target.attr, set()).update(chains)
    # locals bound to an API picked from a dict attribute: `api = _record_api(self._records, record)`
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and len(node.targets) == 1:
            target = node.targets[0]
            for arg in node.value.args:
                if (
                    isinstance(target, ast.Name)
                    and isinstance(arg, ast.Attribute)
                    and isinstance(arg.value, ast.Name)
                    and arg.value.id == "self"
                    and arg.attr in apis
                ):
                    aliases[target.id] = arg.attr
    used: set[tuple[str, str]] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        attr = None
        if (
            isinstance(owner, ast.Attribute)
            and isinstance(owner.value, ast.Name)
            and owner.value.id == "self"
        ):
            attr = owner.attr
        elif isinstance(owner, ast.Name):
            attr = aliases.get(owner.id)
        for chain in apis.get(attr or "", set()):
            used.add((chain, node.func.attr))
    return used


def subscriptions() -> list[dict[str, Any]]:
    subs = _load(WEBHOOKS)["config"]["subscriptions"]
    return [s for group in ("crmObjects", "legacyCrmObjects", "hubEvents") for s in subs.get(group, [])]


# --------------------------------------------------------------------------------- HubSpot's parser


def test_hubspot_parser_accepts_the_project() -> None:
    """Given the project, when HubSpot's parser and tsc check it offline, then there is no error."""
    node = shutil.which("node")
    assert node, "node is not on PATH (Node.js 20+ is needed)"
    if not NODE_MODULES.exists():
        pytest.fail("infra/hubspot/node_modules missing: run `make hubspot-tools` (npm ci in infra/hubspot)")
    run = subprocess.run(
        [node, str(CHECK), "--json"], cwd=PROJECT, capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    nodes = report["example"]["intermediateRepresentation"]["intermediateNodesIndexedByUid"]
    assert {n["componentType"] for n in nodes.values()} == {"APPLICATION", "WEBHOOKS", "CARD"}
    webhooks = next(n for n in nodes.values() if n["componentType"] == "WEBHOOKS")
    assert webhooks["config"]["settings"]["targetUrl"].endswith("/hubspot/webhooks")  # the stack's route


def test_project_is_on_platform_2025_2() -> None:
    assert _load(PROJECT / "hsproject.json") == {
        "name": "textloop",
        "srcDir": "src",
        "platformVersion": "2025.2",
    }


# -------------------------------------------------------------------------------------------- scopes


def test_every_adapter_call_has_a_known_scope() -> None:
    """A new SDK call in the adapter fails here until its scope is looked up and added to the app."""
    used = adapter_operations()
    assert used, "found no SDK call in the adapter: the parser above needs updating"
    assert used <= OPERATION_SCOPES.keys(), f"scope unknown for {sorted(used - OPERATION_SCOPES.keys())}"
    assert OPERATION_SCOPES.keys() <= used, f"no longer called: {sorted(OPERATION_SCOPES.keys() - used)}"


def test_app_scopes_are_exactly_what_textloop_uses() -> None:
    scopes = _load(APP)["config"]["auth"]["requiredScopes"]
    needed = {OPERATION_SCOPES[op] for op in adapter_operations()}
    needed |= {
        SUBSCRIPTION_SCOPES[s.get("objectType") or s["subscriptionType"].partition(".")[0]]
        for s in subscriptions()
    }
    assert len(scopes) == len(set(scopes))
    assert set(scopes) == needed | BASE_SCOPES
    assert not _load(APP)["config"]["auth"].get("optionalScopes")


def test_no_sensitive_scope_so_the_card_may_use_hubspot_fetch() -> None:
    # HubSpot: apps with Sensitive Data scopes cannot use hubspot.fetch().
    assert not [s for s in _load(APP)["config"]["auth"]["requiredScopes"] if "sensitive" in s]


# ----------------------------------------------------------------------------------------- webhooks


def test_property_subscriptions_are_the_hubspot_trigger_rules() -> None:
    watched = watched_properties("hubspot", DEFAULT_TRIGGERS_FILE)
    legacy = _load(WEBHOOKS)["config"]["subscriptions"]["legacyCrmObjects"]
    subscribed = {
        (s["subscriptionType"].removesuffix(".propertyChange"), s["propertyName"])
        for s in legacy
        if s["subscriptionType"].endswith(".propertyChange") and s["active"]
    }
    assert subscribed == set(watched) == {("deal", "dealstage"), ("ticket", "hs_pipeline_stage")}
    assert len([s for s in legacy if s["subscriptionType"].endswith(".propertyChange")]) == len(subscribed)
    # The generic `object.propertyChange` form arrives as subscriptionType "object.propertyChange",
    # which the intake does not read: the project must not use it for triggers.
    generic = _load(WEBHOOKS)["config"]["subscriptions"].get("crmObjects", [])
    assert not [s for s in generic if s["subscriptionType"] == "object.propertyChange"]


def test_meeting_creations_are_subscribed_for_the_pipeline_outcomes() -> None:
    """HubSpot meetings have no legacy subscription: the generic form (platform 2025.2 ``crmObjects``)
    delivers ``object.creation`` with ``objectTypeId`` 0-47, which the intake queues for the recorder."""
    generic = _load(WEBHOOKS)["config"]["subscriptions"]["crmObjects"]
    assert generic == [{"subscriptionType": "object.creation", "objectType": "meeting", "active": True}]
    delivered = {"subscriptionType": "object.creation", "objectTypeId": "0-47", "objectId": 1}
    assert is_outcome_event(delivered)
    assert not is_outcome_event({**delivered, "objectTypeId": "0-1"})  # a contact created: not an outcome


def test_deal_creations_are_subscribed_for_the_pipeline_outcomes() -> None:
    legacy = _load(WEBHOOKS)["config"]["subscriptions"]["legacyCrmObjects"]
    others = [s for s in legacy if not s["subscriptionType"].endswith(".propertyChange")]
    # a new deal is an outcome (opportunity_created); its stage changes already arrive for the triggers
    assert others == [{"subscriptionType": "deal.creation", "active": True}]
    assert is_outcome_event(others[0])


def test_privacy_deletion_is_subscribed() -> None:
    hub_events = _load(WEBHOOKS)["config"]["subscriptions"]["hubEvents"]
    assert hub_events == [{"subscriptionType": PRIVACY_DELETION, "active": True}]


class _Queue:
    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send_all(self, bodies: Sequence[str]) -> None:
        self.bodies += bodies


def test_each_subscribed_event_is_queued_by_the_intake() -> None:
    """Given one event per subscription as HubSpot delivers it, the webhook intake queues every one."""
    events = [
        {
            "eventId": i,
            "subscriptionId": 100 + i,
            "portalId": 62515,
            "appId": 54321,
            "occurredAt": 1_764_500_000_000,
            "subscriptionType": s["subscriptionType"],
            "attemptNumber": 0,
            "objectId": 1000 + i,
            "changeSource": "CRM",
            **({"propertyName": s["propertyName"], "propertyValue": "x"} if "propertyName" in s else {}),
            **({"objectTypeId": OBJECT_TYPE_IDS[s["objectType"]]} if "objectType" in s else {}),
        }
        for i, s in enumerate(subscriptions(), start=1)
    ]
    triggers, privacy, outcomes = _Queue(), _Queue(), _Queue()
    watched = watched_properties("hubspot", DEFAULT_TRIGGERS_FILE)
    result = accept_hubspot_batch(json.dumps(events).encode(), watched, triggers, privacy, outcomes)
    assert (result.queued, result.ignored) == (len(events), 0)
    creations = [e for e in events if e["subscriptionType"] in ("deal.creation", "object.creation")]
    assert len(privacy.bodies) == 1 and len(triggers.bodies) == len(events) - 1 - len(creations)
    assert [json.loads(b)["event"]["eventId"] for b in outcomes.bodies] == [
        e["eventId"] for e in events if is_outcome_event(e)
    ]


# --------------------------------------------------------------------------------------------- card


def test_card_is_on_contacts_deals_and_tickets() -> None:
    config = _load(CARD)["config"]
    assert set(config["objectTypes"]) == {"contacts", "deals", "tickets"}
    assert (SRC / config["entrypoint"].lstrip("/")).exists()


def test_custom_communication_property_is_the_sid_the_adapter_writes_and_searches() -> None:
    spec = _load(PROJECT / "properties" / "communication-properties.json")
    assert [(p["name"], p["type"], p["fieldType"]) for p in spec["inputs"]] == [
        (hubspot_adapter.SMS_SID_PROPERTY, "string", "text")
    ]


def test_custom_task_property_is_the_key_the_adapter_writes_and_searches() -> None:
    spec = _load(PROJECT / "properties" / "task-properties.json")
    assert [(p["name"], p["type"], p["fieldType"]) for p in spec["inputs"]] == [
        (hubspot_adapter.SMS_SID_PROPERTY, "string", "text")
    ]


def test_custom_contact_properties_match_the_adapter() -> None:
    spec = _load(PROJECT / "properties" / "contact-properties.json")
    by_name = {p["name"]: p for p in spec["inputs"]}
    assert set(by_name) == {
        hubspot_adapter.PHONE_STATUS_PROPERTY,
        hubspot_adapter.ContactProperties().consent,
    }
    phone = {o["value"] for o in by_name["textloop_phone_status"]["options"]}
    consent = {o["value"] for o in by_name["textloop_sms_consent"]["options"]}
    assert phone == {s.value for s in PhoneStatus}
    assert consent >= {s.value for s in ConsentStatus}
    assert all(p["type"] == "enumeration" and p["fieldType"] == "select" for p in spec["inputs"])
