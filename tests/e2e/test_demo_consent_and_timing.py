"""`textloop demo`, consent and timing: deferrals (night, Florida's cap), CRM consent, revocations.

The scene tests read the state of the tier's single demo run (``conftest.py``); the zone choice that
lets the demo run at any hour is a pure function of the clock, tested here with fixed instants.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from textloop.adapters.hubspot import iana_zone
from textloop_local.demo import (
    DAYTIME_HOURS,
    NIGHT_HOURS,
    SEEDED_HISTORY_HOURS_AGO,
    ZONES,
    choose_zones,
    hubspot_time_zone,
)

pytestmark = pytest.mark.e2e

US_ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")
US_ZONES_ALL = (*US_ZONES, "America/Phoenix", "America/Anchorage", "Pacific/Honolulu")
DEFERRED_ROW = {
    "event_key",
    "record",
    "rule",
    "purpose",
    "reason",
    "held_by",
    "at",
    "not_before",
    "zones",
    "local_times",
    "states",
    "to",
    "schedule",
    "pending",
}
SENT_MESSAGE = {  # the attributes DynamoSendSlots._sent writes on PHONE#<e164>/MSG#<iso>#<sid>
    "pk",
    "sk",
    "sid",
    "phone",
    "crm",
    "object_type",
    "record_id",
    "contact_id",
    "owner_id",
    "rule",
    "purpose",
    "template",
    "template_tag",
    "segments",
    "encoding",
    "event_key",
    "status",
    "sent_at",
    "expires_at",
}


def _props(record: dict) -> dict:
    return {**record, **(record.get("properties") or {})}


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _e164(typed: str) -> str:
    return "+1" + "".join(ch for ch in typed if ch.isdigit())[-10:]


def _hs_contact(state: dict, contact_id: str) -> dict:
    return _props(next(c for c in state["hubspot"]["contacts"] if c["id"] == contact_id))


def _sf_contact(state: dict, contact_id: str) -> dict:
    return next(c for c in state["salesforce"]["Contact"] if c["Id"] == contact_id)


def _outcomes_for(state: dict, record_id: str) -> list[dict]:
    return [
        i
        for i in state["ledger"]
        if i["pk"].startswith("EVENT#") and i["sk"] == "OUTCOME" and f":{record_id}" in i["pk"]
    ]


def _deferred_row(state: dict, record_id: str) -> dict:
    (row,) = [r for r in state["deferred"] if r["record"].endswith(f":{record_id}")]
    return row


def _texted(state: dict, phone: str) -> list[dict]:
    return [m for m in state["sms"] if m["to"] == phone]


def _evidence_tasks(state: dict, crm: str, contact_id: str, sid: str) -> list[dict]:
    if crm == "salesforce":
        tasks = [t for t in state["salesforce"]["Task"] if t.get("WhoId") == contact_id]
        return [t for t in tasks if t["Subject"] == "SMS consent: opted_out" and sid in t["Description"]]
    tasks = [
        _props(t)
        for t in state["hubspot"]["tasks"]
        if contact_id in {link["id"] for link in (t.get("associations") or {}).get("contacts", [])}
    ]
    return [t for t in tasks if t["hs_task_subject"] == "SMS consent: opted_out" and sid in t["hs_task_body"]]


# --- the zone choice: a pure function of the clock ------------------------------------------


def _hour(now: datetime, zone: str) -> int:
    return now.astimezone(ZoneInfo(zone)).hour


def test_given_every_half_hour_of_a_year_when_zones_are_chosen_then_texted_contacts_are_in_daytime_and_nadia_at_night(
    seed,
):
    start = datetime(2026, 1, 1, 0, 15, tzinfo=UTC)  # local hours change on the hour or half hour (UTC)
    for step in range(365 * 48):  # every half hour of a year: both DST changes, every weekday
        now = start + timedelta(minutes=30 * step)
        zones = choose_zones(now)
        nadia = zones.pop(("hubspot", seed.HS_CONTACT_NADIA))
        assert _hour(now, nadia) in NIGHT_HOURS, (now, nadia)
        assert zones.pop(("hubspot", seed.HS_CONTACT_FELIX)) == "America/New_York"
        assert len(zones) == 5
        for contact, zone in zones.items():
            assert _hour(now, zone) in DAYTIME_HOURS, (now, contact, zone)


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 1, 14, 8, 30, tzinfo=UTC),  # winter: 03:30 in New York, 22:30 in Honolulu
        datetime(2026, 7, 15, 8, 10, tzinfo=UTC),  # summer: 04:10 in New York, 22:10 in Honolulu
    ],
)
def test_given_night_in_every_us_zone_when_zones_are_chosen_then_every_texted_contact_gets_a_daytime_zone_abroad(
    seed, now
):
    assert all(_hour(now, zone) in NIGHT_HOURS for zone in US_ZONES_ALL)
    zones = choose_zones(now)
    texted = {k: v for k, v in zones.items() if k[1] not in (seed.HS_CONTACT_NADIA, seed.HS_CONTACT_FELIX)}
    assert texted and all(zone not in US_ZONES_ALL for zone in texted.values())
    assert all(_hour(now, zone) in range(10, 17) for zone in texted.values())
    assert zones[("hubspot", seed.HS_CONTACT_NADIA)] == "America/Chicago"  # her own zone: it is night there


def test_given_the_demo_zones_when_written_as_hubspot_hs_timezone_then_the_product_reads_them_back():
    for zone in ZONES:
        ZoneInfo(zone)
        assert iana_zone(hubspot_time_zone(zone)) == zone
    assert hubspot_time_zone("America/New_York") == "america_slash_new_york"


# --- the scenes, read from the demo run -----------------------------------------------------


def test_given_the_demo_when_it_texts_now_then_each_texted_contact_was_in_daytime_in_its_own_zone(
    demo, state, seed
):
    assert demo.ok, demo.transcript
    zones = {
        seed.SF_CONTACT_PRIYA: _sf_contact(state, seed.SF_CONTACT_PRIYA)["SMS_Time_Zone__c"],
        seed.SF_CONTACT_LENA: _sf_contact(state, seed.SF_CONTACT_LENA)["SMS_Time_Zone__c"],
        seed.SF_CONTACT_GRACE: _sf_contact(state, seed.SF_CONTACT_GRACE)["SMS_Time_Zone__c"],  # (r6)
        seed.HS_CONTACT_MARIA: iana_zone(_hs_contact(state, seed.HS_CONTACT_MARIA)["hs_timezone"]),
        seed.HS_CONTACT_RUTH: iana_zone(_hs_contact(state, seed.HS_CONTACT_RUTH)["hs_timezone"]),
        seed.HS2_CONTACT_OLIVIA: iana_zone(  # (m): the second HubSpot portal's contact
            _props(state["hubspot_portals"][seed.HS2_PORTAL_ID]["contacts"][0])["hs_timezone"]
        ),
    }
    sent = [i for i in state["ledger"] if i["pk"].startswith("MSG#") and i["sk"] == "MSG"]
    assert {m["contact_id"] for m in sent} == set(zones)
    for message in sent:
        local = _when(message["sent_at"]).astimezone(ZoneInfo(zones[message["contact_id"]]))
        assert 8 <= local.hour < 21, (message["contact_id"], local)
    assert "the demo gives each contact a time zone where it is daytime now, so that it runs at any hour" in (
        demo.transcript.lower()
    )


def test_given_an_opted_in_contact_where_it_is_night_when_a_deal_moves_to_renewal_offer_then_deferred_to_the_next_0800_local(
    demo, state, seed
):
    nadia = _hs_contact(state, seed.HS_CONTACT_NADIA)
    zone = iana_zone(nadia["hs_timezone"])
    assert nadia["textloop_sms_consent"] == "opted_in"
    row = _deferred_row(state, seed.HS_DEAL_HOOLI)
    assert (row["rule"], row["purpose"], row["zones"], row["states"]) == (
        "renewal_offer",
        "marketing",
        [zone],
        [],
    )
    assert row["reason"].startswith("quiet_hours_")
    at, not_before = _when(row["at"]), _when(row["not_before"])
    local = at.astimezone(ZoneInfo(zone))
    assert local.hour in NIGHT_HOURS
    assert row["local_times"] == {zone: local.isoformat()}
    opening = datetime.combine(local.date(), time(8), tzinfo=ZoneInfo(zone))
    if local.hour >= 8:
        opening += timedelta(days=1)
    assert not_before == opening
    assert row["pending"] and row["schedule"]
    (outcome,) = _outcomes_for(state, seed.HS_DEAL_HOOLI)
    assert (outcome["outcome"], outcome["reason"], outcome["details"]["schedule"]) == (
        "deferred",
        row["reason"],
        row["schedule"],
    )
    assert not _texted(state, _e164(nadia["mobilephone"]))
    (slot,) = [i for i in state["ledger"] if i["sk"] == "SLOT" and i["record_id"] == seed.HS_DEAL_HOOLI]
    assert slot["state"] == "deferred" and _when(slot["not_before"]) == not_before
    section = demo.transcript.split("## (h)", 1)[1].split("\n## ", 1)[0]
    assert zone in section and row["reason"] in section and "Not before:" in section
    assert not_before.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d 08:00") in section


def test_given_a_florida_number_with_three_offers_in_24h_when_a_fourth_is_due_then_deferred_by_the_florida_cap(
    demo, state, seed
):
    felix = _hs_contact(state, seed.HS_CONTACT_FELIX)
    phone = _e164(felix["mobilephone"])
    history = [i for i in state["ledger"] if i["pk"] == f"PHONE#{phone}"]
    assert len(history) == len(SEEDED_HISTORY_HOURS_AGO) == 3
    for item in history:  # seeded exactly as the dispatcher records a sent message
        assert set(item) == SENT_MESSAGE
        assert item["sk"] == f"MSG#{item['sent_at']}#{item['sid']}"
        assert (item["rule"], item["purpose"], item["template"]) == (
            "renewal_offer",
            "marketing",
            "renewal_offer@v2",
        )
        assert item["event_key"].startswith("seed:")
    row = _deferred_row(state, seed.HS_DEAL_VANDELAY)
    assert (row["reason"], row["rule"], row["purpose"]) == ("cap_24h:FL", "renewal_offer", "marketing")
    assert row["states"] == ["FL"] and row["zones"] == ["America/New_York"]
    at, not_before = _when(row["at"]), _when(row["not_before"])
    sent = sorted(_when(i["sent_at"]) for i in history)
    assert all(at - timedelta(hours=24) < t < at for t in sent)
    assert not_before >= sent[0] + timedelta(hours=24)
    assert 8 <= not_before.astimezone(ZoneInfo("America/New_York")).hour < 20  # Florida's window
    assert row["pending"]
    assert not _texted(state, phone)
    assert "seeded history" in demo.transcript


def test_given_a_salesforce_contact_flagged_do_not_call_when_their_case_closes_then_skipped_crm_opted_out_and_no_sms(
    state, seed
):
    hannah = _sf_contact(state, seed.SF_CONTACT_HANNAH)
    assert hannah["DoNotCall"] is True
    (outcome,) = _outcomes_for(state, seed.SF_CASE_BADGE)
    assert (outcome["outcome"], outcome["reason"]) == ("skipped", "crm_opted_out")
    assert outcome["details"]["crm_flag"] == "do_not_call"
    assert outcome["details"]["purpose"] == "transactional"
    assert not _texted(state, _e164(hannah["MobilePhone"]))
    assert not any(t.get("WhatId") == seed.SF_CASE_BADGE for t in state["salesforce"]["Task"])
    case = next(c for c in state["salesforce"]["Case"] if c["Id"] == seed.SF_CASE_BADGE)
    assert case["Status"] == "Closed"


def test_given_a_contact_without_consent_when_a_deal_moves_to_renewal_offer_then_skipped_no_marketing_consent(
    state, seed
):
    ken = _hs_contact(state, seed.HS_CONTACT_KEN)
    assert not ken.get("textloop_sms_consent")
    assert _e164(ken["phone"]) not in {c["phone"] for c in state["consent"]}
    (outcome,) = _outcomes_for(state, seed.HS_DEAL_UMBRELLA)
    assert (outcome["outcome"], outcome["reason"]) == ("skipped", "no_marketing_consent")
    assert (outcome["rule"], outcome["details"]["purpose"]) == ("renewal_offer", "marketing")
    assert not _texted(state, _e164(ken["phone"]))


def test_given_a_revocation_inside_a_sentence_when_posted_then_opted_out_before_the_answer_one_confirmation_and_the_crm_field_written(
    demo, state, seed
):
    (reply,) = [
        r for r in demo.replies if r.body.startswith("Thanks for the help, but please stop texting me")
    ]
    row = next(c for c in state["consent"] if c["phone"] == reply.phone)
    assert row["status"] == "opted_out"
    (entry,) = [h for h in row["history"] if h["evidence"] == reply.sid]
    assert entry["status"] == "opted_out"
    assert _when(reply.posted_at) <= _when(entry["at"]) <= _when(reply.answered_at)  # before the answer
    messages = [m.text for m in ET.fromstring(reply.twiml).iter("Message")]  # noqa: S314 - our own answer
    assert len(messages) == 1 and "unsubscribed" in messages[0]
    maria = _hs_contact(state, seed.HS_CONTACT_MARIA)
    assert maria["textloop_sms_consent"] == "opted_out"
    assert len(_evidence_tasks(state, "hubspot", seed.HS_CONTACT_MARIA, reply.sid)) == 1


def test_given_stop_and_a_plain_language_opt_out_when_routed_then_the_crm_consent_fields_are_written_back_with_evidence(
    demo, state, seed
):
    replies = {r.key: r for r in demo.replies}
    lena, ruth = (
        replies["1"],
        replies["2"],
    )  # STOP (Salesforce case), "please stop texting me" (HubSpot ticket)
    assert _sf_contact(state, seed.SF_CONTACT_LENA)["SMS_Consent__c"] == "opted_out"
    assert len(_evidence_tasks(state, "salesforce", seed.SF_CONTACT_LENA, lena.sid)) == 1
    assert _hs_contact(state, seed.HS_CONTACT_RUTH)["textloop_sms_consent"] == "opted_out"
    assert len(_evidence_tasks(state, "hubspot", seed.HS_CONTACT_RUTH, ruth.sid)) == 1
    untouched = (seed.SF_CONTACT_PRIYA, seed.SF_CONTACT_TOM, seed.SF_CONTACT_HANNAH)
    assert not any(_sf_contact(state, cid).get("SMS_Consent__c") for cid in untouched)


def test_given_the_demo_when_state_json_is_written_then_deferred_has_one_row_per_deferred_event(demo, state):
    deferred = [
        i["pk"][len("EVENT#") :]
        for i in state["ledger"]
        if i["pk"].startswith("EVENT#") and i["sk"] == "OUTCOME" and i["outcome"] == "deferred"
    ]
    assert sorted(r["event_key"] for r in state["deferred"]) == sorted(deferred)
    assert len(deferred) == 2
    for row in state["deferred"]:
        assert set(row) == DEFERRED_ROW
        assert isinstance(row["zones"], list) and isinstance(row["local_times"], dict)
        assert row["pending"] is True
    assert demo.verdict.counts["deferred"] == dict(Counter(r["reason"] for r in state["deferred"]))
    assert json.loads((demo.out_dir / "state.json").read_text())["deferred"] == state["deferred"]


def test_given_the_transcript_when_read_then_consent_and_timing_lists_each_deferral_and_suppression(
    demo, state
):
    section = demo.transcript.split("## Consent and timing", 1)[1].split("\n## ", 1)[0]
    table = [line for line in section.splitlines() if line.startswith("| (")]
    for row in state["deferred"]:
        (line,) = [line for line in table if f"| {row['reason']}" in line and row["rule"] in line]
        assert row["rule"] in line and row["purpose"] in line and row["zones"][0] in line
        assert "pending" in line
    for reason in ("crm_opted_out", "no_marketing_consent", "opted_out"):
        assert any(f"| skipped | {reason}" in line for line in table), reason
    assert len(table) == len(state["deferred"]) + 5  # (e), (j), (k), the later (l) and the renewal (r2)
    for phone in {c["phone"] for c in state["consent"]}:
        assert phone not in demo.transcript
