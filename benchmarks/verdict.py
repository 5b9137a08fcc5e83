"""Is the verdict right on data the run never saw? (issue 19)

Each real table (shipped in installed packages) is split, stratified and seeded, into an
outer test set (30 %) that equipoise never sees and the rest ("inner"), which is what
`equipoise run` gets (the real flow, in-process, gate in enforce mode). The gate's
inputs are captured, and every option it had is then trained on ALL inner rows (what a
user deploys on) and scored on the outer test set: every baseline x model, and every
synthetic candidate x model x dose (its accepted rows beside all inner rows). Per run:

- the option the verdict names: the published set (its model and dose) or the
  recommended baseline with its model;
- the best of every option the gate had, on the outer test;
- regret = best - named, and the regret of fixed rules: regime (a), the defaults
  (PR-AUC, logreg + hgb): always no resampling + logreg, always class weights + hgb,
  always SMOTE + hgb; regime (b), a fixed user model (k-NN, F1 at the 0.5 cut-off,
  baselines none / random_oversample / smote): always none, always random oversampling,
  always SMOTE, each with k-NN;
- for a publication, whether the published set beat the best baseline on the outer test.

Results are JSON lines (resumable: done rows are skipped); `--table` prints the
markdown for BENCHMARKS.md.

    nice .venv/bin/python benchmarks/verdict.py --regime a b --seeds 0 1 2 \\
        --store /work/bench19/store --out benchmarks/results/verdict.jsonl
    .venv/bin/python benchmarks/verdict.py --out benchmarks/results/verdict.jsonl --table
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

sys.path.insert(0, str(Path(__file__).parent))
from gate_tournament import DATASETS, _german_csv

#: the tables of the benchmark (smallest minority first), at least twelve
TABLES = ["glass2", "abalone19", "ecoli3", "yeast4", "winequality-red-4", "haberman",
          "vowel0", "breast_cancer", "attrition", "pima", "CreditCard", "page-blocks0",
          "german", "credit_data"]  # fmt: skip
#: twelve more KEEL tables (session 5), none of which chose the reference rule: every
#: seed of them is data the rule never saw. The label is the file's last column.
MORE = ["cleveland-0_vs_4", "winequality-white-3_vs_7", "kr-vs-k-zero_vs_eight",
        "led7digit-0-2-4-5-6-7-8-9_vs_1", "abalone9-18", "flare-F", "yeast5",
        "yeast-2_vs_4", "car-good", "vehicle1", "wisconsin", "segment0"]  # fmt: skip
#: a third batch (session 5), run after the reference rule's weakness on MORE was seen:
#: the fresh tables for the rules chosen then (model by the mean estimate, the best estimate)
THIRD = ["dermatology-6", "shuttle-c0-vs-c4", "page-blocks-1-3_vs_4", "ecoli1", "glass1",
         "poker-8_vs_6", "abalone-17_vs_7-8-9-10", "winequality-red-8_vs_6", "yeast1",
         "vehicle3", "glass6", "yeast-1_vs_7"]  # fmt: skip
#: a fourth batch (session 5), run after the third showed the best estimate ahead of the
#: reference rule on every table the reference was not chosen on: the fresh tables for
#: that comparison (best estimate against model by mean at 0.8, and each against the
#: fixed rules)
FOURTH = ["glass-0-1-6_vs_2", "ecoli-0-1_vs_5", "abalone-19_vs_10-11-12-13",
          "winequality-white-3-9_vs_5", "ecoli4", "yeast3", "yeast6", "kr-vs-k-zero-one_vs_draw",
          "car-vgood", "ecoli-0-6-7_vs_5", "yeast-0-5-6-7-9_vs_4", "glass-0-4_vs_5"]  # fmt: skip
#: a fifth batch (session 6), run after the rule "the best estimate, but no resampling only
#: on evidence, else the reference" (`selection.advise`) was committed: its fresh tables
FIFTH = ["abalone-20_vs_8-9-10", "ecoli2", "glass-0-1-2-3_vs_4-5-6", "glass4",
         "kddcup-guess_passwd_vs_satan", "kr-vs-k-zero_vs_fifteen", "new_thyroid2",
         "poker-8-9_vs_5", "shuttle-2_vs_5", "winequality-red-8_vs_6-7", "yeast-1-4-5-8_vs_7",
         "yeast-0-3-5-9_vs_7-8"]  # fmt: skip
#: a sixth batch (session 6), run after the rule was changed on the fifth batch's result
#: to "the reference on the best entry's model, none guarded" (`selection.advise`; its
#: commit precedes the run): its fresh tables
SIXTH = ["abalone-21_vs_8", "abalone-3_vs_11", "ecoli-0-1-4-7_vs_2-3-5-6", "ecoli-0-1_vs_2-3-5",
         "ecoli-0_vs_1", "glass-0-1-4-6_vs_2", "glass0", "kddcup-buffer_overflow_vs_back",
         "kr-vs-k-one_vs_fifteen", "kr-vs-k-three_vs_eleven", "poker-8-9_vs_6", "vehicle0",
         "vehicle2", "yeast-0-2-5-6_vs_3-7-8-9", "yeast-1-2-8-9_vs_7", "yeast-2_vs_8",
         "glass-0-1-5_vs_2", "ecoli-0-2-6-7_vs_3-5"]  # fmt: skip
KEEL = MORE + THIRD + FOURTH + FIFTH + SIXTH
KNN = {"import": "sklearn.neighbors.KNeighborsClassifier", "name": "knn"}
REGIMES = {
    "a": {"gate": {}, "metric": "pr_auc",
          "rules": {"none + logreg": ("none", "logreg"), "class weights + logreg":
                    ("class_weight", "logreg"), "random oversampling + logreg":
                    ("random_oversample", "logreg"), "SMOTE + logreg": ("smote", "logreg"),
                    "class weights + hgb": ("class_weight", "hgb"), "SMOTE + hgb":
                    ("smote", "hgb")}},
    "b": {"gate": {"models": [KNN], "primary": "f1_fixed", "fixed_threshold": 0.5,
                   "baselines": ["none", "random_oversample", "smote"]},
          "metric": "f1_fixed",
          "rules": {"none + knn": ("none", "knn"), "random oversampling + knn":
                    ("random_oversample", "knn"), "SMOTE + knn": ("smote", "knn")}},
}  # fmt: skip


def frame_of(name: str, work: Path):
    """The table as a DataFrame and its label column."""
    from equipoise.pipeline.tables.loading import read_keel, read_source

    if name in KEEL:
        frame = read_keel(name)
        return frame, str(frame.columns[-1])
    source, label, _ = DATASETS[name]
    if source == "german":
        source = _german_csv(work)
    return read_source(source, labels=[label]), label


class Captured:
    """The gate's inputs of the run in progress (the flow calls `run_gate` by the
    name `equipoise.flows.balance.run_gate`): the one coupling with the flow. One per
    process (`capture()`): each instance wraps `run_gate` again."""

    def __init__(self):
        import equipoise.flows.balance as flow

        self.calls: list[tuple] = []
        self.boards: list = []
        real = flow.run_gate

        def spy(arena, synthetic_sets, **kwargs):
            self.calls.append((arena, dict(synthetic_sets), kwargs))
            self.boards.append(real(arena, synthetic_sets, **kwargs))
            return self.boards[-1]

        flow.run_gate = spy

    def clear(self) -> None:
        self.calls.clear()
        self.boards.clear()


_CAPTURED: list[Captured] = []


def capture() -> Captured:
    """The process's one `Captured`, emptied: it then holds only the run that follows."""
    if not _CAPTURED:
        _CAPTURED.append(Captured())
    _CAPTURED[0].clear()
    return _CAPTURED[0]


