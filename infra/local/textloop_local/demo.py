"""``textloop demo``: the local stack, a scripted afternoon of CRM changes, and a transcript.

The script only *does* things (a user edits a record, Event Relay publishes the change, HubSpot
posts a signed webhook); the transcript and the verdict are built from the observed state.
Outputs in the output directory (default ``.textloop/demo/``): ``transcript.md``,
``twilio_requests.jsonl``, ``salesforce_requests.jsonl``, ``hubspot_requests.jsonl``,
``state.json`` (same shape as ``GET /_local/state``), ``deliveries.jsonl`` (TriggerQueue → dispatcher),
``report.html`` and its CSV tables (``textloop report`` over the state table's items in ``state.json``).
Then the closed loop: the texted contacts (and a stranger) reply through ``POST /twilio/inbound``,
posted over HTTP and signed exactly as Twilio does; a later CRM change for a number that opted out
is refused; the SLA watchdog is invoked once through the stack.
The renewal window (first, as the morning's scheduled scan): the renewal scanner is invoked through
the stack over the seed on both CRMs; the renewals inside a window text their decision maker once
(opted in, personalised with seats used of seats bought), the do-not-call contact's is skipped, the
ones outside every window are untouched, and the same scan run again texts nobody.
Consent and timing: a marketing offer to a contact where it is night (deferred, scheduled), one to a
Florida number over the state's cap (seeded history: deferred), a Salesforce DoNotCall contact and a
contact without consent (skipped). The demo gives each contact it texts now a time zone where it is
daytime now (``choose_zones``), so that it runs at any hour.
Exit status 0 only if: exactly one SMS per trigger, duplicates suppressed, opted-out skipped, both
opt-outs in the ConsentTable, every reply on the record of the SMS it answers, tasks with the
expected priorities and due times, the wrong number flagged, HELP answered, the later trigger refused,
the deferrals and consent skips as expected.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import inspect
import json
import logging
import os
import sys
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests

from textloop_local.serve import LOCAL_EVENT_BUS, LocalStack, StackOptions
from textloop_local.transcript import (
    LinkScene,
    OutcomeScene,
    RenewalScene,
    Reply,
    ScanRun,
    Step,
    Verdict,
    WatchdogRun,
    build,
    outcomes_section,
)

log = logging.getLogger("textloop_local.demo")

DEFAULT_OUT = Path(".textloop/demo")
SCHEMA_ID = "X3y6m9m-Q1pRf3e0R0c8nQ"  # Event Relay carries the Avro schema id of the change event
CHANNEL_ID = "0YLRM0000004Dfg4AE"
LINK_DOMAIN = "go.acme.example"  # the demo's short link domain (in AWS: the HTTP API's custom domain)
PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
)
PREVIEW_UA = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"


@dataclass
class DemoResult:
    ok: bool
    out_dir: Path
    transcript: str
    verdict: Verdict
    state: dict[str, Any]
    replies: list[Reply] = field(default_factory=list)  # what was posted to /twilio/inbound, and the answers
    later: list[Step] = field(default_factory=list)
    watchdog: WatchdogRun | None = None
    renewals: RenewalScene | None = None
    links: LinkScene | None = None
    outcomes: OutcomeScene | None = None
    first_response: FirstResponse | None = None


# --- publishing like the vendors do ---------------------------------------------------------


def salesforce_change_event(
    org_id: str,
    entity: str,
    record_id: str,
    values: dict[str, Any],
    changed_fields: list[str],
    commit_user: str,
) -> dict[str, Any]:
    """The EventBridge entry Event Relay would put for one CDC change (payload under detail.payload)."""
    now = datetime.now(UTC)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    fields = list(dict.fromkeys([*changed_fields, "LastModifiedDate"]))
    header = {
        "entityName": entity,
        "recordIds": [record_id],
        "changeType": "UPDATE",
        "changeOrigin": "com/salesforce/api/rest/62.0",
        "transactionKey": str(uuid.uuid4()),
        "sequenceNumber": 1,
        "commitTimestamp": int(now.timestamp() * 1000),
        "commitNumber": int(now.timestamp() * 1000) * 10 + 7,
        "commitUser": commit_user,
        "nulledFields": [],
        "diffFields": [],
        "changedFields": fields,
    }
    detail = {
        "payload": {"ChangeEventHeader": header, **values, "LastModifiedDate": stamp},
        "schemaId": SCHEMA_ID,
        "id": str(uuid.uuid4()),
    }
    return {
        "Source": f"aws.partner/salesforce.com/{org_id}/{CHANNEL_ID}",
        "DetailType": f"{entity}ChangeEvent",
        "Detail": json.dumps(detail),
        "EventBusName": LOCAL_EVENT_BUS,
    }


def hubspot_signature_v3(client_secret: str, method: str, url: str, body: bytes, timestamp_ms: str) -> str:
    message = method.encode() + url.encode() + body + timestamp_ms.encode()
    return base64.b64encode(hmac.new(client_secret.encode(), message, hashlib.sha256).digest()).decode()


def post_hubspot_batch(
    base_url: str, client_secret: str, events: list[dict[str, Any]], *, forge: bool = False
) -> requests.Response:
    url = f"{base_url}/hubspot/webhooks"
    body = json.dumps(events).encode()
    ts = str(int(time.time() * 1000))
    signature = hubspot_signature_v3("not-the-secret" if forge else client_secret, "POST", url, body, ts)
    return requests.post(
        url,
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-HubSpot-Signature-v3": signature,
            "X-HubSpot-Request-Timestamp": ts,
            "User-Agent": "HubSpot Webhooks",
        },
        timeout=15,
    )


def hubspot_event(
    object_type: str, object_id: Any, prop: str, value: str, portal_id: int, app_id: int
) -> dict[str, Any]:
    now = int(time.time() * 1000)
    return {
        "eventId": int(uuid.uuid4().int % 4_000_000_000),
        "subscriptionId": 2_481_113,
        "portalId": portal_id,
        "appId": app_id,
        "occurredAt": now,
        "subscriptionType": f"{object_type}.propertyChange",
        "attemptNumber": 0,
        "objectId": int(object_id),
        "propertyName": prop,
        "propertyValue": value,
        "changeSource": "CRM_UI",
        "sourceId": "userId:1234567",
    }


# --- the scenario ---------------------------------------------------------------------------


def _seed() -> Any:
    from textloop_local.emulators import seed

    return seed


def run_demo(out_dir: Path | str = DEFAULT_OUT, *, echo: bool = True) -> DemoResult:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    extra_env = {"POWERTOOLS_METRICS_DISABLED": os.environ.get("POWERTOOLS_METRICS_DISABLED", "true")}
    if "LOG_LEVEL" not in os.environ:
        extra_env["LOG_LEVEL"] = "ERROR"  # the transcript is the readable output (LOG_LEVEL=INFO to see logs)
    extra_env["SALESFORCE_TIME_ZONE_FIELD"] = SF_TIME_ZONE_FIELD  # the contacts' zones (choose_zones)
    extra_env["LINK_DOMAIN"] = LINK_DOMAIN  # tracked links: https://go.acme.example/l/<code>
    stack = LocalStack(StackOptions(extra_env=extra_env))  # emulator files (CA key) in a temp dir
    with stack:
        zones = choose_zones(datetime.now(UTC))
        set_time_zones(stack, zones)
        renewals = play_renewals(stack)
        steps = play(stack) + play_consent_and_timing(stack, zones) + play_tenants(stack)
        links = follow_links(stack)
        stack.drain(timeout=90)
        tokens_before = token_calls(stack)
        stack.salesforce.expire_tokens()  # a session timeout and an OAuth expiry, mid-run
        stack.hubspot.expire_tokens()
        replies = play_replies(stack)
        later = play_later(stack)
        outcomes = play_outcomes(stack)
        stack.drain(timeout=60)
        watchdog = run_watchdog(stack)
        first_response = play_first_response(stack)
        tokens_after = token_calls(stack)
        state = stack.state()
        deliveries = list(stack.poller.deliveries) if stack.poller else []
        brand = stack.env.get("BRAND_NAME", "")
        url = stack.url
        stack.twilio.write_request_log(out / "twilio_requests.jsonl")
        stack.salesforce.write_request_log(out / "salesforce_requests.jsonl")
        stack.hubspot.write_request_log(out / "hubspot_requests.jsonl")
        for portal, emulator in stack.hubspot_portals.items():
            if emulator is not stack.hubspot:
                emulator.write_request_log(out / f"hubspot_{portal}_requests.jsonl")
    text, verdict = build(
        steps,
        state,
        deliveries,
        stack_url=url,
        brand=brand,
        replies=replies,
        later=later,
        watchdog=watchdog,
        renewals=renewals,
        links=links,
    )
    credentials, renewed = credentials_section(tokens_before, tokens_after)
    text = f"{text.rstrip()}\n\n{credentials}\n"
    pipeline, credited = outcomes_section(state, outcomes)
    text = f"{text.rstrip()}\n\n{pipeline}\n"
    responded, responded_ok = first_response_section(first_response)
    text = f"{text.rstrip()}\n\n{responded}\n"
    verdict.ok = verdict.ok and renewed and credited and responded_ok
    (out / "transcript.md").write_text(text, encoding="utf-8")
    (out / "state.json").write_text(json.dumps(state, indent=2, default=str), encoding="utf-8")
    from textloop_local.report import facts_from_items, write_report  # plotly only when it is written

    write_report(
        facts_from_items(state["ledger"]), out, title="Textloop demo: the loop measured", source="demo"
    )
    with (out / "deliveries.jsonl").open("w", encoding="utf-8") as f:
        for d in deliveries:
            f.write(json.dumps(d) + "\n")
    if echo:
        print(text)
        print(("DEMO OK" if verdict.ok else "DEMO FAILED") + f" — files in {out}/", flush=True)
    result = DemoResult(
        verdict.ok, out, text, verdict, state, replies, later, watchdog, renewals, links, outcomes
    )
    result.first_response = first_response
    return result


class _Trigger:
    """A user edits a record in the CRM, and the CRM tells Textloop the way it does: Event Relay puts
    the change event on EventBridge (Salesforce), or HubSpot posts a signed webhook batch."""

    def __init__(self, stack: LocalStack) -> None:
        seed = _seed()
        self.stack = stack
        self.secret = stack.env["HUBSPOT_CLIENT_SECRET"]
        self.portal_id, self.app_id = int(seed.HS_PORTAL_ID), int(getattr(seed, "HS_APP_ID", 1_160_452))

    def salesforce(
        self, entity: str, record_id: str, values: dict[str, Any], times: int = 1, user: str = ""
    ) -> None:
        seed = _seed()
        changed = self.stack.salesforce.update_record(entity, record_id, values)
        entry = salesforce_change_event(
            seed.SF_ORG_ID, entity, record_id, values, list(changed or values), user or seed.SF_USER_DANA
        )
        for _ in range(times):  # Event Relay delivers at least once: the same event, again
            response = self.stack.client("events").put_events(Entries=[entry])
            if response.get("FailedEntryCount"):
                raise RuntimeError(f"put_events failed: {response}")

    def hubspot(
        self, step: Step, plural: str, prop: str, value: str, copies: int = 1, posts: int = 1
    ) -> None:
        self.stack.hubspot.update_record(plural, step.record_id, {prop: value})
        event = hubspot_event(step.object_type, step.record_id, prop, value, self.portal_id, self.app_id)
        label = f"{copies} events, valid v3 signature" if copies > 1 else "1 event"
        for _ in range(posts):
            r = post_hubspot_batch(self.stack.url, self.secret, [dict(event) for _ in range(copies)])
            step.http.append(
                {
                    "request": f"POST /hubspot/webhooks ({label})",
                    "status": r.status_code,
                    "body": r.text.strip()[:200],
                }
            )

    def __call__(self, step: Step, entity: str, prop: str, value: str) -> None:
        if step.crm == "salesforce":
            self.salesforce(entity, step.record_id, {prop: value})
        else:
            self.hubspot(step, entity, prop, value)


TOKEN_PATHS = {"salesforce": "/services/oauth2/token", "hubspot": "/oauth/v1/token"}


def token_calls(stack: LocalStack) -> dict[str, list[str]]:
    """The grant type of every token request each CRM emulator received so far."""
    emulators = {"salesforce": stack.salesforce, "hubspot": stack.hubspot}
    return {
        crm: [
            str((r["body"] or {}).get("grant_type", ""))
            for r in emulator.requests
            if r["path"] == TOKEN_PATHS[crm]
        ]
        for crm, emulator in emulators.items()
    }


def credentials_section(before: dict[str, list[str]], after: dict[str, list[str]]) -> tuple[str, bool]:
    """The token calls, and whether each CRM renewed its token once after the mid-run expiry."""
    lines = [
        "## Credentials",
        "",
        "The functions authenticate as deployed: Salesforce through the OAuth 2.0 JWT bearer flow, HubSpot "
        "through OAuth refresh. After the triggers, every token the CRMs had issued was expired (a session "
        "timeout); the replies and the later trigger that followed renewed them once and lost nothing "
        "(every reply is routed, above).",
        "",
    ]
    renewed = True
    for crm, calls in after.items():
        first, later = len(before[crm]), len(calls) - len(before[crm])
        ok = first == 1 and later == 1
        renewed = renewed and ok
        lines.append(
            f"- {crm}: {first} token request before the expiry, {later} after ({', '.join(sorted(set(calls)))})"
            + ("" if ok else " — expected exactly one before and one after")
        )
    return "\n".join(lines), renewed


def play(stack: LocalStack) -> list[Step]:
    """Do what the users and the vendors do; return the steps (what was done, not what came of it)."""
    seed = _seed()
    trigger = _Trigger(stack)

    # (e) first, so that the consent row exists before any trigger: an opted-out number.
    from textloop.adapters.dynamodb import DynamoConsentLedger
    from textloop.domain.ports import ConsentChange, ConsentStatus

    tom = next(c for c in seed.SALESFORCE["Contact"] if c["Id"] == seed.SF_CONTACT_TOM)
    opted_phone = _contact_phone(tom, "MobilePhone", "Phone")
    DynamoConsentLedger(stack.consent_table, stack.dynamodb).record(
        ConsentChange(
            opted_phone, ConsentStatus.OPTED_OUT, "twilio_inbound", "STOP (demo seed)", datetime.now(UTC)
        )
    )
    steps = [
        Step(
            "a",
            "Salesforce: opportunity moves to Negotiation/Review",
            "salesforce",
            "opportunity",
            seed.SF_OPPORTUNITY_ACME,
            "A rep moved the opportunity to **Negotiation/Review**; Event Relay published the "
            "OpportunityChangeEvent to EventBridge **3 times** (same event).",
            "sent",
        ),
        Step(
            "b",
            "Salesforce: case closed → care follow-up",
            "salesforce",
            "case",
            seed.SF_CASE_EXPORT,
            "An agent closed the case (**Status = Closed**); one CaseChangeEvent.",
            "sent",
        ),
        Step(
            "c",
            "HubSpot: deal moves to Contract sent",
            "hubspot",
            "deal",
            seed.HS_DEAL_INITECH,
            "A rep moved the deal to **contractsent**; HubSpot posted a signed webhook batch holding the "
            "event **twice**, and retried the **whole batch** once.",
            "sent",
        ),
        Step(
            "d",
            "HubSpot: ticket closed → care follow-up",
            "hubspot",
            "ticket",
            seed.HS_TICKET_SSO,
            "Support closed the ticket (**hs_pipeline_stage = 4**); one signed webhook.",
            "sent",
        ),
        Step(
            "e",
            "A trigger for a contact who opted out",
            "salesforce",
            "opportunity",
            seed.SF_OPPORTUNITY_GLOBEX,  # Tom is its primary contact
            f"The contact's number ({_mask(opted_phone)}) is **opted_out** in the ConsentTable (they replied "
            "STOP); then their record reached a trigger stage.",
            "skipped:opted_out",
        ),
        Step(
            "f",
            "A trigger for a contact without a phone number",
            "salesforce",
            "case",
            seed.SF_CASE_NO_PHONE,  # Sam has no phone at all
            "The record reached a trigger stage, but its contact has no usable phone number.",
            "skipped:invalid_phone|no_recipient",
        ),
    ]
    a, b, c, d, e, f = steps
    trigger.salesforce("Opportunity", a.record_id, {"StageName": "Negotiation/Review"}, times=3)
    trigger(b, "Case", "Status", "Closed")
    trigger.hubspot(c, "deals", "dealstage", "contractsent", copies=2, posts=2)
    trigger(d, "tickets", "hs_pipeline_stage", "4")
    trigger(e, "Opportunity", "StageName", "Negotiation/Review")
    trigger(f, "Case", "Status", "Closed")

    g = Step(
        "g",
        "A forged HubSpot webhook",
        "",
        "",
        "",
        "Someone posted a deal change to the webhook URL with a signature made with the wrong secret.",
        "rejected:401",
    )
    forged = hubspot_event(
        "deal", c.record_id, "dealstage", "contractsent", trigger.portal_id, trigger.app_id
    )
    r = post_hubspot_batch(stack.url, trigger.secret, [forged], forge=True)
    g.http.append(
        {
            "request": "POST /hubspot/webhooks (bad X-HubSpot-Signature-v3)",
            "status": r.status_code,
            "body": r.text.strip()[:200],
        }
    )
    return [*steps, g]


# --- the renewal window ---------------------------------------------------------------------


def record_renewal_opt_ins(stack: LocalStack) -> list[str]:
    """The decision makers' recorded opt-ins to marketing texts (renewal texts are marketing): Lena's
    in the ConsentTable (the ledger), Ruth's in HubSpot's consent property. Returned in words."""
    from textloop.adapters.dynamodb import DynamoConsentLedger
    from textloop.domain.ports import ConsentChange, ConsentStatus

    seed = _seed()
    lena = next(c for c in seed.SALESFORCE["Contact"] if c["Id"] == seed.SF_CONTACT_LENA)
    DynamoConsentLedger(stack.consent_table, stack.dynamodb).record(
        ConsentChange(
            _contact_phone(lena, "MobilePhone", "Phone"),
            ConsentStatus.OPTED_IN,
            "admin",
            "renewal reminders sign-up form (demo seed)",
            datetime.now(UTC),
        )
    )
    stack.hubspot.update_record("contacts", seed.HS_CONTACT_RUTH, {"textloop_sms_consent": "opted_in"})
    return [
        "Lena opted in through the renewal reminders sign-up form (ConsentTable: `opted_in`, source `admin`)",
        "Ruth's HubSpot contact says `textloop_sms_consent` = `opted_in`",
        "Grace's Salesforce contact says `SMS_Consent__c` = `opted_in` (seed)",
        "each has a time zone where it is daytime now, like every contact texted now",
    ]


def run_renewal_scan(stack: LocalStack) -> ScanRun:
    """The renewal scanner runs daily on a schedule in AWS; locally it is invoked through the stack
    with a scheduled event (the real handler, the real clock), then the TriggerQueue is drained."""
    event = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "account": "123456789012",
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": stack.env.get("AWS_REGION", "us-east-1"),
        "resources": [],
        "detail": {},
    }
    run = ScanRun(at=datetime.now(UTC).isoformat(), sms_before=len(stack.twilio.state()["messages"]))
    try:
        run.result = stack.invoke("RenewalScannerFunction", event)
    except Exception as exc:  # observed, reported in the transcript and the verdict
        run.error = f"{type(exc).__name__}: {exc}"
    stack.drain(timeout=60)
    run.sms_after = len(stack.twilio.state()["messages"])
    return run


def play_renewals(stack: LocalStack) -> RenewalScene:
    """The morning's renewal scan over the seed on both CRMs, then the same scan again."""
    seed = _seed()
    opt_ins = record_renewal_opt_ins(stack)
    steps = [
        Step(
            "r1",
            "Salesforce: a renewal in 25 days (30-day window)",
            "salesforce",
            "opportunity",
            seed.SF_OPPORTUNITY_ACME_RENEWAL,
            "Acme's renewal opportunity (Type Renewal) closes in 25 days; Lena is its **Decision Maker**, "
            "Priya its primary contact. Nobody touched it: the scan found it.",
            "sent",
        ),
        Step(
            "r2",
            "Salesforce: a renewal in 50 days, contact flagged DoNotCall",
            "salesforce",
            "opportunity",
            seed.SF_OPPORTUNITY_GLOBEX_RENEWAL,
            "Globex's renewal closes in 50 days (60-day window); it has no Decision Maker, and its primary "
            "contact Hannah is flagged **DoNotCall** in Salesforce.",
            "skipped:crm_opted_out",
        ),
        Step(
            "r3",
            "Salesforce: a renewal in 200 days",
            "salesforce",
            "opportunity",
            seed.SF_OPPORTUNITY_ACME_LATER,
            "Acme's EMEA renewal closes in 200 days: outside every window.",
            "untouched",
        ),
        Step(
            "r4",
            "HubSpot: a renewal in 28 days (30-day window)",
            "hubspot",
            "deal",
            seed.HS_DEAL_INITECH_RENEWAL,
            "Initech's closed-won deal renews in 28 days; Ruth is associated with the label "
            "**Decision maker** (Maria too, without a label).",
            "sent",
        ),
        Step(
            "r5",
            "HubSpot: a renewal in 120 days",
            "hubspot",
            "deal",
            seed.HS_DEAL_UMBRELLA_RENEWAL,
            "Umbrella's closed-won deal renews in 120 days: outside every window.",
            "untouched",
        ),
        Step(
            "r6",
            "Salesforce: a contract ending in 40 days (60-day window)",
            "salesforce",
            "contract",
            seed.SF_CONTRACT_SOYLENT,
            "Soylent's activated contract (12 months from its start date) ends in 40 days; Grace is its "
            "**Decision Maker** (contract contact role), Ivan signed it. Seats used and bought sit on the account.",
            "sent",
        ),
        Step(
            "r7",
            "Salesforce: a contract ending in 400 days",
            "salesforce",
            "contract",
            seed.SF_CONTRACT_SOYLENT_LATER,
            "Soylent's analytics add-on contract ends in 400 days: outside every window.",
            "untouched",
        ),
    ]
    scans = [run_renewal_scan(stack), run_renewal_scan(stack)]  # the second: a re-run
    return RenewalScene(steps, scans, opt_ins)


