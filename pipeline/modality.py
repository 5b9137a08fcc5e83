"""A modality plug-in: what the one pipeline needs to know about a kind of data.

The flow (`flows/balance.py`) runs the same steps for every modality: load, split,
fit, sample, validate, gate, merge, publish, hand off. A `Modality` supplies what
really differs: its job config (input section, validation and gate settings), how its
data are read and split, how synthetic samples are validated, how a version's files
are written and read back, and its block of the report. Register a new one in
`pipeline/modalities.py`; the CLI, the deployments and the flow need no change.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    import pandas as pd

    from equipoise.pipeline.candidates import Candidate
    from equipoise.pipeline.config import JobConfig
    from equipoise.validation.check import Check
    from equipoise.validation.report import ValidationReport
    from equipoise.validation.validator import Inputs


@dataclass(frozen=True)
class CliOption:
    """A command-line option of `equipoise run` that fills a config key."""

    flag: str  # the option without dashes: "data" for --data
    key: str  # the config path it sets: "data.source"
    help: str
    metavar: str = "VALUE"  # what it takes, as usage lines show it: "PATH"
    required: bool = True  # without a config file, must it be given?


class Prepared(Protocol):
    """A modality's data after the split: what the shared steps read."""

    schema: Any  # has .classes; the generators' and validation's schema
    X_train: Any
    y_train: Any
    X_holdout: Any
    y_holdout: Any
    #: rows (images, series, ...) per class as read, before any rule removed some
    input_counts: dict[Any, int]


@dataclass(frozen=True)
class Written:
    """The data files of a version, as `Modality.write_version` left them."""

    files: list[str]  # relative to the version folder; the version id hashes them
    class_counts: dict[Any, int]  # published rows per class
    real_rows: int  # real rows among them


@dataclass(frozen=True)
class ReportBlock:
    """A modality's part of the report: its template and the values it reads."""

    template: str  # file name under reports/templates/
    context: dict[str, Any] = field(default_factory=dict)


