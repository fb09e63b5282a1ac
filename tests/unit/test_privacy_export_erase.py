"""Use case: a compliance officer asks what Textloop holds about a number (export), then asks for it to be
erased; an opt-out must still be honoured afterwards. Message bodies do not outlive their purpose."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest

from tests.support.clock import Clock
from tests.support.events import deal_to_contract_sent
from tests.support.fakes import FakeCrm, FakeSms, deal_context
from textloop.adapters.dynamodb import DynamoConsentLedger, DynamoEventOutcomes, DynamoSendSlots
from textloop.adapters.privacy import DynamoPrivacyStore
from textloop.domain.errors import BadRequest, SmsUnavailable
from textloop.domain.masking import mask
from textloop.domain.model import DispatchResult, Outcome
from textloop.domain.ports import ConsentChange, ConsentStatus
from textloop.service_layer.dispatch import Dispatcher
from textloop.service_layer.privacy import KeyedHash, Privacy

PHONE = "+16175550142"  # deal_context's recipient, "+1 617-555-0142" in the CRM
OTHER = "+16175550199"
HASH = KeyedHash(lambda: "unit-test-privacy-key-0123456789")
STOP_SID = "SM" + "5" * 32
RETENTION = timedelta(days=30)


@pytest.fixture
def consent(aws: dict[str, str]) -> DynamoConsentLedger:
    """The ledger as deployed: it knows the privacy key (tombstones), and keeps 2 entries inline."""
    return DynamoConsentLedger(aws["ConsentTable"], boto3.client("dynamodb"), history_inline=2, hasher=HASH)


@pytest.fixture
def slots(aws: dict[str, str]) -> DynamoSendSlots:
    return DynamoSendSlots(aws["StateTable"], boto3.client("dynamodb"), retention=RETENTION)


@pytest.fixture
def privacy(aws: dict[str, str], consent: DynamoConsentLedger, clock: Clock) -> Privacy:
    return Privacy(DynamoPrivacyStore(aws["StateTable"], boto3.client("dynamodb")), consent, HASH, clock)


@pytest.fixture
def texted(
    dispatcher: Dispatcher,
    crm: FakeCrm,
    sms: FakeSms,
    consent: DynamoConsentLedger,
    outcomes: DynamoEventOutcomes,
    clock: Clock,
) -> None:
    """Given a HubSpot contact texted once, a second deal's text waiting for a retry (its body in its slot),
    a STOP from the number, and that STOP routed as a reply."""
    crm.add(deal_context())
    crm.add(deal_context("9002"))
    assert dispatcher(deal_to_contract_sent()).outcome is Outcome.SENT
    sms.unavailable = 1
    with pytest.raises(SmsUnavailable):
        dispatcher(deal_to_contract_sent(object_id=9002, event_id=1002))
    clock.advance(minutes=5)
    consent.record(ConsentChange(PHONE, ConsentStatus.OPTED_OUT, "twilio_inbound", STOP_SID, clock()))
    details = {"intent": "opt_out", "from": mask(PHONE), "how": "conversation"}
    outcomes.record_outcome(
        DispatchResult(Outcome.ROUTED, f"in:{STOP_SID}", "opt_out", details=details), clock()
    )


def everything(aws: dict[str, str]) -> str:
    """Both tables, every item, as one text."""
    client = boto3.client("dynamodb")
    return json.dumps([client.scan(TableName=aws[t])["Items"] for t in ("StateTable", "ConsentTable")])


# --------------------------------------------------------------------------------------------- export


def test_given_a_texted_number_when_exported_then_one_json_object_holds_everything(
    texted: None, privacy: Privacy, sms: FakeSms
) -> None:
    exported = privacy.export(PHONE)

    assert json.loads(json.dumps(exported)) == exported  # one plain JSON object
    assert exported["phone"] == PHONE
    assert exported["consent"]["status"] == "opted_out"
    assert [h["evidence"] for h in exported["consent"]["history"]] == [STOP_SID]
    ((sid, _),) = [(m["sid"], m) for m in exported["messages"]]
    assert sid == sms.sent[0][1] and exported["conversation"][0]["sid"] == sid
    assert exported["conversation"][0]["contact_id"] == "501"
    # the logged message's slot no longer has its body; the one waiting for a retry does
    bodies = {s["record_id"]: s.get("body") for s in exported["slots"]}
    assert bodies["9001"] is None and "contract" in bodies["9002"].lower()
    assert {i["pk"] for i in exported["index"]} == {f"NUMBER#{PHONE}", "CONTACT#hubspot:501", f"CAPS#{PHONE}"}
    assert [o["outcome"] for o in exported["outcomes"]] == ["sent"]
    assert [r["pk"] for r in exported["routed_replies"]] == [f"EVENT#in:{STOP_SID}"]
    assert exported["erased"] is None and exported["erasures"] == []


def test_given_an_unknown_number_when_exported_then_it_is_empty_and_bad_input_is_refused(
    aws: dict[str, str], privacy: Privacy
) -> None:
    exported = privacy.export(OTHER)
    assert exported["consent"] is None and exported["messages"] == exported["slots"] == []
    for bad in ("6175550142", "+1 617-555-0142", "+0123", "call me"):
        with pytest.raises(BadRequest, match=r"E\.164"):
            privacy.export(bad)


# ---------------------------------------------------------------------------------------------- erase


def test_given_an_opted_out_number_when_erased_then_only_a_keyed_hash_of_the_opt_out_stays(
    texted: None, privacy: Privacy, aws: dict[str, str], sms: FakeSms
) -> None:
    report = privacy.erase(PHONE)

    # Then messages, slots (one with its body), index entries and the consent item are gone
    assert report["deleted"] == {
        "conversation": 1,
        "messages": 1,
        "slots": 2,
        "bodies": 1,
        "index": 4,  # two slots under the number, the number under its contact, its cap ledger
        "links": 0,  # the dispatcher here tracks no links (test_privacy_erases_links.py)
        "clicks": 0,
        "consent_entries": 1,
        "consent_items": 1,
    }
    assert report["tombstone"] is True and report["key"] == HASH(PHONE)
    assert report["kept"]["outcomes"] == 2 and "masked" in report["kept"]["why"]
    # and neither table holds the number or a body any more: the outcomes kept mask it
    stored = everything(aws)
    assert PHONE not in stored and "6175550142" not in stored
    assert all(body not in stored for body in sms.bodies)
    # the tombstone holds the opt-out and nothing else
    tombstone = boto3.client("dynamodb").get_item(
        TableName=aws["ConsentTable"], Key={"phone": {"S": f"ERASED#{HASH(PHONE)}"}}
    )["Item"]
    assert set(tombstone) == {"phone", "status", "updated_at", "erased_at"}
    assert tombstone["status"] == {"S": "opted_out"}
    # and the audit record names the hash, the time and the counts
    (audit,) = privacy.export(PHONE)["erasures"]
    assert audit["pk"] == f"PRIVACY#{HASH(PHONE)}" and audit["deleted"]["messages"] == 1
    assert PHONE not in json.dumps(audit)


def test_given_an_erased_opt_out_when_the_crm_triggers_a_text_again_then_it_is_refused(
    texted: None, privacy: Privacy, dispatcher: Dispatcher, sms: FakeSms, clock: Clock
) -> None:
    privacy.erase(PHONE)
    clock.advance(days=8)  # the cooldown is over, and its slot is gone anyway

    result = dispatcher(deal_to_contract_sent(event_id=2001))

    assert (result.outcome, result.reason) == (Outcome.SKIPPED, "opted_out")
    assert len(sms.sent) == 1


def test_given_an_erased_number_when_erased_again_then_nothing_changes_but_the_audit(
    texted: None, privacy: Privacy, aws: dict[str, str]
) -> None:
    privacy.erase(PHONE)
    after_first = everything(aws)

    again = privacy.erase(PHONE)

    assert set(again["deleted"].values()) == {0} and again["tombstone"] is True
    assert again["erased_before"] == 1
    assert len(privacy.export(PHONE)["erasures"]) == 2
    assert privacy.export(PHONE)["erased"]["status"] == "opted_out"
    assert json.loads(everything(aws))[1] == json.loads(after_first)[1]  # the ConsentTable as it was


def test_given_a_number_that_never_opted_out_when_erased_then_no_tombstone_and_it_may_be_texted(
    privacy: Privacy, consent: DynamoConsentLedger, clock: Clock, aws: dict[str, str]
) -> None:
    consent.record(ConsentChange(OTHER, ConsentStatus.OPTED_IN, "twilio_inbound", "SMstart", clock()))

    report = privacy.erase(OTHER)

    assert report["tombstone"] is False and report["deleted"]["consent_entries"] == 1
    assert consent.status(OTHER) is None and OTHER not in everything(aws)


def test_given_a_long_history_when_erased_then_its_overflow_items_go_too(
    privacy: Privacy, consent: DynamoConsentLedger, clock: Clock, aws: dict[str, str]
) -> None:
    for n in range(7):  # two inline, five moved out
        status = ConsentStatus.OPTED_IN if n % 2 else ConsentStatus.OPTED_OUT
        consent.record(
            ConsentChange(OTHER, status, "twilio_inbound", f"SM{n:032d}", clock() + timedelta(minutes=n))
        )
    assert len(consent.history(OTHER)) == 7

    report = privacy.erase(OTHER)

    assert report["deleted"]["consent_entries"] == 7 and report["deleted"]["consent_items"] > 1
    assert OTHER not in everything(aws) and consent.status(OTHER) is ConsentStatus.OPTED_OUT


def test_given_an_erased_opt_out_then_a_later_start_opts_in_but_an_older_one_does_not(
    privacy: Privacy, consent: DynamoConsentLedger, clock: Clock
) -> None:
    stop_at = clock()
    consent.record(ConsentChange(OTHER, ConsentStatus.OPTED_OUT, "twilio_inbound", "SMstop", stop_at))
    privacy.erase(OTHER)

    # When an opt-in older than the erased opt-out arrives late (a queue redelivery)
    late = ConsentChange(
        OTHER, ConsentStatus.OPTED_IN, "twilio_inbound", "SMold", stop_at - timedelta(hours=1)
    )
    # Then it only joins the history: the opt-out stands
    assert consent.record(late) is False
    assert consent.status(OTHER) is ConsentStatus.OPTED_OUT
    # And when the number texts START after the opt-out, it is subscribed again
    start = ConsentChange(
        OTHER, ConsentStatus.OPTED_IN, "twilio_inbound", "SMstart", stop_at + timedelta(days=1)
    )
    assert consent.record(start) is True
    assert consent.status(OTHER) is ConsentStatus.OPTED_IN
    # and erasing it again keeps no tombstone: nothing is left to honour
    assert privacy.erase(OTHER)["tombstone"] is False
    assert consent.status(OTHER) is None


def test_given_a_crm_contact_deleted_for_privacy_then_each_of_its_numbers_is_erased(
    texted: None, privacy: Privacy, aws: dict[str, str]
) -> None:
    done = privacy.erase_contact("hubspot", "501", source="hubspot:contact.privacyDeletion")

    assert done["numbers"] == 1 and done["keys"] == [HASH(PHONE)] and done["tombstones"] == 1
    assert PHONE not in everything(aws)
    assert privacy.erase_contact("hubspot", "999", source="test")["numbers"] == 0
    audits = [i for i in json.loads(everything(aws))[0] if i["pk"]["S"].startswith("PRIVACY#contact:")]
    assert sorted(i["pk"]["S"] for i in audits) == [
        "PRIVACY#contact:hubspot:501",
        "PRIVACY#contact:hubspot:999",
    ]


def test_given_no_privacy_key_then_export_works_and_erase_refuses(
    texted: None, aws: dict[str, str], consent: DynamoConsentLedger
) -> None:
    keyless = Privacy(DynamoPrivacyStore(aws["StateTable"], boto3.client("dynamodb")), consent, None)

    assert keyless.export(PHONE)["consent"]["status"] == "opted_out"
    with pytest.raises(RuntimeError, match="hash key"):
        keyless.erase(PHONE)


# ---------------------------------------------------------------------------------------- retention


def test_given_a_message_sent_then_its_body_leaves_the_slot_once_logged_and_records_expire_after_retention(
    dispatcher: Dispatcher, crm: FakeCrm, aws: dict[str, str], clock: Clock
) -> None:
    crm.add(deal_context())
    result = dispatcher(deal_to_contract_sent())

    client = boto3.client("dynamodb")
    slot = client.get_item(
        TableName=aws["StateTable"],
        Key={"pk": {"S": f"SLOT#contract_final_review#hubspot:deal:9001#{PHONE}"}, "sk": {"S": "SLOT"}},
    )["Item"]
    assert slot["state"] == {"S": "logged"} and "body" not in slot
    # it still blocks a second SMS until the cooldown ends
    assert int(slot["expires_at"]["N"]) >= (clock() + timedelta(days=7)).timestamp()
    message = client.get_item(
        TableName=aws["StateTable"], Key={"pk": {"S": f"MSG#{result.sid}"}, "sk": {"S": "MSG"}}
    )["Item"]
    assert int(message["expires_at"]["N"]) == int((clock() + RETENTION).timestamp())


def test_given_a_message_the_provider_refuses_then_its_slot_keeps_no_body(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, aws: dict[str, str]
) -> None:
    crm.add(deal_context())
    sms.unsubscribed.add(PHONE)

    assert dispatcher(deal_to_contract_sent()).reason == "opted_out"

    items: list[dict[str, Any]] = boto3.client("dynamodb").scan(TableName=aws["StateTable"])["Items"]
    (slot,) = [i for i in items if i["pk"]["S"].startswith("SLOT#")]
    assert slot["state"] == {"S": "failed"} and "body" not in slot