# --- tracked links ---------------------------------------------------------------------------


def follow_links(stack: LocalStack) -> LinkScene:
    """The enterprise renewal text's tracked link is unfurled by Slack (a preview), then tapped on the
    recipient's phone more than 2 s after delivery (a click). Locally the link domain is not resolvable:
    the stack's own URL is requested with the link's path (the handler reads only the path)."""
    import re

    seed = _seed()
    state = stack.state()
    record = f"salesforce:opportunity:{seed.SF_OPPORTUNITY_ACME_RENEWAL}"
    message = next(m for m in state["messages"] if m["record"] == record)
    code = re.search(rf"https://{re.escape(LINK_DOMAIN)}/l/([A-Za-z0-9_-]{{7,8}})", message["body"])
    if code is None:
        raise RuntimeError(f"no tracked link in the renewal text: {message['body']!r}")
    sent = next(i for i in state["ledger"] if i["pk"] == f"MSG#{message['sid']}" and i["sk"] == "MSG")
    delivered = datetime.fromisoformat(str(sent.get("delivered_at") or sent.get("sent_at")))
    time.sleep(max(0.0, (delivered + timedelta(seconds=2.5) - datetime.now(UTC)).total_seconds()))
    scene = LinkScene(code.group(1), message["sid"], LINK_DOMAIN)
    for who, agent in (("Slack unfurls it (a preview)", PREVIEW_UA), ("Lena taps it on her phone", PHONE_UA)):
        answer = requests.get(
            f"{stack.url}/l/{scene.code}", headers={"User-Agent": agent}, allow_redirects=False, timeout=15
        )
        scene.fetches.append(
            {
                "who": who,
                "method": "GET",
                "user_agent": agent,
                "status": answer.status_code,
                "location": answer.headers.get("Location", ""),
            }
        )
    return scene


