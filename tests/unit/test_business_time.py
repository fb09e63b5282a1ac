"""Use case: SLAs in business time — 30 business minutes, next business day — in the team's zone."""

from __future__ import annotations

from datetime import UTC, datetime

from textloop.domain.business_time import BusinessCalendar

NY = BusinessCalendar("America/New_York")


def test_given_a_reply_inside_hours_then_thirty_business_minutes_is_thirty_minutes() -> None:
    due = NY.add_business_minutes(datetime(2026, 11, 24, 15, 0, tzinfo=UTC), 30)  # Tue 10:00 ET
    assert due.isoformat() == "2026-11-24T10:30:00-05:00"


def test_given_a_reply_near_closing_then_the_rest_runs_the_next_business_day_skipping_holidays() -> None:
    # Wed 16:50 ET: 10 minutes today; Thursday is Thanksgiving; 20 minutes on Friday
    due = NY.add_business_minutes(datetime(2026, 11, 25, 21, 50, tzinfo=UTC), 30)
    assert due.isoformat() == "2026-11-27T09:20:00-05:00"


def test_given_a_reply_on_a_weekend_then_the_clock_starts_monday_morning() -> None:
    due = NY.add_business_minutes(datetime(2026, 11, 28, 18, 0, tzinfo=UTC), 30)  # Saturday
    assert due.isoformat() == "2026-11-30T09:30:00-05:00"


def test_given_friday_then_next_business_day_is_monday_opening() -> None:
    assert (
        NY.next_business_day(datetime(2026, 11, 27, 15, 0, tzinfo=UTC)).isoformat()
        == "2026-11-30T09:00:00-05:00"
    )
