"""Send-time compliance policy v1: may this SMS go out now, and if not, when at the earliest?

Every outbound message obeys a default window (08:00-21:00, configurable); marketing also obeys the
US federal window, the rules of every applicable US state (mailing state and area code's state) and
India's window. The rules are data (the tables below), evaluated in every *binding zone* of the
recipient: ``recipient_tz`` when it is a loadable IANA zone, otherwise every zone phonenumbers
knows for the number.

Each rule is piecewise constant between local boundaries (window openings, midnights, DST
transitions), so the earliest compliant instant is one of a few candidates: computed, not scanned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo

import phonenumbers

Purpose = Literal["transactional", "marketing"]
PURPOSES: tuple[Purpose, ...] = get_args(Purpose)
Verdict = Literal["send", "defer"]

# ----------------------------------------------------------------------------------------- the rules


@dataclass(frozen=True, slots=True)
class Window:
    """Half-open ``[opens, closes)`` in local wall-clock time.

    ``closes`` before ``opens`` wraps past midnight; ``closes == opens`` is the whole day."""

    opens: time
    closes: time

    def contains(self, wall: time) -> bool:
        if self.opens < self.closes:
            return self.opens <= wall < self.closes
        if self.opens > self.closes:
            return wall >= self.opens or wall < self.closes
        return True

    @classmethod
    def parse(cls, text: str) -> Window:
        """``"08:00-21:00"`` (``24:00`` may close a window at midnight)."""
        opens, sep, closes = text.strip().partition("-")
        if not sep:
            raise ValueError(f"not a window (HH:MM-HH:MM): {text!r}")
        return cls(_clock(opens), _clock(closes))

    def __str__(self) -> str:
        return f"{self.opens:%H:%M}-{self.closes:%H:%M}"


def _clock(text: str) -> time:
    text = text.strip()
    if text == "24:00":
        return time(0)
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a time of day (HH:MM): {text!r}") from None


Week = tuple[Window | None, ...]  # Monday first; None: closed all day


def _week(mon_sat: Window, sunday: Window | None, saturday: Window | None = None) -> Week:
    return (mon_sat,) * 5 + (saturday or mon_sat, sunday)


def _daily(window: Window) -> Week:
    return (window,) * 7


def _hours(opens: int, closes: int) -> Window:
    return Window(time(opens), time(closes))


@dataclass(frozen=True, slots=True)
class StateRule:
    """A US state's rules for marketing messages."""

    state: str
    week: Week
    no_sunday: bool = False
    no_holidays: bool = False  # holidays.country_holidays("US", subdiv=state), observed days included
    cap_24h: int | None = None  # at most this many messages on the same subject per 24 h


STATE_RULES: Mapping[str, StateRule] = {
    rule.state: rule
    for rule in (
        StateRule("FL", _daily(_hours(8, 20)), cap_24h=3),
        StateRule("OK", _daily(_hours(8, 20)), cap_24h=3),
        StateRule("MD", _daily(_hours(8, 20)), cap_24h=3),
        StateRule("WA", _daily(_hours(8, 20))),
        StateRule("MA", _daily(_hours(8, 20))),
        StateRule("CT", _daily(_hours(9, 20))),
        StateRule("TX", _week(_hours(9, 21), sunday=_hours(12, 21))),
        StateRule("AL", _week(_hours(8, 20), sunday=None), no_sunday=True, no_holidays=True),
        StateRule("LA", _week(_hours(8, 20), sunday=None), no_sunday=True, no_holidays=True),
        StateRule("MS", _week(_hours(8, 20), sunday=None), no_sunday=True),
        StateRule("UT", _week(_hours(8, 21), sunday=None), no_sunday=True, no_holidays=True),
        StateRule(
            "RI", _week(_hours(9, 18), sunday=None, saturday=_hours(10, 17)), no_sunday=True, no_holidays=True
        ),
    )
}

