"""Contract: what we send to Twilio is valid against Twilio's own OpenAPI description.

Stoplight Prism (npm ``@stoplight/prism-cli``) mocks ``twilio_api_v2010.json`` from Twilio's official
OpenAPI package (npm ``@twilio-alpha/mcp``) with ``--errors``: a request that violates the description is
answered 4xx instead of a mocked 2xx. The emulator-based tests check behaviour; this one checks shape
against the vendor's published contract, so it can catch a drift the emulator would not.

Needs ``node_modules`` (``make tools``); skipped without it, except in CI where it fails.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.contract

ROOT = Path(__file__).resolve().parents[2]
PRISM = ROOT / "node_modules" / ".bin" / "prism"
SPEC = (
    ROOT / "node_modules" / "@twilio-alpha" / "mcp" / "twilio-oai" / "spec" / "json" / "twilio_api_v2010.json"
)

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
MESSAGING_SERVICE_SID = "MG" + "fedcba9876543210" * 2
TO = "+14155550132"
BODY = "Hi Priya, Dana from Acme: the contract is ready: https://sign.example.com/e/1 Reply STOP to opt out."
STATUS_CALLBACK = "https://sms.example.com/twilio/status"
MESSAGES_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
START_TIMEOUT_S = 90.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def prism_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Given Prism mocking Twilio's v2010 API (request validation on) on a free loopback port."""
    if not (PRISM.exists() and SPEC.exists()):
        message = "node_modules missing: run `make tools` (npm ci) for Prism and Twilio's OpenAPI spec"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    port = _free_port()
    log_path = tmp_path_factory.mktemp("prism") / "prism.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(PRISM), "mock", str(SPEC), "--host", "127.0.0.1", "--port", str(port), "--errors"],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _listening(port):
            if process.poll() is not None:
                pytest.fail(f"prism exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"prism not listening after {START_TIMEOUT_S}s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_given_the_sms_adapter_when_sending_to_prism_then_twilios_contract_accepts_it(prism_url: str) -> None:
    """The production path (our adapter over the real twilio SDK) sends a request Twilio's spec accepts."""
    from textloop.adapters.twilio_sms import TwilioSmsSender
    from textloop.domain.model import OutboundSms

    sender = TwilioSmsSender.connect(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        messaging_service_sid=MESSAGING_SERVICE_SID,
        base_url=prism_url,
    )

    sent = sender.send(OutboundSms(to=TO, body=BODY, status_callback=STATUS_CALLBACK))

    # Then Prism answered 2xx with the spec's example Message resource (any 4xx would have raised).
    assert sent.sid.startswith("SM")
    assert sent.status


def test_given_the_twilio_sdk_when_creating_a_message_then_prism_validates_the_request(
    prism_url: str,
) -> None:
    """The raw SDK request shape (form body, Basic auth) passes validation: HTTP 201."""
    from twilio.rest import Client

    client = Client(ACCOUNT_SID, AUTH_TOKEN, environment={})
    client.api.base_url = prism_url  # twilio.base.domain.Domain builds every URL from base_url
    seen: list[int] = []
    original = client.http_client.request

    def recording_request(*args: object, **kwargs: object) -> object:
        response = original(*args, **kwargs)  # type: ignore[arg-type]
        seen.append(response.status_code)
        return response

    client.http_client.request = recording_request  # type: ignore[method-assign]

    message = client.messages.create(
        to=TO, messaging_service_sid=MESSAGING_SERVICE_SID, body=BODY, status_callback=STATUS_CALLBACK
    )

    assert seen == [201]
    assert message.sid.startswith("SM")


def test_given_a_message_without_to_when_posting_then_prism_rejects_it(prism_url: str) -> None:
    """The check can fail: a request violating Twilio's description is refused (422), not mocked."""
    response = requests.post(
        prism_url + MESSAGES_PATH,
        data={"MessagingServiceSid": MESSAGING_SERVICE_SID, "Body": BODY, "StatusCallback": STATUS_CALLBACK},
        auth=(ACCOUNT_SID, AUTH_TOKEN),
        timeout=10,
    )

    assert response.status_code == 422
    problems = response.json().get("validation", [])
    assert any("To" in problem.get("message", "") for problem in problems), response.text


def test_given_no_credentials_when_posting_then_prism_rejects_it(prism_url: str) -> None:
    response = requests.post(
        prism_url + MESSAGES_PATH,
        data={"To": TO, "MessagingServiceSid": MESSAGING_SERVICE_SID, "Body": BODY},
        timeout=10,
    )

    assert response.status_code == 401