# --- consent and timing ---------------------------------------------------------------------

SF_TIME_ZONE_FIELD = "SMS_Time_Zone__c"  # SALESFORCE_TIME_ZONE_FIELD in the demo's stack
HS_TIME_ZONE_PROPERTY = "hs_timezone"
DAYTIME_HOURS = range(10, 17)  # local hours well inside 08:00-21:00 for as long as the demo runs
NIGHT_HOURS = (*range(6), 22, 23)  # far from the 08:00 opening: still closed when the demo ends
# Spread over the globe (no gap between neighbours longer than the windows above): at any instant
# one of them is in daytime and one at night. A contact's own zone is preferred when it fits.
ZONES = (
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "Pacific/Honolulu",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)  # ZoneInfo's own cache keeps only 8 zones


def zone_where(now: datetime, hours: Any, preferred: tuple[str, ...] = ()) -> str:
    """The first zone (*preferred* ones first, then ``ZONES``) whose local hour at *now* is in *hours*."""
    for name in (*preferred, *ZONES):
        if now.astimezone(_zone(name)).hour in hours:
            return name
    raise LookupError(f"no zone with a local hour in {hours} at {now.isoformat()}")


def _contacts_texted_now() -> tuple[tuple[str, str, str], ...]:
    """(crm, contact id, the zone of their number): the contacts the demo texts at once."""
    seed = _seed()
    return (
        ("salesforce", seed.SF_CONTACT_PRIYA, "America/Los_Angeles"),  # (a)
        ("salesforce", seed.SF_CONTACT_LENA, "America/New_York"),  # (b)
        ("hubspot", seed.HS_CONTACT_MARIA, "America/Chicago"),  # (c)
        ("hubspot", seed.HS_CONTACT_RUTH, "America/New_York"),  # (d)
        ("salesforce", seed.SF_CONTACT_GRACE, "America/Denver"),  # (r6)
    )


