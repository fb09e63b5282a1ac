"""The demo's owner completes a reply task in the CRM before it is due; the watchdog's run at the due
time records the CRM's completion instant on the SLA item, and the report's median first response is
that instant less the reply's (computed here from ``state.json``, not by the report's code)."""

from __future__ import annotations

import csv
from datetime import datetime


def _sla_items(state: dict) -> dict[str, dict]:
    return {i["pk"]: i for i in state["ledger"] if str(i["pk"]).startswith("TASK#") and i["sk"] == "SLA"}


def test_given_a_task_completed_before_its_due_time_then_the_watchdog_keeps_the_crm_completion_instant(
    demo, state
) -> None:
    scene = demo.first_response
    assert scene is not None and not scene.run.error
    assert scene.run.result == {"checked": 1, "escalated": 0}
    item = _sla_items(state)[f"TASK#{scene.crm}#{scene.task_id}"]
    assert item["outcome"] == "done"
    completed = datetime.fromisoformat(item["completed_at"])
    assert completed <= datetime.fromisoformat(item["due"])  # in time
    assert abs((completed - datetime.fromisoformat(scene.completed_at)).total_seconds()) < 5  # the CRM's own
    assert "First response" in demo.transcript and demo.verdict.ok


def test_given_the_completed_task_then_the_report_shows_its_median_first_response(demo, state) -> None:
    replies = {
        i["details"]["task_id"]: datetime.fromisoformat(i["at"])
        for i in state["ledger"]
        if str(i["pk"]).startswith("EVENT#in:") and (i.get("details") or {}).get("task_id")
    }
    responses = sorted(
        (datetime.fromisoformat(item["completed_at"]) - replies[pk.split("#", 2)[-1]]).total_seconds()
        for pk, item in _sla_items(state).items()
        if item.get("completed_at") and pk.split("#", 2)[-1] in replies
    )
    assert responses and all(r > 0 for r in responses)
    rows = {(r["dimension"], r["value"]): r for r in csv.DictReader((demo.out_dir / "figures.csv").open())}
    shown = rows[("all", "all")]["median_first_response_s"]
    assert shown, "the report's median first response is blank"
    middle = len(responses) // 2
    median = responses[middle] if len(responses) % 2 else (responses[middle - 1] + responses[middle]) / 2
    assert float(shown) == round(median, 1)
