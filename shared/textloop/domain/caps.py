"""Frequency caps across rules: how many messages a number may get in a window, per purpose.

Counted from the messages actually sent to the number (whatever their rule or purpose), so a
transactional message counts towards the marketing cap; only the purposes with limits are capped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from textloop.domain.ports import SentMessage


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
