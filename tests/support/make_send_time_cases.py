"""Regenerate tests/data/send_time_cases.jsonl from the case inputs chosen below.

    .venv/bin/python -m tests.support.make_send_time_cases            # write the file
    .venv/bin/python -m tests.support.make_send_time_cases --verify   # also brute-force check

Each line is {"case": <input of `textloop compliance check --jsonl`>, "expect": <oracle output>,
"why": <short note>}. The inputs are fixed here (local wall-clock times are converted to UTC with
the zone named next to them, so the file is deterministic for a given tz database); the
expectations come from tests/support/send_time_oracle.py.

--verify re-derives every expectation a second, slower way: it evaluates the rules at every
whole UTC minute between `at` and the expected `not_before` (or `at` + 30 days when none) and
at one second before `not_before`, so the oracle's 15-minute grid search is checked too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as pn_timezone

from tests.support.send_time_oracle import (
    HORIZON,
    UTC,
    allowed,
    build_context,
    format_instant,
    oracle,
    parse_instant,
    violations,
)

OUT = Path(__file__).resolve().parents[1] / "data" / "send_time_cases.jsonl"

_OMIT = object()

# Fictional-looking numbers (555-01xx where the plan allows it), all phonenumbers-valid.
N = {
    # one per state with rules (area-code state)
    "FL": "+13055550142",  # Miami, America/New_York
    "FL_CT": "+18502340142",  # Panhandle exchange, America/Chicago
    "OK": "+14055550142",  # America/Chicago
    "MD": "+14105550142",  # America/New_York
    "WA": "+12065550142",  # America/Los_Angeles
    "MA": "+16175550142",  # America/New_York
    "CT": "+12035550142",  # America/New_York
    "TX": "+15125550142",  # America/Chicago
    "TX_MT": "+19155550142",  # El Paso, America/Denver
    "AL": "+12055550142",  # America/Chicago
    "LA": "+15045550142",  # America/Chicago
    "MS": "+16015550142",  # America/Chicago
    "UT": "+18015550142",  # America/Denver
    "RI": "+14015550142",  # America/New_York
    # US without state rules
    "NY": "+12125550142",
    "CA": "+14155550142",
    "AZ": "+16025550142",  # America/Phoenix (no DST)
    "HI": "+18085550142",
    "ID": "+12085550142",  # America/Boise + America/Los_Angeles
    "NAVAJO": "+19282830142",  # America/Denver + America/Phoenix
    "AK": "+19075550142",  # America/Adak + America/Anchorage
    "ND": "+17015550142",  # America/Denver + America/North_Dakota/Center
    "TOLLFREE": "+18002340142",  # 42 zones, Guam to Pago Pago
    # territories
    "PR": "+17875550142",
    "VI": "+13405550142",
    "GU": "+16715550142",
    "MP": "+16705550142",
    "AS": "+16847330142",  # phonenumbers gives all 42 NANP zones
    # elsewhere
    "CA_TOR": "+14165550142",  # Canada, America/Toronto
    "CA_VAN": "+16045550142",  # Canada, America/Vancouver
    "CA_NL": "+17095550142",  # Canada, America/Halifax + America/St_Johns
    "UK": "+442079460142",
    "FR": "+33612340142",
    "DE": "+4915112340142",
    "JP": "+81312340142",
    "IN": "+919812340142",  # Asia/Calcutta
    "AU_MOB": "+61412340142",  # 8 zones, Cocos to Lord Howe
    "AU_SYD": "+61212340142",
    "RU_MOB": "+79123450142",  # 16 zones, Bucharest to Anadyr
    "RU_MSK": "+74951230142",
    "BR_SP": "+5511912340142",
    "BR_TOLL": "+55800123456",  # Manaus, Noronha, Rio_Branco, Sao_Paulo
    "NZ": "+64211230142",  # Auckland + Chatham (+12:45)
    "NP": "+9779841230142",  # Asia/Katmandu (+5:45)
    "KI": "+68672001234",  # Tarawa, Kanton (Enderbury), Kiritimati (+14)
    "INMARSAT": "+870773123456",  # valid, but no zone (Etc/Unknown only)
}

# The zone in which a number's local times below are written.
Z = {
    "FL": "America/New_York",
    "FL_CT": "America/Chicago",
    "OK": "America/Chicago",
    "MD": "America/New_York",
    "WA": "America/Los_Angeles",
    "MA": "America/New_York",
    "CT": "America/New_York",
    "TX": "America/Chicago",
    "TX_MT": "America/Denver",
    "AL": "America/Chicago",
    "LA": "America/Chicago",
    "MS": "America/Chicago",
    "UT": "America/Denver",
    "RI": "America/New_York",
    "NY": "America/New_York",
    "CA": "America/Los_Angeles",
    "AZ": "America/Phoenix",
    "HI": "Pacific/Honolulu",
    "PR": "America/Puerto_Rico",
    "VI": "America/St_Thomas",
    "GU": "Pacific/Guam",
    "MP": "Pacific/Saipan",
    "CA_TOR": "America/Toronto",
    "CA_VAN": "America/Vancouver",
    "UK": "Europe/London",
    "FR": "Europe/Paris",
    "DE": "Europe/Berlin",
    "JP": "Asia/Tokyo",
    "IN": "Asia/Kolkata",
    "AU_SYD": "Australia/Sydney",
    "RU_MSK": "Europe/Moscow",
    "BR_SP": "America/Sao_Paulo",
    "NP": "Asia/Kathmandu",
}

STATE_WINDOWS = {  # weekday window, for the edge cases
    "FL": (8, 20),
    "OK": (8, 20),
    "MD": (8, 20),
    "WA": (8, 20),
    "MA": (8, 20),
    "CT": (9, 20),
    "TX": (9, 21),
    "AL": (8, 20),
    "LA": (8, 20),
    "MS": (8, 20),
    "UT": (8, 21),
    "RI": (9, 18),
}

AREA_CODES = {
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

CASES: list[tuple[str, dict[str, Any]]] = []


def loc(zone: str, local: str, style: str = "Z") -> str:
    """A local wall-clock time ("YYYY-MM-DD HH:MM[:SS]") in `zone` as an ISO instant.

    style "Z": UTC with Z; "offset": the same instant written with the zone's own offset.
    """
    naive = dt.datetime.fromisoformat(local)
    aware = naive.replace(tzinfo=ZoneInfo(zone))
    # Refuse times that do not exist (spring-forward gap): round trip must be the identity.
    assert aware.astimezone(UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None) == naive, local
    if style == "offset":
        return aware.isoformat()
    return format_instant(aware)


def add(
    why: str,
    to: str,
    at: str,
    purpose: str = "marketing",
    *,
    tz: Any = _OMIT,
    state: Any = _OMIT,
    sent: Any = _OMIT,
) -> None:
    """Record one case; a keyword left out is left out of the input line (not null)."""
    case: dict[str, Any] = {"to": to, "at": at, "purpose": purpose}
    if tz is not _OMIT:
        case["recipient_tz"] = tz
    if state is not _OMIT:
        case["state"] = state
    if sent is not _OMIT:
        case["sent_24h_same_subject"] = sent
    CASES.append((why, case))


def hm(hour: int, minute: int = 0, second: int = 0) -> str:
    return f"{hour:02d}:{minute:02d}:{second:02d}"


# ---------------------------------------------------------------------------------------------
# 1. Each state's weekday window edges (Wednesday 2026-06-10, area-code number, no CRM state)

WED = "2026-06-10"
for st, (a, b) in STATE_WINDOWS.items():
    n, z = N[st], Z[st]
    add(f"{st} weekday window start exactly", n, loc(z, f"{WED} {hm(a)}"))
    add(f"{st} one minute before window start", n, loc(z, f"{WED} {hm(a - 1, 59)}"))
    add(f"{st} one second before window start", n, loc(z, f"{WED} {hm(a - 1, 59, 59)}"))
    add(f"{st} one second before window end", n, loc(z, f"{WED} {hm(b - 1, 59, 59)}"))
    add(f"{st} window end exactly -> next morning", n, loc(z, f"{WED} {hm(b)}"))
    add(f"{st} 03:00 local, all windows violated, state reason first", n, loc(z, f"{WED} 03:00"))
    # transactional ignores state windows
    add(
        f"{st} transactional at 20:30 local (inside default window)",
        n,
        loc(z, f"{WED} 20:30"),
        "transactional",
    )
    add(f"{st} transactional at 07:59 local", n, loc(z, f"{WED} 07:59"), "transactional")

add("CT 08:30: default/federal fine, CT not yet open", N["CT"], loc(Z["CT"], f"{WED} 08:30"))
add("TX 08:30: TX opens at 09 Mon-Sat", N["TX"], loc(Z["TX"], f"{WED} 08:30"))
add("UT 20:30 weekday: UT closes at 21", N["UT"], loc(Z["UT"], f"{WED} 20:30"))
add("TX El Paso (Mountain) 09:00 MDT", N["TX_MT"], loc("America/Denver", f"{WED} 09:00"))
add("TX El Paso 08:59 MDT (would be 09:59 in Central)", N["TX_MT"], loc("America/Denver", f"{WED} 08:59"))
add("FL panhandle Central exchange 07:30 CDT", N["FL_CT"], loc("America/Chicago", f"{WED} 07:30"))
add(
    "FL panhandle Central exchange 19:30 CDT (20:30 Eastern)",
    N["FL_CT"],
    loc("America/Chicago", f"{WED} 19:30"),
)
add("US no-state-rule number 07:59: federal reason", N["NY"], loc(Z["NY"], f"{WED} 07:59"))
add("US no-state-rule number 08:00", N["NY"], loc(Z["NY"], f"{WED} 08:00"))
add("US no-state-rule number 20:59:59", N["NY"], loc(Z["NY"], f"{WED} 20:59:59"))
add("US no-state-rule number 21:00", N["NY"], loc(Z["NY"], f"{WED} 21:00"))
add("US transactional 21:00: default reason", N["NY"], loc(Z["NY"], f"{WED} 21:00"), "transactional")
add("US transactional 20:59:59", N["NY"], loc(Z["NY"], f"{WED} 20:59:59"), "transactional")
add("US transactional 08:00", N["NY"], loc(Z["NY"], f"{WED} 08:00"), "transactional")
add("California 20:30 PDT, no state rule", N["CA"], loc(Z["CA"], f"{WED} 20:30"))
add("Arizona 08:00 MST in summer (no DST)", N["AZ"], loc(Z["AZ"], f"{WED} 08:00"))
add("Arizona 07:59 MST in summer", N["AZ"], loc(Z["AZ"], f"{WED} 07:59"))
add("Hawaii 07:59 HST", N["HI"], loc(Z["HI"], f"{WED} 07:59"))

# ---------------------------------------------------------------------------------------------
# 2. Sundays (2026-06-14 is a Sunday; 2026-06-13 Saturday; 2026-06-15 Monday)

SAT, SUN, MON = "2026-06-13", "2026-06-14", "2026-06-15"
for st in ("AL", "LA", "MS", "UT", "RI"):
    n, z = N[st], Z[st]
    add(f"{st} Sunday noon: no Sunday sends", n, loc(z, f"{SUN} 12:00"))
    add(f"{st} Sunday 00:00 local", n, loc(z, f"{SUN} 00:00"))
    add(f"{st} Sunday 23:59:59 local", n, loc(z, f"{SUN} 23:59:59"))
    add(f"{st} Saturday 23:30 local -> Monday", n, loc(z, f"{SAT} 23:30"))
    add(f"{st} Monday 00:00 local (Sunday over, window not open)", n, loc(z, f"{MON} 00:00"))
    add(f"{st} Sunday noon transactional", n, loc(z, f"{SUN} 12:00"), "transactional")
for st in ("FL", "OK", "MD", "WA", "MA", "CT"):
    add(f"{st} Sunday noon: same window every day", N[st], loc(Z[st], f"{SUN} 12:00"))
add("CT Sunday 08:59", N["CT"], loc(Z["CT"], f"{SUN} 08:59"))
add("AL Saturday 19:59:59 (Mon-Sat window)", N["AL"], loc(Z["AL"], f"{SAT} 19:59:59"))
add("AL Saturday 20:00 -> Monday 08:00", N["AL"], loc(Z["AL"], f"{SAT} 20:00"))
add("UT Saturday 20:59:59", N["UT"], loc(Z["UT"], f"{SAT} 20:59:59"))
add("UT Saturday 21:00 -> Monday", N["UT"], loc(Z["UT"], f"{SAT} 21:00"))
add("MS Saturday 08:00", N["MS"], loc(Z["MS"], f"{SAT} 08:00"))

# Texas Sunday noon start
tx, txz = N["TX"], Z["TX"]
add("TX Sunday 11:59 -> 12:00 (state reason)", tx, loc(txz, f"{SUN} 11:59"))
add("TX Sunday 11:59:59", tx, loc(txz, f"{SUN} 11:59:59"))
add("TX Sunday 12:00 exactly", tx, loc(txz, f"{SUN} 12:00"))
add("TX Sunday 09:00 (weekday start does not apply)", tx, loc(txz, f"{SUN} 09:00"))
add("TX Sunday 08:00 (federal fine, TX not)", tx, loc(txz, f"{SUN} 08:00"))
add("TX Sunday 20:59:59", tx, loc(txz, f"{SUN} 20:59:59"))
add("TX Sunday 21:00 -> Monday 09:00", tx, loc(txz, f"{SUN} 21:00"))
add("TX Saturday 21:00 -> Sunday 12:00", tx, loc(txz, f"{SAT} 21:00"))
add("TX Saturday 09:00", tx, loc(txz, f"{SAT} 09:00"))
add("TX Sunday 11:59 transactional", tx, loc(txz, f"{SUN} 11:59"), "transactional")
add("TX El Paso Sunday 11:59 MDT", N["TX_MT"], loc("America/Denver", f"{SUN} 11:59"))
add("TX El Paso Sunday 12:00 MDT", N["TX_MT"], loc("America/Denver", f"{SUN} 12:00"))
add("TX Sunday 11:59 in winter (CST)", tx, loc(txz, "2026-01-11 11:59"))
add("TX Sunday 12:00 in winter (CST)", tx, loc(txz, "2026-01-11 12:00"))
add("TX number + CRM state AL on Sunday noon: sunday:AL", tx, loc(txz, f"{SUN} 12:00"), state="AL")
add("TX number + CRM state AL Saturday 20:30: AL closed, TX open", tx, loc(txz, f"{SAT} 20:30"), state="AL")

# ---------------------------------------------------------------------------------------------
# 3. Rhode Island Saturday and weekday

ri, riz = N["RI"], Z["RI"]
add("RI Saturday 10:00", ri, loc(riz, f"{SAT} 10:00"))
add("RI Saturday 09:59 -> 10:00", ri, loc(riz, f"{SAT} 09:59"))
add("RI Saturday 09:00 (weekday start does not apply)", ri, loc(riz, f"{SAT} 09:00"))
add("RI Saturday 16:59:59", ri, loc(riz, f"{SAT} 16:59:59"))
add("RI Saturday 17:00 -> Monday 09:00", ri, loc(riz, f"{SAT} 17:00"))
add("RI Friday 17:59:59", ri, loc(riz, "2026-06-12 17:59:59"))
add("RI Friday 18:00 -> Saturday 10:00", ri, loc(riz, "2026-06-12 18:00"))
add("RI Friday 17:30 (weekday window)", ri, loc(riz, "2026-06-12 17:30"))
add("RI Saturday 17:30 transactional", ri, loc(riz, f"{SAT} 17:30"), "transactional")
add("RI Saturday 12:00 in winter", ri, loc(riz, "2026-01-17 12:00"))
add(
    "RI Saturday 17:00 in winter -> Monday (MLK Day 2026-01-19 is a holiday) -> Tuesday",
    ri,
    loc(riz, "2026-01-17 17:00"),
)

# ---------------------------------------------------------------------------------------------
# 4. Holidays (holidays.country_holidays("US", subdiv=XX), observed days included)

for st in ("AL", "LA", "UT", "RI"):
    n, z = N[st], Z[st]
    add(f"{st} 2026-07-03: Independence Day observed (July 4 is a Saturday)", n, loc(z, "2026-07-03 12:00"))
    add(f"{st} 2026-07-04 Saturday holiday itself", n, loc(z, "2026-07-04 12:00"))
    add(f"{st} 2027-07-04 Sunday holiday: holiday beats sunday", n, loc(z, "2027-07-04 12:00"))
    add(f"{st} 2027-07-05 Monday, observed Independence Day", n, loc(z, "2027-07-05 12:00"))
    add(
        f"{st} 2027-07-02 Friday 23:00 -> Saturday (observed day is Monday 07-05)",
        n,
        loc(z, "2027-07-02 23:00"),
    )
    add(f"{st} 2027-12-24 Christmas observed (Dec 25 is a Saturday)", n, loc(z, "2027-12-24 12:00"))
    add(f"{st} 2027-12-31 New Year's Day 2028 observed", n, loc(z, "2027-12-31 12:00"))
    add(f"{st} Thanksgiving 2026", n, loc(z, "2026-11-26 12:00"))
    add(f"{st} holiday, transactional", n, loc(z, "2026-07-03 12:00"), "transactional")
for st in ("MS", "TX", "FL", "CT"):
    add(f"{st} has no holiday rule: 2026-07-03 noon", N[st], loc(Z[st], "2026-07-03 12:00"))
add("MS 2027-07-04 Sunday: sunday:MS (no holiday rule)", N["MS"], loc(Z["MS"], "2027-07-04 12:00"))
add("MS Confederate Memorial Day 2026-04-27 is not a rule for MS", N["MS"], loc(Z["MS"], "2026-04-27 12:00"))
add("UT Pioneer Day 2026-07-24 (Friday)", N["UT"], loc(Z["UT"], "2026-07-24 12:00"))
add("UT 2026-07-23 20:59:59, day before Pioneer Day", N["UT"], loc(Z["UT"], "2026-07-23 20:59:59"))
add("UT 2026-07-23 21:00 -> skip Pioneer Day to Saturday", N["UT"], loc(Z["UT"], "2026-07-23 21:00"))
add(
    "UT Pioneer Day observed 2027-07-23 (Friday; 24th is Saturday)", N["UT"], loc(Z["UT"], "2027-07-23 08:00")
)
add("UT 2027-07-24 Pioneer Day Saturday", N["UT"], loc(Z["UT"], "2027-07-24 12:00"))
add("AL Confederate Memorial Day 2026-04-27", N["AL"], loc(Z["AL"], "2026-04-27 08:00"))
add("AL Confederate Memorial Day 2027-04-26", N["AL"], loc(Z["AL"], "2027-04-26 15:00"))
add("AL Jefferson Davis Birthday 2026-06-01", N["AL"], loc(Z["AL"], "2026-06-01 10:00"))
add(
    "AL 2026-04-25 Saturday 20:00 -> Sunday, holiday Monday -> Tuesday",
    N["AL"],
    loc(Z["AL"], "2026-04-25 20:00"),
)
add("AL MLK/Robert E. Lee day 2027-01-18", N["AL"], loc(Z["AL"], "2027-01-18 09:00"))
add("RI Victory Day 2026-08-10", N["RI"], loc(Z["RI"], "2026-08-10 09:00"))
add("RI Victory Day 2027-08-09", N["RI"], loc(Z["RI"], "2027-08-09 13:00"))
add(
    "RI Saturday 2026-08-08 17:00 -> Sunday, Victory Day -> Tuesday",
    N["RI"],
    loc(Z["RI"], "2026-08-08 17:00"),
)
add("RI Columbus/Indigenous Peoples' Day 2026-10-12", N["RI"], loc(Z["RI"], "2026-10-12 12:00"))
add("LA Mardi Gras 2026-02-17", N["LA"], loc(Z["LA"], "2026-02-17 12:00"))
add("LA Good Friday 2026-04-03", N["LA"], loc(Z["LA"], "2026-04-03 12:00"))
add("LA Election Day 2026-11-03", N["LA"], loc(Z["LA"], "2026-11-03 12:00"))
add("LA Mardi Gras 2027-02-09", N["LA"], loc(Z["LA"], "2027-02-09 19:00"))
add("AL Christmas 2027: Thu 20:00 -> Fri obs, Sat, Sun -> Monday", N["AL"], loc(Z["AL"], "2027-12-23 20:00"))
add(
    "RI New Year 2028 observed Fri -> Sat holiday -> Sun -> Monday 2028-01-03",
    N["RI"],
    loc(Z["RI"], "2027-12-31 08:00"),
)
add("AL Juneteenth observed 2027-06-18 (19th is a Saturday)", N["AL"], loc(Z["AL"], "2027-06-18 12:00"))
add("AL 2026-07-02 23:30 CDT: local date not yet the holiday", N["AL"], loc(Z["AL"], "2026-07-02 23:30"))
add("AL 2026-07-03 00:00 CDT: holiday starts at local midnight", N["AL"], loc(Z["AL"], "2026-07-03 00:00"))
add(
    "AL number, recipient_tz Asia/Tokyo: Jul 3 08:00 JST is the holiday",
    N["AL"],
    loc("Asia/Tokyo", "2026-07-03 08:00"),
    tz="Asia/Tokyo",
)
add(
    "AL number, recipient_tz Asia/Tokyo: Jul 2 19:59 JST (Jul 2 in Tokyo)",
    N["AL"],
    loc("Asia/Tokyo", "2026-07-02 19:59"),
    tz="Asia/Tokyo",
)
add("AL holiday via CRM state on a NY number", N["NY"], loc(Z["NY"], "2026-04-27 12:00"), state="AL")
add(
    "UT holiday via CRM state on a UK number (evaluated in London)",
    N["UK"],
    loc(Z["UK"], "2026-07-24 12:00"),
    state="UT",
)

# ---------------------------------------------------------------------------------------------
# 5. Reason order across several applicable states (union of CRM state and area-code state)

add(
    "AL number + RI state, Sunday July 4 2027: holiday:AL first",
    N["AL"],
    loc(Z["AL"], "2027-07-04 12:00"),
    state="RI",
)
add(
    "AL number + RI state, ordinary Sunday: sunday:AL first",
    N["AL"],
    loc(Z["AL"], f"{SUN} 12:00"),
    state="RI",
)
add(
    "AL number + RI state on RI Victory Day: holiday:RI",
    N["AL"],
    loc(Z["AL"], "2026-08-10 12:00"),
    state="RI",
)
add(
    "AL number + RI state on AL Confederate Memorial Day",
    N["AL"],
    loc(Z["AL"], "2026-04-27 12:00"),
    state="RI",
)
add("AL number + RI state weekday 08:30 CDT: RI not open", N["AL"], loc(Z["AL"], f"{WED} 08:30"), state="RI")
add("AL number + RI state weekday 18:00 CDT: RI closed", N["AL"], loc(Z["AL"], f"{WED} 18:00"), state="RI")
add(
    "AL number + RI state weekday 07:00 CDT: both closed, AL first",
    N["AL"],
    loc(Z["AL"], f"{WED} 07:00"),
    state="RI",
)
add("TX number + FL state 20:30 CDT: FL closed, TX open", N["TX"], loc(Z["TX"], f"{WED} 20:30"), state="FL")
add("TX number + FL state 08:30 CDT: TX not open", N["TX"], loc(Z["TX"], f"{WED} 08:30"), state="FL")
add(
    "TX number + FL state 07:30 CDT: both, FL first alphabetically",
    N["TX"],
    loc(Z["TX"], f"{WED} 07:30"),
    state="FL",
)
add("TX number + FL state 09:00 CDT", N["TX"], loc(Z["TX"], f"{WED} 09:00"), state="FL")
add("WA number + MA state 20:00 PDT: MA before WA", N["WA"], loc(Z["WA"], f"{WED} 20:00"), state="MA")
add("MA number + WA state 07:00 EDT: MA before WA", N["MA"], loc(Z["MA"], f"{WED} 07:00"), state="WA")
add("CT number + RI state 18:30 EDT", N["CT"], loc(Z["CT"], f"{WED} 18:30"), state="RI")
add(
    "CT number + RI state Saturday 09:30 EDT: both closed, CT first",
    N["CT"],
    loc(Z["CT"], f"{SAT} 09:30"),
    state="RI",
)
add("CT number + RI state Saturday 17:00", N["CT"], loc(Z["CT"], f"{SAT} 17:00"), state="RI")
add("UT number + TX state Sunday 12:00 MDT: sunday:UT", N["UT"], loc(Z["UT"], f"{SUN} 12:00"), state="TX")
add("UT number + TX state Saturday 08:30 MDT: TX", N["UT"], loc(Z["UT"], f"{SAT} 08:30"), state="TX")
add("MS number + LA state Mardi Gras: holiday:LA", N["MS"], loc(Z["MS"], "2026-02-17 12:00"), state="LA")
add("FL number + FL state (same state once)", N["FL"], loc(Z["FL"], f"{WED} 20:00"), state="FL")
add("NY number + TX state 08:30 EDT (TX rules in NY time)", N["NY"], loc(Z["NY"], f"{WED} 08:30"), state="TX")
add("NY number + lowercase padded ' tx ' state", N["NY"], loc(Z["NY"], f"{WED} 08:30"), state=" tx ")
add("NY number + 'Texas' (not a USPS code) ignored", N["NY"], loc(Z["NY"], f"{WED} 08:30"), state="Texas")
add("NY number + 'ZZ' invalid state ignored", N["NY"], loc(Z["NY"], f"{WED} 20:30"), state="ZZ")
add("NY number + empty state", N["NY"], loc(Z["NY"], f"{WED} 20:30"), state="")
add("NY number + null state", N["NY"], loc(Z["NY"], f"{WED} 20:30"), state=None)
add("NY number + NY state (valid, no state rules)", N["NY"], loc(Z["NY"], f"{WED} 20:30"), state="NY")
add("TX number + CA state (no rules) Sunday 11:00", N["TX"], loc(Z["TX"], f"{SUN} 11:00"), state="CA")
add("FL number + invalid state 'F L' keeps area-code FL", N["FL"], loc(Z["FL"], f"{WED} 20:30"), state="F L")
add("CA number + RI state on a Saturday 16:30 PDT", N["CA"], loc(Z["CA"], f"{SAT} 16:30"), state="RI")
add("CA number + RI state on a Saturday 17:00 PDT", N["CA"], loc(Z["CA"], f"{SAT} 17:00"), state="RI")
add(
    "State rules are marketing-only: TX number + AL state Sunday, transactional",
    N["TX"],
    loc(Z["TX"], f"{SUN} 10:00"),
    "transactional",
    state="AL",
)

# ---------------------------------------------------------------------------------------------
# 6. Caps (FL, OK, MD only; 3 or more in 24 h on the same subject -> not before at + 24 h)

for st in ("FL", "OK", "MD"):
    n, z = N[st], Z[st]
    add(f"{st} sent 2: no cap", n, loc(z, f"{WED} 12:00"), sent=2)
    add(f"{st} sent 3: cap, at+24h is inside the window", n, loc(z, f"{WED} 12:00"), sent=3)
    add(f"{st} sent 7: cap", n, loc(z, f"{WED} 12:34:56"), sent=7)
    add(f"{st} sent 3 at 19:30: at+24h 19:30 still in window", n, loc(z, f"{WED} 19:30"), sent=3)
    add(f"{st} sent 3 at 07:00: cap reported first, then window", n, loc(z, f"{WED} 07:00"), sent=3)
    add(
        f"{st} sent 3 at 20:30: at+24h outside window -> following morning", n, loc(z, f"{WED} 20:30"), sent=3
    )
    add(f"{st} sent 3, transactional: no cap", n, loc(z, f"{WED} 12:00"), "transactional", sent=3)
    add(f"{st} sent 0", n, loc(z, f"{WED} 12:00"), sent=0)
    add(f"{st} sent null", n, loc(z, f"{WED} 12:00"), sent=None)
for st in ("WA", "MA", "CT", "TX", "AL", "LA", "MS", "UT", "RI"):
    add(f"{st} has no cap: sent 3 at noon Wednesday", N[st], loc(Z[st], f"{WED} 12:00"), sent=3)
add("NY number, sent 10: no capped state", N["NY"], loc(Z["NY"], f"{WED} 12:00"), sent=10)
add("UK number, sent 5: no capped state", N["UK"], loc(Z["UK"], f"{WED} 12:00"), sent=5)
add(
    "NY number + CRM state FL, sent 3: cap via mailing state",
    N["NY"],
    loc(Z["NY"], f"{WED} 12:00"),
    state="FL",
    sent=3,
)
add("NY number + CRM state 'md', sent 3", N["NY"], loc(Z["NY"], f"{WED} 12:00"), state="md", sent=3)
add("NY number + CRM state OK, sent 2", N["NY"], loc(Z["NY"], f"{WED} 12:00"), state="OK", sent=2)
add(
    "FL number + OK state, sent 3: cap_24h:FL first",
    N["FL"],
    loc(Z["FL"], f"{WED} 12:00"),
    state="OK",
    sent=3,
)
add(
    "OK number + MD state, sent 3: cap_24h:MD first",
    N["OK"],
    loc(Z["OK"], f"{WED} 12:00"),
    state="MD",
    sent=3,
)
add("TX number + OK state, sent 3: cap from OK", N["TX"], loc(Z["TX"], f"{WED} 12:00"), state="OK", sent=3)
add(
    "TX number + OK state, sent 3 on Saturday 10:00: at+24h Sunday 10:00 before TX noon",
    N["TX"],
    loc(Z["TX"], f"{SAT} 10:00"),
    state="OK",
    sent=3,
)
add(
    "FL number + AL state, sent 3 Saturday noon: at+24h is Sunday -> Monday",
    N["FL"],
    loc(Z["FL"], f"{SAT} 12:00"),
    state="AL",
    sent=3,
)
add(
    "FL number + UT state, sent 3, at+24h on Pioneer Day",
    N["FL"],
    loc(Z["FL"], "2026-07-23 10:00"),
    state="UT",
    sent=3,
)
add("FL sent 3 across the fall-back: at+24h is 11:00 EST", N["FL"], loc(Z["FL"], "2026-10-31 12:00"), sent=3)
add("FL sent 3 across spring-forward: at+24h is 13:00 EDT", N["FL"], loc(Z["FL"], "2026-03-07 12:00"), sent=3)
add(
    "FL sent 3 at 19:30 before fall-back: at+24h 18:30 EST", N["FL"], loc(Z["FL"], "2026-10-31 19:30"), sent=3
)
add(
    "MD sent 3 at 20:30 before spring-forward: at+24h 21:30 EDT -> Monday 08:00",
    N["MD"],
    loc(Z["MD"], "2026-03-07 20:30"),
    sent=3,
)
add(
    "Inmarsat (no zones) + FL state, sent 3: cap only, windows vacuous",
    N["INMARSAT"],
    "2026-06-10T03:17:00Z",
    state="FL",
    sent=3,
)
add(
    "UK number + MD state, sent 4: cap, MD window in London",
    N["UK"],
    loc(Z["UK"], f"{WED} 20:30"),
    state="MD",
    sent=4,
)
add("FL cap with offset-written at", N["FL"], loc(Z["FL"], f"{WED} 13:00", "offset"), sent=3)

# ---------------------------------------------------------------------------------------------
# 7. recipient_tz

add(
    "NY number, recipient_tz LA: 08:30 EDT is 05:30 PDT",
    N["NY"],
    loc(Z["NY"], f"{WED} 08:30"),
    tz="America/Los_Angeles",
)
add(
    "NY number, recipient_tz LA: 22:30 EDT is 19:30 PDT",
    N["NY"],
    loc(Z["NY"], f"{WED} 22:30"),
    tz="America/Los_Angeles",
)
add(
    "FL number, recipient_tz Asia/Tokyo, 08:00 JST",
    N["FL"],
    loc("Asia/Tokyo", "2026-06-11 08:00"),
    tz="Asia/Tokyo",
)
add(
    "FL number, recipient_tz Asia/Tokyo, 20:00 JST",
    N["FL"],
    loc("Asia/Tokyo", "2026-06-11 20:00"),
    tz="Asia/Tokyo",
)
add(
    "RI number, recipient_tz Europe/Paris, Saturday 17:00 CEST",
    N["RI"],
    loc("Europe/Paris", f"{SAT} 17:00"),
    tz="Europe/Paris",
)
add(
    "UK number, recipient_tz America/Chicago, 07:30 CDT",
    N["UK"],
    loc("America/Chicago", f"{WED} 07:30"),
    tz="America/Chicago",
)
add(
    "Toll-free (42 zones), recipient_tz America/Chicago",
    N["TOLLFREE"],
    loc("America/Chicago", f"{WED} 07:45"),
    tz="America/Chicago",
)
add(
    "Russian mobile, recipient_tz Europe/Moscow 07:59",
    N["RU_MOB"],
    loc("Europe/Moscow", f"{WED} 07:59"),
    tz="Europe/Moscow",
)
add(
    "Australian mobile, recipient_tz Australia/Perth 08:00",
    N["AU_MOB"],
    loc("Australia/Perth", f"{WED} 08:00"),
    tz="Australia/Perth",
)
add(
    "ID two-zone number, recipient_tz America/Boise",
    N["ID"],
    loc("America/Boise", f"{WED} 08:00"),
    tz="America/Boise",
)
add(
    "Invalid recipient_tz 'Mars/Olympus' ignored (NY zone used)",
    N["NY"],
    loc(Z["NY"], f"{WED} 08:30"),
    tz="Mars/Olympus",
)
add("Invalid recipient_tz '' ignored", N["NY"], loc(Z["NY"], f"{WED} 07:30"), tz="")
add(
    "Invalid recipient_tz 'America/New York' (space) ignored",
    N["CA"],
    loc(Z["CA"], f"{WED} 07:30"),
    tz="America/New York",
)
add("Invalid recipient_tz 'Etc/Unknown' ignored", N["CA"], loc(Z["CA"], f"{WED} 21:00"), tz="Etc/Unknown")
add("Invalid recipient_tz 'GMT+25' ignored", N["UK"], loc(Z["UK"], f"{WED} 07:30"), tz="GMT+25")
add("recipient_tz null", N["NY"], loc(Z["NY"], f"{WED} 07:30"), tz=None)
add(
    "India number, recipient_tz Etc/UTC: India window applies in UTC",
    N["IN"],
    f"{WED}T08:30:00Z",
    tz="Etc/UTC",
)
add(
    "India number, recipient_tz America/New_York 08:30 EDT",
    N["IN"],
    loc("America/New_York", f"{WED} 08:30"),
    tz="America/New_York",
)
add(
    "Toll-free + RI state, recipient_tz America/New_York: solvable",
    N["TOLLFREE"],
    loc("America/New_York", f"{WED} 20:00"),
    tz="America/New_York",
    state="RI",
)
add(
    "recipient_tz with transactional",
    N["JP"],
    loc("America/Denver", f"{WED} 07:00"),
    "transactional",
    tz="America/Denver",
)
add(
    "AL number, recipient_tz Pacific/Auckland, Monday in NZ is Sunday in Alabama",
    N["AL"],
    loc("Pacific/Auckland", f"{MON} 10:00"),
    tz="Pacific/Auckland",
)

# ---------------------------------------------------------------------------------------------
# 8. Numbers with several zones (a rule must hold in every zone)

add("ID 208: 08:30 Boise is 07:30 Los Angeles", N["ID"], loc("America/Boise", f"{WED} 08:30"))
add("ID 208: 09:00 Boise = 08:00 LA", N["ID"], loc("America/Boise", f"{WED} 09:00"))
add("ID 208: 20:59:59 Boise", N["ID"], loc("America/Boise", f"{WED} 20:59:59"))
add("ID 208: 21:00 Boise", N["ID"], loc("America/Boise", f"{WED} 21:00"))
add("ID 208 transactional 08:30 Boise", N["ID"], loc("America/Boise", f"{WED} 08:30"), "transactional")
add(
    "Navajo 928-283 summer: Denver 08:30 is Phoenix 07:30", N["NAVAJO"], loc("America/Denver", f"{WED} 08:30")
)
add("Navajo 928-283 winter: both zones at 08:00", N["NAVAJO"], loc("America/Denver", "2026-01-14 08:00"))
add(
    "Navajo 928-283 summer: Phoenix 20:00 is Denver 21:00",
    N["NAVAJO"],
    loc("America/Phoenix", f"{WED} 20:00"),
)
add("Alaska 907 summer: Anchorage 08:00 is Adak 07:00", N["AK"], loc("America/Anchorage", f"{WED} 08:00"))
add("Alaska 907 summer: Anchorage 09:00", N["AK"], loc("America/Anchorage", f"{WED} 09:00"))
add("North Dakota 701: Denver 07:30 is Central 08:30", N["ND"], loc("America/Denver", f"{WED} 07:30"))
add("North Dakota 701: Central 20:30 is Denver 19:30", N["ND"], loc("America/Chicago", f"{WED} 20:30"))
add("North Dakota 701: Central 21:00", N["ND"], loc("America/Chicago", f"{WED} 21:00"))
add("Canada Toronto 07:59 (not federal: default reason)", N["CA_TOR"], loc(Z["CA_TOR"], f"{WED} 07:59"))
add("Canada Vancouver 20:59:59", N["CA_VAN"], loc(Z["CA_VAN"], f"{WED} 20:59:59"))
add("Canada 709: St John's 08:15 is Halifax 07:45", N["CA_NL"], loc("America/St_Johns", f"{WED} 08:15"))
add("Canada 709: Halifax 08:00 = St John's 08:30", N["CA_NL"], loc("America/Halifax", f"{WED} 08:00"))
add("Canada 709: St John's 21:00 is Halifax 20:30", N["CA_NL"], loc("America/St_Johns", f"{WED} 21:00"))
add("Canada 709: St John's 20:59 is Halifax 20:29", N["CA_NL"], loc("America/St_Johns", f"{WED} 20:59"))
add(
    "Canada 709 + CRM state TX: federal + TX in both zones",
    N["CA_NL"],
    loc("America/Halifax", f"{WED} 09:00"),
    state="TX",
)
add("Australian mobile (8 zones) June 01:00Z: Cocos 07:30", N["AU_MOB"], f"{WED}T01:00:00Z")
add("Australian mobile June 01:30Z: Cocos 08:00, Lord Howe 12:00", N["AU_MOB"], f"{WED}T01:30:00Z")
add("Australian mobile June 10:29:59Z: Lord Howe 20:59:59", N["AU_MOB"], f"{WED}T10:29:59Z")
add("Australian mobile June 10:30Z: Lord Howe 21:00", N["AU_MOB"], f"{WED}T10:30:00Z")
add("Australian mobile January 10:00Z: Sydney 21:00 AEDT", N["AU_MOB"], "2026-01-14T10:00:00Z")
add("Australian mobile January 09:59Z", N["AU_MOB"], "2026-01-14T09:59:00Z")
add("Australian mobile transactional 23:00Z", N["AU_MOB"], f"{WED}T23:00:00Z", "transactional")
add(
    "Australia DST ends 2026-04-05: day before, 10:15Z is Sydney 21:15 AEDT",
    N["AU_MOB"],
    "2026-04-04T10:15:00Z",
)
add(
    "Australia DST ended: 2026-04-05 10:15Z is Sydney 20:15 AEST, Lord Howe 20:45",
    N["AU_MOB"],
    "2026-04-05T10:15:00Z",
)
add("Australia DST starts 2026-10-04: 10:15Z is Sydney 21:15 AEDT", N["AU_MOB"], "2026-10-04T10:15:00Z")
add("Sydney landline 08:00 AEST", N["AU_SYD"], loc(Z["AU_SYD"], "2026-06-11 08:00"))
add("Sydney landline 07:59 AEST", N["AU_SYD"], loc(Z["AU_SYD"], "2026-06-11 07:59"))
add("Russian mobile (16 zones) summer 04:59Z: Moscow 07:59", N["RU_MOB"], f"{WED}T04:59:00Z")
add("Russian mobile summer 05:00Z: Moscow 08:00, Anadyr 17:00", N["RU_MOB"], f"{WED}T05:00:00Z")
add("Russian mobile summer 08:59:59Z: Anadyr 20:59:59", N["RU_MOB"], f"{WED}T08:59:59Z")
add("Russian mobile summer 09:00Z: Anadyr 21:00", N["RU_MOB"], f"{WED}T09:00:00Z")
add("Russian mobile winter 05:30Z: Bucharest 07:30 EET", N["RU_MOB"], "2026-01-14T05:30:00Z")
add(
    "Russian mobile Europe DST eve 2026-03-28 05:30Z: Bucharest 07:30 EET",
    N["RU_MOB"],
    "2026-03-28T05:30:00Z",
)
add("Russian mobile 2026-03-29 05:30Z: Bucharest 08:30 EEST", N["RU_MOB"], "2026-03-29T05:30:00Z")
add("Russian mobile transactional 12:00Z", N["RU_MOB"], f"{WED}T12:00:00Z", "transactional")
add("Russian mobile + CRM state FL (12h window) summer", N["RU_MOB"], f"{WED}T12:00:00Z", state="FL")
add("Moscow landline 07:59 MSK", N["RU_MSK"], loc(Z["RU_MSK"], f"{WED} 07:59"))
add("Brazil toll-free (4 zones) 12:59Z: Rio Branco 07:59", N["BR_TOLL"], f"{WED}T12:59:00Z")
add("Brazil toll-free 13:00Z: Rio Branco 08:00, Noronha 11:00", N["BR_TOLL"], f"{WED}T13:00:00Z")
add("Brazil toll-free 22:59:59Z: Noronha 20:59:59", N["BR_TOLL"], f"{WED}T22:59:59Z")
add("Brazil toll-free 23:00Z: Noronha 21:00", N["BR_TOLL"], f"{WED}T23:00:00Z")
add("Brazil Sao Paulo mobile 07:59", N["BR_SP"], loc(Z["BR_SP"], f"{WED} 07:59"))
add("NZ mobile (Auckland + Chatham) 08:14:59Z: Chatham 20:59:59", N["NZ"], f"{WED}T08:14:59Z")
add("NZ mobile 08:15Z: Chatham 21:00 (+12:45)", N["NZ"], f"{WED}T08:15:00Z")
add("NZ mobile 19:59Z: Auckland 07:59", N["NZ"], f"{WED}T19:59:00Z")
add("Nepal (+05:45) 02:14Z = 07:59", N["NP"], f"{WED}T02:14:00Z")
add("Nepal 02:15Z = 08:00", N["NP"], f"{WED}T02:15:00Z")
add("Kiribati (Tarawa +12, Kanton +13, Kiritimati +14) 19:59Z: Tarawa 07:59", N["KI"], f"{WED}T19:59:00Z")
add("Kiribati 20:00Z: Tarawa 08:00, Kiritimati 10:00", N["KI"], f"{WED}T20:00:00Z")
add("Kiribati 06:59:59Z: Kiritimati 20:59:59", N["KI"], f"{WED}T06:59:59Z")
add("Kiribati 07:00Z: Kiritimati 21:00", N["KI"], f"{WED}T07:00:00Z")
add(
    "Kiribati + CRM state AL: Sunday in Kiritimati while Saturday in Tarawa",
    N["KI"],
    "2026-06-13T11:00:00Z",
    state="AL",
)
add("Toll-free 42 zones, transactional June", N["TOLLFREE"], f"{WED}T12:00:00Z", "transactional")
add("Toll-free 42 zones, marketing June 21:59Z", N["TOLLFREE"], f"{WED}T21:59:00Z")
add("Toll-free 42 zones, marketing June 22:00Z", N["TOLLFREE"], f"{WED}T22:00:00Z")
add("Toll-free 42 zones, marketing January", N["TOLLFREE"], "2026-01-14T12:00:00Z")
add("Toll-free + CT state January: 30-minute overlap", N["TOLLFREE"], "2026-01-14T12:00:00Z", state="CT")
add("American Samoa mobile (42 zones per phonenumbers), federal", N["AS"], f"{WED}T12:00:00Z")
add("Puerto Rico 07:59 AST: federal", N["PR"], loc(Z["PR"], f"{WED} 07:59"))
add("Puerto Rico 20:59 AST", N["PR"], loc(Z["PR"], f"{WED} 20:59"))
add("US Virgin Islands 21:00 AST: federal", N["VI"], loc(Z["VI"], f"{WED} 21:00"))
add("Guam 07:00 ChST: federal", N["GU"], loc(Z["GU"], f"{WED} 07:00"))
add("Northern Mariana Islands 12:00 ChST", N["MP"], loc(Z["MP"], f"{WED} 12:00"))
add("Guam transactional 07:00: default", N["GU"], loc(Z["GU"], f"{WED} 07:00"), "transactional")

# ---------------------------------------------------------------------------------------------
# 9. No instant within 30 days

add(
    "Toll-free + RI state: RI window (9h) never overlaps across 42 zones -> null",
    N["TOLLFREE"],
    f"{WED}T12:00:00Z",
    state="RI",
)
add(
    "Toll-free + CT state in summer: 11h window, 11.5h spread -> null",
    N["TOLLFREE"],
    f"{WED}T12:00:00Z",
    state="CT",
)
add("Russian mobile + RI state: 9h window, 9-10h spread -> null", N["RU_MOB"], f"{WED}T06:00:00Z", state="RI")
add("Russian mobile + RI state in winter -> null", N["RU_MOB"], "2026-12-02T07:00:00Z", state="ri")
add(
    "Toll-free + RI state, transactional: solvable",
    N["TOLLFREE"],
    f"{WED}T12:00:00Z",
    "transactional",
    state="RI",
)

# ---------------------------------------------------------------------------------------------
# 10. Vacuous zones (valid number without a zone)

add("Inmarsat, no zones: marketing at 03:00Z sends", N["INMARSAT"], "2026-06-10T03:00:00Z")
add("Inmarsat + CRM state AL on a Sunday: vacuous", N["INMARSAT"], "2026-06-14T18:00:00Z", state="AL")
add("Inmarsat + CRM state FL sent 2: vacuous", N["INMARSAT"], "2026-06-14T02:00:00Z", state="FL", sent=2)
add(
    "Inmarsat, recipient_tz Europe/London binds again",
    N["INMARSAT"],
    "2026-06-10T03:00:00Z",
    tz="Europe/London",
)

# ---------------------------------------------------------------------------------------------
# 11. India

ind, inz = N["IN"], Z["IN"]
add("India 08:59 IST: country window", ind, loc(inz, f"{WED} 08:59"))
add("India 08:00 IST: default fine, country not", ind, loc(inz, f"{WED} 08:00"))
add("India 07:59 IST: country before default", ind, loc(inz, f"{WED} 07:59"))
add("India 09:00 IST", ind, loc(inz, f"{WED} 09:00"))
add("India 20:59:59 IST", ind, loc(inz, f"{WED} 20:59:59"))
add("India 21:00 IST", ind, loc(inz, f"{WED} 21:00"))
add("India 23:59 IST (18:29Z)", ind, loc(inz, f"{WED} 23:59"))
add("India transactional 08:00 IST", ind, loc(inz, f"{WED} 08:00"), "transactional")
add("India transactional 07:59 IST", ind, loc(inz, f"{WED} 07:59"), "transactional")
add("India + CRM state CA (federal too) 08:15 IST: country first", ind, loc(inz, f"{WED} 08:15"), state="CA")
add("India + CRM state CA 07:00 IST", ind, loc(inz, f"{WED} 07:00"), state="CA")
add("India + CRM state TX 09:00 IST Sunday: TX Sunday noon", ind, loc(inz, f"{SUN} 09:00"), state="TX")
add("India + CRM state RI Saturday 09:30 IST", ind, loc(inz, f"{SAT} 09:30"), state="RI")
add("India 09:00 IST written with +05:30 offset", ind, loc(inz, f"{WED} 09:00", "offset"))
add("India 08:45 IST written with +05:30 offset", ind, loc(inz, f"{WED} 08:45", "offset"))

# ---------------------------------------------------------------------------------------------
# 12. Non-US numbers with a US state (federal applies)

uk, ukz = N["UK"], Z["UK"]
add("UK 07:30: default reason", uk, loc(ukz, f"{WED} 07:30"))
add("UK 07:30 + state 'ny': federal reason", uk, loc(ukz, f"{WED} 07:30"), state="ny")
add("UK 07:30 + state 'PR' (territory): federal", uk, loc(ukz, f"{WED} 07:30"), state="PR")
add("UK 07:30 + state 'DC': federal", uk, loc(ukz, f"{WED} 07:30"), state="DC")
add("UK 07:30 + state 'XX': ignored", uk, loc(ukz, f"{WED} 07:30"), state="XX")
add("UK 20:30 + state FL: FL window in London", uk, loc(ukz, f"{WED} 20:30"), state="FL")
add("UK 21:00 + state GA (valid, no rules): federal", uk, loc(ukz, f"{WED} 21:00"), state="GA")
add("UK 20:30 transactional + state FL", uk, loc(ukz, f"{WED} 20:30"), "transactional", state="FL")
add("France Saturday 17:00 CEST + state RI", N["FR"], loc(Z["FR"], f"{SAT} 17:00"), state="RI")
add("France Sunday 12:00 + state MS", N["FR"], loc(Z["FR"], f"{SUN} 12:00"), state="MS")
add("Germany 08:30 + state CT", N["DE"], loc(Z["DE"], f"{WED} 08:30"), state="CT")
add("Japan 21:00 JST, no state", N["JP"], loc(Z["JP"], f"{WED} 21:00"))
add("Japan 21:00 JST + state AK", N["JP"], loc(Z["JP"], f"{WED} 21:00"), state="AK")
add(
    "Canada Toronto + CRM state WA 20:00: WA window applies",
    N["CA_TOR"],
    loc(Z["CA_TOR"], f"{WED} 20:00"),
    state="WA",
)

# ---------------------------------------------------------------------------------------------
# 13. DST transition days (US 2026-03-08 / 2026-11-01 / 2027-03-14 / 2027-11-07,
#     EU 2026-03-29 / 2026-10-25 / 2027-03-28 / 2027-10-31)

ny = N["NY"]
add("US spring forward: Sat 21:00 EST -> Sun 08:00 EDT (12:00Z)", ny, "2026-03-08T02:00:00Z")
add("US spring forward: 07:30Z = 03:30 EDT", ny, "2026-03-08T07:30:00Z")
add("US spring forward: 11:59Z = 07:59 EDT", ny, "2026-03-08T11:59:00Z")
add("US spring forward: 12:00Z = 08:00 EDT", ny, "2026-03-08T12:00:00Z")
add("US spring forward: 12:30Z transactional", ny, "2026-03-08T12:30:00Z", "transactional")
add("US fall back: 05:30Z = 01:30 EDT (first)", ny, "2026-11-01T05:30:00Z")
add("US fall back: 06:30Z = 01:30 EST (second)", ny, "2026-11-01T06:30:00Z")
add("US fall back: 12:30Z = 07:30 EST", ny, "2026-11-01T12:30:00Z")
add("US fall back: 13:00Z = 08:00 EST", ny, "2026-11-01T13:00:00Z")
add("US fall back: 2026-11-02 01:59:59Z = 20:59:59 EST", ny, "2026-11-02T01:59:59Z")
add("US fall back: 2026-11-02 02:00Z = 21:00 EST", ny, "2026-11-02T02:00:00Z")
add("FL fall back day 19:59:59 EST", N["FL"], "2026-11-02T00:59:59Z")
add("FL fall back day 20:00 EST", N["FL"], "2026-11-02T01:00:00Z")
add("AL 2027-03-14 (DST Sunday): sunday, then Monday 08:00 CDT", N["AL"], "2027-03-14T10:00:00Z")
add("TX 2027-11-07 (fall back Sunday) 11:59 CST", N["TX"], "2027-11-07T17:59:00Z")
add("TX 2027-11-07 12:00 CST", N["TX"], "2027-11-07T18:00:00Z")
add("TX 2027-03-14 (spring forward Sunday) 11:59 CDT", N["TX"], "2027-03-14T16:59:00Z")
add("UT 2026-03-07 Saturday 21:00 MST -> Monday 08:00 MDT", N["UT"], "2026-03-08T04:00:00Z")
add("WA 2026-03-07 Saturday 20:00 PST -> Sunday 08:00 PDT", N["WA"], "2026-03-08T04:00:00Z")
add("Arizona during US DST change (no change)", N["AZ"], "2026-03-08T14:59:00Z")
add("Navajo 928 on US spring-forward day 14:30Z", N["NAVAJO"], "2026-03-08T14:30:00Z")
add("UK spring forward: 2026-03-28 07:00Z = 07:00 GMT", uk, "2026-03-28T07:00:00Z")
add("UK spring forward: 2026-03-29 07:00Z = 08:00 BST", uk, "2026-03-29T07:00:00Z")
add("UK spring forward: 2026-03-29 00:30Z -> 07:00Z", uk, "2026-03-29T00:30:00Z")
add("UK fall back: 2026-10-24 07:30Z = 08:30 BST", uk, "2026-10-24T07:30:00Z")
add("UK fall back: 2026-10-25 07:30Z = 07:30 GMT", uk, "2026-10-25T07:30:00Z")
add("UK fall back: 2026-10-24 20:30Z = 21:30 BST -> 08:00 GMT", uk, "2026-10-24T20:30:00Z")
add("France 2027-03-28 06:59Z = 08:59 CEST", N["FR"], "2027-03-28T06:59:00Z")
add("France 2027-03-28 05:59Z = 07:59 CEST", N["FR"], "2027-03-28T05:59:00Z")
add("France 2027-10-31 06:30Z = 07:30 CET", N["FR"], "2027-10-31T06:30:00Z")
add("France 2027-10-30 19:00Z = 21:00 CEST -> 08:00 CET Sunday", N["FR"], "2027-10-30T19:00:00Z")
add(
    "UK number + recipient_tz America/New_York between US and EU DST starts",
    uk,
    "2026-03-20T11:59:00Z",
    tz="America/New_York",
)
add("UK + state FL on EU fall-back day 19:30Z = 19:30 GMT", uk, "2026-10-25T19:30:00Z", state="FL")

# ---------------------------------------------------------------------------------------------
# 14. Near midnight UTC vs local; instant formats

add("NY 00:59:59Z = 20:59:59 EDT previous day", ny, "2026-06-12T00:59:59Z")
add("NY 01:00Z = 21:00 EDT previous day", ny, "2026-06-12T01:00:00Z")
add("FL 00:00Z = 20:00 EDT", N["FL"], "2026-06-12T00:00:00Z")
add("FL 23:59:59Z = 19:59:59 EDT", N["FL"], "2026-06-11T23:59:59Z")
add("Hawaii 06:59:59Z = 20:59:59 HST", N["HI"], "2026-06-11T06:59:59Z")
add("Hawaii 07:00Z = 21:00 HST -> 18:00Z", N["HI"], "2026-06-11T07:00:00Z")
add("AL 2026-06-15 04:59Z = Sunday 23:59 CDT", N["AL"], "2026-06-15T04:59:00Z")
add("AL 2026-06-22 05:00Z = Monday 00:00 CDT", N["AL"], "2026-06-22T05:00:00Z")
add("AL 2026-06-14 00:30Z = Saturday 19:30 CDT (Sunday in UTC)", N["AL"], "2026-06-14T00:30:00Z")
add("RI 2026-06-13 00:00Z = Friday 20:00 EDT", N["RI"], "2026-06-13T00:00:00Z")
add("TX 2026-06-15 01:30Z = Sunday 20:30 CDT", N["TX"], "2026-06-15T01:30:00Z")
add("Tokyo 2026-06-09 23:00Z = 08:00 JST", N["JP"], "2026-06-09T23:00:00Z")
add("Tokyo 2026-06-09 22:59Z = 07:59 JST", N["JP"], "2026-06-09T22:59:00Z")
add("Sydney 2026-06-11 21:59Z = 07:59 AEST", N["AU_SYD"], "2026-06-11T21:59:00Z")
add("NY at written as -04:00 offset 07:59", ny, "2026-06-10T07:59:00-04:00")
add("NY at written as +00:00", ny, "2026-06-10T12:00:00+00:00")
add("NY at written as +09:00 (21:00 JST = 08:00 EDT)", ny, "2026-06-10T21:00:00+09:00")
add("FL fractional at 19:59:59.999 EDT", N["FL"], "2026-06-10T23:59:59.999Z")
add("FL fractional at 07:59:59.5 EDT -> whole 08:00", N["FL"], "2026-06-10T11:59:59.5Z")
add("NY fractional at 20:59:59.999999 EDT", ny, "2026-06-11T00:59:59.999999Z")
add("Year end: NY 2026-12-31 21:00 EST -> 2027-01-01 08:00", ny, "2027-01-01T02:00:00Z")
add(
    "Year end: AL 2026-12-31 20:00 CST -> New Year's Day -> 2027-01-02 Saturday",
    N["AL"],
    "2027-01-01T02:00:00Z",
)

# ---------------------------------------------------------------------------------------------
# 15. Transactional vs marketing at identical instants

for key, local in (
    ("FL", f"{WED} 20:15"),
    ("TX", f"{SUN} 10:00"),
    ("RI", f"{SUN} 10:00"),
    ("CT", f"{WED} 08:15"),
    ("UT", "2026-07-24 10:00"),
    ("IN", f"{WED} 08:30"),
):
    add(f"{key} pair: marketing", N[key], loc(Z[key], local))
    add(f"{key} pair: transactional", N[key], loc(Z[key], local), "transactional")

# ---------------------------------------------------------------------------------------------
# 16. Area-code table: every listed, phonenumbers-valid area code reports its own state

THU, SAT2, SUN2 = "2026-06-11", "2026-06-20", "2026-06-21"
PROBE = {  # a local time at which the state's own rule (and only a state rule) is violated first
    "FL": f"{THU} 20:30",
    "OK": f"{THU} 20:30",
    "MD": f"{THU} 20:30",
    "WA": f"{THU} 20:30",
    "MA": f"{THU} 20:30",
    "CT": f"{THU} 08:30",
    "TX": f"{THU} 08:30",
    "AL": f"{SUN2} 12:00",
    "LA": f"{SUN2} 12:00",
    "MS": f"{SUN2} 12:00",
    "UT": f"{SUN2} 12:00",
    "RI": f"{SAT2} 17:30",
}
for st, codes in AREA_CODES.items():
    for code in codes.split():
        number = f"+1{code}5550142"
        parsed = phonenumbers.parse(number, None)
        if not phonenumbers.is_valid_number(parsed):
            continue  # 483 (AL) is not valid in phonenumbers' metadata
        zones = [z for z in pn_timezone.time_zones_for_number(parsed) if z != "Etc/Unknown"]
        assert len(zones) == 1, (number, zones)
        add(f"area code {code} -> {st}", number, loc(zones[0], PROBE[st]))


# ---------------------------------------------------------------------------------------------


def _check_inputs() -> None:
    seen = set()
    for why, case in CASES:
        parsed = phonenumbers.parse(case["to"], None)
        assert phonenumbers.is_valid_number(parsed), (why, case["to"])
        year = parse_instant(case["at"]).year
        assert year in (2026, 2027), (why, case["at"])
        key = json.dumps(case, sort_keys=True)
        assert key not in seen, ("duplicate case", why)
        seen.add(key)


def verify(case: dict[str, Any], expect: dict[str, Any]) -> None:
    """Slow second derivation: every whole UTC minute from `at` to the answer."""
    ctx = build_context(case)
    at = ctx.at
    assert (expect["decision"] == "send") == allowed(at, ctx)
    if expect["decision"] == "send":
        return
    assert expect["reason"] == violations(at, ctx)[0]
    end = parse_instant(expect["not_before"]) if expect["not_before"] else at + HORIZON
    if expect["not_before"]:
        assert allowed(end, ctx) and end - at <= HORIZON
        assert not allowed(end - dt.timedelta(seconds=1), ctx) or end - dt.timedelta(seconds=1) < at
    t = at.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    while t < end or (not expect["not_before"] and t <= end):
        assert not allowed(t, ctx), (case, format_instant(t))
        t += dt.timedelta(minutes=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verify", action="store_true", help="brute-force check every expectation")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)

    _check_inputs()
    lines = []
    for why, case in CASES:
        expect = oracle(case)
        if args.verify:
            verify(case, expect)
        lines.append(json.dumps({"case": case, "expect": expect, "why": why}, ensure_ascii=False))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} cases to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
