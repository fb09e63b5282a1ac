"""Fault injection for the local stack (``/_local/faults``): local-only, never deployed.

A fault is data — ``{"target", "match", "action", "status", "error", "delay_ms", "times", "probability"}`` —
validated here (:func:`parse`, every problem named) and kept in a :class:`FaultRegistry` that the vendor
emulators (``emulators/base.py``) and the AWS proxy in front of moto (``aws_proxy.py``) consult on every API
request (:meth:`FaultRegistry.take`). Actions:

* ``status``: answer ``status`` in the vendor's own error shape (``error``: the vendor's code, e.g. Twilio
  ``21611``, Salesforce ``REQUEST_LIMIT_EXCEEDED``; for DynamoDB/SQS a 400 is throttling as AWS answers it),
  with ``headers`` when given (``Retry-After``, ``X-HubSpot-RateLimit-*``, ``Sforce-Limit-Info``);
* ``delay``: wait ``delay_ms``, then serve the request as usual;
* ``timeout``: read the request, answer nothing for ``delay_ms`` (default 15 s, past the app's 10 s read
  timeouts), then close; the vendor did nothing;
* ``reset``: read the request and reset the connection (TCP RST); the vendor did nothing;
* ``drop_response``: the vendor does the work, then the answer is lost — the connection is reset, or, with
  ``status``, a gateway error (e.g. 502) is answered instead: a crash after the Twilio call or the CRM write.

``times`` (default: every matching request) bounds how often a fault fires; ``probability`` draws from the
registry's seeded RNG, so a run is repeatable. ``match`` narrows by ``method``, ``path_prefix``,
``body_contains`` (a substring of the body: one write among many, e.g. the transaction that records an outcome)
and, for DynamoDB and SQS, by ``operation`` (the ``X-Amz-Target`` action, e.g. ``PutItem``) and ``resource`` (a
table or queue name containing it, e.g. ``StateTable``).
"""

from __future__ import annotations

import random
import socket
import struct
import threading
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Target = Literal["twilio", "salesforce", "hubspot", "dynamodb", "sqs"]
Action = Literal["status", "delay", "timeout", "reset", "drop_response"]
AWS_TARGETS = frozenset({"dynamodb", "sqs"})
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"})
DEFAULT_TIMEOUT_MS = 15_000  # longer than any client read timeout of the app (10 s)


