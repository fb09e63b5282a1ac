"""``textloop report``: the loop measured, as one self-contained HTML page and the same tables as CSV.

    textloop report [--stack-url URL | --stack-name NAME [--region R]] [--out .textloop/report]
                    [--price-per-segment 0.0079]

Reads the state table (a local stack's through ``GET /_local/env``, a deployed stack's from its
``StateTableName`` output with your AWS credentials, else ``STATE_TABLE`` from the environment): the
message records (``MSG#<sid>``/``MSG``, with their attribution at send), the routed replies
(``EVENT#in:<sid>``/``OUTCOME``), the owner tasks the watchdog judged (``TASK#<crm>#<id>``/``SLA``), link
fetches (``LINK#<code>``/``CLICK#…``) and the pipeline outcomes (``PIPE#<yyyy-mm>``/``<iso>#<source id>``;
none yet: zeros). Writes ``report.html`` (plotly.js embedded: nothing is fetched when it is viewed) and
``figures.csv``, ``variants.csv``, ``funnel.csv``, ``latency.csv``, ``cost.csv`` beside it.

Cost: Twilio's price on the message record where a status callback gave it, else the message's
segments x ``--price-per-segment``; plus ``textloop cost``'s AWS dollars per SMS when its measured
figures (``make bench``) exist, else AWS is not included (``cost_basis`` in ``cost.csv`` says which).
Exit codes: 0 written, 2 bad input (no stack, a table that cannot be read).
"""

from __future__ import annotations

import argparse
import csv
import html
import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from textloop.domain.segments import US_PRICE_PER_SEGMENT
from textloop_local.figures import (
    DIMENSIONS,
    Click,
    Facts,
    Figures,
    Loop,
    Message,
    PipelineOutcome,
    Reply,
    Task,
    latency_histogram,
    variant_comparison,
)
from textloop_local.stack_access import Unusable, local_env

DEFAULT_OUT = Path(".textloop/report")
PREFIXES = ("MSG#", "EVENT#in:", "TASK#", "LINK#", "PIPE#")  # the items the report reads
CHARTS = ("reply-moment", "reply-stage", "latency", "funnel", "variants", "cost")
TWILIO_BASIS = "Twilio's price per message (segments x price per segment where Twilio gave none)"
AWS_NOT_INCLUDED = f"{TWILIO_BASIS}; AWS not included (no measured figures for textloop cost)"


# --- reading ----------------------------------------------------------------------------------


def facts_from_items(items: Iterable[Mapping[str, Any]]) -> Facts:
    """Facts from state table items as plain JSON values (``state.plain``; ``state.json``'s ``ledger``)."""
    facts = Facts()
    for item in items:
        pk, sk = str(item.get("pk", "")), str(item.get("sk", ""))
        if pk.startswith("MSG#") and sk == "MSG":
            if "sid" in item:  # else only a status callback's fields: a message never recorded as sent
                facts.messages.append(_message(item))
        elif pk.startswith("EVENT#in:") and sk == "OUTCOME" and item.get("outcome") == "routed":
            facts.replies.append(_reply(pk[len("EVENT#in:") :], item))
        elif pk.startswith("TASK#") and sk == "SLA":
            facts.tasks.append(_task(pk, item))
        elif pk.startswith("LINK#") and sk.startswith("CLICK#"):
            facts.clicks.append(
                Click(
                    pk[len("LINK#") :],
                    str(item.get("sid", "")),
                    str(item.get("kind", "")),
                    _at(item.get("at")),
                )
            )
        elif pk.startswith("PIPE#"):
            facts.outcomes.append(_pipeline(item))
    facts.messages.sort(key=lambda m: (m.sent_at, m.sid))
    return facts


def _message(item: Mapping[str, Any]) -> Message:
    template = str(item.get("template", ""))
    price = str(item.get("price", "") or "")
    return Message(
        sid=str(item.get("sid") or str(item["pk"])[len("MSG#") :]),
        sent_at=_required_at(item.get("sent_at"), f"message {item.get('pk')}"),
        rule=str(item.get("rule", "")),
        template=template,
        variant=str(item.get("variant", "")),
        stage=str(item.get("stage", "")),
        tier=str(item.get("tier", "")),
        lifecycle=str(item.get("lifecycle", "")),
        cohort=str(item.get("cohort", "")),
        trigger=str(item.get("trigger", "")),
        purpose=str(item.get("purpose", "")),
        crm=str(item.get("crm", "")),
        object_type=str(item.get("object_type", "")),
        record_id=str(item.get("record_id", "")),
        owner=str(item.get("owner_id", "")),
        status=str(item.get("status", "")),
        segments=int(item.get("segments") or 1),
        price=abs(float(price)) if price else None,  # Twilio's prices are negative (a charge)
    )


