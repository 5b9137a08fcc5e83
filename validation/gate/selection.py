"""Intervals that hold after choosing the best: the gate picks the best synthetic entry
(a candidate × model × dose) and compares it with the best baseline, both chosen on the
same predictions that then score them. A plain paired interval of that one difference
ignores the choice (the winner's curse on both sides).

The rule here is a simultaneous one (single-step max-t, as in Romano and Wolf's
bootstrap multiple testing): for every pair (synthetic entry s, baseline entry b) the
difference d = m(s) - m(b) of the primary metric has bootstrap draws d* on the shared,
paired resamples and a standard error se (their spread). For each baseline b, the
critical value c_b is the quantile (1 - (1 - confidence) / 2) of the largest studentised
deviation max_s (d* - d) / se over every synthetic entry s at once (the other side for
the upper bounds), and the bound is d - c_b·se. Two small-sample guards, measured in
`benchmarks/selection.py` (with 20-50 minority rows the plain bootstrap max-t published
6-9 % of null sets): se is the larger of the bootstrap's and a delete-a-group
jackknife's (20 groups; the bootstrap's spread of PR-AUC differences was 7 % short of
the true one), and c_b is at least the Bonferroni normal quantile over the synthetic
candidates × models (a dose grid counts once: its doses move together). For the truly
best baseline b°, these
bounds hold for every s together, so they hold for the entry the gate chose, whichever
it is; publishing only when the chosen entry's lower bound against EVERY baseline
(b° among them, unknown which) reaches `min_uplift` keeps the chance of publishing a
set that is not better than the best baseline at or below (1 - confidence) / 2, however
many candidates, models and doses compete (simulated in `benchmarks/selection.py`,
BENCHMARKS.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from equipoise.validation.gate.scoring import ALL, Leaderboard, Row


@dataclass(frozen=True)
class Bounds:
    """Simultaneous bounds of every (synthetic entry, baseline entry) difference."""

    #: (synthetic entry key + dose, baseline key) -> (difference, low, high)
    pairs: dict[tuple[str, str], tuple[float, float, float]] = field(repr=False)
    #: the largest critical values of the lower and upper bounds (over the baselines)
    critical: tuple[float, float]
    synthetic_entries: int
    baseline_entries: int
    #: resamples left out because some difference had no value in them (NaN)
    nan_resamples: int
    resamples: int

    def of(self, synthetic: Row, baseline: Row) -> tuple[float, float, float]:
        return self.pairs[(entry_key(synthetic), baseline.candidate.key)]

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": "simultaneous max-t over every synthetic x baseline entry",
            "critical_low": self.critical[0],
            "critical_high": self.critical[1],
            "synthetic_entries": self.synthetic_entries,
            "baseline_entries": self.baseline_entries,
            "nan_resamples": self.nan_resamples,
            "resamples": self.resamples,
        }


def entry_key(row: Row) -> str:
    """A synthetic entry's key: candidate · model, and its dose when it has one."""
    dose = row.candidate.dose
    return row.candidate.key + ("" if dose is None else f" @ {dose['amount']:g}x{dose['weight']:g}")


def bounds(board: Leaderboard, metric: str, confidence: float) -> Bounds:
    """Simultaneous `confidence` bounds of every synthetic-minus-baseline difference of
    `metric`, each synthetic entry compared on its own scope's rows; one critical value
    per baseline, over all synthetic entries against it."""
    synthetic = [e for r in board.family("synthetic") for e in r.entries]
    baselines = board.family("baseline")
    groups = len(board.family("synthetic"))  # candidate x model: its doses count once
    pairs: dict[tuple[str, str], tuple[float, float, float]] = {}
    nan_resamples, resamples, criticals = 0, 0, []
    for b in baselines:
        keys, diffs, draws, jacks = [], [], [], []
        for s in synthetic:
            scope = s.candidate.scope
            point, drawn = b.on(scope)
            keys.append((entry_key(s), b.candidate.key))
            diffs.append(s.point[metric] - point[metric])
            draws.append(s.draws[metric] - drawn[metric])
            jacks.append(s.jackknife(scope, metric) - b.jackknife(scope, metric))
        if not keys:
            continue
        found, lost, kept, critical = _family(
            np.asarray(diffs), np.asarray(draws), np.asarray(jacks), confidence, groups
        )
        pairs.update(zip(keys, found, strict=True))
        nan_resamples, resamples = max(nan_resamples, lost), max(resamples, kept)
        criticals.append(critical)
    c_low = max((c[0] for c in criticals), default=0.0)
    c_high = max((c[1] for c in criticals), default=0.0)
    return Bounds(pairs, (c_low, c_high), len(synthetic), len(baselines), nan_resamples, resamples)


def _family(d: np.ndarray, D: np.ndarray, J: np.ndarray, confidence: float, groups: int):
    """Bounds of one baseline's family of differences (d: points, D: bootstrap draws, J:
    jackknife values, per pair): [(difference, low, high)], resamples lost to NaN,
    resamples kept, critical values."""
    from scipy.stats import norm

    finite = np.isfinite(D).all(axis=0)
    D = D[:, finite]
    lost = int((~finite).sum())
    nan = float("nan")
    if D.shape[1] < 2 or not np.isfinite(d).all():
        return [(float(v), nan, nan) for v in d], lost, D.shape[1], (nan, nan)
    se = D.std(axis=1, ddof=1)
    spread = se > 1e-12
    tail = (1 - confidence) / 2
    floor = float(norm.ppf(1 - tail / max(groups, 1)))
    c_low = c_high = 0.0
    if spread.any():
        t = (D[spread] - d[spread, None]) / se[spread, None]
        c_low = max(float(np.quantile(t.max(axis=0), 1 - tail)), floor)
        c_high = max(float(np.quantile((-t).max(axis=0), 1 - tail)), floor)
    g = J.shape[1]
    jack = np.sqrt((g - 1) / g * np.nansum((J - np.nanmean(J, axis=1, keepdims=True)) ** 2, 1))
    scale = np.fmax(se, np.nan_to_num(jack))
    low, high = d - c_low * scale, d + c_high * scale
    found = [(float(v), float(lo), float(hi)) for v, lo, hi in zip(d, low, high, strict=True)]
    return found, lost, D.shape[1], (c_low, c_high)