def choose_zones(now: datetime) -> dict[tuple[str, str], str]:
    """(crm, contact id) → the IANA zone the demo writes on the contact, a pure function of *now*:
    daytime for every contact texted now, night for Nadia (the marketing offer that must wait).
    Felix keeps his Miami zone: Florida's cap is checked before any window, so the reason is the
    cap at any hour."""
    seed = _seed()
    zones = {(crm, cid): zone_where(now, DAYTIME_HOURS, (home,)) for crm, cid, home in _contacts_texted_now()}
    zones[("hubspot", seed.HS_CONTACT_NADIA)] = zone_where(now, NIGHT_HOURS, ("America/Chicago",))
    zones[("hubspot", seed.HS_CONTACT_FELIX)] = "America/New_York"
    return zones


def daytime_for(stack: LocalStack, contacts: Iterable[tuple[str, str]]) -> str:
    """Give each (crm, contact id) a zone where it is daytime now, so a test texts them at any hour."""
    zone = zone_where(datetime.now(UTC), DAYTIME_HOURS)
    set_time_zones(stack, dict.fromkeys(contacts, zone))
    return zone


def hubspot_time_zone(zone: str) -> str:
    """An IANA name as HubSpot's ``hs_timezone`` holds it: ``America/New_York`` → ``america_slash_new_york``."""
    return zone.lower().replace("-", "_hyphen_").replace("/", "_slash_")


