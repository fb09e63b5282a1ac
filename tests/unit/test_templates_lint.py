"""Templates are cheap by construction: one link, one GSM-7 segment with the longest seed values,
the opt-out line, no undefined field. Segments are counted by Twilio's rules, in one function."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from textloop.domain import templates
from textloop.domain.rules import RuleSet
from textloop.domain.segments import count, to_gsm7
from textloop.domain.watchlist import DEFAULT_TRIGGERS_FILE
from textloop_local import templates_lint
from textloop_local.cli import main


def _config() -> dict[str, Any]:
    config: dict[str, Any] = json.loads(DEFAULT_TRIGGERS_FILE.read_text())
    return config


def _with_body(tmp_path: Path, template_id: str, body: str, **declared: Any) -> Path:
    config = _config()
    template = next(t for t in config["templates"] if t["id"] == template_id)
    template.update(body=body, **declared)
    path = tmp_path / "triggers.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def _lint(path: Path | None = None) -> tuple[int, str]:
    out = io.StringIO()
    code = templates_lint.report(templates_lint.lint(RuleSet.load(path)), 0.0079, out)
    return code, out.getvalue()


# ----------------------------------------------------------------------------------------- segments


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("", ("gsm7", 0, 0)),
        ("a" * 160, ("gsm7", 160, 1)),
        ("a" * 161, ("gsm7", 161, 2)),
        ("a" * 306, ("gsm7", 306, 2)),
        ("a" * 307, ("gsm7", 307, 3)),
        ("€" * 80, ("gsm7", 160, 1)),  # an extension character is an escape plus itself: 2 units
        ("a" * 159 + "[", ("gsm7", 161, 2)),
        ("ç" + "a" * 69, ("ucs2", 70, 1)),  # ç is not GSM-7 (only Ç is)
        ("—" + "a" * 70, ("ucs2", 71, 2)),
        ("a" * 134, ("gsm7", 134, 1)),
        ("—" + "a" * 133, ("ucs2", 134, 2)),
        ("—" + "a" * 134, ("ucs2", 135, 3)),
        ("😀" * 35, ("ucs2", 70, 1)),  # outside the BMP: a surrogate pair, 2 units
        ("😀" * 36, ("ucs2", 72, 2)),
    ],
)
def test_given_a_body_when_counting_then_encoding_units_and_segments_follow_twilio(
    body: str, expected: tuple[str, int, int]
) -> None:
    assert tuple(count(body)) == expected


def test_given_typographic_merge_values_when_normalising_then_they_become_gsm7() -> None:
    typed = "Acme Corp \u2014 200 seats \u2013 \u201cPro\u201d plan\u2019s\u00a0renewal\u2026 \u2022 10\u2009users \u22125\u200b"

    normalised = to_gsm7(typed)

    assert normalised == 'Acme Corp - 200 seats - "Pro" plan\'s renewal... - 10 users -5'
    assert count(normalised).encoding == "gsm7"
    assert to_gsm7("Zoë 漢字 😀") == "Zoë 漢字 😀"  # anything else is kept (and costs what it costs)


def test_given_the_seeded_em_dash_when_rendering_then_the_message_stays_gsm7() -> None:
    ruleset = RuleSet.load()
    rule = next(r for r in ruleset.rules if r.crm == "salesforce" and r.template == "contract_final_review")
    template = ruleset.template(rule.template)
    context = templates_lint.worst_case(rule)
    context.fields["Name"] = "Acme Corp — 200 seats"

    body = templates.render(template, templates.merge_fields(rule, context, "Acme Cloud"))

    assert "Acme Corp - 200 seats" in body
    assert count(body).encoding == "gsm7" and count(body).segments == 1


def test_given_a_declared_maximum_length_when_rendering_then_the_merge_value_is_cut() -> None:
    ruleset = RuleSet.load()
    rule = next(r for r in ruleset.rules if r.template == "renewal_offer")
    template = ruleset.template("renewal_offer").model_copy(update={"max_lengths": {"record.name": 10}})
    context = templates_lint.worst_case(rule)
    context.fields["dealname"] = "A very long deal name that nobody should text"

    body = templates.render(template, templates.merge_fields(rule, context, "Acme Cloud"))

    assert "A very lon renews soon" in body


# ------------------------------------------------------------------------------------------ the lint


def test_given_the_default_templates_when_linting_then_every_one_is_one_gsm7_segment() -> None:
    code, table = _lint()

    assert code == 0, table
    for result in templates_lint.lint(RuleSet.load()):
        assert result.ok, result.problems
        assert (result.cost.encoding, result.cost.segments) == ("gsm7", 1), result.body
        assert result.cost.characters <= 160
        assert "Reply STOP to opt out" in result.body
        assert result.template.status == "approved"
    assert re.search(r"contract_final_review +v2", table)
    assert "7.90" in table  # one segment at $0.0079, per 1,000 sends
    count = len(RuleSet.load().templates)
    assert f"{count} of {count} templates pass" in table


def test_given_the_command_line_when_linting_the_defaults_then_it_prints_the_table_and_exits_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["templates", "lint", "--price-per-segment", "0.01"]) == 0

    out = capsys.readouterr().out
    header = out.splitlines()[0].split()
    assert header[:7] == ["template", "version", "tag", "status", "encoding", "characters", "segments"]
    assert "renewal-renewal_offer-a-v2" in out and "10.00" in out


def test_given_a_template_with_two_links_when_linting_then_it_fails(tmp_path: Path) -> None:
    path = _with_body(
        tmp_path,
        "ticket_closed",
        "{{ brand }}: Hi {{ contact.first_name }}, closed. {{ link }} or https://acme.example/help "
        "Reply STOP to opt out.",
    )

    code, out = _lint(path)

    assert code == 1
    assert "FAIL ticket_closed v2: 2 links" in out


def test_given_an_over_length_template_when_linting_then_it_fails_unless_it_declares_two_segments(
    tmp_path: Path,
) -> None:
    body = (
        "{{ brand }}: Hi {{ contact.first_name }}, {{ owner.first_name }} here. Good news: your "
        "{{ record.name }} contract is ready to sign: {{ link }} Questions? Just reply. Reply STOP to opt out."
    )

    code, out = _lint(_with_body(tmp_path, "contract_final_review", body))

    assert code == 1
    assert "over the declared 1 segment" in out and "2/1" in out and "15.80" in out
    assert (
        main(["templates", "lint", "--triggers", str(_with_body(tmp_path, "contract_final_review", body))])
        == 1
    )
    assert _lint(_with_body(tmp_path, "contract_final_review", body, segments=2))[0] == 0


def test_given_a_template_that_leaves_gsm7_when_linting_then_it_fails_unless_it_declares_ucs2(
    tmp_path: Path,
) -> None:
    body = "{{ brand }}: Hi {{ contact.first_name }} 👋 sign here: {{ link }} Reply STOP to opt out."

    code, out = _lint(_with_body(tmp_path, "contract_final_review", body))

    assert code == 1
    assert "leaves GSM-7 for UCS-2" in out
    assert _lint(_with_body(tmp_path, "contract_final_review", body, encoding="ucs2", segments=3))[0] == 0


def test_given_a_template_without_the_opt_out_line_when_linting_then_it_fails(tmp_path: Path) -> None:
    path = _with_body(tmp_path, "renewal_offer", "{{ brand }}: {{ record.name }} renews soon: {{ link }}")

    code, out = _lint(path)

    assert code == 1
    assert "no opt-out line" in out


def test_given_a_field_no_rule_fetches_when_linting_then_it_fails(tmp_path: Path) -> None:
    path = _with_body(
        tmp_path,
        "renewal_offer",
        "{{ brand }}: {{ record.amount }} due: {{ link }} Reply STOP to opt out.",
    )

    code, out = _lint(path)

    assert code == 1
    assert "undefined field" in out and "amount" in out


def test_given_an_unreadable_triggers_file_when_linting_then_exit_2(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{}")

    assert main(["templates", "lint", "--triggers", str(tmp_path / "bad.json")]) == 2
