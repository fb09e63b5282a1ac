"""Send-time optimisation against a synthetic population: does Thompson sampling over the hours of the
week earn more replies than a fixed send time, and than a random allowed hour?

The population: Boston numbers (area code 617: Massachusetts' marketing window, 08:00-20:00 local every
day, the one the product's own policy computes), whose chance of replying depends on the local hour of
the week: highest Tuesday and Wednesday mid-morning (12 % at 10:00), low at the window's opening (08:00)
and in the evening, lower on Fridays and lowest at weekends (see ``reply_rate``). Triggers arrive at
uniformly random instants over ten weeks; a reply is seen an hour after its message went (the optimiser
learns only from the past). Every strategy sends each message once, within the window and within the
horizon (7 days) of the trigger:

- ``optimiser``: the product's own code (``candidates``, ``posteriors``, ``choose``), prior Beta(1, 9);
- ``fixed``: the window's next opening (08:00 local), a fixed daily send time;
- ``asap``: as soon as the window allows (what Textloop does with the optimiser off);
- ``random``: a uniformly random allowed hour within the horizon.

Run: ``.venv/bin/python -m tests.support.send_time_simulation [--sends N] [--seed S]`` prints the table;
``tests/unit/test_send_time_optimiser.py`` asserts the margins on the same figures.
"""

from __future__ import annotations

import argparse
import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from textloop.domain.send_optimiser import (
    HOURS_PER_WEEK,
    Candidate,
    HourCount,
    Posterior,
    Prior,
    candidates,
    choose,
    hour_of_week,
    posterior,
    posteriors,
)
from textloop.domain.send_time import SendRequest, decide

PHONE = "+16175550142"  # Boston, MA
ZONE = ZoneInfo("America/New_York")
START = datetime(2027, 1, 4, 5, 0, tzinfo=UTC)  # Monday 00:00 in Boston
SPAN = timedelta(weeks=10)  # triggers arrive over this span (no DST change in it)
HORIZON = timedelta(days=7)
REPLY_SEEN_AFTER = timedelta(hours=1)
PEAK = 0.12  # Tuesday 10:00
DAY = (0.80, 1.00, 1.00, 0.95, 0.70, 0.35, 0.30)  # Monday first
HOUR_SHAPE = {8: 0.35, 9: 0.70, 10: 1.00, 11: 0.95, 12: 0.60, 13: 0.55, 14: 0.70, 15: 0.65, 16: 0.50}
HOUR_SHAPE |= {17: 0.35, 18: 0.25, 19: 0.20}  # outside 08-20 the window never lets a message go
STRATEGIES = ("optimiser", "fixed", "asap", "random")
SENDS, SEED = 5_000, 20261130
WINDOW_OPENS = 8  # Massachusetts: 08:00 local


def reply_rate(hour: int) -> float:
    """The chance a message sent in this local hour of the week gets a reply."""
    day, clock = divmod(hour, 24)
    return PEAK * DAY[day] * HOUR_SHAPE.get(clock, 0.05)


def allowed_hours() -> frozenset[int]:
    """The hours of the week the product's policy allows a marketing message to a Boston number."""
    week = (START + timedelta(hours=h) for h in range(HOURS_PER_WEEK))
    return frozenset(
        hour_of_week(at, ZONE)
        for at in week
        if decide(SendRequest(PHONE, at, "marketing")).decision == "send"
    )


