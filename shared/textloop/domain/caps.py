"""Frequency caps across rules: how many messages a number may get in a window, per purpose.

Counted from the messages actually sent to the number (whatever their rule or purpose), so a
transactional message counts towards the marketing cap; only the purposes with limits are capped.

What was sent is known from two places: the message records (the history, written once the provider
accepted a message) and the number's cap ledger (``CapLedger``: one entry per message, written
atomically the moment its send slot moves to SENDING). The history alone races: messages judged at
the same instant each read it before any is recorded. So a capped message is judged on the ledger,
and only reserved if nobody else wrote to it since it was read; the history still counts what was
sent before the ledger started (``counted``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from textloop.domain.ports import CapLedger, SentMessage


@dataclass(frozen=True, slots=True)
class Cap:
    limit: int  # at most this many messages ...
    window: timedelta  # ... in any window this long

    @property
    def reason(self) -> str:
        hours = int(self.window.total_seconds() // 3600)
        return (
            f"frequency_cap_{hours // 24}d" if hours > 24 and hours % 24 == 0 else f"frequency_cap_{hours}h"
        )


def _default_caps() -> dict[str, tuple[Cap, ...]]:
    return {"marketing": (Cap(1, timedelta(hours=24)), Cap(3, timedelta(days=7)))}


@dataclass(frozen=True, slots=True)
class FrequencyCaps:
    by_purpose: Mapping[str, tuple[Cap, ...]] = field(default_factory=_default_caps)

    @property
    def lookback(self) -> timedelta:
        """How far back the history must be read to judge every cap."""
        windows = [cap.window for caps in self.by_purpose.values() for cap in caps]
        return max(windows, default=timedelta(0))

    def capped(self, purpose: str) -> bool:
        """Whether messages of *purpose* may be held back by a cap (the others are only counted)."""
        return bool(self.by_purpose.get(purpose))

    def hold(self, purpose: str, sent: Iterable[SentMessage], at: datetime) -> tuple[datetime, str] | None:
        """(the earliest instant the caps allow, the tightest cap's reason), or None when *at* is fine."""
        times = sorted(m.at for m in sent)
        latest: tuple[datetime, str] | None = None
        for cap in self.by_purpose.get(purpose, ()):
            recent = [t for t in times if t > at - cap.window]
            if len(recent) >= cap.limit:
                # free once enough of them have aged out: the (len - limit + 1)-th newest leaves the window
                free_at = recent[len(recent) - cap.limit] + cap.window
                if latest is None or free_at > latest[0]:
                    latest = (free_at, cap.reason)
        return latest


def counted(history: Iterable[SentMessage], ledger: CapLedger) -> list[SentMessage]:
    """Every message the caps count for the number, once: the ledger's entries (each message reserved or
    counted since the ledger started, sent or about to be) and the history from before it started."""
    since = ledger.since
    before = [m for m in history if since is None or m.at < since]
    return before + [SentMessage(e.at, e.rule, e.purpose) for e in ledger.entries]
