"""Target counts and the acceptance of validated rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from equipoise.pipeline.balance import accept, synthetic_counts, undersample_targets, with_spare


def test_synthetic_counts_reach_the_target_ratio():
    counts = {"a": 1000, "b": 100, "c": 600}
    assert synthetic_counts(counts, 1.0) == {"b": 900, "c": 400}
    assert synthetic_counts(counts, 0.5) == {"b": 400}


def test_undersample_targets_cap_the_larger_classes():
    counts = {"a": 1000, "b": 100, "c": 600}
    assert undersample_targets(counts, 1.0) == {"a": 100, "b": 100, "c": 100}
    assert undersample_targets(counts, 0.25) == {"a": 400, "b": 100, "c": 400}


def test_spare_rows_are_trimmed_after_validation():
    asked = {"x": 3, "y": 2}
    assert with_spare(asked) == {"x": 4, "y": 3}
    y = pd.Series(["x", "x", "x", "x", "y", "y", "y"])
    keep = np.array([True, False, True, True, True, True, True])
    np.testing.assert_array_equal(
        accept(keep, y, asked), [True, False, True, True, True, True, False]
    )
