"""The label filter is cross-fitted for every modality (`validation/label_filter.py`):
a synthetic sample is scored by a model that never saw the training sample it is
anchored to (its source, or its nearest training sample), and identical training
samples share a fold. Series and text used to fit one model on every training sample,
so an augmented copy was judged by a model that saw its source."""

from __future__ import annotations

import numpy as np

from equipoise.validation.label_filter import FOLDS, cross_fitted_proba, deal_folds


def test_no_sample_is_scored_by_a_model_that_saw_its_anchor():
    rng = np.random.default_rng(0)
    labels = np.array(["a"] * 40 + ["b"] * 12, dtype=object)
    keys = np.array([f"x{i}" for i in range(50)] + ["x0", "x1"], dtype=object)  # 2 repeats
    folds = deal_folds(keys, labels, rng)
    assert folds[50] == folds[0] and folds[51] == folds[1], "identical samples share a fold"
    assert set(folds) == set(range(FOLDS))
    anchors = {"synthetic": rng.integers(0, 52, 30), "holdout": rng.integers(0, 52, 10)}
    seen = []

    def fit_predict(rows, need):
        seen.append((set(rows.tolist()), {k: v.tolist() for k, v in need.items()}))
        return np.array(["a", "b"]), {k: np.tile([0.25, 0.75], (len(v), 1)) for k, v in
                                      need.items() if len(v)}  # fmt: skip

    proba = cross_fitted_proba(folds, anchors, ["b", "a"], fit_predict)
    assert proba["synthetic"].shape == (30, 2) and np.allclose(proba["synthetic"], [0.75, 0.25])
    scored = {name: 0 for name in anchors}
    for fitted, need in seen:
        for name, rows in need.items():
            for row in rows:
                assert anchors[name][row] not in fitted  # never its anchor
                assert not {i for i in range(52) if keys[i] == keys[anchors[name][row]]} & fitted
                scored[name] += 1
    assert scored == {"synthetic": 30, "holdout": 10}, "every sample scored once"
