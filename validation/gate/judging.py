"""Where the gate's candidates are trained and which real rows score them.

The holdout judges when it holds at least `gate.cross_fit_below` rows of every class:
each candidate is trained on the training split and predicts the holdout, which no
generator saw. With fewer (a 30-row class leaves about 8 in the holdout, too few to tell
strategies apart), the gate cross-fits on every real row (`gate.cross_fit: auto`, the
default; `always`, `never`): repeated stratified folds over training split + holdout;
in each fold every candidate trains on the other folds and predicts the fold, and the
out-of-fold predictions of all rows are pooled (averaged over repeats). No candidate is
scored on a row that its model, encoder, scaler or generator saw:

- baselines are refitted per fold (their encoders and samplers are in their pipelines);
- a synthetic candidate whose generator is cheap to refit (`refit_cheaply`; the
  pipeline gives its `refit`) is fitted again on each fold's training rows, sampled and
  validated against the fold (`pipeline.candidates.refitter`), and is scored on all rows;
- a synthetic candidate whose generator is too costly to refit (CTGAN, ForestFlow,
  diffusion ...) keeps the rows of its one fit on the training split; in each fold they
  join the fold's training rows, and it is scored on the holdout rows alone, the only
  real rows its generator never saw. It competes, compared with every baseline on those
  same rows (`scoring.py`'s scopes), with a wider interval: it is never left out
  silently, and `judged` says per candidate how it was judged.

Each dose of a synthetic candidate's grid is an entry; the choice of the best dose, the
best candidate and the best baseline is accounted for by the simultaneous interval of
`selection.py`. The units of work (a baseline or a synthetic candidate on one fold: its
refit, then every model × dose) run through a mapper: worker processes on this
machine's cores by default (`parallel.py`, `gate.jobs`), or the flow's Dask cluster.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from equipoise.dataspec.encoding import model_labels
from equipoise.dataspec.seeding import derive_seed
from equipoise.dataspec.threads import limited_threads
from equipoise.validation.gate.arena import (
    Arena,
    Mapper,
    Pair,
    Progress,
    Refit,
    SyntheticSet,
    concat,
    take,
)
from equipoise.validation.gate.scoring import (
    ALL,
    CandidateScores,
    Leaderboard,
    score_candidates,
)

#: the scope of candidates judged on the holdout rows alone in a cross-fitted gate
HOLDOUT = "holdout"


def reason(arena: Arena) -> str | None:
    """Why the gate should cross-fit (`gate.cross_fit`), None when the holdout judges."""
    settings = arena.settings
    if settings.cross_fit == "never":
        return None
    held = pd.Series(np.asarray(arena.holdout[1], dtype=object)).value_counts()
    few = held[held < settings.cross_fit_below]
    missing = [c for c in arena.classes if c not in held.index]
    if missing:
        return f"the holdout has no rows of class {missing[0]!r}"
    if len(few):
        return (
            f"the holdout has {int(few.iloc[-1])} rows of class {few.index[-1]!r} "
            f"(fewer than {settings.cross_fit_below})"
        )
    return "gate.cross_fit is always" if settings.cross_fit == "always" else None


@dataclass(frozen=True)
class Source:
    """What one unit trains: a baseline's entries, or a synthetic candidate's (its rows
    as given, rows to put beside the fold's real rows, or a per-fold refit)."""

    name: str
    family: str
    data: Any = None
    refit: Refit | None = None
    #: the synthetic rows alone, to join each fold's training rows (costly generators)
    rows: Pair | None = None
    scope: str = ALL
    judged: str = ""


@dataclass(frozen=True)
class Unit:
    """A source on one fold: the fold's arena (train: the rows it trains on, holdout:
    the rows it predicts) and where those rows sit among the board's rows."""

    arena: Arena
    source: Source
    repeat: int
    fold: int
    test_rows: np.ndarray = field(repr=False)


@dataclass
class Done:
    """What one unit gave: the entries' predictions, those that failed, and why the
    whole source failed on this fold (its refit), if it did."""

    unit: Unit
    scores: list[CandidateScores]
    skipped: list[dict[str, str]]
    failure: str | None = None


def judge(
    arena: Arena,
    synthetic_sets: Mapping[str, SyntheticSet | Pair],
    refit: Mapping[str, Refit],
    *,
    progress: Progress | None = None,
    mapper: Mapper | None = None,
) -> Leaderboard:
    """Plan the units (holdout or cross-fitting), run them, pool and score."""
    from equipoise.validation.gate.baselines import applicable
    from equipoise.validation.gate.parallel import local_mapper, workers

    settings = arena.settings
    why = reason(arena)
    baselines = [Source(n, "baseline") for n in applicable(arena)]
    if why is None:
        units, method, rows, left_out = _holdout_plan(arena, synthetic_sets, baselines)
    else:
        units, method, rows, left_out = _cross_fit_plan(
            arena, synthetic_sets, refit, baselines, why
        )
    # a mapper may say where it runs (`parallel.dask_mapper`: "dask: N workers")
    method["jobs"] = getattr(mapper, "where", "custom") if mapper else workers(settings.jobs)
    mapper = mapper or local_mapper(settings.jobs)
    done: list[Done] = []
    label = "gate: cross-fitting" if method["method"] == "cross_fit" else "gate: training"
    for i, result in enumerate(mapper(run_unit, units), start=1):
        done.append(result)
        if progress:
            progress(label, i, len(units))
    return _board(arena, done, rows, method, left_out)


def run_unit(unit: Unit) -> Done:
    """Train every entry of one source on one fold (in a worker process, pinned to one
    thread); an entry that fails is listed with its error, not raised."""
    from equipoise.validation.gate.baselines import BASELINES

    arena, src = unit.arena, unit.source
    with limited_threads():
        if src.family == "baseline":
            entries = BASELINES[src.name].entries(arena, src.name, "baseline", arena.train)
        else:
            data = src.data
            if src.refit is not None:
                seed = derive_seed(arena.seed, src.name, unit.repeat, unit.fold)
                try:
                    data = src.refit(arena.train, arena.holdout, seed)
                except ValueError as error:
                    return Done(
                        unit, [], [], f"could not be refitted on fold {unit.fold + 1}: {error}"
                    )
            elif src.rows is not None:
                data = SyntheticSet(arena.train, src.rows)
            if isinstance(data, SyntheticSet) and not arena.settings.dose_grid:
                data = data.joined()
            entries = BASELINES["none"].entries(arena, src.name, "synthetic", data)
        scores, skipped = [], []
        for entry in entries:
            try:
                scores.append(dataclasses.replace(entry.run(), scope=src.scope, judged=src.judged))
            except Exception as error:  # any estimator's failure leaves the entry, said
                what = {"candidate": entry.name, "family": entry.family, "model": entry.model}
                message = str(error) or type(error).__name__
                skipped.append({**what, "error": message, "fold": unit.fold + 1})
    return Done(unit, scores, skipped)


# --------------------------------------------------------------------------- plans


def _holdout_plan(arena: Arena, sets: Mapping[str, Any], baselines: list[Source]):
    rows = len(arena.holdout[1])
    judged = f"on the real holdout ({rows} rows) that no generator saw"
    sources = [dataclasses.replace(b, judged=judged) for b in baselines]
    sources += [Source(n, "synthetic", data=d, judged=judged) for n, d in sets.items()]
    every = np.arange(rows)
    units = [Unit(arena, s, 0, 0, every) for s in sources]
    sentence = f"judged on the real holdout ({rows} rows) that no generator saw"
    method = {"method": "holdout", "rows": rows, "sentence": sentence}
    return units, method, (arena.holdout, None), {}


def _cross_fit_plan(
    arena: Arena,
    sets: Mapping[str, Any],
    refit: Mapping[str, Refit],
    baselines: list[Source],
    why: str,
):
    from sklearn.model_selection import StratifiedKFold

    settings = arena.settings
    X = concat(arena.train[0], arena.holdout[0])
    y = concat(arena.train[1], arena.holdout[1])
    labels = np.asarray(y, dtype=object)
    n, held = len(labels), len(arena.holdout[1])
    in_holdout = np.r_[np.zeros(n - held, dtype=int), np.ones(held, dtype=int)]
    smallest = int(pd.Series(labels).value_counts().min())
    folds = max(2, min(settings.cross_fit_folds, smallest))
    repeats = settings.cross_fit_repeats
    sources, on_holdout, left_out = _cross_fit_sources(sets, refit, baselines, n, held)
    # strata: class x holdout membership, so that every fold holds its share of both
    strata = np.array([f"{c}|{h}" for c, h in zip(model_labels(labels), in_holdout, strict=True)])
    if pd.Series(strata).value_counts().min() < folds:
        strata = model_labels(labels)
    # a rare rule's class: its holdout rows are scored, never trained on
    held_only = in_holdout.astype(bool) & np.isin(labels, np.asarray(arena.scored_only, object))
    units = []
    for r in range(repeats):
        cv = StratifiedKFold(folds, shuffle=True, random_state=derive_seed(arena.seed, "cv", r))
        for k, (fit_rows, test_rows) in enumerate(cv.split(labels, strata)):
            fit_rows = fit_rows[~held_only[fit_rows]]
            fold = dataclasses.replace(
                arena, train=(take(X, fit_rows), take(y, fit_rows)),
                holdout=(take(X, test_rows), take(y, test_rows)),
            )  # fmt: skip
            units += [Unit(fold, s, r, k, test_rows) for s in sources]
    refitted = sorted(n for n in sets if n in refit)
    sentence = (
        f"judged by {folds}-fold cross-fitting"
        + (f" repeated {repeats}×" if repeats > 1 else "")
        + f" on all {n} real rows because {why}; refitted per fold: "
        + (", ".join(refitted) or "none")
    )
    if on_holdout:
        sentence += f"; judged on the {held} holdout rows alone: {', '.join(on_holdout)}"
    if left_out:
        sentence += f"; left out: {', '.join(left_out)}"
    if held_only.any():
        classes = ", ".join(map(repr, arena.scored_only))
        sentence += (
            f"; the holdout's {int(held_only.sum())} rows of class(es) {classes} are scored, "
            "never trained on (the rare rule)"
        )
    return units, _method(folds, repeats, n, held, why, refitted, on_holdout, left_out,
                          sentence), ((X, y), in_holdout), left_out  # fmt: skip


def _method(folds, repeats, n, held, why, refitted, on_holdout, left_out, sentence) -> dict:
    """`gate.method` of a cross-fitted gate."""
    return {
        "method": "cross_fit", "folds": folds, "repeats": repeats, "rows": n,
        "holdout_rows": held, "reason": why, "refitted": refitted, "on_holdout": on_holdout,
        "not_refitted": left_out, "sentence": sentence,
    }  # fmt: skip


def _cross_fit_sources(sets, refit, baselines, n: int, held: int):
    """The cross-fitted gate's sources (every baseline, each synthetic set refitted per
    fold or judged on the holdout alone), and the sets judged on the holdout or left out."""
    everywhere = f"cross-fitted: out-of-fold predictions of all {n} real rows"
    sources = [dataclasses.replace(b, judged=everywhere) for b in baselines]
    left_out: dict[str, str] = {}
    on_holdout: dict[str, str] = {}
    for name, data in sets.items():
        if name in refit:
            judged = f"{everywhere}; its generator refitted on each fold's training rows"
            sources.append(Source(name, "synthetic", refit=refit[name], judged=judged))
        elif isinstance(data, SyntheticSet):
            on_holdout[name] = (
                f"on the {held} holdout rows alone (out-of-fold): its generator was fitted once "
                "on the training split, too costly to refit per fold, so only the holdout is "
                "unseen by it"
            )
            sources.append(Source(name, "synthetic", rows=data.synthetic, scope=HOLDOUT,
                                  judged=on_holdout[name]))  # fmt: skip
        else:
            left_out[name] = (
                "its rows cannot be told apart from the training split's and it cannot be "
                "refitted per fold; left out of the cross-fitted gate"
            )
    return sources, on_holdout, left_out


# --------------------------------------------------------------------------- pooling


def _board(arena: Arena, done: list[Done], rows, method: dict, left_out: dict) -> Leaderboard:
    """Pool every entry's predictions over folds and repeats and score them."""
    (_, y), in_holdout = rows
    n, k = len(y), len(arena.classes)
    repeats = method.get("repeats", 1)
    folds = method.get("folds", 1)
    left_out = dict(left_out)
    skipped: list[dict[str, str]] = []
    proba: dict[tuple, np.ndarray] = {}
    runs: dict[tuple, list[CandidateScores]] = {}
    for result in done:
        unit = result.unit
        if result.failure:
            left_out.setdefault(unit.source.name, result.failure)
        skipped += result.skipped
        for cand in result.scores:
            key = (cand.name, cand.family, cand.model, _dose_key(cand.dose))
            if key not in proba:
                proba[key] = np.full((repeats, n, k), np.nan)
            proba[key][unit.repeat, unit.test_rows] = cand.proba
            runs.setdefault(key, []).append(cand)
    holdout_rows = np.flatnonzero(in_holdout) if in_holdout is not None else None
    scopes = {} if holdout_rows is None else {"holdout": holdout_rows}
    pooled, incomplete = [], set()
    for key, values in proba.items():
        first = runs[key][0]
        if first.family == "synthetic" and first.name in left_out:  # a baseline may share
            continue  # its name (smote): only the synthetic candidate left
        scope_rows = scopes.get(first.scope, np.arange(n))
        if np.isnan(values[:, scope_rows]).any():
            incomplete.add((first.name, first.model))
            continue
        pooled.append(_pooled(runs[key], values, scope_rows, folds, repeats))
    once: dict[tuple, dict] = {}
    for s in skipped:  # the first error of each candidate x model
        once.setdefault((s["candidate"], s["family"], s["model"]), s)
    board_skipped = list(once.values())
    board_skipped += [
        {"candidate": name, "family": "synthetic", "model": "all", "error": why}
        for name, why in left_out.items()
    ]
    if not pooled:
        from equipoise.dataspec.errors import InputError

        first = board_skipped[0]["error"] if board_skipped else "no entries"
        raise InputError(f"gate: no candidate could be trained ({first})")
    board = score_candidates(
        y, pooled, classes=arena.classes, settings=arena.settings,
        seed=derive_seed(arena.seed, "bootstrap"), minority=arena.minority, scopes=scopes,
        strata=in_holdout,
    )  # fmt: skip
    board.skipped = board_skipped
    method["not_refitted"] = {**method.get("not_refitted", {}), **left_out}
    board.method = method
    return board


def _dose_key(dose: dict[str, Any] | None) -> tuple | None:
    return None if dose is None else (dose["amount"], dose["weight"])


def _pooled(
    runs: list[CandidateScores], proba: np.ndarray, scope_rows: np.ndarray, folds: int, repeats: int
) -> CandidateScores:
    """One entry's folds and repeats as one: averaged predictions (NaN outside its
    scope), the mean cut-off, the mean count of synthetic rows."""
    first = runs[0]
    mean = np.full(proba.shape[1:], np.nan)
    mean[scope_rows] = proba[:, scope_rows].mean(axis=0)
    if len(runs) == 1:
        return dataclasses.replace(first, proba=mean)
    cuts = [c.threshold for c in runs if c.threshold is not None]
    note = f"out-of-fold predictions of {folds} folds" + (
        f", averaged over {repeats} repeats" if repeats > 1 else ""
    )
    if cuts:
        note += f"; threshold: mean of {len(cuts)} per-fold cut-offs"
    dose = first.dose
    if dose is not None:
        dose = {**dose, "rows": round(float(np.mean([c.dose["rows"] for c in runs])))}
        note += f"; {dose['rows']} synthetic rows per fold on average at weight {dose['weight']:g}"
    return dataclasses.replace(
        first, proba=mean, threshold=float(np.mean(cuts)) if cuts else None, note=note, dose=dose
    )
