"""A renewal-sized burst on the local stack: N contract renewals seeded in the Salesforce emulator, N renewal
events on the trigger queue at once (as the renewal scanner queues them), drained through the template's
event source mapping (its BatchSize and batching window) into the dispatcher, then counted:

* CRM API calls per SMS, from the Salesforce emulator's request log (every call after the seeding: the
  bulk context reads, the per-record reads of what a prefetch missed, the activity writes; OAuth token
  calls excluded), reads (GET) and writes (the rest) apart too;
* SMS per second end to end: from the first event queued to the queue drained and every message created
  at the Twilio emulator;
* peak memory of the process running the dispatcher's handler: ``ru_maxrss`` of this process, which hosts
  the dispatcher's handler and also the emulators and the API (an upper bound on the dispatcher's own;
  moto runs in a child process of its own, ``moto_process.py``);
* AWS dollars per 1 million SMS from the measured handler durations (cost.py's prices and the template's
  MemorySize): the dispatcher's Lambda GB-seconds and requests, and the SQS requests (one send per 10
  events, the event source mapping's receive and delete per batch). DynamoDB and logs are in
  ``textloop cost`` (aws_usd_per_million_sms), not here.

Checked after the drain: every event has an outcome, and each SMS went once (one message per contact).
The rule is the seeded contract renewal rule as shipped (marketing: consent, caps and the send-time policy
apply), one contract per contact; each contact holds a time zone where it is daytime when the burst starts
(the demo's ``zone_where``), so a burst measured at any hour is sent, never deferred.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import resource
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

BOUND_CALLS_PER_SMS = 0.2


@dataclass
class BurstResult:
    events: int
    sms: int
    outcomes: int
    duplicate_sms: int
    crm_calls: int
    crm_reads: int
    crm_writes: int
    crm_calls_per_sms: float
    crm_reads_per_sms: float
    crm_writes_per_sms: float
    sms_per_second: float
    seconds: float
    batches: int
    mean_batch: float
    handler_ms_per_batch: float
    peak_rss_mb: float
    aws_usd_per_million_sms: float
    outcome_counts: dict[str, int]


def _seed(salesforce: Any, count: int) -> list[tuple[str, str]]:
    """*count* activated contracts ending in 40 days, each with its own Decision Maker (a mobile number,
    opted in), ten contracts per account. Returns (contract id, EndDate)."""
    from textloop_local.demo import DAYTIME_HOURS, SF_TIME_ZONE_FIELD, zone_where
    from textloop_local.emulators import seed

    zone = zone_where(datetime.now(UTC), DAYTIME_HOURS, ("America/Chicago",))
    made: list[tuple[str, str]] = []
    account = ""
    for n in range(count):
        if n % 10 == 0:
            account = salesforce.create_record(
                "Account", {"Name": f"Burst {n // 10}", "Seats_Used__c": 40, "Seats_Purchased__c": 50}
            )
        contact = salesforce.create_record(
            "Contact",
            {
                "AccountId": account,
                "FirstName": "Burst",
                "LastName": f"Contact {n}",
                "MobilePhone": f"+1312{2_000_000 + n:07d}",
                "SMS_Consent__c": "opted_in",
                "MailingState": "IL",
                SF_TIME_ZONE_FIELD: zone,
            },
        )
        dates = seed.contract_dates(40, 12)
        contract = salesforce.create_record(
            "Contract",
            {
                "AccountId": account,
                "Name": f"Burst subscription {n}",
                "Status": "Activated",
                "StartDate": dates["StartDate"],
                "ContractTerm": dates["ContractTerm"],
                "OwnerId": seed.SF_USER_MARCUS,
            },
        )
        salesforce.create_record(
            "ContractContactRole",
            {"ContractId": contract, "ContactId": contact, "Role": "Decision Maker", "IsPrimary": True},
        )
        made.append((contract, dates["EndDate"]))
    return made


def _queue(sqs: Any, url: str, bodies: list[str]) -> int:
    calls = 0
    for start in range(0, len(bodies), 10):
        chunk = bodies[start : start + 10]
        sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": b} for i, b in enumerate(chunk)]
        )
        calls += 1
    return calls


def _usd_per_million(handler_seconds: float, batches: int, sms: int, send_calls: int) -> float:
    from textloop_local import cost

    prices = cost.load_prices()
    spec = cost.template_functions()["DispatcherFunction"]
    p, a = prices.prices, prices.assumptions
    gb_seconds = handler_seconds * spec.memory_mb / 1024
    lambda_usd = gb_seconds * p["lambda_arm64_gb_second"] + batches * p["lambda_request"] / 1e6
    sqs_requests = send_calls + batches * a["lambda_esm_sqs_requests_per_batch"]
    sqs_usd = sqs_requests * p["sqs_standard_request"] / 1e6
    return (lambda_usd + sqs_usd) / max(sms, 1) * 1e6


def run(events: int, timeout: float = 7200.0) -> BurstResult:
    from textloop_local import moto_patches

    moto_patches.apply()  # moto's costs in proportion to a table or queue (its child process applies them too)
    # One process hosts moto, the emulators, the API and the handlers: dozens of threads hand the GIL to
    # each other on every loopback round trip. The default 5 ms switch interval turns each hand-off into a
    # wait (a convoy); 0.5 ms measured 1.5x the throughput here.
    switch = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)
    try:
        return _run(events, timeout)
    finally:
        sys.setswitchinterval(switch)


def _run(events: int, timeout: float) -> BurstResult:
    from textloop.schemas import renewal_body
    from textloop_local.demo import SF_TIME_ZONE_FIELD
    from textloop_local.serve import LocalStack, StackOptions

    env = {
        "SALESFORCE_TIME_ZONE_FIELD": SF_TIME_ZONE_FIELD,  # the contacts' zones (daytime now)
        "LOG_LEVEL": "ERROR",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
    # A long local visibility timeout: a batch of 100 is never redelivered while it is being handled.
    # moto in a process of its own (moto_process.py): AWS answers from elsewhere, as it does deployed,
    # and the dispatcher's process (whose peak memory is measured) no longer hosts it. No fault is
    # injected in a burst: the app talks to moto without the fault proxy's extra hop.
    options = StackOptions(
        extra_env=env,
        visibility_timeout=120,
        fire_schedules=False,
        moto_process=True,
        aws_fault_proxy=False,
    )
    with LocalStack(options) as stack:
        contracts = _seed(stack.salesforce, events)
        dispatcher = stack.functions["DispatcherFunction"]
        handler = dispatcher.cold_start()
        timed: list[float] = []

        def timed_handler(event: Any, context: Any) -> Any:
            start = time.perf_counter()
            try:
                return handler(event, context)
            finally:
                timed.append(time.perf_counter() - start)

        dispatcher._handler = timed_handler
        # Powertools' logger outlives a stack in one process (the bench's earlier stages made it at
        # INFO): 10,000 events' info lines would drown the figures. Errors still print.
        logging.getLogger("textloop").setLevel(logging.ERROR)
        sf, twilio = stack.salesforce, stack.twilio
        crm_before = len(sf.requests)
        sms_before = len(twilio.state()["messages"])
        now = datetime.now(UTC)
        bodies = [
            renewal_body(
                "salesforce",
                "contract",
                contract,
                "",
                "EndDate",
                datetime.fromisoformat(end).date(),
                60,
                now,
            )
            for contract, end in contracts
        ]
        started = time.perf_counter()
        # the functions' metrics (EMF lines on stdout, as Lambda prints them) are not the bench's output
        with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
            send_calls = _queue(stack.client("sqs"), stack.queues["TriggerQueue"]["url"], bodies)
            drained = stack.drain(timeout=timeout)
        seconds = time.perf_counter() - started
        if not drained:
            raise RuntimeError(f"the burst did not drain within {timeout:.0f} s")
        calls = [r for r in sf.requests[crm_before:] if "oauth" not in r["path"]]
        messages = twilio.state()["messages"][sms_before:]
        outcomes = _outcomes(stack, [json.loads(b) for b in bodies])
    reads = sum(1 for r in calls if r["method"] == "GET")
    sms = len(messages)
    per_number = Counter(m.get("to") for m in messages)
    batches = len(timed)
    return BurstResult(
        events=events,
        sms=sms,
        outcomes=sum(outcomes.values()),
        duplicate_sms=sum(n - 1 for n in per_number.values() if n > 1),
        crm_calls=len(calls),
        crm_reads=reads,
        crm_writes=len(calls) - reads,
        crm_calls_per_sms=len(calls) / max(sms, 1),
        crm_reads_per_sms=reads / max(sms, 1),
        crm_writes_per_sms=(len(calls) - reads) / max(sms, 1),
        sms_per_second=sms / seconds if seconds else 0.0,
        seconds=seconds,
        batches=batches,
        mean_batch=events / max(batches, 1),
        handler_ms_per_batch=1000 * sum(timed) / max(batches, 1),
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        aws_usd_per_million_sms=_usd_per_million(sum(timed), batches, sms, send_calls),
        outcome_counts=dict(outcomes),
    )


def _outcomes(stack: Any, bodies: list[dict[str, Any]]) -> Counter[str]:
    """The recorded outcome of each event (by its event key), read from the state table."""
    from textloop.adapters.dynamodb import DynamoEventOutcomes
    from textloop.schemas import parse_queue_body

    store = DynamoEventOutcomes(stack.state_table, stack.dynamodb)
    found: Counter[str] = Counter()
    for body in bodies:
        (event,) = parse_queue_body(json.dumps(body))
        outcome = store.outcome(event.event_key)
        found[str(outcome.outcome) if outcome is not None else "none"] += 1
    return found


def render(result: BurstResult) -> str:
    ok = result.crm_calls_per_sms <= BOUND_CALLS_PER_SMS
    lines = [
        f"burst: {result.events} renewal events, {result.sms} SMS in {result.seconds:.1f} s "
        f"({result.batches} dispatcher batches, {result.mean_batch:.0f} events each on average)",
        f"  CRM API calls per SMS   {result.crm_calls_per_sms:.3f}  (bound {BOUND_CALLS_PER_SMS}: "
        f"{'ok' if ok else 'OVER'}; {result.crm_calls} calls: {result.crm_reads} reads "
        f"{result.crm_reads_per_sms:.3f}/SMS, {result.crm_writes} writes {result.crm_writes_per_sms:.3f}/SMS)",
        f"  SMS per second          {result.sms_per_second:.1f}  (end to end: queued → drained)",
        f"  dispatcher peak memory  {result.peak_rss_mb:.0f} MB  (ru_maxrss of the process running its "
        "handler, which also hosts the emulators: an upper bound)",
        f"  AWS USD per 1M SMS      {result.aws_usd_per_million_sms:.2f}  (dispatcher Lambda at "
        f"{result.handler_ms_per_batch:.0f} ms per batch, and SQS)",
        f"  outcomes                {json.dumps(result.outcome_counts)}; duplicate SMS {result.duplicate_sms}",
    ]
    return "\n".join(lines)


def figures(result: BurstResult) -> dict[str, dict[str, Any]]:
    """The figures results.json carries (bench.py)."""
    return {
        "burst_crm_calls_per_sms": {
            "value": round(result.crm_calls_per_sms, 4),
            "bound": BOUND_CALLS_PER_SMS,
            "unit": "CRM API calls per SMS (reads and writes)",
        },
        "burst_sms_per_second": {"value": round(result.sms_per_second, 2), "bound": None, "unit": "SMS/s"},
        "burst_dispatcher_peak_mb": {
            "value": round(result.peak_rss_mb, 1),
            "bound": None,
            "unit": "MB (ru_maxrss of the process hosting the dispatcher's handler)",
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_burst", description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000, help="renewal events (default 10,000)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON as well")
    args = parser.parse_args(argv)
    if args.events < 1:
        parser.error("--events must be at least 1")
    result = run(args.events)
    print(render(result))
    if args.json:
        print(json.dumps(asdict(result)))
    ok = result.crm_calls_per_sms <= BOUND_CALLS_PER_SMS and result.sms == result.events
    return 0 if ok and not math.isnan(result.sms_per_second) else 1


if __name__ == "__main__":
    sys.exit(main())