class Match(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: str | None = None
    path_prefix: str | None = None
    operation: str | None = None  # DynamoDB/SQS: the action of X-Amz-Target (PutItem, SendMessageBatch)
    resource: str | None = None  # DynamoDB/SQS: a table or queue name containing this
    body_contains: str | None = None  # a substring of the request body (emulators: of its JSON/form as JSON)

    @field_validator("method")
    @classmethod
    def _method(cls, value: str | None) -> str | None:
        if value is not None and value.upper() not in METHODS:
            raise ValueError(f"must be one of {', '.join(sorted(METHODS))}")
        return value.upper() if value else value

    @field_validator("path_prefix")
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("/"):
            raise ValueError("must start with /")
        return value


class FaultSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: Target
    match: Match = Field(default_factory=Match)
    action: Action
    status: int | None = Field(default=None, ge=400, le=599)
    error: str | int | None = None  # the vendor's error code to answer with (status, drop_response)
    # headers the answer carries (status): Retry-After, X-HubSpot-RateLimit-*, Sforce-Limit-Info
    headers: dict[str, str] = Field(default_factory=dict)
    delay_ms: int = Field(default=0, ge=0, le=600_000)
    times: int | None = Field(default=None, ge=1)  # None: every matching request
    probability: float = Field(default=1.0, gt=0.0, le=1.0)

    @model_validator(mode="after")
    def _consistent(self) -> FaultSpec:
        problems = []
        if self.action == "status" and self.status is None:
            problems.append("status: required when action is 'status'")
        if self.status is not None and self.action not in ("status", "drop_response"):
            problems.append(f"status: only 'status' and 'drop_response' answer one, not {self.action!r}")
        if self.action == "delay" and self.delay_ms == 0:
            problems.append("delay_ms: must be > 0 when action is 'delay'")
        if self.target not in AWS_TARGETS and (self.match.operation or self.match.resource):
            problems.append("match.operation/match.resource: only for the dynamodb and sqs targets")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class FaultError(ValueError):
    """A fault body that cannot be used; ``problems`` names each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def parse(raw: bytes | str | dict[str, Any]) -> FaultSpec:
    """A fault from a request body; :class:`FaultError` naming every problem otherwise."""
    try:
        if isinstance(raw, dict):
            return FaultSpec.model_validate(raw)
        return FaultSpec.model_validate_json(raw or b"null")
    except ValidationError as invalid:
        raise FaultError([_problem(e) for e in invalid.errors()]) from None


def _problem(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


@dataclass(frozen=True)
class Call:
    """One API request as the registry matches it."""

    target: str
    method: str
    path: str
    operation: str = ""
    resources: frozenset[str] = frozenset()
    body: str = ""


@dataclass
class Fault:
    id: str
    spec: FaultSpec
    fired: int = 0
    seen: int = 0  # matching requests (fired or not: probability, times used up)

    def matches(self, call: Call) -> bool:
        m = self.spec.match
        return (
            self.spec.target == call.target
            and (m.method is None or m.method == call.method)
            and (m.path_prefix is None or call.path.startswith(m.path_prefix))
            and (m.operation is None or m.operation == call.operation)
            and (m.resource is None or any(m.resource in name for name in call.resources))
            and (m.body_contains is None or m.body_contains in call.body)
        )

    def view(self) -> dict[str, Any]:
        return {"id": self.id, **self.spec.model_dump(), "fired": self.fired, "matched": self.seen}


@dataclass
class FaultRegistry:
    """The faults of one local stack: thread-safe, first added first matched, seeded for ``probability``."""

    seed: int = 0
    _faults: list[Fault] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _count: int = 0
    stopping: threading.Event = field(default_factory=threading.Event)  # ends held connections early

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def add(self, spec: FaultSpec) -> str:
        with self._lock:
            self._count += 1
            fault = Fault(f"fault-{self._count}", spec)
            self._faults.append(fault)
            return fault.id

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.view() for f in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._rng = random.Random(self.seed)

    def take(self, call: Call) -> FaultSpec | None:
        """The fault to inject into this request (counted as fired), or None."""
        with self._lock:
            for fault in self._faults:
                if not fault.matches(call):
                    continue
                fault.seen += 1
                spent = fault.spec.times is not None and fault.fired >= fault.spec.times
                if spent or self._rng.random() >= fault.spec.probability:
                    continue
                fault.fired += 1
                return fault.spec
        return None


class Abort(Exception):
    """Answer nothing: hold the connection ``hold_s`` seconds, then close it (reset: TCP RST)."""

    def __init__(self, hold_s: float = 0.0, reset: bool = True) -> None:
        super().__init__(f"connection aborted after {hold_s:.1f}s")
        self.hold_s, self.reset = hold_s, reset


def abort_for(spec: FaultSpec) -> Abort:
    """The connection-level end of a ``timeout``, ``reset`` or status-less ``drop_response`` fault."""
    if spec.action == "timeout":
        return Abort((spec.delay_ms or DEFAULT_TIMEOUT_MS) / 1000, reset=False)
    return Abort(0.0, reset=True)


def abort_connection(handler: Any, abort: Abort, stopping: threading.Event | None = None) -> None:
    """Carry out ``abort`` on a ``BaseHTTPRequestHandler``: nothing is written back."""
    if abort.hold_s:
        (stopping or threading.Event()).wait(abort.hold_s)
    handler.close_connection = True
    if abort.reset:
        with suppress(OSError):  # SO_LINGER 0: close() sends RST, the client reads "connection reset"
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
