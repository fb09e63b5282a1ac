"""Use case: a Salesforce Contract approaching its EndDate is a renewal moment. A rule with
``object_type: contract`` and ``renewal.date_field: EndDate`` is validated at cold start (a contract is
found by the renewal scanner only; account fields are named ``Account.<field>``); the scanner queues the
contract, and the dispatcher texts its decision maker, personalised from the account's usage fields, and
logs the message on the contract."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from tests.support.clock import Clock
from tests.support.fakes import FakeCrm, FakeSms
from textloop.domain import templates
from textloop.domain.model import ChangeKind, MessageContext, Outcome, Person, RecordRef
from textloop.domain.rules import RuleSet
from textloop.domain.watchlist import DEFAULT_TRIGGERS_FILE
from textloop.schemas import parse_queue_body, renewal_body
from textloop.service_layer.dispatch import Dispatcher

CONTRACT = "8005e00000CtSoyAAF"
RECORD = RecordRef("salesforce", "contract", CONTRACT)
ORG = "00D5e000000TxLpEAG"


def _rules(**changes: Any) -> dict[str, Any]:
    """The default rules file with the contract rule changed."""
    config = json.loads(DEFAULT_TRIGGERS_FILE.read_text())
    rule = next(r for r in config["rules"] if r["object_type"] == "contract")
    rule.update(changes)
    for key in [k for k, v in changes.items() if v is None]:
        del rule[key]
    return config


def contract_context(
    *, status: str = "Activated", end: str = "2027-01-04", consent: str = "opted_in"
) -> MessageContext:
    return MessageContext(
        record=RECORD,
        fields={
            "Status": status,
            "Name": "Soylent platform subscription",
            "EndDate": end,
            "Account.Seats_Used__c": 57,
            "Account.Seats_Purchased__c": 60,
        },
        recipient=Person(
            "0035e00000GrKimAAF", "Grace", "Kim", "(415) 555-0175", sms_consent=consent, role="Decision Maker"
        ),
        owner=Person("0055e000004TlQbAAK", "Marcus", "Okafor"),
        account_name="Soylent Corp",
    )


def _event(clock: Clock, days: int = 40, window: int = 60) -> Any:
    body = renewal_body(
        "salesforce",
        "contract",
        CONTRACT,
        ORG,
        "EndDate",
        clock().date() + timedelta(days=days),
        window,
        clock(),
    )
    (event,) = parse_queue_body(body)
    return event


# -------------------------------------------------------------------------------------------- the rule


def test_given_the_default_rules_then_contracts_renew_by_end_date_to_their_decision_maker() -> None:
    (rule,) = [r for r in RuleSet.load().rules if r.object_type == "contract"]

    assert (rule.crm, rule.purpose, rule.field, rule.equals) == (
        "salesforce",
        "marketing",
        "Status",
        ("Activated",),
    )
    assert rule.renewal is not None and rule.renewal.date_field == "EndDate"
    assert rule.renewal.windows == (60, 30) and rule.renewal.recipient_role == "Decision Maker"
    # usage fields from the account, fetched through the contract's Account relationship
    assert {"Account.Seats_Used__c", "Account.Seats_Purchased__c", "EndDate", "Status"} <= set(rule.fields)


def test_given_a_contract_renewal_event_then_only_the_contract_rule_is_a_candidate(clock: Clock) -> None:
    event = _event(clock)

    assert event.kind is ChangeKind.RENEWAL and event.changed == {"EndDate": "window:60"}
    ends = clock().date() + timedelta(days=40)
    assert event.event_key == f"renewal:salesforce:{ORG}:{CONTRACT}:{ends.isoformat()}:60"
    assert [r.name for r in RuleSet.load().candidates(event)] == ["contract_renewal"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"renewal": None}, "a contract is found by the renewal scanner, not by a change"),
        ({"crm": "hubspot"}, "a hubspot rule's object_type is one of deal, ticket (got contract)"),
        (
            {"extra_fields": ["Owner.Email"]},
            "extra field 'Owner.Email': name a field of the record, or of its account",
        ),
        ({"extra_fields": ["Account.Seats Used"]}, "extra field 'Account.Seats Used'"),
        ({"field": "Account.Status"}, "field 'Account.Status' must name a field of the contract itself"),
        (
            {"renewal": {"date_field": "Account.EndDate", "windows": [60]}},
            "renewal.date_field 'Account.EndDate' must name a field of the contract itself",
        ),
    ],
)
def test_given_a_contract_rule_that_cannot_work_when_loading_then_the_cold_start_names_the_problem(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        RuleSet.model_validate(_rules(**changes))


def test_given_a_hubspot_rule_with_an_account_field_when_loading_then_it_is_refused() -> None:
    config = _rules()
    deal = next(r for r in config["rules"] if r["crm"] == "hubspot" and r.get("renewal"))
    deal["extra_fields"] = ["company.seats_used"]

    with pytest.raises(ValidationError, match="name a property of the record itself"):
        RuleSet.model_validate(config)


def test_given_a_variant_testing_an_account_field_when_loading_then_it_is_fetched() -> None:
    config = _rules(
        template=None,
        variants=[
            {
                "name": "enterprise",
                "when": {"record.Account.Tier__c": ["Enterprise"]},
                "template": "contract_renewal_sf",
            },
            {"name": "standard", "template": "contract_renewal_sf"},
        ],
    )

    rule = next(r for r in RuleSet.model_validate(config).rules if r.object_type == "contract")

    assert "Account.Tier__c" in rule.fields
    enterprise = MessageContext(RECORD, {"Account.Tier__c": "Enterprise"}, None, None)
    assert rule.choose(enterprise, "+14155550175").variant == "enterprise"


def test_given_account_fields_when_rendering_then_the_template_reads_them_under_record_account() -> None:
    rules = RuleSet.load()
    (rule,) = [r for r in rules.rules if r.object_type == "contract"]

    body = templates.render(
        rules.template("contract_renewal_sf"), templates.merge_fields(rule, contract_context(), "Acme Cloud")
    )

    assert body.startswith(
        "Acme Cloud: Hi Grace, your Soylent Corp contract ends 2027-01-04. Seats used: 57/60."
    )
    assert body.endswith("Reply STOP to opt out.")


# ---------------------------------------------------------------------------------------- dispatching


def test_given_a_contract_entering_its_window_when_dispatched_then_its_decision_maker_is_texted_on_the_contract(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, clock: Clock
) -> None:
    # Given an activated contract ending in 40 days, Grace its Decision Maker (opted in)
    crm.add(contract_context(end=(clock().date() + timedelta(days=40)).isoformat()))
    # When the scanner's event reaches the dispatcher
    result = dispatcher(_event(clock))
    # Then she is texted once, personalised from the account, and it is logged on the contract
    assert (result.outcome, result.rule) == (Outcome.SENT, "contract_renewal")
    ((message, _, _),) = sms.sent
    assert message.to == "+14155550175" and "Seats used: 57/60." in message.body
    assert result.details["template"] == "contract_renewal_sf@v1"
    (logged,) = crm.logged
    assert logged.record == RECORD and logged.contact_id == "0035e00000GrKimAAF"
    # the contract was read with its decision maker's role and the account's usage fields
    assert crm.roles == [(RECORD, "Decision Maker")]
    (_, fields), *_ = crm.loads
    assert {"Account.Seats_Used__c", "Account.Seats_Purchased__c", "EndDate", "Status"} <= set(fields)
    # and the same window scanned again is a duplicate
    assert dispatcher(_event(clock)).outcome is Outcome.DUPLICATE


def test_given_a_contract_no_longer_activated_when_dispatched_then_ignored_and_nobody_texted(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, clock: Clock
) -> None:
    crm.add(contract_context(status="Draft"))

    result = dispatcher(_event(clock))

    assert (result.outcome, result.reason) == (Outcome.IGNORED, "stage_changed_since")
    assert sms.sent == []


def test_given_a_decision_maker_without_an_opt_in_when_dispatched_then_skipped_as_marketing(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, clock: Clock
) -> None:
    crm.add(contract_context(consent=""))

    result = dispatcher(_event(clock))

    assert (result.outcome, result.reason) == (Outcome.SKIPPED, "no_marketing_consent")
    assert sms.sent == []
