"""The classifier's quality gate, computed from the held-out split (never hard-coded), and the
shipped model's reproducibility: `train-intents` on the train split rebuilds it byte for byte."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from textloop.domain.intent import MODEL_FILE, NaiveBayes, classify
from textloop_local.classify import TEST_FILE, TRAIN_FILE, evaluate, load_dataset
from textloop_local.cli import main


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return evaluate(load_dataset(TEST_FILE))


def test_given_the_dataset_then_each_intent_has_enough_examples_and_test_is_not_a_copy_of_train() -> None:
    train, test = load_dataset(TRAIN_FILE), load_dataset(TEST_FILE)
    for intent in {e.intent for e in train}:
        assert sum(1 for e in train if e.intent == intent) >= 60, intent
        assert sum(1 for e in test if e.intent == intent) >= 20, intent
    keywords = {
        "stop",
        "stopall",
        "unsubscribe",
        "cancel",
        "end",
        "quit",
        "revoke",
        "optout",
        "start",
        "unstop",
        "subscribe",
        "help",
        "info",
    }
    seen = {e.text.strip().casefold() for e in train}
    copies = [e.text for e in test if e.text.strip().casefold() in seen]
    assert all("".join(c for c in t.casefold() if c.isalpha()) in keywords for t in copies), copies


def test_given_the_held_out_split_then_macro_f1_is_at_least_0_85(report: dict[str, Any]) -> None:
    assert report["examples"] >= 300
    assert report["macro_f1"] >= 0.85, report["per_class"]


def test_given_the_held_out_split_then_every_opt_out_is_caught_and_none_is_false(
    report: dict[str, Any],
) -> None:
    assert report["per_class"]["opt_out"]["support"] >= 50
    assert report["opt_out_recall"] == 1.0, report["missed_opt_outs"]
    assert report["false_opt_outs"] == 0, [e for e in report["errors"] if e["predicted"] == "opt_out"]


def test_given_the_train_split_then_the_rules_alone_separate_opt_outs_exactly() -> None:
    for example in load_dataset(TRAIN_FILE):
        assert classify(example.text).opt_out is (example.intent == "opt_out"), example.text


def test_given_evaluate_intents_when_run_then_it_prints_the_table_confusion_and_latency(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["evaluate-intents"])

    out = capsys.readouterr().out
    assert code == 0
    for needle in (
        "precision",
        "recall",
        "f1",
        "support",
        "macro-F1",
        "accuracy",
        "opt-out recall",
        "false opt-outs",
        "confusion",
        "latency per message: mean",
        "p99",
    ):
        assert needle in out, needle


def test_given_train_intents_when_run_twice_then_it_rebuilds_the_shipped_model_byte_for_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"

    assert main(["train-intents", "--out", str(first)]) == 0
    assert main(["train-intents", "--out", str(second)]) == 0

    assert first.read_bytes() == second.read_bytes() == MODEL_FILE.read_bytes()
    model = NaiveBayes.from_counts(json.loads(first.read_text(encoding="utf-8")))
    assert "opt_out" not in model.classes  # only the rules may revoke consent
    capsys.readouterr()
