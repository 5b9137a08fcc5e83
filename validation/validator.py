"""The one validator: a modality's inputs, then its list of checks (`validation/check.py`)
in order, per generated class; every modality's plug-in calls it with its own list
(`Modality.checks`). What a failure means is the check's, not the validator's."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from equipoise.dataspec import InputError, ValidationFailed
from equipoise.validation.check import Check, Context, Run
from equipoise.validation.report import ValidationReport
from equipoise.validation.results import CheckResult


@dataclass(frozen=True)
class Inputs:
    """How one modality's samples enter the validator."""

    #: the settings class (its defaults are the documented ones)
    settings: type
    #: what one sample and several are called in messages ("image", "images")
    unit: str
    units: str
    #: (schema, train, holdout, synthetic) -> the three pairs checked and converted to
    #: (X in the modality's form, labels as an array); InputError / ValidationFailed
    prepare: Callable[[Any, Any, Any, Any], tuple[tuple, tuple, tuple]]


def validate(
    inputs: Inputs,
    checks: Sequence[Check],
    schema: Any,
    *,
    train: Any,
    holdout: Any,
    synthetic: Any,
    settings: Any = None,
    seed: int = 0,
    reports_dir: str | Path | None = None,
    rows_only: bool = False,
    **given: Any,
) -> ValidationReport:
    """Check synthetic samples against the real training split and the holdout (the
    reference of each figure), per class that received synthetic samples.

    `rows_only`: only the checks that can drop samples (`Check.drops`), for the cross-
    fitted gate's per-fold refits of a generator whose output passed the full validation.
    `given`: figures computed elsewhere, under their `Run.once` key (images: `judge`).

    Raises ValidationFailed for synthetic samples that dropping cannot repair and
    InputError for bad real samples or settings; threshold failures are in the report
    (`passed` False, `failures`)."""
    started = time.perf_counter()
    settings = inputs.settings() if settings is None else settings
    if not isinstance(settings, inputs.settings):
        raise InputError(
            f"settings must be a {inputs.settings.__name__}, got {type(settings).__name__}"
        )
    train, holdout, synthetic = inputs.prepare(schema, train, holdout, synthetic)
    run = Run(
        schema, train, holdout, synthetic, settings, seed,
        Path(reports_dir) if reports_dir is not None else None, rows_only, inputs.units,
        keep=np.ones(len(synthetic[1]), dtype=bool), memo=dict(given),
    )  # fmt: skip
    active = [c for c in checks if c.drops or not rows_only]
    if rows_only:
        skipped = ", ".join(c.name for c in checks if c not in active) or "none"
        run.notes.append(f"rows_only: only the checks that can drop {inputs.units} ran; "
                         f"not run: {skipped}")  # fmt: skip
    for check in active:
        check.start(run)
    classes, results = _per_class(run, active, _generated(run))
    for check in active:
        check.finish(run)
    run.timings["total"] = time.perf_counter() - started
    return ValidationReport(
        settings=settings, keep=run.keep, checks=results, schema=run.schema_report,
        classes=classes, notes=run.notes,
        timings={k: round(v, 3) for k, v in run.timings.items()},
        extra_failures=_none_kept(classes, active, inputs.unit),
        closest_pairs=run.closest_pairs, utility=run.details.get("utility", {}),
        rows_only=rows_only,
    )  # fmt: skip


def _generated(run: Run) -> list[Any]:
    """The classes that received synthetic samples; each must have training samples."""
    y_syn, y_train = np.asarray(run.synthetic[1]), np.asarray(run.train[1])
    generated = [c for c in run.schema.classes if (y_syn == c).any()]
    missing = [c for c in generated if not (y_train == c).any()]
    if missing:
        units = run.units
        raise ValidationFailed(
            f"there are synthetic {units} of classes {missing} that have no real training "
            f"{units}; a generator may only add {units} to classes it was fitted on"
        )
    return generated


def _per_class(
    run: Run, checks: list[Check], generated: list[Any]
) -> tuple[dict[Any, dict[str, Any]], list[CheckResult]]:
    """Every check on every generated class, in order; the samples each drops leave
    `run.keep` before the next check runs."""
    classes: dict[Any, dict[str, Any]] = {}
    results: list[CheckResult] = []
    t = time.perf_counter()
    y_syn, y_train, y_hold = (np.asarray(y) for y in (run.synthetic[1], run.train[1],
                                                      run.holdout[1]))  # fmt: skip
    for label in generated:
        mine = y_syn == label
        ctx = Context(run, label, mine, np.flatnonzero(mine & run.keep), y_train == label,
                      y_hold == label)  # fmt: skip
        counts: dict[str, int] = {}
        sections: dict[str, Any] = {}
        for check in checks:
            out = check.run(ctx)
            results += out.results if check.on_failure != "report" else _reported(out.results)
            run.notes += out.notes
            if check.reason is not None:
                dropped = np.asarray([] if out.drop is None else out.drop, dtype=np.int64)
                run.keep[dropped] = False
                counts[check.reason] = counts.get(check.reason, 0) + len(dropped)
            if check.section is not None:
                sections[check.section] = _merged(sections.get(check.section), out.details)
        rows = {
            "synthetic": int(mine.sum()),
            **counts,
            "kept": int(run.keep[mine].sum()),
            "real_train": int(ctx.in_train.sum()),
            "real_holdout": int(ctx.in_hold.sum()),
        }
        classes[label] = {"rows": rows, **sections}  # fmt: skip
    run.timings["per_class"] = time.perf_counter() - t
    return classes, results


def _reported(results: list[CheckResult]) -> list[CheckResult]:
    """The results of a check that only reports: a failing one does not fail the run."""
    return [replace(r, passed=None) if r.passed is False else r for r in results]


def _merged(before: Any, details: Any) -> Any:
    """Two checks' figures in one section (series: DTW next to the near copies)."""
    if isinstance(before, dict) and isinstance(details, dict):
        return before | details
    return details if details is not None else before


def _none_kept(classes: dict[Any, dict[str, Any]], checks: list[Check], unit: str) -> list[str]:
    """A class of which no synthetic sample survived the dropping checks is a failure."""
    titles = [c.title for c in checks if c.drops]
    named = ", ".join(titles[:-1]) + " and " + titles[-1] if len(titles) > 1 else "".join(titles)
    return [
        f"rows.kept: class {c!r}: no synthetic {unit} survived the {named} checks"
        for c, info in classes.items()
        if info["rows"]["kept"] == 0
    ]
