"""Use case: Twilio calls back before the send's own write lands (it may: the callback races the
dispatcher's transaction). The status is kept and the message record, once written, shows it: a
delivered message never stays ``accepted``. A delivery failure flagged that early waits for the record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from tests.support.events import opportunity_to_review
from tests.support.fakes import FakeCrm, FakeSms, opportunity_context
from textloop.adapters.dynamodb import DynamoConversations
from textloop.domain import errors
from textloop.domain.model import OutboundSms, Outcome, SentSms
from textloop.domain.reconcile import ProviderMessage
from textloop.service_layer.replies import ReplyRouter
from textloop.service_layer.status import record_status

AT = datetime(2026, 11, 23, 20, 0, 1, tzinfo=UTC)


@dataclass
class CallsBackFirst:
    """A provider whose status callback is handled before ``send`` returns (the race, made certain)."""

    sms: FakeSms
    conversations: DynamoConversations
    status: str = "delivered"
    error_code: str = ""
    forms: list[dict[str, str]] = field(default_factory=list)

    def send(self, message: OutboundSms) -> SentSms:
        sent = self.sms.send(message)
        form = {"MessageSid": sent.sid, "MessageStatus": self.status, "ErrorCode": self.error_code}
        self.forms.append(form)
        assert record_status(form, self.conversations, AT)  # kept, though no record exists yet
        return sent

    def recent(self, to: str, since: datetime) -> list[ProviderMessage]:
        return self.sms.recent(to, since)


def test_given_a_delivered_callback_before_the_record_then_the_record_shows_delivered(
    make_dispatcher, crm: FakeCrm, sms: FakeSms, conversations: DynamoConversations
) -> None:
    # Given a provider that calls back "delivered" before the dispatcher writes the message record
    crm.add(opportunity_context())
    provider = CallsBackFirst(sms, conversations)

    # When the message is sent
    dispatcher = make_dispatcher()
    dispatcher.sms = provider
    result = dispatcher(opportunity_to_review())

    # Then the record is complete and delivered, not "accepted"
    assert result.outcome is Outcome.SENT
    stored = conversations.message(result.sid)
    assert stored is not None and stored["sid"] == result.sid and stored["rule"] == "contract_final_review"
    assert (stored["status"], stored["status_rank"], stored["delivered_at"]) == (
        "delivered",
        "5",
        AT.isoformat(timespec="microseconds"),
    )
    # and a late, older callback does not move it back
    assert not record_status({"MessageSid": result.sid, "MessageStatus": "sent"}, conversations, AT)
    assert (conversations.message(result.sid) or {})["status"] == "delivered"


def test_given_an_unreachable_callback_before_the_record_then_the_flag_waits_for_it(
    router: ReplyRouter, conversations: DynamoConversations
) -> None:
    # Given only the callback's status is stored for a message (its record not written yet)
    assert record_status(
        {"MessageSid": "SM" + "e" * 32, "MessageStatus": "undelivered", "ErrorCode": "30003"},
        conversations,
        AT,
    )
    failure = {"sid": "SM" + "e" * 32, "error_code": "30003", "phone": "+14155550132"}

    # When the delivery failure is handled, Then it is retried (the queue brings it back), not ignored
    with pytest.raises(errors.Retryable, match="not written yet"):
        router.delivery_failure(failure)
