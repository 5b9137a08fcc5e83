"""Label preservation, shared by the sample modalities (series, text): a classifier
fitted on the real training split gives each synthetic sample a probability of its
intended class; samples below the threshold are dropped, and the share kept is
reported next to the real holdout's own share at the same threshold."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from equipoise.validation.memorisation import median
from equipoise.validation.results import CheckResult


@dataclass(frozen=True)
class LabelFilter:
    """The classifier's probabilities of the synthetic and holdout samples (columns in
    `classes` order), the holdout's labels and the threshold."""

    classes: Any
    p_synthetic: np.ndarray
    p_holdout: np.ndarray
    y_holdout: np.ndarray
    min_proba: float
    #: what the samples are called in the checks ("series", "texts")
    noun: str

    def apply(self, label: Any, rows: np.ndarray, keep: np.ndarray) -> tuple[list, dict, int]:
        """Drop (keep False) the class's `rows` still kept whose probability of `label`
        is below the threshold; the checks, the report details and the count dropped."""
        column = {c: i for i, c in enumerate(self.classes)}
        rest = rows[keep[rows]]
        proba = self.p_synthetic[rest, column[label]] if label in column else np.zeros(len(rest))
        low = rest[proba < self.min_proba]
        keep[low] = False
        share = float(1 - len(low) / len(rest)) if len(rest) else None
        in_hold = self.y_holdout == label
        hold_p = self.p_holdout[in_hold, column[label]] if label in column else np.zeros(0)
        hold_share = float((hold_p >= self.min_proba).mean()) if len(hold_p) else None
        ref = f" (real holdout {self.noun}: {hold_share:.3f})" if hold_share is not None else ""
        checks = [
            CheckResult("label.share_kept", label, share, None, None, op=">=",
                        advice=f"share of the class's {self.noun} the label classifier "
                        f"recognises{ref}"),
            CheckResult(f"label.{self.noun}_dropped", label, len(low), None, None,
                        setting="min_label_proba"),
        ]  # fmt: skip
        info = {"share_kept": share, "holdout_share_kept": hold_share,
                "median_proba": median(proba), "holdout_median_proba": median(hold_p)}  # fmt: skip
        return checks, info, len(low)
