"""Use case: one rule, several messages. Segments pick a template by record, account and contact
fields (first match wins, a default last); A/B arms split the numbers by a stable hash; the variant
travels with the message. All of it configuration, validated at cold start."""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pytest
from pydantic import ValidationError

from tests.support.events import opportunity_to_review
from tests.support.fakes import FakeCrm, FakeSms, opportunity_context
from textloop.adapters.dynamodb import DynamoConversations
from textloop.domain.model import MessageContext, Outcome
from textloop.domain.rules import RuleSet, ab_bucket
from textloop.domain.watchlist import DEFAULT_TRIGGERS_FILE
from textloop.service_layer.dispatch import Dispatcher
from textloop_local import templates_lint

RULE = "contract_final_review"  # the Salesforce opportunity rule (the first rule of the defaults)


def _template(template_id: str, words: str) -> dict[str, Any]:
    return {
        "id": template_id,
        "version": 1,
        "status": "approved",
        "owner": "revops@acme.example",
        "tag": f"closing-contract_final_review-{template_id.rsplit('_', 1)[-1]}-v1",
        "body": f"{{{{ brand }}}}: Hi {{{{ contact.first_name }}}}, {words}: {{{{ link }}}} Reply STOP to opt out.",
    }


VARIANT_TEMPLATES = [
    _template("review_enterprise", "your enterprise contract is ready"),
    _template("review_enduser", "your team's contract is ready"),
    _template("review_default", "your contract is ready to sign"),
    _template("review_a", "the contract is ready, sign here"),
    _template("review_b", "sign the contract in two minutes"),
]

SEGMENTS: list[dict[str, Any]] = [
    {
        "name": "enterprise",
        "when": {"record.Tier__c": ["Enterprise"], "contact.role": ["Economic Buyer"]},
        "template": "review_enterprise",
    },
    {
        "name": "end_user",
        "when": {"contact.role": ["End User", "Economic Buyer"]},
        "template": "review_enduser",
    },
    {"name": "default", "template": "review_default"},
]

AB: list[dict[str, Any]] = [
    {"name": "a", "template": "review_a", "weight": 50},
    {"name": "b", "template": "review_b", "weight": 50},
]


def _config(**rule: Any) -> dict[str, Any]:
    """The default configuration with the variant templates and the first rule changed by *rule*."""
    config: dict[str, Any] = json.loads(DEFAULT_TRIGGERS_FILE.read_text())
    config["templates"] += copy.deepcopy(VARIANT_TEMPLATES)
    first = config["rules"][0]
    assert (first["name"], first["crm"]) == (RULE, "salesforce")
    first.pop("template")
    first.update(copy.deepcopy(rule))
    return config


def _ruleset(**rule: Any) -> RuleSet:
    return RuleSet.model_validate(_config(**rule))


def _context(tier: str | None = None, role: str = "") -> MessageContext:
    context = opportunity_context()
    assert context.recipient is not None
    fields = {**context.fields, **({"Tier__c": tier} if tier else {})}
    return replace(context, fields=fields, recipient=replace(context.recipient, role=role))


PHONE = "+14155550132"


# ------------------------------------------------------------------------------------------ segments


def test_given_several_matching_segments_when_choosing_then_the_first_wins() -> None:
    # Given a rule whose first two segments both admit an enterprise economic buyer
    rule = _ruleset(variants=SEGMENTS).rules[0]
    # When the record is Enterprise and the contact its economic buyer
    choice = rule.choose(_context(tier="Enterprise", role="Economic Buyer"), PHONE)
    # Then the first segment wins
    assert (choice.template, choice.variant) == ("review_enterprise", "enterprise")


def test_given_one_failing_condition_when_choosing_then_the_next_segment_is_tried() -> None:
    rule = _ruleset(variants=SEGMENTS).rules[0]
    # Every condition of a segment must hold: an economic buyer on a Growth-tier record is not "enterprise"
    choice = rule.choose(_context(tier="Growth", role="Economic Buyer"), PHONE)
    assert (choice.template, choice.variant) == ("review_enduser", "end_user")