def run_equipoise(inner, label: str, seed: int, regime: str, store: Path, work: Path,
                  sets: list[str]) -> dict:  # fmt: skip
    """The real flow on the inner rows; its verdict (gate.json / manifest.json)."""
    from equipoise.pipeline.config import load_job

    csv = work / "inner.csv"
    inner.to_csv(csv, index=False)
    job = load_job(
        overrides=list(sets),
        base={"seed": seed, "data": {"source": str(csv), "label": label},
              "gate": REGIMES[regime]["gate"],
              "output": {"store": str(store), "runs": str(work / "runs")}},
    )  # fmt: skip
    return run_job(job)


def run_job(job) -> dict:
    """The real flow on a loaded job, in this process: its verdict (the version's
    manifest.json, or the refusal's gate.json), exit code and seconds."""
    from equipoise.flows.balance import balance

    started = time.perf_counter()
    result = balance(job)
    if result["outcome"] == "published":
        manifest = json.loads((Path(result["path"]) / "manifest.json").read_text())
        exit_code = 0
    else:
        manifest = json.loads((Path(result["report"]) / "gate.json").read_text())
        exit_code = 3
    return {"manifest": manifest, "exit": exit_code,
            "seconds": round(time.perf_counter() - started, 1)}  # fmt: skip


