"""``textloop classify | evaluate-intents | train-intents``: the reply-intent classifier, offline.

    textloop classify "can we meet thursday?"            one JSON object
    textloop classify --jsonl < replies.jsonl            {"text": ...} per line -> one result per line
    textloop evaluate-intents [--json] [--cv]            P/R/F1, macro-F1, opt-out recall and false share,
        [--data PATH]... [--slice NAME=PATH]...          hard negatives, per tag, confusion, latency; each
                                                         --data / --slice reported on its own
    textloop train-intents [--data PATH] [--out PATH]    rebuilds textloop/intents/model.json (deterministic)

Training is pure Python: a naive Bayes model stored as integer counts, with its smoothing (alpha),
feature pruning (min_df) and confidence temperature chosen by 5-fold cross-validation on the
train split only (fixed seed). The held-out split (``dataset/test.jsonl``) is for evaluation alone, and
the dev slices (``dataset/independent.jsonl``, ``dataset/independent_b.jsonl``) are reported apart with
``--slice NAME=PATH``. The model has an opt_out class too: the safety net behind the rules, with its two
thresholds chosen by the same cross-validation (``select_net``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import random
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from textloop.domain.intent import (
    INTENTS,
    MODEL_FILE,
    MODEL_FORMAT,
    NaiveBayes,
    classify,
    classify_by_rules,
    features,
    load_model,
    normalize,
    read_by_rules,
    revocation_cue,
)

DATASET_DIR = MODEL_FILE.parent / "dataset"
TRAIN_FILE = DATASET_DIR / "train.jsonl"
TEST_FILE = DATASET_DIR / "test.jsonl"

SEED = 20261123
FOLDS = 5
ALPHAS = (0.05, 0.1, 0.2, 0.3, 0.5, 1.0)
MIN_DFS = (1, 2)
TEMPERATURES = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)
# opt_out is a model class too: the rules decide it first, the model is the safety net behind them
MODEL_CLASSES = INTENTS
# The safety net's thresholds: candidates, and the floor of the no-cue one (the model alone, sure of it).
NET_GRID = tuple(round(0.01 * k, 2) for k in range(1, 100))
NET_ALONE_FLOOR = 0.9
NET_FALSE_BUDGET = (
    0.01  # of the predicted opt-outs in CV: a third of the 3% target, the rest for unseen replies
)


# ------------------------------------------------------------------------------------------- dataset
HARD_NEGATIVE = "hard_negative"  # a revocation word with another meaning ("stop by tuesday"): not an opt-out


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    tags: tuple[str, ...] = ()  # optional: hard_negative, greeting, channel_switch, typo, lang:pt...


def load_dataset(path: str | Path) -> list[Example]:
    examples = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if (
            not isinstance(row, dict)
            or not isinstance(row.get("text"), str)
            or row.get("intent") not in INTENTS
        ):
            raise ValueError(f"{path}:{number}: expected {{'text': str, 'intent': one of INTENTS}}")
        tags = row.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise ValueError(f"{path}:{number}: 'tags' must be a list of strings")
        examples.append(Example(row["text"], row["intent"], tuple(tags)))
    return examples


# ------------------------------------------------------------------------------------------ training
def _feature_sets(examples: Sequence[Example]) -> list[frozenset[str]]:
    return [frozenset(features(normalize(e.text))) for e in examples]


def fit_counts(
    examples: Sequence[Example], feature_sets: Sequence[frozenset[str]], *, min_df: int
) -> dict[str, Any]:
    """The model file's counts: integers only (alpha and temperature are added by the caller)."""
    classes = [c for c in MODEL_CLASSES if any(e.intent == c for e in examples)]
    per_class: list[Counter[str]] = [Counter() for _ in classes]
    docs = [0] * len(classes)
    index = {c: i for i, c in enumerate(classes)}
    for example, feats in zip(examples, feature_sets, strict=True):
        if example.intent in index:
            docs[index[example.intent]] += 1
            per_class[index[example.intent]].update(feats)
    document_frequency: Counter[str] = Counter()
    for counter in per_class:
        document_frequency.update(counter)
    vocabulary = sorted(f for f, n in document_frequency.items() if n >= min_df)
    counts = {f: [[c, counter[f]] for c, counter in enumerate(per_class) if f in counter] for f in vocabulary}
    totals = [sum(counter[f] for f in vocabulary if f in counter) for counter in per_class]
    return {
        "format": MODEL_FORMAT,
        "classes": classes,
        "min_df": min_df,
        "documents": docs,
        "feature_totals": totals,
        "counts": counts,
    }