@pytest.mark.parametrize(
    ("tier", "role"),
    [(None, ""), ("Enterprise", ""), ("Enterprise", "Technical Buyer"), (None, "Decision Maker")],
)
def test_given_no_matching_segment_when_choosing_then_the_default_variant_is_used(
    tier: str | None, role: str
) -> None:
    rule = _ruleset(variants=SEGMENTS).rules[0]
    choice = rule.choose(_context(tier=tier, role=role), PHONE)
    assert (choice.template, choice.variant) == ("review_default", "default")


def test_given_account_conditions_when_choosing_then_the_account_name_is_tested() -> None:
    variants = [
        {"name": "acme", "when": {"account.name": ["Acme Corp"]}, "template": "review_enterprise"},
        {"name": "default", "template": "review_default"},
    ]
    rule = _ruleset(variants=variants).rules[0]
    assert rule.choose(replace(_context(), account_name="Acme Corp"), PHONE).variant == "acme"
    assert rule.choose(replace(_context(), account_name="Globex"), PHONE).variant == "default"


def test_given_conditions_on_record_fields_when_loading_then_the_rule_fetches_them() -> None:
    # Given a segment on Tier__c, a field the rule did not fetch
    ruleset = _ruleset(variants=SEGMENTS)
    # Then the rule fetches it (and contact/account conditions add no record field)
    assert "Tier__c" in ruleset.rules[0].fields
    assert ruleset.fields_for([ruleset.rules[0]]).count("Tier__c") == 1
    assert not any(f.startswith(("contact.", "role")) for f in ruleset.rules[0].fields)


def test_given_a_rule_without_variants_then_it_keeps_its_single_template() -> None:
    for rule in (r for r in RuleSet.load().rules if r.template):  # a rule of one template
        choice = rule.choose(_context(), PHONE)
        assert (choice.template, choice.variant) == (rule.template, "")
        assert rule.template_ids == (rule.template,)


# -------------------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            {"variants": SEGMENTS[:2]},
            r"rule contract_final_review: the last variant must be the default \(no when\); end_user has one",
        ),
        (
            {"variants": [SEGMENTS[2], *SEGMENTS[:2]]},
            "the last variant must be the default",
        ),
        (
            {"variants": [{"name": "x", "template": "review_a"}, SEGMENTS[2]]},
            "variant x: only the last variant may go without conditions",
        ),
        (
            {"variants": [*SEGMENTS[:2], {"name": "default", "template": "nope"}]},
            r"rules name unknown templates: nope \(rule contract_final_review\)",
        ),
        (
            {"ab": [AB[0], {**AB[1], "template": "nope_either"}]},
            "unknown templates: nope_either",
        ),
        (
            {"variants": [{**SEGMENTS[0], "when": {"contact.title": ["CFO"]}}, SEGMENTS[2]]},
            "variant enterprise: contact.title: a contact condition tests one of role, ",
        ),
        (
            {"variants": [{**SEGMENTS[0], "when": {"account.Tier__c": ["Gold"]}}, SEGMENTS[2]]},
            r"account.Tier__c: an account condition tests account.name only.*record.<field>",
        ),
        (
            {"variants": [{**SEGMENTS[0], "when": {"Tier__c": ["Gold"]}}, SEGMENTS[2]]},
            "Tier__c: a condition names record.<field>, contact.<attribute> or account.<attribute>",
        ),
        (
            {"variants": [{**SEGMENTS[0], "when": {"record.Tier__c": []}}, SEGMENTS[2]]},
            "record.Tier__c lists no values",
        ),
        (
            {"variants": [SEGMENTS[0], SEGMENTS[0], SEGMENTS[2]]},
            "variants named more than once: enterprise",
        ),
        ({"ab": AB[:1]}, "an A/B test needs two or more arms"),
        ({"ab": [AB[0], {**AB[1], "name": "a"}]}, "A/B arms named more than once: a"),
        ({"ab": [AB[0], {**AB[1], "weight": 0}]}, "weight"),
        ({"template": "review_a", "ab": AB}, "name exactly one of template, variants and ab"),
        ({}, r"name exactly one of template, variants and ab \(got none\)"),
        (
            {"variants": [{**SEGMENTS[0], "ab": AB}, SEGMENTS[2]]},
            "variant enterprise: name exactly one of template and ab",
        ),
    ],
)
def test_given_a_bad_variant_configuration_when_loading_then_cold_start_fails_naming_it(
    tmp_path: Path, rule: dict[str, Any], message: str
) -> None:
    path = tmp_path / "triggers.json"
    path.write_text(json.dumps(_config(**rule)), encoding="utf-8")
    with pytest.raises(ValidationError, match=message):
        RuleSet.load(path)


