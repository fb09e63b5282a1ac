"""Use case: a CRM change that matters after a message (a meeting booked, an opportunity created, a stage
advanced, a deal closed won or lost) is recorded once, credited to the latest message sent on its record,
its contact or its account within the attribution window (default 30 days)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.events import ORG, hubspot_event, salesforce_change
from tests.support.fakes import FakeCrm, FakePipelineOutcomes
from textloop.config import ConfigError, Settings
from textloop.domain.errors import MalformedEvent, UnknownEvent
from textloop.domain.model import MessageContext, Person, RecordRef
from textloop.domain.pipeline import AttributedMessage, OutcomeKind, Stages
from textloop.service_layer.intake import accept_hubspot_batch, hubspot_envelope
from textloop.service_layer.outcomes import OutcomeRecorder, parse_outcome_body

OPP = "006000000000001AAA"
ACCOUNT = "001000000000001AAA"
CONTACT = "003000000000001AAA"
COMMIT = datetime.fromtimestamp(1795187045000 / 1000, tz=UTC)  # the builders' commitTimestamp/occurredAt
STAGES = Stages()


def message(
    sid: str, days_before: float, rule: str = "contract_final_review", **kw: Any
) -> AttributedMessage:
    defaults: dict[str, Any] = {"template": "sf_contract_final_review", "version": 3, "variant": "enterprise"}
    return AttributedMessage(sid, COMMIT - timedelta(days=days_before), rule, **{**defaults, **kw})


def signals(event: dict[str, Any]) -> list[Any]:
    return parse_outcome_body(json.dumps(event), STAGES)


def won(record_id: str = OPP, amount: float | None = 48000.0, **kw: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "StageName": "Closed Won",
        "IsWon": True,
        "IsClosed": True,
        "AccountId": ACCOUNT,
    }
    if amount is not None:
        fields["Amount"] = amount
    return salesforce_change("Opportunity", [record_id], fields, **kw)


# -- attribution -------------------------------------------------------------------------------------


def test_given_a_message_on_the_opportunity_when_it_closes_won_then_the_outcome_is_credited_with_amount() -> (
    None
):
    store = FakePipelineOutcomes()
    store.sent(f"salesforce:opportunity:{OPP}", message("SM1", days_before=3))
    (signal,) = signals(won())

    done = OutcomeRecorder(store)(signal)

    assert done.new is True
    outcome = store.recorded[signal.source_id]
    assert (outcome.kind, outcome.crm, outcome.record, outcome.at) == (
        OutcomeKind.CLOSED_WON,
        "salesforce",
        f"salesforce:opportunity:{OPP}",
        COMMIT,
    )
    assert outcome.amount == 48000.0
    assert outcome.message is not None
    assert (outcome.message.sid, outcome.message.rule, outcome.message.template) == (
        "SM1",
        "contract_final_review",
        "sf_contract_final_review",
    )
    assert (outcome.message.version, outcome.message.variant) == (3, "enterprise")


def test_given_only_a_message_older_than_the_window_when_a_meeting_is_booked_then_it_is_not_credited() -> (
    None
):
    store = FakePipelineOutcomes()
    store.sent(f"salesforce:opportunity:{OPP}", message("SM-old", days_before=31))
    event = salesforce_change(
        "Event",
        ["00U000000000001AAA"],
        {"WhatId": OPP, "WhoId": CONTACT, "AccountId": ACCOUNT},
        change_type="CREATE",
    )
    (signal,) = signals(event)

    OutcomeRecorder(store)(signal)

    outcome = store.recorded[signal.source_id]
    assert outcome.kind is OutcomeKind.MEETING_BOOKED
    assert outcome.record == "salesforce:event:00U000000000001AAA"
    assert outcome.message is None


def test_given_a_shorter_window_setting_when_the_message_is_outside_it_then_it_is_not_credited() -> None:
    store = FakePipelineOutcomes()
    store.sent(f"salesforce:opportunity:{OPP}", message("SM1", days_before=8))
    (signal,) = signals(won())

    OutcomeRecorder(store, window=timedelta(days=7))(signal)
    widened = OutcomeRecorder(FakePipelineOutcomes(messages=store.messages), window=timedelta(days=9))

    assert store.recorded[signal.source_id].message is None
    assert widened(signal).outcome.message is not None


def test_given_a_redelivered_change_event_when_recorded_twice_then_it_is_stored_once() -> None:
    store = FakePipelineOutcomes()
    store.sent(f"salesforce:opportunity:{OPP}", message("SM1", days_before=1))
    event = won(transaction_key="tx-1")
    record = OutcomeRecorder(store)

    first = record(signals(event)[0])
    again = record(signals(event)[0])

    assert (first.new, again.new) == (True, False)
    assert len(store.recorded) == 1


def test_given_messages_on_the_record_and_on_its_account_then_the_records_own_message_is_credited() -> None:
    store = FakePipelineOutcomes()
    store.sent(f"salesforce:opportunity:{OPP}", message("SM-record", days_before=10))
    store.sent(f"salesforce:opportunity:{OPP}", message("SM-record-2", days_before=6))
    store.sent(f"salesforce:account:{ACCOUNT}", message("SM-care", days_before=2, rule="ticket_closed"))
    (signal,) = signals(won())

    OutcomeRecorder(store)(signal)

    credited = store.recorded[signal.source_id].message
    assert credited is not None
    assert (credited.sid, credited.related) == ("SM-record-2", f"salesforce:opportunity:{OPP}")


def test_given_no_message_on_the_record_then_the_latest_on_its_account_is_credited() -> None:
    store = FakePipelineOutcomes()
    store.sent(f"salesforce:opportunity:{OPP}", message("SM-record-old", days_before=40))
    store.sent(f"salesforce:account:{ACCOUNT}", message("SM-acct-1", days_before=9, rule="renewal_window"))
    store.sent(f"salesforce:account:{ACCOUNT}", message("SM-acct-2", days_before=2, rule="renewal_window"))
    (signal,) = signals(won())

    OutcomeRecorder(store)(signal)

    credited = store.recorded[signal.source_id].message
    assert credited is not None
    assert (credited.sid, credited.rule, credited.related) == (
        "SM-acct-2",
        "renewal_window",
        f"salesforce:account:{ACCOUNT}",
    )


def test_given_a_message_sent_after_the_outcome_when_it_is_recorded_then_that_message_is_not_credited() -> (
    None
):
    store = FakePipelineOutcomes()
    store.sent(f"salesforce:opportunity:{OPP}", message("SM-later", days_before=-0.5))
    (signal,) = signals(won())

    OutcomeRecorder(store)(signal)

    assert store.recorded[signal.source_id].message is None
    (_, since, until) = store.queries[0]
    assert (since, until) == (COMMIT - timedelta(days=30), COMMIT)


def test_given_a_new_opportunity_on_an_account_texted_before_then_it_is_credited_to_that_message() -> None:
    store = FakePipelineOutcomes()
    store.sent(f"salesforce:account:{ACCOUNT}", message("SM-acct", days_before=5))
    fields = {"StageName": "Prospecting", "AccountId": ACCOUNT, "Amount": 12000}
    (signal,) = signals(
        salesforce_change("Opportunity", ["006000000000009AAA"], fields, change_type="CREATE")
    )

    OutcomeRecorder(store)(signal)

    outcome = store.recorded[signal.source_id]
    assert outcome.kind is OutcomeKind.OPPORTUNITY_CREATED
    assert outcome.message is not None and outcome.message.sid == "SM-acct"
    assert outcome.amount == 12000.0


# -- HubSpot: the deal is read for its amount and relations ----------------------------------------------


def deal_context(deal: str, amount: str | None, contact: str = "51", company: str = "8801") -> MessageContext:
    return MessageContext(
        record=RecordRef("hubspot", "deal", deal),
        fields={"amount": amount},
        recipient=Person(contact, "Ana", "Ng", "+16175550142"),
        owner=None,
        account_id=company,
    )


def test_given_a_hubspot_deal_closed_won_when_recorded_then_its_amount_is_read_and_its_contact_credits() -> (
    None
):
    crm = FakeCrm()
    crm.add(deal_context("9001", "72000.50"))
    store = FakePipelineOutcomes()
    store.sent("hubspot:contact:51", message("SM-hs", days_before=4, rule="deal_contract_sent"))
    (signal,) = parse_outcome_body(hubspot_envelope(hubspot_event(9001, "dealstage", "closedwon")), STAGES)
    tenants: list[tuple[str, str]] = []

    def gateways(crm_name: str, account: str) -> FakeCrm:
        tenants.append((crm_name, account))
        return crm

    OutcomeRecorder(store, gateways)(signal)

    outcome = store.recorded[signal.source_id]
    assert outcome.kind is OutcomeKind.CLOSED_WON
    assert outcome.amount == 72000.5
    assert outcome.message is not None and outcome.message.sid == "SM-hs"
    assert tenants == [("hubspot", "4431")]
    assert crm.loads == [(RecordRef("hubspot", "deal", "9001"), ("amount",))]
    assert store.queries[0][0] == ("hubspot:deal:9001", "hubspot:contact:51", "hubspot:company:8801")


def test_given_a_redelivered_hubspot_webhook_when_recorded_again_then_the_crm_is_not_read_twice() -> None:
    crm = FakeCrm()
    crm.add(deal_context("9001", "100"))
    store = FakePipelineOutcomes()
    body = hubspot_envelope(hubspot_event(9001, "dealstage", "closedwon", event_id=77))
    record = OutcomeRecorder(store, lambda crm_name, account: crm)

    first = record(parse_outcome_body(body, STAGES)[0])
    again = record(parse_outcome_body(body, STAGES)[0])

    assert (first.new, again.new) == (True, False)
    assert len(crm.loads) == 1 and len(store.recorded) == 1


def test_given_a_hubspot_deal_gone_from_the_crm_when_its_stage_changes_then_it_is_recorded_unread() -> None:
    store = FakePipelineOutcomes()
    store.sent("hubspot:deal:9002", message("SM-deal", days_before=1))
    (signal,) = parse_outcome_body(hubspot_envelope(hubspot_event(9002, "dealstage", "closedlost")), STAGES)

    OutcomeRecorder(store, lambda crm, account: FakeCrm())(signal)

    outcome = store.recorded[signal.source_id]
    assert (outcome.kind, outcome.amount) == (OutcomeKind.CLOSED_LOST, None)
    assert outcome.message is not None and outcome.message.sid == "SM-deal"


# -- what is and is not an outcome ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"StageName": "Closed Won", "IsWon": True, "IsClosed": True}, OutcomeKind.CLOSED_WON),
        ({"StageName": "Won - Signed", "IsWon": True, "IsClosed": True}, OutcomeKind.CLOSED_WON),
        ({"StageName": "Closed Lost", "IsWon": False, "IsClosed": True}, OutcomeKind.CLOSED_LOST),
        ({"StageName": "Dead", "IsWon": False, "IsClosed": True}, OutcomeKind.CLOSED_LOST),
        ({"StageName": "Proposal/Price Quote"}, OutcomeKind.STAGE_ADVANCED),
    ],
)
def test_given_a_stage_change_event_when_parsed_then_its_kind_follows_the_stage(
    fields: dict[str, Any], kind: OutcomeKind
) -> None:
    (signal,) = signals(salesforce_change("Opportunity", [OPP], fields))

    assert signal.kind is kind


@pytest.mark.parametrize(
    "event",
    [
        salesforce_change("Opportunity", [OPP], {"Amount": 5000}),  # the amount moved, no stage
        salesforce_change("Opportunity", [OPP], {}, change_type="GAP_UPDATE"),
        salesforce_change("Opportunity", [OPP], {}, change_type="DELETE"),
        salesforce_change("Event", ["00U000000000001AAA"], {"Subject": "Moved"}),  # a meeting edited
        {"source": "hubspot", "event": hubspot_event(9001, "amount", "100")},
    ],
)
def test_given_a_change_that_is_not_an_outcome_when_parsed_then_nothing_is_recorded(
    event: dict[str, Any],
) -> None:
    assert signals(event) == []


def test_given_the_same_change_in_the_appflow_shape_when_parsed_then_it_has_the_same_outcome() -> None:
    (nested,) = signals(won(transaction_key="tx-9"))
    (flat,) = signals(won(transaction_key="tx-9", nested=False))

    assert (flat.kind, flat.source_id, flat.amount) == (nested.kind, nested.source_id, nested.amount)
    assert nested.source_id == f"sf:{ORG}:tx-9:1:{OPP}"


def test_given_a_closed_won_without_its_amount_when_parsed_then_the_opportunity_is_read_for_it() -> None:
    (signal,) = signals(won(amount=None))
    crm = FakeCrm()
    crm.add(MessageContext(RecordRef("salesforce", "opportunity", OPP), {"Amount": 9900}, None, None))

    done = OutcomeRecorder(FakePipelineOutcomes(), lambda c, a: crm)(signal)

    assert signal.read == f"salesforce:opportunity:{OPP}"
    assert done.outcome.amount == 9900.0


def test_given_a_stage_change_without_its_account_when_recorded_then_the_account_is_read_and_credits() -> (
    None
):
    (signal,) = signals(salesforce_change("Opportunity", [OPP], {"StageName": "Proposal/Price Quote"}))
    crm = FakeCrm()
    context = MessageContext(RecordRef("salesforce", "opportunity", OPP), {"Amount": 30000}, None, None)
    crm.add(replace(context, account_id=ACCOUNT))
    store = FakePipelineOutcomes()
    store.sent(f"salesforce:account:{ACCOUNT}", message("SM-acct", days_before=3))

    done = OutcomeRecorder(store, lambda c, a: crm)(signal)

    assert signal.read == f"salesforce:opportunity:{OPP}"
    assert crm.loads == [(RecordRef("salesforce", "opportunity", OPP), ("Amount",))]
    assert done.outcome.kind is OutcomeKind.STAGE_ADVANCED and done.outcome.amount == 30000.0
    assert done.outcome.message is not None and done.outcome.message.sid == "SM-acct"


def test_given_unreadable_bodies_when_parsed_then_they_are_refused_with_a_reason() -> None:
    with pytest.raises(MalformedEvent):
        parse_outcome_body("not json", STAGES)
    with pytest.raises(UnknownEvent):
        signals(salesforce_change("Case", ["500000000000001AAA"], {"Status": "Closed"}))
    with pytest.raises(MalformedEvent):
        parse_outcome_body(json.dumps({"source": "hubspot", "event": {"objectId": "x"}}), STAGES)


# -- settings and intake -------------------------------------------------------------------------------


def test_given_no_window_setting_then_it_is_30_days_and_a_bad_one_fails_the_cold_start() -> None:
    base = {"STATE_TABLE": "s", "CONSENT_TABLE": "c"}

    assert Settings.from_env(base).attribution_window_days == 30
    assert Settings.from_env({**base, "ATTRIBUTION_WINDOW_DAYS": "7"}).attribution_window_days == 7
    for bad in ("0", "400", "a month"):
        with pytest.raises(ConfigError, match="ATTRIBUTION_WINDOW_DAYS"):
            Settings.from_env({**base, "ATTRIBUTION_WINDOW_DAYS": bad})


class Queue:
    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send_all(self, bodies: Any) -> None:
        self.bodies += list(bodies)


def test_given_a_hubspot_batch_when_accepted_then_deal_outcomes_also_go_to_the_outcome_queue() -> None:
    triggers, outcomes = Queue(), Queue()
    batch = [
        hubspot_event(9001, "dealstage", "contractsent", event_id=1),  # a trigger and an outcome
        hubspot_event(9003, "", "", event_id=2, kind="deal.creation"),  # an outcome only
        hubspot_event(9001, "amount", "100", event_id=3),  # neither
    ]

    result = accept_hubspot_batch(
        json.dumps(batch).encode(), {("deal", "dealstage")}, triggers, None, outcomes
    )

    assert [json.loads(b)["event"]["eventId"] for b in triggers.bodies] == [1]
    assert [json.loads(b)["event"]["eventId"] for b in outcomes.bodies] == [1, 2]
    assert (result.queued, result.ignored) == (2, 1)
