"""The report figures every modality shares, drawn with matplotlib (Agg) and embedded
as base64 PNG so that `report.html` opens without a network: class counts and the PR
curves of the top candidates."""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from typing import Any

import numpy as np

REAL, SYNTHETIC, HOLDOUT = "#4063d8", "#e0782a", "#6a9f4c"


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    pyplot().close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def class_counts(before: Mapping[Any, int], after: Mapping[Any, int] | None) -> str:
    plt = pyplot()
    classes = [str(c) for c in before]
    x = np.arange(len(classes))
    fig, ax = plt.subplots(figsize=(5, 2.6))
    ax.bar(x - 0.2, list(before.values()), 0.4, label="real input", color=REAL)
    if after is not None:
        ax.bar(x + 0.2, [after.get(c, 0) for c in before], 0.4, label="published", color=SYNTHETIC)
    ax.set_xticks(x, classes)
    ax.set_ylabel("rows")
    ax.legend(frameon=False)
    return png(fig)


def pr_curves(board: Any, top: int = 5) -> str:
    """Precision-recall curves of the minority class for the top candidates."""
    from sklearn.metrics import precision_recall_curve

    plt = pyplot()
    positive = board.classes.index(board.positive)
    truth = np.asarray(board.y_holdout) == board.positive
    fig, ax = plt.subplots(figsize=(5, 3.4))
    for row in board.rows[:top]:
        score = row.candidate.proba[:, positive]
        scored = np.isfinite(score)  # a candidate scored on the holdout rows alone
        precision, recall, _ = precision_recall_curve(truth[scored], score[scored])
        style = "-" if row.candidate.family == "synthetic" else "--"
        ax.plot(recall, precision, style, label=f"{row.candidate.key} ({row.point['pr_auc']:.3f})")
    ax.axhline(truth.mean(), color="#999", lw=0.8, label=f"prevalence ({truth.mean():.3f})")
    ax.set_xlabel(f"recall (class {board.positive})")
    ax.set_ylabel("precision")
    ax.legend(frameon=False, fontsize=7)
    return png(fig)