def set_time_zones(stack: LocalStack, zones: dict[tuple[str, str], str]) -> None:
    """Write each chosen zone on its contact, as a user would in the CRM."""
    for (crm, contact_id), zone in zones.items():
        if crm == "salesforce":
            stack.salesforce.update_record("Contact", contact_id, {SF_TIME_ZONE_FIELD: zone})
        else:
            stack.hubspot.update_record(
                "contacts", contact_id, {HS_TIME_ZONE_PROPERTY: hubspot_time_zone(zone)}
            )


SEEDED_HISTORY_HOURS_AGO = (20, 13, 5)  # three earlier renewal offers to Felix, all in the last 24 h


def seed_sent_history(stack: LocalStack, now: datetime) -> None:
    """Earlier ``renewal_offer`` messages to Felix's number: the ``PHONE#<e164>/MSG#<iso>#<sid>``
    items exactly as the dispatcher writes them when it sends (DynamoSendSlots._sent); seeded
    history, nothing was sent through Twilio."""
    from textloop.adapters.dynamodb import MESSAGE_TTL, iso
    from textloop.domain.rules import RuleSet

    seed = _seed()
    offer = RuleSet.load(os.environ.get("TRIGGERS_FILE") or None).template("renewal_offer")
    felix = {c["id"]: c for c in seed.HUBSPOT["contacts"]}[seed.HS_CONTACT_FELIX]
    phone = _contact_phone(felix, "mobilephone", "phone")
    for n, hours in enumerate(SEEDED_HISTORY_HOURS_AGO, 1):
        at = now - timedelta(hours=hours)
        sid = "SM" + hashlib.sha256(f"seeded-history-{n}".encode()).hexdigest()[:32]
        item = {
            "pk": f"PHONE#{phone}",
            "sk": f"MSG#{iso(at)}#{sid}",
            "sid": sid,
            "phone": phone,
            "crm": "hubspot",
            "object_type": "deal",
            "record_id": seed.HS_DEAL_VANDELAY,
            "contact_id": seed.HS_CONTACT_FELIX,
            "owner_id": seed.HS_OWNER_AVERY,
            "rule": "renewal_offer",
            "purpose": "marketing",
            "template": f"renewal_offer@v{offer.version}",
            "template_tag": offer.tag,
            "encoding": "gsm7",  # the template's declared encoding and segments
            "event_key": f"seed:history:{n}",
            "status": "accepted",  # as written at sending (status callbacks move the MSG#<sid> record)
            "sent_at": iso(at),
        }
        stack.dynamodb.put_item(
            TableName=stack.state_table,
            Item={
                **{k: {"S": v} for k, v in item.items()},
                "segments": {"N": str(offer.segments)},
                "expires_at": {"N": str(int((at + MESSAGE_TTL).timestamp()))},
            },
        )


def play_consent_and_timing(stack: LocalStack, zones: dict[tuple[str, str], str]) -> list[Step]:
    """Marketing offers that must wait (night; Florida's cap) and contacts the CRM says not to text."""
    seed = _seed()
    trigger = _Trigger(stack)
    nadia_zone = zones[("hubspot", seed.HS_CONTACT_NADIA)]
    scenes = [
        (
            Step(
                "h",
                "A marketing offer where it is night",
                "hubspot",
                "deal",
                seed.HS_DEAL_HOOLI,
                f"Nadia opted in to offers by SMS (textloop_sms_consent = opted_in); her hs_timezone is "
                f"**{nadia_zone}**, where it is night now. A rep moved her deal to **renewal_offer** "
                "(a marketing rule); one signed webhook.",
                "deferred:quiet_hours_federal|quiet_hours_default",
            ),
            ("deals", "dealstage", "renewal_offer"),
        ),
        (
            Step(
                "i",
                "A Florida number over its cap",
                "hubspot",
                "deal",
                seed.HS_DEAL_VANDELAY,
                "Felix (a 305 number, opted in, hs_timezone America/New_York) already got "
                f"**{len(SEEDED_HISTORY_HOURS_AGO)} renewal offers** in the last 24 h "
                f"({', '.join(f'{h} h' for h in SEEDED_HISTORY_HOURS_AGO)} ago: *seeded history*, written "
                "to the StateTable as the dispatcher records sent messages). A rep moved his deal to "
                "**renewal_offer**; one signed webhook.",
                "deferred:cap_24h:FL",
            ),
            ("deals", "dealstage", "renewal_offer"),
        ),
        (
            Step(
                "j",
                "A contact the CRM says not to text",
                "salesforce",
                "case",
                seed.SF_CASE_BADGE,
                "Hannah is flagged **DoNotCall** in Salesforce; an agent closed her case "
                "(**Status = Closed**); one CaseChangeEvent.",
                "skipped:crm_opted_out",
            ),
            ("Case", "Status", "Closed"),
        ),
        (
            Step(
                "k",
                "A marketing offer without consent",
                "hubspot",
                "deal",
                seed.HS_DEAL_UMBRELLA,
                "Ken never opted in to SMS offers (no consent in the ledger or in HubSpot). A rep moved "
                "his deal to **renewal_offer**; one signed webhook.",
                "skipped:no_marketing_consent",
            ),
            ("deals", "dealstage", "renewal_offer"),
        ),
    ]
    for step, change in scenes:
        if step.key == "i":
            seed_sent_history(stack, datetime.now(UTC))
        trigger(step, *change)
    return [step for step, _ in scenes]


# --- one stack, several tenants ------------------------------------------------------------


