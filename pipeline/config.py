"""The job config of every modality: YAML validated at the edge by pydantic models that
forbid unknown keys and name the path of a bad key in a one-line error.

`JobConfig` holds the sections all modalities share (seed, split, generators, balance,
output, runner, hand-offs); a modality's job model subclasses it with its input section
(`data:`, `images:`, ...) and its validation and gate settings. `load_job` picks the
modality from the section a file has."""

from __future__ import annotations

import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from equipoise.dataspec import InputError
from equipoise.pipeline.budget import DEFAULT_BUDGET_MINUTES


class Section(BaseModel):
    """A config section: unknown keys refused, frozen once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class InputSection(Section):
    """Base of a modality's input section: where the data come from."""

    #: URI schemes (or names) of bundled datasets, never resolved against a config's folder
    BUNDLED: typing.ClassVar[tuple[str, ...]] = ()

    source: str

    @classmethod
    def is_bundled(cls, source: str) -> bool:
        """A bundled dataset or data held in memory (`memory:`, from `equipoise.balance`):
        not a path."""
        scheme = source.split(":", 1)[0]
        return scheme in cls.BUNDLED or source in cls.BUNDLED or scheme == "memory"

    def default_name(self) -> str:
        """The dataset name when `output.name` is not set: from the source."""
        source = self.source
        if source.startswith("memory:"):
            return "dataframe"
        bundled = ":" in source and self.is_bundled(source)
        stem = source.split(":", 1)[1] if bundled else Path(source).stem
        return stem.replace("/", "-")


class RareConfig(Section):
    """Make one class rare: keep `keep` of its training samples (the holdout is untouched),
    to try equipoise on a balanced dataset."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    class_: str | int = Field(alias="class", description="the class to make rare")
    keep: int = Field(ge=1, description="training samples of that class to keep")


class SplitConfig(Section):
    """The real holdout that no generator ever sees."""

    holdout: float = Field(default=0.25, gt=0, lt=1, description="share of rows held out")


class GeneratorConfig(Section):
    """Which generator or resampler, and its parameters (see `equipoise kinds`)."""

    kind: str = Field(description="a registered kind (`equipoise kinds`)")
    params: dict[str, Any] = Field(default={})

    @model_validator(mode="after")
    def _check_params(self) -> GeneratorConfig:
        from equipoise.generators import registry

        if self.kind not in registry.REGISTRY:
            return self  # the job names it, with the kinds of its modality
        try:
            validated = _params_model(self.kind).model_validate(self.params)
        except ValidationError as err:
            raise InputError(one_line(err, prefix=f"generator.params ({self.kind})")) from None
        object.__setattr__(self, "params", validated.model_dump(exclude_unset=True))
        return self


class BalanceConfig(Section):
    """How far to balance: every class up to target_ratio × the largest class."""

    target_ratio: float = Field(default=1.0, gt=0, le=1)


class OutputConfig(Section):
    """Where versions are published."""

    store: Path = Field(default=Path("datasets"), description="the content-addressed store")
    runs: Path = Field(
        default=Path("runs"),
        description="where a run that publishes nothing (the gate refused) leaves its report",
    )
    name: str | None = Field(default=None, description="dataset name (default: from source)")
    cache_fits: bool = Field(
        default=True, description="keep fitted generators in STORE/.cache so a rerun reuses them"
    )

    @field_validator("name")
    @classmethod
    def _plain_name(cls, name: str | None) -> str | None:
        from equipoise.dataspec.naming import check_name

        return None if name is None else check_name(name)


class RunnerConfig(Section):
    """Where independent fits run: Prefect's task runners (see flows/runners.py)."""

    kind: Literal["default", "sequential", "thread", "process", "dask"] = "default"
    workers: int | None = Field(default=None, ge=1, description="threads / processes / workers")
    address: str | None = Field(
        default=None, description="dask: scheduler address (tcp://host:8786); none = local cluster"
    )

    @model_validator(mode="after")
    def _address_is_for_dask(self) -> RunnerConfig:
        if self.address and self.kind != "dask":
            raise InputError(f"runner.address is for kind: dask, not {self.kind}; remove it")
        return self


class DvcHandoff(Section):
    """Hand a published version to DVC: `dvc add`, commit the .dvc file, tag the version."""

    to: Literal["dvc"]
    repo: Path | None = Field(
        default=None, description="git + DVC repository holding the store (default: found above it)"
    )
    remote: str | None = Field(default=None, description="DVC remote to `dvc push` to")


