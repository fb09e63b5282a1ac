"""Use case: a message's link becomes a tracked link on our own domain, https://<link domain>/l/<code>;
the code is unguessable and the same for a redelivered event; previews are told apart from clicks."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from tests.support.events import opportunity_to_review
from tests.support.fakes import FakeCrm, FakeSms, opportunity_context
from textloop.adapters.dynamodb import DynamoConversations, DynamoEventOutcomes, DynamoLinks, DynamoSlaTasks
from textloop.config import ConfigError, Settings
from textloop.domain import links, segments
from textloop.domain.model import Outcome, RecordRef
from textloop.domain.routing import Routing
from textloop.domain.rules import RuleSet
from textloop.service_layer.dispatch import Dispatcher
from textloop.service_layer.replies import ReplyRouter

BASE = "https://go.acme.example"
URL = re.compile(r"https://go\.acme\.example/l/([A-Za-z0-9_-]+)")


@pytest.fixture
def store(aws: dict[str, str]) -> DynamoLinks:
    return DynamoLinks(aws["StateTable"], boto3.client("dynamodb"))


@pytest.fixture
def tracking(make_dispatcher: Callable[[], Dispatcher], store: DynamoLinks) -> Callable[[], Dispatcher]:
    def build() -> Dispatcher:
        return replace(make_dispatcher(), links=store, link_base=BASE)

    return build


# ------------------------------------------------------------------------------------------- codes


def test_given_a_key_when_deriving_codes_then_each_is_8_characters_of_the_64_url_safe_symbols() -> None:
    key = links.new_key()
    codes = [
        links.derive_code(key, f"rule#salesforce:opportunity:{n}#+1415555{n:04d}", f"e{n}")
        for n in range(4000)
    ]

    assert len(links.ALPHABET) == len(set(links.ALPHABET)) == 64
    assert all(len(c) == links.CODE_LENGTH == 8 and set(c) <= set(links.ALPHABET) for c in codes)
    assert all(links.is_code(c) for c in codes)
    assert links.is_code("abcDEF1") and links.is_code("abc-_F12")  # 7 to 8 characters
    assert not links.is_code("abc/def1") and not links.is_code("abcdef") and not links.is_code("abcdefghi")


def test_given_many_slots_when_deriving_codes_then_none_repeats_and_every_symbol_is_used_evenly() -> None:
    key = links.new_key()
    codes = [links.derive_code(key, f"slot-{n}", "event") for n in range(4000)]

    assert len(set(codes)) == len(codes)  # 48 bits: no collision among thousands
    symbols = Counter("".join(codes))
    assert set(symbols) == set(links.ALPHABET)
    expected = 4000 * 8 / 64
    assert all(0.7 * expected < n < 1.3 * expected for n in symbols.values())  # no favoured symbol


def test_given_the_same_parts_under_another_key_when_deriving_then_the_code_differs() -> None:
    # Unguessable: without the deployment's key, knowing the slot and the event gives nothing
    parts = ("contract_final_review#salesforce:opportunity:006#+14155550132", "sf:evt-1")
    first, second = links.new_key(), links.new_key()

    assert first != second and len(first) == 32
    assert links.derive_code(first, *parts) == links.derive_code(first, *parts)
    assert links.derive_code(first, *parts) != links.derive_code(second, *parts)


def test_given_two_containers_when_asking_the_code_of_a_slot_then_they_agree(
    aws: dict[str, str], store: DynamoLinks
) -> None:
    # Given one container created the deployment's link key on first use
    code = store.code_for("slot", "event")
    # When another container (cold start) asks for the same slot and event
    other = DynamoLinks(aws["StateTable"], boto3.client("dynamodb"))
    # Then it reads the same key and derives the same code; another event gets another code
    assert other.code_for("slot", "event") == code
    assert other.code_for("slot", "event-2") != code


# -------------------------------------------------------------------------------------- previews

DELIVERED = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
)


@pytest.mark.parametrize(
    ("method", "agent", "after", "expected"),
    [
        ("GET", PHONE, 30.0, None),
        ("GET", "Mozilla/5.0 (Linux; Android 15; Pixel 9) Chrome/131.0 Mobile Safari/537.36", 8.0, None),
        ("GET", PHONE, 1.5, "within_2s_of_delivery"),
        ("GET", PHONE, 2.5, None),
        ("HEAD", PHONE, 30.0, "head_request"),
        ("GET", "", 30.0, "no_user_agent"),
        ("GET", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", 30.0, "user_agent:slackbot"),
        (
            "GET",
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            30.0,
            "user_agent:facebookexternalhit",
        ),
        ("GET", "Twitterbot/1.0", 30.0, "user_agent:twitterbot"),
        ("GET", "WhatsApp/2.23.20.0 A", 30.0, "user_agent:whatsapp"),
        ("GET", "TelegramBot (like TwitterBot)", 30.0, "user_agent:twitterbot"),
        (
            "GET",
            "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
            30.0,
            "user_agent:discordbot",
        ),
        (
            "GET",
            "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
            30.0,
            "user_agent:linkedinbot",
        ),
        (
            "GET",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            30.0,
            "user_agent:googlebot",
        ),
        (
            "GET",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            30.0,
            "user_agent:bingbot",
        ),
        (
            "GET",
            "Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 (KHTML, like Gecko) Applebot/0.1",
            30.0,
            "user_agent:applebot",
        ),
        (
            "GET",
            "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5",
            30.0,
            "user_agent:skypeuripreview",
        ),
        ("GET", "Iframely/1.3.1 (+https://iframely.com/docs/about)", 30.0, "user_agent:iframely"),
        (
            "GET",
            "Mozilla/5.0 (compatible; Embedly/0.2; +http://support.embed.ly/)",
            30.0,
            "user_agent:embedly",
        ),
        (
            "GET",
            "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.12026; Pro)",
            30.0,
            "user_agent:microsoft office",
        ),
        ("GET", "Mozilla/5.0 (compatible; SafeLinks/1.0)", 30.0, "user_agent:safelinks"),
        ("GET", "Proofpoint URL Defense", 30.0, "user_agent:proofpoint"),
        ("GET", "Mimecast-URL-Protect/1.0", 30.0, "user_agent:mimecast"),
        ("GET", "Barracuda Sentinel (EE)", 30.0, "user_agent:barracuda"),
        ("GET", "python-requests/2.32.3", 30.0, "user_agent:python-requests"),
        ("GET", "curl/8.5.0", 30.0, "user_agent:curl"),
    ],
)
def test_given_a_fetch_when_classifying_then_previews_and_scanners_are_not_clicks(
    method: str, agent: str, after: float, expected: str | None
) -> None:
    assert links.preview_reason(method, agent, DELIVERED + timedelta(seconds=after), DELIVERED) == expected


def test_given_a_message_not_yet_delivered_when_a_person_taps_then_it_is_a_click() -> None:
    assert links.preview_reason("GET", PHONE, DELIVERED, None) is None


# ------------------------------------------------------------------------------------ dispatching


def test_given_link_tracking_when_dispatched_then_the_body_carries_a_tracked_link_with_its_attribution(
    tracking: Callable[[], Dispatcher], crm: FakeCrm, sms: FakeSms, store: DynamoLinks
) -> None:
    # Given an opportunity in review whose signing link is in the CRM
    crm.add(opportunity_context())
    # When the change is dispatched with tracked links on go.acme.example
    result = tracking()(opportunity_to_review())
    # Then the message carries https://go.acme.example/l/<code>, not the CRM's link
    assert result.outcome is Outcome.SENT
    ((message, sid, _),) = sms.sent
    (code,) = URL.findall(message.body)
    assert "sign.example.com" not in message.body and result.details["link"] == code
    # And the segments are counted on the body as sent (the tracked link's length)
    assert result.details["segments"] == segments.count(message.body).segments == 1
    # And the link keeps the message's attribution and its target
    link = store.link(code)
    assert link is not None
    assert link.target == "https://sign.example.com/acme-200"
    assert (link.rule, link.template_id, link.template_version, link.template_tag, link.variant) == (
        "contract_final_review",
        "contract_final_review",
        2,
        "closing-contract_final_review-a-v2",
        "",
    )
    assert link.record == RecordRef("salesforce", "opportunity", "006000000000001AAA")
    assert (link.contact_id, link.sid) == ("003000000000001AAA", sid)
    assert link.slot_key == "contract_final_review#salesforce:opportunity:006000000000001AAA#+14155550132"
    assert timedelta(days=179) < link.expires_at - link.created_at <= timedelta(days=180)


def test_given_a_send_that_failed_when_the_event_is_redelivered_then_the_same_code_is_sent(
    tracking: Callable[[], Dispatcher],
    crm: FakeCrm,
    sms: FakeSms,
    store: DynamoLinks,
    clock: Any,
) -> None:
    # Given Twilio answered 429 to the first delivery (the slot is released, the code was derived)
    crm.add(opportunity_context())
    event = opportunity_to_review()
    sms.unavailable = 1
    with pytest.raises(Exception, match="429"):
        tracking()(event)
    first = store.code_for(
        "contract_final_review#salesforce:opportunity:006000000000001AAA#+14155550132", event.event_key
    )
    # When the queue redelivers the event (a new container)
    clock.advance(minutes=3)
    result = tracking()(event)
    # Then the message goes with the same code, and its link points at the message
    assert result.outcome is Outcome.SENT
    assert URL.findall(sms.bodies[0]) == [first]
    link = store.link(first)
    assert link is not None and link.sid == result.sid


def test_given_links_off_when_dispatched_then_the_crm_link_goes_as_it_is(
    make_dispatcher: Callable[[], Dispatcher], crm: FakeCrm, sms: FakeSms, store: DynamoLinks
) -> None:
    crm.add(opportunity_context())
    result = replace(make_dispatcher(), links=store, link_base=None)(opportunity_to_review())
    assert result.outcome is Outcome.SENT and "https://sign.example.com/acme-200" in sms.bodies[0]
    assert "link" not in result.details


# ------------------------------------------------------------------------------------------ settings


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, None),
        (
            {"PUBLIC_BASE_URL": "https://abc.execute-api.us-east-1.amazonaws.com"},
            "https://abc.execute-api.us-east-1.amazonaws.com",
        ),
        (
            {"PUBLIC_BASE_URL": "https://abc.example", "LINK_DOMAIN": "go.acme.example"},
            "https://go.acme.example",
        ),
        ({"LINK_DOMAIN": "http://127.0.0.1:4010"}, "http://127.0.0.1:4010"),
        ({"PUBLIC_BASE_URL": "https://abc.example", "LINK_DOMAIN": "off"}, None),
    ],
)
def test_given_link_settings_when_reading_them_then_the_link_base_follows(
    env: dict[str, str], expected: str | None
) -> None:
    settings = Settings.from_env({"STATE_TABLE": "s", "CONSENT_TABLE": "c", **env})
    assert settings.link_base_url == expected


def test_given_a_bad_link_domain_when_starting_then_the_configuration_is_refused() -> None:
    with pytest.raises(ConfigError, match="LINK_DOMAIN"):
        Settings.from_env({"STATE_TABLE": "s", "CONSENT_TABLE": "c", "LINK_DOMAIN": "not a domain/"})


# ---------------------------------------------------------------------------------- the CRM thread


def test_given_a_link_click_message_when_routed_then_an_activity_is_logged_on_the_record_once(
    outcomes: DynamoEventOutcomes,
    conversations: DynamoConversations,
    tasks: DynamoSlaTasks,
    crm: FakeCrm,
    clock: Any,
) -> None:
    routing = RuleSet.load().routing
    assert isinstance(routing, Routing)
    router = ReplyRouter(
        routing, lambda _crm, _account: crm, ("salesforce",), outcomes, conversations, tasks, clock=clock
    )
    click = {
        "type": "link_click",
        "code": "AbCd_123",
        "target": "https://sign.example.com/acme-200",
        "sid": "SM1",
        "at": "2026-11-23T20:05:00+00:00",
        "crm": "salesforce",
        "object_type": "opportunity",
        "record_id": "006000000000001AAA",
        "contact_id": "003000000000001AAA",
        "owner_id": "005000000000001AAA",
        "account": "",
        "variant": "",
    }

    result = router.link_click(click)
    again = router.link_click(click)  # SQS redelivered it

    assert (result.outcome, result.reason, again.outcome) == (
        Outcome.ROUTED,
        "link_clicked",
        Outcome.DUPLICATE,
    )
    (activity,) = crm.logged
    assert activity.subject == "SMS link clicked: https://sign.example.com/acme-200"
    assert activity.record == RecordRef("salesforce", "opportunity", "006000000000001AAA")
    assert (activity.contact_id, activity.owner_id, activity.sid) == (
        "003000000000001AAA",
        "005000000000001AAA",
        "SM1",
    )