def named_option(manifest: dict) -> tuple[dict, dict, tuple]:
    """The verdict's gate record, its decision, and the option it named: (strategy,
    model, dose as (amount, weight) or None), the key of `option_scores`."""
    gate = manifest["gate"]
    decision = gate["decision"]
    rec = decision["recommendation"]
    dose = None if rec["dose"] is None else (rec["dose"]["amount"], rec["dose"]["weight"])
    return gate, decision, (rec["strategy"], rec["model"], dose)


def outer_board(arena, synthetic_sets: dict, outer: tuple):
    """Every option the gate had, trained on all inner rows, scored on the outer test
    (`outer`: its (X, y) pair in the arena's form); the arena's other fields (the
    images' `synthesize` hook for oversample_augment) are kept. Also the names of the
    synthetic candidates that had no rows to train on (left out)."""
    from equipoise.validation.gate import SyntheticSet, run_gate
    from equipoise.validation.gate.arena import concat

    inner_all = (concat(arena.train[0], arena.holdout[0]), concat(arena.train[1], arena.holdout[1]))
    truth = dataclasses.replace(arena.settings, cross_fit="never", bootstrap=100)
    board_arena = dataclasses.replace(arena, train=inner_all, holdout=outer, settings=truth,
                                      scored_only=())  # fmt: skip
    sets = {n: SyntheticSet(inner_all, s.synthetic) for n, s in synthetic_sets.items()
            if isinstance(s, SyntheticSet)}  # fmt: skip
    return run_gate(board_arena, sets), sorted(set(synthetic_sets) - set(sets))


def families(board) -> dict[tuple[str, str], str]:
    """(name, model) -> "baseline" or "synthetic" of every entry on the board (a
    synthetic entry has no dose when the dose grid is off)."""
    return {(e.candidate.name, e.candidate.model): e.candidate.family
            for row in board.rows for e in row.entries}  # fmt: skip


def option_scores(board, metric: str) -> dict[tuple, float]:
    """(name, model, dose) -> outer score of every entry (dose None for baselines)."""
    out = {}
    for row in board.rows:
        for entry in row.entries:
            dose = entry.candidate.dose
            key = (entry.candidate.name, entry.candidate.model,
                   None if dose is None else (dose["amount"], dose["weight"]))  # fmt: skip
            out[key] = entry.point[metric]
    return out


def dump_board(board, metric: str, path: Path) -> None:
    """Every baseline entry's point, bootstrap draws and jackknife values of `metric` on
    all rows (npz), so that other recommendation rules can be scored offline."""
    import numpy as np

    out = {}
    for row in board.family("baseline"):
        key = f"{row.candidate.name}|{row.candidate.model}"
        point, draws = row.on("all")
        out[key + "|point"] = np.asarray(point[metric])
        out[key + "|draws"] = np.asarray(draws[metric], dtype=np.float32)
        out[key + "|jack"] = np.asarray(row.jackknife("all", metric), dtype=np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **out)


