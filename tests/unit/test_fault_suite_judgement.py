"""make faults' judgement (textloop_local.fault_suite): the figures, the bounds, expected violations, the plans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from textloop_local.fault_suite import PLANS, Observed, PlanResult, count, load, table
from textloop_local.faults import FaultError

PRIYA, LENA = "+14155550132", "+14155550123"
CHANGES = [("0065e00000AcMe2AAF", PRIYA), ("5005e00000CsExpAAF", LENA)]


def observed(**changes: object) -> Observed:
    values: dict[str, object] = {
        "texted": {PRIYA: 1, LENA: 1},
        "outcome_keys": ["sf:org:tx:1:0065e00000AcMe2AAF", "sf:org:tx:1:5005e00000CsExpAAF"],
        "dead_letters": "",
        "consent": {LENA: "opted_out"},
        "activity_keys": ["salesforce|outbound SMS|SM1", "hubspot|outbound SMS|SM2"],
    }
    values.update(changes)
    return Observed(**values)  # type: ignore[arg-type]


def test_given_a_clean_run_when_counted_then_every_figure_is_within_its_bound() -> None:
    figures = count(observed(), CHANGES, [LENA])

    assert figures == {"sms_per_change": 1, "no_outcome": 0, "opt_outs_lost": 0, "duplicate_activities": 0}
    assert PlanResult("p", figures).ok


@pytest.mark.parametrize(
    ("changes", "figure", "value"),
    [
        ({"texted": {PRIYA: 2, LENA: 1}}, "sms_per_change", 2),
        ({"outcome_keys": ["sf:org:tx:1:0065e00000AcMe2AAF"]}, "no_outcome", 1),
        ({"consent": {}}, "opt_outs_lost", 1),
        ({"consent": {LENA: "opted_in"}}, "opt_outs_lost", 1),
        (
            {"activity_keys": ["s|outbound SMS|SM1", "s|outbound SMS|SM2", "s|outbound SMS|SM1"]},
            "duplicate_activities",
            1,
        ),
        (
            {"activity_keys": ["s|SMS consent: opted_out|SM9", "s|SMS consent: opted_out|SM9"]},
            "duplicate_activities",
            1,
        ),
    ],
)
def test_given_a_violation_when_counted_then_the_plan_fails_on_that_figure(
    changes: dict[str, object], figure: str, value: int
) -> None:
    result = PlanResult("p", count(observed(**changes), CHANGES, [LENA]))

    assert result.figures[figure] == value
    assert result.violations == [figure]
    assert not result.ok


def test_given_an_event_or_opt_out_in_a_dead_letter_queue_when_counted_then_it_is_not_lost() -> None:
    seen = observed(
        outcome_keys=[], consent={}, dead_letters=f'{{"recordIds": ["0065e00000AcMe2AAF"]}} {LENA}'
    )

    figures = count(seen, CHANGES, [LENA])

    assert (figures["no_outcome"], figures["opt_outs_lost"]) == (1, 0)  # the case is neither


def test_given_an_expected_violation_when_it_is_observed_then_the_plan_passes_and_the_table_says_why() -> (
    None
):
    defect = {"sms_per_change": "reconciliation by body misses a re-encoded message (issue #10 item 3)"}
    seen = PlanResult(
        "crash-after-twilio-call", {**count(observed(), CHANGES, []), "sms_per_change": 2}, expected=defect
    )

    assert seen.ok
    assert "expected: sms_per_change" in table([seen])
    assert defect["sms_per_change"] in table([seen])


def test_given_an_expected_violation_when_the_defect_is_fixed_then_the_plan_says_so() -> None:
    fixed = PlanResult("p", count(observed(), CHANGES, []), expected={"sms_per_change": "double send"})

    assert not fixed.ok  # the note must go once the defect is fixed


def test_given_a_plan_that_errored_then_it_fails() -> None:
    assert not PlanResult("p", error="RuntimeError: no fault of the plan fired").ok


def test_given_the_shipped_plans_when_loaded_then_every_fault_is_valid_and_the_issue_is_covered() -> None:
    plans = {p["name"]: p for p in load()["plans"]}
    targets = {(f["target"], f["action"]) for p in plans.values() for f in p["faults"]}

    assert "baseline" in plans
    assert {"twilio", "salesforce", "hubspot", "dynamodb", "sqs"} == {t for t, _ in targets}
    assert {"status", "timeout", "reset", "drop_response"} <= {a for _, a in targets}


def test_given_a_plan_with_a_bad_fault_when_loaded_then_it_is_refused(tmp_path: Path) -> None:
    data = json.loads(PLANS.read_text(encoding="utf-8"))
    data["plans"] = [{"name": "bad", "faults": [{"target": "twilio", "action": "status"}]}]
    path = tmp_path / "plans.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(FaultError, match="status: required"):
        load(path)


def test_given_an_expected_violation_naming_no_figure_when_loaded_then_it_is_refused(tmp_path: Path) -> None:
    data = json.loads(PLANS.read_text(encoding="utf-8"))
    data["plans"] = [{"name": "bad", "faults": [], "expected_violation": {"sms": "typo"}}]
    path = tmp_path / "plans.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(ValueError, match="names no figure"):
        load(path)