class Modality(ABC):
    """One kind of data (tables, images, ...); subclasses are stateless. Their modules
    import the heavy libraries inside the methods, so that the registry (and with it
    `equipoise --help`) loads at once."""

    #: matches `Generator.modality` and the gate baselines' modalities
    name: ClassVar[str]
    #: what a row is called in messages and reports ("rows", "images")
    unit: ClassVar[str] = "rows"
    #: the config key of its input section ("data", "images")
    section: ClassVar[str]
    #: the generator kind a job that names none uses (or that gives params without a kind)
    default_generator: ClassVar[str]
    #: the kinds a job that names no generator runs, when more than the default kind:
    #: each is validated and competes in the gate (`pipeline/budget.py` may leave some out)
    default_portfolio: ClassVar[tuple[str, ...]] = ()
    #: options of `equipoise run` that fill this modality's config
    cli_options: ClassVar[tuple[CliOption, ...]] = ()
    #: the flags that select this modality on the command line (all must be given)
    cli_marker: ClassVar[frozenset[str]] = frozenset()
    #: packages whose versions a manifest records
    packages: ClassVar[tuple[str, ...]] = ()
    #: the flow estimates each costly step's memory from rows x encoded width and samples
    #: big inputs to fit the memory budget (`pipeline/footprint.py`, `flows/sizing.py`);
    #: False: every row is used and only the budget and the peak are recorded
    estimates_memory: ClassVar[bool] = False

    @property
    @abstractmethod
    def job_model(self) -> type[JobConfig]:
        """The job model: a `JobConfig` subclass with this modality's sections."""

    # -- load and split ---------------------------------------------------------
    @abstractmethod
    def load(self, job: JobConfig) -> Any:
        """Read the source named by the job's input section (InputError when bad)."""

    @abstractmethod
    def split(self, raw: Any, job: JobConfig) -> Prepared:
        """Split off the stratified, seeded holdout first, then apply the modality's rules
        to the training split only."""

    def balance_counts(self, data: Prepared) -> dict[Any, int]:
        """The per-class counts whose deficits the synthetic rows fill."""
        return dict(data.input_counts)

    def all_rows(self, data: Prepared) -> tuple[Any, Any]:
        """Every real row (train and holdout), for resamplers that pick among them."""
        raise NotImplementedError(f"{self.name} data have no resamplers")

    def describe(self, data: Prepared) -> str:
        """One log line about the data after the split."""
        return (
            f"{sum(data.input_counts.values())} {self.unit}; classes {data.input_counts}; "
            f"train {len(data.y_train)} / holdout {len(data.y_holdout)}"
        )

    # -- validation -------------------------------------------------------------
    @abstractmethod
    def checks(self) -> tuple[Inputs, list[Check]]:
        """How this modality's samples enter the one validator, and its list of checks
        in the order they run (`validation/check.py`). A new check: its file, one line
        in this list."""

    #: whether a cross-fitted gate's per-fold refit runs only the checks that can drop
    #: samples (`Check.drops`); False: the full validation, as the series and text
    #: folds have always had (a rows-only fold would let a fold with failing fidelity in)
    fold_rows_only: ClassVar[bool] = False

    def validator(self) -> Callable[..., ValidationReport]:
        """The modality's validation: `validator()(schema, *, train, holdout, synthetic,
        settings, seed, reports_dir, rows_only)` runs `checks()` against the real
        training split and the holdout (`validation/validator.py`)."""
        from functools import partial

        from equipoise.validation.validator import validate

        return partial(validate, *self.checks())

    def fold_validator(self) -> Callable[..., ValidationReport]:
        """The validation of a cross-fitted gate's per-fold refit (same signature as
        `validator()`): with `fold_rows_only`, only the checks that can drop samples,
        since the generator's output passed the full validation on the training split."""
        from functools import partial

        return partial(self.validator(), rows_only=self.fold_rows_only)

    def validation_settings(self, job: JobConfig, generator: Any) -> Any:
        """The validation settings for one generator's samples."""
        return job.validation  # type: ignore[attr-defined]

    # -- versions ---------------------------------------------------------------
    @abstractmethod
    def write_version(self, folder: Path, data: Prepared, winner: Candidate) -> Written:
        """Write the real rows and the winner's accepted samples into `folder`."""

    @abstractmethod
    def read_version(self, folder: Path, manifest: Mapping[str, Any]) -> tuple[pd.DataFrame, str]:
        """A published version as one table and its target column (for hand-offs that
        log a dataset, e.g. MLflow)."""

    def claims(self, data: Any, source: str, text: str | None) -> bool:
        """Whether data given from Python (`equipoise.balance`: a DataFrame, arrays, a
        path or a bundled source) is of this modality; the first registered modality
        takes what no other claims."""
        return False

    def real_frame(self, job: JobConfig) -> pd.DataFrame | None:
        """The real rows a job read, as the caller's table (a refusal hands them back
        from Python); None when the modality's data is not a table."""
        return None

    def manifest_extras(self, job: JobConfig, data: Prepared) -> dict[str, Any]:
        """Keys this modality adds to the manifest's top level."""
        return {}

    def rows_extras(self, data: Prepared) -> dict[str, int]:
        """Keys this modality adds to the manifest's `rows`."""
        return {}

    @abstractmethod
    def report_block(
        self, data: Prepared, winner: Candidate, manifest: Mapping[str, Any]
    ) -> ReportBlock:
        """This modality's part of the report (samples, figures)."""


class SplitBalanced(Modality):
    """A modality whose rare rule acts on the training split (images, series, text):
    deficits follow the training split, and a version publishes the kept training
    samples, the holdout and the accepted synthetic ones."""

    def balance_counts(self, data: Prepared) -> dict[Any, int]:
        return label_counts(data.y_train)

    def written(self, files: list[str], data: Prepared, synthetic: tuple[Any, Any]) -> Written:
        """What `write_version` returns for `files` holding all those samples."""
        train, hold = label_counts(data.y_train), label_counts(data.y_holdout)
        syn = label_counts(synthetic[1])
        published = {
            c: train.get(c, 0) + hold.get(c, 0) + syn.get(c, 0) for c in data.schema.classes
        }
        return Written(files, published, len(data.y_train) + len(data.y_holdout))


def label_counts(labels: Any) -> dict[Any, int]:
    """Samples per class of any labels (a Series, an array, a list)."""
    import pandas as pd

    from equipoise.pipeline.balance import class_counts

    return class_counts(pd.Series(list(labels)))
