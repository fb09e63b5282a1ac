"""The demo transcript, built only from what the local stack observed.

Inputs: the ``/_local/state`` snapshot (Twilio messages, CRM records, ConsentTable, StateTable),
the deliveries the SQS poller handed to the dispatcher, and the HTTP answers the demo received.
The scenario contributes only *what the admin did* (labels and the record touched); every
outcome — sent, skipped and why, duplicates, where the SMS was logged — is read from the state.

Phone numbers are always masked; message bodies are shown (the transcript is for the admin).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

try:
    from textloop.domain.masking import mask
except ImportError:  # older layout
    from textloop.domain.phone import mask


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
) -> tuple[str, Verdict]:
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