def play_tenants(stack: LocalStack) -> list[Step]:
    """Two portals of the same HubSpot app (one client secret signs both), each read through its own
    token; and a portal without credentials, whose event is skipped as ``unknown_tenant``."""
    seed = _seed()
    trigger = _Trigger(stack)
    second = stack.hubspot_portals[seed.HS2_PORTAL_ID]
    m = Step(
        "m",
        "HubSpot, a second portal: deal moves to Contract sent",
        "hubspot",
        "deal",
        seed.HS2_DEAL_GLOBEX,
        f"In portal **{seed.HS2_PORTAL_ID}** (its own emulator, data and token) a rep moved the deal to "
        "**contractsent**; the same app's signed webhook carries that portal id.",
        "sent",
    )
    n = Step(
        "n",
        "HubSpot: a portal without credentials",
        "hubspot",
        "deal",
        "40841130001",
        f"Portal **{seed.HS_UNKNOWN_PORTAL_ID}** installed the app but has no credentials in this stack; "
        "a deal there moved to **contractsent**; one signed webhook.",
        "skipped:unknown_tenant",
    )
    zone = zone_where(datetime.now(UTC), DAYTIME_HOURS, ("America/Los_Angeles",))
    olivia = {HS_TIME_ZONE_PROPERTY: hubspot_time_zone(zone)}
    second.update_record("contacts", seed.HS2_CONTACT_OLIVIA, olivia)
    second.update_record("deals", m.record_id, {"dealstage": "contractsent"})
    for step, portal in ((m, seed.HS2_PORTAL_ID), (n, seed.HS_UNKNOWN_PORTAL_ID)):
        event = hubspot_event(
            "deal", step.record_id, "dealstage", "contractsent", int(portal), trigger.app_id
        )
        r = post_hubspot_batch(stack.url, trigger.secret, [event])
        step.http.append(
            {
                "request": f"POST /hubspot/webhooks (portal {portal}, 1 event)",
                "status": r.status_code,
                "body": r.text.strip()[:200],
            }
        )
    return [m, n]


# --- the closed loop: replies, a later trigger, the SLA watchdog ---------------------------


def _contact_phone(contact: dict[str, Any], *fields: str) -> str:
    from textloop.domain.phone import to_e164

    props = contact.get("properties", contact)
    return to_e164(next(props[f] for f in fields if props.get(f)))


UNKNOWN_NUMBER = "+13035550188"  # in no CRM (555-01XX: fictional)
# An opt-out: ledger first (before the answer), one confirmation, no task, the CRM field written back.
OPT_OUT = {
    "intent": "opt_out",
    "opted_out": True,
    "task": None,
    "confirmations": 1,
    "crm_consent": "opted_out",
}


def play_replies(stack: LocalStack) -> list[Reply]:
    """People answer the texts (and a stranger writes in): each reply is posted to
    ``POST /twilio/inbound`` as Twilio posts it. Drained one by one so each thread reads in order."""
    seed = _seed()
    contact = {c["Id"]: c for c in seed.SALESFORCE["Contact"]}
    hs_contact = {c["id"]: c for c in seed.HUBSPOT["contacts"]}
    lena = _contact_phone(contact[seed.SF_CONTACT_LENA], "MobilePhone", "Phone")  # texted in (b)
    priya = _contact_phone(contact[seed.SF_CONTACT_PRIYA], "MobilePhone", "Phone")  # texted in (a)
    maria = _contact_phone(hs_contact[seed.HS_CONTACT_MARIA], "mobilephone", "phone")  # texted in (c)
    ruth = _contact_phone(hs_contact[seed.HS_CONTACT_RUTH], "mobilephone", "phone")  # texted in (d)
    script = [
        Reply(
            "1",
            "STOP from a texted contact",
            "Lena (texted in (b), Salesforce case)",
            lena,
            "STOP",
            OPT_OUT,
        ),
        Reply(
            "2",
            "A natural-language opt-out",
            "Ruth (texted in (d), HubSpot ticket)",
            ruth,
            "please stop texting me",
            OPT_OUT,
        ),
        Reply(
            "3",
            "A buying signal",
            "Maria (texted in (c), HubSpot deal)",
            maria,
            "what would 50 seats cost?",
            {"intent": "buying_signal", "task": "high", "due": "5min"},
        ),
        Reply(
            "4",
            "A meeting request",
            "Maria (texted in (c), HubSpot deal)",
            maria,
            "can we do a call Thursday at 2?",
            {"intent": "meeting", "task": "high", "due": "5min"},
        ),
        Reply(
            "5",
            "A wrong number",
            "whoever holds Priya's mobile (texted in (a), Salesforce opportunity)",
            priya,
            "wrong number, this isn't Priya",
            {"intent": "wrong_person", "task": "low", "due": "next_business_day", "flag": "wrong_person"},
        ),
        Reply(
            "6",
            "HELP",
            "Lena again (opted out in (1))",
            lena,
            "HELP",
            {
                "intent": "help",
                "task": None,
                "twiml": ["Reply STOP to opt out", "Msg & data rates may apply"],
            },
        ),
        Reply(
            "7",
            "A reply from an unknown number",
            "a number in no CRM",
            UNKNOWN_NUMBER,
            "Hi, is this the Acme Cloud support line? My export is stuck again.",
            {"triage": True, "task": "any"},
        ),
        Reply(
            "8",
            "A revocation inside a sentence",
            "Maria again (texted in (c), HubSpot deal)",
            maria,
            "Thanks for the help, but please stop texting me from now on.",
            OPT_OUT,
        ),
    ]
    for reply in script:
        reply.posted_at = datetime.now(UTC).isoformat()
        params, response = stack.post_inbound_sms(reply.phone, reply.body)
        reply.answered_at = datetime.now(UTC).isoformat()
        reply.sid = params["MessageSid"]
        reply.http_status = response.status_code
        reply.twiml = response.text
        reply.content_type = response.headers.get("Content-Type", "")
        stack.drain(timeout=30)
    return script


def play_later(stack: LocalStack) -> list[Step]:
    """Later that day an agent opens a new case for Lena (who replied STOP) and closes it."""
    seed = _seed()
    sf = stack.salesforce
    version = stack.env.get("SALESFORCE_API_VERSION", "62.0")
    created = requests.post(
        f"{sf.url}/services/data/v{version}/sobjects/Case/",
        json={
            "AccountId": seed.SF_ACCOUNT_ACME,
            "ContactId": seed.SF_CONTACT_LENA,
            "Subject": "Exports time out again",
            "Status": "Working",
            "Priority": "Medium",
            "Origin": "Web",
            "OwnerId": seed.SF_USER_MARCUS,
            "Help_Article_URL__c": "https://help.example.com/articles/export-reports",
        },
        headers={"Authorization": f"Bearer {stack.env['SALESFORCE_ACCESS_TOKEN']}"},
        verify=str(sf.ca_bundle_path),
        timeout=15,
    )
    created.raise_for_status()
    case_id = str(created.json()["id"])
    _Trigger(stack).salesforce("Case", case_id, {"Status": "Closed"}, user=seed.SF_USER_MARCUS)
    step = Step(
        "l",
        "Later: a new trigger for a contact who replied STOP",
        "salesforce",
        "case",
        case_id,
        "An agent opened a **new case** for Lena (who replied STOP in (1)) and closed it; "
        "one CaseChangeEvent.",
        "skipped:opted_out",
    )
    return [step]


