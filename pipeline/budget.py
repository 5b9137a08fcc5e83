"""The run's time budget and the default portfolio, decided here and nowhere else.

- Which generators of a default run (a table job that names none) are left out before
  fitting: those the rarest minority class is too small for, and below
  `SMALL_CLASS_ROWS` training rows of that class the epoch-trained ones (CTGAN memorised a
  48-row class: issue 11), so only the cheap ones run.
- What each epoch-trained fit may spend: `FIT_SHARE` of the budget left when fitting
  starts, split evenly between them; `generators/progress.py` times the first epoch,
  trains as many as fit (at most the configured ones), stops early when the share is
  spent and skips a generator when fewer than `MIN_EPOCHS` fit. Epochs the user set
  (`params.epochs`) are kept, with a warning when they do not fit.
- What the manifest records about it (`record`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where used: config.py reads the default from here
    from equipoise.generators import Generator, Resampler
    from equipoise.generators.progress import EpochBudget
    from equipoise.pipeline.config import JobConfig

#: `budget:` when the job sets none (minutes, every modality)
DEFAULT_BUDGET_MINUTES = 5.0
#: share of the budget left at the first fit that the epoch-trained fits may use
#: together; the rest is for sampling, validation, the gate and the report, which took
#: 180 s of a quiet 2-core run on a 10,000-row table (BENCHMARKS.md, "The default
#: portfolio and the time budget")
FIT_SHARE = 0.35
#: the fewest epochs worth training; a generator that cannot fit them is skipped
MIN_EPOCHS = 10
#: below this many training rows in the rarest minority class, a default run leaves out
#: its epoch-trained generators (BENCHMARKS.md, "The default portfolio and the budget")
SMALL_CLASS_ROWS = 100


def rarest_minority(y_train: Any) -> int:
    """Training rows of the smallest class that synthetic rows are made for."""
    import pandas as pd

    counts = pd.Series(y_train).value_counts()
    return int(counts.iloc[1:].min()) if len(counts) > 1 else 0


def portfolio_skips(
    job: JobConfig, names: Sequence[str], generators: Sequence[Any], y_train: Any
) -> dict[str, str]:
    """Generators of the default portfolio to leave out before fitting, with why; none
    when the job names its generators (they fail with their own message instead)."""
    from equipoise.generators import Generator

    if not job.uses_portfolio:
        return {}
    rarest = rarest_minority(y_train)
    skips: dict[str, str] = {}
    for name, gen in zip(names, generators, strict=True):
        need, why = gen.min_class_rows()
        if rarest < need:
            skips[name] = (
                f"{name} skipped: the rarest minority class has {rarest} training rows; "
                f"it needs at least {why}"
            )
        elif isinstance(gen, Generator) and gen.trains_epochs and rarest < SMALL_CLASS_ROWS:
            skips[name] = (
                f"{name} skipped: the rarest minority class has {rarest} training rows, "
                f"fewer than {SMALL_CLASS_ROWS}; deep models memorise classes that small, "
                "so only the cheap generators run (name it with --generator to run it anyway)"
            )
    if len(skips) == len(names):  # nothing would run: let the first say what to do
        skips.pop(names[0])
    return skips


def fit_budgets(
    job: JobConfig, generators: Sequence[Generator | Resampler | None], spent_s: float
) -> list[EpochBudget | None]:
    """Each fit's budget (None: no epochs to hold to it, or left out), given the seconds
    the run has spent before fitting."""
    from equipoise.generators import Generator
    from equipoise.generators.progress import EpochBudget

    trained = [i for i, g in enumerate(generators) if isinstance(g, Generator) and g.trains_epochs]
    left = max(job.budget * 60 - spent_s, 0.0)
    share = left * FIT_SHARE / max(len(trained), 1)
    configs = job.generators
    return [
        EpochBudget(share, fixed="epochs" in configs[i].params, min_epochs=MIN_EPOCHS)
        if i in trained
        else None
        for i in range(len(generators))
    ]


def record(job: JobConfig, rarest: int, candidates: Sequence[Any]) -> dict[str, Any]:
    """The manifest's `budget`: the budget, the portfolio rules and, per generator, what
    ran, what was skipped and why, and the epochs chosen."""
    return {
        "minutes": job.budget,
        "fit_share": FIT_SHARE,
        "min_epochs": MIN_EPOCHS,
        "default_portfolio": job.uses_portfolio,
        "small_class_rows": SMALL_CLASS_ROWS,
        "rarest_minority_train_rows": rarest,
        "generators": {
            c.name: {
                "ran": c.skipped is None,
                **({"skipped": c.skipped} if c.skipped else {}),
                "epochs": c.epochs(),
            }
            for c in candidates
        },
    }
