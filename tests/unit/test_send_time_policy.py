"""Use case: an outbound SMS goes out only when the send-time policy allows it, else it waits for
the earliest compliant instant (default window, federal window, state rules, India, caps)."""

from __future__ import annotations

import io
import json
import sys
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from textloop.domain.send_time import (
    AREA_CODE_STATE,
    REASON_ORDER,
    STATE_RULES,
    SendRequest,
    SendTimePolicy,
    Window,
    decide,
    decide_json,
)

NEW_YORK = "+12125550100"  # America/New_York, no state rules
MIAMI = "+13055550100"  # FL
HARTFORD = "+12035550100"  # CT
DALLAS = "+12145550100"  # TX, America/Chicago
SEATTLE = "+12065550100"  # WA, America/Los_Angeles
BIRMINGHAM = "+12055550100"  # AL, America/Chicago
NEW_ORLEANS = "+15045550100"  # LA
JACKSON = "+16015550100"  # MS
SALT_LAKE = "+18015550100"  # UT, America/Denver
PROVIDENCE = "+14015550100"  # RI
BALTIMORE = "+14105550100"  # MD
IDAHO = "+12085550100"  # America/Boise and America/Los_Angeles
SAN_JUAN = "+17875550100"  # PR
MUMBAI = "+919876543210"  # IN, Asia/Calcutta
LONDON = "+447400123456"  # GB: London, Guernsey, Isle of Man, Jersey
TOLL_FREE = "+18005550100"  # 42 zones, Guam to Pago Pago


def check(to: str, at: str, purpose: str = "marketing", **extra: Any) -> dict[str, Any]:
    return decide_json({"to": to, "at": at, "purpose": purpose, **extra})


def sends(answer: dict[str, Any]) -> bool:
    return answer == {"decision": "send", "not_before": None, "reason": "ok"}


def defers(answer: dict[str, Any], not_before: str | None, reason: str) -> bool:
    return answer == {"decision": "defer", "not_before": not_before, "reason": reason}


# ------------------------------------------------------------------------------- default window


def test_given_a_transactional_message_at_the_opening_minute_then_it_is_sent() -> None:
    assert sends(check(NEW_YORK, "2026-03-10T08:00:00-04:00", "transactional"))
    assert sends(check(NEW_YORK, "2026-03-10T20:59:59-04:00", "transactional"))


def test_given_a_transactional_message_at_the_closing_minute_then_it_waits_for_the_next_opening() -> None:
    answer = check(NEW_YORK, "2026-03-10T21:00:00-04:00", "transactional")
    assert defers(answer, "2026-03-11T12:00:00Z", "quiet_hours_default")


def test_given_a_transactional_message_then_no_state_rule_nor_cap_applies() -> None:
    # Sunday 08:30 in Alabama, 5 messages on the subject today: only the default window binds
    assert sends(check(BIRMINGHAM, "2026-03-08T08:30:00-05:00", "transactional", sent_24h_same_subject=5))
    assert sends(check(MIAMI, "2026-03-10T20:30:00-04:00", "transactional", sent_24h_same_subject=9))


def test_given_a_wider_default_window_then_marketing_to_the_us_still_obeys_the_federal_window() -> None:
    wide = SendTimePolicy(default_opens=time(7), default_closes=time(22))
    at = datetime.fromisoformat("2026-03-10T07:30:00-04:00")

    assert decide(SendRequest(NEW_YORK, at, "transactional"), wide).decision == "send"
    marketing = decide(SendRequest(NEW_YORK, at, "marketing"), wide)
    assert marketing.to_json() == {
        "decision": "defer",
        "not_before": "2026-03-10T12:00:00Z",
        "reason": "quiet_hours_federal",
    }
    london = datetime.fromisoformat("2026-03-10T07:30:00+00:00")
    assert decide(SendRequest(LONDON, london, "marketing"), wide).decision == "send"


def test_given_a_narrower_default_window_then_every_message_obeys_it() -> None:
    narrow = SendTimePolicy.with_default_window("10:00-16:00")
    at = datetime.fromisoformat("2026-03-10T09:00:00-04:00")
    decision = decide(SendRequest(NEW_YORK, at, "marketing"), narrow)
    assert decision.to_json() == {
        "decision": "defer",
        "not_before": "2026-03-10T14:00:00Z",
        "reason": "quiet_hours_default",
    }


# ------------------------------------------------------------------------------ federal, country


