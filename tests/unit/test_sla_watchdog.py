"""Use case: a reply task still open after its SLA is escalated once, to the configured manager."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3

from tests.support.clock import Clock
from tests.support.fakes import FakeCrm
from tests.unit.test_route_replies import intent, reply
from textloop.adapters.dynamodb import DynamoConversations, DynamoEventOutcomes, DynamoSlaTasks
from textloop.domain.model import Person, TaskPriority
from textloop.domain.rules import RuleSet
from textloop.service_layer.replies import ReplyRouter, SlaWatchdog
from textloop_local.report import _task as report_task


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
    crm.complete_task(task_id, clock.now)
    clock.advance(minutes=10)
    assert _watchdog(tasks, crm, clock)() == [{"task": task_id, "outcome": "done"}]
    assert len(crm.tasks) == 1


def _sla_item(aws: dict[str, str], task_id: str) -> dict[str, Any]:
    item = boto3.client("dynamodb").get_item(
        TableName=aws["StateTable"], Key={"pk": {"S": f"TASK#salesforce#{task_id}"}, "sk": {"S": "SLA"}}
    )["Item"]
    return {name: value.get("S", value.get("N")) for name, value in item.items()}


def test_given_the_rep_completed_the_task_before_its_due_time_then_the_sla_item_keeps_the_crm_completion_instant(
    aws: dict[str, str],
    outcomes: DynamoEventOutcomes,
    conversations: DynamoConversations,
    tasks: DynamoSlaTasks,
    crm: FakeCrm,
    clock: Clock,
) -> None:
    clock.now = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    task_id = _routed_meeting_request(outcomes, conversations, tasks, crm, clock)
    crm.complete_task(task_id, datetime(2026, 11, 24, 15, 3, 17, tzinfo=UTC))
    clock.advance(minutes=6)
    assert _watchdog(tasks, crm, clock)() == [{"task": task_id, "outcome": "done"}]
    item = _sla_item(aws, task_id)
    assert item["outcome"] == "done"
    assert item["completed_at"] == "2026-11-24T15:03:17.000000+00:00"  # the CRM's instant, not the check's
    assert item["at"] == "2026-11-24T15:06:00.000000+00:00"
    report = report_task(item["pk"], item)
    assert report.completed_at == datetime(2026, 11, 24, 15, 3, 17, tzinfo=UTC)


def test_given_a_completed_task_whose_crm_gives_no_instant_then_done_without_completion(
    aws: dict[str, str],
    outcomes: DynamoEventOutcomes,
    conversations: DynamoConversations,
    tasks: DynamoSlaTasks,
    crm: FakeCrm,
    clock: Clock,
) -> None:
    clock.now = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    task_id = _routed_meeting_request(outcomes, conversations, tasks, crm, clock)
    crm.complete_task(task_id, None)
    clock.advance(minutes=6)
    assert _watchdog(tasks, crm, clock)() == [{"task": task_id, "outcome": "done"}]
    assert "completed_at" not in _sla_item(aws, task_id)


def test_given_the_task_was_deleted_in_the_crm_then_done_without_completion(
    aws: dict[str, str],
    outcomes: DynamoEventOutcomes,
    conversations: DynamoConversations,
    tasks: DynamoSlaTasks,
    crm: FakeCrm,
    clock: Clock,
) -> None:
    clock.now = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    task_id = _routed_meeting_request(outcomes, conversations, tasks, crm, clock)
    del crm.tasks[task_id]  # RecordNotFound from the CRM
    clock.advance(minutes=6)
    assert _watchdog(tasks, crm, clock)() == [{"task": task_id, "outcome": "done"}]
    assert "completed_at" not in _sla_item(aws, task_id)


def test_given_an_escalated_task_then_the_sla_item_has_no_completion(
    aws: dict[str, str],
    outcomes: DynamoEventOutcomes,
    conversations: DynamoConversations,
    tasks: DynamoSlaTasks,
    crm: FakeCrm,
    clock: Clock,
) -> None:
    clock.now = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    task_id = _routed_meeting_request(outcomes, conversations, tasks, crm, clock)
    clock.advance(minutes=6)
    (handled,) = _watchdog(tasks, crm, clock)()
    assert handled["outcome"] == "escalated"
    item = _sla_item(aws, task_id)
    assert item["outcome"].startswith("escalated:") and "completed_at" not in item
