"""Does the gate's stated confidence hold after it chooses the best of many entries?

Two simulations with a known truth, both through the gate's own code (`score_candidates`
/ `run_gate` and `decide`):

- `predictions`: constructed holdout predictions. Every entry (baselines, and synthetic
  candidates x models x doses) has the same true skill, with a shared and an entry-own
  noise part, so every publication is a false one. Also the rule before issue 19 (the
  best synthetic row against the best baseline, a plain percentile interval of that one
  difference) on the same predictions, for comparison. `--uplift U` gives one synthetic
  candidate a true advantage instead (power).
- `models`: real training. A known data-generating process (sklearn's
  make_classification, 10 % minority), a small real sample given to the gate (holdout or
  cross-fitted), synthetic candidates that add noise rows labelled as the minority
  (no information: true uplift <= 0) or rows from the true minority distribution (real
  information: true uplift > 0); the truth of every option is its PR-AUC on 20,000 fresh
  rows after training on the whole sample. A publication is false when the published
  option's true score is not above the best baseline's.

    .venv/bin/python benchmarks/selection.py predictions --reps 1000
    .venv/bin/python benchmarks/selection.py models --reps 200 --cross-fit always
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

os.environ.setdefault("EQUIPOISE_GATE_JOBS", "1")


def _proba(y: np.ndarray, skill: float, noise: np.ndarray) -> np.ndarray:
    p = 1 / (1 + np.exp(-(skill * y + noise)))
    return np.c_[1 - p, p]


def predictions(reps: int, n: int, positives: int, synthetic: int, baselines: int,
                doses: int, uplift: float, seed: int, shared_share: float = 0.5,
                bootstrap: int = 500) -> dict:  # fmt: skip
    from equipoise.validation.gate import CandidateScores, GateSettings, decide, score_candidates
    from equipoise.validation.gate.scoring import percentiles

    settings = GateSettings(guards={}, bootstrap=bootstrap)
    a, b_ = np.sqrt(shared_share), np.sqrt(1 - shared_share)  # shared / own noise
    rng = np.random.default_rng(seed)
    y = np.r_[np.zeros(n - positives, int), np.ones(positives, int)]
    new = old = 0
    for rep in range(reps):
        shared = rng.normal(size=n)  # what every model gets wrong alike
        cands = []
        for b in range(baselines):
            noise = a * shared + b_ * rng.normal(size=n)
            cands.append(CandidateScores(f"b{b}", "baseline", "m", _proba(y, 1.5, noise)))
        for s in range(synthetic):
            own = rng.normal(size=n)
            skill = 1.5 + (uplift if s == 0 else 0.0)
            for d in range(doses):  # doses of one candidate: close to each other
                noise = a * shared + b_ * (0.9 * own + 0.44 * rng.normal(size=n))
                dose = {"amount": (d + 1) / doses, "weight": 1.0, "rows": d + 1}
                cands.append(CandidateScores(f"s{s}", "synthetic", "m", _proba(y, skill, noise),
                                             dose=dose))  # fmt: skip
        board = score_candidates(y, cands, classes=[0, 1], settings=settings, seed=rep)
        decision = decide(board)
        new += decision.publish
        syn, base = board.best("synthetic"), board.best("baseline")
        low, _ = percentiles(syn.draws["pr_auc"] - base.draws["pr_auc"], settings.confidence)
        old += bool(syn.point["pr_auc"] > base.point["pr_auc"] and low >= 0)
    return {"simulation": "predictions", "reps": reps, "n": n, "positives": positives,
            "shared_noise_share": shared_share,
            "synthetic_entries": synthetic * doses, "baseline_entries": baselines,
            "true_uplift_of_one": uplift, "published_new_rule": new / reps,
            "published_old_rule": old / reps}  # fmt: skip


def models(reps: int, n: int, cross_fit: str, uplift_sets: int, null_sets: int, seed: int) -> dict:
    import pandas as pd
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split

    from equipoise.dataspec import infer_schema
    from equipoise.validation.gate import (
        Arena,
        GateSettings,
        SyntheticSet,
        decide,
        run_gate,
        score_candidates,
    )
    from equipoise.validation.gate.baselines import BASELINES

    # one population: draw a large pool once, then sample from it
    Xp, yp = make_classification(n_samples=200_000, n_features=8, n_informative=4,
                                 n_redundant=2, weights=[0.9], flip_y=0.02, class_sep=0.8,
                                 random_state=1234)  # fmt: skip
    pool = pd.DataFrame(Xp, columns=[f"x{i}" for i in range(8)]).assign(label=yp.astype(str))
    rng = np.random.default_rng(seed)
    test = pool.sample(20_000, random_state=seed)
    rest = pool.drop(test.index)
    settings = GateSettings(models=("logreg",), baselines=("none", "class_weight",
                            "random_oversample"), bootstrap=500, cross_fit=cross_fit,
                            guards={})  # fmt: skip
    out = {"published": 0, "false": 0, "true_uplift_positive": 0, "rows": []}
    started = time.perf_counter()
    for rep in range(reps):
        sample = rest.sample(n, random_state=int(rng.integers(2**31)))
        schema = infer_schema(sample, "label")
        X, y = schema.split_xy(sample)
        Xa, Xb, ya, yb = train_test_split(X, y, test_size=0.25, stratify=y,
                                          random_state=rep)  # fmt: skip
        train = (Xa.reset_index(drop=True), ya.reset_index(drop=True))
        hold = (Xb.reset_index(drop=True), yb.reset_index(drop=True))
        deficit = int((train[1] == "0").sum() - (train[1] == "1").sum())
        sets = {}
        minority = rest[rest["label"] == "1"]
        for i in range(uplift_sets):  # real minority rows the user did not have
            rows = minority.sample(deficit // 4, random_state=int(rng.integers(2**31)))
            sets[f"real{i}"] = SyntheticSet(train, schema.split_xy(rows))
        for i in range(null_sets):  # noise rows labelled as the minority
            noise = pd.DataFrame(rng.normal(size=(deficit // 4, 8)) * 2, columns=X.columns)
            sets[f"noise{i}"] = SyntheticSet(train, (noise, pd.Series(["1"] * len(noise))))
        arena = Arena("table", schema, train, hold, settings, seed=rep)
        decision = decide(run_gate(arena, sets))
        # the truth: every option trained on the whole sample, scored on 20,000 fresh rows
        whole = (pd.concat([train[0], hold[0]], ignore_index=True),
                 pd.concat([train[1], hold[1]], ignore_index=True))  # fmt: skip
        truth_arena = Arena("table", schema, whole, schema.split_xy(test), settings, seed=rep)
        entries = []
        for name in settings.baseline_set:
            entries += BASELINES[name].entries(truth_arena, name, "baseline", whole)
        for name, s in sets.items():
            entries += BASELINES["none"].entries(truth_arena, name, "synthetic", s.on(whole))
        truth = score_candidates(test["label"].to_numpy(), [e.run() for e in entries],
                                 classes=schema.classes, settings=settings.__class__(
                                     bootstrap=100, guards={}), seed=0)  # fmt: skip
        true_of = {}
        for row in truth.rows:
            for e in row.entries:
                dose = e.candidate.dose
                key = (e.candidate.name, None if dose is None else (dose["amount"], dose["weight"]))
                true_of[key] = e.point["pr_auc"]
        best_base = max(v for (name, d), v in true_of.items() if d is None)
        if decision.publish:
            rec = decision.recommendation
            key = (rec["strategy"], (rec["dose"]["amount"], rec["dose"]["weight"]))
            gain = true_of[key] - best_base
            out["published"] += 1
            out["false"] += gain <= 0
            out["rows"].append({"rep": rep, "winner": rec["strategy"], "true_gain": gain,
                                "ci_low": decision.ci_low})  # fmt: skip
        best_syn = max(v for (name, d), v in true_of.items() if d is not None)
        out["true_uplift_positive"] += best_syn > best_base
        print(f"rep {rep}: published={decision.publish} ({time.perf_counter() - started:.0f} s)",
              file=sys.stderr)  # fmt: skip
    return {"simulation": "models", "reps": reps, "n": n, "cross_fit": cross_fit,
            "uplift_sets": uplift_sets, "null_sets": null_sets,
            "publish_rate": out["published"] / reps, "false_publish_rate": out["false"] / reps,
            "runs_where_some_synthetic_truly_beats_the_best_baseline":
                out["true_uplift_positive"] / reps,
            "publications": out["rows"],
            "seconds": round(time.perf_counter() - started)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("simulation", choices=["predictions", "models"])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n", type=int, default=None)
    parser.add_argument("--uplift", type=float, default=0.0)
    parser.add_argument("--cross-fit", default="auto")
    parser.add_argument("--scenario", choices=["default", "many"], default="default",
                        help="predictions: the default portfolio's entries (3 candidates x 2 "
                        "models x 6 doses vs 13 baselines), or many: 20 independent synthetic "
                        "candidates against one baseline")  # fmt: skip
    parser.add_argument("--out", default=None, help="append the result as a JSON line")
    args = parser.parse_args()
    if args.simulation == "predictions":
        shape = {
            "default": {"synthetic": 6, "baselines": 13, "doses": 6},
            "many": {"synthetic": 20, "baselines": 1, "doses": 1, "shared_share": 0.2},
        }
        result = predictions(args.reps, args.n or 400, 20, uplift=args.uplift, seed=args.seed,
                             **shape[args.scenario])  # fmt: skip
    else:
        result = models(args.reps, args.n or 600, args.cross_fit, uplift_sets=1, null_sets=2,
                        seed=args.seed)  # fmt: skip
    print(json.dumps(result, indent=1))
    if args.out:
        with open(args.out, "a") as handle:
            handle.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
