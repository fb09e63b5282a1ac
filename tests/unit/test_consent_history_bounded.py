"""Use case: a number's consent history stays bounded in size however long it grows (a DynamoDB item stops
at 400 KB): the number's item keeps its latest entries, older ones move to their own items in order,
and no entry is ever dropped or repeated, even when a move fails, is retried or races another one."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from textloop.adapters.dynamodb import DynamoConsentLedger
from textloop.config import ConfigError, Settings
from textloop.domain.ports import ConsentChange, ConsentStatus

PHONE = "+14155550132"
INLINE = 3  # CONSENT_HISTORY_INLINE, small so that every test overflows
T0 = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)


def change(n: int, *, status: ConsentStatus | None = None, minutes: int | None = None) -> ConsentChange:
    """The n-th consent change of the number: STOP on odd n, START on even n, a minute apart."""
    status = status or (ConsentStatus.OPTED_OUT if n % 2 else ConsentStatus.OPTED_IN)
    return ConsentChange(PHONE, status, "twilio_inbound", f"SM{n:032d}", T0 + timedelta(minutes=minutes or n))


def evidence(n: int) -> str:
    return f"SM{n:032d}"


class FlakyClient:
    """The ledger's DynamoDB client, with a hook run before chosen calls (a failure, a racing writer)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.before: dict[str, Callable[[], None]] = {}

    def __getattr__(self, name: str) -> Any:
        call = getattr(self._client, name)
        hook = self.before.pop(name, None)
        if hook is None:
            return call

        def hooked(**kwargs: Any) -> Any:
            hook()
            return call(**kwargs)

        return hooked


def throttled() -> None:
    raise ClientError(
        {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "throttled"}},
        "TransactWriteItems",
    )


@pytest.fixture
def client(aws: dict[str, str]) -> FlakyClient:
    return FlakyClient(boto3.client("dynamodb"))


@pytest.fixture
def ledger(aws: dict[str, str], client: FlakyClient) -> DynamoConsentLedger:
    return DynamoConsentLedger(aws["ConsentTable"], client, history_inline=INLINE)  # type: ignore[arg-type]


def item(aws: dict[str, str], phone: str = PHONE) -> dict[str, Any]:
    found: dict[str, Any] = boto3.client("dynamodb").get_item(
        TableName=aws["ConsentTable"], Key={"phone": {"S": phone}}
    )["Item"]
    return found


def overflow_items(aws: dict[str, str]) -> list[dict[str, Any]]:
    items = boto3.client("dynamodb").scan(TableName=aws["ConsentTable"])["Items"]
    return sorted((i for i in items if i["phone"]["S"].startswith("HIST#")), key=lambda i: i["phone"]["S"])


def test_given_more_changes_than_the_item_keeps_then_the_oldest_move_out_and_history_has_them_all(
    ledger: DynamoConsentLedger, aws: dict[str, str]
) -> None:
    # Given a number that opted out and in 20 times
    for n in range(1, 21):
        ledger.record(change(n))

    # Then its own item keeps the latest 3 entries and their evidence only
    stored = item(aws)
    assert [e["M"]["evidence"]["S"] for e in stored["history"]["L"]] == [evidence(n) for n in (18, 19, 20)]
    assert set(stored["evidence"]["SS"]) == {evidence(n) for n in (18, 19, 20)}
    # and the 17 older ones are in their own items, oldest first, each once
    moved = [e["M"]["evidence"]["S"] for i in overflow_items(aws) for e in i["entries"]["L"]]
    assert moved == [evidence(n) for n in range(1, 18)]
    assert stored["chunks"] == {"N": str(len(overflow_items(aws)))}
    # And the history reads back whole, in the order recorded; the status is the latest one
    assert [c.evidence for c in ledger.history(PHONE)] == [evidence(n) for n in range(1, 21)]
    assert ledger.history(PHONE)[0] == change(1)
    assert ledger.status(PHONE) is ConsentStatus.OPTED_IN


def test_given_a_hundred_changes_then_the_numbers_item_stays_small(
    ledger: DynamoConsentLedger, aws: dict[str, str]
) -> None:
    for n in range(1, 101):
        ledger.record(change(n))

    stored = item(aws)
    assert len(stored["history"]["L"]) == INLINE
    assert len(json.dumps(stored)) < 2_000  # far from DynamoDB's 400 KB, whatever the length of the history
    assert len(ledger.history(PHONE)) == 100


