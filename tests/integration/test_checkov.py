"""checkov on template.yaml, as `make cfn` runs it (on the rendering of textloop_local.cfn_render): the
template passes with every skip justified in place, and the same run fails a planted resource that no
skip names, so the gate can fail. checkov lives in its own venv (.tools/checkov, `make tools`)."""

from __future__ import annotations

import copy
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from textloop_local.cfn_render import render
from textloop_local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
CHECKOV = ROOT / ".tools" / "checkov" / "bin" / "checkov"


def _checkov(folder: Path) -> dict[str, dict[str, Any]]:
    """File name → checkov's report of it (one run over the folder, nothing downloaded)."""
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: run `make tools` (make test does)")
    env = {**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}
    run = subprocess.run(
        [str(CHECKOV), "-d", str(folder), "--framework", "cloudformation", "--skip-download", "-o", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    report = json.loads(run.stdout)
    results = report[0] if isinstance(report, list) else report
    by_file: dict[str, dict[str, Any]] = {}
    for kind in ("failed_checks", "passed_checks", "skipped_checks"):
        for check in results["results"][kind]:
            entry = by_file.setdefault(
                Path(check["file_path"]).name,
                {k: [] for k in ("failed_checks", "passed_checks", "skipped_checks")},
            )
            entry[kind].append(check)
    return by_file


def test_given_the_rendered_template_when_checkov_runs_then_nothing_fails_and_a_planted_resource_does(
    tmp_path: Path,
) -> None:
    template = copy.deepcopy(load_template())
    (tmp_path / "template.json").write_text(json.dumps(render(template)), encoding="utf-8")
    template["Resources"]["PlantedTable"] = {  # no point-in-time recovery, no skip naming it
        "Type": "AWS::DynamoDB::Table",
        "Properties": {
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        },
    }
    (tmp_path / "planted.json").write_text(json.dumps(render(template)), encoding="utf-8")

    reports = _checkov(tmp_path)

    clean = reports["template.json"]
    assert clean["failed_checks"] == [], [(c["check_id"], c["resource"]) for c in clean["failed_checks"]]
    assert clean["passed_checks"] and clean["skipped_checks"]  # it did check, and honoured the skips
    assert all(len(c["check_result"].get("suppress_comment") or "") >= 20 for c in clean["skipped_checks"])
    planted = {(c["check_id"], c["resource"]) for c in reports["planted.json"]["failed_checks"]}
    assert ("CKV_AWS_28", "AWS::DynamoDB::Table.PlantedTable") in planted
    assert {resource for _, resource in planted} == {"AWS::DynamoDB::Table.PlantedTable"}