def test_given_marketing_to_a_us_number_after_nine_pm_then_the_federal_window_is_the_reason() -> None:
    answer = check(NEW_YORK, "2026-03-10T21:00:00-04:00")
    assert defers(answer, "2026-03-11T12:00:00Z", "quiet_hours_federal")
    assert sends(check(NEW_YORK, "2026-03-10T08:00:00-04:00"))


def test_given_marketing_to_a_territory_then_the_federal_window_applies() -> None:
    answer = check(SAN_JUAN, "2026-03-10T07:00:00-04:00")  # America/Puerto_Rico, no DST
    assert defers(answer, "2026-03-10T12:00:00Z", "quiet_hours_federal")


def test_given_a_foreign_number_then_marketing_obeys_the_default_window_only() -> None:
    assert defers(check(LONDON, "2026-03-10T21:00:00Z"), "2026-03-11T08:00:00Z", "quiet_hours_default")


def test_given_a_foreign_number_with_a_us_mailing_state_then_the_federal_window_applies() -> None:
    answer = check(LONDON, "2026-03-10T21:00:00Z", state="ny")
    assert defers(answer, "2026-03-11T08:00:00Z", "quiet_hours_federal")


def test_given_marketing_to_india_before_nine_then_the_country_window_defers_it() -> None:
    answer = check(MUMBAI, "2026-03-10T08:30:00+05:30")
    assert defers(answer, "2026-03-10T03:30:00Z", "quiet_hours_country:IN")
    late = check(MUMBAI, "2026-03-10T21:00:00+05:30")  # also outside the default window
    assert defers(late, "2026-03-11T03:30:00Z", "quiet_hours_country:IN")
    assert sends(check(MUMBAI, "2026-03-10T08:30:00+05:30", "transactional"))


# ----------------------------------------------------------------------------------- state rules


def test_given_florida_marketing_at_eight_pm_then_the_state_window_defers_it() -> None:
    assert sends(check(MIAMI, "2026-03-10T19:59:00-04:00"))
    answer = check(MIAMI, "2026-03-10T20:00:00-04:00")
    assert defers(answer, "2026-03-11T12:00:00Z", "quiet_hours_state:FL")


def test_given_washington_and_massachusetts_then_they_close_at_eight() -> None:
    assert defers(check(SEATTLE, "2026-03-10T20:00:00-07:00"), "2026-03-11T15:00:00Z", "quiet_hours_state:WA")
    assert defers(
        check("+16175550100", "2026-03-10T20:00:00-04:00"), "2026-03-11T12:00:00Z", "quiet_hours_state:MA"
    )


def test_given_connecticut_then_it_opens_at_nine() -> None:
    answer = check(HARTFORD, "2026-03-10T08:30:00-04:00")
    assert defers(answer, "2026-03-10T13:00:00Z", "quiet_hours_state:CT")
    assert sends(check(HARTFORD, "2026-03-10T09:00:00-04:00"))


def test_given_texas_on_sunday_morning_then_it_waits_for_noon_as_a_state_quiet_hour() -> None:
    answer = check(DALLAS, "2026-03-08T10:00:00-05:00")  # Sunday, CDT
    assert defers(answer, "2026-03-08T17:00:00Z", "quiet_hours_state:TX")
    assert sends(check(DALLAS, "2026-03-07T10:00:00-06:00"))  # Saturday
    assert sends(check(DALLAS, "2026-03-10T20:59:00-05:00"))  # Texas closes at 21:00


def test_given_alabama_on_sunday_then_it_waits_for_monday_morning() -> None:
    answer = check(BIRMINGHAM, "2026-03-08T10:00:00-05:00")
    assert defers(answer, "2026-03-09T13:00:00Z", "sunday:AL")


def test_given_mississippi_then_sunday_is_closed_but_holidays_are_not() -> None:
    assert defers(check(JACKSON, "2026-03-08T10:00:00-05:00"), "2026-03-09T13:00:00Z", "sunday:MS")
    assert sends(check(JACKSON, "2026-07-03T10:00:00-05:00"))  # Independence Day (observed)


def test_given_alabama_on_an_observed_holiday_then_it_waits_past_the_holiday_weekend() -> None:
    # July 4 2026 is a Saturday: observed Friday the 3rd; Saturday is the holiday, then Sunday
    answer = check(BIRMINGHAM, "2026-07-03T10:00:00-05:00")
    assert defers(answer, "2026-07-06T13:00:00Z", "holiday:AL")


