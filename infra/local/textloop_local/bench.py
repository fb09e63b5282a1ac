"""`make bench`: speed targets as ratios measured side by side in one run (never a timed test).

1. Cold init of a webhook function (a fresh ``python`` that imports the handler and builds the
   clients its requests use) against the floor ``python -c "import boto3; boto3.client(...)"`` with
   the AWS clients it uses: whole processes, interleaved, median of N. Our sources are compiled first,
   as `make build` ships them (bytecode in the layer), since both sides then load bytecode.
2. On the local stack (``textloop serve`` in its own process): the dispatcher's time per event
   against the time of the I/O calls it makes (each AWS SDK call, and each HTTP request of the CRM
   and Twilio SDKs through urllib3), and the inbound webhook's warm CPU per request outside them.
3. What one delivered SMS and one reply use (bench_usage: invocations and billed durations per function,
   DynamoDB request units, SQS, Secrets Manager and Scheduler calls, log bytes), and from that, with the
   price table, AWS dollars per million SMS (cost.py).

Every figure is also written to ``.textloop/bench/results.json``:
``{"figures": {NAME: {"value": number, "bound": number or null, "unit": "..."}}}``.
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
        "figure": f"cold_request_{function}",
        "unit": "ratio: fresh process importing the handler and building its clients / boto3 floor",
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


def local_stack_benches(events: int) -> list[dict[str, Any]]:
    from textloop_local.bench_dispatch import run_stack_benches

    return run_stack_benches(events, BOUNDS["dispatcher"], BOUNDS["inbound_warm_cpu_ms"])


RESULTS_FILE = ROOT / ".textloop" / "bench" / "results.json"


def _figure(value: Any, bound: Any, unit: str) -> dict[str, Any]:
    return {"value": value, "bound": bound, "unit": unit}


def figures_of(results: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The printed results as named figures (a result names its own figure, or is known by its keys)."""
    out: dict[str, dict[str, Any]] = {}
    for r in results:
        if "figure" in r:
            out[r["figure"]] = _figure(r["ratio"], r["bound"], r.get("unit", ""))
        elif "ratio_of_totals" in r:  # bench_dispatch: the dispatcher against its I/O
            out["dispatcher_io_ratio_median_event"] = _figure(
                r["ratio"], r["bound"], "ratio: median of per-event (time / I/O time)"
            )
            out["dispatcher_io_ratio"] = _figure(
                r["ratio_of_totals"], None, "ratio: total time / total I/O time"
            )
        elif str(r.get("name", "")).startswith("inbound webhook warm CPU"):
            out["inbound_cpu_ms"] = _figure(
                r["ratio"], r["bound"], "ms CPU per request, I/O excluded (median)"
            )
    return out


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
    usage["aws_usd_per_million_sms"] = _figure(
        report["aws_usd_per_million_sms"], cost.AIM_USD_PER_MILLION, "USD per 1 million SMS (AWS only)"
    )
    return usage, report


def write_results(figures: dict[str, dict[str, Any]], path: Path = RESULTS_FILE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"figures": figures}, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="textloop bench", description=__doc__)
    parser.add_argument("--rounds", type=int, default=15, help="fresh interpreters per side (cold init)")
    parser.add_argument("--events", type=int, default=40, help="events through the dispatcher")
    parser.add_argument("--usage-events", type=int, default=20, help="SMS sent to measure the cost per SMS")
    parser.add_argument(
        "--usage-replies", type=int, default=6, help="replies handled to measure the cost per reply"
    )
    parser.add_argument("--results", default=str(RESULTS_FILE), help="where the figures are written as JSON")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    ship_bytecode()
    results = [cold_init(name, args.rounds) for name in FUNCTIONS]
    results.extend(warm_decisions())
    results.extend(local_stack_benches(args.events))
    figures = figures_of(results)
    usage, report = usage_and_cost(args.usage_events, args.usage_replies)
    figures.update(usage)
    written = write_results(figures, Path(args.results))
    if args.json:
        print(json.dumps({"results": results, "cost": report}, indent=2))
    else:
        for r in results:
            details = ", ".join(
                f"{k}={v}"
                for k, v in r.items()
                if k not in ("name", "ratio", "bound", "ok", "figure", "unit")
            )
            print(
                f"{'PASS' if r['ok'] else 'FAIL'}  {r['name']}: ratio {r['ratio']} (bound {r['bound']})  [{details}]"
            )
        from textloop_local.cost import explain

        aim = "within the aim" if report["within_aim"] else "ABOVE the aim"
        print(
            f"COST  AWS per 1 million SMS: ${report['aws_usd_per_million_sms']:.2f} ({aim} of "
            f"${report['aws_aim_usd_per_million_sms']:.2f}; {explain(report)}); `textloop cost` for the breakdown"
        )
        print(f"figures written to {written}")
    # The cost aim is reported (results.json carries its bound), not a speed gate of the bench.
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