OUTSIDE_WINDOW_DAYS = 45  # the seeded message on Globex's opportunity: older than the 30-day window
MEETING_ID = "00U5e00000MtAcmEAB"  # the Event a rep books with Priya on the Acme opportunity


def play_outcomes(stack: LocalStack) -> OutcomeScene:
    """What the pipeline does after the texts, told by the CRMs as they tell it: Event Relay publishes an
    EventChangeEvent (a meeting booked with Priya on the Acme opportunity texted in (a)) and an
    OpportunityChangeEvent (that opportunity closed won, with its amount), HubSpot posts a signed webhook
    (a new deal created for Maria, texted in (c): the recorder reads its amount and contact); and Globex's opportunity,
    whose only message is seeded 45 days back, closes lost: outside the window, credited to nobody. Last, a rep
    books a HubSpot meeting with Maria on Initech's deal: the emulator's ``object.creation`` event (object
    type 0-47), signed and posted twice; the recorder reads the meeting's associations and credits the text
    of (c) on that deal."""
    seed = _seed()
    trigger = _Trigger(stack)
    events = stack.client("events")
    now = datetime.now(UTC)
    old_sid = seed_old_message(stack, now - timedelta(days=OUTSIDE_WINDOW_DAYS))

    def publish(
        entity: str, record_id: str, values: dict[str, Any], changed: list[str], create: bool
    ) -> None:
        entry = salesforce_change_event(seed.SF_ORG_ID, entity, record_id, values, changed, seed.SF_USER_DANA)
        if create:
            detail = json.loads(entry["Detail"])
            detail["payload"]["ChangeEventHeader"]["changeType"] = "CREATE"
            entry["Detail"] = json.dumps(detail)
        for _ in range(2):  # Event Relay delivers at least once: each outcome arrives twice
            if events.put_events(Entries=[entry]).get("FailedEntryCount"):
                raise RuntimeError(f"put_events failed for {entity} {record_id}")

    acme, globex = seed.SF_OPPORTUNITY_ACME, seed.SF_OPPORTUNITY_GLOBEX
    meeting = {
        "Subject": "Contract walkthrough",
        "WhatId": acme,
        "WhoId": seed.SF_CONTACT_PRIYA,
        "AccountId": seed.SF_ACCOUNT_ACME,
        "OwnerId": seed.SF_USER_DANA,
        "StartDateTime": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "DurationInMinutes": 30,
    }
    publish("Event", MEETING_ID, meeting, list(meeting), create=True)
    won = {"StageName": "Closed Won", "Amount": WON_AMOUNT}
    changed = stack.salesforce.update_record("Opportunity", acme, won)
    flags = {"IsWon": True, "IsClosed": True, "AccountId": seed.SF_ACCOUNT_ACME}  # enriched by the channel
    publish("Opportunity", acme, {**won, **flags}, list(changed or won), create=False)
    lost = {"StageName": "Closed Lost"}
    changed = stack.salesforce.update_record("Opportunity", globex, lost)
    lost_flags = {"IsWon": False, "IsClosed": True, "AccountId": seed.SF_ACCOUNT_GLOBEX}
    publish("Opportunity", globex, {**lost, **lost_flags}, list(changed or lost), create=False)
    deal_id = create_hubspot_deal(stack, seed.HS_CONTACT_MARIA)
    created = {
        **hubspot_event("deal", deal_id, "", "", trigger.portal_id, trigger.app_id),
        "subscriptionType": "deal.creation",
    }
    for key in ("propertyName", "propertyValue"):
        created.pop(key)
    response = post_hubspot_batch(stack.url, trigger.secret, [created, dict(created)])  # sent twice
    # then a rep books a meeting with Maria on Initech's deal: HubSpot sends object.creation (0-47), twice
    meeting_id = book_hubspot_meeting(stack, seed.HS_CONTACT_MARIA, seed.HS_DEAL_INITECH)
    booked = stack.hubspot.creation_event("meetings", meeting_id, trigger.portal_id, trigger.app_id)
    meeting_response = post_hubspot_batch(stack.url, trigger.secret, [booked, dict(booked)])
    return OutcomeScene(
        meeting=f"salesforce:event:{MEETING_ID}",
        won=f"salesforce:opportunity:{acme}",
        won_amount=WON_AMOUNT,
        outside=f"salesforce:opportunity:{globex}",
        outside_sid=old_sid,
        outside_days=OUTSIDE_WINDOW_DAYS,
        hubspot_created=f"hubspot:deal:{deal_id}",
        hubspot_contact_record=f"hubspot:deal:{seed.HS_DEAL_INITECH}",
        hubspot_amount=float(HS_NEW_DEAL_AMOUNT),
        webhook_status=response.status_code,
        hubspot_meeting=f"hubspot:meeting:{meeting_id}",
        meeting_webhook_status=meeting_response.status_code,
    )


WON_AMOUNT = 48000.0  # the Acme opportunity's amount as the rep closes it
HS_NEW_DEAL_AMOUNT = "16500"  # the new Initech deal's amount in HubSpot (read by the recorder)


def create_hubspot_deal(stack: LocalStack, contact_id: str) -> str:
    """A rep creates a deal for Maria in HubSpot (CRM v3, associated to her): the new opportunity."""
    response = requests.post(
        f"{stack.hubspot.url}/crm/v3/objects/deals",
        json={
            "properties": {
                "dealname": "Initech — 20 more seats",
                "dealstage": "appointmentscheduled",
                "pipeline": "default",
                "amount": HS_NEW_DEAL_AMOUNT,
            },
            "associations": [
                {
                    "to": {"id": contact_id},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}],
                }
            ],
        },
        headers={"Authorization": f"Bearer {stack.env['HUBSPOT_ACCESS_TOKEN']}"},
        timeout=15,
    )
    response.raise_for_status()
    return str(response.json()["id"])