def _reply(sid: str, item: Mapping[str, Any]) -> Reply:
    details = item.get("details") or {}
    latency = str(details.get("latency_s", "") or "")
    return Reply(
        sid=sid,
        at=_required_at(item.get("at"), f"reply {sid}"),
        intent=str(details.get("intent") or item.get("reason", "")),
        message_sid=str(details.get("message_sid", "")),
        latency_s=float(latency) if latency else None,
        task_id=str(details.get("task_id", "")),
    )


def _task(pk: str, item: Mapping[str, Any]) -> Task:
    outcome = str(item.get("outcome", ""))
    return Task(
        task_id=pk.split("#", 2)[-1],
        outcome="escalated" if outcome.startswith("escalated") else outcome,
        due=_at(item.get("due")),
        completed_at=_at(item.get("completed_at")),
    )


def _pipeline(item: Mapping[str, Any]) -> PipelineOutcome:
    amount = item.get("amount")
    return PipelineOutcome(
        kind=str(item.get("kind", "")),
        at=_required_at(item.get("at"), f"pipeline outcome {item.get('pk')}/{item.get('sk')}"),
        crm=str(item.get("crm", "")),
        record=str(item.get("record", "")),
        message_sid=str(item.get("message_sid", "") or ""),
        amount=float(amount) if amount not in (None, "") else None,
        rule=str(item.get("rule", "")),
        template=str(item.get("template", "")),
        version=str(item.get("version", "")),
        variant=str(item.get("variant", "")),
    )


def _at(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


def _required_at(value: Any, what: str) -> datetime:
    moment = _at(value)
    if moment is None:
        raise ValueError(f"{what} has no time")
    return moment


def read_items(client: Any, table: str) -> list[dict[str, Any]]:
    """The items the report reads, in one filtered scan of the state table (every page)."""
    from boto3.dynamodb.types import TypeDeserializer

    from textloop_local.state import plain

    names = [f":p{i}" for i in range(len(PREFIXES))]
    request: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": " OR ".join(f"begins_with(pk, {n})" for n in names),
        "ExpressionAttributeValues": {n: {"S": p} for n, p in zip(names, PREFIXES, strict=True)},
    }
    deserializer, items = TypeDeserializer(), []
    while True:
        page = client.scan(**request)
        items += [
            {k: plain(deserializer.deserialize(v)) for k, v in i.items()} for i in page.get("Items", [])
        ]
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@dataclass(frozen=True)
class Source:
    name: str
    table: str
    client: dict[str, str]


def resolve(
    stack_url: str | None, stack_name: str | None, region: str | None, env: Mapping[str, str]
) -> Source:
    if stack_url:
        stack = local_env(stack_url)
        if not stack.get("STATE_TABLE") or not stack.get("AWS_ENDPOINT_URL"):
            raise Unusable(f"the local stack {stack_url} does not name its STATE_TABLE and AWS endpoint")
        return Source(
            f"the local stack {stack_url}",
            stack["STATE_TABLE"],
            {
                "endpoint_url": stack["AWS_ENDPOINT_URL"],
                "region_name": stack.get("AWS_REGION") or stack.get("AWS_DEFAULT_REGION") or "us-east-1",
                "aws_access_key_id": stack.get("AWS_ACCESS_KEY_ID", "testing"),
                "aws_secret_access_key": stack.get("AWS_SECRET_ACCESS_KEY", "testing"),
            },
        )
    client = {"region_name": region} if region else {}
    if stack_name:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            stacks = boto3.client("cloudformation", **client).describe_stacks(StackName=stack_name)["Stacks"]
        except (BotoCoreError, ClientError) as exc:
            raise Unusable(f"cannot read the stack {stack_name}: {exc}") from None
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
        if not outputs.get("StateTableName"):
            raise Unusable(f"the stack {stack_name} has no StateTableName output")
        return Source(f"the stack {stack_name}", outputs["StateTableName"], client)
    if not env.get("STATE_TABLE"):
        raise Unusable("name a stack: --stack-url URL (local) or --stack-name NAME, or set STATE_TABLE")
    return Source("the table named by STATE_TABLE", env["STATE_TABLE"], client)


# --- writing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    html: Path
    csvs: tuple[Path, ...]
    loop: Loop