def _folds(n: int) -> list[int]:
    order = list(range(n))
    random.Random(SEED).shuffle(order)
    fold = [0] * n
    for rank, i in enumerate(order):
        fold[i] = rank % FOLDS
    return fold


@dataclass
class Selection:
    alpha: float
    min_df: int
    temperature: float
    cv_macro_f1: float
    cv_log_loss: float
    cv_per_class_f1: dict[str, float] = field(default_factory=dict)
    net_cue: float = 2.0
    net_alone: float = 2.0
    net_stats: dict[str, Any] = field(default_factory=dict)


def select_hyperparameters(examples: Sequence[Example], feature_sets: Sequence[frozenset[str]]) -> Selection:
    """5-fold CV on the train split through the whole classifier (rules, then the model):
    (alpha, min_df) by macro-F1, then the confidence temperature by log-loss."""
    fold = _folds(len(examples))
    ruled = [classify_by_rules(e.text) for e in examples]  # the rules do not depend on the model
    gold = [e.intent for e in examples]
    best: tuple[float, float, int, list[str], list[NaiveBayes]] | None = None
    for min_df in MIN_DFS:
        fold_counts = []
        for k in range(FOLDS):
            train = [i for i in range(len(examples)) if fold[i] != k]
            fold_counts.append(
                fit_counts([examples[i] for i in train], [feature_sets[i] for i in train], min_df=min_df)
            )
        for alpha in ALPHAS:
            models = [NaiveBayes.from_counts(c | {"alpha": alpha, "temperature": 1.0}) for c in fold_counts]
            predicted = [
                rule.intent if rule else models[fold[i]].predict(feature_sets[i])[0]
                for i, rule in enumerate(ruled)
            ]
            f1 = macro_f1(gold, predicted)
            if best is None or (f1, -alpha, -min_df) > (best[0], -best[1], -best[2]):
                best = (f1, alpha, min_df, predicted, models)
    assert best is not None  # noqa: S101 - the grids are not empty
    f1, alpha, min_df, predicted, models = best
    outputs = []
    for i, rule in enumerate(ruled):
        model = models[fold[i]]
        if rule is None and gold[i] in model.classes:
            scores, known = model.scores(feature_sets[i])
            outputs.append((model.classes.index(gold[i]), scores, known))
    losses = {t: _log_loss(outputs, t) for t in TEMPERATURES}
    temperature = min(TEMPERATURES, key=lambda t: (losses[t], t))
    tempered = [dataclasses.replace(m, temperature=temperature) for m in models]
    held_out = [
        tempered[fold[i]].opt_out_probability(*tempered[fold[i]].scores(feature_sets[i]))
        for i in range(len(examples))
    ]
    net_cue, net_alone, stats = select_net(examples, held_out)
    predicted = _with_net(examples, predicted, held_out, net_cue, net_alone)
    f1 = macro_f1(gold, predicted)
    per_class = {label: round(_prf(gold, predicted, label)[2], 4) for label in INTENTS if label in set(gold)}
    return Selection(
        alpha, min_df, temperature, f1, losses[temperature], per_class, net_cue, net_alone, stats
    )


