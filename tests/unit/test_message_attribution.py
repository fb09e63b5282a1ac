"""Use case: every message carries what it is attributed to (rule, trigger, template version, variant,
record, stage at send, tier, lifecycle, cohort, owner, time, segments, price); each reply its message,
intent and latency."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support.events import opportunity_to_review
from tests.support.fakes import FakeCrm, FakeSms, opportunity_context
from textloop.adapters.dynamodb import DynamoConversations
from textloop.domain.attribution import attribute, cohort
from textloop.domain.model import Outcome
from textloop.service_layer.dispatch import Dispatcher
from textloop.service_layer.replies import ReplyRouter
from textloop.service_layer.status import record_status

SENT = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)  # the unit clock


def test_given_a_sent_message_then_its_record_carries_the_attribution_at_send(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, conversations: DynamoConversations
) -> None:
    crm.add(opportunity_context())
    result = dispatcher(opportunity_to_review())
    assert result.outcome is Outcome.SENT
    stored = conversations.message(result.sid)
    assert stored is not None
    assert {k: stored[k] for k in ("rule", "purpose", "template", "variant", "trigger", "stage")} == {
        "rule": "contract_final_review",
        "purpose": "transactional",
        "template": "contract_final_review@v2",
        "variant": "",  # the rule has one template
        "trigger": "StageName=Negotiation/Review",
        "stage": "Negotiation/Review",
    }
    assert (stored["crm"], stored["object_type"], stored["record_id"]) == (
        "salesforce",
        "opportunity",
        "006000000000001AAA",
    )
    assert stored["owner_id"] == "005000000000001AAA" and stored["cohort"] == "2026-11"
    assert stored["sent_at"].startswith("2026-11-23T20:00") and stored["segments"] == "1"
    assert (stored["tier"], stored["lifecycle"]) == ("", "")  # the rule fetches neither


def test_given_a_number_texted_in_an_earlier_month_then_a_new_message_keeps_its_first_cohort(
    make_dispatcher, crm: FakeCrm, conversations: DynamoConversations, clock
) -> None:
    crm.add(opportunity_context())
    first = make_dispatcher()(opportunity_to_review())
    clock.advance(days=40)  # January: another record, the same contact's number
    crm.add(opportunity_context("006000000000002AAA"))
    later = make_dispatcher()(opportunity_to_review("006000000000002AAA"))
    assert later.outcome is Outcome.SENT and later.sid != first.sid
    stored = conversations.message(later.sid)
    assert stored is not None and stored["sent_at"].startswith("2027-01") and stored["cohort"] == "2026-11"


def test_given_a_reply_then_its_outcome_names_the_message_and_the_latency(
    dispatcher: Dispatcher, crm: FakeCrm, router: ReplyRouter
) -> None:
    crm.add(opportunity_context())
    sent = dispatcher(opportunity_to_review())
    received = datetime(2026, 11, 23, 20, 4, 30, tzinfo=UTC)
    sms = {
        "sid": "SMin0001",
        "sender": "+14155550132",
        "to": "+14155550100",
        "body": "does it work with Outlook?",
        "num_media": 0,
        "media_types": [],
        "opt_out_type": None,
        "received_at": received.isoformat(),
    }
    result = router(sms, {"intent": "question", "opt_out": False, "confidence": 0.9})
    assert result.outcome is Outcome.ROUTED
    assert (result.details["message_sid"], result.details["latency_s"]) == (sent.sid, "270.0")
    assert result.details["intent"] == "question"


def test_given_a_status_callback_with_a_price_then_the_message_record_keeps_it(
    dispatcher: Dispatcher, crm: FakeCrm, conversations: DynamoConversations
) -> None:
    crm.add(opportunity_context())
    sid = dispatcher(opportunity_to_review()).sid
    form = {"MessageSid": sid, "MessageStatus": "delivered", "Price": "-0.00790", "PriceUnit": "USD"}
    assert record_status(form, conversations, SENT)
    stored = conversations.message(sid)
    assert stored is not None and stored["price"] == "-0.00790" and stored["status"] == "delivered"
    record_status({"MessageSid": sid, "MessageStatus": "read"}, conversations, SENT)  # no price: kept
    assert (conversations.message(sid) or {})["price"] == "-0.00790"


def test_given_fetched_tier_and_lifecycle_fields_then_they_are_attributed() -> None:
    told = attribute(
        "StageName",
        {"StageName": "Negotiation/Review"},
        {"StageName": "Negotiation/Review", "Account.Tier__c": "Enterprise", "lifecyclestage": "customer"},
    )
    assert (told.trigger, told.stage, told.tier, told.lifecycle) == (
        "StageName=Negotiation/Review",
        "Negotiation/Review",
        "Enterprise",
        "customer",
    )


def test_given_a_renewal_then_the_trigger_is_its_window_and_the_stage_its_rule_field() -> None:
    told = attribute("Type", {"CloseDate": "window:30"}, {"Type": "Renewal"}, date_field="CloseDate")
    assert (told.trigger, told.stage, told.tier) == ("CloseDate=window:30", "Renewal", "")
    assert cohort(datetime(2026, 3, 31, 23, 59, tzinfo=UTC)) == "2026-03"
