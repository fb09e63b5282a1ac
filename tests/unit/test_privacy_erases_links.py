"""Use case: a number is erased, and with its messages go their tracked links and every fetch of them
(``LINK#<code>``/``LINK``, whose slot key names the number, and ``LINK#<code>``/``CLICK#…``); another
number's links stay, and so does the deployment's link key."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import boto3
import pytest

from tests.support.clock import Clock
from tests.support.events import deal_to_contract_sent, opportunity_to_review
from tests.support.fakes import FakeCrm, FakeSms, deal_context, opportunity_context
from textloop.adapters.dynamodb import (
    DynamoConsentLedger,
    DynamoConversations,
    DynamoEventOutcomes,
    DynamoLinks,
    DynamoSlaTasks,
)
from textloop.adapters.privacy import DynamoPrivacyStore
from textloop.domain.errors import SmsUnavailable
from textloop.domain.model import Outcome
from textloop.domain.rules import RuleSet
from textloop.service_layer.dispatch import Dispatcher
from textloop.service_layer.links import LinkFollower
from textloop.service_layer.privacy import KeyedHash, Privacy
from textloop.service_layer.replies import ReplyRouter

PHONE = "+16175550142"  # deal_context's recipient
OTHER = "+14155550132"  # opportunity_context's recipient
HASH = KeyedHash(lambda: "unit-test-privacy-key-0123456789")
BASE = "https://go.acme.example"
BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
SLACK = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"


class Queue:
    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send_all(self, bodies: Any) -> None:
        self.bodies.extend(bodies)


@pytest.fixture
def store(aws: dict[str, str]) -> DynamoLinks:
    return DynamoLinks(aws["StateTable"], boto3.client("dynamodb"))


@pytest.fixture
def privacy(aws: dict[str, str], clock: Clock) -> Privacy:
    consent = DynamoConsentLedger(aws["ConsentTable"], boto3.client("dynamodb"), hasher=HASH)
    return Privacy(DynamoPrivacyStore(aws["StateTable"], boto3.client("dynamodb")), consent, HASH, clock)


@pytest.fixture
def tracking(make_dispatcher: Callable[[], Dispatcher], store: DynamoLinks) -> Dispatcher:
    return replace(make_dispatcher(), links=store, link_base=BASE)


@pytest.fixture
def texted_with_links(
    tracking: Dispatcher,
    crm: FakeCrm,
    sms: FakeSms,
    store: DynamoLinks,
    conversations: DynamoConversations,
    outcomes: DynamoEventOutcomes,
    tasks: DynamoSlaTasks,
    clock: Clock,
) -> dict[str, str]:
    """Given the number got two texts with tracked links (a third is waiting for a retry, its link already
    stored), Slack unfurled the first link and the person tapped it (the tap logged on the CRM thread);
    and another number got a text whose link was tapped too. Returns the codes by message."""
    crm.add(deal_context())
    crm.add(deal_context("9002"))
    crm.add(deal_context("9003"))
    crm.add(opportunity_context())
    first = tracking(deal_to_contract_sent())
    second = tracking(deal_to_contract_sent(object_id=9002, event_id=1002))
    sms.unavailable = 1
    waiting = deal_to_contract_sent(object_id=9003, event_id=1003)
    with pytest.raises(SmsUnavailable):
        tracking(waiting)
    other = tracking(opportunity_to_review())
    assert {r.outcome for r in (first, second, other)} == {Outcome.SENT}
    queue = Queue()
    follow = LinkFollower(store, conversations, queue, clock=clock)
    clock.advance(minutes=10)
    follow(first.details["link"], "GET", SLACK)
    follow(first.details["link"], "GET", BROWSER)
    follow(other.details["link"], "GET", BROWSER)
    routing = RuleSet.load().routing
    assert routing is not None
    router = ReplyRouter(routing, lambda _c, _a: crm, ("hubspot",), outcomes, conversations, tasks, clock)
    for body in queue.bodies:
        assert router.link_click(json.loads(body)).outcome is Outcome.ROUTED
    pending = store.code_for(f"contract_final_review#hubspot:deal:9003#{PHONE}", waiting.event_key)
    assert store.link(pending) is not None  # stored before the send was tried
    return {
        "first": first.details["link"],
        "second": second.details["link"],
        "other": other.details["link"],
        "pending": pending,
    }


def _items(aws: dict[str, str], pk: str) -> list[dict[str, Any]]:
    client = boto3.client("dynamodb")
    return client.query(
        TableName=aws["StateTable"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
    )["Items"]


def test_given_a_number_whose_links_were_fetched_when_exported_then_its_links_and_fetches_are_listed(
    texted_with_links: dict[str, str], privacy: Privacy
) -> None:
    exported = privacy.export(PHONE)

    codes = {texted_with_links[k] for k in ("first", "second", "pending")}
    first = texted_with_links["first"]
    assert {i["pk"] for i in exported["links"] if i["sk"] == "LINK"} == {f"LINK#{c}" for c in codes}
    fetches = sorted(i["kind"] for i in exported["links"] if i["pk"] == f"LINK#{first}" and i["sk"] != "LINK")
    assert fetches == ["click", "preview"]
    # the tap logged on the CRM thread is an outcome of the number's: reported, kept
    assert any(o["pk"].startswith(f"EVENT#click:{first}:") for o in exported["outcomes"])


def test_given_a_number_whose_links_were_fetched_when_erased_then_its_links_and_clicks_are_deleted(
    texted_with_links: dict[str, str], privacy: Privacy, aws: dict[str, str], store: DynamoLinks
) -> None:
    first, second, other, pending = (texted_with_links[k] for k in ("first", "second", "other", "pending"))

    report = privacy.erase(PHONE)

    # Then its links (the waiting message's too) and their fetches are gone
    assert (report["deleted"]["links"], report["deleted"]["clicks"]) == (3, 2)
    for code in (first, second, pending):
        assert _items(aws, f"LINK#{code}") == []
    assert store.link(first) is None and store.clicks(first) == []
    # and no item of the state table names the number any more (a link's slot key did)
    everything = json.dumps(boto3.client("dynamodb").scan(TableName=aws["StateTable"])["Items"])
    assert PHONE not in everything and "6175550142" not in everything
    # while the other number's link and its click stay, and so does the link key
    assert store.link(other) is not None and len(store.clicks(other)) == 1
    assert _items(aws, "LINK#KEY")
    # and the click's outcome is kept and counted with the outcomes (keyed by event, no number)
    assert report["kept"]["outcomes"] == 3  # the two sends and the logged tap (the retry has none yet)


def test_given_an_erased_number_when_erased_again_then_no_link_is_left_to_delete(
    texted_with_links: dict[str, str], privacy: Privacy
) -> None:
    privacy.erase(PHONE)

    again = privacy.erase(PHONE)

    assert again["deleted"]["links"] == again["deleted"]["clicks"] == 0
    assert privacy.export(PHONE)["links"] == []