STATE_AREA_CODES: Mapping[str, str] = {
    "FL": "239 305 321 324 352 386 407 448 561 645 656 689 727 728 754 772 786 813 850 863 904 941 954",
    "OK": "405 539 572 580 918",
    "MD": "227 240 301 410 443 667",
    "WA": "206 253 360 425 509 564",
    "CT": "203 475 860 959",
    "TX": "210 214 254 281 325 346 361 409 430 432 469 512 682 713 726 737 806 817 830 832 903 915 936 940 "
    "945 956 972 979",
    "AL": "205 251 256 334 483 659 938",
    "LA": "225 318 337 504 985",
    "MS": "228 601 662 769",
    "UT": "385 435 801",
    "RI": "401",
    "MA": "339 351 413 508 617 774 781 857 978",
}
AREA_CODE_STATE: Mapping[str, str] = {
    code: state for state, codes in STATE_AREA_CODES.items() for code in codes.split()
}
NANP_COUNTRY_CODE = 1

FEDERAL_WINDOW = _hours(8, 21)
FEDERAL_REGIONS = frozenset({"US", "PR", "VI", "GU", "AS", "MP"})
COUNTRY_WINDOWS: Mapping[str, Window] = {"IN": _hours(9, 21)}  # by phonenumbers region code

# USPS codes of the states, DC and the territories: a CRM `state` is one of these or ignored.
_USPS_CODES = (
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND "
    "OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR VI"
)
US_STATES = frozenset(_USPS_CODES.split())
# Full names as CRMs store them in a free-text state field (Salesforce MailingState, HubSpot state).
_STATE_NAMES_TEXT = """
alabama=AL alaska=AK arizona=AZ arkansas=AR california=CA colorado=CO connecticut=CT delaware=DE
florida=FL georgia=GA hawaii=HI idaho=ID illinois=IL indiana=IN iowa=IA kansas=KS kentucky=KY
louisiana=LA maine=ME maryland=MD massachusetts=MA michigan=MI minnesota=MN mississippi=MS
missouri=MO montana=MT nebraska=NE nevada=NV new_hampshire=NH new_jersey=NJ new_mexico=NM
new_york=NY north_carolina=NC north_dakota=ND ohio=OH oklahoma=OK oregon=OR pennsylvania=PA
rhode_island=RI south_carolina=SC south_dakota=SD tennessee=TN texas=TX utah=UT vermont=VT
virginia=VA washington=WA west_virginia=WV wisconsin=WI wyoming=WY district_of_columbia=DC
american_samoa=AS guam=GU northern_mariana_islands=MP puerto_rico=PR virgin_islands=VI
"""
_STATE_NAMES = dict(pair.split("=") for pair in _STATE_NAMES_TEXT.split())


def state_code(crm_value: str) -> str:
    """A CRM's state field as a USPS code when it names a US state ("Florida", " fl "), else as is
    (the policy ignores what is not a valid code)."""
    name = "_".join(crm_value.strip().lower().replace("-", " ").split())
    return _STATE_NAMES.get(name) or crm_value.strip().upper()


RuleKind = Literal[
    "cap_24h",
    "holiday",
    "sunday",
    "quiet_hours_state",
    "quiet_hours_country",
    "quiet_hours_federal",
    "quiet_hours_default",
]
# The reason is the first rule violated in this order (ties by code, alphabetically).
REASON_ORDER: tuple[RuleKind, ...] = get_args(RuleKind)
SUNDAY = 6
UNKNOWN_REGION = "ZZ"


@dataclass(frozen=True)
class SendTimePolicy:
    default_opens: time = time(8)
    default_closes: time = time(21)
    horizon: timedelta = timedelta(days=30)

    @property
    def default_window(self) -> Window:
        return Window(self.default_opens, self.default_closes)

    @classmethod
    def with_default_window(cls, text: str) -> SendTimePolicy:
        window = Window.parse(text)
        return cls(default_opens=window.opens, default_closes=window.closes)


DEFAULT_POLICY = SendTimePolicy()


# ----------------------------------------------------------------------------- requests and decisions


@dataclass(frozen=True)
class SendRequest:
    to: str
    at: datetime
    purpose: Purpose
    recipient_tz: str | None = None
    state: str | None = None
    sent_24h_same_subject: int = 0