def test_given_new_years_day_observed_in_the_previous_year_then_that_friday_is_a_holiday() -> None:
    # January 1 2028 is a Saturday: observed Friday, December 31 2027
    answer = check(BIRMINGHAM, "2027-12-31T10:00:00-06:00")
    assert defers(answer, "2028-01-03T14:00:00Z", "holiday:AL")


def test_given_a_holiday_on_a_sunday_then_the_holiday_is_the_reason_and_monday_is_observed() -> None:
    # January 1 2023 was a Sunday: holiday before sunday; Monday the 2nd observed
    answer = check(BIRMINGHAM, "2023-01-01T10:00:00-06:00")
    assert defers(answer, "2023-01-03T14:00:00Z", "holiday:AL")


def test_given_the_state_holidays_of_louisiana_utah_and_rhode_island_then_each_defers() -> None:
    assert defers(check(NEW_ORLEANS, "2026-02-17T10:00:00-06:00"), "2026-02-18T14:00:00Z", "holiday:LA")
    assert defers(check(SALT_LAKE, "2026-07-24T10:00:00-06:00"), "2026-07-25T14:00:00Z", "holiday:UT")
    assert defers(check(PROVIDENCE, "2026-08-10T10:00:00-04:00"), "2026-08-11T13:00:00Z", "holiday:RI")


def test_given_utah_then_it_sends_until_nine_but_never_on_sunday() -> None:
    assert sends(check(SALT_LAKE, "2026-03-10T20:30:00-06:00"))
    assert defers(check(SALT_LAKE, "2026-03-08T10:00:00-06:00"), "2026-03-09T14:00:00Z", "sunday:UT")


def test_given_rhode_island_then_weekdays_nine_to_six_and_saturday_ten_to_five() -> None:
    friday_six = check(PROVIDENCE, "2026-03-06T18:00:00-05:00")
    assert defers(friday_six, "2026-03-07T15:00:00Z", "quiet_hours_state:RI")  # Saturday 10:00
    saturday_five = check(PROVIDENCE, "2026-03-07T17:00:00-05:00")
    assert defers(saturday_five, "2026-03-09T13:00:00Z", "quiet_hours_state:RI")  # Monday 09:00 EDT
    assert sends(check(PROVIDENCE, "2026-03-07T16:59:00-05:00"))


def test_given_a_mailing_state_and_an_area_code_state_then_the_rules_of_both_apply() -> None:
    # Seattle number (WA, 08-20) mailing address in Texas: Sunday 11:00 Pacific waits for Texas's noon
    answer = check(SEATTLE, "2026-03-08T11:00:00-07:00", state="TX")
    assert defers(answer, "2026-03-08T19:00:00Z", "quiet_hours_state:TX")
    # ...and 20:00 waits for Washington
    assert defers(
        check(SEATTLE, "2026-03-10T20:00:00-07:00", state="TX"),
        "2026-03-11T16:00:00Z",
        "quiet_hours_state:WA",
    )


def test_given_two_states_violated_then_the_reason_names_the_first_alphabetically() -> None:
    answer = check(HARTFORD, "2026-03-10T08:30:00-04:00", state="TX")
    assert defers(answer, "2026-03-10T13:00:00Z", "quiet_hours_state:CT")


def test_given_sunday_and_quiet_hours_then_sunday_comes_first_in_the_reason_order() -> None:
    answer = check(MIAMI, "2026-03-08T07:00:00-04:00", state="AL")  # Sunday 07:00 EDT
    assert defers(answer, "2026-03-09T12:00:00Z", "sunday:AL")


def test_given_a_mailing_state_in_any_case_or_spacing_then_it_counts() -> None:
    assert defers(
        check(NEW_YORK, "2026-03-10T20:30:00-04:00", state=" fl "),
        "2026-03-11T12:00:00Z",
        "quiet_hours_state:FL",
    )


@pytest.mark.parametrize("state", ["Florida", "F L", "", "ZZ", 12, ["FL"], None])
def test_given_an_invalid_mailing_state_then_it_is_ignored(state: object) -> None:
    answer = check(NEW_YORK, "2026-03-10T20:30:00-04:00", state=state)
    assert sends(answer)


# ------------------------------------------------------------------------------------------- caps


def test_given_three_messages_on_the_subject_to_a_florida_number_then_it_waits_a_day() -> None:
    assert sends(check(MIAMI, "2026-03-10T11:00:00-04:00", sent_24h_same_subject=2))
    answer = check(MIAMI, "2026-03-10T11:00:00-04:00", sent_24h_same_subject=3)
    assert defers(answer, "2026-03-11T15:00:00Z", "cap_24h:FL")


