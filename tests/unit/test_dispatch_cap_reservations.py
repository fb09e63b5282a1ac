"""Use case: the frequency caps hold even when several messages to one number are judged at the same
instant. A message takes its entry on the number's cap ledger as its slot moves to SENDING, written only
if nobody wrote since it was read; the one that loses the race is deferred, never dropped. Transactional
messages are counted, never held back; an entry goes when its message is deferred or refused for good."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.clock import Clock
from tests.support.events import deal_to_contract_sent, deal_to_renewal_offer
from tests.support.fakes import (
    FakeCapReservations,
    FakeCrm,
    FakeDeferrals,
    FakeSms,
    deal_context,
    renewal_context,
)
from textloop.domain.errors import SmsUnavailable
from textloop.domain.model import Outcome
from textloop.domain.ports import CapEntry
from textloop.service_layer.dispatch import Dispatcher

PHONE = "+16175550142"  # Boston (MA: marketing 08:00-20:00); every context below texts it
WEEK = timedelta(days=7)


@pytest.fixture
def ledger() -> FakeCapReservations:
    return FakeCapReservations()


@pytest.fixture
def dispatcher(make_dispatcher: Callable[[], Dispatcher], ledger: FakeCapReservations) -> Dispatcher:
    return replace(make_dispatcher(), cap_reservations=ledger)


def _marketing_entry(holder: str, at: datetime) -> CapEntry:
    return CapEntry(holder, at, "renewal_offer", "marketing", at + WEEK)


def test_given_another_dispatcher_takes_the_numbers_last_place_first_then_this_offer_is_deferred_not_sent(
    dispatcher: Dispatcher,
    ledger: FakeCapReservations,
    crm: FakeCrm,
    sms: FakeSms,
    deferrals: FakeDeferrals,
    clock: Clock,
) -> None:
    # Given an offer whose history read shows nothing sent to the number today
    crm.add(renewal_context("9101"))
    # and another dispatcher that reserves the day's only marketing place between our read and our write
    other = _marketing_entry("renewal_offer#hubspot:deal:9102#+16175550142#other", clock.now)
    ledger.before_reserve.append(lambda: ledger.count(PHONE, other))

    # When the offer is judged
    result = dispatcher(deal_to_renewal_offer(9101, 1))

    # Then it lost the race: judged again on the ledger, it is deferred to 24 h after the other one
    assert (result.outcome, result.reason) == (Outcome.DEFERRED, "frequency_cap_24h")
    assert result.details["not_before"] == "2026-11-24T20:00:00Z"
    assert sms.sent == [] and len(deferrals.scheduled) == 1
    assert ("reserve", PHONE, "conflict") in ledger.calls
    assert ledger.holders(PHONE) == [other.holder]  # the loser holds no place

    # And when its schedule fires at that instant it is judged again and sent once
    clock.now = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
    assert dispatcher(deal_to_renewal_offer(9101, 1)).outcome is Outcome.SENT
    assert len(sms.sent) == 1 and len(ledger.holders(PHONE)) == 2


def test_given_the_caps_full_on_the_ledger_when_a_transactional_message_fires_then_it_is_sent_and_counted(
    dispatcher: Dispatcher, ledger: FakeCapReservations, crm: FakeCrm, sms: FakeSms, clock: Clock
) -> None:
    # Given three offers reserved in the last hour (both marketing caps full), none recorded as sent yet
    for n in range(3):
        ledger.count(PHONE, _marketing_entry(f"offer-{n}", clock.now - timedelta(minutes=10 * n)))
    crm.add(deal_context())  # the contract is ready, for the same number

    # When the transactional message fires
    result = dispatcher(deal_to_contract_sent())

    # Then it goes, and it is counted (never judged against the caps)
    assert result.outcome is Outcome.SENT and len(sms.sent) == 1
    assert ledger.called("reserve") == []
    (counted,) = [h for h in ledger.called("count") if h.startswith("contract_final_review#")]
    assert counted in ledger.holders(PHONE)


def test_given_an_offer_refused_for_good_by_the_provider_then_its_place_is_released(
    dispatcher: Dispatcher, ledger: FakeCapReservations, crm: FakeCrm, sms: FakeSms
) -> None:
    crm.add(renewal_context("9101"))
    sms.unsubscribed.add(PHONE)  # Twilio 21610

    result = dispatcher(deal_to_renewal_offer(9101, 1))

    assert (result.outcome, result.reason) == (Outcome.SKIPPED, "opted_out")
    (reserved,) = ledger.called("reserve")
    assert ledger.called("release") == [reserved] and ledger.holders(PHONE) == []


def test_given_a_reserved_offer_whose_send_failed_for_now_when_redelivered_then_sent_once_on_the_same_place(
    dispatcher: Dispatcher, ledger: FakeCapReservations, crm: FakeCrm, sms: FakeSms, clock: Clock
) -> None:
    # Given an offer that took its place, then Twilio answered 429
    crm.add(renewal_context("9101"))
    sms.unavailable = 1
    event = deal_to_renewal_offer(9101, 1)
    with pytest.raises(SmsUnavailable):
        dispatcher(event)
    (holder,) = ledger.holders(PHONE)  # kept: the retry resumes with it

    # When SQS redelivers it a minute later
    clock.advance(minutes=1)
    result = dispatcher(event)

    # Then it is not held back by its own place: sent once, still one entry, now at the send
    assert result.outcome is Outcome.SENT and len(sms.sent) == 1
    assert ledger.holders(PHONE) == [holder]
    assert ledger.ledgers[PHONE].entries[0].at == clock.now


def test_given_a_reserved_offer_when_its_retry_comes_after_the_window_closed_then_deferred_and_released(
    dispatcher: Dispatcher,
    ledger: FakeCapReservations,
    crm: FakeCrm,
    sms: FakeSms,
    deferrals: FakeDeferrals,
    clock: Clock,
) -> None:
    # Given at 19:59:30 in Boston an offer took its place and Twilio answered 429
    clock.now = datetime(2026, 11, 24, 0, 59, 30, tzinfo=UTC)
    crm.add(renewal_context("9101"))
    sms.unavailable = 1
    event = deal_to_renewal_offer(9101, 1)
    with pytest.raises(SmsUnavailable):
        dispatcher(event)
    assert len(ledger.holders(PHONE)) == 1

    # When SQS redelivers it after 20:00, when Massachusetts closes marketing
    clock.now = datetime(2026, 11, 24, 1, 2, tzinfo=UTC)
    result = dispatcher(event)

    # Then it is deferred to the morning and its place given back: it counts for nobody overnight
    assert (result.outcome, result.reason) == (Outcome.DEFERRED, "quiet_hours_state:MA")
    assert ledger.holders(PHONE) == [] and sms.sent == [] and len(deferrals.scheduled) == 1


def test_given_an_offer_the_history_already_holds_back_then_it_never_takes_a_place(
    dispatcher: Dispatcher, ledger: FakeCapReservations, crm: FakeCrm, clock: Clock
) -> None:
    clock.now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 22:00 in Boston
    crm.add(renewal_context("9101"))

    result = dispatcher(deal_to_renewal_offer(9101, 1))

    assert result.outcome is Outcome.DEFERRED
    assert ledger.calls == []


def test_given_messages_sent_before_the_ledger_started_then_history_and_ledger_each_count_them_once(
    dispatcher: Dispatcher, ledger: FakeCapReservations, crm: FakeCrm, sms: FakeSms, clock: Clock
) -> None:
    # Given an offer sent before this number had a ledger (only in the message history)
    for n in range(4):
        crm.add(renewal_context(str(9101 + n)))
    before = replace(dispatcher, cap_reservations=None)
    assert before(deal_to_renewal_offer(9101, 1)).outcome is Outcome.SENT
    first = clock.now

    # When two more offers go two and four days later (the ledger starts with the first of them)
    for n, day in ((1, 2), (2, 4)):
        clock.now = first + timedelta(days=day)
        result = dispatcher(deal_to_renewal_offer(9101 + n, 1 + n))
        # Then each goes: 3 per 7 days, and a message both sent and on the ledger counts once
        assert result.outcome is Outcome.SENT, result
    assert ledger.ledgers[PHONE].since == first + timedelta(days=2)

    # And a fourth within the week is deferred until the first leaves the 7-day window
    clock.now = first + timedelta(days=6)
    result = dispatcher(deal_to_renewal_offer(9104, 4))
    assert (result.outcome, result.reason) == (Outcome.DEFERRED, "frequency_cap_7d")
    assert datetime.fromisoformat(result.details["not_before"]) == first + WEEK
    assert len(sms.sent) == 3
