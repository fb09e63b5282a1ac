"""Contract tests: the real vendor SDKs over real HTTP against the loopback emulators.

Each test gets fresh emulators (seeded, on a free loopback port); pytest-socket (pyproject addopts)
keeps every connection on loopback.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from textloop_local.emulators import HubSpotEmulator, SalesforceEmulator, TwilioEmulator


@pytest.fixture(scope="session")
def tls_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One generated CA and server certificate for the whole session."""
    return tmp_path_factory.mktemp("salesforce-tls")


@pytest.fixture
def salesforce(tls_workdir: Path) -> Iterator[SalesforceEmulator]:
    emulator = SalesforceEmulator(tls_workdir)
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
def hubspot() -> Iterator[HubSpotEmulator]:
    emulator = HubSpotEmulator()
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
def twilio() -> Iterator[TwilioEmulator]:
    emulator = TwilioEmulator()
    emulator.start()
    yield emulator
    emulator.stop()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    form: dict[str, str]


@dataclass
class Receiver:
    """A loopback HTTP endpoint that records form POSTs (the app's status-callback route stand-in)."""

    url: str
    received: list[Received] = field(default_factory=list)
    status: int = 204


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    lock = threading.Lock()
    box: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode("utf-8")).items()}
            with lock:
                box["r"].received.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, form)
                )
            self.send_response(box["r"].status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box["r"] = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield box["r"]
    server.shutdown()
    server.server_close()
