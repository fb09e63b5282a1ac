"""The dispatcher's time per event against the I/O it must make, on the local stack.

Each event takes the whole send path (CRM reads, consent, ledger, Twilio, CRM log). The rules
are loaded with a zero cooldown so that every event sends. Only I/O made by the benchmarking
thread is counted: the stack's own pollers and emulators run in other threads.
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textloop.domain.watchlist import DEFAULT_TRIGGERS_FILE


def _zero_cooldown_rules(folder: Path) -> Path:
    config = json.loads(DEFAULT_TRIGGERS_FILE.read_text(encoding="utf-8"))
    for rule in config["rules"]:
        rule["cooldown_days"] = 0
    path = folder / "triggers.bench.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def _sqs_event(bodies: list[str]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": uuid.uuid4().hex,
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(int(time.time() * 1000))},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:bench",
                "awsRegion": "us-east-1",
            }
            for body in bodies
        ]
    }


def _opportunity_change(org: str, record_id: str) -> str:
    header = {
        "entityName": "Opportunity",
        "recordIds": [record_id],
        "changeType": "UPDATE",
        "changedFields": ["StageName"],
        "transactionKey": str(uuid.uuid4()),
        "sequenceNumber": 1,
        "commitTimestamp": int(time.time() * 1000),
    }
    return json.dumps(
        {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "OpportunityChangeEvent",
            "source": f"aws.partner/salesforce.com/{org}/0YLbench",
            "time": "2026-11-23T15:00:00Z",
            "detail": {"payload": {"ChangeEventHeader": header, "StageName": "Negotiation/Review"}},
        }
    )


def _deal_change(portal: str, deal_id: str) -> str:
    event = {
        "objectId": int(deal_id),
        "propertyName": "dealstage",
        "propertyValue": "contractsent",
        "eventId": uuid.uuid4().int % 10**9,
        "portalId": int(portal),
        "occurredAt": int(time.time() * 1000),
        "subscriptionType": "deal.propertyChange",
    }
    return json.dumps({"source": "hubspot", "event": event})


@dataclass
class IoTimer:
    seconds: float = 0.0
    calls: int = 0


@contextmanager
def _this_thread_only(timer: IoTimer) -> Iterator[IoTimer]:
    """Count only the I/O of the calling thread (the stack's pollers run beside us)."""
    from urllib3.connectionpool import HTTPConnectionPool

    me = threading.get_ident()
    original = HTTPConnectionPool.urlopen

    def timed(pool: Any, *args: Any, **kwargs: Any) -> Any:
        if threading.get_ident() != me:
            return original(pool, *args, **kwargs)
        start = time.perf_counter()
        try:
            return original(pool, *args, **kwargs)
        finally:
            timer.seconds += time.perf_counter() - start
            timer.calls += 1

    HTTPConnectionPool.urlopen = timed  # type: ignore[method-assign]
    try:
        yield timer
    finally:
        HTTPConnectionPool.urlopen = original  # type: ignore[method-assign]


def run_dispatch_bench(events: int, bound: float) -> dict[str, Any]:
    from textloop_local.emulators import seed
    from textloop_local.serve import LocalStack, StackOptions

    with tempfile.TemporaryDirectory(prefix="textloop-bench-") as folder:
        rules = _zero_cooldown_rules(Path(folder))
        options = StackOptions(workdir=Path(folder), extra_env={"TRIGGERS_FILE": str(rules), "PUBLIC_BASE_URL": ""})
        with LocalStack(options) as stack:
            stack.salesforce.update_record("Opportunity", seed.SF_OPPORTUNITY_ACME, {"StageName": "Negotiation/Review"})
            stack.hubspot.update_record("deals", seed.HS_DEAL_INITECH, {"dealstage": "contractsent"})
            dispatcher = stack.functions["DispatcherFunction"]
            bodies = [
                _opportunity_change(seed.SF_ORG_ID, seed.SF_OPPORTUNITY_ACME)
                if n % 2 == 0
                else _deal_change(seed.HS_PORTAL_ID, seed.HS_DEAL_INITECH)
                for n in range(events + 2)
            ]
            for body in bodies[:2]:  # warm: cold start and first connections are not per-event cost
                dispatcher.invoke(_sqs_event([body]))
            sent_before = len(stack.twilio.state()["messages"])
            with _this_thread_only(IoTimer()) as timer:
                start = time.perf_counter()
                for body in bodies[2:]:
                    result = dispatcher.invoke(_sqs_event([body]))
                    if result.get("batchItemFailures"):
                        raise RuntimeError(f"dispatch failed during the benchmark: {result}")
                total = time.perf_counter() - start
            sent = len(stack.twilio.state()["messages"]) - sent_before
    if sent != events:
        raise RuntimeError(f"expected {events} SMS during the benchmark, Twilio saw {sent}")
    ratio = total / timer.seconds
    return {
        "name": "dispatcher time per event / its I/O time per event",
        "events": events,
        "per_event_ms": round(total / events * 1000, 2),
        "io_per_event_ms": round(timer.seconds / events * 1000, 2),
        "io_calls_per_event": round(timer.calls / events, 1),
        "ratio": round(ratio, 3),
        "bound": bound,
        "ok": ratio <= bound,
    }