@dataclass(frozen=True)
class Decision:
    decision: Verdict
    not_before: datetime | None
    reason: str
    zones: tuple[str, ...]
    states: tuple[str, ...]
    country: str
    local_times: tuple[tuple[str, str], ...]  # zone -> local ISO time at `at`
    purpose: Purpose
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "not_before": None if self.not_before is None else utc_iso(self.not_before),
            "reason": self.reason,
        }

    def audit(self) -> dict[str, Any]:
        return {
            **self.to_json(),
            "at": utc_iso(self.at),
            "purpose": self.purpose,
            "country": self.country,
            "zones": list(self.zones),
            "states": list(self.states),
            "local_times": dict(self.local_times),
        }


def utc_iso(instant: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ``, with fractional seconds only when non-zero."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


# ------------------------------------------------------------------------------------- rule objects


@dataclass(frozen=True, slots=True)
class _Rule:
    kind: RuleKind
    code: str  # the state or country code in the reason ("" for none)

    @property
    def reason(self) -> str:
        return f"{self.kind}:{self.code}" if self.code else self.kind

    @property
    def order(self) -> tuple[int, str]:
        return REASON_ORDER.index(self.kind), self.code

    def holds(self, instant: datetime, local: datetime) -> bool:
        """Whether the rule holds at *instant*, seen in one binding zone as *local*."""
        raise NotImplementedError

    def openings(self) -> Iterable[time]:
        """Local wall times at which the rule may start to hold (besides midnight)."""
        return ()


@dataclass(frozen=True, slots=True)
class _CapRule(_Rule):
    until: datetime

    def holds(self, instant: datetime, local: datetime) -> bool:
        return instant >= self.until


@dataclass(frozen=True, slots=True)
class _HolidayRule(_Rule):
    def holds(self, instant: datetime, local: datetime) -> bool:
        day = local.date()
        return day not in _holiday_dates(self.code, day.year)


@dataclass(frozen=True, slots=True)
class _SundayRule(_Rule):
    def holds(self, instant: datetime, local: datetime) -> bool:
        return local.weekday() != SUNDAY


@dataclass(frozen=True, slots=True)
class _WindowRule(_Rule):
    week: Week

    def holds(self, instant: datetime, local: datetime) -> bool:
        window = self.week[local.weekday()]
        return window is not None and window.contains(local.time())

    def openings(self) -> Iterable[time]:
        return {window.opens for window in self.week if window is not None}


@lru_cache(maxsize=512)
def _holiday_dates(subdivision: str, year: int) -> frozenset[date]:
    import holidays  # lazy: a large import only marketing decisions pay for

    return frozenset(holidays.country_holidays("US", subdiv=subdivision, years=year).keys())


# ------------------------------------------------------------------------------------------- decide


@dataclass(frozen=True, slots=True)
class _Recipient:
    zones: tuple[str, ...]
    tzinfos: tuple[ZoneInfo, ...]
    country: str
    area_state: str | None


def decide(request: SendRequest, policy: SendTimePolicy = DEFAULT_POLICY) -> Decision:
    """``send`` if every rule holds at ``request.at``; else ``defer`` until the earliest instant when
    they all hold (``None`` if there is none within ``policy.horizon``)."""
    if request.at.tzinfo is None or request.at.utcoffset() is None:
        raise ValueError("at: a time without a UTC offset is ambiguous")
    if request.purpose not in PURPOSES:
        raise ValueError(f"purpose: must be one of {', '.join(PURPOSES)}, not {request.purpose!r}")
    if request.sent_24h_same_subject < 0:
        raise ValueError("sent_24h_same_subject: must not be negative")
    at = request.at.astimezone(UTC)
    recipient = _recipient(request.to, request.recipient_tz)
    states: tuple[str, ...] = ()
    if request.purpose == "marketing":
        states = tuple(sorted({s for s in (_us_state(request.state), recipient.area_state) if s}))
    rules = _rules(request, policy, at, recipient.country, states)

    locals_at = [at.astimezone(zone) for zone in recipient.tzinfos]
    violated = _first_violated(rules, at, locals_at)
    not_before = None
    if violated is not None:
        lower = max([at, *(r.until for r in rules if isinstance(r, _CapRule))])
        not_before = _earliest(rules, recipient.tzinfos, lower, at + policy.horizon)
    return Decision(
        decision="send" if violated is None else "defer",
        not_before=not_before,
        reason="ok" if violated is None else violated.reason,
        zones=recipient.zones,
        states=states,
        country=recipient.country,
        local_times=tuple(
            (name, local.isoformat()) for name, local in zip(recipient.zones, locals_at, strict=True)
        ),
        purpose=request.purpose,
        at=at,
    )


def decide_json(line: Mapping[str, Any], policy: SendTimePolicy = DEFAULT_POLICY) -> dict[str, Any]:
    """One parsed JSONL request object -> ``{"decision", "not_before", "reason"}``.

    Raises ValueError naming the bad field."""
    return decide(request_from_json(line), policy).to_json()


def request_from_json(line: Mapping[str, Any]) -> SendRequest:
    if not isinstance(line, Mapping):
        raise ValueError("a request must be a JSON object")
    to = line.get("to")
    if not isinstance(to, str) or not to.strip():
        raise ValueError("to: a phone number (string) is required")
    raw_at = line.get("at")
    if not isinstance(raw_at, str):
        raise ValueError("at: an ISO 8601 time (string) is required")
    try:
        at = datetime.fromisoformat(raw_at)
    except ValueError:
        raise ValueError(f"at: not an ISO 8601 time: {raw_at!r}") from None
    if at.tzinfo is None:  # the CLI's instants are UTC; an offset-less one is read as UTC too
        at = at.replace(tzinfo=UTC)
    purpose = line.get("purpose")
    if purpose not in PURPOSES:
        raise ValueError(f"purpose: must be one of {', '.join(PURPOSES)}, not {purpose!r}")
    sent = line.get("sent_24h_same_subject")
    if sent is None:
        sent = 0
    if isinstance(sent, bool) or not isinstance(sent, int) or sent < 0:
        raise ValueError(f"sent_24h_same_subject: must be a non-negative integer, not {sent!r}")
    tz, state = line.get("recipient_tz"), line.get("state")
    return SendRequest(
        to=to,
        at=at,
        purpose=purpose,
        recipient_tz=tz if isinstance(tz, str) else None,  # invalid values are ignored
        state=state if isinstance(state, str) else None,
        sent_24h_same_subject=sent,
    )


def _recipient(to: str, recipient_tz: str | None) -> _Recipient:
    from phonenumbers import timezone  # lazy: its data is large; the webhook path never needs it

    try:
        number = phonenumbers.parse(to, "US")
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"to: not a phone number: {exc}") from None
    zone = _load_zone(recipient_tz)
    if zone is not None:
        pairs: list[tuple[str, ZoneInfo]] = [(zone.key, zone)]
    else:
        pairs = []
        for name in timezone.time_zones_for_number(number):
            loaded = _load_zone(name) if name != timezone.UNKNOWN_TIMEZONE else None
            if loaded is not None:
                pairs.append((name, loaded))
    area_state = None
    if number.country_code == NANP_COUNTRY_CODE:
        area_state = AREA_CODE_STATE.get(str(number.national_number)[:3])
    return _Recipient(
        zones=tuple(name for name, _ in pairs),
        tzinfos=tuple(zone for _, zone in pairs),
        country=phonenumbers.region_code_for_number(number) or UNKNOWN_REGION,
        area_state=area_state,
    )


