"""Independent test oracle for send-time policy v1.

Written from the policy text alone (not from the product's implementation) so that the two can be
compared on the same cases. It favours obviously-correct over fast:

* ``violations(t)`` evaluates every rule at one instant ``t``, exactly as the policy words it
  (a rule holds only if it holds in every binding zone), and lists the violated rules in the
  policy's reason order. The first entry is the reason; an empty list means "send".
* ``not_before`` is found by brute force: ``at`` itself, then ``at + 24 h`` when a cap is active,
  then every UTC instant on a 15-minute grid up to ``at + 30 days``. That is exhaustive because
  every window edge is a whole local hour and every local date changes at local midnight; with
  UTC offsets that are multiples of 15 minutes and offset changes that happen on the grid (both
  asserted while scanning) the answer to "is ``t`` allowed?" cannot change between two grid
  points, so the earliest allowed instant is ``at``, the cap's end, or a grid point.

Choices the policy text leaves open (see the interpretation notes in the brief) are marked
"Interpretation:" below.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import phonenumbers
from phonenumbers import timezone as pn_timezone

UTC = dt.UTC
GRID = dt.timedelta(minutes=15)
HORIZON = dt.timedelta(days=30)
CAP_DELAY = dt.timedelta(hours=24)
CAP_THRESHOLD = 3
SUNDAY = 6  # datetime.weekday()


@dataclass(frozen=True)
class Window:
    """Half-open local wall-clock window [start, end), whole hours."""

    start: int
    end: int

    def contains(self, local: dt.datetime) -> bool:
        return dt.time(self.start) <= local.time() < dt.time(self.end)


DEFAULT_WINDOW = Window(8, 21)
FEDERAL_WINDOW = Window(8, 21)
COUNTRY_WINDOWS = {"IN": Window(9, 21)}
FEDERAL_REGIONS = frozenset({"US", "PR", "VI", "GU", "AS", "MP"})

# USPS codes of the 50 states, DC and the inhabited territories.
US_STATE_CODES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "DC",
        "AS",
        "GU",
        "MP",
        "PR",
        "VI",
    ]
)

ALL_DAYS = range(7)
MON_SAT = range(6)
MON_FRI = range(5)


@dataclass(frozen=True)
class StateRule:
    windows: dict[int, Window]  # weekday -> window; a weekday without a window is closed all day
    no_sunday: bool = False
    no_holidays: bool = False
    cap: bool = False

    def window_holds(self, local: dt.datetime) -> bool:
        window = self.windows.get(local.weekday())
        return window is not None and window.contains(local)


def _every(days: range, window: Window) -> dict[int, Window]:
    return dict.fromkeys(days, window)


STATE_RULES: dict[str, StateRule] = {
    "FL": StateRule(_every(ALL_DAYS, Window(8, 20)), cap=True),
    "OK": StateRule(_every(ALL_DAYS, Window(8, 20)), cap=True),
    "MD": StateRule(_every(ALL_DAYS, Window(8, 20)), cap=True),
    "WA": StateRule(_every(ALL_DAYS, Window(8, 20))),
    "MA": StateRule(_every(ALL_DAYS, Window(8, 20))),
    "CT": StateRule(_every(ALL_DAYS, Window(9, 20))),
    "TX": StateRule({**_every(MON_SAT, Window(9, 21)), SUNDAY: Window(12, 21)}),
    "AL": StateRule(_every(MON_SAT, Window(8, 20)), no_sunday=True, no_holidays=True),
    "LA": StateRule(_every(MON_SAT, Window(8, 20)), no_sunday=True, no_holidays=True),
    "MS": StateRule(_every(MON_SAT, Window(8, 20)), no_sunday=True),
    # Sunday is banned outright, so whether UT's 08-21 "window" also covers Sunday cannot matter.
    "UT": StateRule(_every(MON_SAT, Window(8, 21)), no_sunday=True, no_holidays=True),
    "RI": StateRule({**_every(MON_FRI, Window(9, 18)), 5: Window(10, 17)}, no_sunday=True, no_holidays=True),
}

_AREA_CODES_TEXT = {
    "FL": "239 305 321 324 352 386 407 448 561 645 656 689 727 728 754 772 786 813 850 863 904 941 954",
    "OK": "405 539 572 580 918",
    "MD": "227 240 301 410 443 667",
    "WA": "206 253 360 425 509 564",
    "CT": "203 475 860 959",
    "TX": "210 214 254 281 325 346 361 409 430 432 469 512 682 713 726 737 806 817 830 832 903 915 "
    "936 940 945 956 972 979",
    "AL": "205 251 256 334 483 659 938",
    "LA": "225 318 337 504 985",
    "MS": "228 601 662 769",
    "UT": "385 435 801",
    "RI": "401",
    "MA": "339 351 413 508 617 774 781 857 978",
}
AREA_CODE_STATE: dict[str, str] = {
    code: state for state, codes in _AREA_CODES_TEXT.items() for code in codes.split()
}
assert len(AREA_CODE_STATE) == sum(len(c.split()) for c in _AREA_CODES_TEXT.values())


@cache
def _holiday_calendar(state: str) -> holidays.HolidayBase:
    # Exactly the call the policy names; observed days are included by default.
    return holidays.country_holidays("US", subdiv=state)


@cache
def is_holiday(state: str, day: dt.date) -> bool:
    return day in _holiday_calendar(state)


# --------------------------------------------------------------------------------------------
# Inputs


def parse_instant(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value)  # 3.11+: accepts "Z" and "+hh:mm"
    if parsed.tzinfo is None:
        # Interpretation: the policy only promises Z or an offset; a bare time is taken as UTC.
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_instant(value: dt.datetime) -> str:
    value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        # Interpretation: "fractional seconds only when non-zero", written as Python's
        # isoformat does (six digits).
        text += f".{value.microsecond:06d}"
    return text + "Z"


def load_zone(name: Any) -> ZoneInfo | None:
    """The zone if ``name`` is a loadable IANA zone name, else None (ignored)."""
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(name)
    except Exception:  # ZoneInfoNotFoundError, ValueError for malformed keys, ...
        return None


def valid_us_state(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    code = value.strip().upper()
    return code if code in US_STATE_CODES else None


@dataclass
class Context:
    at: dt.datetime
    zones: list[ZoneInfo]
    marketing: bool
    federal: bool = False
    country: str | None = None  # key of COUNTRY_WINDOWS
    states: list[str] = field(default_factory=list)  # alphabetical
    cap_until: dt.datetime | None = None
    cap_states: list[str] = field(default_factory=list)  # alphabetical


def build_context(case: dict[str, Any]) -> Context:
    at = parse_instant(case["at"])
    purpose = case["purpose"]
    if purpose not in ("marketing", "transactional"):
        raise ValueError(f"unknown purpose {purpose!r}")
    marketing = purpose == "marketing"

    number = phonenumbers.parse(case["to"], None)
    region = phonenumbers.region_code_for_number(number)

    tz = load_zone(case.get("recipient_tz"))
    if tz is not None:
        zones = [tz]
    else:
        names = sorted(set(pn_timezone.time_zones_for_number(number)) - {"Etc/Unknown"})
        zones = [ZoneInfo(name) for name in names]

    ctx = Context(at=at, zones=zones, marketing=marketing)
    if not marketing:
        return ctx  # transactional: default window only

    mailing_state = valid_us_state(case.get("state"))
    ctx.federal = region in FEDERAL_REGIONS or mailing_state is not None
    ctx.country = region if region in COUNTRY_WINDOWS else None

    states: set[str] = set()
    if mailing_state in STATE_RULES:
        states.add(mailing_state)
    if number.country_code == 1:
        area_state = AREA_CODE_STATE.get(str(number.national_number)[:3])
        if area_state is not None:
            states.add(area_state)
    ctx.states = sorted(states)

    sent = case.get("sent_24h_same_subject") or 0
    ctx.cap_states = [s for s in ctx.states if STATE_RULES[s].cap]
    if ctx.cap_states and sent >= CAP_THRESHOLD:
        ctx.cap_until = at + CAP_DELAY
    return ctx


# --------------------------------------------------------------------------------------------
# Rules at one instant


def local_times(t: dt.datetime, zones: list[ZoneInfo]) -> list[dt.datetime]:
    return [t.astimezone(zone) for zone in zones]


def _violated(t: dt.datetime, ctx: Context, locals_: list[dt.datetime]) -> Iterator[str]:
    """Yield every rule violated at instant ``t``, in reason order (ties alphabetical by state)."""
    if ctx.cap_until is not None and t < ctx.cap_until:
        for s in ctx.cap_states:
            yield f"cap_24h:{s}"
    for s in ctx.states:
        if STATE_RULES[s].no_holidays and any(is_holiday(s, lt.date()) for lt in locals_):
            yield f"holiday:{s}"
    for s in ctx.states:
        if STATE_RULES[s].no_sunday and any(lt.weekday() == SUNDAY for lt in locals_):
            yield f"sunday:{s}"
    for s in ctx.states:
        if not all(STATE_RULES[s].window_holds(lt) for lt in locals_):
            yield f"quiet_hours_state:{s}"
    country = ctx.country
    if country is not None and not all(COUNTRY_WINDOWS[country].contains(lt) for lt in locals_):
        yield f"quiet_hours_country:{country}"
    if ctx.federal and not all(FEDERAL_WINDOW.contains(lt) for lt in locals_):
        yield "quiet_hours_federal"
    if not all(DEFAULT_WINDOW.contains(lt) for lt in locals_):
        yield "quiet_hours_default"


def violations(t: dt.datetime, ctx: Context) -> list[str]:
    """All rules violated at ``t``; the first is the reason, none means "send"."""
    return list(_violated(t, ctx, local_times(t, ctx.zones)))


def allowed(t: dt.datetime, ctx: Context, locals_: list[dt.datetime] | None = None) -> bool:
    if locals_ is None:
        locals_ = local_times(t, ctx.zones)
    return next(_violated(t, ctx, locals_), None) is None


# --------------------------------------------------------------------------------------------
# Search


def _next_grid_point(t: dt.datetime) -> dt.datetime:
    """The first instant strictly after ``t`` whose UTC minute is a multiple of 15, seconds 0."""
    floor = t.replace(minute=t.minute - t.minute % 15, second=0, microsecond=0)
    return floor + GRID


def _assert_grid_safe(
    g: dt.datetime, locals_: list[dt.datetime], previous: list[dt.datetime], zones: list[ZoneInfo]
) -> None:
    for i, lt in enumerate(locals_):
        offset = lt.utcoffset()
        assert offset is not None and offset % GRID == dt.timedelta(0), (zones[i], offset)
        if previous[i].utcoffset() != offset:
            # The offset changed since the previous candidate; it must change exactly at g.
            just_before = (g - dt.timedelta(microseconds=1)).astimezone(zones[i]).utcoffset()
            assert just_before == previous[i].utcoffset(), (zones[i], g)


def earliest_allowed(ctx: Context) -> dt.datetime | None:
    """The earliest instant in [at, at + 30 days] at which no rule is violated, else None."""
    at = ctx.at
    limit = at + HORIZON
    if allowed(at, ctx):
        return at
    start = at
    if ctx.cap_until is not None:
        start = ctx.cap_until  # every instant before it violates the cap
        if start > limit:
            return None
        if allowed(start, ctx):
            return start
    g = _next_grid_point(start)
    previous = local_times(start, ctx.zones)
    while g <= limit:
        locals_ = local_times(g, ctx.zones)
        _assert_grid_safe(g, locals_, previous, ctx.zones)
        if allowed(g, ctx, locals_):
            return g
        previous = locals_
        g += GRID
    return None


def oracle(case: dict[str, Any]) -> dict[str, Any]:
    ctx = build_context(case)
    reasons = violations(ctx.at, ctx)
    if not reasons:
        return {"decision": "send", "not_before": None, "reason": "ok"}
    found = earliest_allowed(ctx)
    return {
        "decision": "defer",
        "not_before": format_instant(found) if found is not None else None,
        "reason": reasons[0],
    }
