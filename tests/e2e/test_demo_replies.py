"""`textloop demo`, the closed loop: replies posted to ``POST /twilio/inbound`` as Twilio posts them.

Reads the state of the tier's single demo run (``conftest.py``): the ConsentTable, the ledger, the
CRM emulators — never what the script meant to do. ``demo.replies`` only says what was posted
(the sid, the sender) and the HTTP answer the webhook gave.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.e2e


def _props(record: dict) -> dict:
    return {**record, **(record.get("properties") or {})}


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


@pytest.fixture(scope="module")
def replies(demo) -> dict:
    return {r.key: r for r in demo.replies}


def _inbound_outcome(state: dict, sid: str) -> dict:
    (item,) = [i for i in state["ledger"] if i["pk"] == f"EVENT#in:{sid}" and i["sk"] == "OUTCOME"]
    return item


def _outbound_message(state: dict, phone: str) -> dict:
    """The SMS a reply answers: the latest sent to the number (Lena and Ruth also got a renewal text
    earlier, in the morning's renewal scan)."""
    sent = [i for i in state["ledger"] if i["pk"].startswith("MSG#") and i.get("phone") == phone]
    assert sent
    return max(sent, key=lambda i: str(i["sent_at"]))


def _sf_activity(state: dict, sid: str) -> dict | None:
    return next(
        (t for t in state["salesforce"]["Task"] if f"Twilio SID {sid}" in (t.get("Description") or "")), None
    )


def _hs_activity(state: dict, sid: str) -> dict | None:
    return next(
        (
            c
            for c in state["hubspot"]["communications"]
            if f"Twilio SID {sid}" in _props(c).get("hs_communication_body", "")
        ),
        None,
    )


def _associated_ids(record: dict, object_type: str) -> set[str]:
    return {link["id"] for link in (record.get("associations") or {}).get(object_type, [])}


def _task(state: dict, task_id: str) -> tuple[str, dict]:
    for task in state["salesforce"]["Task"]:
        if task["Id"] == task_id:
            return "salesforce", task
    for task in state["hubspot"]["tasks"]:
        if task["id"] == task_id:
            return "hubspot", _props(task)
    raise AssertionError(f"task {task_id} not in either CRM")


def _priority_and_due(crm: str, task: dict) -> tuple[str, datetime]:
    if crm == "salesforce":
        return task["Priority"].lower(), _when(task["ReminderDateTime"])
    return {"HIGH": "high", "MEDIUM": "normal", "LOW": "low"}[task["hs_task_priority"]], _when(
        task["hs_timestamp"]
    )


def test_given_the_demo_with_replies_when_it_ends_then_it_passes_its_own_checks(demo):
    assert demo.ok, demo.transcript
    assert len(demo.replies) == 8
    assert all(r.http_status == 200 for r in demo.replies)


def test_given_stop_and_a_natural_language_opt_out_when_posted_then_the_consent_table_holds_both_with_evidence(
    state, replies
):
    consent = {c["phone"]: c for c in state["consent"]}
    for key in ("1", "2"):
        reply = replies[key]
        row = consent[reply.phone]
        assert row["status"] == "opted_out"
        (entry,) = [h for h in row["history"] if h["evidence"] == reply.sid]
        assert entry["status"] == "opted_out"
        assert entry["source"] == "twilio_inbound"
        assert entry["at"]
        assert _inbound_outcome(state, reply.sid)["details"]["intent"] == "opt_out"
    assert replies["1"].body == "STOP"
    assert replies["2"].body == "please stop texting me"
    assert replies["1"].phone != replies["2"].phone


def test_given_replies_to_texts_when_routed_then_each_is_logged_on_the_record_of_the_sms_it_answers(
    state, replies
):
    answered = [r for r in replies.values() if r.key != "7"]
    for reply in answered:
        message = _outbound_message(state, reply.phone)
        if message["crm"] == "salesforce":
            activity = _sf_activity(state, reply.sid)
            assert activity is not None, reply.key
            assert activity["Subject"].startswith("SMS received")
            assert activity["WhatId"] == message["record_id"], reply.key
            assert activity["WhoId"] == message["contact_id"], reply.key
            outbound = _sf_activity(state, message["sid"])
            tasks = state["salesforce"]["Task"]
            assert tasks.index(outbound) < tasks.index(activity)  # the thread reads in order
        else:
            activity = _hs_activity(state, reply.sid)
            assert activity is not None, reply.key
            kind = {"deal": "deals", "ticket": "tickets"}[message["object_type"]]
            assert message["record_id"] in _associated_ids(activity, kind), reply.key
            assert message["contact_id"] in _associated_ids(activity, "contacts"), reply.key
            outbound = _hs_activity(state, message["sid"])
            assert _when(_props(outbound)["hs_timestamp"]) < _when(_props(activity)["hs_timestamp"])
        assert _inbound_outcome(state, reply.sid)["details"]["how"] == "conversation"


def test_given_a_buying_signal_and_a_meeting_request_when_routed_then_high_tasks_due_five_minutes_after_receipt(
    state, replies
):
    for key, intent in (("3", "buying_signal"), ("4", "meeting")):
        reply = replies[key]
        outcome = _inbound_outcome(state, reply.sid)
        assert outcome["details"]["intent"] == intent
        crm, task = _task(state, outcome["details"]["task_id"])
        priority, due = _priority_and_due(crm, task)
        assert priority == "high"
        received = (
            _when(_props(_hs_activity(state, reply.sid))["hs_timestamp"])
            if crm == "hubspot"
            else _when(reply.posted_at)
        )
        if crm == "hubspot":  # the logged reply carries the exact receipt time
            assert abs(due - (received + timedelta(minutes=5))) < timedelta(milliseconds=2)
        assert _when(reply.posted_at) - timedelta(seconds=1) <= due - timedelta(minutes=5)
        assert due - timedelta(minutes=5) <= _when(reply.answered_at) + timedelta(seconds=1)
        message = _outbound_message(state, reply.phone)
        if crm == "hubspot":
            assert message["record_id"] in json.dumps(state["hubspot"]["tasks"])


def test_given_a_wrong_number_when_routed_then_a_low_task_next_business_day_and_the_contact_is_flagged(
    state, replies, seed
):
    reply = replies["5"]
    outcome = _inbound_outcome(state, reply.sid)
    assert outcome["details"]["intent"] == "wrong_person"
    crm, task = _task(state, outcome["details"]["task_id"])
    priority, due = _priority_and_due(crm, task)
    assert priority == "low"
    new_york = ZoneInfo("America/New_York")  # the default routing's business hours: 09:00-17:00
    assert due.astimezone(new_york).strftime("%H:%M") == "09:00"
    assert due.astimezone(new_york).date() > _when(reply.posted_at).astimezone(new_york).date()
    message = _outbound_message(state, reply.phone)
    assert message["contact_id"] == seed.SF_CONTACT_PRIYA
    priya = next(c for c in state["salesforce"]["Contact"] if c["Id"] == seed.SF_CONTACT_PRIYA)
    assert priya["SMS_Phone_Status__c"] == "wrong_person"
    others = [c for c in state["salesforce"]["Contact"] if c["Id"] != seed.SF_CONTACT_PRIYA]
    assert not any(c.get("SMS_Phone_Status__c") for c in others)


def test_given_help_when_posted_then_the_twiml_answer_carries_the_ctia_phrases(demo, replies):
    import xml.etree.ElementTree as ET

    reply = replies["6"]
    assert reply.content_type.startswith("text/xml")
    (message,) = [m.text for m in ET.fromstring(reply.twiml).iter("Message")]  # noqa: S314 - our own answer
    assert "Reply STOP to opt out" in message
    assert "Msg & data rates may apply" in message
    assert "Acme Cloud" in message
    assert "Msg &amp; data rates may apply" in demo.transcript  # the TwiML as answered
    assert "Msg & data rates may apply" in demo.transcript  # and as the sender reads it


def test_given_a_reply_from_an_unknown_number_when_routed_then_a_triage_task_and_no_record_touched(
    state, replies
):
    reply = replies["7"]
    outcome = _inbound_outcome(state, reply.sid)
    assert outcome["details"]["how"] == "triage"
    assert outcome["activity_id"] == ""
    crm, task = _task(state, outcome["details"]["task_id"])
    subject = task["Subject"] if crm == "salesforce" else task["hs_task_subject"]
    assert "triage" in subject.lower()
    assert reply.phone not in subject
    assert _sf_activity(state, reply.sid) is None and _hs_activity(state, reply.sid) is None


def test_given_a_later_trigger_for_an_opted_out_number_when_dispatched_then_skipped_opted_out_and_no_sms(
    demo, state, replies, seed
):
    (step,) = demo.later
    outcomes = [
        o for o in state["ledger"] if o["pk"].startswith("EVENT#") and f":{step.record_id}" in o["pk"]
    ]
    assert [(o["outcome"], o["reason"]) for o in outcomes] == [("skipped", "opted_out")]
    case = next(c for c in state["salesforce"]["Case"] if c["Id"] == step.record_id)
    assert case["ContactId"] == seed.SF_CONTACT_LENA and case["Status"] == "Closed"
    lena = replies["1"].phone  # she replied STOP
    assert (
        len([m for m in state["sms"] if (m.get("to") or m.get("To")) == lena]) == 2
    )  # only the two before STOP: her renewal text (r1) and the case (b)
    assert len(state["sms"]) == 8  # (r1), (r4), (r6), (a)-(d) and (m)
    assert not any(t.get("WhatId") == step.record_id for t in state["salesforce"]["Task"])


def test_given_the_demo_when_state_json_is_written_then_it_has_consent_and_inbound(state, replies):
    assert state["consent"]
    inbound = {row["sid"]: row for row in state["inbound"]}
    assert set(inbound) == {r.sid for r in replies.values()}
    for reply in replies.values():
        row = inbound[reply.sid]
        assert row["from"] == "+*******" + reply.phone[-4:]
        assert row["intent"]
    assert inbound[replies["3"].sid]["priority"] == "high" and inbound[replies["3"].sid]["due"]
    assert inbound[replies["3"].sid]["routed_to"].startswith("hubspot:deal:")
    assert inbound[replies["7"].sid]["how"] == "triage"


def test_given_the_transcript_when_read_then_reply_numbers_are_masked_and_threads_shown(demo, replies):
    for reply in replies.values():
        assert reply.phone not in demo.transcript
        assert reply.phone[2:] not in demo.transcript  # not even without the country code
        assert "+*******" + reply.phone[-4:] in demo.transcript
    assert "## Threads by record" in demo.transcript
    assert "← received" in demo.transcript and "→ sent" in demo.transcript
    assert "## Consent (ConsentTable)" in demo.transcript


def test_given_the_watchdog_invoked_when_nothing_is_overdue_then_nothing_escalated_and_the_transcript_says_why(
    demo, state
):
    assert demo.watchdog is not None and not demo.watchdog.error
    assert demo.watchdog.result == {"checked": 0, "escalated": 0}
    open_tasks = [i for i in state["ledger"] if i["pk"] == "SLA#OPEN"]
    # buying signal, meeting, wrong number, triage: the one due first completed in time (its later check
    # in test_demo_first_response), the three others still open
    assert len(open_tasks) == 3 and demo.first_response is not None
    assert demo.first_response.task_id not in {i["task_id"] for i in open_tasks}
    assert all(_when(i["due"]) > _when(demo.watchdog.at) for i in open_tasks)
    assert "Escalation is **not shown**" in demo.transcript
