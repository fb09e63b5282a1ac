"""Use case: the owner task a reply asks for, and the escalation of a task past its SLA, each appear once
in the CRM, however often the reply is redelivered or the watchdog runs again after a first attempt that
created the task but never heard back (keyed by the reply's SID / the escalated task's id)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.support.clock import Clock
from tests.support.fakes import Crash, FakeCrm
from tests.unit.test_route_replies import PHONE, intent, reply
from tests.unit.test_sla_watchdog import _routed_meeting_request, _watchdog
from textloop.adapters.dynamodb import DynamoConversations, DynamoEventOutcomes, DynamoSlaTasks
from textloop.domain.model import Outcome, Person
from textloop.service_layer.replies import ReplyRouter


def test_given_the_tasks_answer_was_lost_when_the_reply_is_redelivered_then_one_task_keyed_by_its_sid(
    router: ReplyRouter, crm: FakeCrm
) -> None:
    # Given a known contact whose reply asks for a call, and a CRM that loses its answer once
    crm.contacts.append(Person("003Y", "Ana", "Silva", PHONE, owner_id="005REP"))
    crm.lose_task_answers = 1
    with pytest.raises(Crash):
        router(reply("can you call me at 3?", sid="SMcall7"), intent("meeting"))

    # When the InboundQueue redelivers the reply
    result = router(reply("can you call me at 3?", sid="SMcall7"), intent("meeting"))

    # Then the task made the first time is the reply's task, and no second one exists
    assert result.outcome is Outcome.ROUTED
    (task_id,) = crm.tasks
    assert result.details["task_id"] == task_id
    assert crm.tasks[task_id].key == "task:SMcall7"


def test_given_the_escalations_answer_was_lost_when_the_watchdog_runs_again_then_one_escalation(
    outcomes: DynamoEventOutcomes,
    conversations: DynamoConversations,
    tasks: DynamoSlaTasks,
    crm: FakeCrm,
    clock: Clock,
) -> None:
    # Given a reply task past its due time, and a CRM that loses the escalation's answer once
    clock.now = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    task_id = _routed_meeting_request(outcomes, conversations, tasks, crm, clock)
    watchdog = _watchdog(tasks, crm, clock)
    clock.advance(hours=1)
    crm.lose_task_answers = 1
    with pytest.raises(Crash):
        watchdog()

    # When the next scheduled run finds the task still watched
    (handled,) = watchdog()

    # Then it escalates through the task it already made: one escalation in the CRM
    assert handled["outcome"] == "escalated" and handled["task"] == task_id
    assert len(crm.tasks) == 2
    assert crm.tasks[handled["escalation"]].key == f"escalation:{task_id}"
