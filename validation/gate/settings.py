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


def _reference_problems(names: tuple[str, ...]) -> list[str]:
    from equipoise.validation.gate.baselines import BASELINES

    if not names:
        return [f"reference must name at least one baseline; choose from {', '.join(BASELINES)}"]
    unknown = [n for n in names if n not in BASELINES]
    return (
        [f"reference: unknown baselines {unknown}; choose from {', '.join(BASELINES)}"]
        if (unknown)
        else []
    )


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
    #: whether `models` may name the user's own classifier by import path
    USER_MODELS: ClassVar[bool] = True
    #: whether this modality's downstream models take `sample_weight` (the dose search)
    DOSE: ClassVar[bool] = True

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

    models: tuple[str | dict[str, Any], ...] = ("logreg", "hgb")
    """Downstream models every candidate is trained with: `logreg` (one-hot + scaled
    logistic regression), `hgb` (sklearn HistGradientBoosting), or your own classifier
    by import path: `{import: xgboost.XGBClassifier, params: {...}, encode: onehot |
    ordinal, name: ...}` (`validation/gate/usermodel.py`)."""

    baselines: tuple[str, ...] = field(default_factory=baselines_of("table"))
    """Strategies on real data that a synthetic set has to beat (`none` is always run);
    default: every registered baseline of the modality (`validation/gate/baselines.py`)."""

    reference: tuple[str, ...] = (
        "smote", "random_oversample", "oversample_augment", "class_weight", "none"
    )  # fmt: skip
    """The real-data strategy a refusal names unless another beats it clearly: the first
    of these that ran on the model of the baseline entry with the best estimate
    (`selection.reference_row`; that entry itself when its model has none of them).
    Another entry of that model replaces it only when its simultaneous lower bound over
    it, after choosing among the model's entries, is above 0 at `switch_confidence`;
    no resampling must also beat every other entry of the model
    (`validation/gate/selection.py`). The default order is the measured best fixed
    strategy (SMOTE, BENCHMARKS.md "Is the verdict right on unseen data") and its
    nearest kin in modalities without SMOTE."""

    switch_confidence: float = 0.8
    """Level of the simultaneous lower bound another entry needs over the reference to
    replace it in the verdict (and no resampling over every other entry of its model).
    Lower than `confidence` on purpose: naming a slightly worse real-data strategy costs
    little, a wrong publication much. Chosen on the verdict benchmark's first 14 tables
    (0.8 against 0.95: 0.0072 less mean regret, standard error 0.0035) before its
    further tables ran (BENCHMARKS.md, "Naming no resampling only on evidence")."""

    focal_gamma: float = 2.0
    """γ of the focal loss FL = -(1 - p_t)^γ log p_t of the `focal_loss` baseline."""

    cv_folds: int = 5
    """Stratified folds on the training split that choose the `threshold` baseline's
    cut-off (never the holdout)."""

    fixed_threshold: float = 0.5
    """The cut-off on the minority class's probability that `f1_fixed`, `recall_fixed`
    and `precision_fixed` use: the one you deploy, whatever a candidate tuned."""

    precision_floor: float = 0.5
    """The least precision of the cut-off that `recall_at_precision` may pick."""

    deployment_prior: float | None = None
    """The minority class's share expected in production (0 < p < 1). When set, the
    holdout rows are weighted so that its class shares match it (minority p, the other
    classes 1 - p in their holdout proportions) in every metric and the dose search;
    prior-free metrics (recall, ROC-AUC, balanced accuracy) do not move."""

    dose: dict[str, Any] | None = field(
        default_factory=lambda: {"amounts": [0.0, 0.25, 0.5, 1.0], "weights": [0.3, 1.0]}
    )
    """The dose grid of every synthetic candidate × model: `amounts` are shares of its
    accepted rows (the training split's deficit) to add, `weights` their sample weight
    (a model without `sample_weight` gets weight 1 only). Each (amount > 0, weight) is
    an entry of the gate, trained and scored like any other; amount 0 is the `none`
    baseline. The candidate's row is its best dose, and the simultaneous interval
    accounts for that choice (`validation/gate/dose.py`). null: add every accepted row
    at weight 1."""

    cross_fit: Literal["auto", "always", "never"] = "auto"
    """auto: when the holdout holds fewer than `cross_fit_below` rows of a class, judge
    by stratified cross-fitting on every real row (training split + holdout) instead of
    the holdout alone: per fold, baselines train on the other folds; cheap generators
    (the imbalanced-learn family, gaussian_copula, augment ...) are refitted on them
    and validated against the fold; costly ones (ctgan, forest_flow, diffusion ...) keep
    their rows and are scored on the holdout rows alone (`validation/gate/judging.py`).
    always: every run; never: the holdout judges."""

    cross_fit_below: int = 50
    """Holdout rows of a class under which `cross_fit: auto` cross-fits. Measured on the
    verdict benchmark: cross-fitting lowers the named strategy's regret most below ~15
    rows, less from 30; above 50 by 0.009 ± 0.008 PR-AUC at 3.3x the gate's time
    (BENCHMARKS.md, "Where the cross-fitting line should be")."""

    cross_fit_folds: int = 3
    """Stratified folds of the cross-fitted gate (fewer when a class has fewer rows): 3,
    so that the cross-fitted gate costs at most 3 holdout gates (2.8-3.0x in CPU seconds,
    against 3.6-3.9x with 4 folds: BENCHMARKS.md). Each fold trains on two thirds of the
    real rows (the holdout gate: three quarters), the same for every candidate."""

    cross_fit_repeats: int = 1
    """Repeats of the cross-fitting with fresh folds; each row's predictions averaged."""

    jobs: int = 0
    """Worker processes for the gate's fits (0: one per core of this machine; 1: in the
    run's own process). A Dask runner (`runner: dask`) takes them instead."""

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

        problems += self._model_problems()
        problems += check(self.baselines, self.MODALITY)
        object.__setattr__(self, "reference", tuple(self.reference))
        problems += _reference_problems(self.reference)
        if not is_number(self.min_uplift):
            problems.append(f"min_uplift must be a number, got {self.min_uplift!r}")
        if not is_number(self.focal_gamma) or self.focal_gamma < 0:
            problems.append(f"focal_gamma must be 0 or more, got {self.focal_gamma!r}")
        if not isinstance(self.cv_folds, int) or not 2 <= self.cv_folds <= 20:
            problems.append(f"cv_folds must be 2 to 20, got {self.cv_folds!r}")
        if self.cross_fit not in ("auto", "always", "never"):
            problems.append(f"cross_fit must be auto, always or never, got {self.cross_fit!r}")
        if not isinstance(self.cross_fit_folds, int) or not 2 <= self.cross_fit_folds <= 20:
            problems.append(f"cross_fit_folds must be 2 to 20, got {self.cross_fit_folds!r}")
        if not isinstance(self.cross_fit_repeats, int) or not 1 <= self.cross_fit_repeats <= 10:
            problems.append(f"cross_fit_repeats must be 1 to 10, got {self.cross_fit_repeats!r}")
        if not isinstance(self.cross_fit_below, int) or self.cross_fit_below < 2:
            problems.append(
                f"cross_fit_below must be an integer of 2 or more, got {self.cross_fit_below!r}"
            )
        if not isinstance(self.jobs, int) or isinstance(self.jobs, bool) or self.jobs < 0:
            problems.append(f"jobs must be 0 (one per core) or more, got {self.jobs!r}")
        if not isinstance(self.bootstrap, int) or not 100 <= self.bootstrap <= 100_000:
            problems.append(f"bootstrap must be 100 to 100000 resamples, got {self.bootstrap!r}")
        if not is_number(self.confidence) or not 0.5 <= self.confidence < 1:
            problems.append(f"confidence must be at least 0.5 and below 1, got {self.confidence!r}")
        if not is_number(self.switch_confidence) or not 0.5 <= self.switch_confidence < 1:
            problems.append("switch_confidence must be at least 0.5 and below 1, got "
                            f"{self.switch_confidence!r}")  # fmt: skip
        for name in ("fixed_threshold", "precision_floor"):
            value = getattr(self, name)
            if not is_number(value) or not 0 < value < 1:
                problems.append(f"{name} must be between 0 and 1 (exclusive), got {value!r}")
        prior = self.deployment_prior
        if prior is not None and (not is_number(prior) or not 0 < prior < 1):
            problems.append(f"deployment_prior must be between 0 and 1 (exclusive), got {prior!r}")
        problems += self._dose_problems()
        problems += self._more_problems()
        if problems:
            raise InputError("gate: " + "; ".join(problems))

    def _model_problems(self) -> list[str]:
        from equipoise.validation.gate.usermodel import parse

        specs, problems = [], []
        for model in self.models:
            if isinstance(model, dict) and self.USER_MODELS:
                spec, problem = parse(model)
                problems += [problem] if problem else []
                specs.append(spec)
            elif isinstance(model, str) and model in self.MODELS:
                specs.append(model)
            else:
                more = " or {import: package.Class, params: {...}}" if self.USER_MODELS else ""
                problems.append(
                    f"models must be some of {', '.join(self.MODELS)}{more}, got {model!r}"
                )
        if not self.models:
            problems.append(f"models must be some of {', '.join(self.MODELS)}, got none")
        names = [str(s) for s in specs]
        if len(set(names)) < len(names):
            problems.append(f"models: names repeat in {names}; give each a distinct name")
        object.__setattr__(self, "_specs", tuple(specs))
        return problems

    def _dose_problems(self) -> list[str]:
        if self.dose is None:
            return []
        if not self.DOSE:
            return [f"dose: the {self.MODALITY} gate cannot weight rows; leave dose out"]
        if not isinstance(self.dose, dict) or set(self.dose) - {"amounts", "weights"}:
            return [f"dose must be {{amounts: [...], weights: [...]}} or null, got {self.dose!r}"]
        problems = []
        for key, ok, words in (
            ("amounts", lambda v: 0 <= v <= 1, "shares from 0 to 1"),
            ("weights", lambda v: 0 < v <= 1, "weights above 0, at most 1"),
        ):
            values = self.dose.get(key, [])
            if (
                not isinstance(values, list | tuple)
                or not values
                or not all(is_number(v) and ok(v) for v in values)
            ):
                problems.append(f"dose.{key} must be a list of {words}, got {values!r}")
        return problems

    @property
    def model_specs(self) -> tuple[Any, ...]:
        """The downstream models: names of the modality's own, `UserModel`s for yours."""
        return self._specs  # type: ignore[attr-defined]

    @property
    def dose_grid(self) -> list[tuple[float, float]]:
        """(amount, weight) settings the dose search tries, amount 0 once and first."""
        if self.dose is None:
            return []
        amounts = sorted({float(a) for a in self.dose.get("amounts", [])})
        weights = sorted({float(w) for w in self.dose.get("weights", [])}, reverse=True)
        return [(a, w) for a in amounts for w in (weights if a > 0 else weights[:1])]

    def _more_problems(self) -> list[str]:
        """A subclass's checks of its own fields."""
        return []

    @property
    def baseline_set(self) -> tuple[str, ...]:
        """The baselines that run: `none` always, first."""
        return ("none", *[b for b in self.baselines if b != "none"])

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
