"""``GET /_local/state``: one JSON snapshot of everything the local stack holds.

Shape: ``{"sms": [...], "twilio": {...}, "salesforce": {...}, "hubspot": {...}, "consent": [...],
"ledger": [...], "queues": {...}, "messages": [...], "inbound": [...], "deferred": [...]}`` — the
Twilio emulator's messages, each CRM emulator's records (seed included), the ConsentTable and
StateTable items (plain JSON, numbers as int/float), queue depths; ``messages`` (one row per SMS the
Twilio emulator holds, joined with the ledger's ``MSG#<sid>`` message record: sid, masked ``to``, crm,
record, contact, rule, purpose, ``template`` (its id), ``version``, ``template_tag``, ``variant``,
``segments``, ``encoding``, status, sent_at, event_key and the body as sent); and two readings of the
ledger's outcomes:
``inbound`` (the routed replies, from ``EVENT#in:<sid>``: sid, masked sender, intent, where routed,
task, due) and ``deferred`` (the events held back by the send-time policy or the caps: event key,
record, rule, purpose, reason, not_before, binding zones and local times, states, the schedule that
brings the event back and whether it is still pending).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from boto3.dynamodb.types import TypeDeserializer

from textloop.domain.masking import mask

_deserializer = TypeDeserializer()


def plain(value: Any) -> Any:
    """DynamoDB-deserialized values → JSON-able values."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set | frozenset):
        return sorted(plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, bytes | bytearray):
        import base64

        return base64.b64encode(value).decode()
    return value


