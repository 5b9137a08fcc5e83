"""Seeded, capped row samples for the statistics that allow sampling, and the note
that records each one in the report."""

from __future__ import annotations

import numpy as np


def capped(n: int, cap: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted positions of at most `cap` of `n` rows (all of them when n <= cap)."""
    if n <= cap:
        return np.arange(n)
    return np.sort(rng.choice(n, size=cap, replace=False))


def sample_note(what: str, sizes: dict[str, tuple[int, int]]) -> str | None:
    """'sampled 20,000 of 1,000,000 synthetic rows ... for <what>', or None if nothing was."""
    parts = [
        f"{kept:,} of {total:,} {side} rows"
        for side, (kept, total) in sizes.items()
        if kept < total
    ]
    if not parts:
        return None
    return f"sampled {' and '.join(parts)} for {what}"