def test_given_a_variant_naming_a_draft_template_when_loading_then_it_fails_naming_it() -> None:
    config = _config(ab=AB)
    next(t for t in config["templates"] if t["id"] == "review_b")["status"] = "draft"
    with pytest.raises(ValidationError, match=r"not approved: review_b \(draft\)"):
        RuleSet.model_validate(config)


# ------------------------------------------------------------------------------------------------ A/B


def _numbers(n: int) -> list[str]:
    return [f"+1415{i:07d}" for i in range(n)]


def test_given_an_ab_rule_when_the_same_number_comes_again_then_it_gets_the_same_arm() -> None:
    first, second = _ruleset(ab=AB).rules[0], _ruleset(ab=AB).rules[0]  # two cold starts
    for phone in _numbers(200):
        assert (
            first.choose(_context(), phone)
            == second.choose(_context(), phone)
            == first.choose(_context(), phone)
        )
    # sha256 of "<rule>:<number>", not Python's per-process salted hash(): the same arm in every run
    digest = hashlib.sha256(f"{RULE}:{PHONE}".encode()).digest()
    assert ab_bucket(RULE, PHONE, 100) == int.from_bytes(digest[:8], "big") % 100
    assert {first.choose(_context(), p).variant for p in _numbers(200)} == {"a", "b"}


@pytest.mark.parametrize("weights", [(50, 50), (70, 30), (20, 30, 50)])
def test_given_weights_when_10000_numbers_are_assigned_then_the_split_is_within_2_percent(
    weights: tuple[int, ...],
) -> None:
    names = "abc"[: len(weights)]
    arms = [
        {"name": n, "template": f"review_{n if n != 'c' else 'default'}", "weight": w}
        for n, w in zip(names, weights, strict=True)
    ]
    rule = _ruleset(ab=arms).rules[0]
    numbers = _numbers(10_000)

    counts = dict.fromkeys(names, 0)
    for phone in numbers:
        counts[rule.choose(_context(), phone).variant] += 1

    total = sum(weights)
    for name, weight in zip(names, weights, strict=True):
        assert abs(counts[name] / len(numbers) - weight / total) <= 0.02, counts


def test_given_a_segment_with_an_ab_test_when_choosing_then_the_variant_names_segment_and_arm() -> None:
    variants = [{**SEGMENTS[0], "template": None, "ab": AB}, SEGMENTS[2]]
    rule = _ruleset(variants=variants).rules[0]
    arms = {rule.choose(_context("Enterprise", "Economic Buyer"), p).variant for p in _numbers(100)}
    assert arms == {"enterprise/a", "enterprise/b"}
    assert rule.choose(_context(), PHONE).variant == "default"


# --------------------------------------------------------------------------- the message carries it