def test_given_the_cap_ends_outside_the_window_then_it_waits_for_the_next_opening() -> None:
    # Saturday 19:30 EST + 24 h = Sunday 20:30 EDT (DST began): Florida is closed until Monday 08:00
    answer = check(MIAMI, "2026-03-07T19:30:00-05:00", sent_24h_same_subject=3)
    assert defers(answer, "2026-03-09T12:00:00Z", "cap_24h:FL")


def test_given_a_capped_mailing_state_then_the_cap_applies_to_any_number() -> None:
    answer = check(NEW_YORK, "2026-03-10T11:00:00-04:00", state="md", sent_24h_same_subject=4)
    assert defers(answer, "2026-03-11T15:00:00Z", "cap_24h:MD")


def test_given_two_capped_states_then_the_first_alphabetically_is_the_reason() -> None:
    answer = check(BALTIMORE, "2026-03-10T11:00:00-04:00", state="FL", sent_24h_same_subject=3)
    assert defers(answer, "2026-03-11T15:00:00Z", "cap_24h:FL")


def test_given_a_state_without_a_cap_then_the_count_does_not_matter() -> None:
    assert sends(check(DALLAS, "2026-03-10T11:00:00-05:00", sent_24h_same_subject=10))


def test_given_a_cap_then_it_precedes_every_other_reason() -> None:
    answer = check(BIRMINGHAM, "2026-03-08T07:00:00-05:00", state="OK", sent_24h_same_subject=3)
    assert defers(answer, "2026-03-09T13:00:00Z", "cap_24h:OK")


# ------------------------------------------------------------------------------- zones and DST


def test_given_a_recipient_time_zone_then_it_is_the_only_binding_zone() -> None:
    # 21:00 in Miami is 18:00 in Los Angeles, where the recipient lives
    at = "2026-03-10T21:00:00-04:00"
    assert sends(check(MIAMI, at, recipient_tz="America/Los_Angeles"))
    decision = decide(
        SendRequest(MIAMI, datetime.fromisoformat(at), "marketing", recipient_tz="America/Los_Angeles")
    )
    assert decision.zones == ("America/Los_Angeles",)


@pytest.mark.parametrize("tz", ["Mars/Olympus", "america/new_york", "", " America/Los_Angeles", 7, None])
def test_given_an_invalid_recipient_time_zone_then_the_numbers_zones_bind(tz: object) -> None:
    answer = check(MIAMI, "2026-03-10T20:00:00-04:00", recipient_tz=tz)
    assert defers(answer, "2026-03-11T12:00:00Z", "quiet_hours_state:FL")


def test_given_a_number_in_two_zones_then_every_rule_must_hold_in_both() -> None:
    # 208: Boise (Mountain) and Los Angeles (Pacific): 08:30 in Boise is 07:30 in Los Angeles
    answer = check(IDAHO, "2026-03-10T08:30:00-06:00")
    assert defers(answer, "2026-03-10T15:00:00Z", "quiet_hours_federal")
    # 20:30 in Los Angeles is 21:30 in Boise: closed until 08:00 in Los Angeles
    assert defers(check(IDAHO, "2026-03-10T20:30:00-07:00"), "2026-03-11T15:00:00Z", "quiet_hours_federal")
    decision = decide(SendRequest(IDAHO, datetime(2026, 3, 10, 15, tzinfo=UTC), "marketing"))
    assert decision.zones == ("America/Boise", "America/Los_Angeles")
    assert dict(decision.local_times) == {
        "America/Boise": "2026-03-10T09:00:00-06:00",
        "America/Los_Angeles": "2026-03-10T08:00:00-07:00",
    }


def test_given_the_spring_forward_night_then_the_opening_is_eight_daylight_time() -> None:
    answer = check(NEW_YORK, "2026-03-08T06:00:00Z", "transactional")  # 01:00 EST
    assert defers(answer, "2026-03-08T12:00:00Z", "quiet_hours_default")  # 08:00 EDT


def test_given_the_fall_back_night_then_the_opening_is_eight_standard_time() -> None:
    answer = check(NEW_YORK, "2026-11-01T05:30:00Z", "transactional")  # 01:30 EDT, first pass
    assert defers(answer, "2026-11-01T13:00:00Z", "quiet_hours_default")  # 08:00 EST