def one(name: str, seed: int, regime: str, store: Path, sets: list[str],
        boards: Path | None = None) -> dict:  # fmt: skip
    from sklearn.model_selection import train_test_split

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        frame, label = frame_of(name, work)
        inner, outer = train_test_split(
            frame, test_size=0.3, stratify=frame[label].astype(str), random_state=seed
        )
        captured = capture()
        ran = run_equipoise(inner.reset_index(drop=True), label, seed, regime, store, work, sets)
        arena, synthetic_sets, _ = captured.calls[-1]
        if boards is not None:
            dump_board(captured.boards[-1], REGIMES[regime]["metric"],
                       boards / f"{name}-{seed}-{regime}.npz")  # fmt: skip
        outer_pair = arena.schema.split_xy(outer.reset_index(drop=True))
        board, _ = outer_board(arena, synthetic_sets, outer_pair)
        captured.clear()
    metric = REGIMES[regime]["metric"]
    return {
        "table": name, "seed": seed, "regime": regime, "variant": " ".join(sets),
        "rows": len(frame), "minority": int(frame[label].astype(str).value_counts().min()),
    } | outcome(ran, board, metric, REGIMES[regime]["rules"])  # fmt: skip


def outcome(ran: dict, board, metric: str, rules: dict[str, tuple[str, str]]) -> dict:
    """What one run's verdict named and how every option (`board`, on the outer test)
    scored: the named and the best option, the regret, each fixed rule's regret (`rules`:
    label -> (baseline, model)), whether a publication beat the best baseline, the gate's
    board and the outer board (every option's outer score: other selection rules can be
    scored on the same runs), the sentence."""
    gate, decision, named = named_option(ran["manifest"])
    scores = option_scores(board, metric)
    family = families(board)
    baselines = {k: v for k, v in scores.items() if family[k[:2]] == "baseline"}
    best_key = max(scores, key=scores.get)
    best = scores[best_key]
    best_base = max(baselines, key=baselines.get)
    return {
        "exit": ran["exit"], "published": decision["publish"], "method": gate["method"]["method"],
        "metric": metric, "named": list(map(str, named)),
        "named_family": decision["recommendation"].get("family"),
        "named_outer": scores.get(named),
        "best": list(map(str, best_key)), "best_outer": best,
        "best_baseline": list(map(str, best_base)), "best_baseline_outer": baselines[best_base],
        "regret": None if named not in scores else best - scores[named],
        "rules": {rule: (best - scores[(n, m, None)]) if (n, m, None) in scores else None
                  for rule, (n, m) in rules.items()},
        "published_beats_best_baseline": (scores[named] > max(baselines.values()))
        if decision["publish"] and named in scores else None,
        "none_outer": {m: v for (n, m, d), v in scores.items() if n == "none" and d is None},
        "seconds": ran["seconds"], "gate_seconds": ran["manifest"].get("timings_s", {}).get("gate"),
        "gate_board": [{k: r[k] for k in ("candidate", "family", "model", "value", "ci_low",
                                          "ci_high", "scope")} | {"dose": _dose_of(r)}
                       for r in gate["leaderboard"]],
        # [name, model, dose, outer score, family]
        "outer_board": [[*map(str, k), v, family[k[:2]]] for k, v in scores.items()],
        "outer_skipped": [{k: str(v)[:200] for k, v in s.items()} for s in board.skipped],
        "sentence": decision["sentence"][:400],
    }  # fmt: skip


def _dose_of(record: dict) -> list | None:
    dose = record.get("dose")
    return None if not dose else [dose["amount"], dose["weight"]]


def _rule_regret(run: dict, regime: str, rule: str) -> float | None:
    """A fixed rule's regret on one run, from its outer board."""
    outer = {tuple(k[:3]): k[3] for k in run["outer_board"]}
    name, model = REGIMES[regime]["rules"][rule]
    value = outer.get((name, model, "None"))
    return None if value is None else run["best_outer"] - value


def _argmax_regret(run: dict) -> float:
    """The regret of naming the baseline entry with the best gate estimate (the rule
    before the reference rule; a publication is kept as the verdict named it)."""
    outer = {tuple(k[:3]): k[3] for k in run["outer_board"]}
    if run["published"]:
        return run["regret"]
    base = max((g for g in run["gate_board"] if g["family"] == "baseline"),
               key=lambda g: g["value"])  # fmt: skip
    return run["best_outer"] - outer[(base["candidate"], base["model"], "None")]


