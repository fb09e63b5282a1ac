"""Use case: with a cooldown of 0, the same change delivered three times at once → one SMS: a
concurrent redelivery never replaces a slot whose message may be going."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

from tests.support.clock import Clock
from tests.support.delivery import deliver_like_sqs
from tests.support.events import opportunity_to_review
from tests.support.fakes import FakeCrm, FakeDeferrals, FakeSms, opportunity_context
from tests.support.template_tables import create_tables
from textloop.adapters.dynamodb import (
    DynamoConsentLedger,
    DynamoConversations,
    DynamoEventOutcomes,
    DynamoSendSlots,
)
from textloop.domain.model import Outcome
from textloop.domain.rules import RuleSet
from textloop.domain.watchlist import DEFAULT_TRIGGERS_FILE
from textloop.service_layer.dispatch import Dispatcher


def no_cooldown() -> RuleSet:
    data = json.loads(DEFAULT_TRIGGERS_FILE.read_text(encoding="utf-8"))
    for rule in data["rules"]:
        rule["cooldown_days"] = 0
    return RuleSet.model_validate(data)


@pytest.fixture
def dispatchers(
    serial_moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[Dispatcher], FakeCrm, FakeSms]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("dynamodb", endpoint_url=serial_moto_url)
    tables = create_tables(client, suffix=uuid.uuid4().hex[:8])
    crm, rules, clock = FakeCrm(), no_cooldown(), Clock()
    sms = FakeSms(clock=clock)

    def one_lambda() -> Dispatcher:  # each worker has its own clients, like separate Lambdas
        c = boto3.client("dynamodb", endpoint_url=serial_moto_url)
        return Dispatcher(
            rules=rules,
            crm=lambda _crm, _account: crm,
            sms=sms,
            outcomes=DynamoEventOutcomes(tables["StateTable"], c),
            slots=DynamoSendSlots(tables["StateTable"], c),
            conversations=DynamoConversations(tables["StateTable"], c),
            consent=DynamoConsentLedger(tables["ConsentTable"], c),
            deferrals=FakeDeferrals(),
            brand="Textloop",
            clock=clock,  # daytime in the recipients' zones, whatever the hour the test runs
        )

    return [one_lambda() for _ in range(3)], crm, sms


@pytest.mark.parametrize("round_", range(5))
def test_given_a_zero_cooldown_and_three_concurrent_deliveries_of_a_change_then_exactly_one_sms(
    dispatchers: tuple[list[Dispatcher], FakeCrm, FakeSms], round_: int
) -> None:
    workers, crm, sms = dispatchers
    record = f"006000000000{round_:03d}AAA"
    crm.add(opportunity_context(record))
    event = opportunity_to_review(record)
    with ThreadPoolExecutor(max_workers=len(workers)) as pool:
        outcomes = list(pool.map(deliver_like_sqs, workers, [event] * len(workers)))
    assert len(sms.sent) == 1 and len(crm.logged) == 1
    assert sorted(outcomes) == sorted([Outcome.SENT, Outcome.DUPLICATE, Outcome.DUPLICATE])
