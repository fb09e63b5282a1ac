"""Use case: a send that may have reached Twilio is recognised by what Twilio keeps, never sent twice.

The send's identity (``domain.reconcile.send_id``) travels in the status-callback URL, its SID is stored
the moment Twilio answers or calls back, and a redelivery — or a DLQ redrive days later, after the slot
expired — reconciles with Twilio before it sends."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import boto3
import pytest

from tests.support.clock import Clock
from tests.support.events import opportunity_to_review
from tests.support.fakes import Crash, FakeCrm, FakeSms, opportunity_context
from textloop.adapters.dynamodb import DynamoConversations
from textloop.domain.errors import BadRequest, SmsUnavailable
from textloop.domain.model import Outcome, TriggerEvent
from textloop.domain.reconcile import ProviderMessage, comparable, pick, send_id
from textloop.service_layer.dispatch import Dispatcher
from textloop.service_layer.status import handle_status

LINK = re.compile(r"https://sign\.example\.com/\S+")


def shortened(body: str) -> str:
    """Twilio's link shortening and smart encoding: the body as Twilio lists it afterwards."""
    return LINK.sub("https://twil.example/x7Kp", body).replace(" - ", " \u2013 ")


def expire(table: str, now: datetime) -> int:
    """DynamoDB's TTL sweeper: delete every item whose expires_at has passed. Returns how many."""
    client = boto3.client("dynamodb")
    gone = 0
    for page in client.get_paginator("scan").paginate(TableName=table):
        for item in page["Items"]:
            expires = item.get("expires_at", {}).get("N")
            if expires is not None and int(expires) < now.timestamp():
                client.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
                gone += 1
    return gone


def crash_after_twilio_accepted(make_dispatcher: Callable[[], Dispatcher], sms: FakeSms) -> TriggerEvent:
    event = opportunity_to_review()
    sms.crash_after_send = 1
    with pytest.raises(Crash):
        make_dispatcher()(event)
    return event


def test_given_twilio_stored_the_body_changed_when_redelivered_after_a_crash_then_nothing_is_sent_again(
    make_dispatcher: Callable[[], Dispatcher], crm: FakeCrm, sms: FakeSms, clock: Clock
) -> None:
    # Given Twilio shortened the link and smart-encoded the dash, and the process died after it accepted
    crm.add(opportunity_context())
    sms.stored = shortened
    event = crash_after_twilio_accepted(make_dispatcher, sms)
    # When the queue redelivers the event after the lease ran out
    clock.advance(minutes=3)
    result = make_dispatcher()(event)
    # Then the message Twilio holds is recognised as ours: sent once, logged with its SID
    assert result.outcome is Outcome.SENT and result.sid == sms.sent[0][1]
    assert len(sms.sent) == 1 and len(crm.logged) == 1


def test_given_a_status_callback_named_the_send_when_redelivered_then_its_sid_decides_without_listing(
    make_dispatcher: Callable[[], Dispatcher],
    crm: FakeCrm,
    sms: FakeSms,
    clock: Clock,
    conversations: DynamoConversations,
) -> None:
    # Given the process died right after Twilio accepted, and Twilio's "sent" callback came back
    crm.add(opportunity_context())
    sms.stored = lambda body: "a body nothing could match"
    event = crash_after_twilio_accepted(make_dispatcher, sms)
    ((message, sid, _),) = sms.sent
    assert message.status_callback is not None
    query = message.status_callback.split("?", 1)[1]
    form = {"MessageSid": sid, "MessageStatus": "sent", "To": message.to}
    handle_status(form, conversations, _NoConsent(), _NoQueue(), clock(), query=query, sends=conversations)
    # When the event is redelivered
    clock.advance(minutes=3)
    result = make_dispatcher()(event)
    # Then the stored SID is the answer: no second SMS, and Twilio was not even asked
    assert result.outcome is Outcome.SENT and result.sid == sid
    assert len(sms.sent) == 1 and sms.listed == 0


