"""Reply routing: which intent becomes which owner task, with what priority and due time.

Configuration, not code: the ``routing`` section of the triggers file (defaults below).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from pydantic import BaseModel, ConfigDict, Field, model_validator

from textloop.domain.business_time import BusinessCalendar
from textloop.domain.model import TaskPriority

NO_TASK_INTENTS = frozenset({"opt_out", "opt_in", "help"})  # consent is handled at the webhook


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Due(_Strict):
    """Exactly one of: wall-clock minutes, business minutes, or the next business day."""

    minutes: int | None = Field(default=None, ge=1)
    business_minutes: int | None = Field(default=None, ge=1)
    next_business_day: bool = False

    @model_validator(mode="after")
    def _exactly_one(self) -> Due:
        chosen = [self.minutes is not None, self.business_minutes is not None, self.next_business_day]
        if sum(chosen) != 1:
            raise ValueError("a due time needs exactly one of minutes, business_minutes, next_business_day")
        return self

    def after(self, start: datetime, calendar: BusinessCalendar) -> datetime:
        if self.minutes is not None:
            return start + timedelta(minutes=self.minutes)
        if self.business_minutes is not None:
            return calendar.add_business_minutes(start, self.business_minutes)
        return calendar.next_business_day(start)


class IntentRoute(_Strict):
    priority: TaskPriority
    due: Due
    next_step: str = Field(min_length=1)


class BusinessHours(_Strict):
    timezone: str = "America/New_York"
    opens: time = time(9, 0)
    closes: time = time(17, 0)
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    holidays: str | None = "US"

    def calendar(self) -> BusinessCalendar:
        return BusinessCalendar(
            self.timezone, self.opens, self.closes, frozenset(self.weekdays), self.holidays
        )


class Routing(_Strict):
    business_hours: BusinessHours = BusinessHours()
    intents: dict[str, IntentRoute | None]
    unknown_sender: IntentRoute  # a reply we cannot tie to a contact: a triage task
    escalate_to: dict[str, str] = Field(default_factory=dict)  # CRM → manager/queue owner id

    def route(self, intent: str) -> IntentRoute | None:
        if intent in NO_TASK_INTENTS:
            return None
        return self.intents.get(intent)


def due_time(route: IntentRoute, received: datetime, calendar: BusinessCalendar) -> datetime:
    return route.due.after(received, calendar)
