"""``textloop train-intents``: learn the reply-intent model (logistic regression over hashed features).

The training pool is every labelled slice but the held-out test split, each kept as its own *source*
(an author): ``train.jsonl`` (the team's), the fifty-two slices other authors wrote (dev_a..dev_az, each
measured once unseen before it joined the pool) and seventeen corpora written for training by authors who
never read the rules (``train_en.jsonl``, ``train_multi.jsonl``, ``train_k.jsonl`` and ``train_l.jsonl``
.. ``train_y.jsonl``, from rounds 17, 22, 23 and 26). The sealed slices (``independent_ba.jsonl`` ..
``independent_bd.jsonl``, round 30) are never in the pool.
A pool line whose normalised text equals a test line is left out, so the test split stays unseen.

Selection (``--select``, minutes): leave-one-source-out cross-validation, i.e. every source is
predicted by a model trained on the others, through the whole classifier (rules, then the model):
the regularisation C by macro-F1, then the safety net's two thresholds on the pooled held-out
probabilities: among the pairs whose added false opt-outs (beyond the rules' own) stay within
NET_FALSE_BUDGET of the predicted opt-outs and no lower than NET_FLOOR (NET_ALONE_FLOOR for the net
alone, without a cue), the one catching the most
held-out opt-outs (then the fewest false, then the highest thresholds). Without
``--select`` the model is refitted with the C and thresholds the shipped model.json records
(seconds; what the byte-for-byte rebuild test runs). scikit-learn is a development dependency only:
the Lambda layer reads the weights in pure Python (``textloop.domain.intent.LinearModel``).
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textloop.domain.intent import (
    INTENTS,
    MODEL_FILE,
    MODEL_FORMAT,
    LinearModel,
    feature_buckets,
    load_model,
    model_features,
    model_reads,
    normalize,
    read_by_rules,
    revocation_cue,
    words,
)
from textloop_local.classify import DATASET_DIR, TEST_FILE, Example, load_dataset, macro_f1

SOURCES = {  # source -> file in the dataset directory
    "train": "train.jsonl",
    "dev_a": "independent.jsonl",
    "dev_b": "independent_b.jsonl",
    "dev_c": "independent_c.jsonl",
    "dev_d": "independent_d.jsonl",
    "dev_e": "independent_e.jsonl",
    "dev_f": "independent_f.jsonl",
    "dev_g": "independent_g.jsonl",
    "dev_h": "independent_h.jsonl",
    "dev_i": "independent_i.jsonl",
    "dev_k": "independent_k.jsonl",
    "dev_j": "independent_j.jsonl",
    "dev_l": "independent_l.jsonl",
    "dev_m": "independent_m.jsonl",
    "dev_n": "independent_n.jsonl",
    "dev_o": "independent_o.jsonl",
    "dev_p": "independent_p.jsonl",
    "dev_q": "independent_q.jsonl",
    "dev_r": "independent_r.jsonl",
    "dev_s": "independent_s.jsonl",
    "dev_t": "independent_t.jsonl",
    "dev_u": "independent_u.jsonl",
    "dev_v": "independent_v.jsonl",
    "dev_w": "independent_w.jsonl",
    "dev_x": "independent_x.jsonl",
    "dev_y": "independent_y.jsonl",
    "dev_z": "independent_z.jsonl",
    "dev_aa": "independent_aa.jsonl",
    "dev_ab": "independent_ab.jsonl",
    "dev_ac": "independent_ac.jsonl",
    "dev_ad": "independent_ad.jsonl",
    "dev_ae": "independent_ae.jsonl",
    "dev_af": "independent_af.jsonl",
    "dev_ag": "independent_ag.jsonl",
    "dev_ah": "independent_ah.jsonl",
    "dev_ai": "independent_ai.jsonl",
    "dev_aj": "independent_aj.jsonl",
    "dev_ak": "independent_ak.jsonl",
    "dev_al": "independent_al.jsonl",
    "dev_am": "independent_am.jsonl",
    "dev_an": "independent_an.jsonl",
    "dev_ao": "independent_ao.jsonl",
    "dev_ap": "independent_ap.jsonl",
    "dev_aq": "independent_aq.jsonl",
    "dev_ar": "independent_ar.jsonl",
    "dev_as": "independent_as.jsonl",
    "dev_at": "independent_at.jsonl",
    "dev_au": "independent_au.jsonl",
    "dev_av": "independent_av.jsonl",
    "dev_aw": "independent_aw.jsonl",
    "dev_ax": "independent_ax.jsonl",
    "dev_ay": "independent_ay.jsonl",
    "dev_az": "independent_az.jsonl",
    "train_en": "train_en.jsonl",
    "train_multi": "train_multi.jsonl",
    "train_k": "train_k.jsonl",
    "train_l": "train_l.jsonl",
    "train_m": "train_m.jsonl",
    "train_n": "train_n.jsonl",
    "train_o": "train_o.jsonl",
    "train_p": "train_p.jsonl",
    "train_q": "train_q.jsonl",
    "train_r": "train_r.jsonl",
    "train_s": "train_s.jsonl",
    "train_t": "train_t.jsonl",
    "train_u": "train_u.jsonl",
    "train_v": "train_v.jsonl",
    "train_w": "train_w.jsonl",
    "train_x": "train_x.jsonl",
    "train_y": "train_y.jsonl",
}
BUCKETS = 1 << 16
C_GRID = (10.0, 30.0, 100.0)
NET_GRID = (*(round(0.05 * k, 2) for k in range(1, 20)), 0.97, 0.99, 2.0)  # 2.0: off
NET_FALSE_BUDGET = 0.015  # false opt-outs the net adds / predicted opt-outs: half the 3% target
# Round 21: the net's thresholds go no lower than round 20's cue threshold. The pooled estimate above (1.7 %
# false) understated new authors' false share (sealed X 4.1 %, the test split 2.8 %), and the selection had
# lowered the thresholds round after round (0.70 / 0.80 in round 16 to 0.45 / 0.65 in round 21's first run,
# which put a fifth false opt-out on the test split: 3.5 %, over the gate).
NET_FLOOR = 0.50
# Round 23: a reply with no revocation cue at all is called an opt-out only at 0.70 or more. The selection
# had taken net_alone 0.60 (with cue 0.60) for 2 more held-out opt-outs of 11,281 than 0.70 / 0.50 at the
# cost of 22 more false ones (197 against 175), and 0.60 read "many thanks" as an opt-out.
NET_ALONE_FLOOR = 0.70
WEIGHTS_NAME = "weights.bin"


# --------------------------------------------------------------------------------------------- pool
def training_pool(dataset_dir: Path = DATASET_DIR) -> tuple[list[Example], list[str], int]:
    """(examples, their source, lines left out because the test split has them)."""
    held_out = {_key(e.text) for e in load_dataset(TEST_FILE)}
    examples, sources, dropped = [], [], 0
    for source, name in SOURCES.items():
        for example in load_dataset(dataset_dir / name):
            if _key(example.text) in held_out:
                dropped += 1
                continue
            examples.append(example)
            sources.append(source)
    return examples, sources, dropped


def _key(text: str) -> str:
    """Case, accents, punctuation and spacing folded away; words and symbols (emoji) kept."""
    folded = normalize(text)
    return (
        " ".join(words(folded)) + " " + "".join(c for c in folded if unicodedata.category(c).startswith("S"))
    )


# ------------------------------------------------------------------------------------------ fitting
def _matrix(rows: Sequence[set[int]]) -> Any:
    import numpy as np
    from scipy import sparse

    indptr, indices, values = [0], [], []
    for buckets in rows:
        ordered = sorted(buckets)
        indices.extend(ordered)
        values.extend([1.0 / max(len(ordered), 1) ** 0.5] * len(ordered))
        indptr.append(len(indices))
    return sparse.csr_matrix(
        (np.array(values), np.array(indices, dtype=np.int64), np.array(indptr, dtype=np.int64)),
        shape=(len(rows), BUCKETS),
    )


def fit(rows: Sequence[set[int]], labels: Sequence[str], c: float) -> LinearModel:
    """Fit on bucket sets; quantise to the shipped form (int16 weights, rounded bias)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    classes = [c_ for c_ in INTENTS if c_ in set(labels)]
    lr = LogisticRegression(C=c, max_iter=5000, tol=1e-6)
    lr.fit(_matrix(rows), [classes.index(label) for label in labels])
    coef = lr.coef_  # (classes, buckets)
    scale = float(np.abs(coef).max()) / 32767 or 1.0
    scale = float(f"{scale:.6e}")
    from array import array

    rows = []
    for row in np.rint(coef / scale).astype("<i2"):  # one row of BUCKETS per class
        weights = array("h")
        weights.frombytes(row.tobytes())
        if sys.byteorder == "big":
            weights.byteswap()
        rows.append(weights)
    bias = tuple(round(float(b), 6) for b in lr.intercept_)
    return LinearModel(tuple(classes), BUCKETS, scale, bias, tuple(rows))


