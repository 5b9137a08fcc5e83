"""equipoise from Python: `balance` runs the same flow, steps and gate as `equipoise run`
on a DataFrame, a path or arrays, and returns an `Outcome` (published or refused).

Called inside a user's Prefect flow, it is a subflow of that flow; called outside one, it
starts Prefect's temporary server as the CLI does (no server to set up). A DataFrame or
arrays are handed to the flow in memory (`pipeline/memory.py`), never written to a file.
Errors raise the typed exceptions the CLI maps to exit codes (`equipoise.dataspec`):
InputError (2), GenerationError / ValidationFailed (4), Interrupted (130 / 143); a refusal
is not an error: it is an Outcome with `published=False` and the recommendation.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where used: the CLI imports this module for its set-up
    import pandas as pd
    from pydantic import BaseModel


def quiet_environment() -> None:
    """Offline defaults (no telemetry from Prefect or Great Expectations), set before
    Prefect reads its settings; a value the user set is kept."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # The temporary server needs more than Prefect's 20 s on a busy 2-core machine.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    # MiniRocket (series gate) compiles with numba: keep the compiled code between runs.
    os.environ.setdefault("NUMBA_CACHE_DIR", str(Path.home() / ".cache" / "equipoise" / "numba"))


@dataclass(frozen=True)
class Outcome:
    """What a run decided. `frame` is the balanced training table when published (real
    and kept synthetic rows, with their origin), the real table the run read when refused
    (tables and text; None for images and series, whose data stay where they were); the
    recommendation says what to do with it, `recipe` rebuilds it (refusals)."""

    published: bool
    #: the version id and folder (None when refused)
    version: str | None
    path: Path | None
    #: the decision: sentence, primary metric, winner, baseline, uplift and its interval
    decision: dict[str, Any]
    #: the strategy to train with: words, model, estimator, params, threshold, dose
    recommendation: dict[str, Any] | None
    #: report.html of the version or of the refused run
    report: Path
    #: every gate entry: candidate, family, model, value and interval, every metric
    leaderboard: pd.DataFrame
    frame: pd.DataFrame | None
    #: recipe.py of a refusal: the recommended estimator, ready to fit (None when published)
    recipe: Path | None = None

    @property
    def sentence(self) -> str:
        return self.decision["sentence"]

    def __repr__(self) -> str:
        state = f"published {self.version}" if self.published else "refused"
        return f"Outcome({state}: {self.sentence})"


def balance(
    data: pd.DataFrame | str | Path | tuple[Any, Any],
    label: str | None = None,
    *,
    text: str | None = None,
    modality: str | None = None,
    generator: str | list[str] | None = None,
    budget: float | None = None,
    seed: int = 0,
    store: str | Path | None = None,
    **settings: Mapping[str, Any] | BaseModel,
) -> Outcome:
    """Balance `data` and gate the result, as `equipoise run` does.

    `data`: a DataFrame with the `label` column (a text table when `text` names its text
    column); a path (CSV / Parquet, a class-per-subfolder image folder, an .npz) or a
    bundled source (`sklearn:breast_cancer`, `sktime:gunpoint`); or `(X, y)` arrays of
    series, X shaped (n, T) or (n, C, T). `modality` ("table", "text", "image",
    "series") settles a path that could be read either way. `generator`: a kind or a
    portfolio of kinds (default: the modality's portfolio); `budget`: minutes;
    `store`: the folder of published versions (default `datasets`).

    Any other section of the job config is a keyword, as a dict or as the pydantic model
    the YAML is read into: `gate={"primary": "recall"}`,
    `gate=GateSettings(models=["logreg"])`, `output={"name": "churn"}`,
    `validation=...`, `split=...`, `handoff=[...]`; a dict given for the input section
    (`data`, `text`, `series`, `images`) adds to it (`series={"id": "sid"}`).
    """
    quiet_environment()
    from equipoise.pipeline import memory

    held = _held(data, label, text)
    with memory.held(held) if held is not None else nullcontext(str(data)) as source:
        job = job_config(
            _raw(source, label, text, modality, data, settings),
            generator=generator, budget=budget, seed=seed, store=store,
        )  # fmt: skip
        result = run_checked(job)
        caller = data if held is not None and not isinstance(held, dict) else None
        return _outcome(result, job, caller)


def _held(data: Any, label: str | None, text: str | None) -> Any:
    """What to hold in memory: a copy-free DataFrame, or a series' arrays; None for a path."""
    import numpy as np
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        if label is None:
            raise _input_error("balance(frame) needs label=: the name of the class column")
        return data
    if isinstance(data, tuple):
        if len(data) != 2:
            raise _input_error("balance((X, y)) takes a pair: series X (n, T) or (n, C, T), y")
        return {"X": np.asarray(data[0]), "y": np.asarray(data[1])}
    if isinstance(data, str | Path):
        return None
    raise _input_error(
        f"balance() takes a DataFrame, a path or (X, y) arrays, not a {type(data).__name__}"
    )