def select_net(examples: Sequence[Example], held_out: Sequence[float]) -> tuple[float, float, dict[str, Any]]:
    """The safety net's thresholds from held-out opt_out probabilities (5-fold CV on train).

    The rules catch every train opt-out (they were written on it), so with them in front recall stays 1.0
    at any threshold; the net is therefore judged as if the rules had missed each opt-out (its own recall
    on the held-out opt-outs that carry a cue), under a budget of false opt-outs: ``cue`` is the lowest
    threshold at which the held-out replies the net may act on (the rules neither decided nor vetoed
    them) add false opt-outs worth at most NET_FALSE_BUDGET of the predicted opt-outs; ``alone`` is the
    lowest threshold, not under NET_ALONE_FLOOR, that adds no false opt-out among them without a cue."""
    cue = [revocation_cue(e.text) for e in examples]
    eligible = [read_by_rules(e.text)[1] for e in examples]
    opt_outs = sum(1 for e in examples if e.intent == "opt_out")
    negatives = [
        (p, c)
        for e, p, c, ok in zip(examples, held_out, cue, eligible, strict=True)
        if e.intent != "opt_out" and ok
    ]
    net_alone = min(
        (t for t in NET_GRID if t >= NET_ALONE_FLOOR and all(p < t for p, c in negatives if not c)),
        default=2.0,
    )

    def false_share(t: float) -> float:
        false = sum(1 for p, c in negatives if p >= net_alone or (c and p >= t))
        return false / (opt_outs + false)

    net_cue = min((t for t in NET_GRID if false_share(t) <= NET_FALSE_BUDGET), default=2.0)
    positives = [p for e, p, c in zip(examples, held_out, cue, strict=True) if e.intent == "opt_out" and c]
    without_cue = [
        p for e, p, c in zip(examples, held_out, cue, strict=True) if e.intent == "opt_out" and not c
    ]
    stats = {
        "opt_outs_with_cue": len(positives),
        "net_recall_with_cue": round(sum(p >= net_cue for p in positives) / len(positives), 4)
        if positives
        else None,
        "opt_outs_without_cue": len(without_cue),
        "net_recall_without_cue": round(sum(p >= net_alone for p in without_cue) / len(without_cue), 4)
        if without_cue
        else None,
        "eligible_non_opt_outs": len(negatives),
        "false_opt_outs_by_net": sum(1 for p, c in negatives if p >= net_alone or (c and p >= net_cue)),
        "false_share": round(false_share(net_cue), 4),
    }
    return net_cue, net_alone, stats


def _with_net(
    examples: Sequence[Example],
    predicted: Sequence[str],
    held_out: Sequence[float],
    net_cue: float,
    net_alone: float,
) -> list[str]:
    """The held-out predictions with the safety net applied where the rules leave it room."""
    out = []
    for e, p_intent, p in zip(examples, predicted, held_out, strict=True):
        if (
            p_intent != "opt_out"
            and read_by_rules(e.text)[1]
            and (p >= net_alone or (p >= net_cue and revocation_cue(e.text)))
        ):
            p_intent = "opt_out"
        out.append(p_intent)
    return out


def _log_loss(outputs: Iterable[tuple[int, list[float], int]], temperature: float) -> float:
    total, n = 0.0, 0
    for gold, scores, known in outputs:
        scale = temperature * math.sqrt(max(known, 1))
        top = max(scores)
        log_z = top / scale + math.log(sum(math.exp((s - top) / scale) for s in scores))
        total -= scores[gold] / scale - log_z
        n += 1
    return total / max(n, 1)


def train(examples: Sequence[Example]) -> tuple[dict[str, Any], Selection]:
    feature_sets = _feature_sets(examples)
    selection = select_hyperparameters(examples, feature_sets)
    model = fit_counts(examples, feature_sets, min_df=selection.min_df)
    net = {"alone": selection.net_alone, "cue": selection.net_cue}
    return model | {
        "alpha": selection.alpha,
        "temperature": selection.temperature,
        "opt_out_net": net,
    }, selection


def dump_model(model: dict[str, Any]) -> str:
    """One canonical serialization (sorted keys, integers, one feature per line) for byte-equal rebuilds."""
    head = {k: v for k, v in model.items() if k != "counts"}
    lines = [json.dumps(head, sort_keys=True, ensure_ascii=False)[:-1] + ', "counts": {']
    items = sorted(model["counts"].items())
    for n, (feature, sparse) in enumerate(items):
        comma = "," if n < len(items) - 1 else ""
        lines.append(
            f"{json.dumps(feature, ensure_ascii=False)}: {json.dumps([list(p) for p in sparse])}{comma}"
        )
    lines.append("}}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------- evaluation
def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    labels = sorted(set(gold))
    return sum(_prf(gold, predicted, label)[2] for label in labels) / max(len(labels), 1)


def _prf(gold: Sequence[str], predicted: Sequence[str], label: str) -> tuple[float, float, float, int]:
    tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p == label)
    fp = sum(1 for g, p in zip(gold, predicted, strict=True) if p == label and g != label)
    support = sum(1 for g in gold if g == label)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / support if support else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, support


