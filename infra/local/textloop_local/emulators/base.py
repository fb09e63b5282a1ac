"""Common ground of the vendor emulators: a threaded loopback HTTP(S) server, routing and a request log.

Each emulator registers routes (method + path regex → handler). Every API request is recorded in
``requests`` before authentication, so tests can assert on what a client really sent. Handlers run
under one lock: the state of an emulator changes one request at a time.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from textloop_local.faults import Abort, Call, FaultRegistry, abort_connection, abort_for

log = logging.getLogger(__name__)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: Any  # parsed JSON, a form dict (name → list of values), or None
    malformed: bool = False  # the body claimed to be JSON but is not
    params: dict[str, str] = field(default_factory=dict)  # named groups of the matched route

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def args(self, name: str) -> list[str]:
        """All values of a repeated or comma-separated query parameter."""
        return [v.strip() for value in self.query.get(name, []) for v in value.split(",") if v.strip()]


@dataclass
class Response:
    status: int
    body: Any = None  # JSON-able; None sends no content
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Response]


def _flatten(values: dict[str, list[str]]) -> dict[str, str | list[str]]:
    return {k: v[0] if len(v) == 1 else v for k, v in values.items()}


class Emulator:
    """A vendor API on loopback. Subclasses add routes, ``state()`` and the vendor's error format."""

    name: str = ""
    scheme: str = "http"
    # Paths that need no API token and take no injected fault (OAuth token endpoints).
    public_paths: frozenset[str] = frozenset()

    def __init__(self) -> None:
        self.url = ""
        self.requests: list[dict[str, Any]] = []
        # Faults to inject, one per coming API request: (HTTP status, vendor error code).
        self.fail_next: list[tuple[int, Any]] = []
        # The local stack's fault registry (``/_local/faults``, textloop_local.faults), shared by the stack.
        self.faults: FaultRegistry | None = None
        self._lock = threading.RLock()
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if self._server is not None:
            raise RuntimeError(f"{self.name} emulator already started at {self.url}")
        server = _Server((host, port), _handler_class(self), self.tls_context())
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{self.name}-emulator",
            daemon=True,
        )
        self._thread.start()
        url_host = f"[{host}]" if ":" in host else host
        self.url = f"{self.scheme}://{url_host}:{server.server_address[1]}"

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    # --- what subclasses provide ---------------------------------------------------------

    def state(self) -> dict[str, Any]:
        raise NotImplementedError

    def tls_context(self) -> ssl.SSLContext | None:
        return None

    def authenticate(self, request: Request) -> Response | None:
        """None when the request may proceed, else the vendor's 401."""
        return None

    def error(self, status: int, code: Any, message: str = "") -> Response:
        """The vendor's error response (used for injected faults and unknown routes)."""
        raise NotImplementedError

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(f"^{pattern}$"), handler))

    # --- request log ---------------------------------------------------------------------

    def write_request_log(self, path: str | Path) -> None:
        """The request log as a file: credentials in token requests are redacted (the call is shown)."""
        with self._lock:
            lines = [json.dumps({**r, "body": _redacted(r["body"])}, default=str) for r in self.requests]
        Path(path).write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")

    # --- dispatch ------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        body = (
            _flatten(request.body) if isinstance(request.body, dict) and _is_form(request) else request.body
        )
        with self._lock:
            self.requests.append(
                {
                    "method": request.method,
                    "path": request.path,
                    "query": _flatten(request.query),
                    "body": body,
                }
            )
        public = request.path in self.public_paths
        denied = None if public else self.authenticate(request)
        if denied is not None:
            return denied
        with self._lock:
            fault = self.fail_next.pop(0) if self.fail_next and not public else None
        if fault is not None:
            return self.error(*fault)
        injected = None if public or self.faults is None else self._injected(self.faults, request)
        if injected is not None:
            return injected
        return self._route(request)

    def _injected(self, faults: FaultRegistry, request: Request) -> Response | None:
        """A registered fault for this request: its answer, or :class:`Abort` raised (see faults.py)."""
        text = "" if request.body is None else json.dumps(request.body, ensure_ascii=False, default=str)
        spec = faults.take(Call(self.name, request.method, request.path, body=text))
        if spec is None:
            return None
        if spec.action == "status":
            answer = self.error(spec.status or 503, spec.error, "injected fault")
            answer.headers.update(spec.headers)  # a rate limit's Retry-After, window, usage
            return answer
        if spec.action == "delay":
            faults.stopping.wait(spec.delay_ms / 1000)
            return None
        if spec.action == "drop_response":
            self._route(request)  # the vendor did the work; its answer is lost
            if spec.status is not None:
                return self.error(spec.status, spec.error, "injected fault: the answer was lost")
        raise abort_for(spec)

    def _route(self, request: Request) -> Response:
        for method, pattern, handler in self._routes:
            match = pattern.match(request.path)
            if match and method == request.method:
                request.params = match.groupdict()
                with self._lock:
                    return handler(request)
        return self.error(404, None, f"no route for {request.method} {request.path}")


def _is_form(request: Request) -> bool:
    return "application/x-www-form-urlencoded" in request.headers.get("content-type", "")


def _parse_body(content_type: str, raw: bytes) -> tuple[Any, bool]:
    if not raw:
        return None, False
    if "application/x-www-form-urlencoded" in content_type:
        return parse_qs(raw.decode("utf-8"), keep_blank_values=True), False
    try:
        return json.loads(raw), False
    except ValueError:
        return None, True


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        tls: ssl.SSLContext | None,
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self._tls = tls
        super().__init__(address, handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self._tls is None:
            super().finish_request(request, client_address)
            return
        # The TLS handshake happens here, in the connection's own thread, not in the accept loop.
        wrapped = self._tls.wrap_socket(request, server_side=True)
        try:
            super().finish_request(wrapped, client_address)
        finally:
            wrapped.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up or failing the TLS handshake are not the emulator's problem.
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


def _handler_class(emulator: Emulator) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: no delayed-ACK stall per call
        server_version = f"textloop-{emulator.name}-emulator"

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body, malformed = _parse_body(self.headers.get("Content-Type", ""), raw)
            request = Request(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                malformed=malformed,
            )
            try:
                response = emulator.handle(request)
            except Abort as abort:
                abort_connection(self, abort, emulator.faults.stopping if emulator.faults else None)
                return
            except Exception:
                log.exception("%s emulator failed on %s %s", emulator.name, request.method, request.path)
                response = Response(500, {"message": "emulator error"})
            self._write(response)

        def _write(self, response: Response) -> None:
            payload = b"" if response.body is None else json.dumps(response.body).encode("utf-8")
            self.send_response(response.status)
            if response.body is not None:
                self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            # Request lines carry phone numbers in query strings: never log them.
            return

    return _Handler


# Credentials a token request carries: the request log shows that the call was made, never the secret
# (a JWT assertion stays: it is signed, short-lived and shows the claims).
_SECRET_KEYS = frozenset({"client_secret", "refresh_token", "access_token", "code", "password"})


def _redacted(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: "<redacted>" if k in _SECRET_KEYS and v else v for k, v in body.items()}
    return body
