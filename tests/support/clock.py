"""A controlled clock for the dispatcher and its fakes: tests never depend on the hour they run at
(the send-time policy defers a message at night in the recipient's zone)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)  # Monday: noon in California, 3 pm in New York

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
