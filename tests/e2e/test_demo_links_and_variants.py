"""`textloop demo`: tracked links and a variant chosen by tier.

The demo's stack tracks links on a short link domain (``LINK_DOMAIN=go.acme.example``); the enterprise
renewal text's link is unfurled by Slack (a preview) and tapped on a phone (a click). Every test reads
the files of the one demo run (``conftest.py``).
"""

from __future__ import annotations

import json
import re

LINK = re.compile(r"https://go\.acme\.example/l/([A-Za-z0-9_-]{7,8})(?:\s|$)")


def _renewal(state, seed) -> dict:
    record = f"salesforce:opportunity:{seed.SF_OPPORTUNITY_ACME_RENEWAL}"
    (message,) = [m for m in state["messages"] if m["record"] == record]
    return message


def _link(state, code: str) -> dict:
    (item,) = [i for i in state["ledger"] if i["pk"] == f"LINK#{code}" and i["sk"] == "LINK"]
    return item


def test_given_the_followed_link_when_a_person_taps_it_then_one_click_is_counted(demo, state, seed):
    # Given the enterprise renewal text, which carries a tracked link
    code = demo.links.code
    assert LINK.search(_renewal(state, seed)["body"]).group(1) == code
    # When Lena taps it on her phone (after Slack unfurled it)
    tap = next(f for f in demo.links.fetches if "phone" in f["who"])
    # Then she is sent on to the record's link, and exactly one click is recorded and counted
    assert (tap["status"], tap["location"]) == (302, "https://acme.example/renew")
    clicks = [c for c in state["clicks"] if c["code"] == code and c["kind"] == "click"]
    assert len(clicks) == 1
    (click,) = clicks
    assert click["sid"] == _renewal(state, seed)["sid"]
    assert click["record"] == f"salesforce:opportunity:{seed.SF_OPPORTUNITY_ACME_RENEWAL}"
    assert (click["variant"], click["target"]) == ("enterprise", "https://acme.example/renew")
    assert int(_link(state, code)["clicks"]) == 1


def test_given_the_followed_link_when_slack_unfurls_it_then_it_is_a_preview_and_counts_no_click(demo, state):
    # Given the same link
    code = demo.links.code
    # When Slack's unfurler fetches it
    unfurl = next(f for f in demo.links.fetches if "Slack" in f["who"])
    # Then it is redirected too, but recorded as a preview, and no click is counted for it
    assert (unfurl["status"], unfurl["location"]) == (302, "https://acme.example/renew")
    previews = [c for c in state["clicks"] if c["code"] == code and c["kind"] == "preview"]
    assert len(previews) == 1 and previews[0]["reason"].startswith("user_agent:slackbot")
    link = _link(state, code)
    assert (int(link["clicks"]), int(link["previews"])) == (1, 1)
    assert len([c for c in state["clicks"] if c["code"] == code]) == 2


def test_given_a_click_when_the_queue_drains_then_it_is_logged_on_the_records_thread(state, seed):
    # Given the click on the renewal text's link
    # When the reply router has drained the InboundQueue
    tasks = [t for t in state["salesforce"]["Task"] if t.get("WhatId") == seed.SF_OPPORTUNITY_ACME_RENEWAL]
    # Then the record's thread holds the click, once
    logged = [t for t in tasks if "SMS link clicked: https://acme.example/renew" in json.dumps(t)]
    assert len(logged) == 1


def test_given_an_enterprise_renewal_when_texted_then_the_tier_variant_is_recorded_on_its_message(
    demo, state, seed
):
    # Given the Acme renewal, whose Tier__c is Enterprise
    (opportunity,) = [
        o for o in state["salesforce"]["Opportunity"] if o["Id"] == seed.SF_OPPORTUNITY_ACME_RENEWAL
    ]
    assert opportunity["Tier__c"] == "Enterprise"
    # When the renewal scan texted its decision maker
    message = _renewal(state, seed)
    # Then the message names the enterprise variant and its own approved template
    assert (message["variant"], message["template"]) == ("enterprise", "renewal_window_sf_enterprise")
    assert message["template_tag"] == "renewal-renewal_window-sf_enterprise-v1"
    # And the tracked link carries the same attribution; the transcript shows it
    assert _link(state, demo.links.code)["variant"] == "enterprise"
    assert "## Tracked links" in demo.transcript and "variant `enterprise`" in demo.transcript


def test_every_demo_sms_with_its_tracked_link_is_one_gsm7_segment(state):
    from textloop.domain.segments import count

    for sms in state["sms"]:
        body = sms.get("body") or sms.get("Body") or ""
        assert LINK.search(body), body  # every demo message carries a tracked link
        cost = count(body)
        assert (cost.encoding, cost.segments) == ("gsm7", 1), body