def evaluate(examples: Sequence[Example]) -> dict[str, Any]:
    """Everything `evaluate-intents` prints, computed from the data."""
    started = time.perf_counter()
    load_model()  # cold start, measured apart from the per-message latency
    load_ms = (time.perf_counter() - started) * 1000
    gold = [e.intent for e in examples]
    predicted: list[str] = []
    latencies: list[float] = []
    for example in examples:
        t0 = time.perf_counter()
        predicted.append(classify(example.text).intent)
        latencies.append((time.perf_counter() - t0) * 1000)
    labels = [i for i in INTENTS if i in set(gold) | set(predicted)]
    per_class = {}
    for label in labels:
        p, r, f1, support = _prf(gold, predicted, label)
        per_class[label] = {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f1, 4),
            "support": support,
        }
    gold_labels = [label for label in labels if label in set(gold)]
    opt_out_gold = sum(1 for g in gold if g == "opt_out")
    caught = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p == "opt_out")
    predicted_opt_outs = sum(1 for p in predicted if p == "opt_out")
    false_opt_outs = sum(1 for g, p in zip(gold, predicted, strict=True) if p == "opt_out" and g != "opt_out")
    hard = [(e, p) for e, p in zip(examples, predicted, strict=True) if HARD_NEGATIVE in e.tags]
    ordered = sorted(latencies)
    return {
        "examples": len(examples),
        "accuracy": round(
            sum(1 for g, p in zip(gold, predicted, strict=True) if g == p) / max(len(gold), 1), 4
        ),
        "macro_f1": round(sum(per_class[label]["f1"] for label in gold_labels) / max(len(gold_labels), 1), 4),
        "opt_out_recall": round(caught / opt_out_gold, 4) if opt_out_gold else None,
        "false_opt_outs": false_opt_outs,
        # of the replies called opt-outs, the share that were none (each one silences a real contact)
        "false_opt_out_share": round(false_opt_outs / predicted_opt_outs, 4) if predicted_opt_outs else None,
        "hard_negatives": len(hard),
        # a revocation word with another meaning, classified as its real intent (not merely "not opt-out")
        "hard_negative_accuracy": round(sum(1 for e, p in hard if p == e.intent) / len(hard), 4)
        if hard
        else None,
        "hard_negative_false_opt_outs": [e.text for e, p in hard if p == "opt_out"],
        "per_tag": _per_tag(examples, predicted),
        "missed_opt_outs": [
            e.text for e, p in zip(examples, predicted, strict=True) if e.intent == "opt_out" != p
        ],
        "per_class": per_class,
        "labels": labels,
        "confusion": [
            [sum(1 for g, p in zip(gold, predicted, strict=True) if g == a and p == b) for b in labels]
            for a in labels
        ],
        "errors": [
            {"text": e.text, "gold": e.intent, "predicted": p}
            for e, p in zip(examples, predicted, strict=True)
            if e.intent != p
        ],
        "latency_ms": {
            "mean": round(sum(latencies) / max(len(latencies), 1), 4),
            "p99": round(ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)], 4)
            if ordered
            else 0.0,
            "max": round(ordered[-1], 4) if ordered else 0.0,
            "model_load": round(load_ms, 2),
        },
    }


