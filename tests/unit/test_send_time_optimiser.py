"""Use case: a marketing message goes in the hour of the week its segment replies most, learnt by Thompson
sampling over Beta posteriors, never outside the window and never beyond the horizon.

The simulation (``tests/support/send_time_simulation.py``, seeded: the same figures on every run) is the
proof: within 5,000 sends the optimiser earns at least 50 % more replies than a fixed send time (the
window's opening, 08:00) and at least 10 % more than a uniformly random allowed hour."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from tests.support.send_time_simulation import HORIZON, SENDS, reply_rate, simulate
from textloop.domain.rules import OptimiseConfig, RuleSet
from textloop.domain.send_optimiser import (
    HOURS_PER_WEEK,
    Candidate,
    HourCount,
    Posterior,
    Prior,
    best_mean,
    candidates,
    choose,
    hour_of_week,
    posterior,
    posteriors,
)

NEW_YORK = ZoneInfo("America/New_York")
MONDAY_NOON_NY = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


def _office_hours(at: datetime) -> bool:
    local = at.astimezone(NEW_YORK)
    return local.weekday() < 5 and 9 <= local.hour < 17


# -- the simulation: the figures the README quotes ----------------------------------------------------


def test_given_replies_that_depend_on_the_hour_when_simulated_then_the_optimiser_beats_fixed_and_random() -> (
    None
):
    results = simulate(strategies=("optimiser", "fixed", "random"))  # 5,000 sends, seeded
    optimiser, fixed, random_hour = results["optimiser"], results["fixed"], results["random"]
    assert optimiser.sends == fixed.sends == random_hour.sends == SENDS
    assert optimiser.replies >= 1.5 * fixed.replies, (optimiser, fixed)  # the stated margin: ≥ 50 %
    assert optimiser.replies >= 1.1 * random_hour.replies, (optimiser, random_hour)  # and ≥ 10 %
    assert optimiser.last_rate > optimiser.rate  # it learns: the last fifth beats its own average
    for result in results.values():  # every strategy: inside the window, inside the horizon
        assert result.outside_window == 0
        assert result.max_delay_h <= HORIZON / timedelta(hours=1)


def test_given_the_synthetic_population_then_its_peak_is_midweek_mid_morning() -> None:
    tuesday_10, saturday_8 = 1 * 24 + 10, 5 * 24 + 8
    assert reply_rate(tuesday_10) == max(reply_rate(h) for h in range(HOURS_PER_WEEK))
    assert reply_rate(saturday_8) < reply_rate(tuesday_10) / 5


# -- the hours offered: inside the window, inside the horizon -------------------------------------------


def test_given_office_hours_then_every_candidate_is_allowed_once_per_hour_within_the_horizon() -> None:
    found = candidates(MONDAY_NOON_NY, timedelta(days=7), NEW_YORK, _office_hours)
    assert len(found) == 5 * 8  # 09-17 on five weekdays
    assert found[0] == Candidate(MONDAY_NOON_NY, 12)  # now itself, when now is allowed
    assert all(_office_hours(c.at) for c in found)
    assert all(MONDAY_NOON_NY <= c.at <= MONDAY_NOON_NY + timedelta(days=7) for c in found)
    assert len({c.hour for c in found}) == len(found)
    assert all(c.at.astimezone(NEW_YORK).minute == 0 for c in found[1:])


def test_given_an_earliest_instant_inside_an_hour_then_the_rest_of_that_hour_is_offered_from_it() -> None:
    earliest = MONDAY_NOON_NY + timedelta(minutes=20, seconds=5)
    found = candidates(earliest, timedelta(hours=3), NEW_YORK, lambda at: True)
    assert [c.at for c in found] == [earliest] + [MONDAY_NOON_NY + timedelta(hours=h) for h in (1, 2, 3)]


def test_given_a_daylight_saving_change_then_candidates_stay_on_local_whole_hours() -> None:
    before = datetime(2027, 3, 13, 12, 0, tzinfo=UTC)  # DST starts 2027-03-14 02:00 in New York
    found = candidates(before, timedelta(days=2), NEW_YORK, lambda at: True)
    locals_ = [c.at.astimezone(NEW_YORK) for c in found]
    assert all(local.minute == 0 for local in locals_)
    assert all(b.at - a.at == timedelta(hours=1) for a, b in itertools.pairwise(found))
    assert 2 not in {local.hour for local in locals_ if local.day == 14}  # 02:00 does not exist that day


def test_given_a_half_hour_zone_then_candidates_fall_on_its_whole_hours() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    found = candidates(MONDAY_NOON_NY, timedelta(hours=5), kolkata, lambda at: True)
    assert all(c.at.astimezone(kolkata).minute == 0 for c in found[1:])
    assert len(found) == 6


def test_given_a_horizon_longer_than_a_week_then_each_hour_of_the_week_is_offered_once_at_its_first() -> None:
    found = candidates(MONDAY_NOON_NY, timedelta(days=14), NEW_YORK, _office_hours)
    assert len(found) == 40 and max(c.at for c in found) < MONDAY_NOON_NY + timedelta(days=7)


def test_given_bad_input_then_candidates_refuse_it_clearly() -> None:
    with pytest.raises(ValueError, match="UTC offset"):
        candidates(datetime(2026, 11, 23, 12), timedelta(days=1), NEW_YORK, lambda at: True)
    with pytest.raises(ValueError, match="horizon"):
        candidates(MONDAY_NOON_NY, timedelta(0), NEW_YORK, lambda at: True)
    with pytest.raises(ValueError, match="no allowed hour"):
        choose([], posteriors({}, Prior()), random.Random(1))


def test_given_an_instant_then_its_hour_of_the_week_is_local_monday_first() -> None:
    assert hour_of_week(MONDAY_NOON_NY, NEW_YORK) == 12
    assert (
        hour_of_week(datetime(2026, 11, 30, 4, 59, tzinfo=UTC), NEW_YORK) == HOURS_PER_WEEK - 1
    )  # Sun 23:59
    with pytest.raises(ValueError, match="UTC offset"):
        hour_of_week(datetime(2026, 11, 23, 12), NEW_YORK)


# -- posteriors and the draw ----------------------------------------------------------------------------


def test_given_counts_then_the_posterior_adds_them_to_the_prior() -> None:
    assert posterior(HourCount(40, 10), Prior(1, 10)) == Posterior(11, 39)
    assert posterior(HourCount(), Prior(1, 10)).mean == pytest.approx(0.10)
    assert posterior(HourCount(2, 5), Prior()) == Posterior(3, 9)  # more replies than sends: capped
    beliefs = posteriors({3: HourCount(10, 9)}, Prior())
    assert len(beliefs) == HOURS_PER_WEEK and beliefs[3].mean > beliefs[4].mean


def test_given_a_bad_prior_then_it_is_refused() -> None:
    for replies, sends in ((0, 10), (10, 10), (-1, 5)):
        with pytest.raises(ValueError, match="prior"):
            Prior(replies, sends)


def test_given_the_same_random_source_then_the_same_hour_is_drawn() -> None:
    offered = candidates(MONDAY_NOON_NY, timedelta(days=7), NEW_YORK, _office_hours)
    beliefs = posteriors({}, Prior())
    drawn = [choose(offered, beliefs, random.Random(7)).hour for _ in range(3)]
    assert len(set(drawn)) == 1
    many = {choose(offered, beliefs, random.Random(seed)).hour for seed in range(50)}
    assert len(many) > 10  # with no data every allowed hour gets explored


def test_given_one_hour_that_earns_replies_then_it_wins_nearly_every_draw() -> None:
    offered = candidates(MONDAY_NOON_NY, timedelta(days=7), NEW_YORK, _office_hours)
    wednesday_10 = 2 * 24 + 10
    counts = {c.hour: HourCount(200, 6) for c in offered} | {wednesday_10: HourCount(200, 40)}
    beliefs, rng = posteriors(counts, Prior()), random.Random(3)
    wins = sum(choose(offered, beliefs, rng).hour == wednesday_10 for _ in range(200))
    assert wins >= 190
    assert best_mean(offered, beliefs).hour == wednesday_10


# -- the rules file: send_time.optimise, validated at cold start ------------------------------------------


def _rules_with(optimise: dict[str, object]) -> RuleSet:
    raw = RuleSet.load().model_dump(mode="json")
    raw["send_time"]["optimise"] = optimise
    return RuleSet.model_validate(raw)


def test_given_the_default_rules_then_optimisation_is_off_with_a_documented_prior() -> None:
    optimise = RuleSet.load().send_time.optimise
    assert optimise == OptimiseConfig()
    assert not optimise.enabled and optimise.horizon_days == 7 and optimise.segment_by == ("rule",)
    assert (optimise.prior.replies, optimise.prior.sends) == (1, 10)


def test_given_a_segment_by_a_record_field_then_it_is_fetched_for_marketing_rules_only() -> None:
    rules = _rules_with({"enabled": True, "segment_by": ["rule", "record.Tier__c"]})
    marketing = [r for r in rules.rules if r.purpose == "marketing" and r.crm == "salesforce"]
    transactional = [r for r in rules.rules if r.purpose == "transactional"]
    assert "Tier__c" in rules.fields_for(marketing[:1])
    assert "Tier__c" not in rules.fields_for(transactional[:1])


@pytest.mark.parametrize(
    ("optimise", "message"),
    [
        ({"segment_by": ["owner.name"]}, "segment_by"),
        ({"segment_by": ["contact.email_address"]}, "contact condition"),
        ({"segment_by": ["rule", "rule"]}, "more than once"),
        ({"horizon_days": 0}, "horizon_days"),
        ({"horizon_days": 31}, "horizon_days"),
        ({"prior": {"replies": 5, "sends": 5}}, "fewer than sends"),
        ({"prior": {"replies": 0, "sends": 5}}, "replies"),
        ({"enabled": "sometimes"}, "enabled"),
        ({"segment_by": ["record.Account.Owner.Name"], "enabled": True}, "segment_by record"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_given_a_bad_optimise_section_then_the_cold_start_fails_naming_it(
    optimise: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        _rules_with(optimise)
