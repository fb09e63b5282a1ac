"""Use case: a revenue leader runs ``textloop report --stack-name NAME`` against a deployed stack (its
``StateTableName`` output, default AWS credentials; a moto server stands for AWS) and gets the page and
the CSV tables; bad input is a clear error with exit code 2. The CLI runs as its own process."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import TypeSerializer

from tests.support import report_items
from tests.support.template_tables import create_tables

ROOT = Path(__file__).resolve().parents[2]


def textloop(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "STATE_TABLE"}
    base["PYTHONPATH"] = os.pathsep.join(str(ROOT / p) for p in ("shared", "infra/local"))
    return subprocess.run(
        [sys.executable, "-m", "textloop_local", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _dynamo(v) for k, v in value.items()}
    return value


@pytest.fixture
def deployed(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    suffix = uuid.uuid4().hex[:8]
    table = create_tables(boto3.client("dynamodb"), suffix=f"-{suffix}")["StateTable"]
    name = f"textloop-report-{suffix}"
    template = {
        "Resources": {"Placeholder": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {"StateTableName": {"Value": table}},
    }
    boto3.client("cloudformation").create_stack(StackName=name, TemplateBody=json.dumps(template))
    client, serializer = boto3.client("dynamodb"), TypeSerializer()
    for item in [*report_items.items(), {"pk": "SLOT#x", "sk": "SLOT", "state": "logged"}]:  # not read
        client.put_item(TableName=table, Item={k: serializer.serialize(_dynamo(v)) for k, v in item.items()})
    return {"name": name, "table": table, **env}


def test_given_a_deployed_stack_when_reported_by_name_then_the_page_and_tables_are_written(
    deployed: dict[str, str], tmp_path: Path
) -> None:
    aws = {k: v for k, v in deployed.items() if k.startswith("AWS_")}
    run = textloop("report", "--stack-name", deployed["name"], "--out", str(tmp_path), env=aws)
    assert run.returncode == 0, run.stderr
    assert "100 messages" in run.stdout
    rows = {(r["dimension"], r["value"]): r for r in csv.DictReader((tmp_path / "figures.csv").open())}
    total = rows[("all", "all")]
    assert (total["messages"], total["replied"], total["meetings"], total["pipeline"]) == (
        "100",
        "36",
        "3",
        "17000.0",
    )
    assert rows[("variant", "b")]["replied"] == "22"
    assert (tmp_path / "report.html").stat().st_size > 1_000_000  # plotly.js is inside

    by_env = textloop("report", "--out", str(tmp_path / "env"), env={**aws, "STATE_TABLE": deployed["table"]})
    assert by_env.returncode == 0, by_env.stderr


def test_given_bad_input_when_reporting_then_a_clear_error_and_exit_2(
    deployed: dict[str, str], tmp_path: Path
) -> None:
    aws = {k: v for k, v in deployed.items() if k.startswith("AWS_")}
    missing = textloop("report", "--stack-name", "no-such-stack", "--out", str(tmp_path), env=aws)
    assert missing.returncode == 2 and "no-such-stack" in missing.stderr
    nowhere = textloop("report", "--out", str(tmp_path), env=aws)
    assert nowhere.returncode == 2 and "--stack-url" in nowhere.stderr
    nobody = textloop("report", "--stack-url", "http://127.0.0.1:9", "--out", str(tmp_path), env=aws)
    assert nobody.returncode == 2 and "no local stack" in nobody.stderr
    negative = textloop("report", "--price-per-segment", "-1", "--stack-name", deployed["name"], env=aws)
    assert negative.returncode == 2 and "must not be negative" in negative.stderr
    assert not (tmp_path / "report.html").exists()


@pytest.fixture
def local_env_server(deployed: dict[str, str]) -> Iterator[str]:
    """What ``textloop serve`` answers on ``GET /_local/env``: the functions' environment (its table on
    the moto server)."""
    env = {"STATE_TABLE": deployed["table"], **{k: v for k, v in deployed.items() if k.startswith("AWS_")}}

    class Env(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(env).encode() if self.path == "/_local/env" else b"{}"
            self.send_response(200 if self.path == "/_local/env" else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Env)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_given_a_local_stack_when_reported_by_url_then_its_own_environment_names_the_table(
    local_env_server: str, tmp_path: Path
) -> None:
    run = textloop("report", "--stack-url", local_env_server, "--out", str(tmp_path), env={})
    assert run.returncode == 0, run.stderr
    (variant_b,) = [r for r in csv.DictReader((tmp_path / "variants.csv").open()) if r["variant"] == "b"]
    assert (variant_b["replied"], variant_b["significant"]) == ("22", "True")
