"""(placeholder until the template parser lands) Create the DynamoDB tables of template.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    pass


_CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def create_tables(client: Any, template: Path = TEMPLATE, suffix: str = "") -> dict[str, str]:
    doc = yaml.load(TEMPLATE.read_text(), Loader=_CfnLoader)  # noqa: S506
    names = {}
    for logical_id, res in doc["Resources"].items():
        if res["Type"] != "AWS::DynamoDB::Table":
            continue
        p = res["Properties"]
        client.create_table(
            TableName=logical_id + suffix, KeySchema=p["KeySchema"], AttributeDefinitions=p["AttributeDefinitions"],
            BillingMode=p.get("BillingMode", "PAY_PER_REQUEST"),
        )
        names[logical_id] = logical_id + suffix
    return names
