"""The rendering checkov scans (`make cfn`): template.yaml with its parameters resolved, Globals merged
and the template's justified skips copied into the resources they name; a skip without a reason, or
naming a resource the template lacks, is refused. tests/integration/test_checkov.py runs checkov on it."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from textloop_local.cfn_render import SKIPS_KEY, SkipError, render, skips
from textloop_local.template import load_template


def _refs(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["Ref"]] if set(value) == {"Ref"} else []
        return found + [r for v in value.values() for r in _refs(v)]
    if isinstance(value, list):
        return [r for v in value for r in _refs(v)]
    return []


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return copy.deepcopy(load_template())


def test_given_the_template_when_rendered_then_no_parameter_or_globals_is_left_for_checkov(
    template: dict[str, Any],
) -> None:
    rendered = render(template)

    assert "Parameters" not in rendered and "Globals" not in rendered
    parameters = set(template["Parameters"])
    assert not parameters & set(_refs(rendered))  # what checkov's default-ref step crashes on
    assert set(rendered["Resources"]) == set(template["Resources"])  # conditional resources kept too
    json.dumps(rendered)  # plain data


def test_given_globals_when_rendered_then_each_function_has_them_under_its_own(
    template: dict[str, Any],
) -> None:
    rendered = render(template)["Resources"]

    dispatcher = rendered["DispatcherFunction"]["Properties"]
    assert dispatcher["Runtime"] == template["Globals"]["Function"]["Runtime"]
    variables = dispatcher["Environment"]["Variables"]
    assert "POWERTOOLS_SERVICE_NAME" in variables  # from Globals
    assert "DEFERRAL_SCHEDULE_GROUP" in variables  # its own, merged beside them
    assert isinstance(variables["LOG_LEVEL"], str)  # a parameter's default, not a Ref


def test_given_the_templates_skips_when_rendered_then_each_named_resource_carries_them_with_the_reason(
    template: dict[str, Any],
) -> None:
    rendered = render(template)["Resources"]
    justified = skips(template)

    assert justified  # the template does justify skips
    for logical_id, expected in justified.items():
        carried = rendered[logical_id]["Metadata"]["checkov"]["skip"]
        assert carried == expected
        assert all(len(s["comment"]) >= 20 for s in carried)
    unnamed = set(rendered) - set(justified)
    assert all("checkov" not in rendered[r].get("Metadata", {}) for r in unnamed)


def test_given_a_resource_no_skip_names_when_rendered_then_it_is_checked_in_full(
    template: dict[str, Any],
) -> None:
    template["Resources"]["PlantedTable"] = {
        "Type": "AWS::DynamoDB::Table",
        "Properties": {"BillingMode": "PAY_PER_REQUEST"},
    }

    planted = render(template)["Resources"]["PlantedTable"]

    assert "Metadata" not in planted  # StateTable's skips do not spread to another table


@pytest.mark.parametrize(
    ("group", "problem"),
    [
        ({"resources": ["StateTable"], "skip": [{"id": "CKV_AWS_28", "comment": ""}]}, "without a reason"),
        ({"resources": ["NoSuchTable"], "skip": [{"id": "CKV_AWS_28", "comment": "x" * 30}]}, "no resource"),
        ({"resources": ["StateTable"], "skip": [{"id": "AWS_28", "comment": "x" * 30}]}, "not a checkov"),
        ({"resources": [], "skip": []}, "needs resources and skip"),
    ],
)
def test_given_a_skip_that_cannot_be_honoured_when_rendered_then_it_is_refused_with_the_reason(
    template: dict[str, Any], group: dict[str, Any], problem: str
) -> None:
    template["Metadata"][SKIPS_KEY] = [*template["Metadata"][SKIPS_KEY], group]

    with pytest.raises(SkipError, match=problem):
        render(template)
