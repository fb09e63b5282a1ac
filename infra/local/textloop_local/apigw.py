"""A local API Gateway HTTP API: real HTTP in, payload format 2.0 events to the real handlers.

What it reproduces of the service (payload format version 2.0):

* ``routeKey`` ("POST /hubspot/webhooks"), ``rawPath``, ``rawQueryString``, lower-cased ``headers``
  (duplicates joined with commas), ``queryStringParameters`` (duplicates joined with commas),
  ``cookies``, ``pathParameters`` for ``{name}``/``{name+}`` routes, ``requestContext``
  (``http.method/path/protocol/sourceIp/userAgent``, ``domainName``, ``stage`` ``$default``, ...).
* Request body encoding: HTTP APIs pass the body as text only for ``text/*``, ``application/json``,
  ``application/xml`` and ``application/javascript``; every other content type — including
  ``application/x-www-form-urlencoded`` and a missing one — arrives base64-encoded with
  ``isBase64Encoded: true`` (verified against AWS by ministack PR #766).
* Response mapping: a ``{"statusCode": ...}`` dict is used as is (``headers``, ``cookies``,
  ``body``, ``isBase64Encoded``); any other return value is the v2 shortcut — status 200,
  ``content-type: application/json``, the JSON of the value as body. A handler exception is
  ``500 {"message":"Internal Server Error"}``; no route is ``404 {"message":"Not Found"}``.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from textloop_local.lambda_context import ACCOUNT_ID, LocalFunction

log = logging.getLogger("textloop_local.apigw")

TEXT_TYPES = ("application/json", "application/xml", "application/javascript")
API_ID = "local"
# API Gateway's own payload limit for HTTP APIs (10 MB): past it the service answers 413 without
# invoking anything; each route's smaller limit is the function's (textloop.http).
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024

# A local-only endpoint: (method, path) -> callable(request) -> (status, headers, body bytes)
LocalEndpoint = Callable[["HttpRequest"], tuple[int, dict[str, str], bytes]]


@dataclass(frozen=True)
class HttpRequest:
    method: str
    target: str  # path?query as received
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"

    @property
    def path(self) -> str:
        return urlsplit(self.target).path or "/"

    @property
    def query(self) -> str:
        return urlsplit(self.target).query


@dataclass
class Route:
    method: str  # "POST", "GET", ... or "ANY"
    path: str  # "/hubspot/webhooks", "/items/{id}", "/files/{proxy+}", or "$default"
    function: LocalFunction
    _regex: re.Pattern[str] | None = field(default=None, init=False, repr=False)

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if self.method not in ("ANY", method.upper()):
            return None
        if self.path == "$default":
            return {}
        if self._regex is None:
            pattern = ""
            for part in re.split(r"(\{[^}]+\})", self.path):
                if part.startswith("{") and part.endswith("}"):
                    name = part[1:-1]
                    if name.endswith("+"):
                        pattern += f"(?P<{_group(name[:-1])}>.+)"
                    else:
                        pattern += f"(?P<{_group(name)}>[^/]+)"
                else:
                    pattern += re.escape(part)
            self._regex = re.compile(f"^{pattern}$")
        m = self._regex.match(path)
        if not m:
            return None
        names = re.findall(r"\{([^}]+?)\+?\}", self.path)
        return {n: unquote(v) for n, v in zip(names, m.groups(), strict=True)}

    def specificity(self) -> tuple[int, int, int]:
        """API Gateway prefers exact routes, then fewer greedy variables, then method over ANY."""
        return (
            0 if self.path == "$default" else 1,
            0 if "+}" in self.path else 1,
            1 if self.method != "ANY" else 0,
        )


def _group(name: str) -> str:
    return re.sub(r"\W", "_", name) or "p"


def is_text(content_type: str | None) -> bool:
    if not content_type:
        return False
    mime = content_type.split(";", 1)[0].strip().lower()
    return mime.startswith("text/") or mime in TEXT_TYPES


def build_event(
    route: Route, path_params: dict[str, str], request: HttpRequest, stage: str = "$default"
) -> dict[str, Any]:
    """The HTTP API payload format 2.0 event for *request* matched to *route*."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    headers.setdefault("x-forwarded-proto", "http")
    headers.setdefault("x-forwarded-for", request.source_ip)
    headers.setdefault("x-amzn-trace-id", f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}")
    if request.body:
        headers.setdefault("content-length", str(len(request.body)))

    query: dict[str, str] = {}
    for key, value in parse_qsl(request.query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value

    now = time.time()
    domain = headers.get("host", "localhost")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": request.path,
        "rawQueryString": request.query,
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": domain,
            "domainPrefix": domain.split(".", 1)[0].split(":", 1)[0],
            "http": {
                "method": request.method.upper(),
                "path": request.path,
                "protocol": request.protocol,
                "sourceIp": request.source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": base64.b32encode(uuid.uuid4().bytes)[:16].decode().rstrip("="),
            "routeKey": route.route_key,
            "stage": stage,
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if path_params:
        event["pathParameters"] = path_params
    if request.body:
        if is_text(headers.get("content-type")):
            event["body"] = request.body.decode("utf-8", errors="replace")
        else:
            event["body"] = base64.b64encode(request.body).decode("ascii")
            event["isBase64Encoded"] = True
    return event


def map_result(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """A handler's return value → (status, headers, body), the way HTTP APIs read format 2.0."""
    if isinstance(result, dict) and "statusCode" in result:
        status = int(result["statusCode"])
        headers = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()]
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers.extend((str(name), str(v)) for v in values)
        headers.extend(("Set-Cookie", str(c)) for c in result.get("cookies") or [])
        body = result.get("body")
        if body is None:
            raw = b""
        elif result.get("isBase64Encoded"):
            raw = base64.b64decode(body)
        else:
            raw = body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode("utf-8")
        if not any(k.lower() == "content-type" for k, _ in headers) and raw:
            headers.append(("Content-Type", "application/json"))
        return status, headers, raw
    # The shortcut: a handler that returns valid JSON without a statusCode.
    return 200, [("Content-Type", "application/json")], json.dumps(result).encode("utf-8")


def _json(status: int, payload: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    return status, [("Content-Type", "application/json")], json.dumps(payload).encode("utf-8")


class ApiGateway:
    """Route table + dispatch; independent of the HTTP server so that tests can call ``handle``."""

    def __init__(
        self, routes: list[Route], local_endpoints: dict[tuple[str, str], LocalEndpoint] | None = None
    ) -> None:
        self.routes: list[Route] = []
        self.set_routes(routes)
        self.local_endpoints = dict(local_endpoints or {})
        self.events: list[dict[str, Any]] = []  # the last events built (debugging aid, bounded)

    def set_routes(self, routes: list[Route]) -> None:
        self.routes = sorted(routes, key=lambda r: r.specificity(), reverse=True)

    def resolve(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            params = route.match(method, path)
            if params is not None:
                return route, params
        return None

    def handle(self, request: HttpRequest) -> tuple[int, list[tuple[str, str]], bytes]:
        local = self.local_endpoints.get((request.method.upper(), request.path))
        if local is not None:
            status, headers, body = local(request)
            return status, list(headers.items()), body
        found = self.resolve(request.method, request.path)
        if found is None:
            return _json(404, {"message": "Not Found"})
        route, params = found
        event = build_event(route, params, request)
        self.events.append(event)
        del self.events[:-50]
        started = time.monotonic()
        try:
            result = route.function.invoke(event)
        except Exception:
            log.exception("%s raised on %s", route.function.logical_id, route.route_key)
            return _json(500, {"message": "Internal Server Error"})
        try:
            status, headers, body = map_result(result)
        except Exception:
            log.exception("%s returned an invalid response", route.function.logical_id)
            return _json(500, {"message": "Internal Server Error"})
        log.info(
            "%s -> %s %d (%.0f ms)",
            route.route_key,
            route.function.logical_id,
            status,
            (time.monotonic() - started) * 1000,
        )
        return status, headers, body


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_PAYLOAD_BYTES:  # never read it: answer, then close the connection
            payload = b'{"message":"Request Entity Too Large"}'
            self.send_response(413)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(payload)
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        request = HttpRequest(
            method=self.command,
            target=self.path,
            headers=list(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
            protocol=self.request_version,
        )
        status, headers, payload = self.server.gateway.handle(request)
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("%s %s", self.client_address[0], format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], gateway: ApiGateway) -> None:
        self.gateway = gateway
        super().__init__(address, _RequestHandler)


class ApiServer:
    """The HTTP front of an ``ApiGateway``: bind early (the URL feeds PUBLIC_BASE_URL), serve later."""

    def __init__(self, gateway: ApiGateway | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.gateway = gateway or ApiGateway([])
        self._server = _Server((host, port), self.gateway)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = str(self._server.server_address[0])
        return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{self.port}"

    def start(self) -> ApiServer:
        self._thread = threading.Thread(target=self._server.serve_forever, name="textloop-apigw", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()


def routes_from_template(template_path: Any, root: Any = None) -> list[Route]:
    """The HttpApi routes of a SAM template, each bound to its function's ``app.py`` (loaded lazily)."""
    from pathlib import Path

    from textloop_local import template as sam

    path = Path(template_path)
    base = Path(root) if root is not None else path.parent
    parsed = sam.load(path)
    functions = {
        fn.logical_id: LocalFunction(
            fn.logical_id,
            base / fn.code_uri / f"{fn.module}.py",
            fn.handler_function,
            memory_mb=fn.memory_size or 128,
            timeout_seconds=float(fn.timeout or 3),
        )
        for fn in sam.functions(parsed)
    }
    return [Route(r.method.upper(), r.path, functions[r.function]) for r in sam.http_routes(parsed)]
