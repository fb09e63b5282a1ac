"""`make bench`: speed targets as ratios measured side by side in one run (never a timed test).

1. Cold init of a webhook function (a fresh ``python`` that imports the handler and builds the
   clients its requests use) against the floor ``python -c "import boto3; boto3.client(...)"`` with
   the AWS clients it uses: whole processes, interleaved, median of N. Our sources are compiled first,
   as `make build` ships them (bytecode in the layer), since both sides then load bytecode.
2. On the local stack (``textloop serve`` in its own process): the dispatcher's time per event
   against the time of the I/O calls it makes (each AWS SDK call, and each HTTP request of the CRM
   and Twilio SDKs through urllib3), and the inbound webhook's warm CPU per request outside them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]

FLOOR = "import boto3; {clients}"

# Cold start as Lambda does it: import the handler module, then build what its first request uses.
WEBHOOK = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location('app', {path!r}); app = importlib.util.module_from_spec(spec)
spec.loader.exec_module(app)
from textloop import bootstrap
{clients}
heavy = [m for m in ('simple_salesforce', 'hubspot', 'twilio.rest', 'aws_xray_sdk', 'jinja2', 'pydantic') if m in sys.modules]
print(','.join(heavy))
"""

# function → (what its cold start builds, the floor: boto3 and the AWS clients it uses)
FUNCTIONS = {
    "hubspot_webhook": ("bootstrap.trigger_queue().client; bootstrap.hubspot_client_secret()", ["sqs"]),
    "twilio_status": (
        "bootstrap.conversations().client; bootstrap.consent_ledger().client; bootstrap.inbound_queue().client;"
        " bootstrap.twilio_signature()",
        ["dynamodb", "sqs"],
    ),
    "twilio_inbound": (
        "bootstrap.consent_ledger().client; bootstrap.inbound_queue().client; bootstrap.consent_queue();"
        " bootstrap.twilio_signature()",
        ["dynamodb", "sqs"],
    ),
}

BOUNDS = {
    "hubspot_webhook": 1.3,
    "twilio_status": 1.3,
    "twilio_inbound": 1.3,
    "dispatcher": 1.5,
    "inbound_warm_cpu_ms": 5.0,
    "send_time_decision_ms": 5.0,
    "reply_classification_ms": 5.0,
}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([str(ROOT / "shared"), str(ROOT / "infra" / "local")]),
            "AWS_DEFAULT_REGION": env.get("AWS_DEFAULT_REGION", "us-east-1"),
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "STATE_TABLE": "state",
            "CONSENT_TABLE": "consent",
            "TRIGGER_QUEUE_URL": "http://127.0.0.1:9/000000000000/trigger",
            "HUBSPOT_CLIENT_SECRET": "bench-secret",
            "TWILIO_AUTH_TOKEN": "bench-token",
            "INBOUND_QUEUE_URL": "http://127.0.0.1:9/000000000000/inbound",
            "POWERTOOLS_SERVICE_NAME": "textloop",
            "POWERTOOLS_METRICS_NAMESPACE": "Textloop",
        }
    )
    return env


def _run(code: str) -> tuple[float, str]:
    """Wall time of a whole ``python -c`` process, and what it printed."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True, text=True, check=True)
    return time.perf_counter() - start, out.stdout.strip()


def ship_bytecode() -> None:
    """Compile the package and the handlers, as `make build` does for the deployed layer: a fresh process
    then loads bytecode, as a Lambda cold start from that build does. Checked-hash here (the layer's are
    unchecked): this is a working tree, and an edited source must never run as its stale bytecode."""
    import compileall
    import py_compile

    for folder in (ROOT / "shared" / "textloop", ROOT / "functions"):
        compileall.compile_dir(folder, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)


def cold_init(function: str, rounds: int) -> dict[str, Any]:
    builds, aws_clients = FUNCTIONS[function]
    code = WEBHOOK.format(path=str(ROOT / "functions" / function / "app.py"), clients=builds)
    floor_code = FLOOR.format(clients="; ".join(f"boto3.client({c!r})" for c in aws_clients))
    floor, fn, heavy = [], [], ""
    for _ in range(rounds):  # interleaved, so machine noise hits both sides alike
        floor.append(_run(floor_code)[0])
        seconds, heavy = _run(code)
        fn.append(seconds)
    ratio = statistics.median(fn) / statistics.median(floor)
    return {
        "name": f"cold init {function} / floor(import boto3; client {'+'.join(aws_clients)})",
        "function_ms": round(statistics.median(fn) * 1000, 1),
        "floor_ms": round(statistics.median(floor) * 1000, 1),
        "ratio": round(ratio, 3),
        "bound": BOUNDS[function],
        "heavy_modules_imported": heavy or "none",
        "ok": ratio <= BOUNDS[function] and not heavy,
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
            }
        )
    return results


def local_stack_benches(events: int) -> list[dict[str, Any]]:
    from textloop_local.bench_dispatch import run_stack_benches

    return run_stack_benches(events, BOUNDS["dispatcher"], BOUNDS["inbound_warm_cpu_ms"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="textloop bench", description=__doc__)
    parser.add_argument("--rounds", type=int, default=15, help="fresh interpreters per side (cold init)")
    parser.add_argument("--events", type=int, default=40, help="events through the dispatcher")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    ship_bytecode()
    results = [cold_init(name, args.rounds) for name in FUNCTIONS]
    results.extend(warm_decisions())
    results.extend(local_stack_benches(args.events))
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for r in results:
            details = ", ".join(f"{k}={v}" for k, v in r.items() if k not in ("name", "ratio", "bound", "ok"))
            print(
                f"{'PASS' if r['ok'] else 'FAIL'}  {r['name']}: ratio {r['ratio']} (bound {r['bound']})  [{details}]"
            )
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
