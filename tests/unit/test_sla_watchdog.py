"""Use case: a reply task still open after its SLA is escalated once, to the configured manager."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support.fakes import FakeCrm
from tests.unit.conftest import Clock
from tests.unit.test_route_replies import intent, reply
from textloop.adapters.dynamodb import DynamoConversations, DynamoEventOutcomes, DynamoSlaTasks
from textloop.domain.model import Person, TaskPriority
from textloop.domain.rules import RuleSet
from textloop.service_layer.replies import ReplyRouter, SlaWatchdog


def _routed_meeting_request(
    outcomes: DynamoEventOutcomes,
    conversations: DynamoConversations,
    tasks: DynamoSlaTasks,
    crm: FakeCrm,
    clock: Clock,
) -> str:
    routing = RuleSet.load().routing
    assert routing is not None
    crm.contacts.append(Person("003X", "Ana", "Silva", "+14155550132", owner_id="005REP"))
    ReplyRouter(routing, lambda _crm, _account: crm, ("salesforce",), outcomes, conversations, tasks, clock)(
        reply("call me at 3?"), intent("meeting")
    )
    return next(iter(crm.tasks))


def _watchdog(tasks: DynamoSlaTasks, crm: FakeCrm, clock: Clock) -> SlaWatchdog:
    routing = RuleSet.load().routing
    assert routing is not None
    routing = routing.model_copy(update={"escalate_to": {"salesforce": "005MANAGER"}})
    return SlaWatchdog(routing, lambda _crm, _account: crm, tasks, clock)


def test_given_an_open_task_past_its_due_time_then_escalated_once_to_the_manager(
    outcomes: DynamoEventOutcomes,
    conversations: DynamoConversations,
    tasks: DynamoSlaTasks,
    crm: FakeCrm,
    clock: Clock,
) -> None:
    clock.now = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    task_id = _routed_meeting_request(outcomes, conversations, tasks, crm, clock)
    watchdog = _watchdog(tasks, crm, clock)
    clock.advance(minutes=4)
    assert watchdog() == []  # not due yet
    clock.advance(minutes=2)
    (handled,) = watchdog()
    assert handled["outcome"] == "escalated" and handled["task"] == task_id
    escalation = crm.tasks[handled["escalation"]]
    assert escalation.owner_id == "005MANAGER" and escalation.priority is TaskPriority.HIGH
    assert escalation.subject.startswith("SLA missed")
    clock.advance(minutes=30)
    assert watchdog() == [] and len(crm.tasks) == 2  # once


def test_given_the_rep_completed_the_task_in_time_then_no_escalation(
    outcomes: DynamoEventOutcomes,
    conversations: DynamoConversations,
    tasks: DynamoSlaTasks,
    crm: FakeCrm,
    clock: Clock,
) -> None:
    clock.now = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    task_id = _routed_meeting_request(outcomes, conversations, tasks, crm, clock)
    crm.closed_tasks.add(task_id)
    clock.advance(minutes=10)
    assert _watchdog(tasks, crm, clock)() == [{"task": task_id, "outcome": "done"}]
    assert len(crm.tasks) == 1
