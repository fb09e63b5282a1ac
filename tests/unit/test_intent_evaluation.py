"""The classifier's quality gate, computed from the held-out split (never hard-coded), the dataset's
shape (size, opt-outs in six languages, hard negatives, train/test disjoint), the evaluation's own
figures on a hand-checked toy set, and the shipped model's reproducibility: `train-intents` on the
training pool rebuilds it byte for byte."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from textloop.domain.intent import (
    MODEL_FILE,
    LinearModel,
    classify,
    classify_by_rules,
    load_model,
    normalize,
    words,
)
from textloop_local.classify import HARD_NEGATIVE, TEST_FILE, TRAIN_FILE, Example, evaluate, load_dataset
from textloop_local.cli import main
from textloop_local.intent_training import NET_ALONE_FLOOR, NET_FLOOR, SOURCES, choose, training_pool


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return evaluate(load_dataset(TEST_FILE))


def _normalized(text: str) -> str:
    """Case, accents, punctuation and spacing folded away; words and symbols (emoji) kept."""
    folded = normalize(text)
    symbols = "".join(c for c in folded if unicodedata.category(c).startswith("S"))
    return " ".join(words(folded)) + " " + symbols


# ----------------------------------------------------------------------------------------- dataset


def test_given_the_dataset_then_each_intent_has_enough_examples_and_train_and_test_are_disjoint() -> None:
    train, test = load_dataset(TRAIN_FILE), load_dataset(TEST_FILE)
    for intent in {e.intent for e in train}:
        assert sum(1 for e in train if e.intent == intent) >= 60, intent
        assert sum(1 for e in test if e.intent == intent) >= 20, intent
    seen = {_normalized(e.text) for e in train}
    assert [e.text for e in test if _normalized(e.text) in seen] == []


def test_given_train_and_test_then_enough_opt_outs_in_six_languages_hard_negatives_and_greetings() -> None:
    examples = load_dataset(TRAIN_FILE) + load_dataset(TEST_FILE)
    opt_outs = [e for e in examples if e.intent == "opt_out"]
    hard = [e for e in examples if HARD_NEGATIVE in e.tags]

    assert len(examples) >= 1700
    assert len(opt_outs) >= 320
    assert len(hard) >= 150 and all(e.intent != "opt_out" for e in hard)
    languages = {t for e in opt_outs for t in e.tags if t.startswith("lang:")}
    assert {"lang:es", "lang:fr", "lang:de", "lang:pt", "lang:it"} <= languages
    assert sum(1 for e in opt_outs if not any(t.startswith("lang:") for t in e.tags)) >= 150  # English
    for form in ("typo", "emoji", "mid_sentence", "channel_switch", "no_keyword"):
        assert sum(1 for e in opt_outs if form in e.tags) >= 10, form
    greetings = [e for e in examples if "greeting" in e.tags]
    assert len(greetings) >= 20 and {e.intent for e in greetings} == {"acknowledgement"}


# ------------------------------------------------------------------------------------ the targets


def test_given_the_held_out_split_then_macro_f1_is_at_least_0_90(report: dict[str, Any]) -> None:
    assert report["examples"] >= 300
    assert report["macro_f1"] >= 0.91, report["per_class"]  # 0.920 after round 4


def test_given_the_held_out_split_then_every_opt_out_is_caught(report: dict[str, Any]) -> None:
    assert report["per_class"]["opt_out"]["support"] >= 100
    assert report["opt_out_recall"] == 1.0, report["missed_opt_outs"]


def test_given_the_held_out_split_then_at_most_3_percent_of_predicted_opt_outs_are_false(
    report: dict[str, Any],
) -> None:
    predicted = sum(row[0] for row in report["confusion"])  # the opt_out column: every reply called one
    assert report["labels"][0] == "opt_out"
    assert report["false_opt_out_share"] == round(report["false_opt_outs"] / predicted, 4)
    assert report["false_opt_out_share"] <= 0.03, [e for e in report["errors"] if e["predicted"] == "opt_out"]


def test_given_the_held_out_hard_negatives_then_none_is_an_opt_out_and_most_get_their_real_intent(
    report: dict[str, Any],
) -> None:
    assert report["hard_negatives"] >= 50
    assert report["hard_negative_false_opt_outs"] == []
    assert report["hard_negative_accuracy"] >= 0.85, [
        e
        for e in report["errors"]
        if e["text"] in {x.text for x in load_dataset(TEST_FILE) if HARD_NEGATIVE in x.tags}
    ]


def test_given_the_training_pool_then_it_holds_every_source_and_no_reply_of_the_test_split() -> None:
    # dev_a..dev_d were each measured once, unseen, then studied: they train the model now (history in
    # the intents README); the test split is never trained on, even where another slice repeats its lines
    examples, sources, left_out = training_pool()
    test = {_normalized(e.text) for e in load_dataset(TEST_FILE)}

    assert set(sources) == set(SOURCES)
    assert [e.text for e in examples if _normalized(e.text) in test] == []
    sealed = {f"independent_{s}.jsonl" for s in ("ba", "bb", "bc", "bd")}  # measured, never trained on
    assert sealed.isdisjoint(SOURCES.values())
    assert left_out > 0  # dev_a / dev_b repeat a few short test replies ("info", "cancel")
    assert len(examples) >= 4500


# Speed is a benchmark figure, never a timed test: `make bench` ("warm reply classification", bound 5 ms).


def test_given_the_train_split_then_the_rules_alone_separate_opt_outs_exactly() -> None:
    for example in load_dataset(TRAIN_FILE):
        ruled = classify_by_rules(example.text)
        assert (ruled is not None and ruled.opt_out) is (example.intent == "opt_out"), example.text
        assert classify(example.text).opt_out is (example.intent == "opt_out"), example.text


# ------------------------------------------------------------------------- the figures themselves


def test_given_a_toy_set_then_false_share_hard_negative_accuracy_and_tags_are_computed_as_defined() -> None:
    examples = [
        Example("STOP", "opt_out"),
        Example("please stop texting me", "opt_out", ("mid_sentence",)),
        Example("can you stop by Tuesday?", "meeting", (HARD_NEGATIVE,)),
        Example("the sync stops at night", "support_issue", (HARD_NEGATIVE,)),
        Example("hello", "help", (HARD_NEGATIVE,)),  # mislabeled on purpose: a greeting is acknowledged
        Example("Cancel it", "meeting", (HARD_NEGATIVE,)),  # called opt-out: ambiguous, for the consumer
    ]

    toy = evaluate(examples)

    assert toy["false_opt_outs"] == 1
    assert toy["false_opt_out_share"] == round(1 / 3, 4)  # 1 false of 3 predicted opt-outs
    assert toy["opt_out_recall"] == 1.0
    assert toy["hard_negatives"] == 4
    assert toy["hard_negative_accuracy"] == 0.5  # exact intent: meeting and support_issue right
    assert toy["hard_negative_false_opt_outs"] == ["Cancel it"]
    assert toy["per_tag"][HARD_NEGATIVE] == {
        "examples": 4,
        "accuracy": 0.5,
        "opt_out_recall": None,
        "false_opt_outs": 1,
    }
    assert toy["per_tag"]["mid_sentence"]["opt_out_recall"] == 1.0


def test_given_a_row_with_malformed_tags_then_loading_fails_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        json.dumps({"text": "STOP", "intent": "opt_out", "tags": "typo"}) + "\n", encoding="utf-8"
    )

    with pytest.raises(ValueError, match=r"bad\.jsonl:1"):
        load_dataset(path)


# -------------------------------------------------------------------------------------------- CLI


def test_given_evaluate_intents_when_run_then_it_prints_the_table_safety_figures_confusion_and_latency(
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
        "false opt-out share",
        "hard negatives",
        "lang:pt",
        "confusion",
        "latency per message: mean",
        "p99",
    ):
        assert needle in out, needle


def test_given_several_slices_when_evaluate_intents_runs_then_each_is_reported_on_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text(json.dumps({"text": "stop texting me", "intent": "opt_out"}) + "\n", encoding="utf-8")
    second.write_text(
        json.dumps({"text": "can you stop by Tuesday?", "intent": "meeting", "tags": [HARD_NEGATIVE]}) + "\n",
        encoding="utf-8",
    )

    code = main(["evaluate-intents", "--data", str(first), "--slice", f"other={second}"])
    text = capsys.readouterr().out
    code_json = main(["evaluate-intents", "--json", "--data", str(first), "--data", str(second)])
    payload = json.loads(capsys.readouterr().out)

    assert code == code_json == 0
    assert "=== slice first" in text and "=== slice other" in text
    assert set(payload["slices"]) == {"first", "second"}
    assert payload["slices"]["first"]["opt_out_recall"] == 1.0
    assert payload["slices"]["second"]["hard_negative_accuracy"] == 1.0
    assert payload["slices"]["second"]["examples"] == 1


def test_given_only_a_named_slice_when_evaluate_intents_runs_then_it_is_reported_after_the_test_split(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = tmp_path / "extra.jsonl"
    extra.write_text(json.dumps({"text": "hello", "intent": "acknowledgement"}) + "\n", encoding="utf-8")

    code = main(["evaluate-intents", "--json", "--slice", f"extra={extra}"])

    payload = json.loads(capsys.readouterr().out)
    assert code == 0
    assert list(payload["slices"]) == ["test", "extra"]
    assert payload["slices"]["test"]["examples"] == len(load_dataset(TEST_FILE))
    assert payload["slices"]["extra"]["accuracy"] == 1.0


def test_given_a_malformed_slice_when_evaluate_intents_runs_then_it_exits_with_a_message() -> None:
    with pytest.raises(SystemExit, match="NAME=PATH"):
        main(["evaluate-intents", "--slice", "no-equals-sign"])


def test_given_cv_when_evaluate_intents_runs_then_it_reports_the_models_leave_one_source_out_figures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["evaluate-intents", "--json", "--cv"])

    payload = json.loads(capsys.readouterr().out)
    assert code == 0
    cv = payload["cross_validation"]
    selection = cv["selection"]
    assert selection["cv"] == "leave one source out" and set(selection["by_source"]) == set(SOURCES)
    assert cv["pool"]["examples"] == len(training_pool()[0])
    # the net's thresholds were chosen within their budget: the false opt-outs it adds to the rules' own
    added = selection["false_opt_outs"] - selection["rules_false_opt_outs"]
    assert 0 <= added <= 0.015 * (selection["caught"] + selection["false_opt_outs"])


def test_given_a_weights_file_of_the_wrong_size_then_the_model_refuses_to_load() -> None:
    head = json.loads(MODEL_FILE.read_text(encoding="utf-8"))

    with pytest.raises(ValueError, match="expected"):
        LinearModel.from_parts(head, b"\x00\x00" * 10)
    with pytest.raises(ValueError, match="format"):
        LinearModel.from_parts(head | {"format": 1}, b"")


def test_given_the_shipped_model_then_its_probabilities_are_a_distribution_over_its_classes() -> None:
    model = load_model()

    probs = model.probabilities({"w:stop", "c: st", "w:texting"})

    assert len(probs) == len(model.classes) and abs(sum(probs) - 1.0) < 1e-9
    assert model.classes[probs.index(max(probs))] == "opt_out"
    assert 0.0 < model.net_cue <= model.net_alone <= 1.0


def test_given_train_intents_when_run_then_it_rebuilds_the_shipped_model_byte_for_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rebuilt = tmp_path / "model.json"

    assert main(["train-intents", "--out", str(rebuilt)]) == 0

    assert rebuilt.read_bytes() == MODEL_FILE.read_bytes()
    assert rebuilt.with_name("weights.bin").read_bytes() == MODEL_FILE.with_name("weights.bin").read_bytes()
    capsys.readouterr()


def test_given_opt_outs_the_net_could_only_catch_below_the_floor_then_the_selection_stays_at_the_floor() -> (
    None
):
    # Given two held-out opt-outs the model scores 0.46 and a business reply it scores 0.10 (no rule reads them)
    examples = [
        Example("zqx vlorp", "opt_out"),
        Example("zqx blarn", "opt_out"),
        Example("zqx quib", "question"),
    ]
    classes = ("question", "opt_out")
    probs = [[0.54, 0.46], [0.54, 0.46], [0.9, 0.1]]

    # When the net's thresholds are chosen
    selection = choose(examples, ["train"] * 3, [None, None, None], classes, probs)

    # Then no threshold goes below the floor, though a lower one would catch both without a false opt-out
    assert selection.net_cue >= NET_FLOOR and selection.net_alone >= NET_FLOOR
    assert selection.stats["caught"] == 0


def test_given_an_opt_out_without_a_cue_the_model_scores_065_then_the_net_alone_stays_at_its_floor() -> None:
    # Given a held-out opt-out with no revocation cue that the model scores 0.65, and a business reply at 0.10
    examples = [Example("zqx vlorp", "opt_out"), Example("zqx quib", "question")]
    classes = ("question", "opt_out")
    probs = [[0.35, 0.65], [0.9, 0.1]]

    # When the net's thresholds are chosen
    selection = choose(examples, ["train"] * 2, [None, None], classes, probs)

    # Then the net alone keeps its own floor (0.70), though 0.65 would catch it without a false opt-out
    assert selection.net_alone >= NET_ALONE_FLOOR
    assert selection.stats["caught"] == 0