def _switched_choice(run: dict, boards: Path, level: float | None, by_mean: bool = True,
                     guard: bool = False, by_best: bool = False) -> str:  # fmt: skip
    """The baseline entry ("name|model") the verdict names, recomputed from the run's
    dumped gate draws with the product's own bounds (`selection._family`):

    - `level` None: the best point estimate;
    - `by_best` (the product since session 6, `selection.advise`): the reference is
      SMOTE (the first of `gate.reference`) on the model of the entry with the best
      estimate (that entry when its model has no preferred strategy); another entry of
      that model replaces it when its lower bound over it at `level` is above 0, and
      `none` only when it also beats every other entry of the model;
    - `guard` (the rule committed first in session 6, judged on FIFTH): the best
      estimate, but `none` only when its lower bound at `level` over every other entry
      on its model is above 0, else the reference;
    - otherwise (sessions 4-5): the reference unless another entry's lower bound over it
      at `level` is above 0. The reference is SMOTE on the model with the best mean
      estimate over its entries (or on the first model, `by_mean=False`, the rule before
      session 5)."""
    import numpy as np

    from equipoise.validation.gate import GateSettings
    from equipoise.validation.gate.selection import _family

    z = np.load(boards / f"{run['table']}-{run['seed']}-{run['regime']}.npz")
    keys = sorted({k.rsplit("|", 1)[0] for k in z.files})
    entry = {k: (float(z[k + "|point"]), z[k + "|draws"].astype(float),
                 z[k + "|jack"].astype(float)) for k in keys}  # fmt: skip
    order = (*GateSettings().reference, "none")  # the product's default preference

    def lower_bounds(row: str, others: list[str], sign: int) -> np.ndarray:
        """Simultaneous lower bounds of sign * (other - row)."""
        p0, D0, J0 = entry[row]
        d = np.array([sign * (entry[k][0] - p0) for k in others])
        D = np.array([sign * (entry[k][1] - D0) for k in others])
        J = np.array([sign * (entry[k][2] - J0) for k in others])
        found, *_ = _family(d, D, J, level, len(others))
        return found

    def beats_all(found) -> bool:
        lows = np.array([f[1] for f in found])
        return bool(np.isfinite(lows).all() and (lows > 0).all())

    best = max(entry, key=lambda k: entry[k][0])
    if level is None or (guard and not best.startswith("none|")):
        return best
    if by_best:
        model = best.split("|")[1]
        on_model = [k for k in keys if k.endswith(f"|{model}")]
        reference = next((f"{n}|{model}" for n in order if f"{n}|{model}" in entry), best)
        others = [k for k in on_model if k != reference]
        if not others:
            return reference
        found = lower_bounds(reference, others, +1)
        clear = sorted(((f[0], k) for k, f in zip(others, found, strict=True)
                        if np.isfinite(f[1]) and f[1] > 0), reverse=True)  # fmt: skip
        for _, k in clear:
            rest = [o for o in on_model if o != k]
            if not k.startswith("none|") or beats_all(lower_bounds(k, rest, -1)):
                return k
        return reference
    models = ["logreg", "hgb"] if run["regime"] == "a" else ["knn"]
    if by_mean:
        means = {
            m: np.mean([v[0] for k, v in entry.items() if k.endswith(f"|{m}")]) for m in models
        }
        models = [max(models, key=lambda m: means[m])]
    reference = next(f"{n}|{models[0]}" for n in order if f"{n}|{models[0]}" in entry)
    if guard:
        model = best.split("|")[1]
        others = [k for k in keys if k.endswith(f"|{model}") and not k.startswith("none|")]
        return best if not others or beats_all(lower_bounds(best, others, -1)) else reference
    others = [k for k in keys if k != reference]
    found = lower_bounds(reference, others, +1)
    clear = [(k, f) for k, f in zip(others, found, strict=True) if np.isfinite(f[1]) and f[1] > 0]
    return max(clear, key=lambda pair: pair[1][0])[0] if clear else reference


