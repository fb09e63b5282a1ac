"""Use case: every opt-out or opt-in Textloop records reaches the CRM's own consent field, with the
evidence logged on the contact — for replies (through the reply router) and for Twilio's 21610
(through a consent_sync message from the status callback)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.support.fakes import FakeCrm
from tests.unit.test_route_replies import PHONE, intent, reply
from textloop.adapters.dynamodb import DynamoConsentLedger, DynamoConversations, DynamoEventOutcomes
from textloop.domain.errors import CrmRejected, StoreUnavailable, UnknownTenant
from textloop.domain.model import ConsentStatus, Outcome, Person
from textloop.domain.ports import ConsentChange
from textloop.service_layer.replies import ReplyRouter
from textloop.service_layer.status import CONSENT_SYNC, handle_status


class RecordingQueue:
    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send_all(self, bodies: list[str]) -> None:
        self.bodies += bodies


def test_given_a_texted_contact_replies_stop_in_a_sentence_then_the_crm_field_says_opted_out_with_evidence(
    texted: None, router: ReplyRouter, crm: FakeCrm
) -> None:
    result = router(reply("thanks, but please stop texting me", sid="SMstop1"), intent("opt_out"))
    assert result.details["crm_consent"] == "opted_out"
    ((contact_id, status, note),) = crm.consent_writes
    assert (contact_id, status) == ("003000000000001AAA", ConsentStatus.OPTED_OUT)
    assert "SMstop1" in note and "opt out" in note


def test_given_a_known_contact_replies_start_then_the_crm_field_says_opted_in(
    router: ReplyRouter, crm: FakeCrm
) -> None:
    crm.contacts.append(Person("003Y", "Ana", "Silva", PHONE, owner_id="005REP"))
    router(reply("START", sid="SMstart"), intent("opt_in"))
    assert [(c, s) for c, s, _ in crm.consent_writes] == [("003Y", ConsentStatus.OPTED_IN)]


def test_given_a_stranger_opts_out_then_no_contact_field_is_touched(
    router: ReplyRouter, crm: FakeCrm
) -> None:
    router(reply("STOP", sid="SMx", sender="+13035550188"), intent("opt_out"))
    assert crm.consent_writes == []


def test_given_an_ordinary_reply_then_consent_is_not_written(
    texted: None, router: ReplyRouter, crm: FakeCrm
) -> None:
    router(reply("what would 50 seats cost?"), intent("buying_signal"))
    assert crm.consent_writes == []


def test_given_twilio_21610_in_a_status_callback_then_the_ledger_and_then_the_crm_field_record_it(
    texted: None,
    router: ReplyRouter,
    crm: FakeCrm,
    conversations: DynamoConversations,
    consent: DynamoConsentLedger,
) -> None:
    sid = crm.logged[0].sid
    queue = RecordingQueue()
    form = {"MessageSid": sid, "MessageStatus": "failed", "ErrorCode": "21610", "To": PHONE}
    handle_status(form, conversations, consent, queue, datetime(2026, 11, 24, 15, 1, tzinfo=UTC))
    assert consent.status(PHONE) is ConsentStatus.OPTED_OUT
    (body,) = queue.bodies
    message = json.loads(body)
    assert message["type"] == CONSENT_SYNC and message["status"] == "opted_out"
    first = router.consent_sync(message)
    again = router.consent_sync(message)  # SQS redelivered it
    assert first.outcome is Outcome.ROUTED and again.outcome is Outcome.DUPLICATE
    assert [(c, s) for c, s, _ in crm.consent_writes] == [("003000000000001AAA", ConsentStatus.OPTED_OUT)]


class RefusingCrm(FakeCrm):
    def record_consent(
        self, contact_id: str, status: ConsentStatus, note: str, key: str | None = None
    ) -> None:
        raise CrmRejected("bad value for restricted picklist field")


def test_given_the_crm_refuses_the_consent_write_then_the_reply_is_still_routed_once(
    router: ReplyRouter, crm: FakeCrm, outcomes: DynamoEventOutcomes
) -> None:
    refusing = RefusingCrm(contacts=[Person("003Y", "Ana", "Silva", PHONE, owner_id="005REP")])
    router.crm = lambda _crm, _account: refusing
    result = router(reply("STOP texting me", sid="SMr1"), intent("opt_out"))
    again = router(reply("STOP texting me", sid="SMr1"), intent("opt_out"))  # SQS redelivered it
    assert result.outcome is Outcome.ROUTED and result.details["crm_consent"] == "refused: crm_rejected"
    assert again.outcome is Outcome.DUPLICATE and len(refusing.logged) == 1


def test_given_a_permanent_refusal_while_routing_then_it_is_recorded_skipped_and_never_retried(
    router: ReplyRouter, outcomes: DynamoEventOutcomes
) -> None:
    def no_tenant(_crm: str, _account: str) -> FakeCrm:
        raise UnknownTenant("no credentials for this portal")

    router.crm = no_tenant
    result = router(reply("what would 50 seats cost?", sid="SMr2"), intent("buying_signal"))
    assert (result.outcome, result.reason) == (Outcome.SKIPPED, "unknown_tenant")
    recorded = outcomes.outcome("in:SMr2")
    assert recorded is not None and recorded.outcome is Outcome.SKIPPED


class FailingLedger:
    def record(self, change: object) -> bool:
        raise StoreUnavailable("DynamoDB UpdateItem failed: ProvisionedThroughputExceededException")


def test_given_21610_while_the_consent_table_fails_then_the_opt_out_goes_on_the_consent_queue(
    conversations: DynamoConversations,
) -> None:
    consent_queue, inbound = RecordingQueue(), RecordingQueue()
    form = {"MessageSid": "SM21610", "MessageStatus": "failed", "ErrorCode": "21610", "To": PHONE}
    handle_status(
        form, conversations, FailingLedger(), inbound, datetime(2026, 11, 24, 15, tzinfo=UTC), consent_queue
    )  # type: ignore[arg-type]
    (body,) = consent_queue.bodies
    assert json.loads(body)["type"] == "consent_change" and json.loads(body)["evidence"] == "SM21610"


def test_given_a_start_retried_after_a_later_stop_then_the_crm_field_follows_the_ledger(
    router: ReplyRouter, crm: FakeCrm, consent: DynamoConsentLedger
) -> None:
    # Given the contact sent START, then STOP; the ledger orders them by time
    crm.contacts.append(Person("003Y", "Ana", "Silva", PHONE, owner_id="005REP"))
    router.consent = consent
    consent.record(
        ConsentChange(
            PHONE,
            ConsentStatus.OPTED_IN,
            "twilio_inbound",
            "SMstart",
            datetime(2026, 11, 24, 15, 0, tzinfo=UTC),
        )
    )
    consent.record(
        ConsentChange(
            PHONE,
            ConsentStatus.OPTED_OUT,
            "twilio_inbound",
            "SMstop",
            datetime(2026, 11, 24, 15, 1, tzinfo=UTC),
        )
    )
    # When the START reply is routed last (its first attempt failed and SQS brought it back)
    router(reply("STOP texting me", sid="SMstop"), intent("opt_out"))
    router(reply("START", sid="SMstart"), intent("opt_in"))
    # Then the CRM field still says what the ledger says: opted out
    assert [s for _, s, _ in crm.consent_writes] == [ConsentStatus.OPTED_OUT, ConsentStatus.OPTED_OUT]