def write_report(
    facts: Facts,
    out_dir: Path | str,
    *,
    price_per_segment: float = US_PRICE_PER_SEGMENT,
    title: str = "Textloop: the loop measured",
    source: str = "",
    aws_cost: bool = True,
) -> Report:
    """``report.html`` and the CSV tables in *out_dir*."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    aws, basis = aws_per_message() if aws_cost else (None, AWS_NOT_INCLUDED)
    loop = Loop(facts, price_per_segment, aws or 0.0)
    tables = _tables(loop, basis)
    csvs = tuple(_write_csv(out / f"{name}.csv", rows) for name, rows in tables.items())
    page = out / "report.html"
    page.write_text(render_html(loop, tables, title=title, source=source, basis=basis), encoding="utf-8")
    return Report(page, csvs, loop)


def aws_per_message(results: Path | None = None) -> tuple[float | None, str]:
    """``textloop cost``'s AWS dollars per SMS from the measured figures (``make bench``), and the cost
    basis in words; (None, "... AWS not included") when there are none or they cannot be used."""
    try:
        from textloop_local import cost

        path = results or cost.RESULTS_FILE
        if not path.exists():
            return None, AWS_NOT_INCLUDED
        figures = cost.compute(cost.load_results(path), cost.load_prices(), cost.template_functions())
        usd = float(figures["aws_usd_per_million_sms"]) / 1e6
    except Exception as exc:  # any failure of the measured figures: say so, Twilio only
        return None, f"{TWILIO_BASIS}; AWS not included ({type(exc).__name__} reading the cost figures)"
    return usd, f"{TWILIO_BASIS} + AWS ${usd * 1e6:.2f} per million SMS (textloop cost, {path})"


def _tables(loop: Loop, basis: str) -> dict[str, list[dict[str, object]]]:
    total = loop.total()
    figures = [total.row()] + [f.row() for d in DIMENSIONS for f in loop.by(d)]
    return {
        "figures": figures,
        "variants": [v.row() for v in variant_comparison(loop)],
        "funnel": [{"step": step, "messages": n} for step, n in loop.funnel()],
        "latency": [{"bin": label, "replies": n} for label, n in latency_histogram(loop.latencies())],
        "cost": [
            {
                "messages": total.messages,
                "cost_usd": round(total.cost, 5),
                "cost_per_message_usd": round(total.cost / total.messages, 5) if total.messages else "",
                "cost_per_reply_usd": _money(total.cost_per_reply),
                "cost_per_meeting_usd": _money(total.cost_per_meeting),
                "cost_estimated": total.cost_estimated,
                "cost_basis": basis,
            }
        ],
    }


def _money(value: float | None) -> float | str:
    return "" if value is None else round(value, 5)


def _write_csv(path: Path, rows: Sequence[Mapping[str, object]]) -> Path:
    fields = list(dict.fromkeys(k for r in rows for k in r)) or ["empty"]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def expected_marks(loop: Loop) -> dict[str, int]:
    """How many marks (bars, funnel steps) each chart draws for these facts: what a browser must show."""
    total = loop.total()
    return {
        "reply-moment": len(loop.by("rule")),
        "reply-stage": len(loop.by("stage")),
        "latency": len(latency_histogram([])),
        "funnel": len(loop.funnel()),
        "variants": len(variant_comparison(loop)),
        "cost": len(_cost_bars(total)),
    }


def _cost_bars(total: Figures) -> list[tuple[str, float]]:
    bars = [("per message", total.cost / total.messages if total.messages else None)]
    bars += [("per reply", total.cost_per_reply), ("per meeting", total.cost_per_meeting)]
    return [(label, value) for label, value in bars if value is not None]


def _rate_bars(rows: Sequence[Figures], color: str) -> dict[str, Any]:
    values = [100 * (f.replied.value or 0.0) for f in rows]
    low = [100 * f.replied.interval[0] for f in rows]
    high = [100 * f.replied.interval[1] for f in rows]
    return {
        "type": "bar",
        "x": [f.value for f in rows],
        "y": values,
        "marker": {"color": color},
        "error_y": {
            "type": "data",
            "symmetric": False,
            "array": [h - v for h, v in zip(high, values, strict=True)],
            "arrayminus": [v - lo for lo, v in zip(low, values, strict=True)],
        },
        "text": [f"{v:.0f}% of {f.messages}" for v, f in zip(values, rows, strict=True)],
        "textposition": "outside",
        "hovertemplate": "%{x}: %{y:.1f}% (Wilson 95% interval)<extra></extra>",
    }


def _layout(title: str, y_title: str, **more: Any) -> dict[str, Any]:
    return {
        "title": {"text": title},
        "yaxis": {"title": {"text": y_title}, "rangemode": "tozero"},
        "margin": {"t": 60, "l": 60, "r": 20, "b": 80},
        "height": 360,
        "paper_bgcolor": "white",
        "plot_bgcolor": "#f7f7f9",
        **more,
    }


def chart_specs(loop: Loop) -> dict[str, tuple[list[dict[str, Any]], dict[str, Any]]]:
    """Each chart's plotly data and layout, by chart id."""
    total = loop.total()
    hist = latency_histogram(loop.latencies())
    funnel = loop.funnel()
    variants = variant_comparison(loop)
    compared = [v for v in variants if v.comparison is not None]
    verdict = "; ".join(
        f"{v.rule}: {v.variant} vs {v.baseline} "
        f"{'significant' if v.comparison and v.comparison.significant else 'not significant'}"
        f" (p={v.comparison.p_value:.3f})"
        for v in compared
        if v.comparison
    )
    costs = _cost_bars(total)
    marks = {"type": "line", "yref": "paper", "y0": 0, "y1": 1, "line": {"dash": "dash", "color": "#c0392b"}}
    return {
        "reply-moment": (
            [_rate_bars(loop.by("rule"), "#2e86de")],
            _layout("Reply rate by moment (rule)", "reply rate, %"),
        ),
        "reply-stage": (
            [_rate_bars(loop.by("stage"), "#10ac84")],
            _layout("Reply rate by stage at send", "reply rate, %"),
        ),
        "latency": (
            [
                {
                    "type": "bar",
                    "x": [label for label, _ in hist],
                    "y": [n for _, n in hist],
                    "marker": {"color": "#8e44ad"},
                    "hovertemplate": "%{x}: %{y} replies<extra></extra>",
                }
            ],
            _layout(
                "Time to reply after the text (5 and 30 minute marks)",
                "replies",
                shapes=[{**marks, "x0": 1.5, "x1": 1.5}, {**marks, "x0": 3.5, "x1": 3.5}],
                annotations=[
                    {
                        "x": 1.5,
                        "y": 1,
                        "yref": "paper",
                        "text": "5 min",
                        "showarrow": False,
                        "yanchor": "bottom",
                    },
                    {
                        "x": 3.5,
                        "y": 1,
                        "yref": "paper",
                        "text": "30 min",
                        "showarrow": False,
                        "yanchor": "bottom",
                    },
                ],
            ),
        ),
        "funnel": (
            [
                {
                    "type": "funnel",
                    "y": [step for step, _ in funnel],
                    "x": [n for _, n in funnel],
                    "textinfo": "value+percent initial",
                    "marker": {"color": "#f39c12"},
                }
            ],
            _layout("From sent to won", "", margin={"t": 60, "l": 140, "r": 20, "b": 40}),
        ),
        "variants": (
            [
                {
                    **_rate_bars(
                        [
                            loop.figures("variant", v.variant, _messages_of(loop, v.rule, v.variant))
                            for v in variants
                        ],
                        "#e17055",
                    ),
                    "x": [f"{v.rule} · {v.variant}" for v in variants],
                }
            ],
            _layout(
                "Variants: reply rate with Wilson 95% intervals",
                "reply rate, %",
                annotations=[
                    {
                        "text": verdict or "no rule with two variants yet",
                        "xref": "paper",
                        "yref": "paper",
                        "x": 0,
                        "y": -0.3,
                        "showarrow": False,
                        "xanchor": "left",
                    }
                ],
            ),
        ),
        "cost": (
            [
                {
                    "type": "bar",
                    "x": [label for label, _ in costs],
                    "y": [value for _, value in costs],
                    "marker": {"color": "#576574"},
                    "text": [f"${value:.4f}" for _, value in costs],
                    "textposition": "outside",
                    "hovertemplate": "%{x}: $%{y:.4f}<extra></extra>",
                }
            ],
            _layout("Cost per message, reply and meeting (USD)", "USD"),
        ),
    }


