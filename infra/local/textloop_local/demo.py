"""``textloop demo``: the local stack, a scripted afternoon of CRM changes, and a transcript.

The script only *does* things (a user edits a record, Event Relay publishes the change, HubSpot
posts a signed webhook); the transcript and the verdict are built from the observed state.
Outputs in the output directory (default ``.textloop/demo/``): ``transcript.md``,
``twilio_requests.jsonl``, ``salesforce_requests.jsonl``, ``hubspot_requests.jsonl``,
``state.json`` (same shape as ``GET /_local/state``), ``deliveries.jsonl`` (TriggerQueue → dispatcher).
Then the closed loop: the texted contacts (and a stranger) reply through ``POST /twilio/inbound``,
posted over HTTP and signed exactly as Twilio does; a later CRM change for a number that opted out
is refused; the SLA watchdog is invoked once through the stack.
Exit status 0 only if: exactly one SMS per trigger, duplicates suppressed, opted-out skipped, both
opt-outs in the ConsentTable, every reply on the record of the SMS it answers, tasks with the
expected priorities and due times, the wrong number flagged, HELP answered, the later trigger refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from textloop_local.serve import LOCAL_EVENT_BUS, LocalStack, StackOptions
from textloop_local.transcript import Reply, Step, Verdict, WatchdogRun, build

log = logging.getLogger("textloop_local.demo")

DEFAULT_OUT = Path(".textloop/demo")
SCHEMA_ID = "X3y6m9m-Q1pRf3e0R0c8nQ"  # Event Relay carries the Avro schema id of the change event
CHANNEL_ID = "0YLRM0000004Dfg4AE"


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
    stack = LocalStack(StackOptions(extra_env=extra_env))  # emulator files (CA key) in a temp dir
    with stack:
        steps = play(stack)
        stack.drain(timeout=90)
        replies = play_replies(stack)
        later = play_later(stack)
        stack.drain(timeout=60)
        watchdog = run_watchdog(stack)
        state = stack.state()
        deliveries = list(stack.poller.deliveries) if stack.poller else []
        brand = stack.env.get("BRAND_NAME", "")
        url = stack.url
        stack.twilio.write_request_log(out / "twilio_requests.jsonl")
        stack.salesforce.write_request_log(out / "salesforce_requests.jsonl")
        stack.hubspot.write_request_log(out / "hubspot_requests.jsonl")
    text, verdict = build(
        steps, state, deliveries, stack_url=url, brand=brand, replies=replies, later=later, watchdog=watchdog
    )
    (out / "transcript.md").write_text(text, encoding="utf-8")
    (out / "state.json").write_text(json.dumps(state, indent=2, default=str), encoding="utf-8")
    with (out / "deliveries.jsonl").open("w", encoding="utf-8") as f:
        for d in deliveries:
            f.write(json.dumps(d) + "\n")
    if echo:
        print(text)
        print(("DEMO OK" if verdict.ok else "DEMO FAILED") + f" — files in {out}/", flush=True)
    return DemoResult(verdict.ok, out, text, verdict, state, replies, later, watchdog)


def play(stack: LocalStack) -> list[Step]:
    """Do what the users and the vendors do; return the steps (what was done, not what came of it)."""
    seed = _seed()
    sf, hs = stack.salesforce, stack.hubspot
    events = stack.client("events")
    client_secret = stack.env["HUBSPOT_CLIENT_SECRET"]
    org_id = seed.SF_ORG_ID
    sf_user = seed.SF_USER_DANA
    portal_id = int(seed.HS_PORTAL_ID)
    app_id = int(getattr(seed, "HS_APP_ID", 1_160_452))
    steps: list[Step] = []

    def publish_sf(entity: str, record_id: str, values: dict[str, Any], times: int = 1) -> list[str]:
        changed = sf.update_record(entity, record_id, values)
        entry = salesforce_change_event(org_id, entity, record_id, values, list(changed or values), sf_user)
        for _ in range(times):  # Event Relay delivers at least once: the same event, again
            response = events.put_events(Entries=[entry])
            if response.get("FailedEntryCount"):
                raise RuntimeError(f"put_events failed: {response}")
        return list(changed or [])

    # (e) first, so that the consent row exists before any trigger: an opted-out number.
    from textloop.adapters.dynamodb import DynamoConsentLedger
    from textloop.domain.phone import to_e164
    from textloop.domain.ports import ConsentChange, ConsentStatus

    tom = next(c for c in seed.SALESFORCE["Contact"] if c["Id"] == seed.SF_CONTACT_TOM)
    opted_phone = to_e164(tom.get("MobilePhone") or tom["Phone"])
    DynamoConsentLedger(stack.consent_table, stack.dynamodb).record(
        ConsentChange(
            opted_phone, ConsentStatus.OPTED_OUT, "twilio_inbound", "STOP (demo seed)", datetime.now(UTC)
        )
    )

    # (a) Salesforce opportunity → Negotiation/Review, the change event published 3 times.
    opp = seed.SF_OPPORTUNITY_ACME
    publish_sf("Opportunity", opp, {"StageName": "Negotiation/Review"}, times=3)
    steps.append(
        Step(
            "a",
            "Salesforce: opportunity moves to Negotiation/Review",
            "salesforce",
            "opportunity",
            opp,
            "A rep moved the opportunity to **Negotiation/Review**; Event Relay published the "
            "OpportunityChangeEvent to EventBridge **3 times** (same event).",
            "sent",
        )
    )

    # (b) Salesforce case → Closed.
    case = seed.SF_CASE_EXPORT
    publish_sf("Case", case, {"Status": "Closed"})
    steps.append(
        Step(
            "b",
            "Salesforce: case closed → care follow-up",
            "salesforce",
            "case",
            case,
            "An agent closed the case (**Status = Closed**); one CaseChangeEvent.",
            "sent",
        )
    )

    # (c) HubSpot deal → contractsent: one event twice in a batch, the batch posted twice.
    deal = seed.HS_DEAL_INITECH
    hs.update_record("deals", deal, {"dealstage": "contractsent"})
    ev = hubspot_event("deal", deal, "dealstage", "contractsent", portal_id, app_id)
    batch = [ev, dict(ev)]
    step_c = Step(
        "c",
        "HubSpot: deal moves to Contract sent",
        "hubspot",
        "deal",
        str(deal),
        "A rep moved the deal to **contractsent**; HubSpot posted a signed webhook batch holding the "
        "event **twice**, and retried the **whole batch** once.",
        "sent",
    )
    for _ in range(2):
        r = post_hubspot_batch(stack.url, client_secret, batch)
        step_c.http.append(
            {
                "request": "POST /hubspot/webhooks (2 events, valid v3 signature)",
                "status": r.status_code,
                "body": r.text.strip()[:200],
            }
        )
    steps.append(step_c)

    # (d) HubSpot ticket → closed (pipeline stage 4).
    ticket = seed.HS_TICKET_SSO
    hs.update_record("tickets", ticket, {"hs_pipeline_stage": "4"})
    step_d = Step(
        "d",
        "HubSpot: ticket closed → care follow-up",
        "hubspot",
        "ticket",
        str(ticket),
        "Support closed the ticket (**hs_pipeline_stage = 4**); one signed webhook.",
        "sent",
    )
    r = post_hubspot_batch(
        stack.url,
        client_secret,
        [hubspot_event("ticket", ticket, "hs_pipeline_stage", "4", portal_id, app_id)],
    )
    step_d.http.append(
        {"request": "POST /hubspot/webhooks (1 event)", "status": r.status_code, "body": r.text.strip()[:200]}
    )
    steps.append(step_d)

    # (e) a trigger for the contact who replied STOP earlier.
    crm, obj, rid = "salesforce", "opportunity", seed.SF_OPPORTUNITY_GLOBEX  # Tom is its primary contact
    step_e = Step(
        "e",
        "A trigger for a contact who opted out",
        crm,
        obj,
        str(rid),
        f"The contact's number ({_mask(opted_phone)}) is **opted_out** in the ConsentTable (they replied STOP); "
        "then their record reached a trigger stage.",
        "skipped:opted_out",
    )
    _trigger(stack, crm, obj, rid, step_e, publish_sf, client_secret, portal_id, app_id)
    steps.append(step_e)

    # (f) a record whose contact has no phone number.
    crm, obj, rid = "salesforce", "case", seed.SF_CASE_NO_PHONE  # Sam has no phone at all
    step_f = Step(
        "f",
        "A trigger for a contact without a phone number",
        crm,
        obj,
        str(rid),
        "The record reached a trigger stage, but its contact has no usable phone number.",
        "skipped:invalid_phone|no_recipient",
    )
    _trigger(stack, crm, obj, rid, step_f, publish_sf, client_secret, portal_id, app_id)
    steps.append(step_f)

    # (g) a forged webhook.
    step_g = Step(
        "g",
        "A forged HubSpot webhook",
        "",
        "",
        "",
        "Someone posted a deal change to the webhook URL with a signature made with the wrong secret.",
        "rejected:401",
    )
    r = post_hubspot_batch(
        stack.url,
        client_secret,
        [hubspot_event("deal", deal, "dealstage", "contractsent", portal_id, app_id)],
        forge=True,
    )
    step_g.http.append(
        {
            "request": "POST /hubspot/webhooks (bad X-HubSpot-Signature-v3)",
            "status": r.status_code,
            "body": r.text.strip()[:200],
        }
    )
    steps.append(step_g)
    return steps


# --- the closed loop: replies, a later trigger, the SLA watchdog ---------------------------


def _contact_phone(contact: dict[str, Any], *fields: str) -> str:
    from textloop.domain.phone import to_e164

    props = contact.get("properties", contact)
    return to_e164(next(props[f] for f in fields if props.get(f)))


UNKNOWN_NUMBER = "+13035550188"  # in no CRM (555-01XX: fictional)


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
            {"intent": "opt_out", "opted_out": True, "task": None},
        ),
        Reply(
            "2",
            "A natural-language opt-out",
            "Ruth (texted in (d), HubSpot ticket)",
            ruth,
            "please stop texting me",
            {"intent": "opt_out", "opted_out": True, "task": None},
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
    changed = sf.update_record("Case", case_id, {"Status": "Closed"})
    entry = salesforce_change_event(
        seed.SF_ORG_ID,
        "Case",
        case_id,
        {"Status": "Closed"},
        list(changed or ["Status"]),
        seed.SF_USER_MARCUS,
    )
    response = stack.client("events").put_events(Entries=[entry])
    if response.get("FailedEntryCount"):
        raise RuntimeError(f"put_events failed: {response}")
    step = Step(
        "h",
        "Later: a new trigger for a contact who replied STOP",
        "salesforce",
        "case",
        case_id,
        "An agent opened a **new case** for Lena (who replied STOP in (1)) and closed it; "
        "one CaseChangeEvent.",
        "skipped:opted_out",
    )
    return [step]


def run_watchdog(stack: LocalStack) -> WatchdogRun:
    """The SLA watchdog runs on a schedule in AWS; locally it is invoked once, now, through the stack
    (the real handler, the real clock). Nothing is made overdue on purpose."""
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
    at = datetime.now(UTC).isoformat()
    try:
        result = stack.invoke("SlaWatchdogFunction", event)
        error = ""
    except Exception as exc:  # observed, reported in the transcript and the verdict
        result, error = None, f"{type(exc).__name__}: {exc}"
    return WatchdogRun(at=at, result=result, error=error)


TRIGGER_VALUES = {
    ("salesforce", "opportunity"): ("Opportunity", "StageName", "Negotiation/Review"),
    ("salesforce", "case"): ("Case", "Status", "Closed"),
    ("hubspot", "deal"): ("deals", "dealstage", "contractsent"),
    ("hubspot", "ticket"): ("tickets", "hs_pipeline_stage", "4"),
}


def _trigger(
    stack: LocalStack,
    crm: str,
    obj: str,
    rid: Any,
    step: Step,
    publish_sf: Any,
    client_secret: str,
    portal_id: int,
    app_id: int,
) -> None:
    entity, prop, value = TRIGGER_VALUES[(crm, obj)]
    if crm == "salesforce":
        publish_sf(entity, str(rid), {prop: value})
        return
    stack.hubspot.update_record(entity, rid, {prop: value})
    r = post_hubspot_batch(
        stack.url, client_secret, [hubspot_event(obj, rid, prop, value, portal_id, app_id)]
    )
    step.http.append(
        {"request": "POST /hubspot/webhooks (1 event)", "status": r.status_code, "body": r.text.strip()[:200]}
    )


def _mask(phone: str) -> str:
    from textloop.domain.phone import mask

    return mask(phone)


def main(out_dir: str | None = None) -> int:
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    result = run_demo(Path(out_dir) if out_dir else DEFAULT_OUT)
    return 0 if result.ok else 1
