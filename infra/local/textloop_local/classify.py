"""``textloop classify | evaluate-intents``: the reply-intent classifier, offline.

    textloop classify "can we meet thursday?"            one JSON object
    textloop classify --jsonl < replies.jsonl            {"text": ...} per line -> one result per line
    textloop evaluate-intents [--json] [--cv]            P/R/F1, macro-F1, opt-out recall and false share,
        [--data PATH]... [--slice NAME=PATH]...          hard negatives, per tag, confusion, latency; each
                                                         --data / --slice reported on its own

The held-out split (``dataset/test.jsonl``) is for evaluation alone; a sealed slice another author wrote
is reported apart with ``--slice NAME=PATH``. Training lives in ``intent_training`` (``train-intents``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from textloop.domain.intent import INTENTS, MODEL_FILE, classify, load_model

DATASET_DIR = MODEL_FILE.parent / "dataset"
TRAIN_FILE = DATASET_DIR / "train.jsonl"
TEST_FILE = DATASET_DIR / "test.jsonl"


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
    """The leave-one-source-out cross-validation `train-intents --select` ran for the shipped model."""
    return dict(json.loads(MODEL_FILE.read_text(encoding="utf-8"))["training"])


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
        sys.stdout.write(f"\ntraining (leave one source out): {json.dumps(cv)}\n")
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
    p.add_argument(
        "--cv", action="store_true", help="also print the shipped model's training cross-validation"
    )
    p.add_argument("--json", action="store_true", help="machine-readable report")
    p.add_argument("--errors", action="store_true", help="list the misclassified replies")
    p.set_defaults(func=run_evaluate)
