"""`make bench`: speed targets as ratios measured side by side in one run (never a timed test).

One local stack (``textloop serve``, its own process) serves all of it:

1. The dispatcher's wall time per event against the time its thread is blocked in socket calls (its
   I/O floor: connect, TLS handshake, send, receive at the standard library's socket classes, so the
   SDKs' own CPU work is the app's, not the floor's). The gate is the ratio of the totals (bound 1.5);
   the median of the per-event ratios is printed beside it, for information. Then the inbound
   webhook's warm CPU per request (SDK work included, socket calls excluded).
2. Cold request of each webhook function (HubSpot, Twilio inbound, Twilio status): a fresh ``python``
   that imports the handler, builds its clients and answers its first request against the local stack
   (its secrets in Secrets Manager, as deployed), against the floor of a fresh ``python`` that imports
   boto3 and makes the same AWS calls (recorded from that very process) with plain boto3 clients:
   whole processes, interleaved, median of N (bound 1.3). Our sources are compiled first, as
   `make build` ships them (bytecode in the layer), since both sides then load bytecode.
3. What one delivered SMS and one reply use (bench_usage: invocations and billed durations per function,
   DynamoDB request units, SQS, Secrets Manager and Scheduler calls, log bytes), and from that, with the
   price table, AWS dollars per million SMS (cost.py).

Every figure is also written to ``.textloop/bench/results.json``:
``{"figures": {NAME: {"value": number, "bound": number or null, "unit": "..."}}}``; the run exits 1 when
a figure with a bound is above it.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]

# The floor: boto3 alone, the same AWS calls (recorded in the app's process), plain clients.
FLOOR = """
import boto3
from botocore import xform_name
from botocore.exceptions import ClientError
clients = {{}}
for service, operation, params in {calls!r}:
    client = clients.get(service) or clients.setdefault(service, boto3.client(service))
    try:
        getattr(client, xform_name(operation))(**params)
    except ClientError:  # a conditional write the app's own call already made: the round trip is the same
        pass
"""

# Cold start as Lambda does it: import the handler module, then answer the first request (its clients
# are built on the way). Each AWS call is recorded (for the floor) at botocore's _make_api_call, which
# the handler's imports load anyway.
WEBHOOK = """
import importlib.util, json, sys, types
from botocore.client import BaseClient
calls, make_api_call = [], BaseClient._make_api_call
def recorded(client, operation, params):
    calls.append((client.meta.service_model.service_name, operation, params))
    return make_api_call(client, operation, params)
BaseClient._make_api_call = recorded
spec = importlib.util.spec_from_file_location('app', {path!r}); app = importlib.util.module_from_spec(spec)
spec.loader.exec_module(app)
context = types.SimpleNamespace(function_name={function!r}, function_version='$LATEST', memory_limit_in_mb=256,
    invoked_function_arn='arn:aws:lambda:us-east-1:123456789012:function:{function}', aws_request_id='cold',
    log_group_name='/aws/lambda/{function}', log_stream_name='cold', get_remaining_time_in_millis=lambda: 3000)
with open(sys.argv[1], encoding='utf-8') as request:
    answer = app.handler(json.load(request), context)
heavy = [m for m in ('simple_salesforce', 'hubspot', 'twilio.rest', 'aws_xray_sdk', 'jinja2', 'pydantic') if m in sys.modules]
print('\\nBENCH ' + repr((answer['statusCode'], heavy, calls)))
"""

FUNCTIONS = ("hubspot_webhook", "twilio_inbound", "twilio_status")

BOUNDS = {
    "cold_request": 1.3,
    "dispatcher": 1.5,
    "inbound_warm_cpu_ms": 5.0,
    "send_time_decision_ms": 5.0,
    "reply_classification_ms": 5.0,
}


def _env(stack_env: dict[str, str]) -> dict[str, str]:
    """The functions' environment on the local stack, their secrets read from Secrets Manager."""
    env = {k: v for k, v in stack_env.items() if not k.startswith("_")}
    for name in SECRET_KEYS.values():
        env.pop(name, None)  # only the secret holds it, as deployed
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([str(ROOT / "shared"), str(ROOT / "infra" / "local")]),
            "PATH": os.environ.get("PATH", ""),
            "HUBSPOT_SECRET_ID": "textloop/bench/hubspot",
            "TWILIO_SECRET_ID": "textloop/bench/twilio",
        }
    )
    return env


# secret id → its JSON key → the local stack's variable holding the value
SECRET_KEYS = {
    ("textloop/bench/hubspot", "client_secret"): "HUBSPOT_CLIENT_SECRET",
    ("textloop/bench/twilio", "auth_token"): "TWILIO_AUTH_TOKEN",
    ("textloop/bench/twilio", "account_sid"): "TWILIO_ACCOUNT_SID",
}


