"""A real headless browser for the report: Debian's Chromium, driven by its command line (``--dump-dom``
after the page's scripts ran, ``--screenshot``), with every host name unresolvable so that a page that
needs the network shows it. Counts the marks each plotly chart drew in the rendered DOM."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from lxml import html

INSTALL = "apt-get install -y chromium (Debian/Ubuntu; `make tools` installs it)"
ARTIFACTS = Path(".textloop/test-artifacts")
FLAGS = (
    "--headless",
    "--no-sandbox",  # tests may run as root (CI)
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no network at view time: nothing may be fetched
    "--virtual-time-budget=15000",  # let the page's scripts finish drawing before the DOM is taken
)


def chromium() -> str:
    """The Chromium binary (``CHROMIUM`` overrides); fails the test with how to install it."""
    found = os.environ.get("CHROMIUM") or next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
    )
    if not found:
        pytest.fail(
            f"Chromium is needed to check the report in a real browser and is not installed: {INSTALL}"
        )
    return found


def _run(page: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="textloop-chromium-") as profile:
        return subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", *flags, page.resolve().as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def rendered_dom(page: Path) -> html.HtmlElement:
    done = _run(page, "--dump-dom")
    if done.returncode != 0 or "<html" not in done.stdout:
        raise AssertionError(
            f"chromium could not render {page}: exit {done.returncode}\n{done.stderr[-2000:]}"
        )
    return html.document_fromstring(done.stdout)


def screenshot(page: Path, name: str) -> Path:
    """A PNG of the page under ``.textloop/test-artifacts/`` (kept for a reader of the test run)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = (ARTIFACTS / name).resolve()
    done = _run(page, f"--screenshot={target}", "--window-size=1400,2800")
    if done.returncode != 0 or not target.exists():
        raise AssertionError(f"chromium took no screenshot of {page}: {done.stderr[-2000:]}")
    return target


def drawn_marks(dom: html.HtmlElement) -> dict[str, int]:
    """Chart id (without ``chart-``) → the marks plotly drew in it: bars and funnel steps are
    ``g.point`` groups holding a ``path`` with a drawn outline."""
    marks: dict[str, int] = {}
    for div in dom.xpath('//div[starts-with(@id, "chart-")]'):
        points = div.xpath('.//g[contains(concat(" ", normalize-space(@class), " "), " point ")]/path[@d]')
        marks[div.get("id")[len("chart-") :]] = sum(1 for p in points if p.get("d") not in ("", "M0,0Z"))
    return marks


def error_bars(dom: html.HtmlElement, chart: str) -> int:
    """The Wilson interval whiskers drawn in one chart (plotly's ``g.errorbar`` with a path)."""
    return len(dom.xpath(f'//div[@id="chart-{chart}"]//g[contains(@class, "errorbar")]/path[@d]'))