def scan_table(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        page = dynamodb.scan(**kwargs)
        items.extend(
            {k: plain(_deserializer.deserialize(v)) for k, v in item.items()}
            for item in page.get("Items", [])
        )
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return sorted(items, key=lambda i: tuple(str(i.get(k, "")) for k in ("pk", "sk", "phone")))


def snapshot(stack: Any) -> dict[str, Any]:
    """The observed state of a running ``LocalStack`` (see serve.py)."""
    result: dict[str, Any] = {
        "sms": stack.twilio.state()["messages"],
        "twilio": {
            "status_callbacks": [
                {
                    "MessageSid": c["params"].get("MessageSid"),
                    "MessageStatus": c["params"].get("MessageStatus"),
                    "http_status": c.get("status"),
                    "error": c.get("error"),
                }
                for c in stack.twilio.callbacks
            ],
        },
        "salesforce": stack.salesforce.state(),
        "hubspot": stack.hubspot.state(),
        "hubspot_portals": {  # the other HubSpot portals of the stack, by portal id
            portal: emulator.state()
            for portal, emulator in getattr(stack, "hubspot_portals", {}).items()
            if emulator is not stack.hubspot
        },
        "consent": scan_table(stack.dynamodb, stack.consent_table),
        # every item but the link key (a secret: link codes are derived from it)
        "ledger": [i for i in scan_table(stack.dynamodb, stack.state_table) if i.get("pk") != "LINK#KEY"],
        "queues": stack.queue_depths(),
    }
    result = json.loads(json.dumps(result, default=_default))
    pending = {s["Name"] for s in stack.scheduler.pending()} if stack.scheduler else set()
    result["messages"] = messages_summary(result)
    result["inbound"] = inbound_summary(result)
    result["deferred"] = deferred_summary(result, pending)
    result["clicks"] = clicks_summary(result)
    result["outcomes"] = outcomes_summary(result)
    return result


def _default(value: Any) -> Any:
    if isinstance(value, set | frozenset | Decimal):
        return plain(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


# --- readings of the ledger (also used by the transcript) ----------------------------------


def ledger_outcomes(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Event key → its ``EVENT#<key>/OUTCOME`` item."""
    return {
        str(i["pk"])[len("EVENT#") :]: i
        for i in state["ledger"]
        if str(i["pk"]).startswith("EVENT#") and i["sk"] == "OUTCOME"
    }


def messages_summary(state: dict[str, Any]) -> list[dict[str, Any]]:
    """``messages``: one row per SMS in the Twilio emulator, with its template, version, variant and cost
    as the dispatcher recorded them on the ``MSG#<sid>`` message record (in the order Twilio got them)."""
    records = {  # by the key's sid: a callback that came before the send's write left only its status
        str(i["pk"])[len("MSG#") :]: i
        for i in state["ledger"]
        if i["sk"] == "MSG" and str(i["pk"]).startswith("MSG#")
    }
    rows = []
    for sms in state["sms"]:
        sid = str(sms.get("sid") or "")
        rec = records.get(sid, {})
        template, _, version = str(rec.get("template", "")).partition("@v")
        rows.append(
            {
                "sid": sid,
                "to": mask(str(sms.get("to") or "")),
                "crm": rec.get("crm", ""),
                "record": f"{rec['crm']}:{rec['object_type']}:{rec['record_id']}" if "crm" in rec else "",
                "contact_id": rec.get("contact_id", ""),
                "rule": rec.get("rule", ""),
                "purpose": rec.get("purpose", ""),
                "template": template,
                "version": int(version) if version.isdigit() else None,
                "template_tag": rec.get("template_tag", ""),
                "variant": rec.get("variant", ""),
                # attribution at send (domain/attribution.py); price when a status callback gave it
                "owner_id": rec.get("owner_id", ""),
                "trigger": rec.get("trigger", ""),
                "stage": rec.get("stage", ""),
                "tier": rec.get("tier", ""),
                "lifecycle": rec.get("lifecycle", ""),
                "cohort": rec.get("cohort", ""),
                "price": rec.get("price", ""),
                "segments": rec.get("segments"),
                "encoding": rec.get("encoding", ""),
                "status": rec.get("status") or sms.get("status", ""),
                "sent_at": rec.get("sent_at", ""),
                "event_key": rec.get("event_key", ""),
                "body": sms.get("body", ""),
            }
        )
    return rows


def inbound_summary(state: dict[str, Any]) -> list[dict[str, Any]]:
    """``inbound``: one row per routed reply, from the ledger's ``EVENT#in:<sid>``."""
    rows = []
    for key, item in sorted(ledger_outcomes(state).items(), key=lambda kv: str(kv[1]["at"])):
        if not key.startswith("in:"):
            continue
        details = item["details"]
        sender = str(details.get("from", ""))
        rows.append(
            {
                "sid": key[3:],
                "from": sender if "*" in sender or not sender else mask(sender),  # the router masks it
                "intent": details.get("intent") or item["reason"],
                "how": details.get("how", ""),
                "routed_to": details.get("logged_on", ""),
                "activity_id": item["activity_id"],
                "task_id": details.get("task_id", ""),
                "priority": details.get("priority", ""),
                "due": details.get("due", ""),
                "message_sid": details.get("message_sid", ""),  # the message replied to
                "latency_s": details.get("latency_s", ""),
                "at": item["at"],
            }
        )
    return rows


def deferred_summary(state: dict[str, Any], pending: set[str]) -> list[dict[str, Any]]:
    """``deferred``: one row per event whose outcome is ``deferred``, with its audit record."""
    rows = []
    for key, item in sorted(ledger_outcomes(state).items(), key=lambda kv: str(kv[1]["at"])):
        if item["outcome"] != "deferred":
            continue
        details = item["details"]
        rows.append(
            {
                "event_key": key,
                "record": details.get("record", ""),
                "rule": item["rule"],
                "purpose": details.get("purpose", ""),
                "reason": item["reason"],
                "held_by": _recorded(details.get("held_by"), []),
                "at": details.get("at") or item["at"],
                "not_before": details.get("not_before", ""),
                "zones": _recorded(details.get("zones"), []),
                "local_times": _recorded(details.get("local_times"), {}),
                "states": _recorded(details.get("states"), []),
                "to": details.get("to", ""),
                "schedule": details.get("schedule", ""),
                "pending": details.get("schedule") in pending,
            }
        )
    return rows


def clicks_summary(state: dict[str, Any]) -> list[dict[str, Any]]:
    """``clicks``: one row per recorded fetch of a tracked link (``LINK#<code>``/``CLICK#<iso>#<id>``,
    as the link adapter writes them), a person's ``click`` or a ``preview``, with the link's target."""
    targets = {
        str(i["pk"]): str(i.get("target", ""))
        for i in state["ledger"]
        if str(i["pk"]).startswith("LINK#") and i["sk"] == "LINK"
    }
    rows = [
        {
            "code": str(i["pk"])[len("LINK#") :],
            "kind": i.get("kind", ""),
            "reason": i.get("reason", ""),
            "at": i.get("at", ""),
            "sid": i.get("sid", ""),
            "record": f"{i.get('crm')}:{i.get('object_type')}:{i.get('record_id')}",
            "variant": i.get("variant", ""),
            "target": targets.get(str(i["pk"]), ""),
        }
        for i in state["ledger"]
        if str(i["pk"]).startswith("LINK#") and str(i["sk"]).startswith("CLICK#")
    ]
    return sorted(rows, key=lambda r: str(r["at"]))


def outcomes_summary(state: dict[str, Any]) -> list[dict[str, Any]]:
    """``outcomes``: one row per CRM outcome (``PIPE#<yyyy-mm>``/``<iso at>#<source id>``, as the outcome
    recorder writes them): kind, crm, record, at, amount, and the credited message's sid, rule, template,
    version and variant (absent when no message was sent on its records within the window)."""
    fields = ("kind", "crm", "record", "at", "amount", "message_sid")
    fields += ("rule", "template", "version", "variant")
    rows = [
        {"source_id": str(i["sk"]).split("#", 1)[1], **{k: i[k] for k in fields if k in i}}
        for i in state["ledger"]
        if str(i["pk"]).startswith("PIPE#")
    ]
    return sorted(rows, key=lambda r: (str(r["at"]), r["source_id"]))


def _recorded(value: Any, empty: Any) -> Any:
    """An audit value as the ledger holds it (lists and maps are DynamoDB lists and maps)."""
    return value or empty


# --- readings of the CRM emulators and the ledger (used by the transcript) -------------------

State = dict[str, Any]


class CrmFields(NamedTuple):
    """Where one CRM keeps a contact's fields (in its emulator's state, by collection)."""

    label: str
    contacts: str
    consent: str
    zone: str
    phone_status: str


CRM = {
    "salesforce": CrmFields(
        "Salesforce", "Contact", "SMS_Consent__c", "SMS_Time_Zone__c", "SMS_Phone_Status__c"
    ),
    "hubspot": CrmFields(
        "HubSpot", "contacts", "textloop_sms_consent", "hs_timezone", "textloop_phone_status"
    ),
}
# A task in each CRM: its collection, then its subject, priority, due, status, owner and body fields.
TASK_FIELDS = {
    "salesforce": ["Task", "Subject", "Priority", "ReminderDateTime", "Status", "OwnerId", "Description"],
    "hubspot": [
        "tasks",
        "hs_task_subject",
        "hs_task_priority",
        "hs_timestamp",
        "hs_task_status",
        "hubspot_owner_id",
        "hs_task_body",
    ],
}
SMS_LOG = {  # where an SMS is logged: collection, body, time
    "salesforce": ("Task", "Description", "CreatedDate"),
    "hubspot": ("communications", "hs_communication_body", "hs_timestamp"),
}
SF_SMS = ("SMS sent", "SMS received")  # the subjects of the Salesforce Tasks that log an SMS
NAME_FIELDS = ("Name", "Subject", "dealname", "subject", "CaseNumber")
_HS_TYPES = {"deals": "deal", "tickets": "ticket", "contacts": "contact"}
_SF_TYPES = {"006": "opportunity", "500": "case", "800": "contract", "003": "contact"}
_PRIORITY = {"HIGH": "high", "MEDIUM": "normal", "NORMAL": "normal", "LOW": "low"}


def props(rec: dict[str, Any]) -> dict[str, Any]:
    """A HubSpot object's properties next to its id and associations (a Salesforce record as is)."""
    return {**rec, **rec["properties"]} if isinstance(rec.get("properties"), dict) else rec


def rec_id(rec: dict[str, Any]) -> str:
    return str(rec.get("Id") or rec.get("id"))


def record_of(state: State, crm: str, record_id: str) -> dict[str, Any] | None:
    """The record with this id in one CRM emulator's state, properties flattened."""
    portals = list(state.get("hubspot_portals", {}).values()) if crm == "hubspot" else []
    for crm_state in (state.get(crm, {}), *portals):
        for records in crm_state.values():
            for rec in records if isinstance(records, list) else ():
                if rec_id(rec) == str(record_id):
                    return props(rec)
    return None


def name_of(rec: dict[str, Any] | None) -> str:
    rec = rec or {}
    person = f"{rec.get('firstname') or ''} {rec.get('lastname') or ''}".strip()
    return person or next((str(rec[f]) for f in NAME_FIELDS if rec.get(f)), "")


def refs_of(crm: str, rec: dict[str, Any]) -> list[str]:
    """``crm:object_type:id`` of the records an activity or task is on."""
    if crm == "salesforce":
        ids = [str(rec.get(k) or "") for k in ("WhatId", "WhoId")]
        return [f"salesforce:{_SF_TYPES.get(i[:3], 'record')}:{i}" for i in ids if i]
    links = (rec.get("associations") or {}).items()
    return [f"hubspot:{_HS_TYPES.get(t, t.rstrip('s'))}:{link['id']}" for t, ls in links for link in ls]


def when(value: Any) -> datetime | None:
    if isinstance(value, datetime) or not value:
        return value or None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def inbound_outcome(state: State, sid: str) -> dict[str, Any] | None:
    return ledger_outcomes(state).get(f"in:{sid}") if sid else None


def conversation_of(state: State, phone: str) -> dict[str, Any] | None:
    """The latest outbound SMS to *phone* (ledger ``MSG#<sid>``), i.e. the thread its replies belong to. A
    status callback that came before the send's own write leaves a record with no phone yet: not a thread."""
    sent = [
        i
        for i in state["ledger"]
        if i["sk"] == "MSG" and i["pk"].startswith("MSG#") and i.get("phone") == phone
    ]
    return max(sent, key=lambda m: str(m["sent_at"])) if sent else None


def sent_history(state: State, phone: str) -> list[dict[str, Any]]:
    """The ``PHONE#<e164>`` message records: what was sent to a number (the caps count these)."""
    return [i for i in state["ledger"] if i["pk"] == f"PHONE#{phone}" and str(i["sk"]).startswith("MSG#")]


def history_before(state: State, row: dict[str, Any], days: int) -> list[tuple[dict[str, Any], datetime]]:
    """(message record, sent at) of what was sent to a deferred event's number in the *days* before it."""
    slot = next(
        (i for i in state["ledger"] if i["sk"] == "SLOT" and i.get("event_key") == row["event_key"]), {}
    )
    at, sent = (
        when(row["at"]),
        [(m, when(m["sent_at"])) for m in sent_history(state, str(slot.get("phone")))],
    )
    return [(m, t) for m, t in sent if at and t and at - timedelta(days=days) < t <= at]


@dataclass
class Activity:
    crm: str
    id: str
    direction: str  # "outbound" | "inbound"
    body: str
    sid: str
    at: datetime | None
    records: list[str]  # "crm:object_type:id" it is on
    order: int


def sms_activities(state: State) -> list[Activity]:
    """Every SMS logged in the CRM emulators (Salesforce Tasks “SMS sent/received…”, HubSpot SMS
    Communications), with the records it is on, in creation order."""
    found = []
    for offset, (crm, (collection, body_field, at_field)) in enumerate(SMS_LOG.items()):
        for n, rec in enumerate(state[crm][collection]):
            p = props(rec)
            if not (
                str(p.get("Subject", "")).startswith(SF_SMS)
                or p.get("hs_communication_channel_type") == "SMS"
            ):
                continue  # a task that is not a logged SMS, a communication on another channel
            text = str(p.get(body_field) or "")
            body, _, footer = text.rpartition("\n\n")
            sid = footer.rsplit("Twilio SID ", 1)[-1].strip() if "Twilio SID" in footer else ""
            way = "inbound" if "Inbound SMS" in footer else "outbound"
            at, on = when(p.get(at_field)), refs_of(crm, p)
            found.append(Activity(crm, rec_id(rec), way, body or text, sid, at, on, offset * 10_000 + n))
    return found


@dataclass
class TaskView:
    crm: str
    id: str
    subject: str
    priority: str  # high | normal | low
    due: datetime | None
    status: str
    owner: str
    records: list[str]
    body: str


def tasks(state: State) -> list[TaskView]:
    """Every task in both CRMs (owner tasks, consent evidence, flags, logged SMS), one shape."""
    found = []
    for crm, (collection, *names) in TASK_FIELDS.items():
        for rec in state[crm][collection]:
            p = props(rec)
            subject, priority, due, status, owner, body = (str(p.get(f) or "") for f in names)
            priority = _PRIORITY.get(priority.upper(), priority)
            found.append(
                TaskView(crm, rec_id(rec), subject, priority, when(due), status, owner, refs_of(crm, p), body)
            )
    return found


def owner_task(state: State, task_id: str) -> TaskView | None:
    return next((t for t in tasks(state) if t.id == task_id), None) if task_id else None


def contacts(state: State) -> list[tuple[str, dict[str, Any]]]:
    """(crm, contact with properties flattened) for both CRMs."""
    return [(crm, props(c)) for crm, fields in CRM.items() for c in state[crm][fields.contacts]]


def contact_field(state: State, crm: str, contact_id: str, what: str) -> str:
    """A contact's ``consent``, ``zone`` or ``phone_status`` field, as ``CRM`` names it."""
    return str((record_of(state, crm, contact_id) or {}).get(getattr(CRM[crm], what)) or "")


def flagged_contacts(state: State) -> list[tuple[str, str, str, str]]:
    """(crm, contact id, name, status) of every contact whose number is flagged."""
    flagged = [(crm, c, c.get(CRM[crm].phone_status)) for crm, c in contacts(state)]
    return [(crm, rec_id(c), name_of(c), str(status)) for crm, c, status in flagged if status]


def consent_of(state: State, phone: str) -> dict[str, Any]:
    return next((c for c in state["consent"] if c["phone"] == phone), {})


def consent_evidence(state: State, crm: str, contact_id: str, status: str, sid: str) -> TaskView | None:
    """The task the CRM write-back leaves on the contact (“SMS consent: <status>”, naming the reply)."""
    ref, subject = f"{crm}:contact:{contact_id}", f"SMS consent: {status}"
    return next(
        (t for t in tasks(state) if t.subject == subject and ref in t.records and sid in t.body), None
    )