def _create_secrets(stack_env: dict[str, str]) -> None:
    import boto3

    values: dict[str, dict[str, str]] = {}
    for (secret, key), name in SECRET_KEYS.items():
        values.setdefault(secret, {})[key] = stack_env[name]
    client = boto3.client(
        "secretsmanager",
        endpoint_url=stack_env["AWS_ENDPOINT_URL"],
        region_name=stack_env.get("AWS_DEFAULT_REGION", "us-east-1"),
        aws_access_key_id=stack_env.get("AWS_ACCESS_KEY_ID", "testing"),
        aws_secret_access_key=stack_env.get("AWS_SECRET_ACCESS_KEY", "testing"),
    )
    for secret, value in values.items():
        client.create_secret(Name=secret, SecretString=json.dumps(value))


def _run(code: str, env: dict[str, str], *args: str) -> tuple[float, float, str]:
    """Wall time of a whole ``python -c`` process, its CPU time (user + system), and what it printed.
    The wall time is the figure (what a cold start costs); the CPU time is printed beside it, since on a
    busy machine waiting for a core adds noise to the wall time that the CPU time does not have."""
    import resource

    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True)
    seconds, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode:
        raise RuntimeError(f"a cold-start process failed:\n{out.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, out.stdout


def ship_bytecode() -> None:
    """Compile the package and the handlers, as `make build` does for the deployed layer: a fresh process
    then loads bytecode, as a Lambda cold start from that build does. Checked-hash here (the layer's are
    unchecked): this is a working tree, and an edited source must never run as its stale bytecode."""
    import compileall
    import py_compile

    for folder in (ROOT / "shared" / "textloop", ROOT / "functions"):
        compileall.compile_dir(folder, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)


def _first_request(function: str, stack_env: dict[str, str], n: int, sids: list[str]) -> dict[str, Any]:
    """The request a fresh instance of *function* answers first: a signed HubSpot batch (one deal moved
    into a trigger stage), an inbound SMS, a status callback for a message the stack sent."""
    from textloop_local.bench_dispatch import apigw_event, inbound_form, twilio_event
    from textloop_local.demo import hubspot_event, hubspot_signature_v3
    from textloop_local.emulators import seed

    base = stack_env["PUBLIC_BASE_URL"]
    if function == "hubspot_webhook":
        url = f"{base}/hubspot/webhooks"
        # a deal the CRM does not hold: the stack's dispatcher looks it up and records the skip
        deal = hubspot_event("deal", 990_000 + n, "dealstage", "contractsent", int(seed.HS_PORTAL_ID), 1)
        body, ts = json.dumps([deal]).encode(), str(int(time.time() * 1000))
        signature = hubspot_signature_v3(stack_env["HUBSPOT_CLIENT_SECRET"], "POST", url, body, ts)
        headers = {
            "content-type": "application/json",
            "x-hubspot-signature-v3": signature,
            "x-hubspot-request-timestamp": ts,
        }
        return apigw_event(url, body, headers)
    token = stack_env["TWILIO_AUTH_TOKEN"]
    if function == "twilio_inbound":
        return twilio_event(f"{base}/twilio/inbound", token, inbound_form(n))
    form = {
        "MessageSid": sids[n % len(sids)],
        "MessageStatus": "delivered",
        "AccountSid": stack_env["TWILIO_ACCOUNT_SID"],
        "To": "+14155550123",
        "From": "+14155550100",
    }
    return twilio_event(f"{base}/twilio/status", token, form)


def cold_requests(stack_env: dict[str, str], rounds: int) -> list[dict[str, Any]]:
    """Each webhook function's cold request against its boto3 floor, in one local stack."""
    import requests

    _create_secrets(stack_env)
    env = _env(stack_env)
    sids = [m["sid"] for m in requests.get(f"{stack_env['_url']}/_local/state", timeout=30).json()["sms"]]
    if not sids:
        raise RuntimeError("the local stack sent no message: no status callback to answer")
    with tempfile.TemporaryDirectory(prefix="textloop-cold-") as folder:
        return [_cold_request(name, env, stack_env, rounds, sids, Path(folder)) for name in FUNCTIONS]


def _cold_request(
    function: str, env: dict[str, str], stack_env: dict[str, str], rounds: int, sids: list[str], folder: Path
) -> dict[str, Any]:
    code = WEBHOOK.format(path=str(ROOT / "functions" / function / "app.py"), function=function)
    floor, fn, floor_cpu, fn_cpu = [], [], [], []
    heavy, services, calls = [], set(), []
    for n in range(rounds + 1):  # interleaved, so machine noise hits both sides alike; round 0 warms
        request = folder / f"{function}-{n}.json"
        request.write_text(json.dumps(_first_request(function, stack_env, n, sids)), encoding="utf-8")
        seconds, cpu, out = _run(code, env, str(request))
        status, heavy, calls = ast.literal_eval(out.rsplit("BENCH ", 1)[1])
        if not 200 <= status < 300:
            raise RuntimeError(f"{function} answered {status} to its first request: {out[-2000:]}")
        services = {service for service, _, _ in calls}
        floor_seconds, floor_seconds_cpu, _ = _run(FLOOR.format(calls=calls), env)
        if n:
            fn.append(seconds)
            floor.append(floor_seconds)
            fn_cpu.append(cpu)
            floor_cpu.append(floor_seconds_cpu)
    ratio = statistics.median(fn) / statistics.median(floor)
    return {
        "name": f"cold request {function} / floor(import boto3; same calls: {'+'.join(sorted(services))})",
        "function_ms": round(statistics.median(fn) * 1000, 1),
        "floor_ms": round(statistics.median(floor) * 1000, 1),
        "cpu_ratio": round(statistics.median(fn_cpu) / statistics.median(floor_cpu), 3),
        "function_cpu_ms": round(statistics.median(fn_cpu) * 1000, 1),
        "floor_cpu_ms": round(statistics.median(floor_cpu) * 1000, 1),
        "aws_calls": len(calls),
        "ratio": round(ratio, 3),
        "bound": BOUNDS["cold_request"],
        "heavy_modules_imported": ",".join(heavy) or "none",
        "ok": ratio <= BOUNDS["cold_request"] and not heavy,
        "figure": f"cold_request_{function}",
        "unit": "ratio: fresh process answering its first request / fresh boto3 process making the same AWS calls",
    }


def warm_decisions(count: int = 2000) -> list[dict[str, Any]]:
    """Mean warm time of the two per-message decisions: the send-time policy (a year of instants over
    single- and multi-zone numbers, half of them deferred) and the reply classifier (the test split)."""
    from datetime import UTC, datetime, timedelta

    from textloop.domain.intent import classify
    from textloop.domain.send_time import SendRequest, decide
    from textloop_local.classify import TEST_FILE, load_dataset

    numbers = (
        "+13055550123",
        "+12055550123",
        "+14015550123",
        "+919812345678",
        "+18005550123",
        "+61412345678",
    )
    start = datetime(2026, 1, 1, tzinfo=UTC)
    requests = [
        SendRequest(numbers[i % len(numbers)], start + timedelta(hours=13 * i), "marketing", state="TX")
        for i in range(count)
    ]
    texts = [e.text for e in load_dataset(TEST_FILE)]
    results = []
    for name, calls in (
        ("send_time_decision_ms", [lambda r=r: decide(r) for r in requests]),
        ("reply_classification_ms", [lambda t=t: classify(t) for t in texts]),
    ):
        for call in calls[:50]:  # warm: zone data, holiday calendars, the model
            call()
        began = time.perf_counter()
        for call in calls:
            call()
        mean_ms = (time.perf_counter() - began) * 1000 / len(calls)
        results.append(
            {
                "name": f"warm {name.removesuffix('_ms').replace('_', ' ')} (mean of {len(calls)}, ms)",
                "ratio": round(mean_ms, 3),
                "bound": BOUNDS[name],
                "ok": mean_ms <= BOUNDS[name],
                "figure": name,
                "unit": "ms (mean, warm)",
            }
        )
    return results


def local_stack_benches(events: int, rounds: int) -> list[dict[str, Any]]:
    from textloop_local.bench_dispatch import run_stack_benches

    return run_stack_benches(
        events,
        BOUNDS["dispatcher"],
        BOUNDS["inbound_warm_cpu_ms"],
        then=lambda env: cold_requests(env, rounds),
    )


RESULTS_FILE = ROOT / ".textloop" / "bench" / "results.json"


def _figure(value: Any, bound: Any, unit: str) -> dict[str, Any]:
    return {"value": value, "bound": bound, "unit": unit}


def figures_of(results: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The printed results as named figures: each result names its figure; the dispatcher's also
    carries the median of its per-event ratios, written beside it without a bound (information)."""
    out: dict[str, dict[str, Any]] = {}
    for r in results:
        out[r["figure"]] = _figure(r["ratio"], r["bound"], r.get("unit", ""))
        if r["figure"] == "dispatcher_io_ratio":
            out["dispatcher_io_ratio_median_event"] = _figure(
                r["median_event_ratio"],
                None,
                "ratio: median over events of (wall time / socket wait), informational",
            )
    return out


def over_bound(figures: dict[str, dict[str, Any]]) -> list[str]:
    """The names of the figures above their bound (a figure without a bound is information only)."""
    return sorted(
        name
        for name, f in figures.items()
        if f.get("bound") is not None and float(f["value"]) > float(f["bound"])
    )


def usage_and_cost(events: int, replies: int) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """What an SMS and a reply use, measured in a fresh process (its own local stack), and its cost."""
    import tempfile

    from textloop_local import bench_usage, cost

    with tempfile.TemporaryDirectory(prefix="textloop-bench-") as folder:
        out = Path(folder) / "usage.json"
        run = subprocess.run(
            [
                *(sys.executable, "-m", "textloop_local.bench_usage"),
                *("--events", str(events), "--replies", str(replies), "--out", str(out)),
            ],
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
            capture_output=True,
            text=True,
        )
        if run.returncode:
            raise RuntimeError(f"the usage measurement failed:\n{run.stderr[-4000:]}")
        usage = bench_usage.figures(json.loads(out.read_text(encoding="utf-8")))
    report = cost.compute(usage, cost.load_prices(), cost.template_functions())
    # An aim, not a speed bound: written without a bound (a bound fails the run), the aim in its unit.
    usage["aws_usd_per_million_sms"] = _figure(
        report["aws_usd_per_million_sms"],
        None,
        f"USD per 1 million SMS (AWS only; aim {cost.AIM_USD_PER_MILLION:.2f}, reported, not a gate)",
    )
    return usage, report


def write_results(figures: dict[str, dict[str, Any]], path: Path = RESULTS_FILE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"figures": figures}, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="textloop bench", description=__doc__)
    parser.add_argument("--rounds", type=int, default=15, help="fresh interpreters per side (cold request)")
    parser.add_argument("--events", type=int, default=40, help="events through the dispatcher")
    parser.add_argument("--usage-events", type=int, default=20, help="SMS sent to measure the cost per SMS")
    parser.add_argument(
        "--usage-replies", type=int, default=6, help="replies handled to measure the cost per reply"
    )
    parser.add_argument("--results", default=str(RESULTS_FILE), help="where the figures are written as JSON")
    # 300: what fits in about two minutes here (the whole stack shares one interpreter: ~2-4 SMS/s measured);
    # the calls-per-SMS figure is per dispatcher batch, so it does not depend on the burst's size.
    parser.add_argument(
        "--burst-events", type=int, default=10_000, help="renewal events of the burst (0: none)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    ship_bytecode()
    results = warm_decisions()
    results.extend(local_stack_benches(args.events, args.rounds))
    figures = figures_of(results)
    usage, report = usage_and_cost(args.usage_events, args.usage_replies)
    figures.update(usage)
    # (burst figures, when measured, are added to `figures` here: their bounds gate the run like the others)
    from textloop_local import bench_burst

    if args.burst_events > 0:  # --burst-events 0: the speed figures alone (about two minutes)
        burst = bench_burst.run(args.burst_events)
        figures.update(bench_burst.figures(burst))
        if not args.json:
            print(bench_burst.render(burst))
    written = write_results(figures, Path(args.results))
    failed = over_bound(figures)
    if args.json:
        print(json.dumps({"results": results, "cost": report, "over_bound": failed}, indent=2))
    else:
        for r in results:
            details = ", ".join(
                f"{k}={v}"
                for k, v in r.items()
                if k not in ("name", "ratio", "bound", "ok", "figure", "unit")
            )
            print(
                f"{'PASS' if r['ok'] else 'FAIL'}  {r['figure']} = {r['ratio']} (bound {r['bound']}): {r['name']}"
                f"  [{details}]"
            )
        median = figures.get("dispatcher_io_ratio_median_event")
        if median:
            print(f"INFO  dispatcher_io_ratio_median_event = {median['value']} (no bound)")
        from textloop_local.cost import explain

        aim = "within the aim" if report["within_aim"] else "ABOVE the aim"
        print(
            f"COST  aws_usd_per_million_sms = {report['aws_usd_per_million_sms']:.2f} ({aim} of "
            f"${report['aws_aim_usd_per_million_sms']:.2f}, not a gate; {explain(report)}); `textloop cost` for the breakdown"
        )
        print(f"figures written to {written}")
        if failed:
            print(f"OVER BOUND: {', '.join(failed)}")
    return 1 if failed or not all(r["ok"] for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
