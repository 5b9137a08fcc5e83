"""`GateSettings`: the `gate:` section of a job config — which downstream models and
baselines compete, the primary metric, and the rule that decides publication."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Literal

from equipoise.dataspec.errors import InputError
from equipoise.validation.gate.metrics import METRIC_NAMES
from equipoise.validation.results import is_number

#: metrics a gate can rank or guard on (accuracy is shown, never gated)
GATE_METRICS = tuple(m for m in METRIC_NAMES if m != "accuracy")


def baselines_of(modality: str):
    """Default factory: every registered baseline that applies to `modality`."""

    def every() -> tuple[str, ...]:
        from equipoise.validation.gate.baselines import names_for

        return names_for(modality)

    return every


@dataclass(frozen=True)
class GateSettings:
    """How the downstream-metric gate runs and decides (tables; other modalities
    subclass it with their own `MODALITY`, `MODELS` and defaults).

    A plain dataclass (no pydantic needed in validation); `__pydantic_config__` lets
    the flow's config model embed it with unknown keys rejected."""

    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid"}
    #: the modality whose baselines apply
    MODALITY: ClassVar[str] = "table"
    #: the downstream models this modality's gate can train
    MODELS: ClassVar[tuple[str, ...]] = ("logreg", "hgb")

    mode: Literal["enforce", "report"] = "enforce"
    """"enforce": publish only when the rule below holds, otherwise exit 3 and publish
    nothing. "report": run the tournament and record the decision, but publish the
    best synthetic set anyway (the manifest says the gate would have refused)."""

    primary: str = "pr_auc"
    """The metric that ranks candidates (PR-AUC: average precision of the minority
    class; macro one-vs-rest for several classes). Never accuracy."""

    min_uplift: float = 0.0
    """The lower bound of the primary metric's improvement over the best baseline (a
    paired bootstrap interval) must be at least this for a synthetic set to publish."""

    guards: dict[str, float] = field(default_factory=lambda: {"recall": 0.05})
    """Metric -> the most it may drop (absolute) against the best baseline."""

    models: tuple[str, ...] = ("logreg", "hgb")
    """Downstream models every candidate is trained with: `logreg` (one-hot + scaled
    logistic regression), `hgb` (sklearn HistGradientBoosting)."""

    baselines: tuple[str, ...] = field(default_factory=baselines_of("table"))
    """Strategies on real data that a synthetic set has to beat (`none` is always run);
    default: every registered baseline of the modality (`validation/gate/baselines.py`)."""

    focal_gamma: float = 2.0
    """γ of the focal loss FL = -(1 - p_t)^γ log p_t of the `focal_loss` baseline."""

    cv_folds: int = 5
    """Stratified folds on the training split that choose the `threshold` baseline's
    cut-off (never the holdout)."""

    bootstrap: int = 1000
    """Stratified bootstrap resamples of the holdout for the intervals."""

    confidence: float = 0.95
    """Two-sided level of the intervals."""

    def __post_init__(self) -> None:
        problems = []
        if self.mode not in ("enforce", "report"):
            problems.append(f"mode must be enforce or report, got {self.mode!r}")
        if self.primary == "accuracy" or "accuracy" in self.guards:
            problems.append(
                "accuracy is never a gate metric (it rewards ignoring the minority); "
                "use pr_auc, recall, f1, mcc, gmean or balanced_accuracy"
            )
        for metric in [self.primary, *self.guards]:
            if metric not in GATE_METRICS and metric != "accuracy":
                problems.append(f"unknown metric {metric!r}; choose from {', '.join(GATE_METRICS)}")
        for metric, tolerance in self.guards.items():
            if not is_number(tolerance) or tolerance < 0:
                problems.append(f"guards.{metric} must be a drop of 0 or more, got {tolerance!r}")
        object.__setattr__(self, "models", tuple(self.models))
        object.__setattr__(self, "baselines", tuple(self.baselines))
        from equipoise.validation.gate.baselines import check

        unknown = [m for m in self.models if m not in self.MODELS]
        if unknown or not self.models:
            problems.append(f"models must be some of {', '.join(self.MODELS)}, got {unknown}")
        problems += check(self.baselines, self.MODALITY)
        if not is_number(self.min_uplift):
            problems.append(f"min_uplift must be a number, got {self.min_uplift!r}")
        if not is_number(self.focal_gamma) or self.focal_gamma < 0:
            problems.append(f"focal_gamma must be 0 or more, got {self.focal_gamma!r}")
        if not isinstance(self.cv_folds, int) or not 2 <= self.cv_folds <= 20:
            problems.append(f"cv_folds must be 2 to 20, got {self.cv_folds!r}")
        if not isinstance(self.bootstrap, int) or not 100 <= self.bootstrap <= 100_000:
            problems.append(f"bootstrap must be 100 to 100000 resamples, got {self.bootstrap!r}")
        if not is_number(self.confidence) or not 0.5 <= self.confidence < 1:
            problems.append(f"confidence must be at least 0.5 and below 1, got {self.confidence!r}")
        problems += self._more_problems()
        if problems:
            raise InputError("gate: " + "; ".join(problems))

    def _more_problems(self) -> list[str]:
        """A subclass's checks of its own fields."""
        return []

    @property
    def baseline_set(self) -> tuple[str, ...]:
        """The baselines that run: `none` always, first."""
        return ("none", *[b for b in self.baselines if b != "none"])

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
