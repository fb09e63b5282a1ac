"""``make faults``: the demo's main scenario played under fault plans, counted, and judged.

The plans and the scenario are data (``fault_plans.json``). Each plan runs on a fresh local stack in its
own process (the stack is process-global): its faults are added through ``POST /_local/faults``, then the
CRM changes are made and published the way the vendors do (Event Relay → EventBridge, at least once;
HubSpot's signed webhook, retried on 5xx as HubSpot does), the stack drains, and the contacts' opt-outs are
posted to ``/twilio/inbound`` as Twilio posts them (once, then once to the Fallback URL if that failed). Then the
outage ends (faults cleared) and, as an operator would, every dead-lettered message is redriven
(``textloop redrive``'s code) once the send leases ran out (``SEND_LEASE_SECONDS=5`` on these stacks: with
the local 2 s visibility timeout a redelivery may take over a send still waiting on Twilio, a harsher race
than AWS's 120 s lease allows). Figures per plan, from the observed state at the end:

* ``sms_per_change``: most SMS any one change's contact received (≤ 1);
* ``no_outcome``: changes with no outcome in the ledger and not in a dead-letter queue (0);
* ``opt_outs_lost``: opt-outs not in the ConsentTable as opted out and not in a dead-letter queue (0);
* ``duplicate_activities``: CRM activities beyond one per kind and Twilio message SID (0): the SMS logs (sent
  and received) and every task naming a message (consent evidence, reply tasks).

A plan with ``expected_violation`` documents a known open defect: it passes only if the named violations are
exactly the ones observed (so the suite notices when the defect is fixed, too).
``python -m textloop_local.fault_suite [--plan NAME ...] [--workers N]``; exit status 1 on any violation.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

PLANS = Path(__file__).with_name("fault_plans.json")
BOUNDS = {"sms_per_change": 1, "no_outcome": 0, "opt_outs_lost": 0, "duplicate_activities": 0}
LEASE_SECONDS = 5  # SEND_LEASE_SECONDS on the suite's stacks: a redrive after the outage can take a slot over
DRAIN_SECONDS = 45.0
HUBSPOT_ATTEMPTS = 5  # HubSpot retries a webhook batch answered 5xx (or timed out)
DEAD_LETTER_SUFFIX = "DeadLetterQueue"
SID = re.compile(r"\b(?:SM|MM)[0-9a-f]{32}\b")  # a Twilio message SID


@dataclass
class PlanResult:
    name: str
    figures: dict[str, int] = field(default_factory=dict)
    fired: dict[str, int] = field(default_factory=dict)  # fault id → times it fired
    expected: dict[str, str] = field(default_factory=dict)  # figure → the documented defect
    error: str = ""
    seconds: float = 0.0
    redriven: int = 0  # dead-lettered messages moved back once the outage was over
    settled: bool = True  # every queue drained in time (a message the app delays on purpose may not be)

    @property
    def violations(self) -> list[str]:
        if self.error:
            return ["error"]
        return [name for name, bound in BOUNDS.items() if self.figures.get(name, 0) > bound]

    @property
    def ok(self) -> bool:
        return not self.error and sorted(self.violations) == sorted(self.expected)


def load(path: Path = PLANS) -> dict[str, Any]:
    from textloop_local.faults import parse

    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    for plan in data["plans"]:
        for fault in plan["faults"]:
            parse(fault)  # a bad plan fails here, with every problem named
        unknown = set(plan.get("expected_violation", {})) - set(BOUNDS)
        if unknown:
            raise ValueError(f"plan {plan['name']}: expected_violation names no figure: {sorted(unknown)}")
    return data


def run_plan(plan: dict[str, Any], scenario: dict[str, Any]) -> PlanResult:
    """One plan on a fresh stack (call it in a process of its own)."""
    import logging

    import requests

    from textloop_local import demo
    from textloop_local.serve import LocalStack, StackOptions

    logging.disable(logging.CRITICAL)  # the table is the output; the functions log at ERROR (masked)
    started = time.monotonic()
    result = PlanResult(plan["name"], expected=dict(plan.get("expected_violation", {})))
    extra_env = {
        "POWERTOOLS_METRICS_DISABLED": "true",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "ERROR"),
        "SALESFORCE_TIME_ZONE_FIELD": demo.SF_TIME_ZONE_FIELD,
        "SEND_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    stack = LocalStack(StackOptions(extra_env=extra_env))
    try:
        with open(os.devnull, "w") as quiet, redirect_stdout(quiet), stack:  # metrics lines go to stdout
            demo.set_time_zones(stack, demo.choose_zones(datetime.now(UTC)))  # daytime for every contact
            for fault in plan["faults"]:
                requests.post(f"{stack.url}/_local/faults", json=fault, timeout=10).raise_for_status()
            changes = [_Change(stack, c) for c in scenario["changes"]]
            for change in changes:
                change.publish()
            settled = stack.drain(timeout=DRAIN_SECONDS)
            for opt_out in scenario["opt_outs"]:  # answered with TwiML: no Twilio message is created
                _post_inbound(stack, _phone(opt_out["contact"]), opt_out["body"])
            settled = stack.drain(timeout=DRAIN_SECONDS) and settled
            faults = requests.get(f"{stack.url}/_local/faults", timeout=10).json()["faults"]
            result.fired = {f["id"]: f["fired"] for f in faults}
            requests.delete(f"{stack.url}/_local/faults", timeout=10).raise_for_status()  # the outage ends
            result.redriven = _redrive(stack)  # what an operator does next: textloop redrive
            if result.redriven:
                settled = stack.drain(timeout=DRAIN_SECONDS) and settled
            result.settled = settled
            texted = _sms_by_phone(stack)
            if plan["faults"] and not sum(result.fired.values()):
                raise RuntimeError(
                    "no fault of the plan fired: it tested nothing (do its matches still fit?)"
                )
            result.figures = count(
                observe(stack, texted),
                [(c.record, c.phone) for c in changes],
                [_phone(o["contact"]) for o in scenario["opt_outs"]],
            )
    except Exception as problem:  # a plan that breaks the stack is a result, not a crash of the suite
        result.error = f"{type(problem).__name__}: {problem}"[:300]
    result.seconds = round(time.monotonic() - started, 1)
    return result


def _post_inbound(stack: Any, phone: str, body: str) -> None:
    """Twilio posts an incoming SMS once to the webhook and, if that fails (5xx, no answer), once to the
    Fallback URL (the same route, README: Twilio) with the same MessageSid."""
    import uuid

    sid = "SM" + uuid.uuid4().hex
    for _url in ("primary", "fallback"):
        try:
            if stack.post_inbound_sms(phone, body, sid=sid)[1].status_code < 500:
                return
        except OSError:
            pass


class _Change:
    """One CRM change of the scenario, made and published the way the vendor does."""

    def __init__(self, stack: Any, spec: dict[str, Any]) -> None:
        self.stack, self.spec = stack, spec
        self.record = _seed_value(spec["record"])
        self.phone = _phone(spec["contact"])

    def publish(self) -> None:
        from textloop_local import demo
        from textloop_local.emulators import seed

        spec, values = self.spec, {self.spec["property"]: self.spec["value"]}
        if spec["crm"] == "salesforce":
            changed = self.stack.salesforce.update_record(spec["object"], self.record, values)
            entry = demo.salesforce_change_event(
                seed.SF_ORG_ID,
                spec["object"],
                self.record,
                values,
                list(changed or values),
                seed.SF_USER_DANA,
            )
            for _ in range(spec["deliveries"]):  # Event Relay delivers at least once
                self.stack.client("events").put_events(Entries=[entry])
            return
        self.stack.hubspot.update_record(f"{spec['object']}s", self.record, values)
        event = demo.hubspot_event(
            spec["object"],
            self.record,
            spec["property"],
            spec["value"],
            int(seed.HS_PORTAL_ID),
            int(getattr(seed, "HS_APP_ID", 1_160_452)),
        )
        secret = self.stack.env["HUBSPOT_CLIENT_SECRET"]
        for _ in range(spec["deliveries"]):  # the whole batch again: HubSpot delivers at least once
            for _attempt in range(HUBSPOT_ATTEMPTS):
                try:
                    if demo.post_hubspot_batch(self.stack.url, secret, [event]).status_code < 500:
                        break
                except OSError:
                    pass
                time.sleep(1.0)


@dataclass
class Observed:
    """What a plan left behind, read from the stack (``observe``)."""

    texted: dict[str, int]  # E.164 → SMS Twilio holds for it (before the opt-outs are posted)
    outcome_keys: list[str]  # the ledger's EVENT#<key>/OUTCOME keys
    dead_letters: str  # every body in the dead-letter queues
    consent: dict[str, str]  # E.164 → status in the ConsentTable
    activity_keys: list[str]  # one per CRM activity naming a Twilio SID: crm|kind|sid (a twin is a duplicate)


def observe(stack: Any, texted: dict[str, int]) -> Observed:
    from textloop_local.state import ledger_outcomes, sms_activities, tasks

    state = stack.state()
    logged = sms_activities(state)  # the SMS logs (outbound and inbound), then every other task naming a SID
    keys = [f"{a.crm}|{a.direction} SMS|{a.sid}" for a in logged if a.sid]
    ids = {a.id for a in logged}
    keys += [
        f"{t.crm}|{t.subject}|{sid}"
        for t in tasks(state)
        if t.id not in ids
        for sid in set(SID.findall(t.body))
    ]
    return Observed(
        texted=texted,
        outcome_keys=list(ledger_outcomes(state)),
        dead_letters=_dead_letters(stack),
        consent={str(c.get("phone")): str(c.get("status")) for c in state["consent"]},
        activity_keys=keys,
    )


def count(seen: Observed, changes: list[tuple[str, str]], opt_outs: list[str]) -> dict[str, int]:
    """The figures of one plan; ``changes``: (record id, its contact's E.164), ``opt_outs``: E.164."""
    keys = " ".join(seen.outcome_keys)
    return {
        "sms_per_change": max((seen.texted.get(phone, 0) for _, phone in changes), default=0),
        "no_outcome": sum(
            1 for record, _ in changes if record not in keys and record not in seen.dead_letters
        ),
        "opt_outs_lost": sum(
            1 for p in opt_outs if seen.consent.get(p) != "opted_out" and p not in seen.dead_letters
        ),
        "duplicate_activities": len(seen.activity_keys) - len(set(seen.activity_keys)),
    }


def _redrive(stack: Any) -> int:
    """Every dead-lettered message back to its source queue (``textloop redrive``'s own code), once the
    send leases have run out; the number moved."""
    from textloop_local.redrive import DEAD_LETTER_QUEUES, Pair, redrive

    depths = stack.queue_depths()
    pairs = [
        Pair(dead, stack.queues[dead]["url"], source, stack.queues[source]["url"])
        for dead, (source, _) in DEAD_LETTER_QUEUES.items()
        if dead in stack.queues and depths[dead]["visible"]
    ]
    if pairs:
        time.sleep(LEASE_SECONDS + 0.5)
    return sum(redrive(stack.client("sqs"), pair).moved for pair in pairs)


def _sms_by_phone(stack: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for message in stack.twilio.state()["messages"]:
        counts[message["to"]] = counts.get(message["to"], 0) + 1
    return counts


def _dead_letters(stack: Any) -> str:
    """Every body in the stack's dead-letter queues, joined (read without consuming: visibility 0)."""
    sqs, bodies = stack.client("sqs"), list[str]()
    for logical_id, queue in stack.queues.items():
        if logical_id.endswith(DEAD_LETTER_SUFFIX):
            page = sqs.receive_message(QueueUrl=queue["url"], MaxNumberOfMessages=10, VisibilityTimeout=0)
            bodies.extend(m["Body"] for m in page.get("Messages", []))
    return "\n".join(bodies)


def _seed_value(name: str) -> str:
    from textloop_local.emulators import seed

    return str(getattr(seed, name))


def _phone(contact_name: str) -> str:
    """The E.164 number the app texts for a seeded contact (mobile first)."""
    from textloop.domain.phone import to_e164
    from textloop_local.emulators import seed

    contact_id = _seed_value(contact_name)
    for record in [*seed.SALESFORCE["Contact"], *seed.HUBSPOT["contacts"]]:
        if record.get("Id", record.get("id")) == contact_id:
            props = record.get("properties", record)
            raw = next(props[f] for f in ("MobilePhone", "mobilephone", "Phone", "phone") if props.get(f))
            return to_e164(raw)
    raise LookupError(contact_name)


def run(names: list[str] | None = None, workers: int = 3, path: Path = PLANS) -> list[PlanResult]:
    data = load(path)
    plans = [p for p in data["plans"] if not names or p["name"] in names]
    missing = set(names or []) - {p["name"] for p in plans}
    if missing:
        raise ValueError(f"no such plan: {', '.join(sorted(missing))}")
    with ProcessPoolExecutor(max_workers=max(1, workers), mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(run_plan, plan, data["scenario"]) for plan in plans]
        return [f.result() for f in futures]


def table(results: list[PlanResult]) -> str:
    head = ["plan", *BOUNDS, "fired", "redriven", "settled", "s", "verdict"]
    rows = [head]
    for r in results:
        verdict = "ok" if not r.violations else "VIOLATION " + ",".join(r.violations)
        if r.expected and r.ok:
            verdict = "expected: " + ",".join(r.expected)
        elif r.expected:
            verdict += f" (expected {','.join(r.expected)})"
        cells = [str(r.figures.get(k, "-")) for k in BOUNDS]
        fired = str(sum(r.fired.values()))
        settled = "yes" if r.settled else "no"
        rows.append([r.name, *cells, fired, str(r.redriven), settled, f"{r.seconds:.0f}", verdict])
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    notes = [f"  {r.name}: {r.error}" for r in results if r.error]
    notes += [f"  {r.name} ({k}): {v}" for r in results for k, v in r.expected.items()]
    return "\n".join([*lines, *(["", "notes:", *notes] if notes else [])])


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--plan", action="append", help="run only this plan (repeatable)")
    parser.add_argument("--workers", type=int, default=3, help="plans played at once (default 3)")
    parser.add_argument(
        "--plans", type=Path, default=PLANS, help="the plans file (default: fault_plans.json)"
    )
    parser.set_defaults(func=_run)


def add_faults(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``textloop faults`` (cli.py COMMANDS)."""
    _arguments(sub.add_parser("faults", help="play the scenario under the fault plans and judge it"))


def _run(args: argparse.Namespace) -> int:
    results = run(args.plan, args.workers, args.plans)
    print(table(results), flush=True)
    failed = [r.name for r in results if not r.ok]
    print(("FAULTS OK" if not failed else f"FAULTS FAILED: {', '.join(failed)}"), flush=True)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="textloop faults", description=(__doc__ or "").split("\n\n")[0])
    _arguments(parser)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
