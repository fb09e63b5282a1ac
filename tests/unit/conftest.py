"""Unit tier: no network at all (pytest-socket); AWS APIs through moto's in-process mock,
tables created from template.yaml (one schema source)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import boto3
import pytest
from moto import mock_aws
from pytest_socket import disable_socket, enable_socket

from tests.support.clock import Clock
from tests.support.events import opportunity_to_review
from tests.support.fakes import FakeCrm, FakeDeferrals, FakeSms, opportunity_context
from tests.support.template_tables import create_tables
from textloop.adapters.dynamodb import (
    DynamoCapReservations,
    DynamoConsentLedger,
    DynamoConversations,
    DynamoEventOutcomes,
    DynamoSendSlots,
    DynamoSlaTasks,
)
from textloop.domain.model import Outcome
from textloop.domain.rules import RuleSet
from textloop.service_layer.dispatch import Dispatcher
from textloop.service_layer.replies import ReplyRouter


@pytest.fixture(autouse=True)
def _no_network() -> Iterator[None]:
    disable_socket(allow_unix_socket=True)
    yield
    enable_socket()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield create_tables(boto3.client("dynamodb"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def outcomes(aws: dict[str, str]) -> DynamoEventOutcomes:
    return DynamoEventOutcomes(aws["StateTable"], boto3.client("dynamodb"))


@pytest.fixture
def slots(aws: dict[str, str]) -> DynamoSendSlots:
    return DynamoSendSlots(aws["StateTable"], boto3.client("dynamodb"))


@pytest.fixture
def conversations(aws: dict[str, str]) -> DynamoConversations:
    return DynamoConversations(aws["StateTable"], boto3.client("dynamodb"))


@pytest.fixture
def cap_reservations(aws: dict[str, str]) -> DynamoCapReservations:
    return DynamoCapReservations(aws["StateTable"], boto3.client("dynamodb"))


@pytest.fixture
def tasks(aws: dict[str, str]) -> DynamoSlaTasks:
    return DynamoSlaTasks(aws["StateTable"], boto3.client("dynamodb"))


@pytest.fixture
def deferrals() -> FakeDeferrals:
    return FakeDeferrals()


@pytest.fixture
def consent(aws: dict[str, str]) -> DynamoConsentLedger:
    return DynamoConsentLedger(aws["ConsentTable"], boto3.client("dynamodb"))


@pytest.fixture
def crm() -> FakeCrm:
    return FakeCrm()


@pytest.fixture
def sms(clock: Clock) -> FakeSms:
    return FakeSms(clock=clock)


@pytest.fixture
def make_dispatcher(
    outcomes: DynamoEventOutcomes,
    slots: DynamoSendSlots,
    conversations: DynamoConversations,
    consent: DynamoConsentLedger,
    cap_reservations: DynamoCapReservations,
    deferrals: FakeDeferrals,
    crm: FakeCrm,
    sms: FakeSms,
    clock: Clock,
) -> Callable[[], Dispatcher]:
    def build() -> Dispatcher:
        return Dispatcher(
            rules=RuleSet.load(),
            crm=lambda _crm, _account: crm,
            sms=sms,
            outcomes=outcomes,
            slots=slots,
            conversations=conversations,
            consent=consent,
            deferrals=deferrals,
            brand="Textloop",
            status_callback="https://hooks.example.com/twilio/status",
            clock=clock,
            cap_reservations=cap_reservations,
        )

    return build


@pytest.fixture
def dispatcher(make_dispatcher: Callable[[], Dispatcher]) -> Dispatcher:
    return make_dispatcher()


@pytest.fixture
def router(
    outcomes: DynamoEventOutcomes,
    conversations: DynamoConversations,
    tasks: DynamoSlaTasks,
    crm: FakeCrm,
    clock: Clock,
) -> ReplyRouter:
    routing = RuleSet.load().routing
    assert routing is not None
    return ReplyRouter(
        routing, lambda _crm, _account: crm, ("salesforce",), outcomes, conversations, tasks, clock
    )


@pytest.fixture
def texted(dispatcher: Dispatcher, crm: FakeCrm) -> None:
    """Given we texted the opportunity's contact about the contract."""
    crm.add(opportunity_context())
    assert dispatcher(opportunity_to_review()).outcome is Outcome.SENT
