"""The fault tier: the scenario of ``make faults`` played under every plan of fault_plans.json.

Each plan runs once, on its own local stack (three at a time, in processes of their own); each test judges one
plan. A plan marked ``expected_violation`` passes only while its documented defect is observed.
"""

from __future__ import annotations

import json

import pytest

from textloop_local.fault_suite import PLANS, PlanResult, run, table

NAMES = [plan["name"] for plan in json.loads(PLANS.read_text(encoding="utf-8"))["plans"]]


@pytest.fixture(scope="module")
def results() -> dict[str, PlanResult]:
    played = run(workers=3)
    print(table(played))  # the table, as make faults prints it (pytest -s, or the captured output)
    return {r.name: r for r in played}


@pytest.mark.parametrize("name", NAMES)
def test_given_the_plan_when_the_scenario_is_played_then_no_undocumented_violation(
    results: dict[str, PlanResult], name: str
) -> None:
    result = results[name]

    assert not result.error, result.error
    assert sorted(result.violations) == sorted(result.expected), (
        f"{name}: figures {result.figures}, violations {result.violations}, documented {result.expected}"
    )
    assert name == "baseline" or sum(result.fired.values()) > 0  # the plan injected something