@dataclass(frozen=True)
class Result:
    strategy: str
    sends: int
    replies: int
    last_replies: int  # in the last fifth of the sends (after learning)
    expected: float  # the sum of the chosen hours' true rates (the figure without outcome noise)
    max_delay_h: float
    outside_window: int

    @property
    def rate(self) -> float:
        return self.replies / self.sends

    @property
    def last_rate(self) -> float:
        return self.last_replies / (self.sends // 5)


@dataclass
class _Run:
    """One strategy's run: what it has learnt and what it has earned so far."""

    strategy: str
    outcomes: random.Random
    choices: random.Random
    beliefs: list[Posterior]
    counts: dict[int, HourCount] = field(default_factory=dict)
    pending: list[tuple[datetime, int, bool]] = field(default_factory=list)  # (seen at, hour, replied)
    replies: int = 0
    last: int = 0
    outside: int = 0
    expected: float = 0.0
    max_delay: timedelta = timedelta(0)

    def learn(self, now: datetime, prior: Prior) -> None:
        """Take in the outcomes seen by *now* (the optimiser learns only from the past)."""
        while self.pending and self.pending[0][0] <= now:
            _, hour, replied = heapq.heappop(self.pending)
            old = self.counts.get(hour, HourCount())
            self.counts[hour] = HourCount(old.sends + 1, old.replies + replied)
            self.beliefs[hour] = posterior(self.counts[hour], prior)

    def pick(self, offered: list[Candidate]) -> Candidate:
        if self.strategy == "optimiser":
            return choose(offered, self.beliefs, self.choices)
        if self.strategy == "fixed":
            return next(c for c in offered if c.hour % 24 == WINDOW_OPENS)
        if self.strategy == "asap":
            return offered[0]
        return self.choices.choice(offered)


def simulate(
    sends: int = SENDS, seed: int = SEED, strategies: tuple[str, ...] = STRATEGIES
) -> dict[str, Result]:
    """Every strategy on the same triggers (and the same chance draws): strategy → its result."""
    unknown = set(strategies) - set(STRATEGIES)
    if unknown:
        raise ValueError(f"strategies: one of {', '.join(STRATEGIES)}, not {', '.join(sorted(unknown))}")
    window = allowed_hours()
    triggers = random.Random(seed)
    arrivals = sorted(START + SPAN * triggers.random() for _ in range(sends))
    prior = Prior()
    runs = [
        _Run(s, random.Random(seed + 1), random.Random(seed + 2), list(posteriors({}, prior)))
        for s in strategies
    ]
    known: dict[datetime, bool] = {}  # the same whole hours come up for many triggers

    def allowed(at: datetime) -> bool:
        if at not in known:
            known[at] = hour_of_week(at, ZONE) in window
        return known[at]

    for n, trigger in enumerate(arrivals):
        offered = candidates(_earliest(trigger, allowed), HORIZON, ZONE, allowed)
        for run in runs:
            run.learn(trigger, prior)
            chosen = run.pick(offered)
            rate = reply_rate(chosen.hour)
            replied = run.outcomes.random() < rate
            run.expected += rate
            run.replies += replied
            run.last += replied if n >= sends - sends // 5 else 0
            run.outside += chosen.hour not in window
            run.max_delay = max(run.max_delay, chosen.at - trigger)
            heapq.heappush(run.pending, (chosen.at + REPLY_SEEN_AFTER, chosen.hour, replied))
    return {
        r.strategy: Result(
            r.strategy, sends, r.replies, r.last, r.expected, r.max_delay / timedelta(hours=1), r.outside
        )
        for r in runs
    }


def _earliest(at: datetime, allowed: Callable[[datetime], bool]) -> datetime:
    """The first instant at or after *at* the window allows (on a whole local hour after *at*)."""
    if allowed(at):
        return at
    local = at.astimezone(ZONE)
    instant = at - timedelta(minutes=local.minute, seconds=local.second, microseconds=local.microsecond)
    while not allowed(instant) or instant < at:
        instant += timedelta(hours=1)
    return instant


def table(results: dict[str, Result]) -> str:
    fixed = results["fixed"]
    lines = [
        "| strategy | sends | replies | reply rate | vs fixed 08:00 | last 1/5: reply rate | max delay (h) | outside window |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results.values():
        lines.append(
            f"| {r.strategy} | {r.sends:,} | {r.replies:,} | {r.rate:.2%} | {r.replies / fixed.replies - 1:+.0%} "
            f"| {r.last_rate:.2%} | {r.max_delay_h:.1f} | {r.outside_window} |"
        )
    best = max(reply_rate(h) for h in allowed_hours())
    opening = sum(reply_rate(d * 24 + WINDOW_OPENS) for d in range(7)) / 7
    lines.append(
        f"\nbest allowed hour's true rate {best:.2%}; the window opening's, mean over the week, {opening:.2%}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Send-time optimisation against a synthetic population")
    parser.add_argument("--sends", type=int, default=SENDS)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    print(table(simulate(args.sends, args.seed)))


if __name__ == "__main__":
    main()
