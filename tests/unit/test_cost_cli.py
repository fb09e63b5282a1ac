"""`textloop cost` on the command line: text for people, one JSON object with --json, exit 2 and a
clear message when there is nothing measured to cost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from textloop_local.cli import main

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "bench_results.json"


def test_given_measured_figures_when_cost_json_then_one_object_with_dollars_per_million_sms(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["cost", "--results", str(FIXTURE), "--json"])

    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["aws_usd_per_million_sms"] == pytest.approx(
        sum(report["aws_breakdown_usd_per_million_sms"].values()), abs=1e-4
    )
    assert report["aws_usd_per_million_sms"] != 99.0  # computed from usage, not copied from results.json
    assert {"usd_per_message", "usd_per_reply", "usd_per_meeting", "sources"} <= set(report)


def test_given_rates_as_options_when_cost_then_the_per_reply_and_per_meeting_figures_follow(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["cost", "--results", str(FIXTURE), "--json", "--reply-rate", "0.5", "--meeting-rate", "0.1"])
    half = json.loads(capsys.readouterr().out)
    main(["cost", "--results", str(FIXTURE), "--json", "--reply-rate", "0.25", "--meeting-rate", "0.05"])
    quarter = json.loads(capsys.readouterr().out)

    assert half["inputs"]["reply_rate"] == 0.5
    assert quarter["usd_per_meeting"] > half["usd_per_meeting"]
    assert half["usd_per_reply"] == pytest.approx(half["usd_per_message_with_its_replies"] / 0.5, abs=1e-5)


def test_given_measured_figures_when_cost_then_the_text_has_the_breakdown_and_the_full_costs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["cost", "--results", str(FIXTURE)])

    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("AWS per 1 million SMS: $")
    for line in (
        "dynamodb",
        "api_gateway",
        "DispatcherFunction",
        "Full cost per message",
        "Per reply",
        "Per meeting",
    ):
        assert line in out


def test_given_no_bench_run_when_cost_then_exit_2_and_say_run_make_bench(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["cost", "--results", str(tmp_path / "results.json")])

    captured = capsys.readouterr()
    assert code == 2
    assert "make bench" in captured.err
    assert captured.out == ""


def test_given_a_rate_out_of_range_when_cost_then_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["cost", "--results", str(FIXTURE), "--reply-rate", "1.5"])

    assert code == 2
    assert "--reply-rate" in capsys.readouterr().err
