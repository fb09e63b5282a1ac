"""Use case: the loop measured — figures from the state table's items (messages, replies, tasks, clicks,
pipeline outcomes), rates with Wilson intervals, variants compared with a two-proportion z-test."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.support import report_items
from textloop.domain.segments import US_PRICE_PER_SEGMENT
from textloop_local.figures import Loop, latency_histogram, two_proportion_test, variant_comparison, wilson
from textloop_local.report import expected_marks, facts_from_items, write_report

# Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I, method 3 (Wilson).
NEWCOMBE = [((81, 263), (0.2553, 0.3662)), ((15, 148), (0.0624, 0.1605)), ((0, 20), (0.0, 0.1611)),
            ((1, 29), (0.0061, 0.1718)), ((29, 29), (0.8830, 1.0))]  # fmt: skip


@pytest.mark.parametrize(("counts", "bounds"), NEWCOMBE)
def test_given_published_cases_when_a_wilson_interval_is_computed_then_it_matches_to_four_places(
    counts: tuple[int, int], bounds: tuple[float, float]
) -> None:
    low, high = wilson(*counts)
    assert (round(low, 4), round(high, 4)) == bounds


def test_given_bad_counts_when_an_interval_is_asked_then_it_says_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="successes <= trials"):
        wilson(5, 3)
    assert wilson(0, 0) == (0.0, 0.0)


def test_given_two_arms_when_compared_then_the_pooled_z_test_gives_the_textbook_p_value() -> None:
    # 30/100 against 45/100: pooled p 0.375, SE 0.06847, z 2.1909, two-sided p 0.02846
    result = two_proportion_test(30, 100, 45, 100)
    assert round(result.z, 4) == 2.1909 and round(result.p_value, 5) == 0.02846 and result.significant
    close = two_proportion_test(10, 40, 12, 40)
    assert not close.significant and close.p_value > 0.05
    assert not two_proportion_test(0, 0, 3, 10).significant
    assert not two_proportion_test(0, 10, 0, 10).significant  # no variation at all


@pytest.fixture(scope="module")
def loop() -> Loop:
    return Loop(facts_from_items(report_items.items()), US_PRICE_PER_SEGMENT)


def test_given_the_fixture_items_when_read_then_every_fact_is_attributed_to_its_message(loop: Loop) -> None:
    facts = loop.facts
    assert len(facts.messages) == 100
    assert len(facts.replies) == 36 and all(r.message_sid in loop.by_sid for r in facts.replies)
    assert len(facts.tasks) == 32 and len(facts.clicks) == 2 and len(facts.outcomes) == 8
    assert [o.kind for o in loop.unattributed] == ["closed_lost"]  # no message_sid: not credited


def test_given_the_fixture_when_totalled_then_the_loop_figures_are_the_stated_counts(loop: Loop) -> None:
    total = loop.total()
    assert (total.messages, total.delivered.successes, total.replied.successes) == (100, 90, 36)
    assert total.opted_out.successes == 1
    # latencies cycle 30 s, 4 min, 10 min, 20 min, 45 min, 2 h, 5 h over 10 + 22 + 4 first replies
    cycle = [i % 7 for n in (10, 22, 4) for i in range(n)]
    assert total.within_5m.successes == sum(c <= 1 for c in cycle)
    assert total.within_30m.successes == sum(c <= 3 for c in cycle)
    assert total.within_5m.trials == 36
    assert (total.sla_met.successes, total.sla_met.trials) == (16, 32)  # even done, odd escalated
    assert total.median_first_response_s == 600.0
    assert (total.meetings, total.opportunities) == (3, 2)
    assert total.pipeline == 12000 + 5000  # the first opportunity's latest amount, and the second's
    assert total.won == 12000
    assert total.clicks == 1  # the preview counts nothing
    priced = 40 * 0.0079  # arm a carries Twilio's price; the other 60 are estimated from segments
    assert total.cost == pytest.approx(priced + 60 * US_PRICE_PER_SEGMENT)
    assert total.cost_estimated
    assert total.cost_per_reply == pytest.approx(total.cost / 36)
    assert total.cost_per_meeting == pytest.approx(total.cost / 3)


def test_given_the_fixture_when_grouped_then_each_dimension_splits_the_messages(loop: Loop) -> None:
    by_rule = {f.value: f for f in loop.by("rule")}
    assert by_rule["contract_final_review"].replied.successes == 32
    assert by_rule["ticket_closed"].opted_out.successes == 1
    assert {f.value: f.messages for f in loop.by("tier")} == {"(none)": 95, "enterprise": 5}
    assert {f.value: f.messages for f in loop.by("template")} == {
        "contract_final_review@v1": 40,
        "contract_final_review@v2": 40,
        "ticket_closed@v1": 20,
    }
    assert sum(f.messages for f in loop.by("month")) == 100 and len(loop.by("month")) == 2
    by_variant = {f.value: f for f in loop.by("variant")}
    assert by_variant["b"].meetings == 3 and by_variant["a"].meetings == 0
    low, high = by_variant["b"].replied.interval
    assert low < 22 / 40 < high


def test_given_two_arms_when_compared_then_the_better_arm_is_significant(loop: Loop) -> None:
    rows = variant_comparison(loop)
    assert [(r.rule, r.variant, r.baseline) for r in rows] == [
        ("contract_final_review", "a", ""),
        ("contract_final_review", "b", "a"),
    ]
    comparison = rows[1].comparison
    assert comparison is not None and comparison.significant and comparison.difference == pytest.approx(0.3)


def test_given_latencies_when_binned_then_the_5_and_30_minute_marks_are_edges() -> None:
    bins = dict(latency_histogram([300, 301, 1800, 1801, 0]))
    assert bins["1-5 min"] == 1 and bins["5-15 min"] == 1 and bins["15-30 min"] == 1
    assert bins["30-60 min"] == 1 and bins["≤ 1 min"] == 1


def test_given_no_pipeline_items_when_read_then_outcomes_are_zero() -> None:
    items = [i for i in report_items.items() if not str(i["pk"]).startswith("PIPE#")]
    total = Loop(facts_from_items(items), US_PRICE_PER_SEGMENT).total()
    assert (total.meetings, total.opportunities, total.pipeline, total.won) == (0, 0, 0, 0)
    assert total.cost_per_meeting is None


def test_given_only_a_status_callbacks_fields_under_a_message_key_then_it_is_no_message() -> None:
    # Twilio called back for a message the dispatcher never recorded as sent (the callback is kept for it)
    early = {"pk": "MSG#SMY", "sk": "MSG", "status": "delivered", "status_rank": 5, "status_at": "2026-11-23"}
    messages = facts_from_items([*report_items.items(), early]).messages
    assert len(messages) == len(facts_from_items(report_items.items()).messages) and messages


def test_given_a_message_without_a_time_when_read_then_the_item_is_named() -> None:
    with pytest.raises(ValueError, match="message MSG#SMX has no time"):
        facts_from_items([{"pk": "MSG#SMX", "sk": "MSG", "sid": "SMX"}])


def test_given_the_fixture_when_written_then_the_csv_tables_hold_the_same_figures(tmp_path: Path) -> None:
    report = write_report(facts_from_items(report_items.items()), tmp_path, aws_cost=False)
    assert {p.name for p in report.csvs} == {
        "figures.csv",
        "variants.csv",
        "funnel.csv",
        "latency.csv",
        "cost.csv",
    }
    rows = list(csv.DictReader((tmp_path / "figures.csv").open()))
    (total,) = [r for r in rows if r["dimension"] == "all"]
    assert (total["messages"], total["replied"], total["meetings"], total["won"]) == (
        "100",
        "36",
        "3",
        "12000.0",
    )
    funnel = [(r["step"], int(r["messages"])) for r in csv.DictReader((tmp_path / "funnel.csv").open())]
    assert funnel == [
        ("sent", 100),
        ("delivered", 90),
        ("replied", 36),
        ("meeting booked", 3),
        ("opportunity created", 2),
        ("closed won", 1),
    ]
    (cost,) = csv.DictReader((tmp_path / "cost.csv").open())
    assert "AWS not included" in cost["cost_basis"]
    html = report.html.read_text()
    assert "<script src=" not in html and "Plotly.newPlot('chart-funnel'" in html
    assert expected_marks(report.loop) == {
        "reply-moment": 2,
        "reply-stage": 2,
        "latency": 7,
        "funnel": 6,
        "variants": 2,
        "cost": 3,
    }