@lru_cache(maxsize=1024)
def _load_zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, LookupError, OSError):
        return None


def _us_state(value: str | None) -> str | None:
    code = value.strip().upper() if value else ""
    return code if code in US_STATES else None


def _rules(
    request: SendRequest, policy: SendTimePolicy, at: datetime, country: str, states: Sequence[str]
) -> tuple[_Rule, ...]:
    rules: list[_Rule] = [_WindowRule("quiet_hours_default", "", week=_daily(policy.default_window))]
    if request.purpose == "marketing":
        if country in FEDERAL_REGIONS or _us_state(request.state):
            rules.append(_WindowRule("quiet_hours_federal", "", week=_daily(FEDERAL_WINDOW)))
        if country in COUNTRY_WINDOWS:
            rules.append(_WindowRule("quiet_hours_country", country, week=_daily(COUNTRY_WINDOWS[country])))
        for state in states:
            rule = STATE_RULES.get(state)
            if rule is None:
                continue
            rules.append(_WindowRule("quiet_hours_state", state, week=rule.week))
            if rule.no_sunday:
                rules.append(_SundayRule("sunday", state))
            if rule.no_holidays:
                rules.append(_HolidayRule("holiday", state))
            if rule.cap_24h is not None and request.sent_24h_same_subject >= rule.cap_24h:
                rules.append(_CapRule("cap_24h", state, until=at + timedelta(hours=24)))
    return tuple(sorted(rules, key=lambda r: r.order))


