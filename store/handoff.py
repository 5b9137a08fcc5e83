"""Hand-offs of a published version to dataset versioning: the `Publisher` seam.

The local content-addressed store (`versions.py`) needs no hand-off. Two real
adapters, each an optional extra: `DvcPublisher` (`dvc add` the version folder
inside a git repository, commit the `.dvc` file, tag the commit with the version
id, `dvc push` to a remote when one is named) and `MlflowPublisher` (the table as
an MLflow dataset (the modality's table of the version: the rows of a table, one row
per image) whose digest is equipoise's version id, logged as a run input
with the manifest and the report as artifacts). Both are idempotent: handing the
same version off twice finds the first hand-off and returns it.

lakeFS has no adapter: it speaks S3, so a DVC remote pointing at a lakeFS branch
(`dvc remote add lake s3://REPO/BRANCH` with `endpointurl` set to the lakeFS
server) is the supported path.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from equipoise.dataspec import HandoffError, InputError
from equipoise.pipeline.config import DvcHandoff, Handoff, MlflowHandoff


@dataclass(frozen=True)
class HandOff:
    """Where a version went: `ref` is the git tag, the MLflow run id, or the folder."""

    to: str
    ref: str
    created: bool  # False: this version had already been handed off there


class Publisher(Protocol):
    """Hands an existing version folder to another system."""

    to: str

    def hand_off(self, version: Path) -> HandOff: ...


def read_manifest(version: Path) -> dict[str, Any]:
    manifest = version / "manifest.json"
    if not manifest.is_file():
        raise InputError(
            f"{version} is not a published version (no manifest.json); pass a folder "
            "that `equipoise run` printed, e.g. STORE/NAME/latest"
        )
    return json.loads(manifest.read_text())


# --------------------------------------------------------------------------- DVC


def _command(args: Sequence[str], cwd: Path, what: str) -> str:
    done = subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
        raise HandoffError(f"{what} failed in {cwd}: {lines[-1].strip()}")
    return done.stdout.strip()


class DvcPublisher:
    """`dvc add` the version folder, commit its `.dvc` file, tag it, push if asked."""

    to = "dvc"

    def __init__(self, repo: Path | None = None, remote: str | None = None):
        self.repo = repo
        self.remote = remote

    def _dvc(self, *args: str, cwd: Path) -> str:
        return _command([sys.executable, "-m", "dvc", *args], cwd, f"dvc {args[0]}")

    def _repo_root(self, version: Path) -> Path:
        start = self.repo or version
        done = subprocess.run(
            ["git", "-C", str(start), "rev-parse", "--show-toplevel"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise InputError(
                f"{start} is not inside a git repository; put the store in one "
                "(`git init && dvc init`) or pass --repo"
            )
        root = Path(done.stdout.strip()).resolve()
        if not version.is_relative_to(root):
            raise InputError(f"{version} is outside the repository {root}; use a store inside it")
        if not (root / ".dvc").is_dir():
            raise InputError(f"{root} is a git repository without DVC; run `dvc init` there")
        return root

    def hand_off(self, version: Path) -> HandOff:
        version = version.resolve()
        manifest = read_manifest(version)
        root = self._repo_root(version)
        tag = f"equipoise/{manifest['name']}/{manifest['version']}"
        git = ["git", "-C", str(root)]
        known = _command([*git, "tag", "--list", tag], root, "git tag")
        rel = version.relative_to(root)
        dvc_file = rel.parent / f"{rel.name}.dvc"
        if not known:
            self._dvc("add", str(rel), cwd=root)
            ignore = rel.parent / ".gitignore"
            _command([*git, "add", str(dvc_file), str(ignore)], root, "git add")
            message = f"equipoise: {manifest['name']} version {manifest['version']}"
            _command([*git, "commit", "-m", message, "--", str(dvc_file), str(ignore)], root,
                     "git commit")  # fmt: skip
            _command([*git, "tag", "-a", tag, "-m", message], root, "git tag")
        if self.remote:
            self._dvc("push", "-r", self.remote, str(dvc_file), cwd=root)
        return HandOff(self.to, tag, created=not known)


# --------------------------------------------------------------------------- MLflow


class MlflowPublisher:
    """The published table as an MLflow dataset (digest = equipoise's version id),
    logged as the input of a run that carries the manifest and the report."""

    to = "mlflow"

    def __init__(
        self,
        tracking_uri: str | None = None,
        experiment: str = "equipoise",
        artifact_location: str | None = None,
    ):
        self.tracking_uri = tracking_uri
        self.experiment = experiment
        self.artifact_location = artifact_location

    def hand_off(self, version: Path) -> HandOff:
        import mlflow

        version = version.resolve()
        manifest = read_manifest(version)
        vid, name = manifest["version"], manifest["name"]
        found = self._recorded(mlflow, "equipoise.version", vid)
        if found:
            return found
        from equipoise.pipeline.modalities import modality_of_manifest

        frame, target = modality_of_manifest(manifest).read_version(version, manifest)
        dataset = mlflow.data.from_pandas(
            frame, source=str(version), targets=target, name=name, digest=vid,
        )  # fmt: skip
        tags = {"equipoise.version": vid, "equipoise.name": name, "equipoise.path": str(version),
                "equipoise.outcome": "published"}  # fmt: skip
        with mlflow.start_run(run_name=f"{name}-{vid}", tags=tags) as run:
            mlflow.log_input(dataset, context="training", tags={"equipoise.version": vid})
            mlflow.log_params(
                {"generator": manifest["generator"]["kind"], "seed": manifest["seed"]}
            )
            for artifact in ("manifest.json", "report.html"):
                mlflow.log_artifact(str(version / artifact))
        return HandOff(self.to, run.info.run_id, created=True)

    def record_refusal(self, folder: Path) -> HandOff:
        """A refused run as an MLflow run of its own: every leaderboard entry's score and
        interval as metrics, the decision and the recommendation as tags and params,
        gate.json, report.html and recipe.py as artifacts; tagged by dataset and outcome.
        Idempotent: a run folder already recorded is found by its tag."""
        import mlflow

        folder = Path(folder).resolve()
        manifest = json.loads((folder / "gate.json").read_text())
        gate, name = manifest["gate"], manifest["name"]
        found = self._recorded(mlflow, "equipoise.run_folder", str(folder))
        if found:
            return found
        decision = gate["decision"]
        advice = decision.get("recommendation") or {}
        tags = {
            "equipoise.name": name,
            "equipoise.outcome": "refused",
            "equipoise.run_folder": str(folder),
            "equipoise.decision": decision["sentence"][:5000],
            "equipoise.recommendation": str(advice.get("estimator", ""))[:5000],
        }
        params = {
            "seed": manifest["seed"],
            "method": gate["method"].get("method"),
            "primary": decision["primary"],
            "recommended": f"{advice.get('words')} ({advice.get('model')})",
        }
        with mlflow.start_run(run_name=f"{name}-refused", tags=tags) as run:
            mlflow.log_params(params)
            metrics = {}
            for r in gate["leaderboard"]:
                key = _metric_key(f"{r['family']}.{r['candidate']}.{r['model']}")
                metrics |= {f"{key}.value": r["value"], f"{key}.ci_low": r["ci_low"],
                            f"{key}.ci_high": r["ci_high"]}  # fmt: skip
            for k in ("uplift", "ci_low", "ci_high", "baseline_value", "winner_value"):
                if decision.get(k) is not None:
                    metrics[f"decision.{k}"] = decision[k]
            mlflow.log_metrics({k: float(v) for k, v in metrics.items() if v == v})
            for artifact in ("gate.json", "report.html", "recipe.py"):
                if (folder / artifact).is_file():
                    mlflow.log_artifact(str(folder / artifact))
        return HandOff(self.to, run.info.run_id, created=True)

    def _recorded(self, mlflow: Any, tag: str, value: str) -> HandOff | None:
        """The run already recorded with this tag (hand-offs are idempotent), or None."""
        experiment = self._experiment(mlflow)
        found = mlflow.search_runs(
            [experiment.experiment_id], filter_string=f"tags.`{tag}` = '{value}'",
            output_format="list",
        )  # fmt: skip
        return HandOff(self.to, found[0].info.run_id, created=False) if found else None

    def _experiment(self, mlflow: Any) -> Any:
        if self.tracking_uri:
            mlflow.set_tracking_uri(self.tracking_uri)
        if mlflow.get_experiment_by_name(self.experiment) is None:
            mlflow.create_experiment(self.experiment, artifact_location=self.artifact_location)
        return mlflow.set_experiment(self.experiment)


def _metric_key(text: str) -> str:
    """An MLflow metric name: letters, digits and _ - . / only."""
    return "".join(c if c.isalnum() or c in "_-./" else "_" for c in text)


# --------------------------------------------------------------------------- config


def publisher(spec: Handoff) -> Publisher:
    """The adapter a config `handoff:` entry (or `equipoise publish --to`) names."""
    if isinstance(spec, DvcHandoff):
        return DvcPublisher(repo=spec.repo, remote=spec.remote)
    if isinstance(spec, MlflowHandoff):
        return MlflowPublisher(spec.tracking_uri, spec.experiment, spec.artifact_location)
    raise InputError(f"unknown hand-off {spec!r}; use to: dvc or to: mlflow")


def check(specs: Sequence[Handoff], store: Path) -> None:
    """Refuse (exit 2) before a run what would make its hand-offs fail after publishing:
    a missing extra, or a store outside a git + DVC repository."""
    import importlib.util

    for spec in specs:
        if importlib.util.find_spec(spec.to) is None:
            raise InputError(
                f"hand-off to {spec.to} needs its extra: pip install 'equipoise[{spec.to}]'"
            )
        if isinstance(spec, DvcHandoff):
            existing = store.resolve()
            while not existing.exists():
                existing = existing.parent
            DvcPublisher(spec.repo, spec.remote)._repo_root(existing)


def hand_off_all(specs: Sequence[Handoff], version: Path) -> list[HandOff]:
    """Every hand-off a job's config asks for, in order, after publishing."""
    results = []
    for spec in specs:
        results.append(publisher(spec).hand_off(Path(version)))
    return results


def record_refusal_all(specs: Sequence[Handoff], folder: Path) -> list[HandOff]:
    """The hand-offs that record refusals (MLflow: one run per verdict; DVC versions
    data, and a refusal publishes none), after the refusal's run folder is written."""
    return [
        publisher(spec).record_refusal(Path(folder))
        for spec in specs
        if isinstance(spec, MlflowHandoff)
    ]
