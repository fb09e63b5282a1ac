"""What one delivered SMS uses, counted on the local stack (the input of ``textloop cost``).

The real functions run in this process against the local stack (moto, the CRM and Twilio emulators);
a botocore event hook on the default boto3 session (every client a function builds inherits it) counts
each AWS API call of each function: DynamoDB read and write request units (from the size of the items
written and read, by DynamoDB's rounding rules: 1 KB per write unit, 4 KB per read unit, half for an
eventually consistent read, double in a transaction), SQS requests (and their 64 KB chunks), Secrets
Manager and EventBridge Scheduler calls. Each invocation is timed (wall, as Lambda bills it). The log
bytes the functions write (Powertools JSON lines, EMF metrics) are counted at the file descriptor.

The scenario: change events alternate between Salesforce (Event Relay's EventBridge entry) and HubSpot
(a signed webhook), one at a time (a batch of one: the common case outside a burst); each is drained
(dispatch, Twilio's status callbacks) before the next; then replies come back to the texted numbers.

Run by ``make bench`` in a fresh process (``python -m textloop_local.bench_usage --out FILE``).
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textloop_local.bench_dispatch import stdout_to

# DynamoDB's units (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html)
WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4096
SQS_CHUNK_BYTES = 64 * 1024

REPLIES = ("can we do a call Thursday at 2?", "what would 50 seats cost?", "thanks, got it")

# ---------------------------------------------------------------------------------- item sizes


def attribute_size(value: dict[str, Any]) -> int:
    """Bytes of one attribute value in DynamoDB's wire format, by the published sizing rules."""
    (kind, raw), *_ = value.items()
    if kind == "S":
        return len(str(raw).encode())
    if kind == "N":
        digits = str(raw).lstrip("-").replace(".", "").lstrip("0") or "0"
        return math.ceil(len(digits) / 2) + 1
    if kind == "B":
        return len(raw) if isinstance(raw, bytes) else len(str(raw)) * 3 // 4
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(attribute_size({kind[0]: v}) for v in raw)
    if kind == "L":
        return 3 + sum(1 + attribute_size(v) for v in raw)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + attribute_size(v) for k, v in raw.items())
    return len(json.dumps(raw))


def item_size(item: dict[str, Any] | None) -> int:
    return sum(len(name.encode()) + attribute_size(value) for name, value in (item or {}).items())


def write_units(size: int) -> int:
    return max(1, math.ceil(size / WRITE_UNIT_BYTES))


def read_units(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / READ_UNIT_BYTES))
    return float(units) if consistent else units / 2


# ---------------------------------------------------------------------------------- the meter


@dataclass
class FunctionUsage:
    invocations: int = 0
    billed_ms: float = 0.0  # sum of durations rounded up to 1 ms, as Lambda bills them
    rru: float = 0.0
    wru: float = 0.0
    sqs_requests: int = 0
    sqs_messages_sent: int = 0  # messages the function put on queues (a batch request carries several)
    sqs_messages_consumed: int = 0  # SQS records it was invoked with (its event source mapping's)
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # "service.Operation" -> n
    units: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # "dynamodb.Op" -> RRU+WRU


