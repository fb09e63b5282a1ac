"""Business time for SLAs: "30 business minutes", "next business day", in the team's time zone,
skipping weekends and public holidays (the ``holidays`` package)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: str = "America/New_York"
    opens: time = time(9, 0)
    closes: time = time(17, 0)
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday = 0
    holiday_country: str | None = "US"
    holiday_subdivision: str | None = None
    _cache: dict[int, Any] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and not self._is_holiday(day)

    def add_business_minutes(self, start: datetime, minutes: int) -> datetime:
        """``start`` plus *minutes* of open time; outside hours the clock starts at the next opening."""
        local = start.astimezone(self.zone)
        remaining = timedelta(minutes=minutes)
        while True:
            opening, closing = self._hours(local.date())
            if not self.is_business_day(local.date()) or local >= closing:
                local = self._next_opening(local.date())
                continue
            local = max(local, opening)
            if local + remaining <= closing:
                return local + remaining
            remaining -= closing - local
            local = self._next_opening(local.date())

    def next_business_day(self, start: datetime) -> datetime:
        """The opening of the first business day after *start*'s day."""
        return self._next_opening(start.astimezone(self.zone).date())

    def _hours(self, day: date) -> tuple[datetime, datetime]:
        return (
            datetime.combine(day, self.opens, tzinfo=self.zone),
            datetime.combine(day, self.closes, tzinfo=self.zone),
        )

    def _next_opening(self, day: date) -> datetime:
        day += timedelta(days=1)
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return self._hours(day)[0]

    def _is_holiday(self, day: date) -> bool:
        if not self.holiday_country:
            return False
        if day.year not in self._cache:
            import holidays  # lazy: only the reply router pays for it

            self._cache[day.year] = holidays.country_holidays(
                self.holiday_country, subdiv=self.holiday_subdivision, years=day.year
            )
        return day in self._cache[day.year]