#: the rules of the switch study: (column, switch level, reference model by mean, guard,
#: reference on the best entry's model)
RULES = [("best estimate", None, False, False, False),
         ("first model, 0.95", 0.95, False, False, False),
         ("first model, 0.8", 0.8, False, False, False),
         ("model by mean, 0.95", 0.95, True, False, False),
         ("model by mean, 0.8", 0.8, True, False, False),
         ("best estimate, none guarded at 0.8", 0.8, True, True, False),
         ("best entry's model, 0.8, none guarded", 0.8, False, False, True)]  # fmt: skip


def switch_study(path: Path, boards: Path) -> str:
    """Markdown: the verdict's mean regret under each rule of RULES, on the first 14
    tables (where the reference and the 0.8 level were chosen), the further 12 (MORE),
    the third and fourth batches (THIRD, FOURTH), those 36 together, and the fifth
    batch (FIFTH, fresh for the guarded rule), the sixth (SIXTH, fresh for the rule of
    the best entry's model) and all tables, per regime, with the best fixed rule beside
    it. A published run keeps its regret (the rules only move which real-data
    strategy a refusal names)."""
    import numpy as np

    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    out = ["| regime | tables | runs | " + " | ".join(c for c, *_ in RULES)
           + " | best fixed rule |", "|---|---|---:|" + "---:|" * (len(RULES) + 1)]  # fmt: skip
    for regime in ("a", "b"):
        for name, tables in (("first 14", TABLES), ("12 further", MORE), ("third 12", THIRD),
                             ("fourth 12", FOURTH), ("the 36 after the first 14",
                                                     MORE + THIRD + FOURTH),
                             ("fifth 12", FIFTH), ("sixth 18", SIXTH),
                             ("all 50 before the sixth", TABLES + KEEL[:-len(SIXTH)]),
                             ("all 68", TABLES + KEEL)):  # fmt: skip
            runs = [r for r in rows if r["regime"] == regime and r["table"] in tables
                    and r.get("regret") is not None and not r.get("variant")
                    and (boards / f"{r['table']}-{r['seed']}-{regime}.npz").exists()]  # fmt: skip
            if not runs:
                continue
            cells = []
            for _, level, by_mean, guard, by_best in RULES:
                regret = []
                for run in runs:
                    if run["published"]:
                        regret.append(run["regret"])
                        continue
                    outer = {tuple(k[:2]): k[3] for k in run["outer_board"] if k[2] == "None"}
                    choice = _switched_choice(run, boards, level, by_mean, guard, by_best)
                    choice = tuple(choice.split("|"))
                    regret.append(run["best_outer"] - outer[choice])
                cells.append(f"{np.mean(regret):.4f}")
            fixed = {
                rule: np.mean(v)
                for rule in REGIMES[regime]["rules"]
                if (v := [_rule_regret(r, regime, rule) for r in runs]) and None not in v
            }  # fmt: skip (a rule that did not run everywhere: left out)
            best = min(fixed, key=fixed.get)
            out.append(f"| ({regime}) | {name} | {len(runs)} | " + " | ".join(cells)
                       + f" | {fixed[best]:.4f} ({best}) |")  # fmt: skip
    return "\n".join(out)


def regret_lines(runs: list[dict], rules: list[tuple[str, list]], extra: str = "") -> list[str]:
    """Markdown rows: the verdict's, the best estimate's and each fixed rule's regret
    (`rules`: label, per-run regret or None where the rule's option did not run), then
    the publications, how the runs were judged and their time (+ `extra`)."""
    import numpy as np

    out = ["| option | mean regret | worst regret | runs it was best or tied |",
           "|---|---:|---:|---:|"]  # fmt: skip
    argmax = [_argmax_regret(r) for r in runs]
    for label, regrets in [("the verdict", [r["regret"] for r in runs]),
                           ("the best baseline's point estimate", argmax), *rules]:  # fmt: skip
        values = np.array([v for v in regrets if v is not None])
        if len(values):
            ran = "" if len(values) == len(runs) else f" ({len(values)} runs)"
            out.append(f"| {label}{ran} | {values.mean():.4f} | {values.max():.4f} | "
                       f"{int((values <= 1e-12).sum())} |")  # fmt: skip
    published = [r for r in runs if r["published"]]
    beat = sum(bool(r["published_beats_best_baseline"]) for r in published)
    methods = {m: sum(r["method"] == m for r in runs) for m in ("holdout", "cross_fit")}
    seconds = np.mean([r["seconds"] for r in runs])
    gate = np.mean([r["gate_seconds"] or 0 for r in runs])
    return [*out, "", f"Published {len(published)} of {len(runs)}; a published set beat the "
            f"best baseline on the outer test in {beat} of {len(published)}. Judged on the "
            f"holdout {methods['holdout']}x, cross-fitted {methods['cross_fit']}x. Mean run "
            f"{seconds:.0f} s, gate {gate:.0f} s{extra}.", ""]  # fmt: skip