@dataclass(frozen=True)
class Advice:
    """Which real-data strategy the verdict names, and why: the baseline entry with the
    best estimate, except that no resampling (`none`) is named only when its
    simultaneous lower bound over every other real-data entry on its model is above 0
    at `gate.switch_confidence`; otherwise the reference strategy is named."""

    choice: Row
    #: the entry with the best estimate (the choice, unless it is `none` without evidence)
    best: Row
    reference: Row
    #: when `best` is `none`: the other entry on its model it leads by least (its lower
    #: bound is the smallest), that lead and its simultaneous bounds
    rival: Row | None = None
    uplift: float = 0.0
    low: float = float("nan")
    high: float = float("nan")
    #: other entries on `best`'s model that `none` was compared with
    compared: int = 0

    @property
    def guarded(self) -> bool:
        """The best estimate was no resampling, and it lacked the evidence to be named."""
        return self.choice is not self.best

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": "the best estimate; no resampling only when its simultaneous lower "
            "bound over every other real-data entry on its model is above 0, else the "
            "reference",
            "best": self.best.candidate.key,
            "reference": self.reference.candidate.key,
            "choice": self.choice.candidate.key,
            "guarded": self.guarded,
            "rival": None if self.rival is None else self.rival.candidate.key,
            "uplift": self.uplift,
            "ci_low": self.low,
            "ci_high": self.high,
            "compared": self.compared,
        }


def reference_model(board: Leaderboard, metric: str | None) -> str | None:
    """The downstream model the reference strategy is taken on: of the configured
    models, the one whose real-data entries (every strategy trained with it) score best
    on `metric` on average; the first on a tie, or when `metric` is None. The model is
    the large, well-measured difference between entries (a linear model against
    boosting on interactions); the strategy within it the small, noisy one
    (BENCHMARKS.md, "The reference rule on 36 more tables, in three batches")."""
    rows = board.family("baseline")
    specs = board.settings.model_specs
    names = [str(s) for s in specs] if specs else [rows[0].candidate.model] if rows else []
    if metric is None or len(names) < 2:
        return names[0] if names else None
    means = {}
    for name in names:
        values = [r.on(ALL)[0][metric] for r in rows if r.candidate.model == name]
        values = [v for v in values if np.isfinite(v)]
        if values:
            means[name] = float(np.mean(values))
    return max(names, key=lambda n: means.get(n, -np.inf))


def reference_row(
    board: Leaderboard, preference: tuple[str, ...], metric: str | None = None
) -> Row | None:
    """The reference baseline entry: the first strategy of `preference` that was trained,
    on `reference_model` when it has that strategy (else on its own model); `none` when
    no preferred strategy ran."""
    rows = board.family("baseline")
    if not rows:
        return None
    model = reference_model(board, metric)
    for name in (*preference, "none"):
        named = [r for r in rows if r.candidate.name == name]
        if named:
            return next((r for r in named if r.candidate.model == model), named[0])
    return rows[0]


def advise(board: Leaderboard, metric: str, confidence: float) -> Advice | None:
    """The strategy to name when nothing is published (see `Advice`). Naming no
    resampling when resampling would help is the costly mistake (the rare class goes
    unseen at the user's cut-off), and `none` leads on noise in the few-minority-row
    tables where it matters most, so it needs evidence that holds after choosing among
    its model's entries; between the other strategies the best estimate is named, since
    a strategy a little worse than the best costs little (BENCHMARKS.md, "Naming no
    resampling only on evidence")."""
    rows = board.family("baseline")
    reference = reference_row(board, tuple(board.settings.reference), metric)
    if reference is None:
        return None
    values = [r.on(ALL)[0][metric] for r in rows]
    best = rows[int(np.argmax(np.where(np.isfinite(values), values, -np.inf)))]
    others = [
        r for r in rows if r.candidate.model == best.candidate.model and r.candidate.name != "none"
    ]
    if best.candidate.name != "none" or not others:
        return Advice(best, best, reference)
    point, drawn = best.on(ALL)
    d = np.asarray([point[metric] - b.on(ALL)[0][metric] for b in others])
    D = np.asarray([drawn[metric] - b.on(ALL)[1][metric] for b in others])
    J = np.asarray([best.jackknife(ALL, metric) - b.jackknife(ALL, metric) for b in others])
    found, *_ = _family(d, D, J, confidence, len(others))
    lows = np.asarray([f[1] for f in found])
    closest = int(np.argmin(np.where(np.isfinite(lows), lows, -np.inf)))
    evidence = bool(np.isfinite(lows).all() and (lows > 0).all())
    if evidence:
        choice = best
    elif reference.candidate.name != "none":
        choice = reference
    else:  # no preferred strategy ran: the best other entry on the model
        choice = max(others, key=lambda r: np.nan_to_num(r.on(ALL)[0][metric], nan=-np.inf))
    return Advice(choice, best, reference, others[closest], *found[closest], compared=len(others))
