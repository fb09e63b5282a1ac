"""Use case: the same change delivered three times at once (SQS, duplicate webhooks) → one SMS."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

from tests.support.clock import Clock
from tests.support.delivery import deliver_like_sqs
from tests.support.events import deal_to_contract_sent, opportunity_to_review
from tests.support.fakes import FakeCrm, FakeDeferrals, FakeSms, deal_context, opportunity_context
from tests.support.template_tables import create_tables
from textloop.adapters.dynamodb import (
    DynamoConsentLedger,
    DynamoConversations,
    DynamoEventOutcomes,
    DynamoSendSlots,
)
from textloop.domain.model import Outcome
from textloop.domain.rules import RuleSet
from textloop.service_layer.dispatch import Dispatcher


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
    crm, clock = FakeCrm(), Clock()
    sms = FakeSms(clock=clock)

    def one_lambda() -> Dispatcher:  # each worker has its own clients, like separate Lambdas
        c = boto3.client("dynamodb", endpoint_url=serial_moto_url)
        return Dispatcher(
            rules=RuleSet.load(),
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
def test_given_three_concurrent_deliveries_then_exactly_one_sms_and_one_crm_log(
    dispatchers: tuple[list[Dispatcher], FakeCrm, FakeSms], round_: int
) -> None:
    workers, crm, sms = dispatchers
    crm.add(opportunity_context())
    crm.add(deal_context())
    for event in (opportunity_to_review(), deal_to_contract_sent(event_id=round_)):
        with ThreadPoolExecutor(max_workers=3) as pool:
            outcomes = list(pool.map(deliver_like_sqs, workers, [event] * len(workers)))
        assert outcomes.count(Outcome.SENT) == 1
        assert set(outcomes) <= {Outcome.SENT, Outcome.DUPLICATE, Outcome.SKIPPED}
    assert len(sms.sent) == 2 and len(crm.logged) == 2
