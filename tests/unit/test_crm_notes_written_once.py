"""Use case: the notes Textloop writes on a contact besides the SMS log — the consent evidence and a
flagged number — appear once per piece of evidence, however often the queue redelivers the message
whose first attempt created the note but never heard back (idempotent by a key the caller has)."""

from __future__ import annotations

import hashlib

import pytest

from tests.support.events import opportunity_to_review
from tests.support.fakes import Crash, FakeCrm, FakeSms, opportunity_context
from tests.unit.test_route_replies import PHONE, intent, reply
from textloop.adapters.dynamodb import DynamoConsentLedger
from textloop.domain.activity_keys import KEY_MAX, activity_key
from textloop.domain.model import ConsentStatus, Outcome, Person, PhoneStatus
from textloop.service_layer.dispatch import Dispatcher
from textloop.service_layer.replies import ReplyRouter

CONTACT = "003Y"


@pytest.fixture
def known(crm: FakeCrm) -> None:
    """Given a contact has the number."""
    crm.contacts.append(Person(CONTACT, "Ana", "Silva", PHONE, owner_id="005REP"))


def test_given_the_consent_tasks_answer_was_lost_when_the_consent_change_is_redelivered_then_one_task(
    known: None, router: ReplyRouter, crm: FakeCrm
) -> None:
    change = {"phone": PHONE, "status": "opted_out", "source": "twilio_error_21610", "evidence": "SM21610x"}
    crm.lose_note_answers = 1
    with pytest.raises(Crash):
        router.consent_sync(change)  # the task was created; the consent writer never heard back
    again = router.consent_sync(change)  # the ConsentQueue redelivers it
    assert again.outcome is Outcome.ROUTED
    assert [(c, s) for c, s, _ in crm.consent_writes] == [(CONTACT, ConsentStatus.OPTED_OUT)]
    assert crm.note_keys == ["consent:SM21610x"]


def test_given_an_opt_out_reply_redelivered_after_a_lost_answer_then_one_consent_task_keyed_by_its_sid(
    known: None, router: ReplyRouter, crm: FakeCrm
) -> None:
    crm.lose_note_answers = 1
    with pytest.raises(Crash):
        router(reply("please stop texting me", sid="SMstop9"), intent("opt_out"))
    result = router(reply("please stop texting me", sid="SMstop9"), intent("opt_out"))
    assert result.details["crm_consent"] == "opted_out"
    assert len(crm.consent_writes) == 1 and crm.note_keys == ["consent:SMstop9"]


def test_given_a_wrong_person_reply_redelivered_after_a_lost_answer_then_the_number_is_flagged_once(
    known: None, router: ReplyRouter, crm: FakeCrm
) -> None:
    crm.lose_note_answers = 1
    with pytest.raises(Crash):
        router(reply("wrong number, not Ana", sid="SMwho1"), intent("wrong_person"))
    router(reply("wrong number, not Ana", sid="SMwho1"), intent("wrong_person"))
    assert [(c, s) for c, s, _ in crm.flags] == [(CONTACT, PhoneStatus.WRONG_PERSON)]
    assert crm.note_keys == ["flag:SMwho1"]


def test_given_a_delivery_failure_redelivered_after_a_lost_answer_then_the_number_is_flagged_once(
    texted: None, router: ReplyRouter, crm: FakeCrm
) -> None:
    sid = crm.logged[0].sid
    failure = {"sid": sid, "error_code": "30003", "phone": PHONE}
    crm.lose_note_answers = 1
    with pytest.raises(Crash):
        router.delivery_failure(failure)
    assert router.delivery_failure(failure).reason == "phone_unreachable"
    assert [s for _, s, _ in crm.flags] == [PhoneStatus.UNREACHABLE]
    assert crm.note_keys == [f"flag:{sid}:30003"]


def test_given_twilio_21610_on_a_send_then_the_consent_task_is_keyed_by_the_ledgers_evidence(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, consent: DynamoConsentLedger
) -> None:
    crm.add(opportunity_context())
    sms.unsubscribed.add(PHONE)
    assert dispatcher(opportunity_to_review()).reason == "opted_out"
    (change,) = consent.history(PHONE)
    assert change.evidence.startswith("send:")
    # the same key the consent sync of that ledger change uses: one evidence, one task
    assert crm.note_keys == [activity_key("consent", change.evidence)]
    assert len(crm.note_keys[0]) <= KEY_MAX and len(crm.consent_writes) == 1


def test_given_parts_longer_than_the_crm_field_then_the_key_is_a_stable_hash_within_it() -> None:
    long = "send:" + "e" * 300
    key = activity_key("consent", long)
    assert len(key) == KEY_MAX and key == activity_key("consent", long)
    assert key == f"consent:{hashlib.sha256(f'consent:{long}'.encode()).hexdigest()}"[:KEY_MAX]
    assert activity_key("consent", long + "f") != key
    assert activity_key("flag", "SM1", "30003") == "flag:SM1:30003"


def test_given_an_empty_part_then_no_key_is_made() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        activity_key("consent", "")
