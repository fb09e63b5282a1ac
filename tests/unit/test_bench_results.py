"""`make bench`'s results.json: every printed result becomes a named figure with value, bound and unit,
the dispatcher's per-event median is written beside its gate without a bound, and a figure above its
bound fails the run (never a timed test: the figures here are fixed)."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path
from typing import Any

import pytest

from textloop_local import bench
from textloop_local.bench_dispatch import SocketWait

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "bench_results.json"

RESULTS: list[dict[str, Any]] = [
    {
        "name": "cold",
        "ratio": 1.2,
        "bound": 1.3,
        "ok": True,
        "figure": "cold_request_twilio_status",
        "unit": "ratio",
    },
    {
        "name": "dispatcher",
        "ratio": 1.25,
        "median_event_ratio": 1.1,
        "bound": 1.5,
        "ok": True,
        "figure": "dispatcher_io_ratio",
        "unit": "ratio of totals",
    },
    {"name": "inbound", "ratio": 1.9, "bound": 5.0, "ok": True, "figure": "inbound_cpu_ms", "unit": "ms"},
]


def test_given_bench_results_when_written_then_results_json_has_the_named_figures(tmp_path: Path) -> None:
    path = bench.write_results(bench.figures_of(RESULTS), tmp_path / "bench" / "results.json")
    figures = json.loads(path.read_text(encoding="utf-8"))["figures"]

    assert figures["cold_request_twilio_status"] == {"value": 1.2, "bound": 1.3, "unit": "ratio"}
    assert figures["dispatcher_io_ratio"] == {"value": 1.25, "bound": 1.5, "unit": "ratio of totals"}
    assert figures["dispatcher_io_ratio_median_event"]["value"] == 1.1
    assert figures["dispatcher_io_ratio_median_event"]["bound"] is None  # information, not the gate
    assert figures["inbound_cpu_ms"]["bound"] == 5.0
    assert all(set(f) == {"value", "bound", "unit"} for f in figures.values())


def test_given_the_checked_in_results_when_read_then_every_figure_has_the_schema() -> None:
    figures = json.loads(FIXTURE.read_text(encoding="utf-8"))["figures"]

    for name, figure in figures.items():
        assert set(figure) == {"value", "bound", "unit"}, name
        assert isinstance(figure["value"], int | float), name
        assert figure["bound"] is None or isinstance(figure["bound"], int | float), name
        assert isinstance(figure["unit"], str), name


@pytest.mark.parametrize(
    ("value", "bound", "over"),
    [(1.31, 1.3, True), (1.3, 1.3, False), (1.1, 1.3, False), (99.0, None, False)],
)
def test_given_a_figure_and_its_bound_when_judged_then_only_a_value_above_a_bound_fails(
    value: float, bound: float | None, over: bool
) -> None:
    figures = {
        "x": {"value": value, "bound": bound, "unit": "ratio"},
        "y": {"value": 0.5, "bound": 1.0, "unit": ""},
    }

    assert bench.over_bound(figures) == (["x"] if over else [])


def test_given_a_thread_blocked_on_a_socket_when_timed_then_the_wait_counts_and_other_threads_do_not() -> (
    None
):
    left, right = socket.socketpair()
    other_left, other_right = socket.socketpair()
    try:
        with SocketWait() as wait:
            other = threading.Thread(target=lambda: (other_left.sendall(b"y"), other_right.recv(1)))
            other.start()
            other.join()
            threading.Timer(0.2, lambda: right.sendall(b"x")).start()
            assert left.recv(1) == b"x"  # this thread waits ~0.2 s inside recv
        assert wait.seconds >= 0.15
        assert wait.calls == 1  # the other thread's send and receive are not this thread's I/O
        assert wait.cpu < wait.seconds  # blocked, not computing
        assert "recv" not in vars(socket.socket)  # the wrappers are gone after the block
    finally:
        for s in (left, right, other_left, other_right):
            s.close()
