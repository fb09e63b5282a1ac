"""Use case: a dispatcher batch loads its CRM contexts in bulk first (``Dispatcher._prefetch``): grouped per
gateway, fields and recipient role as ``_dispatch`` will ask for them, kept for that batch only, and a
prefetch that fails never fails the batch (logged, masked; each event then reads its own context).
The gateways' per-batch cache (``PrefetchedContexts``): each context answers one load, for the same fields
and role, and nothing outlives the batch."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import pytest

from tests.support.clock import Clock
from tests.support.fakes import FakeCrm, FakeSms
from tests.unit.test_contract_renewal import ORG, contract_context
from textloop.adapters.prefetched import PrefetchedContexts, chunks
from textloop.domain.errors import CrmUnavailable
from textloop.domain.model import MessageContext, Outcome, RecordRef, TriggerEvent
from textloop.schemas import parse_queue_body, renewal_body
from textloop.service_layer.dispatch import Dispatcher

CONTRACTS = [f"8005e00000CtB{n:02d}AAF" for n in range(3)]


def _renewal(clock: Clock, contract: str, days: int = 40, window: int = 60) -> TriggerEvent:
    end = clock().date() + timedelta(days=days)
    body = renewal_body("salesforce", "contract", contract, ORG, "EndDate", end, window, clock())
    (event,) = parse_queue_body(body)
    return event


def _context(contract: str, phone_suffix: int) -> MessageContext:
    base = contract_context(end="2027-01-04")
    record = RecordRef("salesforce", "contract", contract)
    recipient = base.recipient
    assert recipient is not None
    return MessageContext(
        record=record,
        fields=base.fields,
        recipient=type(recipient)(
            f"0035e00000Gr{phone_suffix:03d}AAF",
            "Grace",
            "Kim",
            f"(415) 555-01{phone_suffix:02d}",
            sms_consent="opted_in",
            role="Decision Maker",
        ),
        owner=base.owner,
        account_name=base.account_name,
    )


@pytest.fixture
def batch(crm: FakeCrm, clock: Clock) -> list[TriggerEvent]:
    for n, contract in enumerate(CONTRACTS):
        crm.add(_context(contract, n))
    return [_renewal(clock, c) for c in CONTRACTS]


# ------------------------------------------------------------------------------ Dispatcher._prefetch


def test_given_a_batch_of_renewals_when_prefetched_then_one_bulk_read_names_every_record_as_dispatch_asks(
    dispatcher: Dispatcher, crm: FakeCrm, batch: list[TriggerEvent], sms: FakeSms
) -> None:
    dispatcher._prefetch(batch)

    assert len(crm.prefetches) == 1
    records, fields, role = crm.prefetches[0]
    assert records == tuple(e.record for e in batch)
    assert role == "Decision Maker"  # the renewal rule's recipient role
    assert set(fields) >= {"Status", "EndDate", "Account.Seats_Used__c"}

    results = [dispatcher(e) for e in batch]

    assert [r.outcome for r in results] == [Outcome.SENT] * 3
    assert crm.loads == []  # every context came from the prefetch, none read on its own
    assert len(sms.sent) == 3


def test_given_a_group_of_one_record_when_prefetched_then_it_is_left_to_its_own_read(
    dispatcher: Dispatcher, crm: FakeCrm, batch: list[TriggerEvent]
) -> None:
    dispatcher._prefetch(batch[:1])

    assert crm.prefetches == []


def test_given_the_same_record_twice_when_prefetched_then_it_is_named_once_and_read_again_the_second_time(
    dispatcher: Dispatcher, crm: FakeCrm, batch: list[TriggerEvent], clock: Clock
) -> None:
    again = _renewal(clock, CONTRACTS[0], days=25, window=30)  # another event for the first contract
    dispatcher._prefetch([*batch, again])

    (records, _, _) = crm.prefetches[0]
    assert records == tuple(e.record for e in batch)
    dispatcher(batch[0])
    dispatcher(again)  # a second event for the record: its context is read again, never reused
    assert [r for r, _ in crm.loads] == [batch[0].record]


def test_given_a_failing_prefetch_when_the_batch_runs_then_it_is_logged_masked_and_each_event_reads_its_own(
    dispatcher: Dispatcher,
    crm: FakeCrm,
    batch: list[TriggerEvent],
    caplog: pytest.LogCaptureFixture,
) -> None:
    crm.fail_prefetch = CrmUnavailable("Salesforce answered 503 for +14155550100")
    log = logging.getLogger("textloop.service_layer.dispatch")  # under Powertools' "textloop" in Lambda
    log.addHandler(caplog.handler)  # whatever an earlier test did to its parent: level, propagation

    try:
        with caplog.at_level(logging.WARNING, logger=log.name):
            dispatcher._prefetch(batch)  # never raises
    finally:
        log.removeHandler(caplog.handler)
    results = [dispatcher(e) for e in batch]

    assert [r.outcome for r in results] == [Outcome.SENT] * 3
    assert [r for r, _ in crm.loads] == [e.record for e in batch]
    (line,) = {r.getMessage() for r in caplog.records if "prefetch" in r.getMessage()}  # one warning
    assert "CrmUnavailable" in line and "3 salesforce records" in line
    assert "4155550100" not in line  # the number in the error is masked


def test_given_a_tenant_without_credentials_when_prefetched_then_the_batch_goes_on(
    make_dispatcher: Callable[[], Dispatcher], batch: list[TriggerEvent]
) -> None:
    from textloop.domain.errors import UnknownTenant

    def no_tenant(crm: str, account: str) -> FakeCrm:
        raise UnknownTenant("no credentials", crm=crm, account=account)

    dispatcher = make_dispatcher()
    dispatcher.crm = no_tenant  # type: ignore[assignment]

    dispatcher._prefetch(batch)  # the events are skipped one by one, as without a prefetch


# --------------------------------------------------------------------------- PrefetchedContexts


class _Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _held(ticks: _Ticks | None = None) -> tuple[PrefetchedContexts, MessageContext]:
    cache = PrefetchedContexts(ttl=90.0, clock=ticks or _Ticks())
    context = _context(CONTRACTS[0], 1)
    cache.begin()
    cache.put(context, ["Status"], "Decision Maker")
    return cache, context


def test_given_a_prefetched_context_when_taken_then_it_answers_once() -> None:
    cache, context = _held()

    assert cache.take(context.record, ["Status"], "Decision Maker") == context
    assert cache.take(context.record, ["Status"], "Decision Maker") is None


def test_given_a_prefetched_context_when_asked_with_other_fields_or_role_then_it_does_not_answer() -> None:
    cache, context = _held()

    assert cache.take(context.record, ["Status", "EndDate"], "Decision Maker") is None
    assert cache.take(context.record, ["Status"], None) is None
    assert cache.take(context.record, ["Status"], "Decision Maker") == context


def test_given_a_new_batch_when_it_begins_then_nothing_of_the_last_one_answers() -> None:
    cache, context = _held()

    cache.begin()

    assert cache.take(context.record, ["Status"], "Decision Maker") is None


def test_given_a_batch_older_than_the_dispatcher_timeout_when_asked_then_its_contexts_are_gone() -> None:
    ticks = _Ticks()
    cache, context = _held(ticks)

    ticks.now += 90.0

    assert cache.take(context.record, ["Status"], "Decision Maker") is None
    assert len(cache) == 0


def test_given_ids_when_chunked_then_duplicates_go_and_no_chunk_exceeds_the_limit() -> None:
    ids = [str(n) for n in range(250)] + ["7", "8"]

    assert [len(c) for c in chunks(ids, 100)] == [100, 100, 50]
    assert [i for c in chunks(ids, 100) for i in c] == [str(n) for n in range(250)]