def book_hubspot_meeting(stack: LocalStack, contact_id: str, deal_id: str) -> str:
    """A rep books a meeting with the contact on the deal in HubSpot (CRM v3 meetings, associated to both
    with HubSpot's HUBSPOT_DEFINED meeting→contact 200 and meeting→deal 212)."""
    start = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    response = requests.post(
        f"{stack.hubspot.url}/crm/v3/objects/meetings",
        json={
            "properties": {
                "hs_timestamp": start.isoformat().replace("+00:00", "Z"),
                "hs_meeting_title": "Initech — seat expansion",
                "hs_meeting_outcome": "SCHEDULED",
            },
            "associations": [
                {
                    "to": {"id": to_id},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": t}],
                }
                for to_id, t in ((contact_id, 200), (deal_id, 212))
            ],
        },
        headers={"Authorization": f"Bearer {stack.env['HUBSPOT_ACCESS_TOKEN']}"},
        timeout=15,
    )
    response.raise_for_status()
    return str(response.json()["id"])


def seed_old_message(stack: LocalStack, at: datetime) -> str:
    """A message on Globex's opportunity 45 days ago, indexed as the dispatcher indexes every message it
    sends (``REC#<record|contact|account>``/``MSG#<iso>#<sid>``: ``message_index_items``); seeded history,
    nothing was sent through Twilio."""
    from textloop.adapters.dynamodb import MESSAGE_TTL, message_index_items
    from textloop.domain.model import RecordRef
    from textloop.domain.ports import SendSlot, SlotState

    seed = _seed()
    sid = "SM" + hashlib.sha256(b"seeded-outcome-history").hexdigest()[:32]
    slot = SendSlot(
        key="seed:outcome-history",
        event_key="seed:outcome-history",
        owner="seed",
        state=SlotState.SENT,
        claimed_at=at,
        lease_until=at,
        cooldown_until=at,
        record=RecordRef("salesforce", "opportunity", seed.SF_OPPORTUNITY_GLOBEX),
        rule="contract_final_review",
        template_id="contract_final_review",
        template_version=1,
        phone="",
        body="",
        sid=sid,
    )  # no contact, no account: only the opportunity itself is credited by it
    for item in message_index_items(slot, at, at + MESSAGE_TTL):
        stack.dynamodb.put_item(TableName=stack.state_table, Item=item)
    return sid


def run_watchdog(stack: LocalStack, at: datetime | None = None) -> WatchdogRun:
    """The SLA watchdog runs on a schedule in AWS; locally it is invoked through the stack (the real
    handler). Without *at*, now, on the real clock: nothing is made overdue on purpose. With *at*, the
    run the schedule makes at that later instant: only the watchdog's own clock reads *at* (the CRMs,
    DynamoDB and every record keep the real clock; nothing is back-dated)."""
    moment = at or datetime.now(UTC)
    event = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "account": "123456789012",
        "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": stack.env.get("AWS_REGION", "us-east-1"),
        "resources": [],
        "detail": {},
    }
    use_case = None
    if at is not None:  # the handler's module-level use case (SlaWatchdog), its clock set for this run
        handler = stack.functions["SlaWatchdogFunction"].cold_start()
        use_case = inspect.unwrap(handler).__globals__["watchdog"]
        real_clock, use_case.clock = use_case.clock, lambda: at
    try:
        result = stack.invoke("SlaWatchdogFunction", event)
        error = ""
    except Exception as exc:  # observed, reported in the transcript and the verdict
        result, error = None, f"{type(exc).__name__}: {exc}"
    finally:
        if use_case is not None:
            use_case.clock = real_clock
    return WatchdogRun(at=moment.isoformat(), result=result, error=error)


@dataclass
class FirstResponse:
    """The owner completes the earliest-due reply task in the CRM before it is due; the watchdog's
    scheduled run at its due time finds it done and keeps the CRM's completion instant."""

    crm: str
    task_id: str
    due: str  # ISO
    completed_at: str  # ISO: when the owner completed it in the CRM (the real clock)
    run: WatchdogRun
    item: dict[str, str]  # the task's ``TASK#<crm>#<id>``/``SLA`` item after that run ({} if none)


def play_first_response(stack: LocalStack) -> FirstResponse | None:
    """The owner of the task due first completes it in the CRM's UI now (before its due time); then the
    watchdog runs as the schedule would just after that due time, before any other task is due."""
    items = stack.dynamodb.query(
        TableName=stack.state_table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "SLA#OPEN"}},
    )["Items"]
    if not items:
        return None
    first = min(items, key=lambda i: i["sk"]["S"])
    crm, task_id, account = first["crm"]["S"], first["task_id"]["S"], first.get("account", {}).get("S", "")
    due = datetime.fromisoformat(first["due"]["S"])
    if crm == "hubspot":
        stack.hubspot_portals.get(account, stack.hubspot).update_record(
            "tasks", task_id, {"hs_task_status": "COMPLETED"}
        )
    else:
        stack.salesforce.update_record("Task", task_id, {"Status": "Completed"})
    completed_at = datetime.now(UTC)
    run = run_watchdog(stack, at=due + timedelta(microseconds=1))  # the next task is due later
    done = stack.dynamodb.get_item(
        TableName=stack.state_table, Key={"pk": {"S": f"TASK#{crm}#{task_id}"}, "sk": {"S": "SLA"}}
    ).get("Item", {})
    item = {name: str(value.get("S", value.get("N", ""))) for name, value in done.items()}
    return FirstResponse(crm, task_id, due.isoformat(), completed_at.isoformat(), run, item)


def first_response_section(scene: FirstResponse | None) -> tuple[str, bool]:
    """The completed task as the watchdog recorded it, and whether it was judged done, on time, with the
    CRM's completion instant (what the report's median first response is computed from)."""
    lines = ["## First response (an owner task completed in time)", ""]
    if scene is None:
        return "\n".join([*lines, "- **Failed:** no reply task was being watched."]), False
    recorded = scene.item.get("completed_at", "")
    ok = (
        not scene.run.error
        and scene.run.result == {"checked": 1, "escalated": 0}
        and scene.item.get("outcome") == "done"
        and bool(recorded)
        and datetime.fromisoformat(recorded) <= datetime.fromisoformat(scene.due)
    )
    lines += [
        f"The owner completed {scene.crm} task `{scene.task_id}` in the CRM at {scene.completed_at} "
        f"(due {scene.due}). The watchdog was then invoked through the stack as its schedule would run it "
        "just after that due time (only the watchdog's clock was moved; the CRM's completion instant is real).",
        f"- **Answer:** `{scene.run.error or scene.run.result}`",
        f"- **SLA item:** outcome `{scene.item.get('outcome', '(none)')}`, "
        f"completed_at `{recorded or '(none)'}` (from the CRM)",
        "",
    ]
    return "\n".join(lines), ok


def _mask(phone: str) -> str:
    from textloop.domain.phone import mask

    return mask(phone)


def main(out_dir: str | None = None) -> int:
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    result = run_demo(Path(out_dir) if out_dir else DEFAULT_OUT)
    return 0 if result.ok else 1
