"""`textloop demo`: outcomes from the CRM, credited to the messages that preceded them.

After the texts, Event Relay publishes (twice each) a meeting booked with Priya on the Acme opportunity
texted in (a) and that opportunity closed won with its amount; HubSpot posts Initech's deal (texted in (c))
closed won, then (twice) the creation of a meeting booked with Maria on that deal; Globex's opportunity, whose only message is seeded 45 days back, closes lost. Every test reads
the files of the one demo run (``conftest.py``).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from textloop_local.demo import HS_NEW_DEAL_AMOUNT, MEETING_ID, OUTSIDE_WINDOW_DAYS, WON_AMOUNT


def _message(state, record: str) -> dict:
    (message,) = [m for m in state["messages"] if m["record"] == record]
    return message


def _outcome(state, kind: str, record: str) -> dict:
    (row,) = [r for r in state["outcomes"] if r["kind"] == kind and r["record"] == record]
    return row


def test_given_the_text_on_the_opportunity_when_a_meeting_is_booked_on_it_then_the_text_is_credited(
    state, seed
):
    # Given the text of (a) on the Acme opportunity
    texted = _message(state, f"salesforce:opportunity:{seed.SF_OPPORTUNITY_ACME}")
    # When a rep books a meeting with Priya on it (an EventChangeEvent CREATE, delivered twice)
    meeting = _outcome(state, "meeting_booked", f"salesforce:event:{MEETING_ID}")
    # Then the meeting is recorded once, credited to that text with its rule, template and version
    assert meeting["message_sid"] == texted["sid"]
    assert (meeting["rule"], meeting["template"], meeting["version"]) == (
        texted["rule"],
        texted["template"],
        texted["version"],
    )
    assert meeting["crm"] == "salesforce" and "amount" not in meeting
    assert datetime.fromisoformat(meeting["at"]) >= datetime.fromisoformat(texted["sent_at"])


def test_given_the_texted_opportunity_when_it_closes_won_then_its_amount_is_credited_to_the_text(state, seed):
    texted = _message(state, f"salesforce:opportunity:{seed.SF_OPPORTUNITY_ACME}")

    won = _outcome(state, "closed_won", f"salesforce:opportunity:{seed.SF_OPPORTUNITY_ACME}")

    assert won["amount"] == WON_AMOUNT == 48000
    assert won["message_sid"] == texted["sid"]
    assert won["variant"] == texted["variant"]


def test_given_a_message_older_than_the_window_when_its_opportunity_closes_lost_then_nobody_is_credited(
    state, seed
):
    record = f"salesforce:opportunity:{seed.SF_OPPORTUNITY_GLOBEX}"
    (seeded,) = [i for i in state["ledger"] if i["pk"] == f"REC#{record}"]  # its only message, seeded

    lost = _outcome(state, "closed_lost", record)

    age = datetime.fromisoformat(lost["at"]) - datetime.fromisoformat(seeded["sent_at"])
    assert age > timedelta(days=30) and age.days == OUTSIDE_WINDOW_DAYS
    for absent in ("message_sid", "rule", "template", "version", "variant", "amount"):
        assert absent not in lost, absent


def test_given_a_new_hubspot_deal_for_a_texted_contact_then_it_is_credited_to_her_text_with_its_amount(
    demo, state, seed
):
    # Given Maria's text of (c) (on Initech's deal) and a new deal a rep then creates for her
    texted = _message(state, f"hubspot:deal:{seed.HS_DEAL_INITECH}")
    (created,) = [r for r in state["outcomes"] if r["kind"] == "opportunity_created"]
    deal_id = created["record"].removeprefix("hubspot:deal:")
    # Then the deal.creation webhook (sent twice) is one outcome, its amount and contact read from HubSpot,
    # credited to Maria's text (found under her contact: the new deal has no text of its own)
    assert created["crm"] == "hubspot" and deal_id != seed.HS_DEAL_INITECH
    assert created["amount"] == float(HS_NEW_DEAL_AMOUNT) == 16500
    assert created["message_sid"] == texted["sid"] and texted["contact_id"] == seed.HS_CONTACT_MARIA
    reads = [
        json.loads(line)
        for line in (demo.out_dir / "hubspot_requests.jsonl").read_text().splitlines()
        if f"/crm/v3/objects/deals/{deal_id}" in line
    ]
    assert [(r["method"], r["query"]["properties"]) for r in reads] == [
        ("GET", ["amount", "hubspot_owner_id"])
    ]


def test_given_the_text_on_a_hubspot_deal_when_a_meeting_is_booked_on_it_then_the_text_is_credited(
    demo, state, seed
):
    # Given the text of (c) on Initech's deal (to Maria)
    texted = _message(state, f"hubspot:deal:{seed.HS_DEAL_INITECH}")
    # When a rep books a meeting with Maria on that deal (object.creation of type 0-47, posted twice)
    (booked,) = [r for r in state["outcomes"] if r["kind"] == "meeting_booked" and r["crm"] == "hubspot"]
    meeting_id = booked["record"].removeprefix("hubspot:meeting:")
    # Then it is one meeting_booked, credited to the deal's own text (most specific), its associations read
    # once from HubSpot through the SDK
    assert booked["record"] == f"hubspot:meeting:{meeting_id}" and meeting_id.isdigit()
    assert (booked["message_sid"], booked["rule"], booked["template"]) == (
        texted["sid"],
        texted["rule"],
        texted["template"],
    )
    assert "amount" not in booked
    assert datetime.fromisoformat(booked["at"]) > datetime.fromisoformat(texted["sent_at"])
    reads = [
        json.loads(line)
        for line in (demo.out_dir / "hubspot_requests.jsonl").read_text().splitlines()
        if f"/crm/v3/objects/meetings/{meeting_id}" in line
    ]
    assert [(r["method"], r["query"]["associations"]) for r in reads] == [
        ("GET", ["deals", "contacts", "companies"])
    ]
    transcript = (demo.out_dir / "transcript.md").read_text()
    assert f"HubSpot hubspot:meeting:{meeting_id} booked" in transcript


def test_given_every_change_delivered_more_than_once_then_each_outcome_is_recorded_once(state, seed):
    sources = [r["source_id"] for r in state["outcomes"]]
    items = [i for i in state["ledger"] if str(i["pk"]).startswith("PIPE#")]

    assert len(sources) == len(set(sources)) == len(items)
    # (a)'s stage change was published 3 times by Event Relay: one stage_advanced. It came before (a)'s own
    # text, so the opportunity (read for its account) is credited to the account's earlier text: the
    # morning's renewal text (r1) on Acme's renewal opportunity
    advanced = _outcome(state, "stage_advanced", f"salesforce:opportunity:{seed.SF_OPPORTUNITY_ACME}")
    renewal = _message(state, f"salesforce:opportunity:{seed.SF_OPPORTUNITY_ACME_RENEWAL}")
    assert advanced["message_sid"] == renewal["sid"]
    assert (
        advanced["message_sid"]
        != _message(state, f"salesforce:opportunity:{seed.SF_OPPORTUNITY_ACME}")["sid"]
    )
    for item in items:  # PIPE#<yyyy-mm> of the outcome's instant, sorted by <iso instant>#<source id>
        assert item["pk"] == f"PIPE#{item['at'][:7]}"
        assert item["sk"].startswith(f"{item['at']}#")
    assert {r["kind"] for r in state["outcomes"]} == {
        "opportunity_created",
        "stage_advanced",
        "meeting_booked",
        "closed_won",
        "closed_lost",
    }
