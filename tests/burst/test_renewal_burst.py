"""Tier: a small renewal burst through the local stack (bench_burst.py at a test's size): the trigger queue
drained in dispatcher batches of the template's size, the contexts loaded in bulk. Every event has an
outcome, each SMS went once, and the CRM calls per SMS (reads and writes, from the Salesforce emulator's
request log) stay within the bound `make bench` gates the burst on. Speed is measured in `make bench`,
never asserted here."""

from __future__ import annotations

import pytest

from textloop_local import bench_burst

pytestmark = pytest.mark.burst

EVENTS = 105  # more than one dispatcher batch (BatchSize 100)


@pytest.fixture(scope="module")
def burst() -> bench_burst.BurstResult:
    return bench_burst.run(EVENTS, timeout=300)


def test_given_a_renewal_burst_when_drained_then_every_event_has_an_outcome(
    burst: bench_burst.BurstResult,
) -> None:
    assert burst.outcomes == EVENTS
    assert burst.outcome_counts == {"sent": EVENTS}


def test_given_a_renewal_burst_when_drained_then_each_sms_went_once(burst: bench_burst.BurstResult) -> None:
    assert burst.sms == EVENTS
    assert burst.duplicate_sms == 0


def test_given_a_renewal_burst_when_drained_then_the_crm_calls_per_sms_stay_within_the_bound(
    burst: bench_burst.BurstResult,
) -> None:
    assert burst.batches >= 2  # the trigger queue was handed over in batches, as the template says
    assert burst.crm_reads > 0 and burst.crm_writes > 0  # both counted, from the emulator's log
    assert burst.crm_calls_per_sms <= bench_burst.BOUND_CALLS_PER_SMS
