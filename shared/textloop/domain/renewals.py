"""The renewal moment: which window a renewal date is in, and the event key of one record's window.

Pure: dates in, window and key out. The scanner looks *max(windows)* days ahead; a record is due for
the innermost window its date falls in (a record 25 days out with windows 60 and 30 is due for 30,
even when the 60-day scan never saw it), so a scan after an outage sends the message that is due
now, and never one per missed day.
"""

from __future__ import annotations

from datetime import date, timedelta

from textloop.domain.rules import Renewal


def horizon(renewal: Renewal, today: date) -> tuple[date, date]:
    """The renewal dates a scan on *today* looks for: today to today + the widest window."""
    return today, today + timedelta(days=max(renewal.windows))


def due_window(renewal: Renewal, renewal_date: date, today: date) -> int | None:
    """The innermost window *renewal_date* falls in seen from *today*, None when outside them all
    (passed, or further out than the widest window)."""
    days_left = (renewal_date - today).days
    inside = [w for w in renewal.windows if 0 <= days_left <= w]
    return min(inside) if inside else None


def renewal_key(crm: str, account: str, record_id: str, renewal_date: date, window: int) -> str:
    """The event key of one record's window in one renewal cycle: the same on every scan, so the
    dispatcher's idempotency makes a re-run (or a scan after an outage) a duplicate; a record renewed
    to a new date starts a new cycle."""
    return f"renewal:{crm}:{account}:{record_id}:{renewal_date.isoformat()}:{window}"


def window_value(window: int) -> str:
    """What a renewal event carries in ``changed`` under the rule's date field."""
    return f"window:{window}"
