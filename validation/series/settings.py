"""`SeriesValidationSettings`: the thresholds of the series checks; the `validation:`
section of a series job config."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

from equipoise.dataspec.errors import InputError
from equipoise.validation.results import in_unit_interval, integer_problems, is_number


@dataclass(frozen=True)
class SeriesValidationSettings:
    """Thresholds of the checks run on synthetic series, per generated class.

    Calibrated on sktime's ItalyPowerDemand (length 24) with 300 series held out and
    class "2" cut to 1:10 in the training split (about 40 series against 400), 120
    synthetic series of class "2", seeds 0-2 (benchmarks/series_validation.py). A plain
    dataclass, so validation needs no pydantic; the job config embeds it with unknown
    keys refused."""

    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    max_feature_distance: float | None = None
    """Highest mean |standardised mean difference| of the summary features (mean, std,
    autocorrelation at lags 1, 2, 5, spectral power share in 4 bands, per channel) of a
    class's synthetic series against its real training series. Default None: reported
    next to the real holdout's own figure, not a gate (measured: holdout 0.13-0.23,
    augment 0.13-0.17, SMOTE 0.19-0.36, other-class series 0.43-0.54)."""

    max_detection_auc: float | None = None
    """Highest cross-validated AUC of a logistic regression telling synthetic from real
    training series of the class by their summary features (0.5: indistinguishable).
    Default None: reported (measured: holdout 0.48-0.61, augment 0.43-0.59, SMOTE
    0.88-0.94, other-class series 0.89-0.95)."""

    min_label_proba: float = 0.2
    """A synthetic series is dropped when the label classifier (logistic regression on
    the summary features and the series resampled to `label_points`, fitted on the real
    training split) gives its intended class a lower probability (default 0.2; kept at
    0.2: real holdout series of the rare class 97-99 %, augment 73-82 %, SMOTE 100 %,
    series of the other class passed off as the rare one 4-8 %)."""

    label_points: int = 64
    """Series longer than this are linearly resampled to this many points per channel
    for the label classifier."""

    near_copy_ratio: float = 1 / 3
    """Ratio test for near copies (Carlini et al. 2023) on z-normalised series: a synthetic
    series is a near copy when the distance to its nearest training series is below this
    share of its mean distance to the next `near_copy_neighbours` (default 1/3, as for
    images; below it: holdout 2-5 %, augment 6-11 %, copies with N(0, 0.05) noise 99 %,
    exact copies 100 %, and SMOTE 72-82 %: its series lie on segments between nearest
    training series, so it fails the default leakage check on a class this small)."""

    near_copy_neighbours: int = 20
    """Training series after the nearest whose mean distance is the ratio's denominator."""

    max_near_copy_share: float = 0.25
    """Highest share of a class's synthetic series that may be near copies, above the
    holdout's own share (default 0.25); near copies are removed either way."""

    detection_folds: int = 5
    """Stratified folds of the detection classifier."""

    sample_series: int = 5000
    """Series cap per side and class for the sampled statistics (feature distance,
    detection AUC); the per-series checks always see every series."""

    rocket_distance: bool = False
    """Also report, per class, the Fréchet distance of MiniRocket features (fitted on the
    real training series, standardised, projected on `rocket_components` principal
    components) of the synthetic series against the class's training series, next to
    the holdout's. Off by default: numba compiles MiniRocket's kernels on a machine's
    first use (25-50 s; cached in NUMBA_CACHE_DIR after that)."""

    rocket_kernels: int = 2000
    """MiniRocket kernels of the feature-space distance (at least 84)."""

    rocket_components: int = 10
    """Principal components of the standardised MiniRocket features the Fréchet distance
    is computed in (fewer when there are fewer training series)."""

    max_rocket_distance: float | None = None
    """Highest MiniRocket Fréchet distance (with `rocket_distance` on). Default None:
    reported next to the holdout's figure, not a gate."""

    dtw_sample: int = 50
    """Synthetic (and holdout) series per class whose DTW distance to the nearest
    training series of the class is measured (0: off)."""

    dtw_window: float = 0.1
    """Sakoe-Chiba band of that DTW as a share of the length (at least one step)."""

    min_dtw_vs_holdout: float | None = None
    """Lowest median nearest-DTW distance of the sampled synthetic series over the
    holdout's (below 1: closer to training series than unseen real ones are). Default
    None: reported, not a gate."""

    def __post_init__(self) -> None:
        problems = []
        for name in ("min_label_proba", "max_near_copy_share"):
            if not in_unit_interval(value := getattr(self, name)):
                problems.append(f"{name} must be between 0 and 1, got {value!r}")
        if self.max_detection_auc is not None and not in_unit_interval(self.max_detection_auc):
            problems.append(
                f"max_detection_auc must be between 0 and 1 (or null), got "
                f"{self.max_detection_auc!r}"
            )
        value = self.max_feature_distance
        if value is not None and (not is_number(value) or value < 0):
            problems.append(f"max_feature_distance must be 0 or more (or null), got {value!r}")
        if not is_number(self.near_copy_ratio) or not 0 <= self.near_copy_ratio < 1:
            problems.append(f"near_copy_ratio must be at least 0 and below 1, got "
                            f"{self.near_copy_ratio!r}")  # fmt: skip
        for name in ("max_rocket_distance", "min_dtw_vs_holdout"):
            value = getattr(self, name)
            if value is not None and (not is_number(value) or value < 0):
                problems.append(f"{name} must be 0 or more (or null), got {value!r}")
        if not isinstance(self.rocket_distance, bool):
            problems.append(f"rocket_distance must be true or false, got {self.rocket_distance!r}")
        if not is_number(self.dtw_window) or not 0 <= self.dtw_window <= 1:
            problems.append(f"dtw_window must be between 0 and 1, got {self.dtw_window!r}")
        lows = (("label_points", 2), ("near_copy_neighbours", 1), ("detection_folds", 2),
                ("sample_series", 100), ("rocket_kernels", 84), ("rocket_components", 1),
                ("dtw_sample", 0))  # fmt: skip
        problems += integer_problems(self, lows)
        if problems:
            raise InputError("validation: " + "; ".join(problems))

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
