"""Test-side access to template.yaml: ONE schema source for every tier.

The parser lives in ``textloop_local.template`` (the local runner uses the same code); this module only
gives the tests a client-first ``create_tables`` and re-exports the readers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textloop_local.template import (
    EventRule,
    QueueSpec,
    Route,
    SqsEventSource,
    TableSpec,
    create_queues,
    event_rule,
    functions,
    http_routes,
    load_template,
    parameter_defaults,
    queues,
    sqs_event_sources,
    tables,
)

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"

__all__ = [
    "TEMPLATE",
    "EventRule",
    "QueueSpec",
    "Route",
    "SqsEventSource",
    "TableSpec",
    "create_queues",
    "create_tables",
    "event_rule",
    "functions",
    "http_routes",
    "load_template",
    "parameter_defaults",
    "queues",
    "sqs_event_sources",
    "tables",
]


def create_tables(client: Any, template: Path = TEMPLATE, suffix: str = "") -> dict[str, str]:
    """Create every ``AWS::DynamoDB::Table`` of ``template`` through the boto3 DynamoDB ``client``.

    Key schema, attribute definitions, billing mode, GSIs/LSIs and TTL come from the template.
    Returns logical id → physical name (``<LogicalId><suffix>``).
    """
    from textloop_local.template import create_tables as _create

    return _create(template, client, suffix=suffix)
