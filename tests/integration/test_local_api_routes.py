"""The local API Gateway (textloop_local.apigw): template routes → HTTP API payload 2.0 events.

Runs a real HTTP server on loopback against a trivial echo handler (local_api_fixture/echo/app.py)
whose routes come from local_api_fixture/template.yaml, and against the project's template.yaml.
"""

from __future__ import annotations

import base64
import json
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from textloop_local.apigw import (
    MAX_PAYLOAD_BYTES,
    ApiGateway,
    ApiServer,
    HttpRequest,
    Route,
    build_event,
    is_text,
    map_result,
    routes_from_template,
)
from textloop_local.lambda_context import LocalFunction

pytestmark = pytest.mark.integration

FIXTURE = Path(__file__).parent / "local_api_fixture"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def api():
    gateway = ApiGateway(routes_from_template(FIXTURE / "template.yaml"))
    server = ApiServer(gateway).start()
    yield server
    server.stop()


def _echo(response: requests.Response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()["event"]


def test_routes_come_from_the_template():
    routes = {r.route_key: r for r in routes_from_template(FIXTURE / "template.yaml")}
    assert set(routes) == {"POST /hooks/echo", "GET /items/{itemId}", "ANY /files/{proxy+}"}
    fn = routes["POST /hooks/echo"].function
    assert fn.logical_id == "EchoFunction"
    assert fn.app_file == (FIXTURE / "echo" / "app.py")
    assert fn.memory_mb == 512  # the function's own MemorySize beats Globals
    assert fn.timeout_seconds == 7  # Globals


def test_project_template_routes_map_to_the_real_handlers():
    routes = {r.route_key: r.function for r in routes_from_template(REPO / "template.yaml", REPO)}
    assert routes["POST /hubspot/webhooks"].logical_id == "HubSpotWebhookFunction"
    assert routes["POST /hubspot/webhooks"].app_file == REPO / "functions" / "hubspot_webhook" / "app.py"
    assert routes["POST /twilio/status"].logical_id == "TwilioStatusFunction"
    assert routes["POST /twilio/status"].app_file == REPO / "functions" / "twilio_status" / "app.py"
    for method in ("GET", "HEAD"):  # tracked links, served by the local stack like any template route
        assert routes[f"{method} /l/{{code}}"].logical_id == "LinkRedirectFunction"
        assert routes[f"{method} /l/{{code}}"].app_file == REPO / "functions" / "link_redirect" / "app.py"


def test_json_post_is_a_v2_event_with_a_text_body(api):
    payload = {"hello": "world"}
    event = _echo(
        requests.post(
            f"{api.url}/hooks/echo?a=1&a=2&b=x%20y",
            json=payload,
            headers={"X-Custom-Header": "v"},
            timeout=10,
        )
    )
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /hooks/echo"
    assert event["rawPath"] == "/hooks/echo"
    assert event["rawQueryString"] == "a=1&a=2&b=x%20y"
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x y"}
    assert event["headers"]["x-custom-header"] == "v"
    assert all(name == name.lower() for name in event["headers"])
    assert event["isBase64Encoded"] is False
    assert json.loads(event["body"]) == payload
    ctx = event["requestContext"]
    assert ctx["http"] == {
        "method": "POST",
        "path": "/hooks/echo",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": event["headers"]["user-agent"],
    }
    assert ctx["stage"] == "$default"
    assert ctx["routeKey"] == "POST /hooks/echo"
    assert ctx["domainName"] == event["headers"]["host"]
    assert ctx["requestId"]
    assert ctx["timeEpoch"] > 0


def test_form_body_arrives_base64_encoded_like_api_gateway(api):
    event = _echo(
        requests.post(f"{api.url}/hooks/echo", data={"MessageSid": "SM1", "Body": "Hi & bye"}, timeout=10)
    )
    assert event["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]).decode() == "MessageSid=SM1&Body=Hi+%26+bye"


def test_binary_and_untyped_bodies_are_base64(api):
    raw = b"\x00\x01\xfe\xff"
    event = _echo(
        requests.post(
            f"{api.url}/hooks/echo",
            data=raw,
            headers={"Content-Type": "application/octet-stream"},
            timeout=10,
        )
    )
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw


def test_text_types_stay_text():
    assert is_text("text/plain; charset=utf-8")
    assert is_text("application/json")
    assert is_text("application/xml")
    assert not is_text("application/x-www-form-urlencoded")
    assert not is_text(None)


def test_path_parameters_and_greedy_routes(api):
    event = _echo(requests.get(f"{api.url}/items/abc%20123", timeout=10))
    assert event["routeKey"] == "GET /items/{itemId}"
    assert event["pathParameters"] == {"itemId": "abc 123"}
    event = _echo(requests.delete(f"{api.url}/files/a/b/c.txt", timeout=10))
    assert event["routeKey"] == "ANY /files/{proxy+}"
    assert event["pathParameters"] == {"proxy": "a/b/c.txt"}


def test_unknown_route_or_method_is_404(api):
    response = requests.post(f"{api.url}/nope", json={}, timeout=10)
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}
    assert requests.get(f"{api.url}/hooks/echo", timeout=10).status_code == 404


def test_lambda_context_and_single_cold_start(api):
    first = requests.post(f"{api.url}/hooks/echo", json={}, timeout=10)
    second = requests.post(f"{api.url}/hooks/echo", json={}, timeout=10)
    assert first.headers["x-cold-starts"] == second.headers["x-cold-starts"] == "1"
    ctx = first.json()["context"]
    assert ctx["function_name"] == "EchoFunction"
    assert ctx["memory_limit_in_mb"] == 512
    assert ctx["invoked_function_arn"].endswith(":function:EchoFunction")
    assert ctx["aws_request_id"] != second.json()["context"]["aws_request_id"]
    assert 0 < ctx["remaining"] <= 7000


def test_v2_response_shortcuts_and_fields(api):
    r = requests.post(f"{api.url}/hooks/echo?mode=shortcut", json={}, timeout=10)
    assert (r.status_code, r.headers["content-type"], r.json()) == (
        200,
        "application/json",
        {"shortcut": True, "path": "/hooks/echo"},
    )
    r = requests.post(f"{api.url}/hooks/echo?mode=string", json={}, timeout=10)
    assert r.status_code == 200
    assert r.json() == "just a string"
    r = requests.post(f"{api.url}/hooks/echo?mode=binary", json={}, timeout=10)
    assert r.content == b"\x00\x01\xff"
    r = requests.post(f"{api.url}/hooks/echo?mode=cookies", json={}, timeout=10)
    assert r.status_code == 201
    assert r.text == "ok"
    assert r.cookies.get("a") == "1"
    assert r.cookies.get("b") == "2"
    r = requests.post(f"{api.url}/hooks/echo?mode=raise", json={}, timeout=10)
    assert r.status_code == 500
    assert r.json() == {"message": "Internal Server Error"}


def test_build_event_without_server():
    fn = LocalFunction("F", handler=lambda e, c: e)
    route = Route("POST", "/twilio/status", fn)
    request = HttpRequest(
        "POST",
        "/twilio/status",
        [
            ("Host", "example.test"),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", "a=1; b=2"),
        ],
        b"To=%2B1",
    )
    event = build_event(route, {}, request)
    assert event["routeKey"] == "POST /twilio/status"
    assert event["cookies"] == ["a=1", "b=2"]
    assert "cookie" not in event["headers"]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"To=%2B1"
    assert "queryStringParameters" not in event
    assert "pathParameters" not in event


def test_map_result_rules():
    assert map_result({"statusCode": 204}) == (204, [], b"")
    status, headers, body = map_result({"ok": 1})
    assert (status, body) == (200, b'{"ok": 1}')
    assert ("Content-Type", "application/json") in headers
    status, headers, body = map_result(
        {
            "statusCode": 200,
            "body": "aGk=",
            "isBase64Encoded": True,
            "headers": {"content-type": "text/plain"},
        }
    )
    assert body == b"hi"
    assert headers == [("content-type", "text/plain")]


def test_a_body_over_api_gateways_10_mb_is_413_unread_and_no_function_runs(api):
    host, port = urlsplit(api.url).hostname, urlsplit(api.url).port
    with socket.create_connection((host, port), timeout=10) as conn:
        conn.sendall(
            b"POST /hooks/echo HTTP/1.1\r\nHost: local\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {MAX_PAYLOAD_BYTES + 1}\r\n\r\n".encode()
        )  # the body is never sent: the answer must not wait for it
        answer = conn.makefile("rb").read()
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert answer.endswith(b'{"message":"Request Entity Too Large"}')
