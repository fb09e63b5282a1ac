"""``textloop cost``: what a message costs, from measured figures and a price table.

AWS per delivered SMS, service by service:

* Lambda: each function's invocations per SMS x its measured mean billed duration (``make bench``,
  ``.textloop/bench/results.json``) x its ``MemorySize`` in template.yaml = GB-seconds at the arm64
  price, plus the request price per invocation;
* DynamoDB on-demand: the read and write request units the functions consumed (counted per call);
* SQS: the requests the functions made, the event source mapping's receive and delete per batch, and
  the EventBridge rule's send of a Salesforce change;
* API Gateway (HTTP API): one request per invocation of a function behind a route (HubSpot webhook,
  Twilio status callbacks — as many as Twilio sends per message — inbound SMS);
* EventBridge: the Salesforce change events on the partner bus, and the Scheduler invocation of a
  deferred message (a configurable share, which also runs the dispatcher a second time);
* Secrets Manager: API calls; CloudWatch Logs: the bytes the functions logged, the platform lines of
  each invocation and the API access log.

Then Twilio: segments per SMS x (the base price + the carrier fees weighted by carrier share). The full
cost per reply and per meeting spreads the cost of every message (and of handling its replies) over
the replies and meetings it earns (rates as options; defaults are stated assumptions).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
PRICES_FILE = Path(__file__).with_name("prices.json")
RESULTS_FILE = ROOT / ".textloop" / "bench" / "results.json"  # where `make bench` writes it
AIM_USD_PER_MILLION = 3.0
STATUS_ROUTE = "/twilio/status"

PRICE_KEYS = (
    "lambda_arm64_gb_second",
    "lambda_request",
    "sqs_standard_request",
    "dynamodb_on_demand_write_request_unit",
    "dynamodb_on_demand_read_request_unit",
    "apigateway_http_request",
    "eventbridge_scheduler_invocation",
    "eventbridge_partner_event",
    "secretsmanager_api_call",
    "cloudwatch_logs_ingestion_gb",
    "twilio_us_sms_outbound_segment",
    "twilio_us_sms_inbound_segment",
)
ASSUMPTION_KEYS = (
    "twilio_status_callbacks_per_sms",
    "lambda_esm_sqs_requests_per_batch",
    "lambda_esm_messages_per_batch",
    "lambda_platform_log_bytes_per_invocation",
    "apigateway_access_log_bytes_per_request",
    "salesforce_changes_per_sms",
    "deferred_share",
    "reply_rate",
    "meeting_rate",
)
FUNCTION_METRICS = (
    "invocations",
    "billed_ms",
    "rru",
    "wru",
    "sqs_requests",
    "secretsmanager_calls",
    "scheduler_calls",
)
OPTIONAL_METRICS = ("sqs_messages_sent", "sqs_messages_consumed")  # 0 when an older results.json lacks them
SERVICES = (
    "lambda_compute",
    "lambda_requests",
    "dynamodb",
    "sqs",
    "api_gateway",
    "eventbridge",
    "scheduler",
    "secrets_manager",
    "cloudwatch_logs",
)


class CostInputError(ValueError):
    """A price table, template or results file the model cannot use (the message says why)."""


# ------------------------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Prices:
    prices: dict[str, float]  # USD per unit named in prices.json (per million for counts)
    assumptions: dict[str, float]
    carrier_fee_per_segment: float  # weighted by share
    sources: dict[str, dict[str, str]]


def _entry(name: str, raw: Any, path: Path) -> tuple[float, dict[str, str]]:
    if not isinstance(raw, Mapping) or "value" not in raw:
        raise CostInputError(f"{path}: {name} needs an object with value, source and read_on")
    value = raw["value"]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise CostInputError(f"{path}: {name}.value must be a number >= 0, not {value!r}")
    source, read_on = raw.get("source"), raw.get("read_on")
    if not isinstance(source, str) or not source:
        raise CostInputError(f"{path}: {name} has no source")
    try:
        date.fromisoformat(str(read_on))
    except ValueError:
        raise CostInputError(f"{path}: {name}.read_on must be a date (YYYY-MM-DD), not {read_on!r}") from None
    return float(value), {"source": source, "read_on": str(read_on), "unit": str(raw.get("unit", ""))}


def load_prices(path: Path = PRICES_FILE) -> Prices:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CostInputError(f"no price table at {path}") from None
    except json.JSONDecodeError as exc:
        raise CostInputError(f"{path} is not JSON: {exc}") from None
    if not isinstance(data, Mapping):
        raise CostInputError(f"{path}: expected an object")
    prices: dict[str, float] = {}
    assumptions: dict[str, float] = {}
    sources: dict[str, dict[str, str]] = {}
    for section, keys, into in (
        ("prices", PRICE_KEYS, prices),
        ("assumptions", ASSUMPTION_KEYS, assumptions),
    ):
        table = data.get(section) or {}
        for key in keys:
            if key not in table:
                raise CostInputError(f"{path}: {section}.{key} is missing")
            into[key], sources[key] = _entry(f"{section}.{key}", table[key], path)
    for rate in ("reply_rate", "meeting_rate"):
        if not 0 < assumptions[rate] <= 1:
            raise CostInputError(f"{path}: assumptions.{rate} must be in (0, 1]")
    if not 0 <= assumptions["deferred_share"] <= 1:
        raise CostInputError(f"{path}: assumptions.deferred_share must be in [0, 1]")
    if assumptions["lambda_esm_messages_per_batch"] < 1:
        raise CostInputError(f"{path}: assumptions.lambda_esm_messages_per_batch must be at least 1")
    fees = data.get("carrier_fees") or {}
    carriers = fees.get("carriers") or {}
    if not carriers:
        raise CostInputError(f"{path}: carrier_fees.carriers is empty (use a carrier with usd_per_segment 0)")
    _, sources["carrier_fees"] = _entry("carrier_fees", {"value": 0, **fees}, path)
    shares = [float(c.get("share", -1)) for c in carriers.values()]
    if any(s < 0 for s in shares) or not math.isclose(sum(shares), 1.0, abs_tol=1e-6):
        raise CostInputError(
            f"{path}: carrier_fees shares must be >= 0 and add up to 1 (they add up to {sum(shares)})"
        )
    fee = sum(float(c.get("usd_per_segment", 0)) * float(c["share"]) for c in carriers.values())
    return Prices(prices, assumptions, fee, sources)


@dataclass(frozen=True)
class FunctionSpec:
    memory_mb: int
    architecture: str
    sqs_consumer: bool
    routes: tuple[str, ...]
    trigger_consumer: bool = False  # consumes TriggerQueue: a deferred message comes back to it


def template_functions(template: Path | None = None) -> dict[str, FunctionSpec]:
    """Memory, architecture and triggers of every function, read from template.yaml."""
    from textloop_local import template as sam

    path = template or sam.find_template()
    tpl = sam.load_template(path)
    glob = tpl.get("Globals", {}).get("Function", {})
    resources = tpl.get("Resources", {})
    sources = sam.sqs_event_sources(tpl)
    consumers = {s.function for s in sources}
    trigger = {s.function for s in sources if s.queue == "TriggerQueue"}
    routes: dict[str, list[str]] = {}
    for route in sam.http_routes(tpl):
        routes.setdefault(route.function, []).append(route.path)
    result = {}
    for fn in sam.functions(tpl):
        arch = (
            resources[fn.logical_id].get("Properties", {}).get("Architectures")
            or glob.get("Architectures")
            or ["x86_64"]
        )[0]
        result[fn.logical_id] = FunctionSpec(
            memory_mb=fn.memory_size or 128,
            architecture=str(arch),
            sqs_consumer=fn.logical_id in consumers,
            routes=tuple(routes.get(fn.logical_id, ())),
            trigger_consumer=fn.logical_id in trigger,
        )
    return result


@dataclass
class UnitUsage:
    """What one delivered SMS (or one reply) used: per function, and for the unit as a whole."""

    functions: dict[str, dict[str, float]] = field(default_factory=dict)  # name -> metric -> value
    totals: dict[str, float] = field(default_factory=dict)


_NAME = re.compile(r"^usage\.(sms|reply)\.(?:([A-Za-z0-9]+)\.)?([a-z_]+)$")


def usage_from_figures(figures: Mapping[str, Any]) -> dict[str, UnitUsage]:
    """``usage.<sms|reply>[.<Function>].<metric>`` figures of results.json, as usage per unit."""
    units: dict[str, UnitUsage] = {"sms": UnitUsage(), "reply": UnitUsage()}
    for name, figure in figures.items():
        match = _NAME.match(name)
        if not match:
            continue
        unit, function, metric = match.groups()
        value = figure.get("value") if isinstance(figure, Mapping) else None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise CostInputError(f"figure {name} has no numeric value")
        if function:
            units[unit].functions.setdefault(function, {})[metric] = float(value)
        else:
            units[unit].totals[metric] = float(value)
    if not units["sms"].functions:
        raise CostInputError(
            "no measured usage per SMS (usage.sms.* figures): run `make bench`, which writes "
            f"{RESULTS_FILE}, or pass --results FILE"
        )
    for unit in units.values():
        for name, metrics in unit.functions.items():
            for optional in OPTIONAL_METRICS:
                metrics.setdefault(optional, 0.0)
            missing = [m for m in FUNCTION_METRICS if m not in metrics]
            if missing:
                raise CostInputError(f"usage of {name} lacks {', '.join(missing)}: run `make bench` again")
    return units


def load_results(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CostInputError(
            f"no measured figures at {path}: run `make bench` first (it measures what each function "
            "does per message on the local stack and writes that file), or pass --results FILE"
        ) from None
    except json.JSONDecodeError as exc:
        raise CostInputError(f"{path} is not JSON: {exc}") from None
    figures = data.get("figures") if isinstance(data, Mapping) else None
    if not isinstance(figures, Mapping):
        raise CostInputError(f'{path}: expected {{"figures": {{NAME: {{"value": ...}}}}}}')
    return dict(figures)


def cloudwatch_durations(
    stack_name: str, functions: list[str], *, days: int = 7, region: str | None = None
) -> dict[str, float]:
    """Each function's mean ``Duration`` over the last *days* in CloudWatch (``AWS/Lambda``), for a
    deployed stack: the functions' physical names from CloudFormation, by the template's logical ids.
    Needs ``cloudformation:DescribeStackResources`` and ``cloudwatch:GetMetricStatistics``."""
    from datetime import UTC, datetime, timedelta

    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        resources = boto3.client("cloudformation", region_name=region).describe_stack_resources(
            StackName=stack_name
        )
        physical = {
            r["LogicalResourceId"]: r["PhysicalResourceId"]
            for r in resources["StackResources"]
            if r["ResourceType"] == "AWS::Lambda::Function"
        }
        cloudwatch = boto3.client("cloudwatch", region_name=region)
        end = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)  # whole minutes
        durations = {}
        for name in functions:
            if name not in physical:
                raise CostInputError(f"the stack {stack_name} has no function {name}")
            points = cloudwatch.get_metric_statistics(
                Namespace="AWS/Lambda",
                MetricName="Duration",
                Dimensions=[{"Name": "FunctionName", "Value": physical[name]}],
                StartTime=end - timedelta(days=days),
                EndTime=end,
                Period=86400,
                Statistics=["Average", "SampleCount"],
            )["Datapoints"]
            count = sum(p["SampleCount"] for p in points)
            if count:
                durations[name] = sum(p["Average"] * p["SampleCount"] for p in points) / count
    except (BotoCoreError, ClientError) as exc:
        raise CostInputError(f"cannot read the durations of {stack_name} from CloudWatch: {exc}") from None
    return durations


def with_durations(figures: Mapping[str, Any], durations: Mapping[str, float]) -> dict[str, Any]:
    """The figures with each function's measured duration replaced by *durations* (ms) where given."""
    out = dict(figures)
    for name in list(out):
        match = _NAME.match(name)
        if match and match.group(3) == "billed_ms" and match.group(2) in durations:
            out[name] = {"value": durations[match.group(2)], "bound": None, "unit": "ms (CloudWatch average)"}
    return out


