"""Use case: ``textloop report`` writes a page a revenue leader opens in a browser, offline — every chart
draws the marks the facts call for (checked in Debian's Chromium, with the network unreachable)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import browser, report_items
from textloop_local.report import CHARTS, expected_marks, facts_from_items, write_report


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("report")
    return write_report(facts_from_items(report_items.items()), out, aws_cost=False)


def test_given_the_fixture_report_when_opened_in_chromium_then_every_chart_draws_its_marks(written) -> None:
    dom = browser.rendered_dom(written.html)
    marks = browser.drawn_marks(dom)
    assert set(marks) == set(CHARTS)
    # 2 rules, 2 stages, 7 latency bins, 6 funnel steps, 2 arms, 3 cost bars (fixed by the fixture)
    assert (
        marks
        == expected_marks(written.loop)
        == {
            "reply-moment": 2,
            "reply-stage": 2,
            "latency": 7,
            "funnel": 6,
            "variants": 2,
            "cost": 3,
        }
    )
    for chart in ("reply-moment", "reply-stage", "variants"):  # every rate with its interval
        assert browser.error_bars(dom, chart) == marks[chart]
    text = dom.text_content()
    assert "contract_final_review: b vs a significant" in text
    assert "5 min" in text and "30 min" in text


def test_given_the_fixture_report_when_shot_then_the_screenshot_is_kept_as_an_artifact(written) -> None:
    shot = browser.screenshot(written.html, "report-fixture.png")
    assert shot.stat().st_size > 20_000  # a drawn page, not a blank one


def test_given_a_report_with_a_chart_missing_when_opened_then_the_count_tells(
    written, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text(
        written.html.read_text().replace("Plotly.newPlot('chart-funnel'", "void ('chart-funnel'")
    )
    assert browser.drawn_marks(browser.rendered_dom(broken))["funnel"] == 0