def _raw(
    source: str, label: str | None, text: str | None, modality: str | None, data: Any,
    settings: Mapping[str, Any],
) -> dict[str, Any]:  # fmt: skip
    """The job config as the YAML would hold it."""
    from pydantic import BaseModel

    from equipoise.pipeline.modalities import MODALITIES, modality_of_data

    kind = modality or modality_of_data(data, source, text).name
    if kind not in MODALITIES:
        raise _input_error(f"modality {kind!r} unknown; one of {', '.join(MODALITIES)}")
    section = MODALITIES[kind].section
    raw: dict[str, Any] = {
        key: value.model_dump(by_alias=True, exclude_unset=True)
        if isinstance(value, BaseModel)
        else value
        for key, value in settings.items()
    }
    given = {"source": source, "label": label, "text": text}
    raw[section] = {**{k: v for k, v in given.items() if v is not None}, **raw.get(section, {})}
    if source.startswith("memory:") and not (raw.get("output") or {}).get("name"):
        raw["output"] = {
            **raw.get("output", {}),
            "name": "arrays" if kind == "series" else "dataframe",
        }
    return raw


def job_config(
    raw: dict[str, Any],
    *,
    generator: str | list[str] | None = None,
    budget: float | None = None,
    seed: int | None = None,
    store: str | Path | None = None,
    config: Path | None = None,
    memory: str | None = None,
    overrides: list[str] | tuple[str, ...] = (),
):
    """The validated job (InputError, exit 2, on a bad one) from a config file or the
    sections in `raw`, with the options the CLI and `balance` share."""
    from equipoise.pipeline.config import load_job

    extra: list[str] = []
    if isinstance(generator, str):  # first: --set generator.params.x=1 refines it
        extra.append(f"generator={{kind: {generator}}}")  # replaces a list too
    elif generator is not None:  # a portfolio
        extra.append("generator=[" + ", ".join(f"{{kind: {k}}}" for k in generator) + "]")
    extra += list(overrides)
    if budget is not None:
        extra.append(f"budget={budget}")
    if seed is not None:
        extra.append(f"seed={seed}")
    if memory is not None:
        extra.append(f"memory={memory}")
    if store is not None:
        extra.append(f"output.store={store}")
    if config is not None:
        return load_job(config, overrides=extra)
    return load_job(base=raw, overrides=extra)


def run_checked(job, console=None) -> dict[str, Any]:
    """Check the outputs and hand-offs (bad input answers before Prefect starts, in one
    line), load the models the job needs, then run the flow (progress bars on a rich
    `console` when given); the flow's result."""
    from equipoise.flows.deploy import run_job
    from equipoise.flows.logs import short_errors_in_prefect_logs
    from equipoise.flows.progress import rich_progress
    from equipoise.pipeline import preload
    from equipoise.pipeline.modalities import modality
    from equipoise.store.handoff import check as check_handoffs
    from equipoise.store.versions import check_outputs

    check_outputs(job.output)
    check_handoffs(job.handoff, Path(job.output.store))
    preload.preload(modality(job.MODALITY), job)
    with short_errors_in_prefect_logs(), rich_progress(console) if console else nullcontext():
        return run_job(job)


def _outcome(result: dict[str, Any], job, caller_frame: pd.DataFrame | None) -> Outcome:
    import pandas as pd

    from equipoise.pipeline.modalities import modality, modality_of_manifest

    if result["outcome"] == "published":
        path = Path(result["path"])
        manifest = json.loads((path / "manifest.json").read_text())
        frame, _ = modality_of_manifest(manifest).read_version(path, manifest)
        gate, report, recipe = manifest["gate"], path / "report.html", None
    else:
        path, folder = None, Path(result["report"])
        gate = json.loads((folder / "gate.json").read_text())["gate"]
        report, recipe = folder / "report.html", folder / "recipe.py"
        frame = caller_frame if caller_frame is not None else modality(job.MODALITY).real_frame(job)
    decision = gate["decision"]
    return Outcome(
        published=result["outcome"] == "published",
        version=result.get("version"),
        path=path,
        decision=decision,
        recommendation=decision.get("recommendation"),
        report=report,
        leaderboard=pd.DataFrame(gate["leaderboard"]),
        frame=frame,
        recipe=recipe if recipe is not None and recipe.is_file() else None,
    )


def _input_error(message: str):
    from equipoise.dataspec import InputError

    return InputError(message)
