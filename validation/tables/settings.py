"""`ValidationSettings`: the thresholds and knobs of the schema, fidelity, leakage and
label checks and of the utility figures; the `validation:` section of a job config."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar, Literal

from equipoise.dataspec.errors import InputError
from equipoise.validation.results import is_number


@dataclass(frozen=True)
class ValidationSettings:
    """Thresholds of the checks run on synthetic rows, per generated class.

    The defaults let honest generators (SMOTE, GaussianCopula, CTGAN on small real data
    such as attrition, credit_data, hpc_data) pass and refuse a generator that returns
    training rows with a little noise; the figures quoted per field were measured with
    the project's generators (tests/test_validation_*.py assert the decisive ones).
    A plain dataclass, so validation needs no pydantic; `__pydantic_config__` lets the
    flow's config model embed it with unknown keys rejected.
    """

    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    range_margin: float = 0.0
    """Fraction of a numeric column's training range by which synthetic values may
    exceed the training minimum or maximum (default 0.0: stay within what the real
    training rows show; a margin would also let through e.g. negative counts)."""

    on_schema_failure: Literal["drop", "fail"] = "drop"
    """What a range or category violation does: "drop" removes the failing rows and
    counts them (default), "fail" fails the run. Structural problems (columns, dtypes,
    missing values where the real column has none, unknown labels) always fail."""

    min_column_shapes: float = 0.70
    """Lowest SDMetrics column-shapes score (mean KSComplement / TVComplement, 1 = same
    marginals) a class may have (default 0.70; measured on attrition, credit_data,
    hpc_data and abalone19: unseen real rows 0.87-0.94, SMOTE 0.89-0.96, GaussianCopula
    0.75-0.82, CTGAN 0.74-0.85; another class's rows passed off as this class: 0.68)."""

    min_column_pair_trends: float = 0.50
    """Lowest SDMetrics column-pair-trends score (mean CorrelationSimilarity /
    ContingencySimilarity) a class may have (default 0.50: on small classes the score is
    noisy; unseen real rows score 0.54-0.92, GaussianCopula 0.58-0.77, CTGAN 0.60-0.62,
    SMOTE 0.87-0.94; another class's rows passed off as this class: 0.26)."""

    max_detection_auc: float | None = None
    """Highest cross-validated ROC-AUC of a gradient-boosted classifier telling the
    class's real rows from its synthetic rows (0.5 = indistinguishable). Default None:
    reported with the giveaway columns, not a gate, because on small real classes this
    detector tells GaussianCopula and CTGAN rows apart almost perfectly (0.93-1.00 on
    attrition, credit_data, hpc_data, abalone19) although they can still help a
    classifier, which the downstream gate judges. SMOTE scores 0.43-0.88, unseen real
    rows 0.42-0.61. Set e.g. 0.9 to demand realism."""

    detection_folds: int = 3
    """Cross-validation folds of the detection classifier (default 3)."""

    near_copy_ratio: float = 0.1
    """Per-row leakage filter: a synthetic row is a near copy, and is removed, when its
    distance to the nearest training row is below this fraction of that training row's
    distance to its own nearest other real row (default 0.1: ten times nearer than real
    rows come to each other; SMOTE puts 0-11 % of its rows there, the ones interpolated
    next to an endpoint, copies of training rows with 1 % noise 44-100 %)."""

    max_near_copy_share: float = 0.25
    """Highest share of a class's synthetic rows that may be near copies, above the share
    of holdout rows that are as near (default 0.25: SMOTE stays at or below 0.11 and unseen
    real rows at 0.09, copies of training rows with 1 % noise reach 0.44-1)."""

    max_dcr_share: float | None = None
    """Highest size-corrected share of synthetic rows nearer to the training rows than to
    the holdout rows (0.5 = no memorisation, 1 = every row sits on a training row).
    Default None: reported, not a gate, because SMOTE, which builds each row from
    training rows, scores 0.81-0.99, as high as copies (0.85-1.0); GaussianCopula and
    CTGAN score 0.45-0.51. Set e.g. 0.75 to refuse interpolating generators."""

    allow_exact_copies: bool = False
    """Keep synthetic rows that equal a training row (default False: they are removed,
    and too many of them fail the run). Set True for random_oversample, whose rows are
    copies by design; they are still counted and reported, and left out of the DCR
    statistics."""

    max_exact_copy_share: float = 0.05
    """Highest share of a class's synthetic rows that may equal a training row, above
    the share of holdout rows that equal one (data with few distinct values repeats
    itself); ignored when allow_exact_copies is True (default 0.05)."""

    sample_rows: int = 20_000
    """Row cap per side and class for the sampled statistics (SDMetrics scores,
    detection, DCR share / 5th-percentile ratio / NNDR); the per-row checks (schema,
    exact copies, DCR filter) always see every row (default 20,000; the report says
    when it sampled)."""

    label_filter: bool = True
    """Drop synthetic rows whose intended class a classifier fitted on the real training
    split does not recognise (cross-fitted: no row is judged by a model that trained on
    the real row it copies or sits next to; `validation/tables/labels.py`). Default True;
    false turns the filter off (no classifier is fitted, nothing is dropped by it)."""

    min_label_proba: float = 0.2
    """Lowest probability of its intended class (balanced class weights) a synthetic row
    may have; rows below are dropped and counted per class (`label.rows_dropped`), next
    to the share of real holdout rows of the class that pass (default 0.2, measured on
    binary tables: BENCHMARKS.md, "Label filter and TSTR for tables"). With k classes an
    undecided classifier gives about 1/k: from 5 classes on, lower it (e.g. 0.5 / k)."""

    label_model: Literal["logreg", "hgb"] = "logreg"
    """The label classifier: logistic regression (default) or HistGradientBoosting, as
    the gate builds them (`validation/gate/tables.downstream_model`)."""

    utility_models: tuple[str, ...] = ("logreg",)
    """Downstream models of the train-on-synthetic / test-on-real figures (`logreg`,
    `hgb`): each is trained on the synthetic rows plus the real rows of the other
    classes and on the real training split, and scored on the real holdout (PR-AUC of
    each generated class). Informational, not a check. Default [logreg]; [] skips it."""

    def __post_init__(self) -> None:
        problems = []
        if isinstance(self.utility_models, str) or not isinstance(
            self.utility_models, (list, tuple)
        ):
            problems.append(f"utility_models must be a list, got {self.utility_models!r}")
        else:
            object.__setattr__(self, "utility_models", tuple(self.utility_models))
            unknown = [m for m in self.utility_models if m not in ("logreg", "hgb")]
            if unknown:
                problems.append(f"utility_models may hold logreg and hgb, got {unknown}")
        if self.label_model not in ("logreg", "hgb"):
            problems.append(f"label_model must be logreg or hgb, got {self.label_model!r}")
        if not isinstance(self.label_filter, bool):
            problems.append(f"label_filter must be true or false, got {self.label_filter!r}")
        if self.on_schema_failure not in ("drop", "fail"):
            problems.append(
                f"on_schema_failure must be drop or fail, got {self.on_schema_failure!r}"
            )
        for name in (
            "min_column_shapes",
            "min_column_pair_trends",
            "max_exact_copy_share",
            "max_near_copy_share",
            "min_label_proba",
        ):
            value = getattr(self, name)
            if not is_number(value) or not 0.0 <= value <= 1.0:
                problems.append(f"{name} must be between 0 and 1, got {value!r}")
        for name in ("max_detection_auc", "max_dcr_share"):
            value = getattr(self, name)
            if value is None:
                continue
            if not is_number(value) or not 0.5 <= value <= 1.0:
                problems.append(f"{name} must be between 0.5 and 1, got {value!r}")
        if not is_number(self.near_copy_ratio) or not 0.0 <= self.near_copy_ratio < 1.0:
            problems.append(
                f"near_copy_ratio must be at least 0 and below 1, got {self.near_copy_ratio!r}"
            )
        if not is_number(self.range_margin) or self.range_margin < 0:
            problems.append(f"range_margin must be 0 or more, got {self.range_margin!r}")
        if not isinstance(self.detection_folds, int) or not 2 <= self.detection_folds <= 10:
            problems.append(f"detection_folds must be 2 to 10, got {self.detection_folds!r}")
        if not isinstance(self.sample_rows, int) or self.sample_rows < 100:
            problems.append(
                f"sample_rows must be an integer of at least 100, got {self.sample_rows!r}"
            )
        if not isinstance(self.allow_exact_copies, bool):
            problems.append(
                f"allow_exact_copies must be true or false, got {self.allow_exact_copies!r}"
            )
        if problems:
            raise InputError("validation: " + "; ".join(problems))

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
