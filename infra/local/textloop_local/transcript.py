"""The demo transcript, built only from what the local stack observed.

Inputs: the ``/_local/state`` snapshot (Twilio messages, CRM records, ConsentTable, StateTable and
its ``inbound``/``deferred`` readings), the deliveries the SQS poller handed to the dispatcher, and
the HTTP answers the demo received. The scenario contributes only *what was done* (labels, the
record touched, what it expects); every outcome — sent, skipped and why, deferred until when and
where, duplicates, where the SMS was logged — is read from the state.

The closed loop (replies) is read the same way: the ledger's ``EVENT#in:<sid>`` outcomes, the
inbound SMS logged on the CRM records (Salesforce Tasks, HubSpot Communications, found by their
Twilio SID), the owner tasks, the contacts' flags and consent fields, the ConsentTable history,
and the TwiML answers the webhook gave.

Expectations are tables: ``STEP_CHECKS`` (by the kind of a step's ``expect``) and ``REPLY_CHECKS``
(by the keys of a reply's ``expect``); the readings of the state (records, tasks, logged SMS, where
each CRM keeps a field) are in ``state.py``. Phone numbers are always masked; message bodies are
shown (the transcript is for the admin).
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from textloop.domain.masking import mask, mask_in_text
from textloop_local.state import (
    CRM,
    Activity,
    State,
    TaskView,
    consent_evidence,
    consent_of,
    contact_field,
    contacts,
    conversation_of,
    flagged_contacts,
    history_before,
    inbound_outcome,
    ledger_outcomes,
    name_of,
    owner_task,
    rec_id,
    record_of,
    refs_of,
    sms_activities,
    when,
)

Check = tuple[bool, str]


@dataclass
class Step:
    key: str  # "a".."l"
    title: str
    crm: str  # "salesforce" | "hubspot" | "" (HTTP only)
    object_type: str  # "opportunity", "case", "deal", "ticket"
    record_id: str
    action: str  # what the admin/user did, in words
    expect: str  # "sent" | "skipped:<reason>|…" | "deferred:<reason>|…" | "rejected:<status>"
    http: list[dict[str, Any]] = field(default_factory=list)  # observed HTTP answers for this step

    @property
    def ref(self) -> str:
        return f"{self.crm}:{self.object_type}:{self.record_id}" if self.crm else ""

    @property
    def kind(self) -> str:
        return self.expect.split(":", 1)[0]

    @property
    def wanted(self) -> list[str]:
        return self.expect.split(":", 1)[1].split("|") if ":" in self.expect else []


@dataclass
class Reply:
    """One inbound SMS the demo posted to ``POST /twilio/inbound`` (what was done, and the HTTP
    answer it got). ``expect`` is what the scenario expects; ``REPLY_CHECKS`` compare it with the state."""

    key: str  # "1".."8"
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
class ScanRun:
    """One invocation of the renewal scanner through the stack: its answer, and the SMS the Twilio
    emulator held before it and once the TriggerQueue had drained after it."""

    at: str  # ISO: when it was invoked
    result: Any = None
    error: str = ""
    sms_before: int = 0
    sms_after: int = 0


@dataclass
class LinkScene:
    """The tracked link the demo followed (the enterprise renewal text's): a preview fetch (Slackbot)
    and a person's tap (a phone browser, more than 2 s after delivery), each with the answer it got."""

    code: str
    sid: str
    domain: str  # the link domain the messages carry (LINK_DOMAIN)
    fetches: list[dict[str, Any]] = field(default_factory=list)  # who, method, user_agent, status, location


@dataclass
class RenewalScene:
    """The renewal window: the records the seed has for the renewal rules (``expect`` "sent",
    "skipped:<reason>" or "untouched" when outside every window), the scans, and the opt-ins the
    demo recorded for the decision makers (in words)."""

    steps: list[Step]
    scans: list[ScanRun]
    opt_ins: list[str] = field(default_factory=list)


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


@dataclass
class Verdict:
    ok: bool
    checks: list[Check]
    counts: dict[str, Any]


# --- helpers (the readings of the state are in state.py) -----------------------------------

NOT_CHANGE_EVENTS = ("in:", "failure:", "consent:")  # replies, delivery failures, consent syncs
CONSENT_REASONS = ("opted_out", "crm_opted_out", "no_marketing_consent")
WINDOW_OPENS = time(8)  # the default window and the federal one open at 08:00 local


def _record_label(state: State, ref: str) -> str:
    crm, object_type, record_id = ref.split(":", 2)
    name = name_of(record_of(state, crm, record_id))
    label = f"{CRM[crm].label if crm in CRM else crm} {object_type}"
    return f"{label} “{name}” (`{record_id}`)" if name else f"{label} `{record_id}`"


def event_views(state: State, deliveries: list[dict[str, Any]]) -> dict[str, EventView]:
    """Event key → how often it reached the dispatcher and its recorded outcome."""
    from textloop.domain.errors import Skip
    from textloop.schemas import parse_queue_body

    views: dict[str, EventView] = {}
    for d in deliveries:
        if d.get("function", "DispatcherFunction") != "DispatcherFunction":
            continue  # the outcome recorder and the reply router read other queues
        try:
            events = parse_queue_body(d["body"])
        except Skip:
            continue
        for e in events:
            view = views.setdefault(e.event_key, EventView(e.event_key, str(e.record)))
            view.deliveries += 1
            view.failed += d.get("result") != "ok"
    for key, item in ledger_outcomes(state).items():
        if not key.startswith(NOT_CHANGE_EVENTS):
            views.setdefault(key, EventView(key, str(item["details"].get("record", "")))).outcome = item
    return views


def twiml_messages(twiml: str) -> list[str]:
    """The text of each ``<Message>`` in a TwiML answer (XML entities decoded)."""
    try:
        root = ET.fromstring(twiml.strip())  # noqa: S314 - our own webhook's answer, over loopback
    except ET.ParseError:
        return []
    return [m.text or "" for m in root.iter("Message")]


def _short(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if value else "?"


def _local(value: Any, zone: str) -> str:
    moment = when(value)
    return moment.astimezone(ZoneInfo(zone)).strftime("%a %Y-%m-%d %H:%M") if moment else "?"


@cache
def _ruleset() -> Any:
    from textloop.domain.rules import RuleSet

    return RuleSet.load(os.environ.get("TRIGGERS_FILE") or None)


# --- the transcript ------------------------------------------------------------------------


def build(
    steps: list[Step],
    state: State,
    deliveries: list[dict[str, Any]],
    *,
    stack_url: str = "",
    brand: str = "",
    replies: list[Reply] | tuple[Reply, ...] = (),
    later: list[Step] | tuple[Step, ...] = (),
    watchdog: WatchdogRun | None = None,
    renewals: RenewalScene | None = None,
    links: LinkScene | None = None,
) -> tuple[str, Verdict]:
    steps = [*steps, *later]
    views = event_views(state, deliveries)
    by_record: dict[str, list[EventView]] = defaultdict(list)
    for v in views.values():
        by_record[v.record].append(v)
    renewal_steps = renewals.steps if renewals else []
    lines: list[str] = ["# Textloop local demo — transcript", ""]
    if stack_url:
        lines += [
            f"Local stack: `{stack_url}` (moto + Salesforce/HubSpot/Twilio emulators). Brand: {brand or '-'}",
            "",
        ]
    lines += [
        "Everything below is read back from the stack after the run (Twilio emulator, CRM emulators, "
        "DynamoDB StateTable/ConsentTable, the TriggerQueue deliveries, the scheduler) — not from the script.",
        "",
    ]
    checks: list[Check] = []
    step_sms: dict[str, int] = {}
    if renewals is not None:
        lines += renewal_lines(state, renewals, by_record, checks, step_sms)
    for step in steps:
        if later and step is later[0]:
            lines += closed_loop_lines(state, replies, checks)
        seen = StepSeen(state, step, by_record.get(step.ref, []) if step.ref else [], step in later)
        step_sms[step.key] = len(seen.sids)
        lines += step_lines(seen)
        checks += STEP_CHECKS[step.kind](seen)
    if replies and not later:
        lines += closed_loop_lines(state, replies, checks)
    if replies:
        lines += thread_lines(state) + consent_lines(state)
    lines += consent_and_timing_lines(
        state, [*renewal_steps, *steps], {k: v.record for k, v in views.items()}
    )
    if links is not None:
        lines += link_lines(state, links, checks)
    if watchdog is not None:
        lines += watchdog_lines(state, watchdog, checks)

    sms_total = len(state["sms"])
    sent_steps = sum(1 for s in [*renewal_steps, *steps] if s.expect == "sent")
    by_outcome: dict[str, Counter[str]] = defaultdict(Counter)
    for v in views.values():
        if v.outcome:
            by_outcome[v.outcome["outcome"]][str(v.outcome["reason"])] += 1
    counts = {
        "sms": sms_total,
        "sent_outcomes": sum(by_outcome["sent"].values()),
        "duplicates_suppressed": sum(v.duplicates for v in views.values()),
        "skipped": dict(by_outcome["skipped"]),
        "deferred": dict(by_outcome["deferred"]),
        "events": len(views),
        "deliveries": sum(v.deliveries for v in views.values()),
        "failed_deliveries": sum(v.failed for v in views.values()),
    }
    total = f"{sms_total} SMS in the Twilio emulator (expected {sent_steps}: one per trigger)"
    checks.insert(0, (sms_total == sent_steps, total))
    multi = [k for k, n in step_sms.items() if n > 1]
    checks.append((not multi, "no record texted twice" + (f" (texted twice: {multi})" if multi else "")))
    dups = counts["duplicates_suppressed"]
    checks.append((dups > 0, f"duplicate deliveries observed and suppressed: {dups}"))
    text = "\n".join(lines[:4] + summary_lines(state, counts, replies, checks) + lines[4:]) + "\n"
    return text, Verdict(all(ok for ok, _ in checks), checks, counts)


def summary_lines(state: State, counts: dict[str, Any], replies: Any, checks: list[Check]) -> list[str]:
    def listed(kind: str) -> str:
        return ", ".join(f"`{r}` x {n}" for r, n in sorted(counts[kind].items())) or "none"

    routed = [o for o in (inbound_outcome(state, r.sid) for r in replies) if o]
    lines = [
        "## Summary",
        "",
        f"- SMS sent (Twilio emulator): **{counts['sms']}**; `sent` outcomes in the ledger: {counts['sent_outcomes']}",
        f"- Change events that reached the dispatcher: {counts['events']} distinct, {counts['deliveries']} deliveries;"
        f" duplicates suppressed: **{counts['duplicates_suppressed']}**; failed deliveries retried through the queue:"
        f" {counts['failed_deliveries']}",
        f"- Skipped: {listed('skipped')}",
        f"- Deferred: {listed('deferred')} (schedules still pending: {sum(r['pending'] for r in state['deferred'])})",
        f"- Opted-out numbers in the ConsentTable: {sum(c['status'] == 'opted_out' for c in state['consent'])}",
    ]
    if replies:
        tasks_created = sum(1 for o in routed if o["details"].get("task_id"))
        lines.append(
            f"- Replies posted to `POST /twilio/inbound`: {len(replies)}; routed (ledger `EVENT#in:<sid>`): "
            f"{len(routed)}; owner tasks created: {tasks_created}"
        )
    return [*lines, "", "### Checks", "", *[f"- [{'x' if ok else ' '}] {text}" for ok, text in checks], ""]


@dataclass
class StepSeen:
    """What the state holds about one step's record."""

    state: State
    step: Step
    views: list[EventView]
    later: bool

    @property
    def outcomes(self) -> list[dict[str, Any]]:
        return [v.outcome for v in self.views if v.outcome]

    @property
    def sids(self) -> list[str]:
        return [str(o["sid"]) for o in self.outcomes if o["outcome"] == "sent" and o["sid"]]

    @property
    def deferred(self) -> list[dict[str, Any]]:
        return [r for r in self.state["deferred"] if r["record"] == self.step.ref]


def step_lines(seen: StepSeen) -> list[str]:
    state, step, views = seen.state, seen.step, seen.views
    lines = [f"## ({step.key}) {step.title}", "", f"- **What happened:** {step.action}"]
    lines += [
        f"- **HTTP:** `{h['request']}` → **{h['status']}** {h.get('body', '')}".rstrip() for h in step.http
    ]
    if step.ref:
        failed = sum(v.failed for v in views)
        retries = f" ({failed} failed and were redelivered)" if failed else ""
        lines.append(
            f"- **Reached the dispatcher:** {sum(v.deliveries for v in views)} time(s){retries}"
            f" for {len(views)} distinct change event(s)"
        )
    sms_by_sid = {m["sid"]: m for m in state["sms"]}
    for o in seen.outcomes:
        details = o["details"]
        if o["outcome"] == "sent":
            m = sms_by_sid.get(str(o["sid"]), {})
            to = mask(m["to"]) if m.get("to") else "(unknown)"
            lines += [
                f"- **Texted** {to} — Twilio `{o['sid']}` (status:"
                f" {m.get('status', 'unknown')}, rule `{o['rule']}`, template {details.get('template', '?')}):",
                f"  > {m.get('body', '')}",
                f"- **Logged:** {_logged_where(state, step, str(o['activity_id']))}",
            ]
        elif o["outcome"] != "deferred":
            flag = f" ({details['crm_flag']})" if details.get("crm_flag") else ""
            text = f"`{o['reason'] or '-'}` — {details.get('detail', '')}{flag}".rstrip(" —")
            lines.append(f"- **{str(o['outcome']).capitalize()}:** {text}")
    for row in seen.deferred:
        lines += deferral_lines(state, row)
    dups = sum(v.duplicates for v in views)
    if dups:
        lines.append(
            f"- **Duplicates suppressed:** {dups} (same event key already has an outcome; no second SMS)"
        )
    if seen.later and step.kind == "skipped":
        lines.append(f"- **SMS in the Twilio emulator for this change:** {len(seen.sids)}")
    return [*lines, ""]


def deferral_lines(state: State, row: dict[str, Any]) -> list[str]:
    zones = row["zones"] or ["?"]
    local_then = ", ".join(_local(row["local_times"].get(z), z) for z in zones)
    lines = [
        f"- **Deferred:** `{row['reason']}` — rule `{row['rule']}` ({row['purpose']}) to {row['to']}; binding"
        f" zone(s) {', '.join(zones)}"
        + (f", state(s) {', '.join(row['states'])}" if row["states"] else "")
        + f"; local time then {local_then}",
        f"- **Not before:** {_local(row['not_before'], zones[0])} in {zones[0]} ({_short(when(row['not_before']))});"
        f" schedule `{row['schedule']}` {'pending' if row['pending'] else 'no longer pending'} — no SMS now",
    ]
    day, week = history_before(state, row, 1), history_before(state, row, 7)
    if week:
        seeded = sum(m["event_key"].startswith("seed:") for m, _ in week)
        lines.append(
            f"- **Sent to this number before** (StateTable `PHONE#…`): {len(day)} in the 24 h before"
            f" ({sum(m['rule'] == row['rule'] for m, _ in day)} `{row['rule']}`), {len(week)} in the 7 days before"
            + (f"; {seeded} of them seeded history" if seeded else "")
        )
    return lines


def _logged_where(state: State, step: Step, activity_id: str) -> str:
    rec = record_of(state, step.crm, activity_id) if activity_id else None
    if rec is None:
        return f"activity `{activity_id or '?'}` not found in the {step.crm} emulator"
    if step.crm == "salesforce":
        return (
            f"Salesforce Task `{activity_id}` — Subject “{rec['Subject']}”,"
            f" WhatId `{rec.get('WhatId')}`, WhoId `{rec.get('WhoId')}`, Status {rec.get('Status')}"
        )
    on = " ✓" if step.ref in refs_of("hubspot", rec) else " (association not visible in state)"
    return (
        f"HubSpot communications `{activity_id}` — channel {rec.get('hs_communication_channel_type')},"
        f" associated with {step.object_type} `{step.record_id}`{on}"
    )


# --- what each step expects (STEP_CHECKS: by the kind of ``Step.expect``) -------------------


def _sent_checks(seen: StepSeen) -> list[Check]:
    sids, sms = seen.sids, {m["sid"] for m in seen.state["sms"]}
    ok = len(sids) == 1 and all(s in sms for s in sids)
    return [(ok, f"({seen.step.key}) exactly one SMS sent for {seen.step.ref} (observed {len(sids)})")]


def _outcome_checks(seen: StepSeen) -> list[Check]:
    """skipped/deferred: every outcome of the record is of that kind, for one of the wanted reasons."""
    step, outcomes = seen.step, seen.outcomes
    ok = bool(outcomes) and not seen.sids
    ok = ok and all(o["outcome"] == step.kind and o["reason"] in step.wanted for o in outcomes)
    reasons = [str(o["reason"]) for o in outcomes] or "nothing"
    checks = [(ok, f"({step.key}) {step.ref} {step.kind} as {'/'.join(step.wanted)} (observed {reasons})")]
    return checks + [c for row in seen.deferred for c in _deferral_checks(seen.state, step, row)]


def _deferral_checks(state: State, step: Step, row: dict[str, Any]) -> list[Check]:
    """A deferral: later, inside the window where it binds, scheduled; and what its reason implies."""
    tag, at, not_before, zones = f"({step.key})", when(row["at"]), when(row["not_before"]), row["zones"]
    if not (at and not_before and zones):
        return [(False, f"{tag} the deferral's audit record has its instant, not_before and zones ({row})")]
    opens, closes = _ruleset().send_time.default_window
    inside = all(opens <= not_before.astimezone(ZoneInfo(z)).time() < closes for z in zones)
    window = f"{opens:%H:%M}-{closes:%H:%M} in {', '.join(zones)}"
    checks = [
        (not_before > at and inside, f"{tag} not_before {_short(not_before)} is later, and inside {window}"),
        (
            row["pending"],
            f"{tag} schedule `{row['schedule']}` pending (puts the event back on the TriggerQueue)",
        ),
    ]
    if row["reason"].startswith("cap_24h"):
        same = [t for m, t in history_before(state, row, 1) if m["rule"] == row["rule"]]
        free = min(same) + timedelta(days=1) if same else None
        ok = len(same) >= 3 and free is not None and not_before >= free
        text = (
            f"{tag} {len(same)} `{row['rule']}` messages in the 24 h before; not_before ≥ the oldest + 24 h"
        )
        checks.append((ok, f"{text} ({_short(free)})"))
    if row["reason"].startswith("quiet_hours") and not row["states"]:
        local = at.astimezone(ZoneInfo(zones[0]))
        opening = datetime.combine(local.date(), WINDOW_OPENS, tzinfo=local.tzinfo)
        opening += timedelta(days=1) if local.time() >= WINDOW_OPENS else timedelta(0)
        text = (
            f"{tag} not_before is the next {WINDOW_OPENS:%H:%M} in {zones[0]} ({_local(opening, zones[0])})"
        )
        checks.append((not_before == opening, text))
    return checks


def _rejected_checks(seen: StepSeen) -> list[Check]:
    status, observed = int(seen.step.wanted[0]), [h["status"] for h in seen.step.http]
    return [
        (observed == [status], f"({seen.step.key}) forged webhook answered {status} (observed {observed})")
    ]


def _untouched_checks(seen: StepSeen) -> list[Check]:
    """Outside every window: never queued, so no delivery, no outcome, no SMS."""
    deliveries = sum(v.deliveries for v in seen.views)
    ok = not deliveries and not seen.outcomes and not seen.sids
    return [(ok, f"({seen.step.key}) {seen.step.ref} untouched (observed {deliveries} deliveries)")]


STEP_CHECKS: dict[str, Callable[[StepSeen], list[Check]]] = {
    "sent": _sent_checks,
    "skipped": _outcome_checks,
    "deferred": _outcome_checks,
    "rejected": _rejected_checks,
    "untouched": _untouched_checks,
}


# --- the renewal window ---------------------------------------------------------------------


def _renewal_rules() -> list[Any]:
    return [r for r in _ruleset().rules if r.renewal is not None]


def _recipient_role(state: State, crm: str, record_id: str, contact_id: str) -> str:
    """The contact's role on the record, as the CRM holds it (contact role, or association label)."""
    if crm == "salesforce":
        roles = [
            (r, parent)
            for sobject, parent in (
                ("OpportunityContactRole", "OpportunityId"),
                ("ContractContactRole", "ContractId"),
            )
            for r in state["salesforce"].get(sobject, [])
        ]
        return next(
            (
                str(r.get("Role") or "")
                for r, parent in roles
                if r.get(parent) == record_id and r.get("ContactId") == contact_id
            ),
            "",
        )
    deal = next((d for d in state["hubspot"].get("deals", []) if rec_id(d) == record_id), {})
    return str(((deal.get("association_labels") or {}).get("contacts") or {}).get(contact_id, ""))


def renewal_lines(
    state: State,
    scene: RenewalScene,
    by_record: dict[str, list[EventView]],
    checks: list[Check],
    step_sms: dict[str, int],
) -> list[str]:
    """``## Renewal window``: the rules, each scan's answer, then each renewal record (sent, skipped,
    untouched) read back from the state, with the checks of the scene."""
    lines = [
        "## Renewal window",
        "",
        "The renewal scanner (`RenewalScannerFunction`, daily on an EventBridge Scheduler schedule in AWS) "
        "was invoked through the stack with a scheduled event, before the afternoon's changes below. It queues "
        "one trigger event per record inside a window; the dispatcher judges it like any other (consent, "
        "send-time policy, caps) and texts the record's decision maker. The rules:",
        "",
    ]
    for rule in _renewal_rules():
        r = rule.renewal
        lines.append(
            f"- `{rule.name}` on {CRM[rule.crm].label}: {rule.object_type} `{rule.field}` = "
            f"{', '.join(rule.equals)}, by `{r.date_field}`, windows {', '.join(f'{w} d' for w in r.windows)}; "
            f"recipient: role “{r.recipient_role}”; purpose **{rule.purpose}**, template {_templates_of(rule)}"
        )
    lines += [
        "",
        "Renewal texts are marketing, so each decision maker needs a recorded opt-in: "
        + "; ".join(scene.opt_ins)
        + ". Marketing is capped at 1 message per 24 h and 3 per 7 days per number, counting every message "
        "already sent to it (transactional ones too). The scan runs first, so Lena and Ruth get their renewal "
        "text before the transactional texts of (b) and (d), which no cap holds back; had the scan run after "
        "(b) and (d), both renewals would have been deferred (`frequency_cap_24h`) to 24 h after those texts "
        "(and then skipped as `opted_out`: both reply STOP below).",
        "",
    ]
    for n, run in enumerate(scene.scans, 1):
        if run.error:
            lines.append(f"- **Scan {n}** ({_short(when(run.at))}) failed: {run.error}")
            continue
        result = run.result or {}
        lines.append(
            f"- **Scan {n}** ({_short(when(run.at))}): found **{result.get('found')}** in a window, "
            f"queued **{result.get('queued')}**, already handled **{result.get('already')}** → "
            f"SMS sent after the queue drained: **{run.sms_after - run.sms_before}** (`{result}`)"
        )
    if len(scene.scans) > 1:
        lines.append(
            "- The second scan is a re-run (a retried schedule, a scan after an outage): each record's event key "
            "(`renewal:<crm>:<account>:<record>:<date>:<window>`) is the same, its outcome is already in the "
            "ledger, so nothing is queued and nobody is texted again; had it been queued, the dispatcher would "
            "have answered `duplicate`, and the send slot's cooldown keeps one message per rule, record and "
            "recipient."
        )
    lines.append("")
    first, *again = scene.scans
    inside = [s for s in scene.steps if s.kind != "untouched"]
    found = (first.result or {}).get("found")
    checks.append(
        (
            not first.error and found == len(inside) == (first.result or {}).get("queued"),
            f"renewal scan 1: found and queued {len(inside)} records inside a window (observed {found})",
        )
    )
    for n, run in enumerate(again, 2):
        result = run.result or {}
        ok = not run.error and result.get("queued") == 0 and result.get("already") == len(inside)
        ok = ok and run.sms_after == run.sms_before
        checks.append(
            (
                ok,
                f"renewal scan {n}: nothing queued, {len(inside)} already handled, no SMS "
                f"(observed queued {result.get('queued')}, {run.sms_after - run.sms_before} SMS)",
            )
        )
    messages = {str(m["sid"]): m for m in state.get("messages", [])}
    for step in scene.steps:
        seen = StepSeen(state, step, by_record.get(step.ref, []), False)
        step_sms[step.key] = len(seen.sids)
        section = step_lines(seen)
        section[0] = "#" + section[0]
        rec = record_of(state, step.crm, step.record_id) or {}
        date = next((str(rec[f]) for f in ("CloseDate", "EndDate", "renewal_date") if rec.get(f)), "?")
        section.insert(2, f"- **Renews:** {date}")
        if step.kind == "untouched":
            section.insert(-1, "- **Not queued:** outside every window — no event, no outcome, no SMS")
        for sid in seen.sids:
            m = messages.get(sid, {})
            cid = str(m.get("contact_id", ""))
            role = _recipient_role(state, step.crm, step.record_id, cid)
            name = name_of(record_of(state, step.crm, cid))
            section.insert(
                -1,
                f"- **Recipient:** {name} (`{cid}`){f', role “{role}”' if role else ''}; template "
                f"`{m.get('template')}` v{m.get('version')} (`{m.get('template_tag')}`, variant "
                f"`{m.get('variant') or '-'}`), {m.get('segments')} {m.get('encoding')} segment(s)",
            )
            used, bought = _seats(state, step, rec)
            body = str(m.get("body", ""))
            said = [
                w for w in (f"Seats used: {used} of {bought}.", f"Seats used: {used}/{bought}.") if w in body
            ]
            wanted = said[0] if said else f"Seats used: {used} of {bought}."
            checks.append(
                (
                    bool(said) and m.get("segments") == 1,
                    f"({step.key}) the renewal text says “{wanted}” in one segment",
                )
            )
        lines += section
        checks += STEP_CHECKS[step.kind](seen)
    return lines


def _seats(state: State, step: Step, rec: dict[str, Any]) -> tuple[Any, Any]:
    """Seats used and bought as the CRM holds them: on the record (an opportunity, a deal), or on a
    contract's account."""
    if step.crm == "hubspot":
        return rec.get("seats_used"), rec.get("seats_purchased")
    if step.object_type == "contract":
        rec = record_of(state, "salesforce", str(rec.get("AccountId") or "")) or {}
    return rec.get("Seats_Used__c"), rec.get("Seats_Purchased__c")


def _templates_of(rule: Any) -> str:
    """A rule's template, or its variants (``name`` when … → template; the default last)."""
    if rule.template:
        return f"`{rule.template}`"
    return "by variant: " + ", ".join(
        f"`{v.name}` "
        + (" and ".join(f"{k} in {list(vals)}" for k, vals in v.when.items()) if v.when else "otherwise")
        + f" → `{v.template}`"
        for v in rule.variants
    )


# --- tracked links ---------------------------------------------------------------------------


def link_lines(state: State, scene: LinkScene, checks: list[Check]) -> list[str]:
    """``## Tracked links``: the link the demo followed, its fetches as the StateTable recorded them
    (``clicks``), the click logged on the record's thread, and the variant chosen by tier."""
    items = {(str(i["pk"]), str(i["sk"])): i for i in state["ledger"]}
    link = items.get((f"LINK#{scene.code}", "LINK"), {})
    target = str(link.get("target", ""))
    record = f"{link.get('crm')}:{link.get('object_type')}:{link.get('record_id')}"
    message = next((m for m in state.get("messages", []) if m["sid"] == scene.sid), {})
    rows = [c for c in state.get("clicks", []) if c["code"] == scene.code]
    rec = record_of(state, str(link.get("crm", "")), str(link.get("record_id", ""))) or {}
    lines = [
        "## Tracked links",
        "",
        f"Every message's link is a tracked link on the link domain (`LINK_DOMAIN={scene.domain}`, in AWS a "
        "custom domain of the HTTP API): `https://"
        f"{scene.domain}/l/<code>`, and the CRM's URL stays in the StateTable. Locally the demo requests the "
        "stack's own URL with the link's path.",
        "",
        f"- **Link:** `https://{scene.domain}/l/{scene.code}` in the renewal text `{scene.sid}` on `{record}` "
        f"→ target `{target}`",
        f"- **Variant chosen by tier:** the record's `Tier__c` is **{rec.get('Tier__c') or '-'}** → variant "
        f"`{message.get('variant') or '-'}`, template `{message.get('template')}` v{message.get('version')} "
        f"(`{message.get('template_tag')}`), {message.get('segments')} {message.get('encoding')} segment(s)",
    ]
    for f in scene.fetches:
        lines.append(
            f"- **{f['who']}** ({f['method']}, User-Agent `{f['user_agent'][:40]}…`) → **{f['status']}** "
            f"to `{f['location']}`"
        )
    lines.append("- **Recorded** (`clicks` in state.json):")
    lines += [
        f"  - `{c['kind']}` at {_short(when(c['at']))}{f' ({c["reason"]})' if c.get('reason') else ''}, "
        f"sid `{c['sid']}`, variant `{c['variant'] or '-'}`"
        for c in rows
    ]
    thread = [t for t in state["salesforce"].get("Task", []) if t.get("WhatId") == link.get("record_id")]
    logged = [t for t in thread if f"SMS link clicked: {target}" in str(t)]
    counted = (int(link.get("clicks") or 0), int(link.get("previews") or 0))
    lines += [
        f"- **Counted on the link:** clicks **{counted[0]}**, previews **{counted[1]}** (a preview counts no click)",
        f"- **Logged on the record's thread:** {len(logged)} x “SMS link clicked: {target}”",
        "",
    ]
    kinds = sorted(c["kind"] for c in rows)
    checks += [
        (
            all(f["status"] == 302 and f["location"] == target for f in scene.fetches) and bool(target),
            "tracked link: every fetch answered 302 to the target",
        ),
        (
            kinds == ["click", "preview"] and counted == (1, 1),
            f"tracked link: one click counted, the preview counted none (recorded {kinds}, counted {counted})",
        ),
        (len(logged) == 1, f"tracked link: the click logged once on the record's thread ({len(logged)})"),
        (
            message.get("variant") == "enterprise" and rec.get("Tier__c") == "Enterprise",
            f"variant by tier: `{message.get('variant')}` on the Enterprise renewal's message",
        ),
    ]
    return lines


# --- the closed loop: replies, threads, consent, SLA --------------------------------------


@dataclass
class Seen:
    """What the state holds about one reply."""

    state: State
    reply: Reply
    answered: Activity | None  # the reply as logged in a CRM

    @property
    def outcome(self) -> dict[str, Any] | None:
        return inbound_outcome(self.state, self.reply.sid)

    @property
    def details(self) -> dict[str, Any]:
        return (self.outcome or {}).get("details") or {}

    @property
    def conversation(self) -> dict[str, Any] | None:
        """The outbound SMS it answers."""
        return conversation_of(self.state, self.reply.phone)

    @property
    def task(self) -> TaskView | None:
        return owner_task(self.state, str(self.details.get("task_id", "")))

    @property
    def thread(self) -> str:
        """The record of the SMS it answers (``crm:object_type:id``), or ""."""
        c = self.conversation
        return f"{c['crm']}:{c['object_type']}:{c['record_id']}" if c else ""

    @property
    def tag(self) -> str:
        return f"(reply {self.reply.key})"


def closed_loop_lines(state: State, replies: Any, checks: list[Check]) -> list[str]:
    """One section per reply: the TwiML answer, the routing outcome, where it was logged, the task,
    the consent change — each read back from the state — and its checks."""
    if not replies:
        return []
    by_sid = {a.sid: a for a in sms_activities(state) if a.sid}
    lines = [
        "## Replies — the closed loop",
        "",
        "Each reply was posted to `POST /twilio/inbound` over HTTP the way Twilio posts it: form-encoded, "
        "`X-Twilio-Signature` computed with the twilio library's `RequestValidator` for the stack's public URL, "
        "a new `MessageSid` each, `From` = the contact's number, `To` = the Messaging Service number.",
        "",
    ]
    for r in replies:
        seen = Seen(state, r, by_sid.get(r.sid))
        lines += reply_lines(seen)
        checks += [
            c for key, check in REPLY_CHECKS.items() if key in {"always", *r.expect} for c in check(seen)
        ]
    return lines


def reply_lines(seen: Seen) -> list[str]:
    state, r, details, conv = seen.state, seen.reply, seen.details, seen.conversation
    said = twiml_messages(r.twiml)
    lines = [
        f"### ({r.key}) {r.title}",
        "",
        f"- **What happened:** {r.who} texted from {mask(r.phone)}:",
        f"  > {r.body}",
        f"- **HTTP:** `POST /twilio/inbound` (MessageSid `{r.sid}`, signed) → **{r.http_status}** "
        f"`{r.content_type.split(';')[0] or '?'}`",
        f"  ```xml\n  {mask_in_text(r.twiml.strip())}\n  ```",
        *[f"  The sender gets back: “{mask_in_text(m)}”" for m in said],
        *([] if said else ["  (an empty `<Response/>`: no SMS goes back)"]),
    ]
    if seen.outcome is None:
        lines.append("- **Routed:** no `EVENT#in:` outcome in the ledger")
    else:
        on = f", on {_record_label(state, details['logged_on'])}" if details.get("logged_on") else ""
        lines.append(
            f"- **Routed** (ledger `EVENT#in:{r.sid}`): intent **{details.get('intent', '?')}**, "
            f"found by {details.get('how', '?')}{on}"
        )
    if (a := seen.answered) is not None:
        on_records = ", ".join(_record_label(state, ref) for ref in a.records if ":contact:" not in ref)
        answers = (
            f" — the record of the SMS it answers (`{conv['sid']}`) ✓" if seen.thread in a.records else ""
        )
        lines.append(
            f"- **Logged:** {a.crm} activity `{a.id}` (inbound, {_short(a.at)}) on {on_records or 'the contact only'}{answers}"
        )
    else:
        lines.append("- **Logged:** not on any CRM record (no contact could be tied to the number)")
    if (task := seen.task) is not None:
        lines.append(
            f"- **Task:** {task.crm} `{task.id}` “{task.subject}” — priority **{task.priority}**, "
            f"due {_short(task.due)}, owner `{task.owner or '(default)'}`, status {task.status}"
        )
    elif seen.outcome is not None:
        lines.append(f"- **Task:** none (intent {details.get('intent', '?')} creates no owner task)")
    consent = consent_of(state, r.phone)
    lines += [
        f"- **Consent:** {mask(r.phone)} → **{h['status']}** (source `{h['source']}`, evidence `{h['evidence']}`,"
        f" at {h['at']}); current status: {consent['status']}"
        for h in consent.get("history", [])
        if h["evidence"] == r.sid
    ]
    if details.get("crm_consent") and conv:
        crm, cid = conv["crm"], conv["contact_id"]
        evidence = consent_evidence(state, crm, cid, details["crm_consent"], r.sid)
        lines.append(
            f"- **CRM consent:** {CRM[crm].label} contact {name_of(record_of(state, crm, cid))} (`{cid}`):"
            f" `{CRM[crm].consent}` = **{contact_field(state, crm, cid, 'consent') or 'empty'}**; evidence task "
            + (f"`{evidence.id}` “{evidence.subject}”" if evidence else "not found")
        )
    if r.expect.get("flag") and conv:
        lines += [
            f"- **Number flagged:** {crm} contact {name} (`{cid}`): `{status}`"
            for crm, cid, name, status in flagged_contacts(state)
            if cid == conv["contact_id"]
        ]
    return [*lines, ""]


# --- what each reply expects (REPLY_CHECKS: by the keys of ``Reply.expect``) ----------------


def _answered_and_routed(s: Seen) -> list[Check]:
    r, outcome, conv, answered, ref = s.reply, s.outcome, s.conversation, s.answered, s.thread
    checks = [
        (
            r.http_status == 200 and "<Response>" in r.twiml,
            f"{s.tag} webhook answered 200 with TwiML (observed {r.http_status})",
        ),
        (
            outcome is not None and outcome["outcome"] == "routed",
            f"{s.tag} routed once: ledger `EVENT#in:<sid>`",
        ),
    ]
    if conv is not None:
        earlier = [a for a in sms_activities(s.state) if a.direction == "outbound" and a.sid == conv["sid"]]
        ok = (
            answered is not None
            and ref in answered.records
            and bool(earlier)
            and earlier[0].order < answered.order
        )
        observed = answered.records if answered else "no activity"
        checks.append((ok, f"{s.tag} logged on {ref}, after the SMS it answers (observed {observed})"))
    return checks


def _intent(s: Seen) -> list[Check]:
    wanted, observed = s.reply.expect["intent"], s.details.get("intent")
    return [(observed == wanted, f"{s.tag} intent {wanted} (observed {observed or 'nothing'})")]


def _opted_out(s: Seen) -> list[Check]:
    consent, answered_at = consent_of(s.state, s.reply.phone), when(s.reply.answered_at)
    history = consent.get("history", [])
    recorded = [when(h["at"]) for h in history if h["evidence"] == s.reply.sid and h["status"] == "opted_out"]
    ok = consent.get("status") == "opted_out" and bool(
        recorded and answered_at and recorded[0] <= answered_at
    )
    text = f"{s.tag} ConsentTable: {mask(s.reply.phone)} opted_out with this MessageSid as evidence, before the answer"
    return [(ok, f"{text} (observed {consent.get('status', 'no row')})")]


def _confirmations(s: Seen) -> list[Check]:
    n, wanted = len(twiml_messages(s.reply.twiml)), s.reply.expect["confirmations"]
    return [(n == wanted, f"{s.tag} {wanted} confirmation(s) in the TwiML answer (observed {n})")]


def _crm_consent(s: Seen) -> list[Check]:
    status, conv = s.reply.expect["crm_consent"], s.conversation or {"crm": "", "contact_id": ""}
    crm, cid = conv["crm"], conv["contact_id"]
    observed = contact_field(s.state, crm, cid, "consent") if crm in CRM else ""
    evidence = consent_evidence(s.state, crm, cid, status, s.reply.sid)
    text = (
        f"{s.tag} the CRM contact's consent field is {status}, with an evidence task “SMS consent: {status}”"
    )
    return [
        (
            observed == status and evidence is not None,
            f"{text} (observed {observed or 'empty'}, task {evidence and evidence.id})",
        )
    ]


def _task(s: Seen) -> list[Check]:
    wanted, task = s.reply.expect["task"], s.task
    if wanted is None:
        return [
            (
                not s.details.get("task_id"),
                f"{s.tag} no owner task (observed {s.details.get('task_id') or 'none'})",
            )
        ]
    ok = task is not None and (wanted == "any" or task.priority == wanted)
    wording = "an owner task" if wanted == "any" else f"owner task with priority {wanted}"
    return [(ok, f"{s.tag} {wording} (observed {task.priority if task else 'no task'})")]


def _due(s: Seen) -> list[Check]:
    due, posted, answered_at = s.task and s.task.due, when(s.reply.posted_at), when(s.reply.answered_at)
    if s.reply.expect["due"] == "next_business_day":
        hours = _ruleset().routing.business_hours
        local_due = due.astimezone(ZoneInfo(hours.timezone)) if due else None
        ok = bool(local_due and posted and local_due.time() == hours.opens)
        ok = ok and local_due.date() > posted.astimezone(ZoneInfo(hours.timezone)).date()
        return [(ok, f"{s.tag} due at the next business day's opening (observed {_short(due)})")]
    one = timedelta(seconds=1)
    ok = bool(
        due and posted and answered_at and posted - one <= due - timedelta(minutes=5) <= answered_at + one
    )
    if ok and due and s.answered is not None and s.answered.crm == "hubspot" and s.answered.at is not None:
        ok = abs((due - timedelta(minutes=5)) - s.answered.at) < timedelta(milliseconds=2)
    return [(ok, f"{s.tag} due = received + 5 min (observed due {_short(due)})")]


def _flag(s: Seen) -> list[Check]:
    cid, wanted = (s.conversation or {}).get("contact_id"), s.reply.expect["flag"]
    flags = [f[3] for f in flagged_contacts(s.state) if f[1] == cid]
    return [
        (
            bool(cid) and wanted in flags,
            f"{s.tag} the texted contact's number flagged {wanted} (observed {flags or 'none'})",
        )
    ]


def _twiml(s: Seen) -> list[Check]:
    said = twiml_messages(s.reply.twiml)
    return [
        (any(p in m for m in said), f"{s.tag} the TwiML answer says “{p}”") for p in s.reply.expect["twiml"]
    ]


def _triage(s: Seen) -> list[Check]:
    how, task = s.details.get("how"), s.task
    ok = how == "triage" and task is not None and "triage" in task.subject.lower()
    return [
        (
            ok,
            f"{s.tag} unknown number → triage task (observed how={how or '?'}, task={'yes' if task else 'no'})",
        )
    ]


REPLY_CHECKS: dict[str, Callable[[Seen], list[Check]]] = {  # in this order: "always", then the expected keys
    "always": _answered_and_routed,
    "intent": _intent,
    "opted_out": _opted_out,
    "confirmations": _confirmations,
    "crm_consent": _crm_consent,
    "task": _task,
    "due": _due,
    "flag": _flag,
    "twiml": _twiml,
    "triage": _triage,
}


def thread_lines(state: State) -> list[str]:
    """Per record: the SMS thread (outbound and inbound, in order) and the tasks on it, as the CRMs hold them."""
    activities = sorted(sms_activities(state), key=lambda a: a.order)
    refs = list(dict.fromkeys(ref for a in activities for ref in a.records if ":contact:" not in ref))
    tasks_by_ref: dict[str, list[TaskView]] = defaultdict(list)
    for task in (owner_task(state, str(row["task_id"])) for row in state["inbound"]):
        if task is not None:
            tasks_by_ref[next((r for r in task.records if ":contact:" not in r), "(no record)")].append(task)
    lines = [
        "## Threads by record (read back from the CRM emulators)",
        "",
        "Salesforce: Tasks “SMS sent…/SMS received…” by `WhatId`; HubSpot: SMS Communications by association.",
        "",
    ]
    for ref in [*refs, *[r for r in tasks_by_ref if r not in refs]]:
        lines += [f"### {_record_label(state, ref) if ref != '(no record)' else 'No record: triage'}", ""]
        thread = [a for a in activities if ref in a.records]
        for n, a in enumerate(thread, 1):
            arrow = "→ sent" if a.direction == "outbound" else "← received"
            lines.append(f"{n}. {arrow} {_short(a.at)} (`{a.sid}`): {' '.join(mask_in_text(a.body).split())}")
        lines += [""] if thread else []
        lines += [
            f"- Task `{t.id}` “{mask_in_text(t.subject)}” — **{t.priority}**, due {_short(t.due)}, {t.status}"
            for t in tasks_by_ref.get(ref, [])
        ]
        on_thread = {r for a in thread for r in a.records}
        lines += [
            f"- Contact {name} (`{cid}`): number flagged **{status}**"
            for crm, cid, name, status in flagged_contacts(state)
            if f"{crm}:contact:{cid}" in on_thread
        ]
        lines += [""] if lines[-1] else []
    return lines


def consent_lines(state: State) -> list[str]:
    lines = ["## Consent (ConsentTable)", ""]
    for c in state["consent"]:
        lines.append(f"- {mask(str(c['phone']))}: **{c['status']}** (updated {c['updated_at']})")
        lines += [
            f"  - {h['at']}: {h['status']} — source `{h['source']}`, evidence `{h['evidence']}`"
            for h in c["history"]
        ]
    return [*lines, ""]


def consent_and_timing_lines(state: State, steps: list[Step], records: dict[str, str]) -> list[str]:
    """The zones on the contacts, then each deferral and consent suppression as the ledger audited it
    (*records*: event key → the record it is about)."""
    from textloop.adapters.hubspot import iana_zone

    step_of, now = {s.ref: s.key for s in steps if s.ref}, datetime.now(UTC)
    lines = [
        "## Consent and timing",
        "",
        "Every message obeys 08:00-21:00 in the recipient's zone; marketing also needs a recorded opt-in and "
        "obeys the federal and state rules and the frequency caps. The demo gives each contact a time zone "
        "where it is daytime now, so that it runs at any hour (and, to the contact whose offer must wait, one "
        "where it is night). The zones on the contacts, as the CRMs hold them:",
        "",
    ]
    for crm, c in contacts(state):
        if zone := str(c.get(CRM[crm].zone) or ""):
            lines.append(
                f"- {CRM[crm].label} contact {name_of(c)} (`{rec_id(c)}`): `{CRM[crm].zone}` = {zone}"
                f" — local time now {_local(now, iana_zone(zone))}"
            )
    rows = []
    for row in state["deferred"]:
        zones = row["zones"] or ["?"]
        local_then = "; ".join(_local(row["local_times"].get(z), z) for z in zones)
        pending = "pending" if row["pending"] else "fired or gone"
        later = [r for r in row["held_by"] if r != row["reason"]]
        reason = row["reason"] + (f" (then {', '.join(later)})" if later else "")
        cells = [row["rule"], row["purpose"], "deferred", reason, ", ".join(zones), local_then]
        rows.append((step_of.get(row["record"], "?"), [*cells, _local(row["not_before"], zones[0]), pending]))
    for key, item in ledger_outcomes(state).items():
        if item["outcome"] == "skipped" and item["reason"] in CONSENT_REASONS:
            d = item["details"]
            reason = item["reason"] + (f" ({d['crm_flag']})" if d.get("crm_flag") else "")
            cells = [d.get("rule", "?"), d.get("purpose", "?"), "skipped", reason, "—", "—", "—", "—"]
            rows.append((step_of.get(records.get(key, ""), "?"), cells))
    return [
        *lines,
        "",
        "Each deferral and suppression, as the ledger recorded it (the audit record):",
        "",
        "| step | rule | purpose | outcome | reason | binding zones | local time then | not before (local) | schedule |",
        "|---|---|---|---|---|---|---|---|---|",
        *[f"| ({key}) | " + " | ".join(cells) + " |" for key, cells in sorted(rows, key=lambda r: r[0])],
        "",
    ]


def watchdog_lines(state: State, run: WatchdogRun, checks: list[Check]) -> list[str]:
    at = when(run.at)
    open_tasks = [i for i in state["ledger"] if i["pk"] == "SLA#OPEN"]
    dues = sorted(d for d in (when(i.get("due")) for i in open_tasks) if d)
    done = [i for i in state["ledger"] if str(i["pk"]).startswith("TASK#") and i["sk"] == "SLA"]
    earliest = f"; the earliest is due {_short(dues[0])}" if dues else ""
    lines = [
        "## SLA watchdog",
        "",
        "In AWS it runs on a schedule (every 5 minutes). Here it was invoked once through the stack "
        f"(the real handler, the real clock) at {_short(at)}.",
        f"- **Failed:** {run.error}" if run.error else f"- **Answer:** `{run.result}`",
        f"- **Watched tasks still open:** {len(open_tasks)}{earliest}; escalated or closed so far: {len(done)}",
    ]
    overdue = [d for d in dues if at and d <= at]
    answered = not run.error and isinstance(run.result, dict)
    if answered and run.result.get("escalated") == 0:
        lines.append(
            "- Nothing was overdue yet, so nothing was escalated. Escalation is **not shown** in this demo: "
            "the shortest SLA is 5 minutes (`Due.minutes` must be ≥ 1), the demo takes seconds, and it does not "
            "back-date a task or move any clock past an open task's due time (its later run, under First "
            "response, moves only the watchdog's clock, to the due time of a task already completed)."
        )
    text = f"SLA watchdog ran through the stack: {run.error or run.result} (open tasks overdue after it ran: {len(overdue)})"
    checks.append((answered and not overdue, text))
    return [*lines, ""]


# --- pipeline outcomes (CRM outcomes credited to messages) ------------------------------------------


@dataclass
class OutcomeScene:
    """The CRM outcomes the demo played after the texts (records as ``<crm>:<object>:<id>``)."""

    meeting: str  # the Salesforce Event booked on the texted opportunity
    won: str  # that opportunity, closed won
    won_amount: float
    outside: str  # an opportunity whose only message is older than the window, closed lost
    outside_sid: str
    outside_days: int
    hubspot_created: str  # a HubSpot deal created for the contact texted in (c) (amount read from HubSpot)
    hubspot_contact_record: str  # the record of that contact's text
    hubspot_amount: float
    webhook_status: int = 0
    hubspot_meeting: str = ""  # a HubSpot meeting booked with that contact on the deal texted in (c)
    meeting_webhook_status: int = 0


def outcomes_section(state: State, scene: OutcomeScene | None) -> tuple[str, bool]:
    """The ``outcomes`` of state.json as a table, and whether the played ones were recorded once each,
    credited as expected (the meeting and both wins to the message on their record, the late loss to none)."""
    rows = state.get("outcomes", [])
    lines = [
        "## Pipeline outcomes",
        "",
        "What the CRMs said happened after the texts (Salesforce change events through the outcome rule, "
        "HubSpot deal and meeting webhooks), each recorded once (each outcome was delivered at least twice) and credited "
        "to the latest message within 30 days on its record (else its contact, else its account):",
        "",
        "| at | outcome | record | amount | credited message | rule | template | variant |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        amount = f"{r['amount']:,.2f}" if isinstance(r.get("amount"), int | float) else "-"
        template = f"{r['template']} v{r['version']}" if r.get("template") else "-"
        lines.append(
            f"| {r['at']} | {r['kind']} | {r['record']} | {amount} | {r.get('message_sid') or 'none'} "
            f"| {r.get('rule') or '-'} | {template} | {r.get('variant') or '-'} |"
        )
    if scene is None:
        return "\n".join(lines), True
    sent = {m["record"]: m["sid"] for m in state.get("messages", []) if m.get("record")}
    problems: list[str] = []

    def one(kind: str, record: str) -> dict[str, Any]:
        found = [r for r in rows if r["kind"] == kind and r["record"] == record]
        if len(found) != 1:
            problems.append(f"{kind} on {record}: {len(found)} rows, expected 1")
            return {}
        return found[0]

    meeting = one("meeting_booked", scene.meeting)
    won = one("closed_won", scene.won)
    lost = one("closed_lost", scene.outside)
    hubspot = one("opportunity_created", scene.hubspot_created)
    if meeting and meeting.get("message_sid") != sent.get(scene.won):
        problems.append("the meeting is not credited to the opportunity's message")
    if won and (won.get("message_sid") != sent.get(scene.won) or won.get("amount") != scene.won_amount):
        problems.append("the closed-won opportunity is not credited with its amount")
    if scene.hubspot_meeting:
        booked = one("meeting_booked", scene.hubspot_meeting)
        if booked and booked.get("message_sid") != sent.get(scene.hubspot_contact_record):
            problems.append("the HubSpot meeting is not credited to the text on its deal")
        if not 200 <= scene.meeting_webhook_status < 300:
            problems.append(f"the meeting webhook was answered {scene.meeting_webhook_status}")
    if lost and "message_sid" in lost:
        problems.append("the loss outside the window was credited")
    if hubspot and (
        hubspot.get("message_sid") != sent.get(scene.hubspot_contact_record)
        or hubspot.get("amount") != scene.hubspot_amount
    ):
        problems.append("the new HubSpot deal is not credited to its contact's text with its amount")
    lines += [
        "",
        f"- Meeting booked on {scene.won}: credited to {sent.get(scene.won, '?')} (the text of (a)).",
        f"- Closed won, {scene.won_amount:,.2f}: credited to the same message.",
        f"- HubSpot {scene.hubspot_created} created for the contact texted in (c): amount "
        f"{scene.hubspot_amount:,.2f} and contact read from HubSpot, credited to "
        f"{sent.get(scene.hubspot_contact_record, '?')} (the text of (c), found under the contact).",
        *(
            [
                f"- HubSpot {scene.hubspot_meeting} booked with that contact on {scene.hubspot_contact_record} "
                "(an object.creation webhook, object type 0-47, sent twice): its deal, contact and company read "
                f"from HubSpot, credited to {sent.get(scene.hubspot_contact_record, '?')} (the deal's own text)."
            ]
            if scene.hubspot_meeting
            else []
        ),
        f"- {scene.outside} closed lost: its only message ({scene.outside_sid}, seeded {scene.outside_days} days "
        "back) is outside the window — credited to nobody.",
    ]
    lines += [f"- PROBLEM: {p}" for p in problems]
    return "\n".join(lines), not problems
