"""The demo transcript, built only from what the local stack observed.

Inputs: the ``/_local/state`` snapshot (Twilio messages, CRM records, ConsentTable, StateTable),
the deliveries the SQS poller handed to the dispatcher, and the HTTP answers the demo received.
The scenario contributes only *what the admin did* (labels and the record touched); every
outcome — sent, skipped and why, duplicates, where the SMS was logged — is read from the state.

The closed loop (replies) is read the same way: the ledger's ``EVENT#in:<sid>`` outcomes, the
inbound SMS logged on the CRM records (Salesforce Tasks, HubSpot Communications, found by their
Twilio SID), the owner tasks, the flagged contacts, the ConsentTable history, and the TwiML
answers the webhook gave.

Phone numbers are always masked; message bodies are shown (the transcript is for the admin).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

try:
    from textloop.domain.masking import mask, mask_in_text
except ImportError:  # older layout
    from textloop.domain.phone import mask

    def mask_in_text(text: str) -> str:
        return text


@dataclass
class Step:
    key: str  # "a".."g"
    title: str
    crm: str  # "salesforce" | "hubspot" | "" (HTTP only)
    object_type: str  # "opportunity", "case", "deal", "ticket"
    record_id: str
    action: str  # what the admin/user did, in words
    expect: str  # "sent" | "skipped:<reason>" | "rejected:<status>" — checked against observations
    http: list[dict[str, Any]] = field(default_factory=list)  # observed HTTP answers for this step


@dataclass
class Reply:
    """One inbound SMS the demo posted to ``POST /twilio/inbound`` (what was done, and the HTTP
    answer it got). ``expect`` is what the scenario expects; the checks compare it with the state."""

    key: str  # "1".."7"
    title: str
    who: str  # in words, never the number
    phone: str  # E.164: only ever printed masked
    body: str
    expect: dict[str, Any] = field(default_factory=dict)
    sid: str = ""
    posted_at: str = ""  # ISO, just before the POST
    answered_at: str = ""  # ISO, once the answer was back
    http_status: int = 0
    twiml: str = ""
    content_type: str = ""


@dataclass
class WatchdogRun:
    at: str  # ISO: when it was invoked
    result: Any = None
    error: str = ""


@dataclass
class EventView:
    event_key: str
    record: str  # "crm:object_type:id"
    deliveries: int = 0  # times the dispatcher was handed this event
    failed: int = 0  # deliveries that ended in a failure (left on the queue for a retry)
    outcome: dict[str, Any] | None = None

    @property
    def duplicates(self) -> int:
        """Successful deliveries beyond the first: the event was seen again and changed nothing."""
        return max(0, self.deliveries - self.failed - 1) if self.outcome else 0


# --- reading the state ---------------------------------------------------------------------


def _get(d: dict[str, Any], *names: str, default: Any = "") -> Any:
    for n in names:
        if n in d and d[n] not in (None, ""):
            return d[n]
    lowered = {k.lower(): v for k, v in d.items()}
    for n in names:
        v = lowered.get(n.lower())
        if v not in (None, ""):
            return v
    return default


def sms_sid(m: dict[str, Any]) -> str:
    return str(_get(m, "sid", "Sid", "MessageSid"))


def sms_to(m: dict[str, Any]) -> str:
    return str(_get(m, "to", "To"))


def sms_body(m: dict[str, Any]) -> str:
    return str(_get(m, "body", "Body"))


def sms_status(m: dict[str, Any]) -> str:
    return str(_get(m, "status", "Status"))


def iter_records(tree: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every dict in a CRM emulator state that looks like a record, with where it sits."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(tree, dict):
        if any(k in tree for k in ("Id", "id")):
            found.append((path, tree))
        for k, v in tree.items():
            if isinstance(v, dict | list):
                found.extend(iter_records(v, f"{path}.{k}" if path else str(k)))
    elif isinstance(tree, list):
        for v in tree:
            found.extend(iter_records(v, path))
    return found


def find_record(tree: Any, record_id: str) -> tuple[str, dict[str, Any]] | None:
    """The record with this id, preferring a top-level collection over an embedded copy."""
    for where, rec in sorted(iter_records(tree), key=lambda found: found[0].count(".")):
        if str(rec.get("Id", rec.get("id", ""))) == str(record_id):
            return where, rec
    return None


def _props(rec: dict[str, Any]) -> dict[str, Any]:
    props = rec.get("properties")
    return {**rec, **props} if isinstance(props, dict) else rec


REPLY_KEY_PREFIXES = ("in:", "failure:")


def ledger_outcomes(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        str(i["pk"])[len("EVENT#") :]: i
        for i in state.get("ledger", [])
        if str(i.get("pk", "")).startswith("EVENT#") and i.get("sk") == "OUTCOME"
    }


def event_views(state: dict[str, Any], deliveries: list[dict[str, Any]]) -> dict[str, EventView]:
    """Event key → how often it reached the dispatcher and its recorded outcome."""
    from textloop.domain.errors import Skip
    from textloop.schemas import parse_queue_body

    views: dict[str, EventView] = {}
    for d in deliveries:
        try:
            events = parse_queue_body(d["body"])
        except Skip:
            continue
        for e in events:
            view = views.setdefault(e.event_key, EventView(e.event_key, str(e.record)))
            view.deliveries += 1
            if d.get("result") != "ok":
                view.failed += 1
    for key, item in ledger_outcomes(state).items():
        if key.startswith(REPLY_KEY_PREFIXES):
            continue  # replies and delivery failures: not change events
        view = views.setdefault(key, EventView(key, str(item.get("details", {}).get("record", ""))))
        view.outcome = item
    return views


def is_opted_out(state: dict[str, Any], phone: str) -> bool:
    return any(c.get("phone") == phone and c.get("status") == "opted_out" for c in state.get("consent", []))


# --- the transcript ------------------------------------------------------------------------


@dataclass
class Verdict:
    ok: bool
    checks: list[tuple[bool, str]]
    counts: dict[str, Any]


def build(
    steps: list[Step],
    state: dict[str, Any],
    deliveries: list[dict[str, Any]],
    *,
    stack_url: str = "",
    brand: str = "",
    replies: list[Reply] | tuple[Reply, ...] = (),
    later: list[Step] | tuple[Step, ...] = (),
    watchdog: WatchdogRun | None = None,
) -> tuple[str, Verdict]:
    steps = [*steps, *later]
    views = event_views(state, deliveries)
    by_record: dict[str, list[EventView]] = defaultdict(list)
    for v in views.values():
        by_record[v.record].append(v)
    sms_by_sid = {sms_sid(m): m for m in state.get("sms", [])}
    sms_total = len(state.get("sms", []))

    lines: list[str] = ["# Textloop local demo — transcript", ""]
    if stack_url:
        lines += [
            f"Local stack: `{stack_url}` (moto + Salesforce/HubSpot/Twilio emulators). Brand: {brand or '-'}",
            "",
        ]
    lines += [
        "Everything below is read back from the stack after the run (Twilio emulator, CRM emulators, "
        "DynamoDB StateTable/ConsentTable, the TriggerQueue deliveries) — not from the script.",
        "",
    ]

    checks: list[tuple[bool, str]] = []
    sent_steps = 0
    step_sms: dict[str, int] = {}
    for step in steps:
        ref = f"{step.crm}:{step.object_type}:{step.record_id}" if step.crm else ""
        if later and step is later[0]:
            lines += closed_loop_lines(state, replies, checks)
        lines += [f"## ({step.key}) {step.title}", "", f"- **What happened:** {step.action}"]
        for h in step.http:
            lines.append(f"- **HTTP:** `{h['request']}` → **{h['status']}** {h.get('body', '')}".rstrip())
        evs = by_record.get(ref, []) if ref else []
        deliveries_n = sum(v.deliveries for v in evs)
        failed_n = sum(v.failed for v in evs)
        if ref:
            retries = f" ({failed_n} failed and were redelivered)" if failed_n else ""
            lines.append(
                f"- **Reached the dispatcher:** {deliveries_n} time(s){retries} for {len(evs)} distinct change event(s)"
            )
        outcomes = [v.outcome for v in evs if v.outcome]
        sids = [str(o.get("sid")) for o in outcomes if o.get("outcome") == "sent" and o.get("sid")]
        step_sms[step.key] = len(sids)
        for o in outcomes:
            kind = o.get("outcome")
            if kind == "sent":
                m = sms_by_sid.get(str(o.get("sid")), {})
                to = sms_to(m) or ""
                lines.append(
                    f"- **Texted** {mask(to) if to else '(unknown)'} — Twilio `{o.get('sid')}`"
                    f" (status: {sms_status(m) or 'unknown'}, rule `{o.get('rule')}`,"
                    f" template {o.get('details', {}).get('template', '?')}):"
                )
                lines.append(f"  > {sms_body(m)}")
                logged = _logged_where(state, step, str(o.get("activity_id", "")))
                lines.append(f"- **Logged:** {logged}")
            else:
                reason = o.get("reason") or "-"
                message = o.get("details", {}).get("message", "")
                lines.append(f"- **{str(kind).capitalize()}:** `{reason}` — {message}".rstrip(" —"))
        dups = sum(v.duplicates for v in evs)
        if dups > 0:
            lines.append(
                f"- **Duplicates suppressed:** {dups} (same event key already has an outcome; no second SMS)"
            )
        if step in later and step.expect == "skipped:opted_out":
            lines.append(f"- **SMS in the Twilio emulator for this change:** {len(sids)}")
        lines.append("")

        # The check for this step, from the observations only.
        if step.expect == "sent":
            sent_steps += 1
            ok = len(sids) == 1 and all(s in sms_by_sid for s in sids)
            checks.append((ok, f"({step.key}) exactly one SMS sent for {ref} (observed {len(sids)})"))
        elif step.expect.startswith("skipped:"):
            wanted = step.expect.split(":", 1)[1].split("|")
            reasons = [str(o.get("reason")) for o in outcomes]
            ok = bool(reasons) and all(
                o.get("outcome") == "skipped" and str(o.get("reason")) in wanted for o in outcomes
            )
            checks.append(
                (
                    ok and not sids,
                    f"({step.key}) {ref} skipped as {'/'.join(wanted)} (observed {reasons or 'nothing'})",
                )
            )
        elif step.expect.startswith("rejected:"):
            status = int(step.expect.split(":", 1)[1])
            observed = [h["status"] for h in step.http]
            checks.append(
                (observed == [status], f"({step.key}) forged webhook answered {status} (observed {observed})")
            )

    if replies and not later:
        lines += closed_loop_lines(state, replies, checks)
    if replies:
        lines += thread_lines(state, replies)
        lines += consent_lines(state)
    if watchdog is not None:
        lines += watchdog_lines(state, watchdog, checks)

    # Duplicates across the run.
    dup_total = sum(v.duplicates for v in views.values())
    failed_total = sum(v.failed for v in views.values())
    reasons = Counter(
        str(v.outcome.get("reason"))
        for v in views.values()
        if v.outcome and v.outcome.get("outcome") == "skipped"
    )
    sent_outcomes = sum(1 for v in views.values() if v.outcome and v.outcome.get("outcome") == "sent")
    checks.insert(
        0,
        (
            sms_total == sent_steps,
            f"{sms_total} SMS in the Twilio emulator (expected {sent_steps}: one per trigger)",
        ),
    )
    multi = [k for k, n in step_sms.items() if n > 1]
    checks.append((not multi, "no record texted twice" + (f" (texted twice: {multi})" if multi else "")))
    checks.append((dup_total > 0, f"duplicate deliveries observed and suppressed: {dup_total}"))

    summary = [
        "## Summary",
        "",
        f"- SMS sent (Twilio emulator): **{sms_total}**; `sent` outcomes in the ledger: {sent_outcomes}",
        f"- Change events that reached the dispatcher: {len(views)} distinct, {sum(v.deliveries for v in views.values())} deliveries;"
        f" duplicates suppressed: **{dup_total}**; failed deliveries retried through the queue: {failed_total}",
        "- Skipped: " + (", ".join(f"`{r}` x {n}" for r, n in sorted(reasons.items())) or "none"),
        f"- Opted-out numbers in the ConsentTable: {sum(1 for c in state.get('consent', []) if c.get('status') == 'opted_out')}",
        *(
            [
                f"- Replies posted to `POST /twilio/inbound`: {len(replies)}; routed (ledger `EVENT#in:<sid>`): "
                f"{sum(1 for r in replies if inbound_outcome(state, r.sid))}; owner tasks created: "
                f"{sum(1 for r in replies if (inbound_outcome(state, r.sid) or {}).get('details', {}).get('task_id'))}"
            ]
            if replies
            else []
        ),
        "",
        "### Checks",
        "",
        *[f"- [{'x' if ok else ' '}] {text}" for ok, text in checks],
        "",
    ]
    ok = all(ok for ok, _ in checks)
    counts = {
        "sms": sms_total,
        "sent_outcomes": sent_outcomes,
        "duplicates_suppressed": dup_total,
        "skipped": dict(reasons),
        "events": len(views),
        "deliveries": sum(v.deliveries for v in views.values()),
        "failed_deliveries": failed_total,
    }
    text = "\n".join(lines[:4] + summary + lines[4:]) + "\n"
    return text, Verdict(ok, checks, counts)


def _logged_where(state: dict[str, Any], step: Step, activity_id: str) -> str:
    crm_state = state.get(step.crm, {})
    found = find_record(crm_state, activity_id) if activity_id else None
    if found is None:
        return f"activity `{activity_id or '?'}` not found in the {step.crm} emulator"
    where, rec = found
    rec = _props(rec)
    if step.crm == "salesforce":
        return (
            f"Salesforce {where or 'record'} `{activity_id}` — Subject “{_get(rec, 'Subject')}”,"
            f" WhatId `{_get(rec, 'WhatId')}`, WhoId `{_get(rec, 'WhoId')}`, Status {_get(rec, 'Status')}"
        )
    return (
        f"HubSpot {where or 'record'} `{activity_id}` — channel {_get(rec, 'hs_communication_channel_type')},"
        f" associated with {step.object_type} `{step.record_id}`"
        + (" ✓" if _associated(rec, step.record_id) else " (association not visible in state)")
    )


def _associated(rec: dict[str, Any], record_id: str) -> bool:
    return str(record_id) in str(rec.get("associations", "")) or str(record_id) in str(rec)


# --- the closed loop: replies, threads, consent, SLA --------------------------------------

SF_SMS_SUBJECTS = ("SMS sent", "SMS received")
SF_PHONE_STATUS = "SMS_Phone_Status__c"
HS_PHONE_STATUS = "textloop_phone_status"
_HS_RECORD_TYPES = {"deals": "deal", "tickets": "ticket"}
_PRIORITY = {"HIGH": "high", "MEDIUM": "normal", "NORMAL": "normal", "LOW": "low"}


def twiml_messages(twiml: str) -> list[str]:
    """The text of each ``<Message>`` in a TwiML answer (XML entities decoded)."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(twiml.strip())  # noqa: S314 - our own webhook's answer, over loopback
    except ET.ParseError:
        return []
    return [m.text or "" for m in root.iter("Message")]


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _short(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "?"


def inbound_outcome(state: dict[str, Any], sid: str) -> dict[str, Any] | None:
    return ledger_outcomes(state).get(f"in:{sid}") if sid else None


def inbound_summary(state: dict[str, Any]) -> list[dict[str, Any]]:
    """``state.json`` → ``inbound``: one row per routed reply, from the ledger's ``EVENT#in:<sid>``."""
    rows = []
    for key, item in sorted(ledger_outcomes(state).items(), key=lambda kv: str(kv[1].get("at", ""))):
        if not key.startswith("in:"):
            continue
        details = item.get("details", {}) or {}
        sender = str(details.get("from", ""))
        rows.append(
            {
                "sid": key[3:],
                "from": sender
                if "*" in sender or not sender
                else mask(sender),  # masked by the router already
                "intent": details.get("intent") or item.get("reason", ""),
                "how": details.get("how", ""),
                "routed_to": details.get("logged_on", ""),
                "activity_id": item.get("activity_id", ""),
                "task_id": details.get("task_id", ""),
                "priority": details.get("priority", ""),
                "due": details.get("due", ""),
                "at": item.get("at", ""),
            }
        )
    return rows


def outbound_messages(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The ledger's message records (``MSG#<sid>``): where each outbound SMS was about."""
    return {
        str(i["pk"])[4:]: i
        for i in state.get("ledger", [])
        if str(i.get("pk", "")).startswith("MSG#") and i.get("sk") == "MSG"
    }


def conversation_of(state: dict[str, Any], phone: str) -> dict[str, Any] | None:
    """The latest outbound SMS to *phone* (ledger), i.e. the thread its replies belong to."""
    sent = [m for m in outbound_messages(state).values() if m.get("phone") == phone]
    return max(sent, key=lambda m: str(m.get("sent_at", ""))) if sent else None


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


def sms_activities(state: dict[str, Any]) -> list[Activity]:
    """Every SMS logged in the CRM emulators (Salesforce Tasks “SMS sent/received…”, HubSpot SMS
    Communications), with the records it is on, in creation order."""
    found: list[Activity] = []
    for n, task in enumerate(state.get("salesforce", {}).get("Task", [])):
        if not str(task.get("Subject", "")).startswith(SF_SMS_SUBJECTS):
            continue
        text = str(task.get("Description") or "")
        body, _, footer = text.rpartition("\n\n")
        what = str(task.get("WhatId") or "")
        records = [f"salesforce:{_sf_type(what)}:{what}"] if what else []
        if task.get("WhoId"):
            records.append(f"salesforce:contact:{task['WhoId']}")
        found.append(
            Activity(
                "salesforce",
                str(task.get("Id")),
                "inbound" if "Inbound SMS" in footer else "outbound",
                body or text,
                footer.rsplit("Twilio SID ", 1)[-1].strip() if "Twilio SID" in footer else "",
                _when(task.get("CreatedDate")),
                records,
                n,
            )
        )
    for n, comm in enumerate(state.get("hubspot", {}).get("communications", [])):
        props = _props(comm)
        if props.get("hs_communication_channel_type") != "SMS":
            continue
        text = str(props.get("hs_communication_body") or "")
        body, _, footer = text.rpartition("\n\n")
        records = [
            f"hubspot:{_HS_RECORD_TYPES.get(t, t.rstrip('s'))}:{link['id']}"
            for t, links in (comm.get("associations") or {}).items()
            for link in links
        ]
        found.append(
            Activity(
                "hubspot",
                str(comm.get("id")),
                "inbound" if "Inbound SMS" in footer else "outbound",
                body or text,
                footer.rsplit("Twilio SID ", 1)[-1].strip() if "Twilio SID" in footer else "",
                _when(props.get("hs_timestamp")),
                records,
                10_000 + n,
            )
        )
    return found


def _sf_type(record_id: str) -> str:
    return {"006": "opportunity", "500": "case", "003": "contact"}.get(record_id[:3], "record")


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


def owner_task(state: dict[str, Any], task_id: str) -> TaskView | None:
    if not task_id:
        return None
    for task in state.get("salesforce", {}).get("Task", []):
        if str(task.get("Id")) == task_id:
            what, who = str(task.get("WhatId") or ""), str(task.get("WhoId") or "")
            return TaskView(
                "salesforce",
                task_id,
                str(task.get("Subject", "")),
                _PRIORITY.get(str(task.get("Priority", "")).upper(), str(task.get("Priority", ""))),
                _when(task.get("ReminderDateTime")),
                str(task.get("Status", "")),
                str(task.get("OwnerId") or "(default)"),
                [f"salesforce:{_sf_type(i)}:{i}" for i in (what, who) if i],
            )
    for task in state.get("hubspot", {}).get("tasks", []):
        if str(task.get("id")) == task_id:
            props = _props(task)
            return TaskView(
                "hubspot",
                task_id,
                str(props.get("hs_task_subject", "")),
                _PRIORITY.get(
                    str(props.get("hs_task_priority", "")).upper(), str(props.get("hs_task_priority"))
                ),
                _when(props.get("hs_timestamp")),
                str(props.get("hs_task_status", "")),
                str(props.get("hubspot_owner_id") or "(unassigned)"),
                [
                    f"hubspot:{_HS_RECORD_TYPES.get(t, t.rstrip('s'))}:{link['id']}"
                    for t, links in (task.get("associations") or {}).items()
                    for link in links
                ],
            )
    return None


def flagged_contacts(state: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(crm, contact id, name, status) of every contact whose number is flagged."""
    flagged = []
    for c in state.get("salesforce", {}).get("Contact", []):
        if c.get(SF_PHONE_STATUS):
            flagged.append(("salesforce", str(c["Id"]), str(c.get("Name", "")), str(c[SF_PHONE_STATUS])))
    for c in state.get("hubspot", {}).get("contacts", []):
        props = _props(c)
        if props.get(HS_PHONE_STATUS):
            name = f"{props.get('firstname', '')} {props.get('lastname', '')}".strip()
            flagged.append(("hubspot", str(c["id"]), name, str(props[HS_PHONE_STATUS])))
    return flagged


def consent_of(state: dict[str, Any], phone: str) -> dict[str, Any] | None:
    return next((c for c in state.get("consent", []) if c.get("phone") == phone), None)


def _record_label(state: dict[str, Any], ref: str) -> str:
    crm, _, rest = ref.partition(":")
    object_type, _, record_id = rest.partition(":")
    found = find_record(state.get(crm, {}), record_id)
    name = ""
    if found:
        rec = _props(found[1])
        name = str(_get(rec, "Name", "Subject", "dealname", "subject", "CaseNumber"))
    crm_name = {"salesforce": "Salesforce", "hubspot": "HubSpot"}.get(crm, crm)
    return (
        f"{crm_name} {object_type} “{name}” (`{record_id}`)"
        if name
        else f"{crm_name} {object_type} `{record_id}`"
    )


def _business_hours() -> dict[str, Any]:
    """The routing's business hours from the triggers file the functions read."""
    import json
    import os
    from pathlib import Path

    path = os.environ.get("TRIGGERS_FILE") or str(
        Path(__file__).resolve().parents[3] / "shared" / "textloop" / "triggers.default.json"
    )
    try:
        routing = json.loads(Path(path).read_text()).get("routing") or {}
    except (OSError, ValueError):
        routing = {}
    return {"timezone": "America/New_York", "opens": "09:00", **(routing.get("business_hours") or {})}


def _next_business_day_ok(due: datetime | None, received: datetime | None) -> bool:
    """Due at the opening hour of a later local day (weekends/holidays are the calendar's business)."""
    if due is None or received is None:
        return False
    from zoneinfo import ZoneInfo

    hours = _business_hours()
    zone = ZoneInfo(hours["timezone"])
    local_due, local_received = due.astimezone(zone), received.astimezone(zone)
    return local_due.strftime("%H:%M") == str(hours["opens"])[:5] and local_due.date() > local_received.date()


def closed_loop_lines(state: dict[str, Any], replies: Any, checks: list[tuple[bool, str]]) -> list[str]:
    """One section per reply: the TwiML answer, the routing outcome, where it was logged, the task,
    the consent change — each read back from the state — and its checks."""
    if not replies:
        return []
    activities = sms_activities(state)
    by_sid = {a.sid: a for a in activities if a.sid}
    lines = [
        "## Replies — the closed loop",
        "",
        "Each reply was posted to `POST /twilio/inbound` over HTTP the way Twilio posts it: form-encoded, "
        "`X-Twilio-Signature` computed with the twilio library's `RequestValidator` for the stack's public URL, "
        "a new `MessageSid` each, `From` = the contact's number, `To` = the Messaging Service number.",
        "",
    ]
    for r in replies:
        lines += [f"### ({r.key}) {r.title}", ""]
        lines.append(f"- **What happened:** {r.who} texted from {mask(r.phone)}:")
        lines.append(f"  > {r.body}")
        twiml = mask_in_text(r.twiml.strip())
        lines.append(
            f"- **HTTP:** `POST /twilio/inbound` (MessageSid `{r.sid}`, signed) → **{r.http_status}** "
            f"`{r.content_type.split(';')[0] or '?'}`"
        )
        lines.append(f"  ```xml\n  {twiml}\n  ```")
        for message in twiml_messages(r.twiml):
            lines.append(f"  The sender gets back: “{mask_in_text(message)}”")
        if not twiml_messages(r.twiml):
            lines.append("  (an empty `<Response/>`: no SMS goes back)")
        outcome = inbound_outcome(state, r.sid)
        details = (outcome or {}).get("details", {}) or {}
        if outcome is None:
            lines.append("- **Routed:** no `EVENT#in:` outcome in the ledger")
        else:
            lines.append(
                f"- **Routed** (ledger `EVENT#in:{r.sid}`): intent **{details.get('intent', '?')}**, "
                f"found by {details.get('how', '?')}"
                + (f", on {_record_label(state, details['logged_on'])}" if details.get("logged_on") else "")
            )
        conversation = conversation_of(state, r.phone)
        answered = by_sid.get(r.sid)
        expected_ref = (
            f"{conversation['crm']}:{conversation['object_type']}:{conversation['record_id']}"
            if conversation
            else ""
        )
        if answered is not None:
            on_records = [ref for ref in answered.records if ":contact:" not in ref]
            lines.append(
                f"- **Logged:** {answered.crm} activity `{answered.id}` (inbound, {_short(answered.at)}) on "
                + (", ".join(_record_label(state, ref) for ref in on_records) or "the contact only")
                + (
                    f" — the record of the SMS it answers (`{conversation['sid']}`) ✓"
                    if expected_ref and expected_ref in answered.records
                    else ""
                )
            )
        else:
            lines.append("- **Logged:** not on any CRM record (no contact could be tied to the number)")
        task = owner_task(state, str(details.get("task_id", "")))
        if task is not None:
            lines.append(
                f"- **Task:** {task.crm} `{task.id}` “{task.subject}” — priority **{task.priority}**, "
                f"due {_short(task.due)}, owner `{task.owner}`, status {task.status}"
            )
        elif outcome is not None:
            lines.append(f"- **Task:** none (intent {details.get('intent', '?')} creates no owner task)")
        consent = consent_of(state, r.phone)
        mine = [h for h in (consent or {}).get("history", []) if h.get("evidence") == r.sid]
        for h in mine:
            lines.append(
                f"- **Consent:** {mask(r.phone)} → **{h.get('status')}** (source `{h.get('source')}`, "
                f"evidence `{h.get('evidence')}`, at {h.get('at')}); current status: {consent.get('status') if consent else '?'}"
            )
        if r.expect.get("flag") and conversation:
            flags = [f for f in flagged_contacts(state) if f[1] == conversation.get("contact_id")]
            for crm, cid, name, status in flags:
                lines.append(f"- **Number flagged:** {crm} contact {name} (`{cid}`): `{status}`")
        lines.append("")
        checks.extend(reply_checks(state, r, outcome, answered, conversation, task))
    return lines


def reply_checks(
    state: dict[str, Any],
    r: Reply,
    outcome: dict[str, Any] | None,
    answered: Activity | None,
    conversation: dict[str, Any] | None,
    task: TaskView | None,
) -> list[tuple[bool, str]]:
    tag = f"(reply {r.key})"
    details = (outcome or {}).get("details", {}) or {}
    checks: list[tuple[bool, str]] = [
        (
            r.http_status == 200 and "<Response>" in r.twiml,
            f"{tag} webhook answered 200 with TwiML (observed {r.http_status})",
        ),
        (
            outcome is not None and outcome.get("outcome") == "routed",
            f"{tag} routed once: ledger `EVENT#in:<sid>`",
        ),
    ]
    expect = r.expect
    if "intent" in expect:
        checks.append(
            (
                details.get("intent") == expect["intent"],
                f"{tag} intent {expect['intent']} (observed {details.get('intent') or 'nothing'})",
            )
        )
    if conversation is not None:
        ref = f"{conversation['crm']}:{conversation['object_type']}:{conversation['record_id']}"
        earlier = [
            a for a in sms_activities(state) if a.direction == "outbound" and a.sid == conversation.get("sid")
        ]
        in_order = bool(earlier and answered and earlier[0].order < answered.order)
        checks.append(
            (
                answered is not None and ref in answered.records and in_order,
                f"{tag} logged on {ref}, after the SMS it answers"
                f" (observed {answered.records if answered else 'no activity'})",
            )
        )
    if expect.get("opted_out"):
        consent = consent_of(state, r.phone) or {}
        evidence = [
            h
            for h in consent.get("history", [])
            if h.get("evidence") == r.sid and h.get("status") == "opted_out" and h.get("source")
        ]
        checks.append(
            (
                consent.get("status") == "opted_out" and bool(evidence),
                f"{tag} ConsentTable: {mask(r.phone)} opted_out with this MessageSid as evidence"
                f" (observed {consent.get('status', 'no row')})",
            )
        )
    wanted = expect.get("task", "unset")
    if wanted is None:
        checks.append(
            (not details.get("task_id"), f"{tag} no owner task (observed {details.get('task_id') or 'none'})")
        )
    elif wanted != "unset":
        observed = task.priority if task else "no task"
        ok = task is not None and (wanted == "any" or task.priority == wanted)
        wording = "an owner task" if wanted == "any" else f"owner task with priority {wanted}"
        checks.append((ok, f"{tag} {wording} (observed {observed})"))
    if expect.get("due") == "5min":
        posted, answered_at = _when(r.posted_at), _when(r.answered_at)
        due = task.due if task else None
        ok = bool(
            due
            and posted
            and answered_at
            and posted - timedelta(seconds=1)
            <= due - timedelta(minutes=5)
            <= answered_at + timedelta(seconds=1)
        )
        if ok and answered is not None and answered.crm == "hubspot" and answered.at is not None:
            ok = abs((due - timedelta(minutes=5)) - answered.at) < timedelta(milliseconds=2)
        checks.append((ok, f"{tag} due = received + 5 min (observed due {_short(due)})"))
    if expect.get("due") == "next_business_day":
        due = task.due if task else None
        checks.append(
            (
                _next_business_day_ok(due, _when(r.posted_at)),
                f"{tag} due at the next business day's opening (observed {_short(due)})",
            )
        )
    if expect.get("flag"):
        contact_id = (conversation or {}).get("contact_id")
        flags = [f for f in flagged_contacts(state) if f[1] == contact_id]
        checks.append(
            (
                bool(contact_id) and any(f[3] == expect["flag"] for f in flags),
                f"{tag} the texted contact's number flagged {expect['flag']} (observed {[f[3] for f in flags] or 'none'})",
            )
        )
    for phrase in expect.get("twiml", []):
        checks.append(
            (any(phrase in m for m in twiml_messages(r.twiml)), f"{tag} the TwiML answer says “{phrase}”")
        )
    if expect.get("triage"):
        checks.append(
            (
                details.get("how") == "triage" and task is not None and "triage" in task.subject.lower(),
                f"{tag} unknown number → triage task (observed how={details.get('how') or '?'},"
                f" task={'yes' if task else 'no'})",
            )
        )
    return checks


def thread_lines(state: dict[str, Any], replies: Any) -> list[str]:
    """Per record: the SMS thread (outbound and inbound, in order) and the tasks on it, as the CRMs hold them."""
    activities = sms_activities(state)
    refs: list[str] = []
    for a in sorted(activities, key=lambda a: a.order):
        for ref in a.records:
            if ":contact:" not in ref and ref not in refs:
                refs.append(ref)
    tasks_by_ref: dict[str, list[TaskView]] = defaultdict(list)
    for row in inbound_summary(state):
        task = owner_task(state, str(row.get("task_id", "")))
        if task is None:
            continue
        on = [ref for ref in task.records if ":contact:" not in ref] or ["(no record)"]
        tasks_by_ref[on[0]].append(task)
    lines = [
        "## Threads by record (read back from the CRM emulators)",
        "",
        "Salesforce: Tasks “SMS sent…/SMS received…” by `WhatId`; HubSpot: SMS Communications by association.",
        "",
    ]
    for ref in [*refs, *[r for r in tasks_by_ref if r not in refs]]:
        lines += [f"### {_record_label(state, ref) if ref != '(no record)' else 'No record: triage'}", ""]
        n = 0
        for a in sorted((a for a in activities if ref in a.records), key=lambda a: a.order):
            n += 1
            arrow = "→ sent" if a.direction == "outbound" else "← received"
            body = " ".join(mask_in_text(a.body).split())
            lines.append(f"{n}. {arrow} {_short(a.at)} (`{a.sid}`): {body}")
        if n:
            lines.append("")
        for task in tasks_by_ref.get(ref, []):
            lines.append(
                f"- Task `{task.id}` “{mask_in_text(task.subject)}” — **{task.priority}**, due {_short(task.due)},"
                f" {task.status}"
            )
        flagged = [
            f
            for f in flagged_contacts(state)
            if any(f"{f[0]}:contact:{f[1]}" in a.records for a in activities if ref in a.records)
        ]
        for _crm, cid, name, status in flagged:
            lines.append(f"- Contact {name} (`{cid}`): number flagged **{status}**")
        if lines[-1] != "":
            lines.append("")
    return lines


def consent_lines(state: dict[str, Any]) -> list[str]:
    lines = ["## Consent (ConsentTable)", ""]
    for c in state.get("consent", []):
        lines.append(
            f"- {mask(str(c.get('phone', '')))}: **{c.get('status')}** (updated {c.get('updated_at')})"
        )
        for h in c.get("history", []):
            lines.append(
                f"  - {h.get('at')}: {h.get('status')} — source `{h.get('source')}`, evidence `{h.get('evidence')}`"
            )
    lines.append("")
    return lines


def watchdog_lines(state: dict[str, Any], run: WatchdogRun, checks: list[tuple[bool, str]]) -> list[str]:
    at = _when(run.at)
    open_tasks = [i for i in state.get("ledger", []) if i.get("pk") == "SLA#OPEN"]
    dues = sorted(d for d in (_when(i.get("due")) for i in open_tasks) if d)
    done = [
        i
        for i in state.get("ledger", [])
        if str(i.get("pk", "")).startswith("TASK#") and i.get("sk") == "SLA"
    ]
    lines = ["## SLA watchdog", ""]
    lines.append(
        "In AWS it runs on a schedule (every 5 minutes). Here it was invoked once through the stack "
        f"(the real handler, the real clock) at {_short(at)}."
    )
    if run.error:
        lines.append(f"- **Failed:** {run.error}")
    else:
        lines.append(f"- **Answer:** `{run.result}`")
    lines.append(
        f"- **Watched tasks still open:** {len(open_tasks)}"
        + (f"; the earliest is due {_short(dues[0])}" if dues else "")
        + f"; escalated or closed so far: {len(done)}"
    )
    overdue_before = [d for d in dues if at and d <= at]
    if not run.error and isinstance(run.result, dict) and run.result.get("escalated") == 0:
        lines.append(
            "- Nothing was overdue yet, so nothing was escalated. Escalation is **not shown** in this demo: "
            "the shortest SLA is 5 minutes (`Due.minutes` must be ≥ 1), the demo takes seconds, and it does not "
            "fake the clock or back-date a task."
        )
    checks.append(
        (
            not run.error and isinstance(run.result, dict) and not overdue_before,
            f"SLA watchdog ran through the stack: {run.result if not run.error else run.error}"
            f" (open tasks overdue after it ran: {len(overdue_before)})",
        )
    )
    lines.append("")
    return lines