# ---------------------------------------------------------------------------------------- selection
@dataclass
class Selection:
    c: float
    net_cue: float
    net_alone: float
    stats: dict[str, Any]


def held_out(
    examples: Sequence[Example], sources: Sequence[str], rows: Sequence[set[int]], c: float
) -> tuple[tuple[str, ...], list[list[float]]]:
    """Every reply's probabilities from the model trained on the other sources (leave one source out)."""
    from joblib import Parallel, delayed

    gold = [e.intent for e in examples]
    models = Parallel(n_jobs=-1)(
        delayed(fit)(
            [rows[i] for i, s in enumerate(sources) if s != source],
            [gold[i] for i, s in enumerate(sources) if s != source],
            c,
        )
        for source in SOURCES
    )
    probs: list[list[float]] = [[] for _ in examples]
    for source, model in zip(SOURCES, models, strict=True):
        for i, s in enumerate(sources):
            if s == source:
                probs[i] = model.bucket_probabilities(rows[i])
    return models[0].classes, probs


def select(examples: Sequence[Example], sources: Sequence[str], rows: Sequence[set[int]]) -> Selection:
    """C by held-out macro-F1 through the whole classifier, then the safety net (``choose``)."""
    from textloop.domain.intent import classify_by_rules

    ruled = [r.intent if (r := classify_by_rules(e.text)) else None for e in examples]
    gold = [e.intent for e in examples]
    runs = {c: held_out(examples, sources, rows, c) for c in C_GRID}

    def f1(c: float) -> float:
        classes, probs = runs[c]
        business = [i for i, name in enumerate(classes) if name != "opt_out"]
        predicted = [
            r or classes[max(business, key=p.__getitem__)] for r, p in zip(ruled, probs, strict=True)
        ]
        return macro_f1(gold, predicted)

    by_c = {c: f1(c) for c in C_GRID}
    c = max(C_GRID, key=lambda c_: (by_c[c_], -c_))
    selection = choose(examples, sources, ruled, *runs[c])
    selection.c = c
    selection.stats["macro_f1_by_c"] = {str(k): round(v, 4) for k, v in by_c.items()}
    return selection


