"""A fake Lambda runtime for the local stack: the context object and the cold start of a handler.

Each function's ``app.py`` is imported once per local stack, under a unique module name
(``functions/<dir>/app.py`` files all share the name ``app``), after the stack has set the
environment — exactly like a Lambda cold start reads env at import time.
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account

Handler = Callable[[Any, Any], Any]

_load_counter = itertools.count(1)


@dataclass
class LambdaContext:
    """The attributes of the Python Lambda context that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int = 256
    timeout_seconds: float = 30.0
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    _started: float = field(default_factory=time.monotonic, repr=False)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return time.strftime("%Y/%m/%d/[$LATEST]") + self.aws_request_id.replace("-", "")

    @property
    def identity(self) -> None:
        return None

    @property
    def client_context(self) -> None:
        return None

    def get_remaining_time_in_millis(self) -> int:
        left = self.timeout_seconds - (time.monotonic() - self._started)
        return max(0, int(left * 1000))


def load_module(app_file: Path, unique_name: str | None = None) -> ModuleType:
    """Import *app_file* as a fresh module (a cold start); the module name is unique per load."""
    app_file = Path(app_file).resolve()
    name = unique_name or f"textloop_fn_{app_file.parent.name}_app_{next(_load_counter)}"
    spec = importlib.util.spec_from_file_location(name, app_file)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {app_file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    # A handler directory may hold helper modules imported as siblings (CodeUri is its root).
    added = str(app_file.parent)
    sys.path.insert(0, added)
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(added)
    return module


class LocalFunction:
    """One function of template.yaml: loaded lazily once, invoked one event at a time.

    Lambda runs one event per execution environment; the local stack keeps a single
    environment per function, so invocations of one function are serialized.
    """

    def __init__(
        self,
        logical_id: str,
        app_file: Path | None = None,
        handler_name: str = "handler",
        *,
        handler: Handler | None = None,
        memory_mb: int = 256,
        timeout_seconds: float = 30.0,
    ) -> None:
        if handler is None and app_file is None:
            raise ValueError("need app_file or handler")
        self.logical_id = logical_id
        self.app_file = app_file
        self.handler_name = handler_name
        self.memory_mb = memory_mb
        self.timeout_seconds = timeout_seconds
        self._handler = handler
        self._lock = threading.RLock()
        self.invocations = 0
        self.errors = 0
        self.in_flight = 0
        self._count_lock = threading.Lock()

    def cold_start(self) -> Handler:
        with self._lock:
            if self._handler is None:
                if self.app_file is None:
                    raise RuntimeError(f"{self.logical_id} has neither a handler nor an app file")
                module = load_module(self.app_file)
                self._handler = getattr(module, self.handler_name)
            return self._handler

    def context(self) -> LambdaContext:
        return LambdaContext(
            function_name=self.logical_id,
            memory_limit_in_mb=self.memory_mb,
            timeout_seconds=self.timeout_seconds,
        )

    def invoke(self, event: Any) -> Any:
        handler = self.cold_start()
        with self._count_lock:
            self.in_flight += 1
        try:
            with self._lock:
                self.invocations += 1
                try:
                    return handler(event, self.context())
                except BaseException:
                    self.errors += 1
                    raise
        finally:
            with self._count_lock:
                self.in_flight -= 1