def test_given_an_ab_rule_when_dispatched_then_the_variant_is_on_the_message_records(
    dispatcher: Dispatcher,
    crm: FakeCrm,
    sms: FakeSms,
    conversations: DynamoConversations,
    aws: dict[str, str],
) -> None:
    # Given the opportunity rule running an A/B test
    dispatcher.rules = _ruleset(ab=AB)
    crm.add(opportunity_context())
    expected = dispatcher.rules.rules[0].choose(_context(), PHONE)
    # When the change arrives
    result = dispatcher(opportunity_to_review())
    # Then the arm's template went, and its name travels with the message
    assert result.outcome is Outcome.SENT
    ((message, sid, _),) = sms.sent
    words = {"a": "the contract is ready, sign here", "b": "sign the contract in two minutes"}
    assert words[expected.variant] in message.body
    assert result.details["variant"] == expected.variant
    assert result.details["template"] == f"{expected.template}@v1"
    assert result.details["template_tag"] == f"closing-contract_final_review-{expected.variant}-v1"
    stored = conversations.message(sid)
    assert stored is not None and stored["variant"] == expected.variant
    client = boto3.client("dynamodb")
    by_phone = client.query(
        TableName=aws["StateTable"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"PHONE#{PHONE}"}},
    )["Items"]
    assert [i["variant"]["S"] for i in by_phone] == [expected.variant]
    slot = client.get_item(
        TableName=aws["StateTable"],
        Key={
            "pk": {"S": f"SLOT#{RULE}#salesforce:opportunity:006000000000001AAA#{PHONE}"},
            "sk": {"S": "SLOT"},
        },
    )["Item"]
    assert slot["variant"]["S"] == expected.variant


def test_given_segments_when_dispatched_then_the_condition_field_is_fetched_and_the_segment_recorded(
    dispatcher: Dispatcher, crm: FakeCrm, sms: FakeSms, conversations: DynamoConversations
) -> None:
    dispatcher.rules = _ruleset(variants=SEGMENTS)
    crm.add(_context(tier="Enterprise", role="Economic Buyer"))

    result = dispatcher(opportunity_to_review())

    assert result.outcome is Outcome.SENT
    ((_, fields),) = crm.loads
    assert "Tier__c" in fields
    assert "your enterprise contract is ready" in sms.bodies[0]
    stored = conversations.message(result.sid)
    assert stored is not None and (stored["variant"], stored["template"]) == (
        "enterprise",
        "review_enterprise@v1",
    )


def test_given_a_rule_without_variants_when_dispatched_then_the_variant_is_empty(
    dispatcher: Dispatcher, crm: FakeCrm, conversations: DynamoConversations
) -> None:
    crm.add(opportunity_context())
    result = dispatcher(opportunity_to_review())
    stored = conversations.message(result.sid)
    assert result.details["variant"] == "" and stored is not None and stored["variant"] == ""


# -------------------------------------------------------------------------------------------- the lint


def test_given_variants_when_linting_then_every_variant_template_is_rendered_for_its_rule() -> None:
    variants = [{**SEGMENTS[0], "template": None, "ab": AB}, *SEGMENTS[1:]]
    results = {r.template.id: r for r in templates_lint.lint(_ruleset(variants=variants))}

    for template_id in ("review_enterprise", "review_a", "review_b", "review_enduser", "review_default"):
        assert template_id in results
    for template_id in ("review_a", "review_b", "review_enduser", "review_default"):
        result = results[template_id]
        assert result.ok, result.problems
        assert "Reply STOP to opt out" in result.body and "https://" in result.body  # the rule's link


def test_given_a_variant_template_with_two_links_when_linting_then_it_fails_naming_it() -> None:
    config = _config(ab=AB)
    arm_b = next(t for t in config["templates"] if t["id"] == "review_b")
    arm_b["body"] = arm_b["body"].replace("in two minutes", "at https://acme.example/x")

    results = {r.template.id: r for r in templates_lint.lint(RuleSet.model_validate(config))}

    assert results["review_a"].ok
    assert not results["review_b"].ok and "2 links" in results["review_b"].problems[0]
