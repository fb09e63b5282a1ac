"""Use case: a contact texts STOP (or START) while the consent ledger cannot be written.

``accept_inbound`` writes the ledger first; when the ledger fails with a Retryable error the exact
change goes on the consent queue (its consumer applies it later) and the contact still gets the
confirmation; only when both fail does it raise (the webhook answers 5xx and Twilio retries).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from textloop.domain.errors import Retryable, StoreUnavailable
from textloop.domain.intent import classify
from textloop.domain.ports import ConsentChange, ConsentStatus
from textloop.service_layer.inbound import (
    Answer,
    InboundSms,
    Program,
    accept_inbound,
    parse_consent_change,
)

PHONE = "+14155550132"
SID = "SM" + "5" * 32
RECEIVED = datetime(2026, 11, 20, 15, 4, 5, tzinfo=UTC)
AT = datetime(2026, 11, 20, 15, 4, 5, 250000, tzinfo=UTC)
PROGRAM = Program(brand="Acme Sales", care_contact="help@acme.test", advanced_opt_out=False)
OPT_OUTS = ["STOP", "please stop texting me"]


@dataclass
class RecordingLedger:
    """A consent ledger that remembers every change it was asked to write. ``down``: it fails as the
    DynamoDB adapter does when the table throttles (StoreUnavailable, a Retryable error)."""

    down: bool = False
    attempts: list[ConsentChange] = field(default_factory=list)
    statuses: dict[str, ConsentStatus] = field(default_factory=dict)

    def status(self, phone: str) -> ConsentStatus | None:
        return self.statuses.get(phone)

    def is_opted_out(self, phone: str) -> bool:
        return self.status(phone) is ConsentStatus.OPTED_OUT

    def record(self, change: ConsentChange) -> bool:
        self.attempts.append(change)
        if self.down:
            raise StoreUnavailable(
                "DynamoDB UpdateItem failed: ProvisionedThroughputExceededException",
                code="ProvisionedThroughputExceededException",
            )
        moved = self.statuses.get(change.phone) is not change.status
        self.statuses[change.phone] = change.status
        return moved


@dataclass
class RecordingQueue:
    """A message queue that remembers what it accepted; ``down``: it fails as the SQS adapter does."""

    down: bool = False
    attempts: list[list[str]] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)

    def send_all(self, bodies: Sequence[str]) -> None:
        self.attempts.append(list(bodies))
        if self.down:
            raise StoreUnavailable("SQS SendMessageBatch failed: ClientError")
        self.sent.extend(bodies)


@dataclass
class Webhook:
    ledger: RecordingLedger
    consent_queue: RecordingQueue
    reply_queue: RecordingQueue

    def receive(self, body: str, program: Program = PROGRAM) -> Answer:
        form = {"MessageSid": SID, "From": PHONE, "To": "+14155550100", "Body": body, "NumMedia": "0"}
        return accept_inbound(
            InboundSms.from_form(form, RECEIVED),
            classify=classify,
            consent=self.ledger,
            consent_fallback=self.consent_queue,
            queue=self.reply_queue,
            program=program,
            at=AT,
        )


def _webhook(*, ledger_down: bool = False, consent_queue_down: bool = False) -> Webhook:
    return Webhook(
        RecordingLedger(down=ledger_down), RecordingQueue(down=consent_queue_down), RecordingQueue()
    )


def _change(status: ConsentStatus) -> ConsentChange:
    return ConsentChange(PHONE, status, "twilio_inbound", SID, AT)


@pytest.mark.parametrize("body", OPT_OUTS)
def test_given_the_ledger_is_up_when_an_opt_out_arrives_then_it_is_recorded_and_the_consent_queue_is_untouched(
    body: str,
) -> None:
    webhook = _webhook()
    answer = webhook.receive(body)
    assert webhook.ledger.attempts == [_change(ConsentStatus.OPTED_OUT)]
    assert webhook.consent_queue.attempts == []
    assert answer.reply and "you are unsubscribed" in answer.reply and answer.queued


@pytest.mark.parametrize("body", OPT_OUTS)
def test_given_the_ledger_is_down_when_an_opt_out_arrives_then_the_exact_change_is_queued_and_confirmed(
    body: str,
) -> None:
    webhook = _webhook(ledger_down=True)
    answer = webhook.receive(body)
    assert webhook.ledger.attempts == [_change(ConsentStatus.OPTED_OUT)]  # the ledger was tried first
    (queued,) = webhook.consent_queue.sent
    assert json.loads(queued) == {
        "type": "consent_change",
        "phone": PHONE,
        "status": "opted_out",
        "source": "twilio_inbound",
        "evidence": SID,
        "at": "2026-11-20T15:04:05.250000+00:00",
    }
    assert parse_consent_change(queued) == _change(ConsentStatus.OPTED_OUT)  # what the consumer applies
    assert answer.reply and "you are unsubscribed" in answer.reply and "START" in answer.reply
    (reply,) = webhook.reply_queue.sent  # the reply still goes to the CRM thread
    assert json.loads(reply)["classification"]["opt_out"] is True and answer.queued


def test_given_the_ledger_is_down_when_an_opt_in_arrives_then_it_takes_the_same_path() -> None:
    webhook = _webhook(ledger_down=True)
    answer = webhook.receive("START")
    assert webhook.ledger.attempts == [_change(ConsentStatus.OPTED_IN)]
    assert [parse_consent_change(b) for b in webhook.consent_queue.sent] == [_change(ConsentStatus.OPTED_IN)]
    assert json.loads(webhook.consent_queue.sent[0])["status"] == "opted_in"
    assert answer.reply and "you are subscribed again" in answer.reply


def test_given_the_ledger_is_up_when_an_opt_in_arrives_then_the_consent_queue_is_untouched() -> None:
    webhook = _webhook()
    webhook.receive("START")
    assert webhook.ledger.statuses == {PHONE: ConsentStatus.OPTED_IN}
    assert webhook.consent_queue.attempts == []


@pytest.mark.parametrize("body", [*OPT_OUTS, "START"])
def test_given_the_ledger_and_the_consent_queue_are_down_then_it_raises_and_nothing_is_half_recorded(
    body: str,
) -> None:
    webhook = _webhook(ledger_down=True, consent_queue_down=True)
    with pytest.raises(Retryable):  # the webhook answers 503: Twilio's fallback URL gets the message
        webhook.receive(body)
    assert len(webhook.ledger.attempts) == 1 and len(webhook.consent_queue.attempts) == 1
    assert webhook.consent_queue.sent == []
    assert webhook.reply_queue.attempts == []  # no reply routed for a message Twilio will send again


def test_given_twilio_advanced_opt_out_and_the_ledger_down_then_stop_is_queued_though_twilio_answers_it() -> (
    None
):
    webhook = _webhook(ledger_down=True)
    silent = Program(brand="Acme Sales", care_contact="", advanced_opt_out=True)
    answer = webhook.receive("STOP", program=silent)
    assert [parse_consent_change(b) for b in webhook.consent_queue.sent] == [_change(ConsentStatus.OPTED_OUT)]
    assert answer.reply is None


@pytest.mark.parametrize(
    "body", ["HELP", "What would 50 seats cost?", "Could you stop by our office tomorrow at 10?"]
)
def test_given_a_reply_that_is_not_a_consent_change_then_neither_the_ledger_nor_its_queue_is_touched(
    body: str,
) -> None:
    webhook = _webhook(ledger_down=True, consent_queue_down=True)
    answer = webhook.receive(body)
    assert webhook.ledger.attempts == [] and webhook.consent_queue.attempts == []
    (reply,) = webhook.reply_queue.sent
    assert json.loads(reply)["sms"]["body"] == body and answer.queued