class MlflowHandoff(Section):
    """Log a published version to MLflow as a dataset input with equipoise's digest."""

    to: Literal["mlflow"]
    tracking_uri: str | None = Field(default=None, description="default: MLFLOW_TRACKING_URI")
    experiment: str = Field(default="equipoise")
    artifact_location: str | None = Field(
        default=None, description="where a new experiment keeps artifacts (default: MLflow's)"
    )


Handoff = Annotated[DvcHandoff | MlflowHandoff, Field(discriminator="to")]


class JobConfig(Section):
    """One equipoise job: the sections every modality shares. A modality's job model
    subclasses it with `MODALITY`, its input section, `validation` and `gate`."""

    #: the modality plug-in this job runs through (`pipeline/modalities.py`)
    MODALITY: typing.ClassVar[str] = ""
    #: the config key of the input section
    SECTION: typing.ClassVar[str] = ""
    #: the generator kind used when the job names none (or gives params without a kind)
    DEFAULT_GENERATOR: typing.ClassVar[str] = ""
    #: the kinds a job that names no generator runs (empty: DEFAULT_GENERATOR alone)
    DEFAULT_PORTFOLIO: typing.ClassVar[tuple[str, ...]] = ()

    seed: int = Field(default=0, ge=0, le=2**32 - 1, description="0 to 2**32 - 1")
    split: SplitConfig = Field(default_factory=SplitConfig)
    generator: GeneratorConfig | list[GeneratorConfig] | None = Field(
        default=None,
        description="one generator, or a list: each is validated and competes in the gate "
        "(default: the modality's default portfolio, or its default kind)",
    )
    budget: float = Field(
        default=DEFAULT_BUDGET_MINUTES,
        gt=0,
        allow_inf_nan=False,
        description="minutes the run aims to reach its verdict in: sets the epochs of "
        "epoch-trained generators and skips those that cannot fit",
    )
    memory: str | None = Field(
        default=None,
        description="memory the run may hold resident, e.g. 8G or 512M (default: half of "
        "the memory available when it starts): big tables' fits, validation and gate are "
        "sized down or skipped to fit it, and a run that cannot fit refuses at the start",
    )
    balance: BalanceConfig = Field(default_factory=BalanceConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    runner: RunnerConfig = Field(default_factory=RunnerConfig)
    handoff: list[Handoff] = Field(default=[], description="hand-offs after publishing")

    @model_validator(mode="before")
    @classmethod
    def _default_generator(cls, raw: Any) -> Any:
        if not isinstance(raw, dict):
            return raw
        gen = raw.get("generator")
        if gen is None:  # None: the default portfolio
            return (
                raw
                if cls.DEFAULT_PORTFOLIO
                else {**raw, "generator": {"kind": cls.DEFAULT_GENERATOR}}
            )
        if isinstance(gen, dict) and "kind" not in gen:  # e.g. --set generator.params.x=1
            return {**raw, "generator": {"kind": cls.DEFAULT_GENERATOR, **gen}}
        return raw

    @field_validator("memory", mode="before")
    @classmethod
    def _memory_amount(cls, value: Any) -> str | None:
        from equipoise.pipeline.footprint import parse_memory

        if value is None:
            return None
        parse_memory(value)  # InputError with the form to write
        return str(value)

    @model_validator(mode="after")
    def _check_generators(self) -> JobConfig:
        from equipoise.generators import registry

        if isinstance(self.generator, list) and not self.generator:
            raise InputError("config: generator: the list is empty; name at least one kind")
        for gen in self.generators:
            if gen.kind not in registry.REGISTRY:
                raise InputError(
                    f"unknown generator kind {gen.kind!r}; known kinds: "
                    f"{', '.join(registry.known_kinds(self.MODALITY))} (`equipoise kinds`)"
                )
            made = registry.generator_class(gen.kind).modality
            if made != self.MODALITY:
                raise InputError(
                    f"generator kind {gen.kind!r} makes {made} data, not {self.MODALITY} "
                    f"data; {self.MODALITY} kinds: "
                    f"{', '.join(registry.known_kinds(self.MODALITY))}"
                )
        return self

    @classmethod
    def input_model(cls) -> type[InputSection]:
        """The model of the modality's input section."""
        return cls.model_fields[cls.SECTION].annotation  # type: ignore[return-value]

    @property
    def input(self) -> InputSection:
        """The modality's input section (`data:`, `images:`, ...)."""
        return getattr(self, self.SECTION)

    @property
    def uses_portfolio(self) -> bool:
        """True when the job names no generator and runs the modality's portfolio."""
        return self.generator is None

    @property
    def generators(self) -> list[GeneratorConfig]:
        """The configured generators (or the default portfolio's), in order."""
        gen = self.generator
        if gen is None:
            return [GeneratorConfig(kind=kind) for kind in self.DEFAULT_PORTFOLIO]
        return list(gen) if isinstance(gen, list) else [gen]

    @property
    def generator_names(self) -> list[str]:
        """One unique name per configured generator: its kind, numbered when repeated."""
        names: list[str] = []
        for gen in self.generators:
            n = sum(1 for g in self.generators[: len(names)] if g.kind == gen.kind)
            names.append(gen.kind if n == 0 else f"{gen.kind}-{n + 1}")
        return names

    @property
    def dataset_name(self) -> str:
        return self.output.name or self.input.default_name() or "dataset"


def _params_model(kind: str) -> type[BaseModel]:
    """A pydantic model of a generator's keyword parameters, built from its signature."""
    from equipoise.generators import registry

    cls = registry.generator_class(kind)
    hints = typing.get_type_hints(cls.__init__)
    fields = {
        name: (hints.get(name, Any), p.default) for name, p in registry.parameters(kind).items()
    }
    return create_model(f"{kind}_params", __config__=ConfigDict(extra="forbid"), **fields)


# --------------------------------------------------------------------------- loading


def load_job(
    path: Path | None = None,
    *,
    overrides: Sequence[str] = (),
    base: dict[str, Any] | None = None,
) -> JobConfig:
    """Read YAML (or start from `base`), apply `key.path=value` overrides, and validate
    with the job model of the modality whose input section it has (tables when none).

    A relative source in a config file is resolved against the file's folder.
    """
    from equipoise.pipeline.modalities import modality_of_config

    raw: dict[str, Any] = dict(base or {})
    if path is not None:
        raw = read_yaml(path)
    model = modality_of_config(raw).job_model
    section = raw.get(model.SECTION)
    source = section.get("source") if isinstance(section, dict) else None
    if (
        path is not None
        and isinstance(source, str)
        and not model.input_model().is_bundled(source)
        and not Path(source).is_absolute()
    ):
        raw[model.SECTION] = {**section, "source": str((path.parent / source).resolve())}
    for item in overrides:
        apply_override(raw, item)
    try:
        return model.model_validate(raw)
    except ValidationError as err:
        origin = f"config {path}" if path else "config"
        raise InputError(one_line(err, prefix=origin)) from None


def read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise InputError(f"config file {path} not found; check the path")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise InputError(f"config file {path} is not valid YAML{where}; fix the syntax") from None
    if not isinstance(raw, dict):
        raise InputError(f"config file {path} must be a YAML mapping (key: value lines)")
    return raw


def apply_override(raw: dict[str, Any], item: str) -> None:
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise InputError(f"--set {item!r}: write it as key.path=value, e.g. generator.kind=smote")
    node: Any = raw
    parts = key.strip().split(".")
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, list):  # e.g. generator.1.params.epochs=50 in a list
            if not (part.isdigit() and int(part) < len(node)):
                raise InputError(
                    f"--set {item!r}: {parts[i - 1]!r} is a list of {len(node)}; "
                    f"give an index 0..{len(node) - 1} after it"
                )
            node = node[int(part)]
            continue
        if part.isdigit() and isinstance(node, dict) and part not in node:
            # generator.0.params.x=1 on a job with one generator (a mapping, not a list)
            if part != "0":
                raise InputError(
                    f"--set {item!r}: {parts[i - 1]!r} is a single mapping, not a list; "
                    f"write {'.'.join(parts[:i] + parts[i + 1 :])}=..."
                )
            continue
        child = node.setdefault(part, {}) if isinstance(node, dict) else None
        if not isinstance(child, dict | list):
            raise InputError(f"--set {item!r}: {part!r} is not a section")
        node = child
    parsed = yaml.safe_load(value) if value.strip() else None
    if isinstance(node, list) and parts[-1].isdigit() and int(parts[-1]) < len(node):
        node[int(parts[-1])] = parsed
    elif isinstance(node, dict):
        node[parts[-1]] = parsed
    else:
        raise InputError(f"--set {item!r}: {parts[-2]!r} is a list; give an index, e.g. 0")


def one_line(err: ValidationError, *, prefix: str) -> str:
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "(top level)"
    message = first["msg"]
    if first["type"] in ("extra_forbidden", "unexpected_keyword_argument"):
        message = "unknown key; remove it or fix its spelling"
    elif first["type"] == "missing":
        message = "required key is missing; add it"
    elif "input" in first and not isinstance(first["input"], dict):
        message += f" (got {first['input']!r})"
    more = f" (+{len(err.errors()) - 1} more)" if len(err.errors()) > 1 else ""
    return f"{prefix}: {where}: {message}{more}"
