"""Integration tier: real AWS API calls over loopback HTTP to a moto server; handlers loaded
as Lambda loads them (functions/<name>/app.py), configured through their environment."""

from __future__ import annotations

import importlib.util
import io
import logging
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

from tests.support.template_tables import create_tables
from textloop import bootstrap

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="session")
def serial_moto_url() -> Iterator[str]:
    """A moto server answering one request at a time: DynamoDB's per-item atomicity, which the
    threaded server does not model, for the concurrency tests."""
    from moto.server import DomainDispatcherApplication, create_backend_app

    server = make_server(
        "127.0.0.1", _free_port(), DomainDispatcherApplication(create_backend_app), threaded=False
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _aws_env(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    for name, value in {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def aws(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Fresh tables (named uniquely per test) from template.yaml and a trigger queue."""
    _aws_env(monkeypatch, moto_url)
    suffix = uuid.uuid4().hex[:8]
    tables = create_tables(boto3.client("dynamodb"), suffix=suffix)
    sqs = boto3.client("sqs")
    queues = {
        name: sqs.create_queue(QueueName=f"{name}-{suffix}")["QueueUrl"]
        for name in ("TriggerQueue", "InboundQueue")
    }
    return {**tables, **queues}


@pytest.fixture
def load_handler(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., ModuleType]:
    """Cold-start a function's app.py with the environment template.yaml would give it."""

    def load(function: str, **env: str) -> ModuleType:
        base = {
            "STATE_TABLE": aws["StateTable"],
            "CONSENT_TABLE": aws["ConsentTable"],
            "TRIGGER_QUEUE_URL": aws["TriggerQueue"],
            "INBOUND_QUEUE_URL": aws["InboundQueue"],
            "POWERTOOLS_METRICS_NAMESPACE": "Textloop",
            "POWERTOOLS_SERVICE_NAME": "textloop",
        }
        for name, value in {**base, **env}.items():
            monkeypatch.setenv(name, value)
        bootstrap.reset()
        spec = importlib.util.spec_from_file_location(
            f"fn_{function}_{uuid.uuid4().hex}", ROOT / "functions" / function / "app.py"
        )
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


class LambdaContext:
    function_name = "test-function"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def lambda_context() -> Any:
    return LambdaContext()


def http_event(path: str, body: str, headers: dict[str, str], *, base64_body: bool = False) -> dict[str, Any]:
    import base64

    return {
        "version": "2.0",
        "routeKey": f"POST {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "abc123.execute-api.us-east-1.amazonaws.com", **headers},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "http": {
                "method": "POST",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.9",
                "userAgent": "test",
            },
            "requestId": f"r-{uuid.uuid4().hex[:8]}",
            "routeKey": f"POST {path}",
            "stage": "$default",
            "timeEpoch": 1795187045000,
        },
        "body": base64.b64encode(body.encode()).decode() if base64_body else body,
        "isBase64Encoded": base64_body,
    }


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Everything the Powertools logger writes during the test, formatted (masked) as in Lambda."""
    from textloop.observability import logger

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