def _first_violated(rules: Sequence[_Rule], instant: datetime, locals_: Sequence[datetime]) -> _Rule | None:
    for rule in rules:
        if isinstance(rule, _CapRule):
            if not rule.holds(instant, instant):
                return rule
        elif not all(rule.holds(instant, local) for local in locals_):
            return rule
    return None


def _earliest(
    rules: Sequence[_Rule], zones: Sequence[ZoneInfo], lower: datetime, deadline: datetime
) -> datetime | None:
    """The smallest instant in [lower, deadline] at which every rule holds, or None.

    The rules only change at local window openings, local midnights and UTC-offset transitions
    (and the cap's end, which is *lower*), so the answer is one of those candidates. They are
    built a few days at a time (most deferrals end within a day or two) and checked in order."""
    openings = sorted({time(0), *(wall for rule in rules for wall in rule.openings())})
    caps = [rule for rule in rules if isinstance(rule, _CapRule)]
    local_rules = [rule for rule in rules if not isinstance(rule, _CapRule)]
    order = list(zones)  # the zone that failed last is checked first
    if lower > deadline:
        return None
    start = lower
    for days in _CHUNKS:
        end = min(lower + timedelta(days=days), deadline)
        last = end == deadline  # the deadline itself is allowed (not_before - at <= horizon)
        span = [
            c for c in _candidates(zones, openings, start, end) if start <= c < end or (last and c == end)
        ]
        span.append(start)
        for candidate in sorted(set(span)):
            if _holds_everywhere(caps, local_rules, candidate, order):
                return candidate
        if last:
            return None
        start = end
    return None


_CHUNKS = (2, 8, 366_000)  # days after the lower bound; the last one reaches any horizon


def _candidates(
    zones: Sequence[ZoneInfo], openings: Sequence[time], start: datetime, end: datetime
) -> set[datetime]:
    """Every opening and midnight of the local days around [start, end] in every zone, in UTC, and
    the zones' offset transitions in that span. A superset is harmless: each one is checked."""
    found: set[datetime] = set()
    for zone in zones:
        day = start.astimezone(zone).date() - timedelta(days=1)
        last = end.astimezone(zone).date() + timedelta(days=1)
        while day <= last:
            for wall in openings:
                local = datetime.combine(day, wall, tzinfo=zone)
                # In a fold both instants count; in a gap fold=0 resolves a wall time at the gap's
                # start to the first instant after it, and a wall time inside the gap opens at the
                # transition itself, found by _offset_transitions.
                found.add(local.astimezone(UTC))
                found.add(local.replace(fold=1).astimezone(UTC))
            day += timedelta(days=1)
        found.update(_offset_transitions(zone, start, end))
    return found


def _holds_everywhere(
    caps: Sequence[_Rule], local_rules: Sequence[_Rule], instant: datetime, zones: list[ZoneInfo]
) -> bool:
    if not all(rule.holds(instant, instant) for rule in caps):
        return False
    for index, zone in enumerate(zones):
        local = instant.astimezone(zone)
        if not all(rule.holds(instant, local) for rule in local_rules):
            if index:
                zones.insert(0, zones.pop(index))
            return False
    return True


def _offset_transitions(zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """The instants in (start, end] where *zone*'s UTC offset changes (at most one per day)."""
    found: list[datetime] = []
    step = timedelta(days=1)
    here, offset = start, start.astimezone(zone).utcoffset()
    while here < end:
        there = min(here + step, end)
        there_offset = there.astimezone(zone).utcoffset()
        if there_offset != offset:
            low, high = here, there  # offset(low) == offset, offset(high) != offset
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == offset:
                    low = middle
                else:
                    high = middle
            # tz data holds whole seconds: the transition is the first whole second after `low`
            found.append(low.replace(microsecond=0) + timedelta(seconds=1))
        here, offset = there, there_offset
    return found
