"""The dispatcher's time per event against the I/O it must make, on the local stack.

Each event takes the whole send path (CRM reads, consent, ledger, Twilio, CRM log). The rules
are loaded with a zero cooldown so that every event sends. The local stack runs in its own
process (``textloop serve``), so its servers do not compete with the dispatcher for the GIL;
the dispatcher runs here, and the time it spends inside its SDK calls is its I/O.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
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

ROOT = Path(__file__).resolve().parents[3]


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
    seconds: float = 0.0  # wall time inside urllib3
    cpu: float = 0.0  # this thread's CPU time inside urllib3
    calls: int = 0


@contextmanager
def _this_thread_only(timer: IoTimer) -> Iterator[IoTimer]:
    """Time the I/O calls of the calling thread (the stack's pollers run beside us): each AWS SDK call
    (botocore's ``_make_api_call``: serialize, sign, send, parse) and each HTTP request of the CRM and
    Twilio SDKs (urllib3's ``urlopen``); a call inside another is counted once, as the outer one."""
    from botocore.client import BaseClient
    from urllib3.connectionpool import HTTPConnectionPool

    me, depth = threading.get_ident(), [0]
    originals = {BaseClient: BaseClient._make_api_call, HTTPConnectionPool: HTTPConnectionPool.urlopen}

    def timing(original: Any) -> Any:
        def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
            if threading.get_ident() != me or depth[0]:
                return original(self, *args, **kwargs)
            depth[0] += 1
            start, cpu = time.perf_counter(), time.thread_time()
            try:
                return original(self, *args, **kwargs)
            finally:
                depth[0] -= 1
                timer.seconds += time.perf_counter() - start
                timer.cpu += time.thread_time() - cpu
                timer.calls += 1

        return timed

    BaseClient._make_api_call = timing(originals[BaseClient])  # type: ignore[method-assign]
    HTTPConnectionPool.urlopen = timing(originals[HTTPConnectionPool])  # type: ignore[method-assign]
    try:
        yield timer
    finally:
        BaseClient._make_api_call = originals[BaseClient]  # type: ignore[method-assign]
        HTTPConnectionPool.urlopen = originals[HTTPConnectionPool]  # type: ignore[method-assign]


@contextmanager
def _local_stack(rules: Path) -> Iterator[dict[str, str]]:
    """``textloop serve`` in its own process (its emulators must not share our GIL); yields its env."""
    import requests

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "TRIGGERS_FILE": str(rules)}
    server = subprocess.Popen(
        [sys.executable, "-m", "textloop_local", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 120
        while True:
            try:
                env = requests.get(f"{url}/_local/env", timeout=2).json()
                break
            except requests.ConnectionError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("textloop serve did not start") from None
                time.sleep(0.3)
        yield {**env, "_url": url}
    finally:
        server.terminate()
        server.wait(timeout=30)


def _enter_stage(env: dict[str, str], *stages: str) -> None:
    """The Acme opportunity moved through *stages*, as a rep does: each move into the trigger stage is a
    new stage entry (``LastStageChangeDate``), which the send slot tells from a redelivered one."""
    import requests

    from textloop_local.emulators import seed

    sf = f"{env['SALESFORCE_INSTANCE_URL']}/services/data/v{env.get('SALESFORCE_API_VERSION', '62.0')}"
    for stage in stages:
        requests.patch(
            f"{sf}/sobjects/Opportunity/{seed.SF_OPPORTUNITY_ACME}",
            json={"StageName": stage},
            headers={"Authorization": f"Bearer {env['SALESFORCE_ACCESS_TOKEN']}"},
            verify=env["SALESFORCE_CA_BUNDLE"],
            timeout=10,
        ).raise_for_status()


def _put_records_in_trigger_stages(env: dict[str, str]) -> None:
    """What a user does in the CRM: the records the events name are in their trigger stage."""
    import requests

    from textloop_local.emulators import seed

    _enter_stage(env, "Negotiation/Review")
    requests.patch(
        f"{env['HUBSPOT_API_BASE_URL']}/crm/v3/objects/deals/{seed.HS_DEAL_INITECH}",
        json={"properties": {"dealstage": "contractsent"}},
        headers={"Authorization": f"Bearer {env['HUBSPOT_ACCESS_TOKEN']}"},
        timeout=10,
    ).raise_for_status()


@contextmanager
def stdout_to(path: str | Path) -> Iterator[None]:
    """The functions' log lines still get written, to *path* (os.devnull, or a file to count them),
    not to a slow terminal."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(path, "wb") as sink:
        os.dup2(sink.fileno(), 1)
        try:
            yield
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)


def run_stack_benches(events: int, dispatch_bound: float, inbound_cpu_ms: float) -> list[dict[str, Any]]:
    """One local stack, two measurements: the dispatcher's overhead and inbound warm CPU."""
    with tempfile.TemporaryDirectory(prefix="textloop-bench-") as folder:
        rules = _zero_cooldown_rules(Path(folder))
        with _local_stack(rules) as env:
            os.environ.update({k: v for k, v in env.items() if not k.startswith("_")})
            os.environ["TRIGGERS_FILE"] = str(rules)
            return [_measure(env, events, dispatch_bound), _measure_inbound(env, events, inbound_cpu_ms)]


REPLIES = (
    "what would 50 seats cost?",
    "can we do a call Thursday at 2?",
    "thanks, got it",
    "STOP",
    "does the plan include SSO?",
    "please stop texting me",
    "HELP",
    "wrong number",
)


def _measure_inbound(env: dict[str, str], requests_count: int, bound_ms: float) -> dict[str, Any]:
    """Warm CPU per inbound webhook, I/O excluded: the handler's thread CPU minus its SDK calls'."""
    import base64
    from urllib.parse import urlencode

    from twilio.request_validator import RequestValidator

    from textloop_local.lambda_context import LocalFunction

    url = f"{env['PUBLIC_BASE_URL']}/twilio/inbound"
    validator = RequestValidator(env["TWILIO_AUTH_TOKEN"])
    inbound = LocalFunction("TwilioInboundFunction", ROOT / "functions" / "twilio_inbound" / "app.py")

    def event(n: int) -> dict[str, Any]:
        form = {
            "MessageSid": f"SM{uuid.uuid4().hex}",
            "From": f"+1415555{n % 10000:04d}",
            "To": "+14155550100",
            "Body": REPLIES[n % len(REPLIES)],
            "NumMedia": "0",
        }
        host = url.split("/")[2]
        return {
            "version": "2.0",
            "routeKey": "POST /twilio/inbound",
            "rawPath": "/twilio/inbound",
            "rawQueryString": "",
            "headers": {
                "host": host,
                "x-forwarded-proto": "http",
                "content-type": "application/x-www-form-urlencoded",
                "x-twilio-signature": validator.compute_signature(url, form),
            },
            "requestContext": {
                "http": {"method": "POST", "path": "/twilio/inbound"},
                "domainName": host,
                "stage": "$default",
                "requestId": uuid.uuid4().hex,
            },
            "body": base64.b64encode(urlencode(form).encode()).decode(),
            "isBase64Encoded": True,
        }

    events = [event(n) for n in range(requests_count + 2)]
    cpus: list[float] = []
    with stdout_to(os.devnull):
        for e in events[:2]:
            inbound.invoke(e)  # cold start and first connections
        with _this_thread_only(IoTimer()) as timer:
            for e in events[2:]:
                cpu, io_cpu = time.thread_time(), timer.cpu
                answer = inbound.invoke(e)
                cpus.append((time.thread_time() - cpu) - (timer.cpu - io_cpu))
                if answer["statusCode"] != 200:
                    raise RuntimeError(
                        f"inbound webhook answered {answer['statusCode']} during the benchmark"
                    )
    per_request_ms = statistics.median(cpus) * 1000
    return {
        "name": "inbound webhook warm CPU per request, I/O excluded (ms)",
        "requests": requests_count,
        "p90_ms": round(sorted(cpus)[int(len(cpus) * 0.9)] * 1000, 2),
        "ratio": round(per_request_ms, 2),
        "bound": bound_ms,
        "ok": per_request_ms <= bound_ms,
    }


def _measure(env: dict[str, str], events: int, bound: float) -> dict[str, Any]:
    import requests

    from textloop_local.emulators import seed
    from textloop_local.lambda_context import LocalFunction

    _put_records_in_trigger_stages(env)
    dispatcher = LocalFunction("DispatcherFunction", ROOT / "functions" / "dispatcher" / "app.py")
    bodies = [
        _opportunity_change(seed.SF_ORG_ID, seed.SF_OPPORTUNITY_ACME)
        if n % 2 == 0
        else _deal_change(seed.HS_PORTAL_ID, seed.HS_DEAL_INITECH)
        for n in range(events + 2)
    ]
    walls: list[float] = []
    ios: list[float] = []
    failures = []
    with stdout_to(os.devnull):
        for body in bodies[:2]:  # warm: cold start and first connections are not per-event cost
            dispatcher.invoke(_sqs_event([body]))
        with _this_thread_only(IoTimer()) as timer:
            cpu = time.thread_time()
            for n, body in enumerate(bodies[2:]):
                if n % 2 == 0:  # a new entry into the stage (the CRM's calls are not the dispatcher's)
                    cpu -= time.thread_time()
                    _enter_stage(env, "Prospecting", "Negotiation/Review")
                    cpu += time.thread_time()
                io_before, start = timer.seconds, time.perf_counter()
                failures.append(dispatcher.invoke(_sqs_event([body])).get("batchItemFailures"))
                walls.append(time.perf_counter() - start)
                ios.append(timer.seconds - io_before)
            cpu = time.thread_time() - cpu
    sent = len(requests.get(f"{env['_url']}/_local/state", timeout=30).json()["sms"])
    if any(failures) or sent != events + 2:
        raise RuntimeError(f"the benchmark's events did not all send: {sent} SMS for {events + 2} events")
    # The median of per-event ratios: one event stalled by a noisy neighbour does not decide it.
    ratio = statistics.median(w / i for w, i in zip(walls, ios, strict=True))
    return {
        "name": "dispatcher time per event / its I/O time per event",
        "events": events,
        "per_event_ms": round(statistics.median(walls) * 1000, 2),
        "io_per_event_ms": round(statistics.median(ios) * 1000, 2),
        "io_calls_per_event": round(timer.calls / events, 1),
        "cpu_per_event_ms": round(cpu / events * 1000, 2),
        "ratio_of_totals": round(sum(walls) / sum(ios), 3),
        "ratio": round(ratio, 3),
        "bound": bound,
        "ok": ratio <= bound,
    }