# -------------------------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Options:
    reply_rate: float | None = None
    meeting_rate: float | None = None
    deferred_share: float | None = None
    status_callbacks_per_sms: float | None = None
    price_per_segment: float | None = None


def _unit_cost(
    usage: UnitUsage,
    specs: Mapping[str, FunctionSpec],
    prices: Prices,
    *,
    status_callbacks: float | None,
    salesforce_share: float,
    deferred_share: float,
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """USD per unit, by service, and the Lambda figures per function."""
    p, a = prices.prices, prices.assumptions
    usd = dict.fromkeys(SERVICES, 0.0)
    per_function: dict[str, dict[str, float]] = {}
    api_requests = invocations_total = 0.0
    for name, m in usage.functions.items():
        spec = specs.get(name)
        if spec is None:
            raise CostInputError(f"{name} was measured but is not a function of template.yaml")
        if spec.architecture != "arm64":
            raise CostInputError(f"{name} is {spec.architecture} in template.yaml; the price table is arm64")
        invocations = m["invocations"]
        if status_callbacks is not None and STATUS_ROUTE in spec.routes:
            invocations = status_callbacks  # as many as Twilio sends, not as many as the emulator did
        if spec.trigger_consumer:
            invocations *= 1 + deferred_share  # a deferred message runs it twice
        gb_seconds = invocations * m["billed_ms"] / 1000 * spec.memory_mb / 1024
        usd["lambda_compute"] += gb_seconds * p["lambda_arm64_gb_second"]
        usd["lambda_requests"] += invocations * p["lambda_request"] / 1e6
        usd["dynamodb"] += (
            invocations
            * (
                m["rru"] * p["dynamodb_on_demand_read_request_unit"]
                + m["wru"] * p["dynamodb_on_demand_write_request_unit"]
            )
            / 1e6
        )
        sqs = invocations * m["sqs_requests"]
        if spec.sqs_consumer:
            sqs += invocations / a["lambda_esm_messages_per_batch"] * a["lambda_esm_sqs_requests_per_batch"]
        usd["sqs"] += sqs * p["sqs_standard_request"] / 1e6
        usd["secrets_manager"] += invocations * m["secretsmanager_calls"] * p["secretsmanager_api_call"] / 1e6
        if spec.routes:
            api_requests += invocations
        invocations_total += invocations
        per_function[name] = {
            "memory_mb": spec.memory_mb,
            "invocations": invocations,
            "billed_ms": m["billed_ms"],
            "gb_seconds": gb_seconds,
        }
    usd["api_gateway"] = api_requests * p["apigateway_http_request"] / 1e6
    # What the queues delivered but no function sent, the EventBridge rules' SQS targets sent (Salesforce
    # changes from the partner bus: one request each).
    consumed = sum(
        m.get("invocations", 0) * m.get("sqs_messages_consumed", 0) for m in usage.functions.values()
    )
    sent = sum(m.get("invocations", 0) * m.get("sqs_messages_sent", 0) for m in usage.functions.values())
    usd["sqs"] += max(0.0, consumed - sent) * p["sqs_standard_request"] / 1e6
    sf_changes = salesforce_share * a["salesforce_changes_per_sms"]
    usd["eventbridge"] = sf_changes * p["eventbridge_partner_event"] / 1e6
    # A deferred message: one Scheduler invocation, whose target sends it to the queue again.
    usd["scheduler"] = deferred_share * p["eventbridge_scheduler_invocation"] / 1e6
    usd["sqs"] += deferred_share * p["sqs_standard_request"] / 1e6
    log_bytes = (
        usage.totals.get("log_bytes", 0.0)
        + invocations_total * a["lambda_platform_log_bytes_per_invocation"]
        + api_requests * a["apigateway_access_log_bytes_per_request"]
    )
    usd["cloudwatch_logs"] = log_bytes / 1024**3 * p["cloudwatch_logs_ingestion_gb"]
    return usd, per_function


def compute(
    figures: Mapping[str, Any],
    prices: Prices,
    specs: Mapping[str, FunctionSpec],
    options: Options = Options(),
) -> dict[str, Any]:
    """The cost report (one JSON-able object) from results.json figures."""
    a = prices.assumptions
    usage = usage_from_figures(figures)
    reply_rate = a["reply_rate"] if options.reply_rate is None else options.reply_rate
    meeting_rate = a["meeting_rate"] if options.meeting_rate is None else options.meeting_rate
    deferred = a["deferred_share"] if options.deferred_share is None else options.deferred_share
    callbacks = (
        a["twilio_status_callbacks_per_sms"]
        if options.status_callbacks_per_sms is None
        else options.status_callbacks_per_sms
    )
    for label, rate in (("--reply-rate", reply_rate), ("--meeting-rate", meeting_rate)):
        if not 0 < rate <= 1:
            raise CostInputError(f"{label} must be in (0, 1], not {rate}")
    if not 0 <= deferred <= 1:
        raise CostInputError(f"--deferred-share must be in [0, 1], not {deferred}")
    if callbacks < 0:
        raise CostInputError(f"--status-callbacks must be >= 0, not {callbacks}")
    sms = usage["sms"]
    sms_usd, lambda_per_function = _unit_cost(
        sms,
        specs,
        prices,
        status_callbacks=callbacks,
        salesforce_share=sms.totals.get("salesforce_share", 0.0),
        deferred_share=deferred,
    )
    aws_per_sms = sum(sms_usd.values())
    segment_price = (
        prices.prices["twilio_us_sms_outbound_segment"]
        if options.price_per_segment is None
        else options.price_per_segment
    )
    segments = sms.totals.get("segments", 1.0)
    twilio_per_sms = segments * (segment_price + prices.carrier_fee_per_segment)

    reply = usage["reply"]
    aws_per_reply = 0.0
    if reply.functions:
        reply_usd, _ = _unit_cost(
            reply, specs, prices, status_callbacks=None, salesforce_share=0.0, deferred_share=0.0
        )
        aws_per_reply = sum(reply_usd.values())
    twilio_per_reply = reply.totals.get("segments", 1.0) * prices.prices["twilio_us_sms_inbound_segment"]
    per_message_with_replies = aws_per_sms + twilio_per_sms + reply_rate * (aws_per_reply + twilio_per_reply)
    dominant = max(sms_usd, key=lambda k: sms_usd[k])
    return {
        "aws_usd_per_million_sms": round(aws_per_sms * 1e6, 6),
        "aws_aim_usd_per_million_sms": AIM_USD_PER_MILLION,
        "within_aim": aws_per_sms * 1e6 <= AIM_USD_PER_MILLION,
        "aws_breakdown_usd_per_million_sms": {k: round(v * 1e6, 6) for k, v in sms_usd.items()},
        "dominant_service": dominant,
        "lambda_per_function": {
            k: {kk: round(vv, 6) for kk, vv in v.items()} for k, v in sorted(lambda_per_function.items())
        },
        "twilio_usd_per_sms": round(twilio_per_sms, 6),
        "segments_per_sms": segments,
        "usd_per_message": round(aws_per_sms + twilio_per_sms, 6),
        "aws_usd_per_million_replies_handled": round(aws_per_reply * 1e6, 6),
        "usd_per_reply_handled": round(aws_per_reply + twilio_per_reply, 6),
        "usd_per_message_with_its_replies": round(per_message_with_replies, 6),
        "usd_per_reply": round(per_message_with_replies / reply_rate, 6),
        "usd_per_meeting": round(per_message_with_replies / meeting_rate, 6),
        "inputs": {
            "reply_rate": reply_rate,
            "meeting_rate": meeting_rate,
            "deferred_share": deferred,
            "twilio_status_callbacks_per_sms": callbacks,
            "measured_status_callbacks_per_sms": sms.totals.get("status_callbacks"),
            "salesforce_share": sms.totals.get("salesforce_share", 0.0),
            "twilio_usd_per_segment": segment_price,
            "carrier_fee_usd_per_segment": round(prices.carrier_fee_per_segment, 6),
        },
        "sources": prices.sources,
    }


def explain(report: Mapping[str, Any]) -> str:
    """Why the dominant service costs what it does, in one sentence (for the text output)."""
    service = report["dominant_service"]
    share = report["aws_breakdown_usd_per_million_sms"][service] / max(
        report["aws_usd_per_million_sms"], 1e-12
    )
    reasons = {
        "dynamodb": "on-demand writes: every send writes its slot, event outcome, message records and "
        "indexes (inside a transaction a write costs double), and each status callback updates the message",
        "api_gateway": "each SMS brings Twilio's status callbacks (one HTTP API request each) besides the webhook",
        "lambda_compute": "the functions' measured durations times their memory",
        "lambda_requests": "the invocations per SMS (dispatcher, status callbacks, webhook)",
        "cloudwatch_logs": "the log bytes per SMS (JSON lines, EMF metrics, platform lines, access log)",
        "sqs": "queue hops: send, receive and delete per message",
    }
    return f"{service} is {share:.0%} of it: {reasons.get(service, 'see the breakdown')}"


# ---------------------------------------------------------------------------------------------- CLI


def _money(value: float) -> str:
    return f"${value:,.4f}" if value < 1 else f"${value:,.2f}"


def render(report: Mapping[str, Any]) -> str:
    lines = [
        f"AWS per 1 million SMS: {_money(report['aws_usd_per_million_sms'])}"
        f" (aim {_money(report['aws_aim_usd_per_million_sms'])}: "
        f"{'within' if report['within_aim'] else 'ABOVE'})"
    ]
    for service, usd in sorted(report["aws_breakdown_usd_per_million_sms"].items(), key=lambda kv: -kv[1]):
        lines.append(f"  {service:<16} {_money(usd):>12}")
    if not report["within_aim"]:
        lines.append(f"  {explain(report)}")
    lines.append("Lambda per SMS (memory from template.yaml, durations measured):")
    for name, f in report["lambda_per_function"].items():
        lines.append(
            f"  {name:<26} {f['invocations']:.2f} invocations x {f['billed_ms']:.1f} ms x {f['memory_mb']:.0f} MB"
        )
    i = report["inputs"]
    lines += [
        f"Twilio per SMS: {_money(report['twilio_usd_per_sms'])} ({report['segments_per_sms']:.2f} segments x "
        f"({_money(i['twilio_usd_per_segment'])} + carrier {_money(i['carrier_fee_usd_per_segment'])}))",
        f"Full cost per message: {_money(report['usd_per_message'])}",
        f"Per reply (reply rate {i['reply_rate']:.0%}): {_money(report['usd_per_reply'])}",
        f"Per meeting (meeting rate {i['meeting_rate']:.1%}): {_money(report['usd_per_meeting'])}",
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    try:
        figures = load_results(Path(args.results))
        if args.stack_name:
            measured = sorted({m.group(2) for n in figures if (m := _NAME.match(n)) and m.group(2)})
            durations = cloudwatch_durations(args.stack_name, measured, days=args.days, region=args.region)
            figures = with_durations(figures, durations)
        prices = load_prices(Path(args.prices))
        specs = template_functions(Path(args.template) if args.template else None)
        report = compute(
            figures,
            prices,
            specs,
            Options(
                reply_rate=args.reply_rate,
                meeting_rate=args.meeting_rate,
                deferred_share=args.deferred_share,
                status_callbacks_per_sms=args.status_callbacks,
                price_per_segment=args.price_per_segment,
            ),
        )
    except CostInputError as exc:
        print(f"textloop cost: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 0


def add_cost(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "cost",
        help="AWS dollars per million SMS and the full cost per message, reply and meeting",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--results", default=str(RESULTS_FILE), help=f"measured figures (default {RESULTS_FILE})")
    p.add_argument(
        "--prices", default=str(PRICES_FILE), help="price table (default: the bundled prices.json)"
    )
    p.add_argument("--template", default=None, help="template.yaml (default: the repository's)")
    p.add_argument(
        "--reply-rate", type=float, default=None, help="replies per delivered SMS (default 0.25, assumed)"
    )
    p.add_argument(
        "--meeting-rate", type=float, default=None, help="meetings per delivered SMS (default 0.03, assumed)"
    )
    p.add_argument(
        "--deferred-share", type=float, default=None, help="share of messages deferred (default 0.1)"
    )
    p.add_argument(
        "--status-callbacks", type=float, default=None, help="Twilio status callbacks per SMS (default 3)"
    )
    p.add_argument("--price-per-segment", type=float, default=None, help="Twilio USD per outbound segment")
    p.add_argument(
        "--stack-name",
        default=None,
        help="a deployed stack: each function's duration from CloudWatch (mean of --days), the calls per "
        "message still from results.json",
    )
    p.add_argument("--days", type=int, default=7, help="CloudWatch window in days (with --stack-name)")
    p.add_argument("--region", default=None, help="AWS region of the stack (default: your AWS config)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)
