"""Delivering an event the way SQS may: again and again."""

from __future__ import annotations

from textloop.domain.model import Outcome, TriggerEvent
from textloop.service_layer.dispatch import Dispatcher


def deliver_three_times(dispatcher: Dispatcher, event: TriggerEvent) -> list[Outcome]:
    return [dispatcher(event).outcome for _ in range(3)]