def test_given_an_opening_inside_the_dst_gap_then_the_window_opens_when_the_clock_jumps() -> None:
    policy = SendTimePolicy.with_default_window("02:30-21:00")
    at = datetime(2026, 3, 8, 6, 0, tzinfo=UTC)  # 01:00 EST; 02:30 does not exist that night
    assert decide(SendRequest(NEW_YORK, at, "transactional"), policy).not_before == datetime(
        2026, 3, 8, 7, 0, tzinfo=UTC
    )  # 03:00 EDT


def test_given_a_window_closing_inside_the_repeated_hour_then_it_reopens_when_the_clock_falls_back() -> None:
    policy = SendTimePolicy.with_default_window("20:00-01:30")  # wraps past midnight
    at = datetime(2026, 11, 1, 5, 45, tzinfo=UTC)  # 01:45 EDT: closed; at 06:00Z it is 01:00 EST
    decision = decide(SendRequest(NEW_YORK, at, "transactional"), policy)
    assert decision.not_before == datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


# ------------------------------------------------------------------------------ horizon, vacuity


def test_given_zones_that_never_share_an_opening_then_there_is_no_time_within_thirty_days() -> None:
    # A toll-free number binds 42 zones from Guam to Pago Pago: Rhode Island's 9-18 never fits them all
    answer = check(TOLL_FREE, "2026-03-10T03:00:00Z", state="RI")
    assert defers(answer, None, "quiet_hours_state:RI")  # 19:00 in Adak, after Rhode Island's 18:00


def test_given_a_short_horizon_then_an_answer_exactly_at_the_horizon_counts_and_later_does_not() -> None:
    at = datetime.fromisoformat("2026-03-10T11:00:00-04:00")
    capped = SendRequest(MIAMI, at, "marketing", sent_24h_same_subject=3)
    one_day = decide(capped, SendTimePolicy(horizon=timedelta(days=1)))
    assert one_day.not_before == at + timedelta(days=1)
    shorter = decide(capped, SendTimePolicy(horizon=timedelta(hours=23)))
    assert shorter.decision == "defer" and shorter.not_before is None and shorter.reason == "cap_24h:FL"


def test_given_a_number_without_time_zones_then_windows_hold_vacuously_but_the_cap_does_not() -> None:
    invalid_miami = "+1305555010"  # too short: phonenumbers knows no zone for it
    assert sends(check(invalid_miami, "2026-03-08T03:00:00Z"))
    answer = check(invalid_miami, "2026-03-08T03:00:00Z", sent_24h_same_subject=3)
    assert defers(answer, "2026-03-09T03:00:00Z", "cap_24h:FL")


# ------------------------------------------------------------------------- the JSON contract


def test_given_an_offset_and_fractional_seconds_then_instants_are_written_in_utc_with_z() -> None:
    answer = check(MIAMI, "2026-03-10T11:00:00.25-04:00", sent_24h_same_subject=3)
    assert answer["not_before"] == "2026-03-11T15:00:00.250000Z"
    assert list(answer) == ["decision", "not_before", "reason"]


