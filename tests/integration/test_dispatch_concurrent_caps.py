"""Use case: several messages to one number judged at the same instant (deferrals firing together when
quiet hours end, concurrent dispatcher invocations) — exactly as many as the caps allow are sent, the
others deferred to the instant the caps allow, through the DynamoDB cap ledger (real API calls to a
moto server answering one request at a time, as DynamoDB applies one write per item at a time)."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from tests.support.clock import Clock
from tests.support.delivery import deliver_like_sqs
from tests.support.events import deal_to_renewal_offer
from tests.support.fakes import FakeCrm, FakeDeferrals, FakeSms, renewal_context
from tests.support.template_tables import TEMPLATE, create_tables, load_template
from textloop.adapters.dynamodb import (
    DynamoCapReservations,
    DynamoConsentLedger,
    DynamoConversations,
    DynamoEventOutcomes,
    DynamoSendSlots,
)
from textloop.domain.caps import Cap, FrequencyCaps
from textloop.domain.model import Outcome, TriggerEvent
from textloop.domain.ports import CapEntry, CapLedger, SentMessage
from textloop.domain.rules import RuleSet
from textloop.service_layer.dispatch import Dispatcher

PHONE = "+16175550142"  # every offer below goes to this Boston number
CLAIMERS = 6
WEEK = timedelta(days=7)


@dataclass
class SameInstantReads:
    """The message history read by every claimer before any of them goes on: the race, every time."""

    conversations: DynamoConversations
    barrier: threading.Barrier

    def sent_since(self, phone: str, since: datetime) -> list[SentMessage]:
        sent = self.conversations.sent_since(phone, since)
        self.barrier.wait(timeout=30)
        return sent

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conversations, name)


@dataclass
class Stack:
    url: str
    tables: dict[str, str]
    clock: Clock = field(default_factory=Clock)
    crm: FakeCrm = field(default_factory=FakeCrm)
    deferrals: FakeDeferrals = field(default_factory=FakeDeferrals)
    sms: FakeSms = field(default_factory=FakeSms)

    def client(self) -> Any:
        return boto3.client("dynamodb", endpoint_url=self.url)

    def lambdas(self, caps: FrequencyCaps, n: int = CLAIMERS, *, ledger: bool = True) -> list[Dispatcher]:
        """One dispatcher per claimer, each with its own clients, like separate Lambda containers."""
        barrier = threading.Barrier(n)
        return [self._one(caps, ledger, barrier) for _ in range(n)]

    def _one(self, caps: FrequencyCaps, ledger: bool, barrier: threading.Barrier) -> Dispatcher:
        c, state = self.client(), self.tables["StateTable"]
        return Dispatcher(
            rules=RuleSet.load(),
            crm=lambda _crm, _account: self.crm,
            sms=self.sms,
            outcomes=DynamoEventOutcomes(state, c),
            slots=DynamoSendSlots(state, c),
            conversations=SameInstantReads(DynamoConversations(state, c), barrier),  # type: ignore[arg-type]
            consent=DynamoConsentLedger(self.tables["ConsentTable"], c),
            deferrals=self.deferrals,
            brand="Textloop",
            clock=self.clock,
            caps=caps,
            cap_reservations=DynamoCapReservations(state, c) if ledger else None,
        )


@pytest.fixture
def stack(serial_moto_url: str, monkeypatch: pytest.MonkeyPatch) -> Stack:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("dynamodb", endpoint_url=serial_moto_url)
    built = Stack(serial_moto_url, create_tables(client, suffix=uuid.uuid4().hex[:8]))
    for n in range(CLAIMERS):  # six deals coming up for renewal, one decision maker, opted in
        built.crm.add(renewal_context(str(9101 + n)))
    return built


def _offers() -> list[TriggerEvent]:
    return [deal_to_renewal_offer(9101 + n, 100 + n) for n in range(CLAIMERS)]


def _at_once(workers: list[Dispatcher], events: list[TriggerEvent]) -> list[Outcome]:
    with ThreadPoolExecutor(max_workers=len(workers)) as pool:
        return list(pool.map(deliver_like_sqs, workers, events))


def _deferred(stack: Stack, events: list[TriggerEvent]) -> dict[str, dict[str, Any]]:
    """The recorded outcome of each deferred event: its reason and instant."""
    found: dict[str, dict[str, Any]] = {}
    for event in events:
        item = stack.client().get_item(
            TableName=stack.tables["StateTable"],
            Key={"pk": {"S": f"EVENT#{event.event_key}"}, "sk": {"S": "OUTCOME"}},
        )["Item"]
        if item["outcome"]["S"] == "deferred":
            found[event.event_key] = {
                "reason": item["reason"]["S"],
                "not_before": item["details"]["M"]["not_before"]["S"],
            }
    return found


# ------------------------------------------------------------------------------- the caps, concurrently


@pytest.mark.parametrize(
    ("caps", "limit", "reason", "frees_after"),
    [
        (FrequencyCaps(), 1, "frequency_cap_24h", timedelta(hours=24)),  # the defaults: 1/24 h, 3/7 days
        (
            FrequencyCaps({"marketing": (Cap(2, timedelta(hours=24)),)}),
            2,
            "frequency_cap_24h",
            timedelta(hours=24),
        ),
        (FrequencyCaps({"marketing": (Cap(3, WEEK),)}), 3, "frequency_cap_7d", WEEK),
    ],
    ids=["defaults", "2-per-24h", "3-per-7d"],
)
def test_given_six_offers_to_one_number_judged_at_once_then_exactly_the_cap_is_sent_and_the_rest_deferred(
    stack: Stack, caps: FrequencyCaps, limit: int, reason: str, frees_after: timedelta
) -> None:
    # Given six offers to one number, each judged by its own dispatcher on the same empty history
    events = _offers()

    # When they are dispatched at the same instant
    outcomes = _at_once(stack.lambdas(caps), events)

    # Then exactly the cap's number are sent, and every other one is deferred (never dropped)
    assert outcomes.count(Outcome.SENT) == limit and len(stack.sms.sent) == limit
    assert outcomes.count(Outcome.DEFERRED) == CLAIMERS - limit
    deferred = _deferred(stack, events)
    assert len(deferred) == CLAIMERS - limit and len(stack.deferrals.scheduled) == CLAIMERS - limit
    # to the instant the cap allows: when the first sent leaves the window
    opens = (stack.clock.now + frees_after).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert {d["reason"] for d in deferred.values()} == {reason}
    assert {d["not_before"] for d in deferred.values()} == {opens}
    # and the ledger holds exactly the messages sent
    ledger = DynamoCapReservations(stack.tables["StateTable"], stack.client()).ledger(PHONE)
    assert len(ledger.entries) == limit


def test_given_the_deferred_offers_firing_together_at_their_instant_then_again_exactly_one_goes(
    stack: Stack,
) -> None:
    # Given six offers judged at once under the default caps: one sent, five deferred 24 h
    events = _offers()
    assert _at_once(stack.lambdas(FrequencyCaps()), events).count(Outcome.SENT) == 1
    deferred = list(_deferred(stack, events))

    # When their one-time schedules fire at the same instant, 24 h later
    stack.clock.advance(hours=24)
    fired = [e for e in events if e.event_key in deferred]
    outcomes = _at_once(stack.lambdas(FrequencyCaps(), len(fired)), fired)

    # Then one more is sent, the others deferred again, to 24 h after it
    assert outcomes.count(Outcome.SENT) == 1 and outcomes.count(Outcome.DEFERRED) == len(fired) - 1
    assert len(stack.sms.sent) == 2
    again = _deferred(stack, fired)
    assert {d["not_before"] for d in again.values()} == {
        (stack.clock.now + timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M:%SZ")
    }


def test_given_no_cap_ledger_then_the_same_race_sends_every_offer(stack: Stack) -> None:
    """The defect this ledger fixes: judged on the history alone, all six read it before any is
    recorded, and all six go."""
    outcomes = _at_once(stack.lambdas(FrequencyCaps(), ledger=False), _offers())
    assert outcomes.count(Outcome.SENT) == CLAIMERS


# ---------------------------------------------------------------------------------- the ledger itself


@pytest.fixture
def ledgers(stack: Stack) -> DynamoCapReservations:
    return DynamoCapReservations(stack.tables["StateTable"], stack.client())


def _entry(holder: str, at: datetime, purpose: str = "marketing") -> CapEntry:
    return CapEntry(holder, at, "renewal_offer", purpose, at + WEEK)


NOW = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)


def test_given_a_ledger_read_before_another_write_then_its_reservation_is_refused(
    ledgers: DynamoCapReservations,
) -> None:
    read = ledgers.ledger(PHONE)
    assert read == CapLedger(PHONE)
    assert ledgers.reserve(read, _entry("a", NOW)) is True
    assert ledgers.reserve(read, _entry("b", NOW)) is False  # judged on a ledger that has moved on
    current = ledgers.ledger(PHONE)
    assert [e.holder for e in current.entries] == ["a"] and current.since == NOW and current.version == 1
    assert ledgers.reserve(current, _entry("a", NOW)) is True  # its own place: idempotent, no write
    assert ledgers.ledger(PHONE).version == 1


def test_given_a_release_after_a_read_then_a_reservation_on_that_read_is_refused(
    ledgers: DynamoCapReservations,
) -> None:
    ledgers.reserve(ledgers.ledger(PHONE), _entry("a", NOW))
    read = ledgers.ledger(PHONE)
    ledgers.release(PHONE, "a")
    assert ledgers.reserve(read, _entry("b", NOW)) is False  # would bring the released "a" back
    assert ledgers.ledger(PHONE).entries == ()
    ledgers.release(PHONE, "a")  # idempotent
    ledgers.release("+16175550199", "x")  # no ledger: nothing to release, nothing created
    assert ledgers.ledger("+16175550199") == CapLedger("+16175550199")


def test_given_counted_messages_then_never_refused_idempotent_and_they_move_the_version(
    ledgers: DynamoCapReservations,
) -> None:
    ledgers.count(PHONE, _entry("t1", NOW, "transactional"))  # creates the ledger
    read = ledgers.ledger(PHONE)
    ledgers.count(PHONE, _entry("t2", NOW, "transactional"))
    ledgers.count(PHONE, _entry("t2", NOW + timedelta(minutes=1), "transactional"))  # same holder: moved
    current = ledgers.ledger(PHONE)
    assert [(e.holder, e.at) for e in current.entries] == [("t1", NOW), ("t2", NOW + timedelta(minutes=1))]
    assert ledgers.reserve(read, _entry("m", NOW)) is False  # a count since the read: judge again


def test_given_entries_out_of_every_window_then_pruned_and_the_item_expires_by_the_tables_ttl(
    stack: Stack, ledgers: DynamoCapReservations
) -> None:
    ledgers.count(PHONE, _entry("old", NOW))
    later = NOW + WEEK + timedelta(seconds=1)
    ledgers.count(PHONE, _entry("new", later))
    assert [e.holder for e in ledgers.ledger(PHONE).entries] == ["new"]
    assert ledgers.ledger(PHONE).since == NOW  # the ledger still covers everything sent since it started
    ttl = load_template(TEMPLATE)["Resources"]["StateTable"]["Properties"]["TimeToLiveSpecification"]
    item = stack.client().get_item(
        TableName=stack.tables["StateTable"], Key={"pk": {"S": f"CAPS#{PHONE}"}, "sk": {"S": "CAPS"}}
    )["Item"]
    assert ttl == {"AttributeName": "expires_at", "Enabled": True}
    assert int(item[ttl["AttributeName"]]["N"]) == int((later + WEEK + timedelta(days=1)).timestamp())


def test_given_many_writers_counting_and_reserving_at_once_then_no_entry_is_lost(
    ledgers: DynamoCapReservations, stack: Stack
) -> None:
    def write(n: int) -> None:
        own = DynamoCapReservations(stack.tables["StateTable"], stack.client())
        entry = _entry(f"w{n}", NOW + timedelta(seconds=n), "transactional")
        own.count(PHONE, entry)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(16)))
    assert sorted(e.holder for e in ledgers.ledger(PHONE).entries) == sorted(f"w{n}" for n in range(16))
