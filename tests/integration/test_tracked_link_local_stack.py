"""Use case, end to end on the local stack (``textloop serve``, with LINK_DOMAIN="" so that links are
tracked on the stack's own URL): a deal reaches contract sent, the SMS carries a tracked link; the
recipient follows it (302, one click, logged on the deal's thread); a Slackbot preview counts none."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from textloop.adapters.dynamodb import DynamoLinks

pytestmark = pytest.mark.integration

PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
)


@pytest.fixture(scope="module")
def stack() -> Iterator[Any]:
    from textloop_local.demo import daytime_for, hubspot_event, post_hubspot_batch
    from textloop_local.emulators import seed
    from textloop_local.serve import LocalStack, StackOptions

    with LocalStack(StackOptions(extra_env={"LINK_DOMAIN": "", "LOG_LEVEL": "ERROR"})) as running:
        daytime_for(running, [("hubspot", seed.HS_CONTACT_KEN)])  # the deal's contact: texted at any hour
        running.hubspot.update_record("deals", seed.HS_DEAL_UMBRELLA, {"dealstage": "contractsent"})
        event = hubspot_event(
            "deal", seed.HS_DEAL_UMBRELLA, "dealstage", "contractsent", int(seed.HS_PORTAL_ID), 1
        )
        answer = post_hubspot_batch(running.url, running.env["HUBSPOT_CLIENT_SECRET"], [event])
        assert answer.status_code == 200, answer.text
        assert running.drain(60)
        yield running


def test_given_a_sent_message_when_its_tracked_link_is_followed_then_302_one_click_and_no_preview_counted(
    stack: Any,
) -> None:
    # Given the message the deal triggered, with a link on the stack's own URL
    bodies = [m.get("body") or m.get("Body") or "" for m in stack.state()["sms"]]
    urls = [u for b in bodies for u in re.findall(rf"{re.escape(stack.url)}/l/[A-Za-z0-9_-]{{7,8}}", b)]
    assert len(urls) == 1, bodies
    (url,) = urls
    code = url.rsplit("/", 1)[-1]
    links = DynamoLinks(stack.state_table, stack.dynamodb)
    link = links.link(code)
    assert link is not None and link.sid and link.target.startswith("https://")
    time.sleep(2.2)  # a person opens a message later than the 2 s in which scanners fetch it

    # When a Slackbot unfurls it, and then the recipient's phone opens it
    preview = requests.get(
        url, headers={"User-Agent": "Slackbot-LinkExpanding 1.0"}, allow_redirects=False, timeout=10
    )
    opened = requests.get(url, headers={"User-Agent": PHONE_UA}, allow_redirects=False, timeout=10)

    # Then both are sent on to the target
    for answer in (preview, opened):
        assert answer.status_code == 302 and answer.headers["Location"] == link.target
    # And exactly one click counts; the unfurl is a preview
    fetches = links.clicks(code)
    assert sorted(f.kind for f in fetches) == ["click", "preview"]
    (click,) = [f for f in fetches if f.kind == "click"]
    assert (click.sid, click.record) == (link.sid, link.record)
    # And the click is logged on the deal's thread in HubSpot
    assert stack.drain(60)
    logged = json.dumps(stack.state()["hubspot"]["communications"])
    assert f"SMS link clicked: {link.target}" in logged
    # And an unknown code is a plain 404 page
    missing = requests.get(f"{stack.url}/l/Zz9_Zz9-", allow_redirects=False, timeout=10)
    assert missing.status_code == 404 and missing.headers["Content-Type"].startswith("text/html")
