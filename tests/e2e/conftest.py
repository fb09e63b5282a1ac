"""One demo run for the whole e2e tier: it starts moto, three emulators, the API and the queue
consumers, plays the scenario and the replies. Every demo test reads the files of that run."""

from __future__ import annotations

import json

import pytest


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    from textloop_local.demo import run_demo

    out = tmp_path_factory.mktemp("demo")
    return run_demo(out, echo=False)


@pytest.fixture(scope="session")
def state(demo) -> dict:
    return json.loads((demo.out_dir / "state.json").read_text())


@pytest.fixture(scope="session")
def seed():
    from textloop_local.emulators import seed

    return seed