def _per_tag(examples: Sequence[Example], predicted: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per tag: examples, accuracy, and opt-out recall / false opt-outs where they apply."""
    out: dict[str, dict[str, Any]] = {}
    for tag in sorted({t for e in examples for t in e.tags}):
        pairs = [(e, p) for e, p in zip(examples, predicted, strict=True) if tag in e.tags]
        opt_outs = [p for e, p in pairs if e.intent == "opt_out"]
        out[tag] = {
            "examples": len(pairs),
            "accuracy": round(sum(1 for e, p in pairs if p == e.intent) / len(pairs), 4),
            "opt_out_recall": round(opt_outs.count("opt_out") / len(opt_outs), 4) if opt_outs else None,
            "false_opt_outs": sum(1 for e, p in pairs if p == "opt_out" and e.intent != "opt_out"),
        }
    return out


def _print_report(report: dict[str, Any], out: IO[str]) -> None:
    w = out.write
    w(f"{report['examples']} examples\n\n")
    w(f"{'intent':<16} {'precision':>9} {'recall':>7} {'f1':>7} {'support':>8}\n")
    for label, m in report["per_class"].items():
        w(f"{label:<16} {m['precision']:>9.3f} {m['recall']:>7.3f} {m['f1']:>7.3f} {m['support']:>8}\n")
    w(f"\nmacro-F1        {report['macro_f1']:.4f}\naccuracy        {report['accuracy']:.4f}\n")
    recall = report["opt_out_recall"]
    w(f"opt-out recall  {'n/a' if recall is None else f'{recall:.4f}'}\n")
    w(f"false opt-outs  {report['false_opt_outs']}")
    share = report["false_opt_out_share"]
    w(f" (false opt-out share {'n/a' if share is None else f'{share:.4f}'} of predicted opt-outs)\n")
    for text in report["missed_opt_outs"]:
        w(f"  missed opt-out: {text!r}\n")
    hard = report["hard_negative_accuracy"]
    w(f"hard negatives  {report['hard_negatives']}, accuracy {'n/a' if hard is None else f'{hard:.4f}'}")
    w(f", called opt-out {len(report['hard_negative_false_opt_outs'])}\n")
    for text in report["hard_negative_false_opt_outs"]:
        w(f"  hard negative called opt-out: {text!r}\n")
    if report["per_tag"]:
        w(f"\n{'tag':<16} {'examples':>8} {'accuracy':>9} {'opt-out recall':>15} {'false opt-outs':>15}\n")
        for tag, m in report["per_tag"].items():
            recall = "-" if m["opt_out_recall"] is None else f"{m['opt_out_recall']:.3f}"
            w(f"{tag:<16} {m['examples']:>8} {m['accuracy']:>9.3f} {recall:>15} {m['false_opt_outs']:>15}\n")
    labels = report["labels"]
    short = [label[:6] for label in labels]
    w("\nconfusion (rows gold, columns predicted)\n")
    w(" " * 16 + " ".join(f"{s:>6}" for s in short) + "\n")
    for label, row in zip(labels, report["confusion"], strict=True):
        w(f"{label:<16}" + " ".join(f"{n:>6}" for n in row) + "\n")
    lat = report["latency_ms"]
    w(f"\nlatency per message: mean {lat['mean']:.3f} ms, p99 {lat['p99']:.3f} ms, max {lat['max']:.3f} ms")
    w(f" (model load {lat['model_load']:.1f} ms, once per cold start)\n")


# ------------------------------------------------------------------------------------------ commands
def _result_json(text: str, opt_out_type: str | None, *, keyword: bool) -> dict[str, Any]:
    result = classify(text, opt_out_type=opt_out_type)
    out: dict[str, Any] = {
        "intent": result.intent,
        "opt_out": result.opt_out,
        "confidence": result.confidence,
    }
    if keyword:
        out["keyword"] = result.keyword
    return out


def _jsonl_line(line: str) -> dict[str, Any]:
    try:
        row = json.loads(line)
    except ValueError as exc:
        return {"error": f"not JSON: {exc.msg}"}
    if not isinstance(row, dict):
        return {"error": 'expected a JSON object with a "text" string'}
    text, opt_out_type = row.get("text"), row.get("opt_out_type")
    if not isinstance(text, str):
        return {"error": '"text" must be a string'}
    if opt_out_type is not None and not isinstance(opt_out_type, str):
        return {"error": '"opt_out_type" must be a string or null'}
    try:
        return _result_json(text, opt_out_type, keyword=False)
    except Exception as exc:  # a classifier bug must not stop the stream
        return {"error": f"{type(exc).__name__}: {exc}"}


def run_classify(
    args: argparse.Namespace, stdin: IO[str] | None = None, stdout: IO[str] | None = None
) -> int:
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    if args.jsonl:
        for line in stdin:
            line = line.rstrip("\r\n")
            payload = _jsonl_line(line) if line.strip() else {"error": "empty line"}
            stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
            stdout.flush()
        return 0
    if args.text is None:
        print("textloop classify: give a TEXT or --jsonl", file=sys.stderr)
        return 2
    stdout.write(
        json.dumps(_result_json(args.text, args.opt_out_type, keyword=True), ensure_ascii=False) + "\n"
    )
    return 0


def _slices(args: argparse.Namespace) -> list[tuple[str, Path]]:
    """(name, path) per --data PATH (named by its file; without any, the test split) and per --slice
    NAME=PATH: `--slice independent=PATH` reports the independent slice next to the test split."""
    slices = [(Path(path).stem, Path(path)) for path in args.data or []] or [("test", TEST_FILE)]
    for spec in args.slice or []:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            raise SystemExit(f"textloop evaluate-intents: --slice expects NAME=PATH, got {spec!r}")
        slices.append((name, Path(path)))
    names = [name for name, _ in slices]
    for name in set(names):
        if names.count(name) > 1:
            raise SystemExit(f"textloop evaluate-intents: slice {name!r} given twice")
    return slices


def cross_validation() -> dict[str, Any]:
    """The 5-fold cross-validation on the train split that `train-intents` runs (rules, then the model)."""
    examples = load_dataset(TRAIN_FILE)
    selection = select_hyperparameters(examples, _feature_sets(examples))
    return {
        "examples": len(examples),
        "folds": FOLDS,
        "macro_f1": round(selection.cv_macro_f1, 4),
        "per_class_f1": selection.cv_per_class_f1,
        "alpha": selection.alpha,
        "min_df": selection.min_df,
        "temperature": selection.temperature,
        "opt_out_net": {"cue": selection.net_cue, "alone": selection.net_alone} | selection.net_stats,
    }


def run_evaluate(args: argparse.Namespace) -> int:
    slices = _slices(args)
    reports = {name: evaluate(load_dataset(path)) for name, path in slices}
    cv = cross_validation() if args.cv else None
    if args.json:
        payload: dict[str, Any]
        if len(reports) == 1 and cv is None:
            payload = next(iter(reports.values()))
        else:
            payload = {"slices": reports} | ({"cross_validation": cv} if cv else {})
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return 0
    for n, ((name, path), report) in enumerate(zip(slices, reports.values(), strict=True)):
        if len(reports) > 1:
            sys.stdout.write(f"{'' if n == 0 else chr(10)}=== slice {name} ({path})\n")
        _print_report(report, sys.stdout)
        if args.errors:
            sys.stdout.write("\nerrors\n")
            for error in report["errors"]:
                sys.stdout.write(f"  {error['gold']:<16} -> {error['predicted']:<16} {error['text']!r}\n")
    if len(reports) > 1:
        sys.stdout.write(
            f"\n{'slice':<16} {'examples':>8} {'macro-F1':>9} {'opt-out recall':>15} {'false share':>12}\n"
        )
        for name, report in reports.items():
            recall, share = report["opt_out_recall"], report["false_opt_out_share"]
            sys.stdout.write(
                f"{name:<16} {report['examples']:>8} {report['macro_f1']:>9.4f} "
                f"{'n/a' if recall is None else f'{recall:.4f}':>15} {'n/a' if share is None else f'{share:.4f}':>12}\n"
            )
    if cv is not None:
        sys.stdout.write(
            f"\n{cv['folds']}-fold cross-validation on the train split ({cv['examples']} replies): macro-F1 "
            f"{cv['macro_f1']:.4f} {cv['per_class_f1']}\nopt-out safety net: {cv['opt_out_net']}\n"
        )
    return 0


def run_train(args: argparse.Namespace) -> int:
    model, selection = train(load_dataset(args.data))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dump_model(model), encoding="utf-8")
    load_model.cache_clear()
    sys.stderr.write(
        f"trained on {sum(model['documents'])} replies ({len(model['counts'])} features): alpha={selection.alpha} "
        f"min_df={selection.min_df} temperature={selection.temperature}; 5-fold CV macro-F1 "
        f"{selection.cv_macro_f1:.4f} {selection.cv_per_class_f1}, log-loss {selection.cv_log_loss:.4f} -> {out}\n"
    )
    return 0


def add_classify(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("classify", help="classify an SMS reply (or JSONL on stdin) into an intent")
    p.add_argument("text", nargs="?", default=None, help="the reply text")
    p.add_argument(
        "--opt-out-type", default=None, help="Twilio OptOutType (STOP/START/HELP), wins when given"
    )
    p.add_argument(
        "--jsonl", action="store_true", help='read {"text": ...} lines on stdin, write one result each'
    )
    p.set_defaults(func=run_classify)


def add_evaluate(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "evaluate-intents", help="precision/recall/F1, opt-out safety and latency on a labeled set"
    )
    p.add_argument(
        "--data",
        action="append",
        metavar="PATH",
        help="labeled JSONL, repeatable: each file is reported on its own (default: the held-out test split)",
    )
    p.add_argument(
        "--slice",
        action="append",
        metavar="NAME=PATH",
        help="a named labeled JSONL reported on its own next to the others, repeatable "
        "(e.g. independent=shared/textloop/intents/dataset/independent.jsonl)",
    )
    p.add_argument("--cv", action="store_true", help="also run 5-fold cross-validation on the train split")
    p.add_argument("--json", action="store_true", help="machine-readable report")
    p.add_argument("--errors", action="store_true", help="list the misclassified replies")
    p.set_defaults(func=run_evaluate)


def add_train(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("train-intents", help="rebuild the intent model from the train split (deterministic)")
    p.add_argument("--data", default=str(TRAIN_FILE), help="labeled JSONL (default: the train split)")
    p.add_argument("--out", default=str(MODEL_FILE), help="model file (default: the shipped model.json)")
    p.set_defaults(func=run_train)
