"""The send-time policy against an independent oracle: ``tests/data/send_time_cases.jsonl`` was written
from the policy's text alone by another author (``tests/support/send_time_oracle.py``, which never
read ``textloop.domain.send_time``), with every expectation also checked minute by minute
(``python -m tests.support.make_send_time_cases --verify``). Decision and ``not_before`` exact."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from textloop.domain.send_time import decide_json

CASES = Path(__file__).resolve().parents[1] / "data" / "send_time_cases.jsonl"


def _cases() -> list[dict[str, Any]]:
    return [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_case_set_is_broad() -> None:
    cases = _cases()
    reasons = {c["expect"]["reason"].split(":")[0] for c in cases}
    assert len(cases) >= 300
    assert reasons >= {
        "ok", "cap_24h", "holiday", "sunday", "quiet_hours_state", "quiet_hours_country",
        "quiet_hours_federal", "quiet_hours_default",
    }  # fmt: skip
    assert any(c["expect"]["decision"] == "defer" and c["expect"]["not_before"] is None for c in cases)


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["why"][:60])
def test_the_policy_agrees_with_the_oracle(case: dict[str, Any]) -> None:
    assert decide_json(case["case"]) == case["expect"]