def _messages_of(loop: Loop, rule: str, variant: str) -> list[Message]:
    return [m for m in loop.facts.messages if m.rule == rule and m.value("variant") == variant]


def render_html(
    loop: Loop,
    tables: Mapping[str, list[dict[str, object]]],
    *,
    title: str,
    source: str = "",
    basis: str = "",
) -> str:
    from plotly.offline import get_plotlyjs

    total = loop.total()
    tiles = [
        ("messages", f"{total.messages}"),
        ("delivered", _pct(total.delivered.value)),
        ("reply rate", _pct(total.replied.value)),
        ("replies within 5 min", _pct(total.within_5m.value)),
        ("replies within 30 min", _pct(total.within_30m.value)),
        ("owner SLA met", _pct(total.sla_met.value)),
        ("meetings", f"{total.meetings}"),
        ("won", f"${total.won:,.0f}"),
        ("cost per reply", f"${total.cost_per_reply:.4f}" if total.cost_per_reply is not None else "-"),
    ]
    specs = chart_specs(loop)
    charts = "\n".join(f'<div class="chart" id="chart-{name}"></div>' for name in CHARTS)
    calls = "\n".join(
        f"Plotly.newPlot('chart-{name}', {json.dumps(data)}, {json.dumps(layout)}, "
        "{displayModeBar: false, responsive: true});"
        for name, (data, layout) in specs.items()
    )
    columns = ("value", "messages", "delivered_rate", "replied_rate", "replied_low", "replied_high")
    columns += ("within_5m_rate", "within_30m_rate", "opted_out_rate", "sla_met_rate", "meetings")
    columns += ("opportunities", "pipeline", "won", "cost_usd")
    sections = {"By moment": "rule", "By stage at send": "stage", "By template version": "template"}
    sections |= {"By variant": "variant", "By tier": "tier", "By month sent": "month"}
    tables_html = "\n".join(
        f"<h2>{title}</h2>\n"
        + _html_table([r for r in tables["figures"] if r["dimension"] in ("all", dimension)], columns)
        for title, dimension in sections.items()
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 24px; color: #222; }}
.tiles {{ display: flex; flex-wrap: wrap; gap: 12px; }}
.tile {{ background: #f1f2f6; border-radius: 8px; padding: 10px 16px; min-width: 130px; }}
.tile b {{ display: block; font-size: 1.6em; }}
.grid {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; }}
table {{ border-collapse: collapse; font-size: 0.85em; margin-top: 8px; }}
td, th {{ border: 1px solid #ddd; padding: 3px 6px; text-align: right; }}
.note {{ color: #666; font-size: 0.85em; }}
</style>
<script>{get_plotlyjs()}</script>
</head><body>
<h1>{html.escape(title)}</h1>
<p class="note">{html.escape(source)} · {total.messages} messages · rates with Wilson 95% intervals ·
variants compared with the two-sided two-proportion z-test (pooled), significant at p &lt; 0.05 ·
cost: {html.escape(basis)}{" (estimated from segments)" if total.cost_estimated else ""} ·
the same tables as CSV beside this page.</p>
<div class="tiles">{"".join(f'<div class="tile"><b>{v}</b>{html.escape(k)}</div>' for k, v in tiles)}</div>
<div class="grid">
{charts}
</div>
{tables_html}
<script>
{calls}
</script>
</body></html>
"""


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _html_table(rows: Sequence[Mapping[str, object]], columns: Sequence[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(r.get(c, '')))}</td>" for c in columns) + "</tr>"
        for r in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


# --- the command ------------------------------------------------------------------------------


def add_report(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("report", help="the loop measured: one HTML page with charts, and the tables as CSV")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--stack-url", help="a local stack (textloop serve), e.g. http://127.0.0.1:8787")
    where.add_argument("--stack-name", help="a deployed stack (CloudFormation), default AWS credentials")
    p.add_argument("--region", default=None, help="AWS region of --stack-name (default: your AWS config)")
    p.add_argument("--out", default=str(DEFAULT_OUT), help=f"output directory (default {DEFAULT_OUT})")
    p.add_argument(
        "--price-per-segment",
        type=float,
        default=US_PRICE_PER_SEGMENT,
        help=f"USD per segment where Twilio gave no price (default {US_PRICE_PER_SEGMENT})",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.price_per_segment < 0:
        print("textloop report: --price-per-segment must not be negative", file=sys.stderr)
        return 2
    try:
        source = resolve(args.stack_url, args.stack_name, args.region, os.environ)
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            items = read_items(boto3.client("dynamodb", **source.client), source.table)
        except (BotoCoreError, ClientError) as exc:
            raise Unusable(f"cannot read {source.table} in {source.name}: {exc}") from None
        facts = facts_from_items(items)
    except (Unusable, ValueError) as exc:
        print(f"textloop report: {exc}", file=sys.stderr)
        return 2
    report = write_report(facts, args.out, price_per_segment=args.price_per_segment, source=source.name)
    print(f"{report.html} ({len(facts.messages)} messages); CSV: {', '.join(p.name for p in report.csvs)}")
    return 0