def choose(
    examples: Sequence[Example],
    sources: Sequence[str],
    ruled: Sequence[str | None],
    classes: tuple[str, ...],
    probs: Sequence[Sequence[float]],
) -> Selection:
    """The safety net's thresholds from held-out probabilities: among the pairs whose added false
    opt-outs (beyond the rules' own) stay within NET_FALSE_BUDGET of the predicted opt-outs, the one
    catching the most held-out opt-outs, then the fewest false, then the highest thresholds."""
    gold = [e.intent for e in examples]
    eligible = [read_by_rules(e.text)[1] for e in examples]
    cue = [revocation_cue(e.text) for e in examples]
    readable = [model_reads(e.text) for e in examples]  # the net alone only where the model can read
    p_opt = [p[classes.index("opt_out")] for p in probs]
    rules_caught = sum(1 for g, r in zip(gold, ruled, strict=True) if r == "opt_out" == g)
    rules_false = sum(1 for g, r in zip(gold, ruled, strict=True) if r == "opt_out" != g)
    candidates = []
    for t_alone in (t for t in NET_GRID if t >= max(NET_FLOOR, NET_ALONE_FLOOR)):
        for t_cue in (t for t in NET_GRID if NET_FLOOR <= t <= t_alone):
            caught, false = rules_caught, rules_false
            for g, r, ok, q, has_cue, rd in zip(gold, ruled, eligible, p_opt, cue, readable, strict=True):
                if r is None and ok and ((rd and q >= t_alone) or (has_cue and q >= t_cue)):
                    caught += g == "opt_out"
                    false += g != "opt_out"
            if false - rules_false <= NET_FALSE_BUDGET * (caught + false):
                candidates.append((caught, -false, t_cue + t_alone, t_cue, t_alone))
    caught, minus_false, _, t_cue, t_alone = max(candidates)  # the net off (2.0, 2.0) always fits
    business = [i for i, name in enumerate(classes) if name != "opt_out"]
    predicted = []
    for r, ok, q, has_cue, rd, p in zip(ruled, eligible, p_opt, cue, readable, probs, strict=True):
        if r is not None:
            predicted.append(r)
        elif ok and ((rd and q >= t_alone) or (has_cue and q >= t_cue)):
            predicted.append("opt_out")
        else:
            predicted.append(classes[max(business, key=p.__getitem__)])
    by_source = {}
    for source in SOURCES:
        g = [gold[i] for i, s in enumerate(sources) if s == source]
        pr = [predicted[i] for i, s in enumerate(sources) if s == source]
        tp = sum(1 for a, b in zip(g, pr, strict=True) if a == b == "opt_out")
        fp = sum(1 for a, b in zip(g, pr, strict=True) if b == "opt_out" != a)
        by_source[source] = {
            "examples": len(g),
            "opt_out_recall": round(tp / g.count("opt_out"), 4) if "opt_out" in g else None,
            "false_opt_out_share": round(fp / (tp + fp), 4) if tp + fp else None,
            "macro_f1": round(macro_f1(g, pr), 4),
        }
    stats = {
        "cv": "leave one source out",
        "opt_outs": gold.count("opt_out"),
        "caught": caught,
        "false_opt_outs": -minus_false,
        "rules_false_opt_outs": rules_false,
        "macro_f1": round(macro_f1(gold, predicted), 4),
        "by_source": by_source,
    }
    return Selection(0.0, t_cue, t_alone, stats)


