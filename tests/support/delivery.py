"""Delivering an event the way SQS may: again and again."""

from __future__ import annotations

import time

from textloop.domain.errors import InProgress
from textloop.domain.model import Outcome, TriggerEvent
from textloop.service_layer.dispatch import Dispatcher


def deliver_like_sqs(dispatcher: Dispatcher, event: TriggerEvent, attempts: int = 50) -> Outcome:
    """Redeliver while the dispatcher says another delivery holds the event (SQS would)."""
    for _ in range(attempts):
        try:
            return dispatcher(event).outcome
        except InProgress:
            time.sleep(0.05)
    raise AssertionError(f"{event.event_key} never completed")


def deliver_three_times(dispatcher: Dispatcher, event: TriggerEvent) -> list[Outcome]:
    return [dispatcher(event).outcome for _ in range(3)]
