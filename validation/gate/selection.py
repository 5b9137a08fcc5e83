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
    """Which real-data strategy the verdict names, and why. The model is that of the
    baseline entry with the best estimate; on it, the reference strategy is named unless
    another entry of that model beats it at `gate.switch_confidence` after choosing
    among them (simultaneous max-t lower bound of the difference above 0). No
    resampling (`none`) must also beat every other strategy of that model."""

    choice: Row
    reference: Row
    #: the entry with the best estimate, whose model the reference is taken on
    best: Row
    #: the other entry with the largest difference from the reference (the choice when
    #: it switched), that difference and its simultaneous bounds
    rival: Row | None = None
    uplift: float = 0.0
    low: float = float("nan")
    high: float = float("nan")
    #: entries of the model the reference was compared with
    compared: int = 0
    #: no resampling beat the reference but not every other strategy of its model
    held_back: Row | None = None

    @property
    def switched(self) -> bool:
        return self.choice is not self.reference

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": "on the model of the best real-data entry, the reference unless "
            "another entry's simultaneous lower bound over it is above 0 (no resampling: "
            "over every other entry of the model too)",
            "best": self.best.candidate.key,
            "reference": self.reference.candidate.key,
            "choice": self.choice.candidate.key,
            "switched": self.switched,
            "rival": None if self.rival is None else self.rival.candidate.key,
            "uplift": self.uplift,
            "ci_low": self.low,
            "ci_high": self.high,
            "compared": self.compared,
            "held_back": None if self.held_back is None else self.held_back.candidate.key,
        }


def reference_row(
    board: Leaderboard, preference: tuple[str, ...], metric: str | None = None
) -> Row | None:
    """The reference baseline entry: on the model of the entry with the best estimate of
    `metric` (the first configured model when `metric` is None), the first strategy of
    `preference` (then `none`) trained with it; that best entry itself when its model
    has none of them (a balanced ensemble's own model). Choosing the model by the best
    entry lets boosting or a balanced forest carry the verdict on tables whose class
    depends on interactions, where a linear model trails with every strategy
    (BENCHMARKS.md, "Naming no resampling only on evidence")."""
    rows = board.family("baseline")
    if not rows:
        return None
    if metric is None:
        specs = board.settings.model_specs
        first = str(specs[0]) if specs else rows[0].candidate.model
        best = next((r for r in rows if r.candidate.model == first), rows[0])
    else:
        best = board.best("baseline", ALL, metric)
    on_model = [r for r in rows if r.candidate.model == best.candidate.model]
    for name in (*preference, "none"):
        named = [r for r in on_model if r.candidate.name == name]
        if named:
            return named[0]
    return best


def _bounds_over(row: Row, others: list[Row], metric: str, confidence: float, sign: int):
    """Simultaneous bounds of sign·(other − row) for every other entry."""
    point, drawn = row.on(ALL)
    d = np.asarray([sign * (b.on(ALL)[0][metric] - point[metric]) for b in others])
    D = np.asarray([sign * (b.on(ALL)[1][metric] - drawn[metric]) for b in others])
    J = np.asarray([sign * (b.jackknife(ALL, metric) - row.jackknife(ALL, metric)) for b in others])
    found, *_ = _family(d, D, J, confidence, len(others))
    return found


def advise(board: Leaderboard, metric: str, confidence: float) -> Advice | None:
    """The strategy to name when nothing is published (see `Advice`): a noisy argmax over
    a dozen baseline entries scored on few minority rows picks a lucky strategy, so the
    reference changes only on evidence that holds after that choice; the model, the
    large and well-measured difference between entries, follows the best entry. No
    resampling where resampling helps leaves the rare class unseen at the user's
    cut-off, so it needs more: it must beat every other strategy of its model."""
    reference = reference_row(board, tuple(board.settings.reference), metric)
    if reference is None:
        return None
    best = board.best("baseline", ALL, metric)
    model = reference.candidate.model
    others = [
        b for b in board.family("baseline") if b is not reference and b.candidate.model == model
    ]
    if not others:
        return Advice(reference, reference, best)
    found = _bounds_over(reference, others, metric, confidence, +1)
    common = {"compared": len(others)}
    clear = sorted(
        (
            pair
            for pair in zip(others, found, strict=True)
            if np.isfinite(pair[1][1]) and pair[1][1] > 0
        ),
        key=lambda pair: -pair[1][0],
    )
    held_back = None
    for row, (uplift, low, high) in clear:
        if row.candidate.name == "none":
            rest = [b for b in others if b is not row] + [reference]
            lows = [f[1] for f in _bounds_over(row, rest, metric, confidence, -1)]
            if not (np.isfinite(lows).all() and (np.asarray(lows) > 0).all()):
                held_back = row
                continue
        return Advice(row, reference, best, row, uplift, low, high, **common)
    d = np.asarray([f[0] for f in found])
    closest = int(np.argmax(np.where(np.isfinite(d), d, -np.inf)))
    return Advice(reference, reference, best, others[closest], *found[closest], **common,
                  held_back=held_back)  # fmt: skip