# ------------------------------------------------------------------------------------------- output
def write_model(model: LinearModel, selection: Selection, pool: dict[str, Any], out: Path) -> None:
    head = {
        "format": MODEL_FORMAT,
        "kind": "logistic regression, hashed binary features (word 1-2-grams, cue groups, symbols, "
        "character 3-5-grams), L2-normalised",
        "classes": list(model.classes),
        "buckets": model.size,
        "weights": WEIGHTS_NAME,
        "scale": model.scale,
        "bias": list(model.bias),
        "opt_out_net": {"cue": selection.net_cue, "alone": selection.net_alone},
        "training": {"c": selection.c, "pool": pool, "selection": selection.stats},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    from array import array

    blob = array("h")
    for row in model.rows:
        blob.extend(row)
    if sys.byteorder == "big":
        blob.byteswap()
    out.with_name(WEIGHTS_NAME).write_bytes(blob.tobytes())
    out.write_text(json.dumps(head, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def run_train(args: argparse.Namespace) -> int:
    examples, sources, dropped = training_pool(Path(args.dataset))
    rows = [feature_buckets(model_features(normalize(e.text)), BUCKETS) for e in examples]
    if args.select:
        selection = select(examples, sources, rows)
    else:
        shipped = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
        net, training = shipped["opt_out_net"], shipped["training"]
        selection = Selection(float(training["c"]), net["cue"], net["alone"], training["selection"])
    model = fit(rows, [e.intent for e in examples], selection.c)
    counts = {s: sources.count(s) for s in SOURCES}
    write_model(
        model,
        selection,
        {"examples": len(examples), "by_source": counts, "left_out_as_test": dropped},
        Path(args.out),
    )
    load_model.cache_clear()
    sys.stderr.write(
        f"trained on {len(examples)} replies from {len(SOURCES)} sources ({dropped} left out: in the test "
        f"split): C={selection.c}, net cue {selection.net_cue} alone {selection.net_alone}\n"
        f"{json.dumps(selection.stats)}\n-> {args.out}\n"
    )
    return 0


def add_train(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "train-intents", help="rebuild the intent model from the training pool (deterministic)"
    )
    p.add_argument("--dataset", default=str(DATASET_DIR), help="the dataset directory")
    p.add_argument("--out", default=str(MODEL_FILE), help="model file (default: the shipped model.json)")
    p.add_argument(
        "--select", action="store_true", help="choose C and the safety net by cross-validation (minutes)"
    )
    p.set_defaults(func=run_train)
