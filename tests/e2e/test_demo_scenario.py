"""`textloop demo` end to end: the whole local stack, the scenario, the files it writes.

One demo run for the tier (``conftest.py``: it starts moto, three emulators, the API and the queue
consumers); every test reads the files of that run — what an admin would read. The replies that
follow the triggers are tested in ``test_demo_replies.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

OPP_STAGE = "Negotiation/Review"


def _jsonl(path: Path) -> list[dict]:
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


def _outcomes(state: dict) -> list[dict]:
    return [i for i in state["ledger"] if i["pk"].startswith("EVENT#") and i["sk"] == "OUTCOME"]


def _outcomes_for(state: dict, record_id: str) -> list[dict]:
    return [o for o in _outcomes(state) if f":{record_id}" in o["pk"]]


def _props(record: dict) -> dict:
    return {**record, **(record.get("properties") or {})}


def test_demo_passes_its_own_checks(demo):
    assert demo.ok, demo.transcript
    assert "[ ]" not in demo.transcript


def test_exactly_one_sms_per_trigger(demo, state, seed):
    assert len(state["sms"]) == 8  # the renewals (r1), (r4), (r6); (a)-(d); (m) in the second HubSpot portal
    sent = [o for o in _outcomes(state) if o["outcome"] == "sent"]
    assert len(sent) == 8
    for record_id in (
        seed.SF_OPPORTUNITY_ACME_RENEWAL,
        seed.HS_DEAL_INITECH_RENEWAL,
        seed.SF_OPPORTUNITY_ACME,
        seed.SF_CASE_EXPORT,
        seed.HS_DEAL_INITECH,
        seed.HS_TICKET_SSO,
        seed.HS2_DEAL_GLOBEX,
        seed.SF_CONTRACT_SOYLENT,
    ):
        outcomes = _outcomes_for(state, record_id)
        assert [o["outcome"] for o in outcomes] == ["sent"], record_id
    sids = {o["sid"] for o in sent}
    assert sids == {m.get("sid") or m.get("Sid") for m in state["sms"]}
    assert demo.verdict.counts["sms"] == 8


def test_duplicates_are_suppressed(demo, seed):
    deliveries = _jsonl(demo.out_dir / "deliveries.jsonl")
    dispatched = [d for d in deliveries if d["function"] == "DispatcherFunction"]
    opp = [d for d in dispatched if seed.SF_OPPORTUNITY_ACME in d["body"]]
    assert len(opp) == 3  # Event Relay published the same change event three times
    assert demo.verdict.counts["duplicates_suppressed"] >= 2
    assert "Duplicates suppressed" in demo.transcript


def test_opted_out_and_no_phone_are_skipped_with_reasons(state, seed):
    (globex,) = _outcomes_for(state, seed.SF_OPPORTUNITY_GLOBEX)
    assert (globex["outcome"], globex["reason"]) == ("skipped", "opted_out")
    (no_phone,) = _outcomes_for(state, seed.SF_CASE_NO_PHONE)
    assert no_phone["outcome"] == "skipped"
    assert no_phone["reason"] in ("invalid_phone", "no_recipient")
    tom = next(c for c in seed.SALESFORCE["Contact"] if c["Id"] == seed.SF_CONTACT_TOM)
    opted = {c["phone"]: c for c in state["consent"] if c["status"] == "opted_out"}
    tom_phone = "+1" + "".join(ch for ch in tom["Phone"] if ch.isdigit())[-10:]
    assert tom_phone in opted
    assert opted[tom_phone]["history"]


def test_salesforce_tasks_logged_on_the_right_records(state, seed):
    tasks = [t for t in state["salesforce"]["Task"] if t["Subject"].startswith("SMS sent")]
    by_what = {t["WhatId"]: t for t in tasks}
    assert set(by_what) == {
        seed.SF_OPPORTUNITY_ACME,
        seed.SF_CASE_EXPORT,
        seed.SF_OPPORTUNITY_ACME_RENEWAL,
        seed.SF_CONTRACT_SOYLENT,
    }
    assert by_what[seed.SF_OPPORTUNITY_ACME_RENEWAL]["WhoId"] == seed.SF_CONTACT_LENA  # its Decision Maker
    assert by_what[seed.SF_CONTRACT_SOYLENT]["WhoId"] == seed.SF_CONTACT_GRACE  # its Decision Maker
    assert by_what[seed.SF_OPPORTUNITY_ACME]["WhoId"] == seed.SF_CONTACT_PRIYA
    assert by_what[seed.SF_CASE_EXPORT]["WhoId"] == seed.SF_CONTACT_LENA
    for task in tasks:
        assert task["Subject"].startswith("SMS")
        assert task.get("Description")
    opp = next(o for o in state["salesforce"]["Opportunity"] if o["Id"] == seed.SF_OPPORTUNITY_ACME)
    assert opp["StageName"] == "Closed Won"  # it reached OPP_STAGE, was texted, then won (pipeline outcomes)


def test_hubspot_communications_logged_on_the_right_records(state, seed):
    outbound = [
        c for c in state["hubspot"]["communications"] if "Outbound SMS" in _props(c)["hs_communication_body"]
    ]
    comms = [_props(c) for c in outbound]
    assert len(comms) == 3  # (c), (d) and the renewal (r4)
    assert {c["hs_communication_channel_type"] for c in comms} == {"SMS"}
    text = json.dumps(outbound)
    assert seed.HS_DEAL_INITECH in text
    assert seed.HS_TICKET_SSO in text
    assert seed.HS_DEAL_INITECH_RENEWAL in text


def test_sms_bodies_are_rendered_templates(state):
    bodies = [m.get("body") or m.get("Body") for m in state["sms"]]
    assert all("Reply STOP to opt out." in b for b in bodies)
    (priya,) = [b for b in bodies if "Priya" in b]
    # the body holds the tracked link on the demo's link domain; the stored link's target is the record's
    (code,) = re.findall(r"https://go\.acme\.example/l/([A-Za-z0-9_-]{7,8})(?:\s|$)", priya)
    (link,) = [i for i in state["ledger"] if i["pk"] == f"LINK#{code}" and i["sk"] == "LINK"]
    assert link["target"] == "https://sign.example.com/envelopes/acme-200-seats"
    assert not any("sign.example.com" in b for b in bodies)
    assert not any("{{" in b for b in bodies)


def test_forged_webhook_rejected(demo):
    assert "bad X-HubSpot-Signature-v3" in demo.transcript
    assert "→ **401**" in demo.transcript


def test_request_logs_are_jsonl_with_method_path_query_body(demo):
    for name in ("twilio_requests.jsonl", "salesforce_requests.jsonl", "hubspot_requests.jsonl"):
        entries = _jsonl(demo.out_dir / name)
        assert entries, name
        for entry in entries:
            assert {"method", "path", "query", "body"} <= set(entry), (name, entry)
    twilio = _jsonl(demo.out_dir / "twilio_requests.jsonl")
    sends = [e for e in twilio if e["method"] == "POST" and e["path"].endswith("/Messages.json")]
    assert len(sends) == 8
    # each send names itself in its status callback (?slot=<send id>: domain/reconcile.py)
    assert all(
        isinstance(e["body"], dict)
        and re.search(r"/twilio/status\?slot=[0-9a-f]{32}$", e["body"].get("StatusCallback", ""))
        for e in sends
    )


def test_transcript_masks_phone_numbers(demo, state):
    transcript = (demo.out_dir / "transcript.md").read_text()
    for message in state["sms"]:
        to = message.get("to") or message.get("To")
        assert to not in transcript
        assert to[-4:] in transcript
    for consent in state["consent"]:
        assert consent["phone"] not in transcript


def test_state_json_has_the_local_state_shape(state):
    assert {"sms", "salesforce", "hubspot", "consent", "ledger", "inbound", "deferred"} <= set(state)
    assert state["salesforce"]["Contact"]  # seed records included
    assert state["hubspot"]["deals"]


def test_every_sms_is_one_gsm7_segment_with_its_cost_on_the_message_record(state):
    from textloop.domain.segments import count

    messages = {i["sid"]: i for i in state["ledger"] if i["sk"] == "MSG" and i["pk"].startswith("MSG#")}
    by_phone = {
        i["sid"]: i
        for i in state["ledger"]
        if i["pk"].startswith("PHONE#") and str(i["sk"]).startswith("MSG#")
    }
    assert state["sms"]
    for sms in state["sms"]:
        cost = count(sms["body"])
        assert (cost.encoding, cost.segments) == ("gsm7", 1), sms["body"]
        assert cost.characters <= 160
        assert sms["num_segments"] == "1"
        for record in (messages[sms["sid"]], by_phone[sms["sid"]]):
            assert (int(record["segments"]), record["encoding"]) == (1, "gsm7"), record
            assert record["template_tag"].endswith(record["template"].rsplit("@", 1)[1])
