"""The balance flow on tables, on a real Prefect server (test harness)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pytest
from flow_settings import FAST_GATE

from equipoise.generators import registry
from equipoise.generators.tables.imblearn_family import RandomOversample
from equipoise.pipeline.config import load_job

pytestmark = pytest.mark.usefixtures("prefect_server")


# These tests are about other steps: a small gate that records its decision and publishes.


def _config(tmp_path, frame, label, *overrides):
    data = tmp_path / "table.csv"
    if not data.exists():
        frame.to_csv(data, index=False)
    base = {
        "data": {"source": str(data), "label": label},
        "output": {"store": str(tmp_path / "store")},
    }
    return load_job(base=base, overrides=[*FAST_GATE, *overrides])


def _run(config):
    from equipoise.flows.balance import balance

    return Path(balance(config)["path"])


def test_flow_publishes_a_balanced_complete_version(tmp_path, attrition):
    path = _run(_config(tmp_path, attrition, "Attrition", "generator.kind=smote"))
    table = pd.read_parquet(path / "train.parquet")
    provenance = pd.read_parquet(path / "provenance.parquet")
    manifest = json.loads((path / "manifest.json").read_text())

    assert list(table.columns) == list(attrition.columns), "exactly the input's columns"
    real = table[provenance["origin"].eq("real").to_numpy()].reset_index(drop=True)
    pd.testing.assert_frame_equal(real, attrition, check_dtype=False)  # every real row, in order
    assert table["Attrition"].value_counts().nunique() == 1, "balanced"
    assert set(provenance["split"].dropna()) == {"train", "holdout"}
    assert provenance.loc[provenance.origin == "synthetic", "generator"].eq("smote").all()

    counts = manifest["class_counts"]
    assert counts["input"] == {"No": 336, "Yes": 64}
    assert counts["published"] == {"No": 336, "Yes": 336}
    assert manifest["rows"]["synthetic_published"] == 272
    assert manifest["generator"] == {
        "kind": "smote", "role": "generator", "params": {"k_neighbors": 5}, "method": "SMOTENC",
    }  # fmt: skip
    assert manifest["prefect_flow_run_id"]
    assert manifest["schema"]["label"] == "Attrition"
    assert manifest["validation"] is not None
    assert manifest["packages"]["ctgan"] == "0.12.1"
    assert manifest["config"]["generator"]["kind"] == "smote"
    assert set(manifest["files"]) >= {"train.parquet", "provenance.parquet", "report.html"}
    assert manifest["version"] in (path / "report.html").read_text()
    assert list(manifest["timings_s"])[-1] == "publish" and manifest["timings_s"]["publish"] > 0


def test_flow_creates_prefect_artifacts(tmp_path, attrition):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterKey,
    )

    version = _run(_config(tmp_path, attrition, "Attrition", "generator.kind=smote"))
    run_id = json.loads((version / "manifest.json").read_text())["prefect_flow_run_id"]
    with get_client(sync_client=True) as client:
        mine = ArtifactFilterFlowRunId(any_=[run_id])  # the session's server holds others too
        counts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=["class-counts"]), flow_run_id=mine
            )
        )
        (summary,) = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=["summary"]), flow_run_id=mine
            )
        )
    assert counts and "generators: smote; published: `smote`" in summary.data
    assert version.name in summary.data and "(table)" in summary.data


@pytest.mark.extended  # the recorded ids (test_version_ids.py) pin same seed, same version
def test_same_seed_same_version_other_seed_other_version(tmp_path, attrition):
    first = _run(_config(tmp_path, attrition, "Attrition", "generator.kind=smote", "seed=1"))
    again = _run(_config(tmp_path, attrition, "Attrition", "generator.kind=smote", "seed=1"))
    other = _run(_config(tmp_path, attrition, "Attrition", "generator.kind=smote", "seed=2"))
    assert first == again
    assert other != first
    assert sorted(p.name for p in first.parent.iterdir()) == sorted(
        [first.name, other.name, "latest"]
    )


class Recording(RandomOversample):
    """Remembers every row it was fitted on or asked about."""

    kind = "recording"
    seen: ClassVar[list[pd.DataFrame]] = []

    def _fit(self, X, y, *, seed, progress):
        Recording.seen.append(X.copy())
        super()._fit(X, y, seed=seed, progress=progress)


def test_holdout_never_reaches_the_generator(tmp_path, attrition_narrow, monkeypatch):
    monkeypatch.setitem(registry.REGISTRY, "recording", Recording)
    Recording.seen.clear()
    config = _config(tmp_path, attrition_narrow, "Attrition", "generator.kind=recording")
    path = _run(config)
    provenance = pd.read_parquet(path / "provenance.parquet")
    real = provenance[provenance.origin == "real"]
    holdout_rows = real.loc[real.split == "holdout", "source_row"].to_numpy()
    train_rows = real.loc[real.split == "train", "source_row"].to_numpy()

    manifest = json.loads((path / "manifest.json").read_text())
    method = manifest["gate"]["method"]
    refits = method["folds"] * method["repeats"] if method["method"] == "cross_fit" else 0
    assert len(Recording.seen) == 1 + refits  # the published fit, then one per gate fold
    fitted = Recording.seen[0]  # the fit whose rows are published: the training split only
    features = attrition_narrow.drop(columns="Attrition")
    key = features.astype(str).agg("|".join, axis=1)
    fitted_keys = set(fitted.astype(str).agg("|".join, axis=1))
    assert len(fitted) == len(train_rows)
    assert fitted_keys == set(key.iloc[train_rows])
    assert not fitted_keys & set(key.iloc[holdout_rows]), "a holdout row reached the generator"


def test_resampler_publishes_the_kept_real_rows(tmp_path, attrition_narrow):
    path = _run(
        _config(tmp_path, attrition_narrow, "Attrition", "generator.kind=random_undersample")
    )
    table = pd.read_parquet(path / "train.parquet")
    provenance = pd.read_parquet(path / "provenance.parquet")
    manifest = json.loads((path / "manifest.json").read_text())
    assert table["Attrition"].value_counts().to_dict() == {"No": 64, "Yes": 64}
    assert (provenance.origin == "real").all()
    kept = attrition_narrow.iloc[provenance["source_row"].to_numpy()].reset_index(drop=True)
    pd.testing.assert_frame_equal(table, kept, check_dtype=False)
    assert manifest["validation"] is None and manifest["generator"]["role"] == "resampler"
