"""`textloop demo`, the renewal window: the renewal scanner invoked through the local stack over the seed.

Reads the state of the tier's single demo run (``conftest.py``): the ledger's outcomes, the Twilio
emulator, the CRM emulators, the TriggerQueue deliveries. ``demo.renewals`` only says what was done
(the records the seed holds, each scan's answer and the SMS count around it).
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest

pytestmark = pytest.mark.e2e


def _outcomes_for(state: dict, record_id: str) -> list[dict]:
    return [
        i
        for i in state["ledger"]
        if str(i["pk"]).startswith("EVENT#renewal:") and i["sk"] == "OUTCOME" and f":{record_id}:" in i["pk"]
    ]


def _phone(seed, crm: str, contact_id: str) -> str:
    from textloop.domain.phone import to_e164

    if crm == "salesforce":
        contact = next(c for c in seed.SALESFORCE["Contact"] if c["Id"] == contact_id)
        return to_e164(contact.get("MobilePhone") or contact["Phone"])
    props = next(c for c in seed.HUBSPOT["contacts"] if c["id"] == contact_id)["properties"]
    return to_e164(props.get("mobilephone") or props["phone"])


def _messages_for(state: dict, record_id: str) -> list[dict]:
    return [m for m in state["messages"] if m["record"].endswith(f":{record_id}")]


def _deliveries(demo) -> list[dict]:
    lines = (demo.out_dir / "deliveries.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.mark.parametrize(
    ("crm", "record", "decision_maker", "seats", "rule"),
    [
        (
            "salesforce",
            "SF_OPPORTUNITY_ACME_RENEWAL",
            "SF_CONTACT_LENA",
            "Seats used: 182 of 200.",
            "renewal_window",
        ),
        ("hubspot", "HS_DEAL_INITECH_RENEWAL", "HS_CONTACT_RUTH", "Seats used: 41 of 50.", "renewal_window"),
        ("salesforce", "SF_CONTRACT_SOYLENT", "SF_CONTACT_GRACE", "Seats used: 57/60.", "contract_renewal"),
    ],
)
def test_given_a_renewal_inside_its_window_when_scanned_then_its_decision_maker_is_texted_once(
    demo, state, seed, crm, record, decision_maker, seats, rule
):
    record_id, contact_id = getattr(seed, record), getattr(seed, decision_maker)
    (outcome,) = _outcomes_for(state, record_id)
    assert (outcome["outcome"], outcome["rule"]) == ("sent", rule)
    (message,) = _messages_for(state, record_id)
    assert message["sid"] == outcome["sid"]
    assert message["contact_id"] == contact_id  # the decision maker, not the primary contact
    assert message["purpose"] == "marketing"
    (sms,) = [m for m in state["sms"] if m["sid"] == outcome["sid"]]
    assert sms["to"] == _phone(seed, crm, contact_id)
    first_name = next(
        c.get("FirstName") or c.get("properties", {}).get("firstname")
        for c in (*seed.SALESFORCE["Contact"], *seed.HUBSPOT["contacts"])
        if contact_id in (c.get("Id"), c.get("id"))
    )
    assert f"Hi {first_name}," in sms["body"] and seats in sms["body"]
    assert "Reply STOP to opt out." in sms["body"]


def test_given_the_acme_renewal_when_texted_then_not_to_priya_its_primary_contact(state, seed):
    priya = _phone(seed, "salesforce", seed.SF_CONTACT_PRIYA)
    assert not [
        m for m in _messages_for(state, seed.SF_OPPORTUNITY_ACME_RENEWAL) if m["to"].endswith(priya[-4:])
    ]


def test_given_the_decision_makers_when_texted_then_each_had_a_recorded_opt_in_before(state, seed):
    lena = _phone(seed, "salesforce", seed.SF_CONTACT_LENA)
    (row,) = [c for c in state["consent"] if c["phone"] == lena]
    opted_in = [h for h in row["history"] if h["status"] == "opted_in"]
    (message,) = _messages_for(state, seed.SF_OPPORTUNITY_ACME_RENEWAL)
    assert opted_in and datetime.fromisoformat(opted_in[0]["at"]) < datetime.fromisoformat(message["sent_at"])
    assert row["status"] == "opted_out"  # she replied STOP later (reply 1): the ledger keeps both


@pytest.mark.parametrize(
    "record", ["SF_OPPORTUNITY_ACME_LATER", "HS_DEAL_UMBRELLA_RENEWAL", "SF_CONTRACT_SOYLENT_LATER"]
)
def test_given_a_renewal_outside_every_window_when_scanned_then_it_is_untouched(demo, state, seed, record):
    record_id = getattr(seed, record)
    assert _outcomes_for(state, record_id) == []
    assert _messages_for(state, record_id) == []
    assert not [d for d in _deliveries(demo) if record_id in d["body"]]  # never queued
    step = next(s for s in demo.renewals.steps if s.record_id == record_id)
    assert step.expect == "untouched"


def test_given_a_do_not_call_contact_when_their_renewal_is_due_then_skipped_crm_opted_out(state, seed):
    (outcome,) = _outcomes_for(state, seed.SF_OPPORTUNITY_GLOBEX_RENEWAL)
    assert (outcome["outcome"], outcome["reason"]) == ("skipped", "crm_opted_out")
    assert outcome["details"]["crm_flag"] == "do_not_call"
    assert outcome["details"]["purpose"] == "marketing"
    hannah = _phone(seed, "salesforce", seed.SF_CONTACT_HANNAH)
    assert not [m for m in state["sms"] if m["to"] == hannah]


def test_given_the_scan_run_a_second_time_when_drained_then_nobody_is_texted(demo, state, seed):
    first, second = demo.renewals.scans
    assert not first.error and not second.error
    assert (first.result["found"], first.result["queued"], first.result["already"]) == (4, 4, 0)
    assert (second.result["found"], second.result["queued"], second.result["already"]) == (4, 0, 4)
    assert first.sms_after - first.sms_before == 3
    assert second.sms_after == second.sms_before
    # every tenant was scanned (the second HubSpot portal too: it has no renewal due), none failed
    assert first.result["failed"] == [] and f"hubspot:{seed.HS2_PORTAL_ID}" in first.result["tenants"]
    for record in (
        seed.SF_OPPORTUNITY_ACME_RENEWAL,
        seed.HS_DEAL_INITECH_RENEWAL,
        seed.SF_OPPORTUNITY_GLOBEX_RENEWAL,
        seed.SF_CONTRACT_SOYLENT,
    ):
        assert len(_outcomes_for(state, record)) == 1  # one event key per record and window, handled once
        queued = [
            d for d in _deliveries(demo) if d["function"] == "DispatcherFunction" and record in d["body"]
        ]
        assert len(queued) == 1  # queued once in all (the link click goes on the InboundQueue)
    assert len([m for m in state["messages"] if m["rule"] == "renewal_window"]) == 2
    assert len([m for m in state["messages"] if m["rule"] == "contract_renewal"]) == 1


def test_given_every_sms_when_state_json_is_written_then_messages_carry_cost_template_version_variant(state):
    from textloop.domain.segments import count

    assert len(state["messages"]) == len(state["sms"])
    for message in state["messages"]:
        assert {"segments", "encoding", "template", "version", "variant", "template_tag"} <= set(message)
        assert (message["segments"], message["encoding"]) == (1, "gsm7"), message
        cost = count(message["body"])
        assert (cost.encoding, cost.segments) == ("gsm7", 1), message["body"]
        assert isinstance(message["version"], int) and message["template_tag"].endswith(
            f"v{message['version']}"
        )
    renewal = {m["template"]: m for m in state["messages"] if m["rule"] == "renewal_window"}
    assert set(renewal) == {"renewal_window_sf_enterprise", "renewal_window_hs"}  # Acme is Enterprise
    assert all(m["version"] == 1 for m in renewal.values())


def test_given_the_transcript_when_read_then_the_renewal_window_section_tells_the_scene(demo, state):
    section = demo.transcript.split("## Renewal window", 1)[1].split("\n## ", 1)[0]
    assert "**Scan 1**" in section and "**Scan 2**" in section
    assert "queued **0**, already handled **4**" in section
    assert section.count("- **Texted** ") == 3
    assert "`crm_opted_out`" in section and "(do_not_call)" in section
    assert section.count("outside every window — no event") == 3
    assert "role “Decision Maker”" in section and "`contract_renewal_sf` v1" in section
    assert "frequency_cap_24h" in section  # why the scan runs before (b) and (d)
    for sms in state["sms"]:
        assert sms["to"] not in section
