"""What the fidelity checks of the array modalities (images, series) share: the capped,
seeded samples of a class's rows they compare, and one result per figure with its
threshold (none below the class size that gates it) and the real holdout's own figure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from equipoise.validation.check import Context
from equipoise.validation.results import CheckResult, meets
from equipoise.validation.sampling import capped, sample_note


@dataclass(frozen=True)
class Figure:
    """One fidelity figure: the setting holding its threshold (None: reported only), how
    the value must compare to it, and what a failure means."""

    name: str
    setting: str | None
    op: str = "<="
    advice: str = ""


def figure_results(
    context: Context, values: Mapping[str, Any], reference: Mapping[str, Any],
    figures: Sequence[Figure], *, gated: bool, noun: str,
) -> list[CheckResult]:  # fmt: skip
    """One result per figure; a threshold that is None (or `gated` False) makes it
    informational. The advice names the real holdout's own figure."""
    out = []
    for f in figures:
        value, ref = values[f.name], reference[f.name]
        limit = getattr(context.settings, f.setting) if f.setting and gated else None
        held = f" (real holdout {noun}: {ref:.3f})" if ref is not None else ""
        out.append(CheckResult(f"fidelity.{f.name}", context.label, value, limit,
                               meets(value, limit, f.op), op=f.op, setting=f.setting,
                               advice=f.advice + held))  # fmt: skip
    return out


def class_samples(
    context: Context, cap: int, rng: np.random.Generator, *, holdout: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str | None]:
    """Positions of at most `cap` training, kept synthetic and (with `holdout`) holdout
    samples of the class, drawn in that order, and the note that says so."""
    train, rows = np.flatnonzero(context.in_train), context.rows
    r = train[capped(len(train), cap, rng)]
    s = rows[capped(len(rows), cap, rng)]
    hold = np.flatnonzero(context.in_hold)
    h = hold[capped(len(hold), cap, rng)] if holdout else hold
    note = sample_note(
        f"class {context.label!r} fidelity",
        {"training": (len(r), len(train)), "synthetic": (len(s), len(rows))},
    )
    return r, s, h, note  # fmt: skip


def ungated_note(label: Any, n: int, noun: str, least: int) -> str | None:
    """The note of a class too small for its fidelity figures to fail the run."""
    if n >= least:
        return None
    return (f"class {label!r}: {n} synthetic {noun}; its fidelity figures are reported, not "
            f"gated (fewer than {least})")  # fmt: skip