class UsageMeter:
    """Counts each AWS call of the function running on the calling thread (botocore event hooks)."""

    OUTSIDE = "(outside any function)"

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self.usage: dict[str, FunctionUsage] = defaultdict(FunctionUsage)
        self._resolver: Any = None  # a client outside the meter: sizes of items updated in place

    def install(self, session: Any) -> None:
        session.events.register("before-call", self._before_call)
        session.events.register("after-call", self._after_call)

    def resolve_with(self, client: Any) -> None:
        self._resolver = client

    def reset(self) -> None:
        with self._lock:
            self.usage = defaultdict(FunctionUsage)

    @property
    def current(self) -> str:
        return getattr(self._local, "function", None) or self.OUTSIDE

    def wrap(self, function: Any) -> None:
        """Time every invocation of a ``LocalFunction`` and attribute its calls to it."""
        invoke = function.invoke
        name = function.logical_id

        def metered(event: Any) -> Any:
            records = event.get("Records") if isinstance(event, dict) else None
            consumed = sum(
                1 for r in records or () if isinstance(r, dict) and r.get("eventSource") == "aws:sqs"
            )
            self._local.function, self._local.pending = name, []
            start = time.perf_counter()
            try:
                return invoke(event)
            finally:
                elapsed_ms = (time.perf_counter() - start) * 1000
                pending, self._local.function = self._local.pending, None
                resolved = [(p[0], self._updated_item_units(*p[1:])) for p in pending]  # not timed
                with self._lock:
                    usage = self.usage[name]
                    usage.invocations += 1
                    usage.sqs_messages_consumed += consumed
                    usage.billed_ms += math.ceil(elapsed_ms)
                    for call, units in resolved:
                        usage.wru += units
                        usage.units[call] += units

        function.invoke = metered

    # --- hooks ----------------------------------------------------------------------------------

    def _before_call(self, model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        body = params.get("body") or b""
        if isinstance(body, dict):  # a query-protocol form
            from urllib.parse import urlencode

            body = urlencode(body).encode()
        context["textloop_usage_body"] = body.encode() if isinstance(body, str) else body

    def _after_call(self, model: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        service = model.service_model.service_name
        operation = model.name
        raw = context.get("textloop_usage_body") or b""
        name = self.current
        rru = wru = 0.0
        sqs = sent = 0
        if service == "dynamodb":
            request = json.loads(raw) if raw else {}
            rru, wru = self._dynamodb_units(operation, request, parsed or {})
        elif service == "sqs":
            sqs = max(1, math.ceil(len(raw) / SQS_CHUNK_BYTES))
            if operation == "SendMessage":
                sent = 1
            elif operation == "SendMessageBatch":
                sent = len(parsed.get("Successful") or [])
        with self._lock:
            usage = self.usage[name]
            usage.calls[f"{service}.{operation}"] += 1
            usage.rru += rru
            usage.wru += wru
            usage.units[f"{service}.{operation}"] += rru + wru
            usage.sqs_requests += sqs
            usage.sqs_messages_sent += sent

    def _dynamodb_units(
        self, op: str, request: dict[str, Any], parsed: dict[str, Any]
    ) -> tuple[float, float]:
        consistent = bool(request.get("ConsistentRead"))
        if op == "PutItem":
            return 0.0, write_units(item_size(request.get("Item")))
        if op in ("UpdateItem", "DeleteItem"):
            if parsed.get("Attributes") and request.get("ReturnValues") in ("ALL_NEW", "ALL_OLD"):
                return 0.0, write_units(item_size(parsed["Attributes"]))
            self._defer(f"dynamodb.{op}", request.get("TableName", ""), request.get("Key", {}), 1)
            return 0.0, 0.0
        if op == "GetItem":
            return read_units(item_size(parsed.get("Item")), consistent), 0.0
        if op in ("Query", "Scan"):
            size = sum(item_size(i) for i in parsed.get("Items", []))
            return read_units(size, consistent), 0.0
        if op == "BatchGetItem":
            rru = 0.0
            for table, items in (parsed.get("Responses") or {}).items():
                strong = bool(request.get("RequestItems", {}).get(table, {}).get("ConsistentRead"))
                rru += sum(read_units(item_size(i), strong) for i in items)
            return rru, 0.0
        if op == "BatchWriteItem":
            wru = 0.0
            for writes in (request.get("RequestItems") or {}).values():
                for w in writes:
                    wru += write_units(item_size(w.get("PutRequest", {}).get("Item")))
            return 0.0, wru
        if op == "TransactGetItems":
            items = [r.get("Item") for r in parsed.get("Responses", [])]
            return sum(2 * read_units(item_size(i), True) for i in items), 0.0
        if op == "TransactWriteItems":
            wru = 0.0
            for entry in request.get("TransactItems", []):
                if "Put" in entry:
                    wru += 2 * write_units(item_size(entry["Put"].get("Item")))
                else:
                    (_kind, spec), *_ = entry.items()
                    self._defer(
                        "dynamodb.TransactWriteItems", spec.get("TableName", ""), spec.get("Key", {}), 2
                    )
            return 0.0, wru
        return 0.0, 0.0

    def _defer(self, call: str, table: str, key: dict[str, Any], factor: int) -> None:
        """An item changed in place: its size is read after the invocation, outside the timed span."""
        pending = getattr(self._local, "pending", None)
        if pending is None:  # outside any function: the stack's own bookkeeping
            return
        pending.append((call, table, key, factor))

    def _updated_item_units(self, table: str, key: dict[str, Any], factor: int) -> float:
        item = None
        if self._resolver is not None and table and key:
            item = self._resolver.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
        return float(factor * write_units(item_size(item)))

    def snapshot(self) -> dict[str, FunctionUsage]:
        with self._lock:
            return {k: v for k, v in self.usage.items() if k != self.OUTSIDE}


# ---------------------------------------------------------------------------------- scenario


def _zero_cooldown_rules(folder: Path) -> Path:
    from textloop.domain.watchlist import DEFAULT_TRIGGERS_FILE

    config = json.loads(DEFAULT_TRIGGERS_FILE.read_text(encoding="utf-8"))
    for rule in config["rules"]:
        rule["cooldown_days"] = 0  # every event of the run sends (the same records change again)
    path = folder / "triggers.usage.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def _usage_figures(usage: dict[str, FunctionUsage], per: int) -> dict[str, Any]:
    functions = {}
    for name, u in sorted(usage.items()):
        if not u.invocations:
            continue
        functions[name] = {
            "invocations_per_unit": u.invocations / per,
            "mean_billed_ms": u.billed_ms / u.invocations,
            "rru_per_invocation": u.rru / u.invocations,
            "wru_per_invocation": u.wru / u.invocations,
            "sqs_requests_per_invocation": u.sqs_requests / u.invocations,
            "sqs_messages_sent_per_invocation": u.sqs_messages_sent / u.invocations,
            "sqs_messages_consumed_per_invocation": u.sqs_messages_consumed / u.invocations,
            "secretsmanager_calls_per_invocation": sum(
                n for c, n in u.calls.items() if c.startswith("secretsmanager.")
            )
            / u.invocations,
            "scheduler_calls_per_invocation": sum(n for c, n in u.calls.items() if c.startswith("scheduler."))
            / u.invocations,
            "aws_calls_per_invocation": {c: n / u.invocations for c, n in sorted(u.calls.items())},
            "dynamodb_units_per_invocation_by_call": {
                c: n / u.invocations for c, n in sorted(u.units.items()) if c.startswith("dynamodb.")
            },
        }
    return functions


def measure(events: int, replies: int) -> dict[str, Any]:
    """Play the scenario on an in-process local stack; the usage per delivered SMS and per reply."""
    import boto3
    import botocore.session

    from textloop_local.demo import (
        SF_TIME_ZONE_FIELD,
        choose_zones,
        hubspot_event,
        post_hubspot_batch,
        salesforce_change_event,
        set_time_zones,
    )
    from textloop_local.emulators import seed
    from textloop_local.serve import LocalStack, StackOptions

    meter = UsageMeter()
    meter.install(boto3._get_default_session())  # every boto3.client() made after this inherits it
    with tempfile.TemporaryDirectory(prefix="textloop-usage-") as folder:
        rules = _zero_cooldown_rules(Path(folder))
        log_file = Path(folder) / "stdout.log"
        with stdout_to(log_file):
            env = {"TRIGGERS_FILE": str(rules), "SALESFORCE_TIME_ZONE_FIELD": SF_TIME_ZONE_FIELD}
            stack = LocalStack(StackOptions(extra_env=env)).start()
            try:
                for function in stack.functions.values():
                    meter.wrap(function)
                meter.resolve_with(
                    botocore.session.get_session().create_client(
                        "dynamodb",
                        endpoint_url=stack.aws_endpoint,
                        region_name="us-east-1",
                        aws_access_key_id="testing",
                        aws_secret_access_key="testing",
                    )
                )
                set_time_zones(stack, choose_zones(datetime.now(UTC)))  # daytime: sent at any hour
                portal, app = int(seed.HS_PORTAL_ID), int(getattr(seed, "HS_APP_ID", 1_160_452))
                stack.salesforce.update_record(
                    "Opportunity", seed.SF_OPPORTUNITY_ACME, {"StageName": "Negotiation/Review"}
                )
                stack.hubspot.update_record("deals", seed.HS_DEAL_INITECH, {"dealstage": "contractsent"})

                def change(n: int) -> None:
                    if n % 2 == 0:
                        for stage in ("Prospecting", "Negotiation/Review"):  # a new entry into the stage:
                            stack.salesforce.update_record(  # the slot tells it from a redelivery
                                "Opportunity", seed.SF_OPPORTUNITY_ACME, {"StageName": stage}
                            )
                        entry = salesforce_change_event(
                            seed.SF_ORG_ID,
                            "Opportunity",
                            seed.SF_OPPORTUNITY_ACME,
                            {"StageName": "Negotiation/Review"},
                            ["StageName"],
                            seed.SF_USER_DANA,
                        )
                        if stack.client("events").put_events(Entries=[entry]).get("FailedEntryCount"):
                            raise RuntimeError("put_events failed")
                    else:
                        event = hubspot_event(
                            "deal", seed.HS_DEAL_INITECH, "dealstage", "contractsent", portal, app
                        )
                        answer = post_hubspot_batch(stack.url, stack.env["HUBSPOT_CLIENT_SECRET"], [event])
                        answer.raise_for_status()
                    if not stack.drain(60):
                        raise RuntimeError("the local stack did not drain")

                for n in range(2):  # warm: cold starts, first connections, token grants
                    change(n)
                meter.reset()
                sent_before = len(stack.twilio.state()["messages"])
                callbacks_before = len(stack.twilio.callbacks)
                log_before = log_file.stat().st_size
                for n in range(events):
                    change(n)
                messages = stack.twilio.state()["messages"][sent_before:]
                delivered = [m for m in messages if m["status"] == "delivered"]
                callbacks = len(stack.twilio.callbacks) - callbacks_before
                sms_usage = meter.snapshot()
                sms_log_bytes = log_file.stat().st_size - log_before
                segments = sum(int(m.get("num_segments") or 1) for m in delivered)

                numbers = sorted({m["to"] for m in delivered})
                meter.reset()
                log_before = log_file.stat().st_size
                for n in range(replies):
                    _, answer = stack.post_inbound_sms(numbers[n % len(numbers)], REPLIES[n % len(REPLIES)])
                    answer.raise_for_status()
                    if not stack.drain(60):
                        raise RuntimeError("the local stack did not drain")
                reply_usage = meter.snapshot()
                reply_log_bytes = log_file.stat().st_size - log_before
            finally:
                stack.stop()
    if not delivered or len(delivered) != events:
        raise RuntimeError(f"{len(delivered)} SMS delivered for {events} change events: the run did not send")
    return {
        "events": events,
        "salesforce_share": sum(1 for n in range(events) if n % 2 == 0) / events,
        "sms_delivered": len(delivered),
        "segments_per_sms": segments / len(delivered),
        "status_callbacks_per_sms": callbacks / len(delivered),
        "log_bytes_per_sms": sms_log_bytes / len(delivered),
        "functions_per_sms": _usage_figures(sms_usage, len(delivered)),
        "replies": replies,
        "log_bytes_per_reply": reply_log_bytes / max(1, replies),
        "functions_per_reply": _usage_figures(reply_usage, max(1, replies)),
    }


_METRICS = {  # name in results.json -> (key in the measurement, unit)
    "invocations": ("invocations_per_unit", "invocations per {unit}"),
    "billed_ms": ("mean_billed_ms", "ms per invocation (mean, rounded up to 1 ms as billed)"),
    "rru": ("rru_per_invocation", "DynamoDB read request units per invocation"),
    "wru": ("wru_per_invocation", "DynamoDB write request units per invocation"),
    "sqs_requests": ("sqs_requests_per_invocation", "SQS requests per invocation"),
    "sqs_messages_sent": ("sqs_messages_sent_per_invocation", "SQS messages sent per invocation"),
    "sqs_messages_consumed": ("sqs_messages_consumed_per_invocation", "SQS messages consumed per invocation"),
    "secretsmanager_calls": ("secretsmanager_calls_per_invocation", "Secrets Manager calls per invocation"),
    "scheduler_calls": ("scheduler_calls_per_invocation", "EventBridge Scheduler calls per invocation"),
}


def figures(measured: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The measurement as results.json figures: ``usage.<sms|reply>[.<Function>].<metric>``."""
    out: dict[str, dict[str, Any]] = {}

    def put(name: str, value: float, unit: str) -> None:
        out[name] = {"value": round(float(value), 6), "bound": None, "unit": unit}

    for unit, key in (("sms", "functions_per_sms"), ("reply", "functions_per_reply")):
        for function, usage in measured[key].items():
            for metric, (field_name, label) in _METRICS.items():
                put(f"usage.{unit}.{function}.{metric}", usage[field_name], label.format(unit=unit))
    put("usage.sms.log_bytes", measured["log_bytes_per_sms"], "bytes logged by the functions per SMS")
    put("usage.sms.segments", measured["segments_per_sms"], "segments per SMS")
    put(
        "usage.sms.status_callbacks",
        measured["status_callbacks_per_sms"],
        "status callbacks per SMS (emulator)",
    )
    put(
        "usage.sms.salesforce_share",
        measured["salesforce_share"],
        "share of the SMS triggered from Salesforce",
    )
    put("usage.reply.log_bytes", measured["log_bytes_per_reply"], "bytes logged by the functions per reply")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m textloop_local.bench_usage", description=__doc__)
    parser.add_argument("--events", type=int, default=20, help="change events (each one SMS)")
    parser.add_argument("--replies", type=int, default=6, help="replies to the texted numbers")
    parser.add_argument("--out", required=True, help="write the usage as JSON here")
    args = parser.parse_args(argv)
    if args.events < 2 or args.replies < 0:
        parser.error("--events must be at least 2 and --replies at least 0")
    Path(args.out).write_text(json.dumps(measure(args.events, args.replies), indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
