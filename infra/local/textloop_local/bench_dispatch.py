"""The dispatcher's time per event against the I/O it must wait for, on the local stack.

Each event takes the whole send path (CRM reads, consent, ledger, Twilio, CRM log). The rules
are loaded with a zero cooldown so that every event sends. The local stack runs in its own
process (``textloop serve``), so its servers do not compete with the dispatcher for the GIL;
the dispatcher runs here.

Its I/O floor is the time its thread spends blocked in socket calls (``SocketWait``): connect, the
TLS handshake, send and receive, timed at the standard library's socket and ssl classes, which every
SDK (botocore, simple_salesforce, hubspot, twilio: all through urllib3 and http.client) ends in. What
an SDK does around them (serialize, sign, build and parse the HTTP messages, retry handlers) is CPU
work of the function, so it is on the app's side of the ratio, not in the floor.

Why sockets and not the servers' service time as seen by the client: the time blocked in ``recv`` is
exactly what a function with zero CPU of its own would still wait for (the server's work, the loopback
round trip and the kernel's copy), and it is measured in the process being judged, for every SDK
alike; the emulators and moto cannot report their service time in the same way. The per-call CPU
inside the socket calls (the kernel's and OpenSSL's share) is reported beside it: it stays small.
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
from datetime import UTC, datetime
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


class SocketWait:
    """The time one thread spends inside socket calls (``seconds``: wall, ``cpu``: that thread's CPU in
    them), counted at the standard library's ``socket.socket`` and ``ssl.SSLSocket`` methods that block.
    A call inside another (``SSLSocket.sendall`` calls ``send``; a plain ``recv_into`` under TLS) counts
    once, as the outer one. Only the thread that entered it is timed (others pass through untouched)."""

    SOCKET_METHODS = ("connect", "connect_ex", "send", "sendall", "sendto", "recv", "recv_into", "recvfrom")
    SSL_METHODS = (*SOCKET_METHODS, "read", "write", "do_handshake")

    def __init__(self) -> None:
        self.seconds = 0.0
        self.cpu = 0.0
        self.calls = 0
        self._thread = threading.get_ident()
        self._depth = 0
        self._saved: list[tuple[type, str, Any]] = []

    def _timed(self, original: Any) -> Any:
        def timed(sock: Any, *args: Any, **kwargs: Any) -> Any:
            if self._depth or threading.get_ident() != self._thread:
                return original(sock, *args, **kwargs)
            self._depth += 1
            start, cpu = time.perf_counter(), time.thread_time()
            try:
                return original(sock, *args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
                self.cpu += time.thread_time() - cpu
                self.calls += 1
                self._depth -= 1

        return timed

    def __enter__(self) -> SocketWait:
        import ssl

        # socket.socket inherits these from the C type: the wrapper shadows them on the Python class
        # (removed again on exit); SSLSocket defines its own in Python, replaced and then restored.
        for cls, names in ((socket.socket, self.SOCKET_METHODS), (ssl.SSLSocket, self.SSL_METHODS)):
            for name in names:
                self._saved.append((cls, name, vars(cls).get(name)))
                setattr(cls, name, self._timed(getattr(cls, name)))
        return self

    def __exit__(self, *_: object) -> None:
        for cls, name, original in reversed(self._saved):
            if original is None:
                delattr(cls, name)
            else:
                setattr(cls, name, original)
        self._saved.clear()


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
    from textloop_local.demo import SF_TIME_ZONE_FIELD

    env = {**os.environ, "TRIGGERS_FILE": str(rules), "SALESFORCE_TIME_ZONE_FIELD": SF_TIME_ZONE_FIELD}
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

    from textloop_local.demo import HS_TIME_ZONE_PROPERTY, SF_TIME_ZONE_FIELD, choose_zones, hubspot_time_zone
    from textloop_local.emulators import seed

    _enter_stage(env, "Negotiation/Review")
    hubspot = {"Authorization": f"Bearer {env['HUBSPOT_ACCESS_TOKEN']}"}
    requests.patch(
        f"{env['HUBSPOT_API_BASE_URL']}/crm/v3/objects/deals/{seed.HS_DEAL_INITECH}",
        json={"properties": {"dealstage": "contractsent"}},
        headers=hubspot,
        timeout=10,
    ).raise_for_status()
    # Each contact texted has a zone where it is daytime now (the demo's choice): a bench run at night
    # measures sends, not deferrals.
    sf = f"{env['SALESFORCE_INSTANCE_URL']}/services/data/v{env.get('SALESFORCE_API_VERSION', '62.0')}"
    for (crm, contact), zone in choose_zones(datetime.now(UTC)).items():
        if crm == "salesforce":
            requests.patch(
                f"{sf}/sobjects/Contact/{contact}",
                json={SF_TIME_ZONE_FIELD: zone},
                headers={"Authorization": f"Bearer {env['SALESFORCE_ACCESS_TOKEN']}"},
                verify=env["SALESFORCE_CA_BUNDLE"],
                timeout=10,
            ).raise_for_status()
        else:
            requests.patch(
                f"{env['HUBSPOT_API_BASE_URL']}/crm/v3/objects/contacts/{contact}",
                json={"properties": {HS_TIME_ZONE_PROPERTY: hubspot_time_zone(zone)}},
                headers=hubspot,
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


def run_stack_benches(
    events: int, dispatch_bound: float, inbound_cpu_ms: float, then: Any = None
) -> list[dict[str, Any]]:
    """One local stack: the dispatcher against its socket waits, the inbound webhook's warm CPU, then
    ``then(env)`` (bench.py's cold requests, on the messages those sent)."""
    from textloop_local.demo import SF_TIME_ZONE_FIELD

    with tempfile.TemporaryDirectory(prefix="textloop-bench-") as folder:
        rules = _zero_cooldown_rules(Path(folder))
        with _local_stack(rules) as env:
            saved = dict(os.environ)
            os.environ.update({k: v for k, v in env.items() if not k.startswith("_")})
            os.environ["TRIGGERS_FILE"] = str(rules)
            os.environ["SALESFORCE_TIME_ZONE_FIELD"] = SF_TIME_ZONE_FIELD  # as the stack's own functions
            try:
                results = [
                    _measure(env, events, dispatch_bound),
                    _measure_inbound(env, events, inbound_cpu_ms),
                ]
            finally:
                os.environ.clear()
                os.environ.update(saved)
            return [*results, *(then(env) if then else [])]


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


def apigw_event(url: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """The HTTP API (payload 2.0) event of a POST of *body* to *url*, as API Gateway hands it over."""
    import base64

    host, path = url.split("/")[2], "/" + url.split("/", 3)[3]
    return {
        "version": "2.0",
        "routeKey": f"POST {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": host, "x-forwarded-proto": url.split(":")[0], **headers},
        "requestContext": {
            "http": {"method": "POST", "path": path},
            "domainName": host,
            "stage": "$default",
            "requestId": uuid.uuid4().hex,
        },
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


def twilio_event(url: str, auth_token: str, form: dict[str, str]) -> dict[str, Any]:
    """A Twilio webhook (form POST signed with X-Twilio-Signature) as an API Gateway event."""
    from urllib.parse import urlencode

    from twilio.request_validator import RequestValidator

    signature = RequestValidator(auth_token).compute_signature(url, form)
    headers = {"content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature}
    return apigw_event(url, urlencode(form).encode(), headers)


def inbound_form(n: int) -> dict[str, str]:
    return {
        "MessageSid": f"SM{uuid.uuid4().hex}",
        "From": f"+1415555{n % 10000:04d}",
        "To": "+14155550100",
        "Body": REPLIES[n % len(REPLIES)],
        "NumMedia": "0",
    }


def _measure_inbound(env: dict[str, str], requests_count: int, bound_ms: float) -> dict[str, Any]:
    """Warm CPU per inbound webhook: the handler's thread CPU, minus what it spent inside socket calls."""
    from textloop_local.lambda_context import LocalFunction

    url = f"{env['PUBLIC_BASE_URL']}/twilio/inbound"
    inbound = LocalFunction("TwilioInboundFunction", ROOT / "functions" / "twilio_inbound" / "app.py")

    def event(n: int) -> dict[str, Any]:
        return twilio_event(url, env["TWILIO_AUTH_TOKEN"], inbound_form(n))

    events = [event(n) for n in range(requests_count + 2)]
    cpus: list[float] = []
    with stdout_to(os.devnull):
        for e in events[:2]:
            inbound.invoke(e)  # cold start and first connections
        # The SDKs' own CPU (serialize, sign, parse) is the function's CPU: only what the thread spends
        # inside socket calls (the kernel's copy, OpenSSL) is left out.
        with SocketWait() as timer:
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
        "name": "inbound webhook warm CPU per request, socket calls excluded (ms)",
        "figure": "inbound_cpu_ms",
        "unit": "ms CPU per request (median, warm), SDK work included, socket calls excluded",
        "requests": requests_count,
        "p90_ms": round(sorted(cpus)[int(len(cpus) * 0.9)] * 1000, 2),
        "ratio": round(per_request_ms, 2),
        "bound": bound_ms,
        "ok": per_request_ms <= bound_ms,
    }


def _measure(env: dict[str, str], events: int, bound: float) -> dict[str, Any]:
    """Wall time of each dispatcher invocation against the time its thread waits in socket calls.

    The gate is the ratio of the totals (all the wall time over all the waiting), Salesforce and
    HubSpot events alike; the median of the per-event ratios is printed beside it, for information."""
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
    waits: list[float] = []
    sdk: list[float] = []
    failures = []
    sent_before = len(requests.get(f"{env['_url']}/_local/state", timeout=30).json()["sms"])
    with stdout_to(os.devnull):
        for body in bodies[:2]:  # warm: cold start and first connections are not per-event cost
            dispatcher.invoke(_sqs_event([body]))
        with SocketWait() as sockets, _this_thread_only(IoTimer()) as calls:
            cpu = 0.0
            for n, body in enumerate(bodies[2:]):
                if n % 2 == 0:  # a new entry into the stage (the CRM's calls are not the dispatcher's)
                    _enter_stage(env, "Prospecting", "Negotiation/Review")
                wait_before, sdk_before, cpu_before = sockets.seconds, calls.seconds, time.thread_time()
                start = time.perf_counter()
                failures.append(dispatcher.invoke(_sqs_event([body])).get("batchItemFailures"))
                walls.append(time.perf_counter() - start)
                cpu += time.thread_time() - cpu_before
                waits.append(sockets.seconds - wait_before)
                sdk.append(calls.seconds - sdk_before)
    sent = len(requests.get(f"{env['_url']}/_local/state", timeout=30).json()["sms"]) - sent_before
    if any(failures) or sent != events + 2:
        raise RuntimeError(f"the benchmark's events did not all send: {sent} SMS for {events + 2} events")
    if not all(waits):
        raise RuntimeError("an event waited on no socket: the socket timer did not see its I/O")
    ratio = sum(walls) / sum(waits)
    return {
        "name": "dispatcher wall time / its socket wait time (ratio of totals)",
        "figure": "dispatcher_io_ratio",
        "unit": "ratio: total wall time of the invocations / total time blocked in socket calls",
        "events": events,
        "median_event_ratio": round(statistics.median(w / i for w, i in zip(walls, waits, strict=True)), 3),
        "per_event_ms": round(statistics.median(walls) * 1000, 2),
        "socket_wait_per_event_ms": round(statistics.median(waits) * 1000, 2),
        "sdk_call_per_event_ms": round(statistics.median(sdk) * 1000, 2),  # the old, looser floor
        "cpu_per_event_ms": round(cpu / events * 1000, 2),
        "socket_calls_per_event": round(sockets.calls / events, 1),
        "sdk_calls_per_event": round(calls.calls / events, 1),
        "ratio": round(ratio, 3),
        "bound": bound,
        "ok": ratio <= bound,
    }