def test_given_null_optional_fields_then_they_take_their_defaults() -> None:
    line = {
        "to": MIAMI,
        "at": "2026-03-10T15:00:00Z",
        "purpose": "marketing",
        "recipient_tz": None,
        "state": None,
        "sent_24h_same_subject": None,
    }
    assert sends(decide_json(line))


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"at": "2026-03-10T11:00:00Z", "purpose": "marketing"}, "to"),
        ({"to": "not a number", "at": "2026-03-10T11:00:00Z", "purpose": "marketing"}, "to"),
        ({"to": MIAMI, "at": "yesterday", "purpose": "marketing"}, "at"),
        ({"to": MIAMI, "at": 1773140400, "purpose": "marketing"}, "at"),
        ({"to": MIAMI, "at": "2026-03-10T11:00:00Z", "purpose": "promo"}, "purpose"),
        (
            {"to": MIAMI, "at": "2026-03-10T11:00:00Z", "purpose": "marketing", "sent_24h_same_subject": -1},
            "sent_24h",
        ),
        (
            {"to": MIAMI, "at": "2026-03-10T11:00:00Z", "purpose": "marketing", "sent_24h_same_subject": "3"},
            "sent_24h",
        ),
        (
            {
                "to": MIAMI,
                "at": "2026-03-10T11:00:00Z",
                "purpose": "marketing",
                "sent_24h_same_subject": True,
            },
            "sent_24h",
        ),
    ],
)
def test_given_a_bad_field_then_the_error_names_it(line: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        decide_json(line)


def test_given_a_naive_time_then_decide_refuses_it() -> None:
    with pytest.raises(ValueError, match="at"):
        decide(SendRequest(MIAMI, datetime(2026, 3, 10, 11), "marketing"))


def test_given_a_decision_then_the_audit_record_says_where_and_why() -> None:
    at = datetime.fromisoformat("2026-03-08T10:00:00-05:00")
    audit = decide(SendRequest(SEATTLE, at, "marketing", state="tx")).audit()
    assert audit == {
        "decision": "defer",
        "not_before": "2026-03-08T19:00:00Z",
        "reason": "quiet_hours_state:TX",
        "at": "2026-03-08T15:00:00Z",
        "purpose": "marketing",
        "country": "US",
        "zones": ["America/Los_Angeles"],
        "states": ["TX", "WA"],
        "local_times": {"America/Los_Angeles": "2026-03-08T08:00:00-07:00"},
    }


def test_the_rules_are_tables() -> None:
    assert REASON_ORDER[0] == "cap_24h" and REASON_ORDER[-1] == "quiet_hours_default"
    assert set(AREA_CODE_STATE.values()) == set(STATE_RULES)
    assert AREA_CODE_STATE["305"] == "FL" and AREA_CODE_STATE["401"] == "RI"
    assert STATE_RULES["TX"].week[6] == Window(time(12), time(21))
    assert Window.parse("20:00-24:00") == Window(time(20), time(0))
    assert Window(time(22), time(6)).contains(time(23)) and not Window(time(22), time(6)).contains(time(6))


def test_given_a_json_time_without_an_offset_then_it_is_read_as_utc() -> None:
    line = {"to": MIAMI, "at": "2026-03-10T11:00:00", "purpose": "marketing"}
    assert decide_json(line) == decide_json({**line, "at": "2026-03-10T11:00:00Z"})


# ---------------------------------------------------------------------------------------- the CLI


def run_cli(monkeypatch: pytest.MonkeyPatch, stdin: str, *options: str) -> tuple[int, list[dict[str, Any]]]:
    from textloop_local.cli import main

    out = io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    monkeypatch.setattr(sys, "stdout", out)
    code = main(["compliance", "check", "--jsonl", *options])
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


def test_given_jsonl_requests_then_the_cli_answers_each_line_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines = [
        {"to": MIAMI, "at": "2026-03-10T11:00:00Z", "purpose": "transactional"},
        {"to": MIAMI, "at": "2026-03-10T20:00:00-04:00", "purpose": "marketing", "state": None},
        {
            "to": BIRMINGHAM,
            "at": "2026-03-08T10:00:00-05:00",
            "purpose": "marketing",
            "recipient_tz": None,
            "sent_24h_same_subject": 0,
        },
    ]
    code, answers = run_cli(monkeypatch, "".join(json.dumps(line) + "\n" for line in lines) + "\n")
    assert code == 0
    assert answers == [
        {"decision": "defer", "not_before": "2026-03-10T12:00:00Z", "reason": "quiet_hours_default"},
        {"decision": "defer", "not_before": "2026-03-11T12:00:00Z", "reason": "quiet_hours_state:FL"},
        {"decision": "defer", "not_before": "2026-03-09T13:00:00Z", "reason": "sunday:AL"},
    ]


def test_given_a_bad_line_then_the_cli_reports_it_answers_the_rest_and_exits_1(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stdin = "\n".join(
        [
            "{not json",
            json.dumps({"to": MIAMI, "at": "10/03/2026 11:00", "purpose": "marketing"}),
            json.dumps({"to": MIAMI, "at": "2026-03-10T12:00:00Z", "purpose": "marketing"}),
        ]
    )
    code, answers = run_cli(monkeypatch, stdin)
    assert code == 1
    assert "line 1" in answers[0]["error"]
    assert "line 2" in answers[1]["error"] and "at" in answers[1]["error"]
    assert sends(answers[2])


def test_given_a_default_window_option_then_the_cli_uses_it(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = json.dumps({"to": LONDON, "at": "2026-03-10T07:30:00Z", "purpose": "transactional"}) + "\n"
    assert run_cli(monkeypatch, stdin)[1] == [
        {"decision": "defer", "not_before": "2026-03-10T08:00:00Z", "reason": "quiet_hours_default"}
    ]
    assert run_cli(monkeypatch, stdin, "--default-window", "07:00-22:00") == (0, [json.loads(sends_line())])


def sends_line() -> str:
    return json.dumps({"decision": "send", "not_before": None, "reason": "ok"})
