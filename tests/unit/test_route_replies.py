"""Use case: a reply lands on the record it answers and becomes an owner task with an SLA."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.support.fakes import FakeCrm
from textloop.domain.model import Outcome, Person, PhoneStatus, TaskPriority
from textloop.service_layer.replies import ReplyRouter

PHONE = "+14155550132"
TUESDAY_10AM_ET = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def reply(body: str, *, sid: str = "SMin0001", sender: str = PHONE, media: int = 0) -> dict[str, object]:
    return {
        "sid": sid,
        "sender": sender,
        "to": "+14155550100",
        "body": body,
        "num_media": media,
        "media_types": ["image/jpeg"] * media,
        "opt_out_type": None,
        "received_at": TUESDAY_10AM_ET.isoformat(),
    }


def intent(name: str) -> dict[str, object]:
    return {"intent": name, "opt_out": name == "opt_out", "confidence": 0.9}


def test_given_a_buying_signal_then_it_is_logged_on_the_opportunity_and_a_high_task_is_due_in_5_minutes(
    texted: None, router: ReplyRouter, crm: FakeCrm
) -> None:
    result = router(reply("what would 50 seats cost?"), intent("buying_signal"))
    assert result.outcome is Outcome.ROUTED
    inbound = crm.logged[-1]
    assert inbound.direction == "inbound" and inbound.record == crm.logged[0].record
    assert inbound.subject.startswith("SMS received") and inbound.body == "what would 50 seats cost?"
    ((task_id, task),) = crm.tasks.items()
    assert task.priority is TaskPriority.HIGH
    assert task.due.isoformat() == "2026-11-24T15:05:00+00:00"
    assert (task.owner_id, task.contact_id, task.record) == (
        "005000000000001AAA",
        "003000000000001AAA",
        inbound.record,
    )
    assert "what would 50 seats cost?" in task.body and "Suggested next step" in task.body
    assert result.details["task_id"] == task_id


def test_given_a_question_then_normal_priority_due_in_30_business_minutes(
    texted: None, router: ReplyRouter, crm: FakeCrm
) -> None:
    router(reply("does it work with Outlook?"), intent("question"))
    (task,) = crm.tasks.values()
    assert task.priority is TaskPriority.NORMAL and task.due.isoformat() == "2026-11-24T10:30:00-05:00"


@pytest.mark.parametrize("name", ["acknowledgement", "out_of_office", "opt_out", "help"])
def test_given_replies_that_need_no_follow_up_then_logged_without_a_task(
    texted: None, router: ReplyRouter, crm: FakeCrm, name: str
) -> None:
    router(reply("ok thanks"), intent(name))
    assert crm.tasks == {} and crm.logged[-1].direction == "inbound"


def test_given_a_wrong_person_then_a_low_task_next_business_day_and_the_number_is_flagged(
    texted: None, router: ReplyRouter, crm: FakeCrm
) -> None:
    router(reply("wrong number, I'm not Maya"), intent("wrong_person"))
    (task,) = crm.tasks.values()
    assert task.priority is TaskPriority.LOW and task.due.isoformat() == "2026-11-25T09:00:00-05:00"
    assert crm.flags == [("003000000000001AAA", PhoneStatus.WRONG_PERSON, crm.flags[0][2])]


def test_given_twilio_retries_the_same_message_then_it_is_routed_once(
    texted: None, router: ReplyRouter, crm: FakeCrm
) -> None:
    first = router(reply("can we meet thursday?"), intent("meeting"))
    again = router(reply("can we meet thursday?"), intent("meeting"))
    assert (first.outcome, again.outcome) == (Outcome.ROUTED, Outcome.DUPLICATE)
    assert len(crm.tasks) == 1


def test_given_no_conversation_but_one_contact_with_the_number_then_logged_on_that_contact(
    router: ReplyRouter, crm: FakeCrm
) -> None:
    crm.contacts.append(Person("003X", "Ana", "Silva", "(415) 555-0132", owner_id="005OWNER"))
    router(reply("hi, who is this?"), intent("question"))
    assert crm.logged[-1].record is None and crm.logged[-1].contact_id == "003X"
    (task,) = crm.tasks.values()
    assert task.owner_id == "005OWNER" and task.contact_id == "003X"


@pytest.mark.parametrize("matches", [0, 2])
def test_given_an_unknown_or_ambiguous_number_then_a_triage_task_and_nothing_lost(
    router: ReplyRouter, crm: FakeCrm, matches: int
) -> None:
    crm.contacts.extend(Person(f"003{n}", "Twin", str(n), "+1 415 555 0132") for n in range(matches))
    result = router(reply("", media=2), intent("acknowledgement"))
    (task,) = crm.tasks.values()
    assert task.subject.startswith("SMS triage") and task.contact_id is None
    assert "2 media attachment(s)" in task.body
    assert result.details["how"] == "triage"
