"""Use case: a person taps a message's tracked link, GET /l/{code} (functions/link_redirect/app.py
against moto): 302 to the target and one click; previews and scanners are recorded, never counted."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import boto3
import pytest

from textloop.adapters.dynamodb import DynamoLinks, iso
from textloop.domain.links import TrackedLink
from textloop.domain.model import RecordRef

pytestmark = pytest.mark.integration

TARGET = "https://sign.example.com/envelopes/acme-200-seats"
PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
)


def get(code: str, user_agent: str = PHONE_UA, method: str = "GET") -> dict[str, Any]:
    path = f"/l/{code}"
    return {
        "version": "2.0",
        "routeKey": f"{method} /l/{{code}}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "go.acme.example", **({"user-agent": user_agent} if user_agent else {})},
        "pathParameters": {"code": code},
        "requestContext": {
            "domainName": "go.acme.example",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9"},
            "requestId": f"r-{uuid.uuid4().hex[:8]}",
            "routeKey": f"{method} /l/{{code}}",
            "stage": "$default",
        },
        "isBase64Encoded": False,
    }


@pytest.fixture
def app(load_handler: Callable[..., ModuleType]) -> ModuleType:
    return load_handler("link_redirect")


@pytest.fixture
def store(aws: dict[str, str]) -> DynamoLinks:
    return DynamoLinks(aws["StateTable"], boto3.client("dynamodb"))


def a_link(store: DynamoLinks, aws: dict[str, str], delivered: datetime | None) -> str:
    """A sent message (MSG#<sid>, delivered at *delivered*) and its tracked link."""
    sid = f"SM{uuid.uuid4().hex}"
    now = datetime.now(UTC)
    code = store.code_for(f"contract_final_review#salesforce:opportunity:006A#{sid}", "evt-1")
    message = {
        "pk": {"S": f"MSG#{sid}"},
        "sk": {"S": "MSG"},
        "sid": {"S": sid},
        "phone": {"S": "+14155550132"},
        "status": {"S": "delivered" if delivered else "sent"},
        **({"delivered_at": {"S": iso(delivered)}} if delivered else {}),
    }
    boto3.client("dynamodb").put_item(TableName=aws["StateTable"], Item=message)
    store.create(
        TrackedLink(
            code=code,
            target=TARGET,
            slot_key="contract_final_review#salesforce:opportunity:006A#+14155550132",
            event_key="evt-1",
            rule="contract_final_review",
            template_id="contract_final_review",
            template_version=2,
            template_tag="closing-contract_final_review-a-v2",
            variant="a",
            record=RecordRef("salesforce", "opportunity", "006A"),
            contact_id="003A",
            owner_id="005A",
            account="00DLOCAL",
            created_at=now,
            expires_at=now + timedelta(days=180),
        )
    )
    store.attach(code, sid)
    return code


def queued(aws: dict[str, str]) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    found = sqs.receive_message(QueueUrl=aws["InboundQueue"], MaxNumberOfMessages=10, WaitTimeSeconds=0)
    return [json.loads(m["Body"]) for m in found.get("Messages", [])]


def test_given_a_delivered_message_when_a_person_taps_its_link_then_302_and_one_click(
    app: ModuleType, store: DynamoLinks, aws: dict[str, str], lambda_context: Any
) -> None:
    # Given a message delivered a minute ago
    code = a_link(store, aws, datetime.now(UTC) - timedelta(minutes=1))
    # When the recipient's phone opens the link
    answer = app.handler(get(code), lambda_context)
    # Then it is sent on to the target at once, uncached
    assert answer["statusCode"] == 302
    assert answer["headers"]["location"] == TARGET and answer["headers"]["cache-control"] == "no-store"
    # And one click is recorded with the message, the record and the variant
    (click,) = store.clicks(code)
    link = store.link(code)
    assert link is not None
    assert (click.kind, click.sid, click.record, click.variant) == ("click", link.sid, link.record, "a")
    # And the click goes to the reply router, to be logged on the record's thread
    (message,) = queued(aws)
    assert (message["type"], message["target"], message["record_id"], message["sid"]) == (
        "link_click",
        TARGET,
        "006A",
        link.sid,
    )


@pytest.mark.parametrize(
    ("user_agent", "method", "reason"),
    [
        ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "GET", "user_agent:slackbot"),
        (PHONE_UA, "HEAD", "head_request"),
    ],
)
def test_given_a_preview_fetcher_when_it_fetches_the_link_then_a_preview_is_recorded_not_a_click(
    app: ModuleType,
    store: DynamoLinks,
    aws: dict[str, str],
    lambda_context: Any,
    user_agent: str,
    method: str,
    reason: str,
) -> None:
    code = a_link(store, aws, datetime.now(UTC) - timedelta(minutes=1))

    answer = app.handler(get(code, user_agent, method), lambda_context)

    assert answer["statusCode"] == 302 and answer["headers"]["location"] == TARGET
    (fetch,) = store.clicks(code)
    assert (fetch.kind, fetch.reason) == ("preview", reason)
    assert queued(aws) == []  # nothing for the CRM


def test_given_a_fetch_within_2_seconds_of_delivery_when_it_arrives_then_it_is_a_preview(
    app: ModuleType, store: DynamoLinks, aws: dict[str, str], lambda_context: Any
) -> None:
    code = a_link(store, aws, datetime.now(UTC))  # delivered just now: a carrier's scanner, not a person

    app.handler(get(code), lambda_context)

    (fetch,) = store.clicks(code)
    assert (fetch.kind, fetch.reason) == ("preview", "within_2s_of_delivery")


@pytest.mark.parametrize("code", ["Zz9_Zz9-", "nope", "../../etc"])
def test_given_an_unknown_code_when_fetched_then_a_plain_html_404_page(
    app: ModuleType, lambda_context: Any, code: str
) -> None:
    answer = app.handler(get(code), lambda_context)

    assert answer["statusCode"] == 404
    assert answer["headers"]["content-type"].startswith("text/html")
    assert "<h1>Link not found</h1>" in answer["body"] and "<script" not in answer["body"]


def test_given_an_expired_link_when_fetched_then_404(
    app: ModuleType, store: DynamoLinks, aws: dict[str, str], lambda_context: Any
) -> None:
    code = a_link(store, aws, None)
    boto3.client("dynamodb").update_item(
        TableName=aws["StateTable"],
        Key={"pk": {"S": f"LINK#{code}"}, "sk": {"S": "LINK"}},
        UpdateExpression="SET expires = :past",
        ExpressionAttributeValues={":past": {"S": iso(datetime.now(UTC) - timedelta(seconds=1))}},
    )

    assert app.handler(get(code), lambda_context)["statusCode"] == 404
