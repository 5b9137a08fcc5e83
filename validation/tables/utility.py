"""Utility of a generator's rows, train-on-synthetic / test-on-real (TSTR): a gate
downstream model trained on the synthetic rows of the generated classes plus the real
training rows of the other classes, scored on the real holdout (PR-AUC, i.e. average
precision, of each generated class against the rest), next to the same model trained on
the real training split.

It shows how much of a class's signal the generator captured: near the real figure, the
synthetic rows alone carry what the real ones do; far below it, the rows may look right
column by column and still not tell the class apart. Informational, not a check: the
gate judges what the rows are for (real plus synthetic against the baselines), and a
generator far below the real figure can still help the real rows.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from equipoise.dataspec import TableSchema
from equipoise.dataspec.encoding import model_labels
from equipoise.validation.gate.tables import downstream_model
from equipoise.validation.results import jsonable


def tstr(
    schema: TableSchema,
    train: tuple[pd.DataFrame, pd.Series],
    holdout: tuple[pd.DataFrame, pd.Series],
    synthetic: tuple[pd.DataFrame, pd.Series],
    models: tuple[str, ...],
    seed: int,
) -> dict[str, Any]:
    """Per model and generated class: the holdout PR-AUC trained on synthetic rows
    (`synthetic`) and on the real training split (`real`), and their difference."""
    X_train, y_train = train
    X_hold, y_hold = holdout
    X_syn, y_syn = synthetic
    generated = [c for c in schema.classes if (y_syn == c).any()]
    if not generated or not models:
        return {}
    other = ~y_train.isin(generated).to_numpy()
    X_tstr = pd.concat([X_train[other], X_syn], ignore_index=True)
    y_tstr = pd.concat([y_train[other], y_syn], ignore_index=True)
    if y_tstr.nunique() < 2:
        return {"note": "the synthetic rows make up every class: nothing to contrast them with"}
    hold = y_hold.to_numpy(dtype=object)
    out: dict[str, Any] = {
        "metric": "pr_auc",
        "rows": {"synthetic": len(y_syn), "real_other_classes": int(other.sum())},
        "models": {},
    }
    for name in models:
        real = _average_precision(schema, name, (X_train, y_train), X_hold, hold, generated, seed)
        syn = _average_precision(schema, name, (X_tstr, y_tstr), X_hold, hold, generated, seed)
        out["models"][name] = {
            str(c): {
                "synthetic": syn[c],
                "real": real[c],
                "difference": None if None in (syn[c], real[c]) else syn[c] - real[c],
            }
            for c in generated
        }
    return jsonable(out)


def _average_precision(
    schema: TableSchema,
    name: str,
    train: tuple[pd.DataFrame, pd.Series],
    X_hold: pd.DataFrame,
    y_hold: np.ndarray,
    generated: list,
    seed: int,
) -> dict[Any, float | None]:
    from sklearn.metrics import average_precision_score

    model = downstream_model(name, schema, seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter
        model.fit(train[0], model_labels(train[1]))
        proba = model.predict_proba(X_hold)
    columns = {c: i for i, c in enumerate(model.classes_)}
    return {
        c: float(average_precision_score(y_hold == c, proba[:, columns[c]]))
        if c in columns and (y_hold == c).any()
        else None
        for c in generated
    }