def test_given_an_overflowed_history_then_an_older_change_never_overwrites_the_newer_status(
    ledger: DynamoConsentLedger,
) -> None:
    # Given ten changes, the latest an opt-out
    for n in range(1, 11):
        ledger.record(change(n, status=ConsentStatus.OPTED_OUT if n == 10 else None))
    # When an opt-in older than that arrives late
    moved = ledger.record(change(99, status=ConsentStatus.OPTED_IN, minutes=5))
    # Then the status stays opted out and the late change joins the history, once
    assert moved is False
    assert ledger.status(PHONE) is ConsentStatus.OPTED_OUT
    assert [c.evidence for c in ledger.history(PHONE)].count(evidence(99)) == 1
    assert len(ledger.history(PHONE)) == 11


def test_given_a_retried_evidence_then_it_is_recorded_once_even_after_it_moved_out(
    ledger: DynamoConsentLedger, aws: dict[str, str]
) -> None:
    for n in range(1, 11):
        ledger.record(change(n))
    # When Twilio retries the latest message, and a queue redelivers the first one long after it moved out
    again = [ledger.record(change(10)), ledger.record(change(1))]
    # Then nothing moves and each evidence is read once
    assert again == [False, False]
    history = [c.evidence for c in ledger.history(PHONE)]
    assert history == [evidence(n) for n in range(1, 11)]
    assert ledger.status(PHONE) is ConsentStatus.OPTED_IN


def test_given_a_move_that_fails_then_the_change_is_recorded_and_the_next_one_moves_everything(
    ledger: DynamoConsentLedger, client: FlakyClient, aws: dict[str, str]
) -> None:
    for n in range(1, 4):
        ledger.record(change(n))
    # Given DynamoDB throttles the move that the 4th change needs
    client.before["transact_write_items"] = throttled
    # When it is recorded
    moved = ledger.record(change(4))
    # Then the change itself is recorded and nothing left the item
    assert moved is True and ledger.status(PHONE) is ConsentStatus.OPTED_IN
    assert len(item(aws)["history"]["L"]) == INLINE + 1 and overflow_items(aws) == []
    # And the next change moves the whole excess, losing and repeating nothing
    ledger.record(change(5))
    assert len(item(aws)["history"]["L"]) == INLINE
    assert [c.evidence for c in ledger.history(PHONE)] == [evidence(n) for n in range(1, 6)]


def test_given_two_writers_moving_at_once_then_no_entry_is_lost_or_repeated(
    ledger: DynamoConsentLedger, client: FlakyClient, aws: dict[str, str]
) -> None:
    other = DynamoConsentLedger(aws["ConsentTable"], boto3.client("dynamodb"), history_inline=INLINE)
    for n in range(1, 4):
        ledger.record(change(n))

    # Given another writer records two changes (and moves the oldest entries) just before our move lands
    def race() -> None:
        other.record(change(5))
        other.record(change(6))

    client.before["transact_write_items"] = race
    # When our 4th change triggers its own move
    ledger.record(change(4))
    # Then our stale move is refused, looked at again, and the history is whole and in order
    assert len(item(aws)["history"]["L"]) == INLINE
    assert sorted(c.evidence for c in ledger.history(PHONE)) == [evidence(n) for n in range(1, 7)]
    assert len(ledger.history(PHONE)) == 6
    moved = [e["M"]["evidence"]["S"] for i in overflow_items(aws) for e in i["entries"]["L"]]
    assert len(moved) == len(set(moved)) == 3


def test_given_the_setting_then_it_is_validated_at_cold_start() -> None:
    base = {"STATE_TABLE": "state", "CONSENT_TABLE": "consent"}
    assert Settings.from_env(base).consent_history_inline == 50
    assert Settings.from_env({**base, "CONSENT_HISTORY_INLINE": "5"}).consent_history_inline == 5
    with pytest.raises(ConfigError, match="CONSENT_HISTORY_INLINE"):
        Settings.from_env({**base, "CONSENT_HISTORY_INLINE": "0"})
