"""Use case: with send-time optimisation on, a marketing message waits for the hour of the week its segment
replies most — through the same deferral as any held-back message, inside the window and the horizon —
a transactional one never does, and the replies teach the optimiser (counted for the hour the message
went in, once per message)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import boto3
import pytest

from tests.support.clock import Clock
from tests.support.events import deal_to_renewal_offer, opportunity_to_review
from tests.support.fakes import (
    FakeCrm,
    FakeDeferrals,
    FakeHourStats,
    FakeSms,
    opportunity_context,
    renewal_context,
)
from textloop import bootstrap
from textloop.adapters.dynamodb import DynamoHourStats
from textloop.domain.model import Outcome, TriggerEvent
from textloop.domain.ports import SendPlan
from textloop.domain.rules import OptimiseConfig
from textloop.domain.send_optimiser import HourCount, hour_of_week
from textloop.domain.send_time import SendRequest, decide
from textloop.domain.watchlist import DEFAULT_TRIGGERS_FILE
from textloop.schemas import deferred_body, parse_queue_body
from textloop.service_layer.dispatch import Dispatcher
from textloop.service_layer.replies import ReplyRouter
from textloop.service_layer.send_optimiser import OPTIMISED, SendTimeOptimiser

BOSTON = ZoneInfo("America/New_York")
BOSTON_PHONE = "+16175550142"  # renewal_context's number: Massachusetts, 08:00-20:00 for marketing
SEGMENT = "rule=renewal_offer"
MONDAY_3PM = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)  # the clock's start: 15:00 in Boston
WEDNESDAY_10AM = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # 10:00 in Boston
MONDAY_11PM = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # 23:00 in Boston: outside the window
HORIZON = timedelta(days=7)


def _week_favouring(best: datetime) -> dict[int, HourCount]:
    """A segment's week in which every hour earned 2 % but *best*'s hour earned 30 %."""
    week = {hour: HourCount(300, 6) for hour in range(168)}
    return week | {hour_of_week(best, BOSTON): HourCount(300, 90)}


def _allowed(at: datetime) -> bool:
    return decide(SendRequest(BOSTON_PHONE, at, "marketing")).decision == "send"


def _fired(deferrals: FakeDeferrals, name: str) -> TriggerEvent:
    (event,) = parse_queue_body(deferred_body(deferrals.scheduled[name].event))
    return event


@pytest.fixture
def stats() -> FakeHourStats:
    return FakeHourStats()


@pytest.fixture
def optimised(make_dispatcher: Callable[[], Dispatcher], stats: FakeHourStats) -> Dispatcher:
    optimiser = SendTimeOptimiser(OptimiseConfig(enabled=True), stats, stats, rng=random.Random(11))
    return replace(make_dispatcher(), optimiser=optimiser)


def test_given_a_best_hour_later_in_the_week_then_the_marketing_message_is_deferred_to_it_once(
    optimised: Dispatcher,
    crm: FakeCrm,
    sms: FakeSms,
    deferrals: FakeDeferrals,
    clock: Clock,
    stats: FakeHourStats,
) -> None:
    stats.seeded[SEGMENT] = _week_favouring(WEDNESDAY_10AM)
    crm.add(renewal_context())
    event = deal_to_renewal_offer()
    result = optimised(event)
    assert (result.outcome, result.reason) == (Outcome.DEFERRED, OPTIMISED)
    assert result.details["not_before"] == "2026-11-25T15:00:00Z"  # Wednesday 10:00 in Boston
    assert _allowed(WEDNESDAY_10AM) and WEDNESDAY_10AM - MONDAY_3PM <= HORIZON
    assert result.details["segment"] == SEGMENT and result.details["hour_of_week"] == 2 * 24 + 10
    assert result.details["zone"] == "America/New_York" and result.details["held_by"] == [OPTIMISED]
    assert sms.sent == [] and stats.called("fix") == [event.event_key]
    (name,) = deferrals.scheduled  # the scheduler path every deferral takes: a one-time schedule
    assert deferrals.scheduled[name].not_before == WEDNESDAY_10AM

    clock.now = WEDNESDAY_10AM  # when the schedule fires, the same plan is found: sent, and counted
    assert optimised(_fired(deferrals, name)).outcome is Outcome.SENT
    assert len(sms.sent) == 1 and stats.called("fix") == [event.event_key]
    ((sid, (segment, hour, at)),) = stats.sends.items()
    assert (sid, segment, hour, at) == (sms.sent[0][1], SEGMENT, 58, WEDNESDAY_10AM)
    assert optimised(_fired(deferrals, name)).outcome is Outcome.DUPLICATE
    assert len(sms.sent) == 1 and len(stats.sends) == 1


def test_given_the_best_hour_is_now_then_the_marketing_message_is_sent_at_once(
    optimised: Dispatcher, crm: FakeCrm, sms: FakeSms, deferrals: FakeDeferrals, stats: FakeHourStats
) -> None:
    stats.seeded[SEGMENT] = _week_favouring(MONDAY_3PM)
    crm.add(renewal_context())
    result = optimised(deal_to_renewal_offer())
    assert result.outcome is Outcome.SENT, result
    assert deferrals.scheduled == {} and len(sms.sent) == 1
    assert list(stats.sends.values()) == [(SEGMENT, 15, MONDAY_3PM)]  # Monday 15:00 in Boston


def test_given_a_transactional_message_then_it_is_never_optimised(
    optimised: Dispatcher, crm: FakeCrm, sms: FakeSms, stats: FakeHourStats
) -> None:
    stats.seeded = {"rule=contract_final_review": _week_favouring(WEDNESDAY_10AM)}
    crm.add(opportunity_context())
    assert optimised(opportunity_to_review()).outcome is Outcome.SENT
    assert len(sms.sent) == 1 and stats.calls == []  # no plan, no count


def test_given_a_night_time_trigger_then_the_policy_and_the_chosen_hour_both_hold_it(
    optimised: Dispatcher, crm: FakeCrm, clock: Clock, stats: FakeHourStats
) -> None:
    clock.now = MONDAY_11PM
    stats.seeded[SEGMENT] = _week_favouring(WEDNESDAY_10AM)
    crm.add(renewal_context())
    result = optimised(deal_to_renewal_offer())
    assert (result.reason, result.details["not_before"]) == (OPTIMISED, "2026-11-25T15:00:00Z")
    assert result.details["held_by"] == ["quiet_hours_state:MA", OPTIMISED]
    assert result.details["zones"] == ["America/New_York"]  # the policy's audit is kept


def test_given_the_original_event_redelivered_while_deferred_then_the_plan_holds_not_a_new_draw(
    optimised: Dispatcher, crm: FakeCrm, sms: FakeSms, deferrals: FakeDeferrals, stats: FakeHourStats
) -> None:
    crm.add(renewal_context())  # no data: every allowed hour is as likely to be drawn
    first = optimised(deal_to_renewal_offer())
    assert first.outcome is Outcome.DEFERRED
    for _ in range(3):  # later draws would differ; the kept plan does not
        again = optimised(deal_to_renewal_offer())
        assert (again.outcome, again.details.get("not_before")) == (
            first.outcome,
            first.details.get("not_before"),
        )
    assert len(stats.called("fix")) == 1 and sms.sent == [] and len(deferrals.scheduled) == 1


def test_given_no_data_yet_then_every_draw_is_an_allowed_hour_within_the_horizon(
    make_dispatcher: Callable[[], Dispatcher], crm: FakeCrm, deferrals: FakeDeferrals, stats: FakeHourStats
) -> None:
    optimiser = SendTimeOptimiser(OptimiseConfig(enabled=True), stats, stats, rng=random.Random(5))
    dispatcher = replace(make_dispatcher(), optimiser=optimiser)
    chosen = []
    for n in range(25):  # one number each: the caps do not interfere
        crm.add(renewal_context(str(9300 + n), phone=f"+1617555{n:04d}"))
        result = dispatcher(deal_to_renewal_offer(9300 + n, 3000 + n))
        at = (
            datetime.fromisoformat(result.details["not_before"])
            if "not_before" in result.details
            else MONDAY_3PM
        )
        chosen.append(at)
    assert all(_allowed(at) and MONDAY_3PM <= at <= MONDAY_3PM + HORIZON for at in chosen)
    assert len({hour_of_week(at, BOSTON) for at in chosen}) > 10  # exploration spreads over the window


def test_given_a_reply_to_an_optimised_message_then_it_counts_once_for_the_hour_it_went_in(
    optimised: Dispatcher, crm: FakeCrm, sms: FakeSms, clock: Clock, router: ReplyRouter, stats: FakeHourStats
) -> None:
    stats.seeded[SEGMENT] = _week_favouring(MONDAY_3PM)
    crm.add(renewal_context())
    assert optimised(deal_to_renewal_offer()).outcome is Outcome.SENT
    sid = sms.sent[0][1]
    counting = replace(router, hour_stats=stats, reply_window=timedelta(hours=72))
    clock.advance(minutes=20)
    for n, intent in enumerate(("opt_out", "buying_signal", "question")):
        counting(_reply(f"SMin{n}", clock.now), {"intent": intent})
    assert stats.called("record_reply") == [sid, sid]  # a STOP is not what the optimiser seeks
    assert stats.replies == {sid}  # counted once, under the hour it was sent in
    assert stats.counts(SEGMENT)[15] == HourCount(301, 91)


def test_given_a_reply_long_after_the_message_then_it_does_not_count(
    optimised: Dispatcher, crm: FakeCrm, clock: Clock, router: ReplyRouter, stats: FakeHourStats
) -> None:
    stats.seeded[SEGMENT] = _week_favouring(MONDAY_3PM)
    crm.add(renewal_context())
    optimised(deal_to_renewal_offer())
    clock.advance(days=4)
    replace(router, hour_stats=stats)(_reply("SMlate", clock.now), {"intent": "question"})
    assert stats.replies == set()


def _reply(sid: str, at: datetime) -> dict[str, object]:
    return {
        "sid": sid,
        "sender": BOSTON_PHONE,
        "to": "+14155550100",
        "body": "sounds good",
        "num_media": 0,
        "media_types": [],
        "opt_out_type": None,
        "received_at": at.isoformat(),
    }


# -- the DynamoDB adapter: atomic counters, once per message, first plan wins ----------------------------


@pytest.fixture
def dynamo_stats(aws: dict[str, str]) -> DynamoHourStats:
    return DynamoHourStats(aws["StateTable"], boto3.client("dynamodb"))


def test_given_sends_and_replies_then_the_state_table_counts_each_message_once(
    dynamo_stats: DynamoHourStats,
) -> None:
    until = MONDAY_3PM + timedelta(days=4)
    assert dynamo_stats.record_send("SM1", SEGMENT, 58, MONDAY_3PM, until)
    assert not dynamo_stats.record_send("SM1", SEGMENT, 58, MONDAY_3PM, until)  # redelivered: once
    assert dynamo_stats.record_send("SM2", SEGMENT, 58, MONDAY_3PM, until)
    assert dynamo_stats.record_send("SM3", SEGMENT, 10, MONDAY_3PM, until)
    assert dynamo_stats.record_send("SM4", "rule=other", 58, MONDAY_3PM, until)
    assert dynamo_stats.record_reply("SM1", MONDAY_3PM - timedelta(hours=72))
    assert not dynamo_stats.record_reply("SM1", MONDAY_3PM - timedelta(hours=72))  # a second reply
    assert not dynamo_stats.record_reply("SM3", MONDAY_3PM + timedelta(minutes=1))  # sent before since
    assert not dynamo_stats.record_reply("SMnever", MONDAY_3PM)  # not an optimised message
    assert dynamo_stats.counts(SEGMENT) == {58: HourCount(2, 1), 10: HourCount(1, 0)}
    assert dynamo_stats.counts("rule=nobody") == {}


def test_given_two_plans_for_one_message_then_the_first_is_kept(dynamo_stats: DynamoHourStats) -> None:
    until = MONDAY_3PM + timedelta(days=38)
    first = SendPlan("hubspot:deal:9101:2001", WEDNESDAY_10AM, 58, SEGMENT, "America/New_York", until)
    second = replace(first, at=MONDAY_3PM, hour=15)
    assert dynamo_stats.planned(first.message) is None
    assert dynamo_stats.fix(first) == first
    assert dynamo_stats.fix(second) == first
    kept = dynamo_stats.planned(first.message)
    assert kept is not None and (kept.at, kept.hour, kept.zone) == (WEDNESDAY_10AM, 58, "America/New_York")


def test_given_the_dynamodb_adapter_then_the_optimised_dispatcher_runs_on_it_end_to_end(
    make_dispatcher: Callable[[], Dispatcher],
    dynamo_stats: DynamoHourStats,
    crm: FakeCrm,
    sms: FakeSms,
    deferrals: FakeDeferrals,
    clock: Clock,
) -> None:
    wednesday_10 = hour_of_week(WEDNESDAY_10AM, BOSTON)
    for n in range(3):  # Wednesday 10:00 earned a reply to each of its three sends last week
        dynamo_stats.record_send(
            f"SMseed{n}", SEGMENT, wednesday_10, MONDAY_3PM - timedelta(days=5), MONDAY_3PM
        )
        dynamo_stats.record_reply(f"SMseed{n}", MONDAY_3PM - timedelta(days=6))
    optimiser = SendTimeOptimiser(
        OptimiseConfig(enabled=True), dynamo_stats, dynamo_stats, rng=random.Random(2)
    )
    dispatcher = replace(make_dispatcher(), optimiser=optimiser)
    crm.add(renewal_context())
    result = dispatcher(deal_to_renewal_offer())
    assert result.outcome is Outcome.DEFERRED
    at = datetime.fromisoformat(result.details["not_before"])
    assert _allowed(at) and at - MONDAY_3PM <= HORIZON
    clock.now = at
    (name,) = deferrals.scheduled
    assert dispatcher(_fired(deferrals, name)).outcome is Outcome.SENT
    sent_in = hour_of_week(at, BOSTON)
    assert dynamo_stats.counts(SEGMENT)[sent_in].sends == (4 if sent_in == wednesday_10 else 1)
    assert len(sms.sent) == 1


# -- the wiring: built from the rules file at cold start, only when it turns optimisation on -------------


@pytest.mark.parametrize("enabled", [False, True])
def test_given_the_rules_file_then_the_optimiser_and_the_reply_counts_are_wired_only_when_enabled(
    aws: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, enabled: bool
) -> None:
    raw = json.loads(DEFAULT_TRIGGERS_FILE.read_text(encoding="utf-8"))
    raw["send_time"]["optimise"] = {"enabled": enabled, "horizon_days": 5, "reply_window_hours": 48}
    (tmp_path / "triggers.json").write_text(json.dumps(raw), encoding="utf-8")
    env = {"TRIGGERS_FILE": str(tmp_path / "triggers.json"), "STATE_TABLE": aws["StateTable"]}
    for name, value in {**env, "CONSENT_TABLE": aws["ConsentTable"]}.items():
        monkeypatch.setenv(name, value)
    bootstrap.reset()
    try:
        optimiser, router = bootstrap.dispatcher().optimiser, bootstrap.reply_router()
        if enabled:
            assert isinstance(optimiser, SendTimeOptimiser) and optimiser.horizon == timedelta(days=5)
            assert isinstance(router.hour_stats, DynamoHourStats) and router.reply_window == timedelta(
                hours=48
            )
        else:
            assert optimiser is None and router.hour_stats is None
    finally:
        bootstrap.reset()
