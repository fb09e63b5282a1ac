"""Use case: a deal reaches contract review → one contextual SMS, logged on the record."""

from __future__ import annotations

from tests.support.events import deal_to_contract_sent, opportunity_to_review
from tests.support.fakes import FakeCrm, FakeSms, deal_context, opportunity_context
from textloop.adapters.dynamodb import DynamoConversations
from textloop.domain.model import Outcome
from textloop.domain.reconcile import send_id
from textloop.service_layer.dispatch import Dispatcher


def test_given_opportunity_in_review_when_dispatched_then_one_sms_with_the_signing_link_is_logged(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, conversations: DynamoConversations
) -> None:
    # Given an opportunity whose primary contact typed the number as "(415) 555-0132"
    crm.add(opportunity_context())
    # When the CDC change arrives
    result = dispatcher(opportunity_to_review())
    # Then one SMS went to the E.164 number with the merge fields and the signing link
    assert result.outcome is Outcome.SENT
    ((message, sid, _),) = sms.sent
    assert message.to == "+14155550132"
    assert message.body.startswith("Textloop: Hi Maya, your Acme Corp - 200 seats contract is ready to sign")
    assert "https://sign.example.com/acme-200" in message.body
    # the send's identity travels with it: the status callback names it (domain.reconcile)
    callback = f"https://hooks.example.com/twilio/status?slot={send_id(result.event_key)}"
    assert message.status_callback == callback
    # And it is logged on the opportunity, for the contact, owned by the owner
    (activity,) = crm.logged
    assert (activity.record.record_id, activity.contact_id, activity.owner_id) == (
        "006000000000001AAA",
        "003000000000001AAA",
        "005000000000001AAA",
    )
    assert activity.subject.startswith("SMS") and activity.body == message.body and activity.sid == sid
    # And the message is kept for status callbacks and replies
    stored = conversations.message(sid)
    assert (
        stored is not None
        and stored["record_id"] == "006000000000001AAA"
        and stored["phone"] == "+14155550132"
    )
    assert result.details["template"] == "contract_final_review@v2"
    assert result.details["template_tag"] == "closing-contract_final_review-a-v2"
    assert (result.details["segments"], result.details["encoding"]) == (1, "gsm7")
    assert (stored["template_tag"], stored["segments"], stored["encoding"]) == (
        "closing-contract_final_review-a-v2",
        "1",
        "gsm7",
    )


def test_given_hubspot_deal_contract_sent_when_dispatched_then_sms_goes_to_the_associated_contact(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms
) -> None:
    crm.add(deal_context())
    result = dispatcher(deal_to_contract_sent())
    assert result.outcome is Outcome.SENT
    assert [m.to for m, _, _ in sms.sent] == ["+16175550142"]
    assert "https://sign.example.com/initech" in sms.bodies[0]
    assert crm.logged[0].record.crm == "hubspot"


def test_given_only_the_fields_rules_need_when_loading_context_then_the_crm_is_asked_for_them(
    dispatcher: Dispatcher, crm: FakeCrm
) -> None:
    crm.add(opportunity_context())
    dispatcher(opportunity_to_review())
    ((_, fields),) = crm.loads
    # LastStageChangeDate: the stage entry, so that a GAP re-read never texts the same entry twice
    assert set(fields) == {"StageName", "Name", "Contract_Signing_URL__c", "LastStageChangeDate"}