def summary(path: Path) -> str:
    """Markdown tables: per regime, the verdict's and each fixed rule's regret."""

    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    out = []
    for regime in sorted({r["regime"] for r in rows}):
        for variant in sorted({r.get("variant", "") for r in rows if r["regime"] == regime}):
            runs = [r for r in rows if r["regime"] == regime and r.get("variant", "") == variant
                    and r.get("regret") is not None]  # fmt: skip
            if not runs:
                continue
            rules = list(REGIMES[regime]["rules"])
            head = f"**Regime ({regime})**" + (f", `{variant}`" if variant else "")
            out += [f"{head}: {len(runs)} runs, {REGIMES[regime]['metric']} on the outer test", ""]
            rules = [(f"always {rule}", [_rule_regret(r, regime, rule) for r in runs])
                     for rule in REGIMES[regime]["rules"]]  # fmt: skip
            out += regret_lines(runs, rules)
            if regime == "b":
                bad = [r for r in runs if r["named"][0] == "none"
                       and r["best_outer"] - max(r["none_outer"].values()) >= 0.05]  # fmt: skip
                out += [f"Runs where an option beat no resampling by >= 0.05 on the outer test "
                        f"and the verdict named no resampling: {len(bad)}.", ""]  # fmt: skip
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tables", nargs="*", default=TABLES, help="also: " + ", ".join(KEEL))
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    parser.add_argument("--regime", nargs="*", default=["a", "b"], choices=list(REGIMES))
    parser.add_argument("--set", dest="sets", action="append", default=[],
                        help="a config override for every run (a variant)")  # fmt: skip
    parser.add_argument("--store", default=None, help="a store kept between runs (fit cache)")
    parser.add_argument("--out", default="benchmarks/results/verdict.jsonl")
    parser.add_argument(
        "--boards",
        default=None,
        help="a folder for each run's baseline draws (offline rule studies)",
    )
    parser.add_argument("--table", action="store_true", help="print the summary and stop")
    parser.add_argument(
        "--switch-study",
        action="store_true",
        help="print the verdict's regret at each switch level (needs --boards)",
    )
    args = parser.parse_args()
    out = Path(args.out)
    if args.table:
        print(summary(out))
        return
    if args.switch_study:
        print(switch_study(out, Path(args.boards)))
        return
    store = Path(args.store or tempfile.mkdtemp(prefix="equipoise-verdict-"))
    variant = " ".join(args.sets)
    done = set()
    if out.exists():
        done = {(r["table"], r["seed"], r["regime"], r.get("variant", ""))
                for r in map(json.loads, out.read_text().splitlines()) if r}  # fmt: skip
    for seed in args.seeds:
        for name in args.tables:
            for regime in args.regime:
                if (name, seed, regime, variant) in done:
                    continue
                try:
                    row = one(name, seed, regime, store, args.sets,
                              Path(args.boards) if args.boards else None)  # fmt: skip
                except Exception as error:  # a run that fails is a result too
                    row = {"table": name, "seed": seed, "regime": regime, "variant": variant,
                           "error": f"{type(error).__name__}: {error}"[:500]}  # fmt: skip
                with out.open("a") as handle:
                    handle.write(json.dumps(row, default=str) + "\n")
                keys = ("table", "seed", "regime", "exit", "method", "regret", "rules", "seconds",
                        "error")  # fmt: skip
                print(json.dumps({k: row.get(k) for k in keys}, default=str), flush=True)


if __name__ == "__main__":
    main()
