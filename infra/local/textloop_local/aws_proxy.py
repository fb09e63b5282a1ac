"""A forwarding proxy in front of moto that injects the DynamoDB and SQS faults of ``/_local/faults``.

The functions' ``AWS_ENDPOINT_URL`` points here; every request is forwarded to moto unchanged unless a
fault matches it (target from ``X-Amz-Target``: ``DynamoDB_20120810.*`` → dynamodb, ``AmazonSQS.*`` → sqs;
operation = the action after the dot; resources = the table or queue names in the body). A ``status``
fault answers as AWS does, so botocore's own retry rules apply: DynamoDB ``400``
``ProvisionedThroughputExceededException`` (or ``error``: ``ThrottlingException``), SQS (JSON protocol)
``400`` ``RequestThrottled`` with its ``x-amzn-query-error`` header. Local-only, never deployed.
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from textloop_local.faults import Abort, Call, FaultRegistry, FaultSpec, abort_connection, abort_for

log = logging.getLogger(__name__)

PREFIXES = {"DynamoDB_20120810": "dynamodb", "AmazonSQS": "sqs"}
# (target, status) → (error code, message) when the fault names none: what AWS answers.
DEFAULT_ERRORS = {
    ("dynamodb", 400): (
        "ProvisionedThroughputExceededException",
        "The level of configured provisioned throughput for the table was exceeded. "
        "Consider increasing your provisioning level with the UpdateTable API.",
    ),
    ("sqs", 400): ("RequestThrottled", "Request is throttled."),
}
NAMESPACES = {"dynamodb": "com.amazonaws.dynamodb.v20120810", "sqs": "com.amazonaws.sqs"}
HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"})


def describe(headers: dict[str, str], body: bytes) -> tuple[str, str, frozenset[str]]:
    """(target, operation, table/queue names) of one AWS request; target "" for other services."""
    prefix, _, operation = headers.get("x-amz-target", "").partition(".")
    target = PREFIXES.get(prefix, "")
    payload: Any = {}
    if target:
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            payload = {}
    elif "x-www-form-urlencoded" in headers.get("content-type", ""):  # the query protocol
        form = parse_qs(body.decode("utf-8", "replace"))
        operation = (form.get("Action") or [""])[0]
        target = "sqs" if "QueueUrl" in form or "QueueName" in form else ""
        payload = {k: v[0] for k, v in form.items()}
    return target, operation, frozenset(_resources(payload))


def _resources(payload: Any) -> set[str]:
    if not isinstance(payload, dict):
        return set()
    names = {str(payload[k]) for k in ("TableName", "QueueName") if payload.get(k)}
    if payload.get("QueueUrl"):
        names.add(str(payload["QueueUrl"]).rstrip("/").rsplit("/", 1)[-1])
    names.update(str(k) for k in payload.get("RequestItems") or {})  # BatchGetItem, BatchWriteItem
    for item in payload.get("TransactItems") or []:  # TransactWriteItems, TransactGetItems
        names.update(str(v.get("TableName")) for v in item.values() if isinstance(v, dict))
    return names


def aws_error(target: str, spec: FaultSpec) -> tuple[int, dict[str, str], bytes]:
    status = spec.status or 400
    code, message = DEFAULT_ERRORS.get((target, status), ("InternalServerError", "Internal server error"))
    code = str(spec.error or code)
    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": str(uuid.uuid4())}
    if target == "sqs":  # SQS speaks JSON but keeps its query-era codes in this header
        headers["x-amzn-query-error"] = f"{code};{'Sender' if status < 500 else 'Receiver'}"
    body = json.dumps({"__type": f"{NAMESPACES[target]}#{code}", "message": message}).encode()
    return status, headers, body


class AwsFaultProxy:
    """``start()`` binds a loopback port (``url``) forwarding to ``upstream`` (moto's URL)."""

    def __init__(self, upstream: str, faults: FaultRegistry) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.faults = faults
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> AwsFaultProxy:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="aws-fault-proxy",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any, bytes]:
        conn = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            conn.close()


def _handler(proxy: AwsFaultProxy) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm holds the body
        # until the client's delayed ACK (~40 ms per AWS call on loopback).
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            target, operation, resources = describe({k.lower(): v for k, v in headers.items()}, body)
            spec = None
            if target:
                call = Call(
                    target, self.command, self.path, operation, resources, body.decode("utf-8", "replace")
                )
                spec = proxy.faults.take(call)
            try:
                if spec is not None and spec.action == "status":
                    self._answer(*aws_error(target, spec))
                    return
                if spec is not None and spec.action == "delay":
                    proxy.faults.stopping.wait(spec.delay_ms / 1000)
                if spec is not None and spec.action in ("timeout", "reset"):
                    raise abort_for(spec)
                status, upstream_headers, payload = proxy.forward(self.command, self.path, headers, body)
                if spec is not None and spec.action == "drop_response":  # moto did the work
                    if spec.status is None:
                        raise abort_for(spec)
                    self._answer(*aws_error(target, spec))
                    return
                self._answer(status, dict(upstream_headers), payload)
            except Abort as abort:
                abort_connection(self, abort, proxy.faults.stopping)

        def _answer(self, status: int, headers: dict[str, str], payload: bytes) -> None:
            self.send_response_only(status)
            for name, value in headers.items():
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            return

    return _Handler