def test_given_a_dlq_redrive_after_the_cooldown_and_the_slot_expired_then_it_reconciles_before_claiming(
    make_dispatcher: Callable[[], Dispatcher],
    crm: FakeCrm,
    sms: FakeSms,
    clock: Clock,
    aws: dict[str, str],
) -> None:
    # Given the message went but the process died before recording it (the slot stays SENDING) ...
    crm.add(opportunity_context())
    event = crash_after_twilio_accepted(make_dispatcher, sms)
    # ... the event ended in the DLQ, and 9 days later (cooldown 7 days) the slot is gone (TTL)
    clock.advance(days=9)
    assert expire(aws["StateTable"], clock()) > 0
    # When the DLQ is redriven
    result = make_dispatcher()(event)
    # Then the redrive finds the message that went: never a second SMS
    assert len(sms.sent) == 1
    assert result.outcome is Outcome.SENT and result.sid == sms.sent[0][1]
    # And once more: a duplicate
    assert make_dispatcher()(event).outcome is Outcome.DUPLICATE


def test_given_a_crash_before_twilio_was_called_when_redriven_later_then_the_message_is_sent_once(
    make_dispatcher: Callable[[], Dispatcher],
    crm: FakeCrm,
    sms: FakeSms,
    clock: Clock,
    aws: dict[str, str],
) -> None:
    # Given another rule's message to the same number went since (ours in our records), and ours did not
    crm.add(opportunity_context())
    sms.unavailable = 1
    event = opportunity_to_review()
    with pytest.raises(SmsUnavailable):  # Twilio refused for now: nothing went
        make_dispatcher()(event)
    clock.advance(days=9)
    expire(aws["StateTable"], clock())
    # When the event is redriven
    result = make_dispatcher()(event)
    # Then reconciliation finds nothing of ours, and the message goes once
    assert result.outcome is Outcome.SENT and len(sms.sent) == 1


def test_given_a_bad_slot_in_the_callback_url_then_it_is_refused(conversations: DynamoConversations) -> None:
    form = {"MessageSid": "SM" + "0" * 32, "MessageStatus": "sent"}
    with pytest.raises(BadRequest):
        handle_status(
            form,
            conversations,
            _NoConsent(),
            _NoQueue(),
            datetime.now(),
            query="slot=../x",
            sends=conversations,
        )


# --- the decision itself (domain.reconcile.pick) ---------------------------------------------------

AT = datetime(2026, 11, 23, 20, 0)
OURS = "Textloop: Hi Maya, it's ready \u2014 sign at https://sign.example.com/acme-200"


def listed(*bodies: str) -> list[ProviderMessage]:
    return [ProviderMessage(f"SM{i:032x}", body, AT, "sent") for i, body in enumerate(bodies)]


def test_given_a_message_our_records_give_to_another_event_then_it_is_not_ours() -> None:
    found = pick("", listed(OURS), OURS, lambda sid: "another-event", "this-event")
    assert found is None


def test_given_several_unknown_messages_then_the_body_decides_tolerantly() -> None:
    messages = listed("Your code is 1234", "Textloop: Hi Maya, it's ready - sign at https://twil.example/x")
    found = pick("", messages, OURS, lambda sid: None, "this-event")
    assert found is not None and (found.sid, found.how) == (messages[1].sid, "body")


def test_given_one_unknown_message_whose_body_differs_then_it_is_taken_for_ours_never_twice() -> None:
    messages = listed("something Twilio rewrote beyond recognition")
    found = pick("", messages, OURS, lambda sid: None, "this-event")
    assert found is not None and found.how == "window"


def test_given_smart_punctuation_and_links_then_bodies_compare_equal() -> None:
    assert comparable("It\u2019s ready \u2014 https://a.example/1\u2026") == comparable(
        "It's ready - https://twil.example/x..."
    )
    assert comparable("ready") != comparable("not ready")


def test_given_an_event_then_its_send_id_is_stable_opaque_and_url_safe() -> None:
    key = "sf:006000000000001AAA:00001"
    assert send_id(key) == send_id(key) != send_id(key + "x")
    assert re.fullmatch(r"[0-9a-f]{32}", send_id(key))


class _NoConsent:
    def record(self, change: object) -> bool:
        raise AssertionError("no consent change expected")


class _NoQueue:
    def send_all(self, bodies: object) -> None:
        raise AssertionError("nothing to queue")
