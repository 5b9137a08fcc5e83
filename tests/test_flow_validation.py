"""Validation inside the flow: every generator goes through schema, fidelity and
leakage; a leaky generator blocks publication (exit 4); broken rows are dropped
and counted."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from flow_settings import FAST_GATE
from typer.testing import CliRunner

from equipoise.cli import app
from equipoise.generators import Generator, registry
from equipoise.generators.tables.base import TableGenerator

pytestmark = pytest.mark.usefixtures("prefect_server")
runner = CliRunner()

FAST = {
    "ctgan": ["epochs=3", "batch_size=100"],
    "tvae": ["epochs=3", "batch_size=100"],
    "forest_flow": ["n_t=3", "duplicate_K=2", "n_estimators=5", "max_depth=3"],
}
#: SMOTE variants whose path through the flow is smote's (the common generator suite
#: runs each by default); `make test-all` runs them here too
SAME_PATH_AS_SMOTE = {"adasyn", "borderline_smote", "svm_smote"}
#: the same path through the flow as a kind that runs by default: tvae and forest_flow as
#: the copula's (a TableModelGenerator fitted per minority class), smotenc and smoten as
#: smote's (imbalanced-learn's SMOTE family)
SAME_PATH = SAME_PATH_AS_SMOTE | {"tvae", "forest_flow", "smotenc", "smoten"}
GENERATORS = [
    pytest.param(kind, marks=[pytest.mark.extended] if kind in SAME_PATH else [])
    for kind in registry.known_kinds("table")
    if issubclass(registry.REGISTRY[kind], Generator)
]  # every registered generator that makes rows (resamplers only select real ones)


# These tests are about other steps: a small gate that records its decision and publishes.


def _run(tmp_path: Path, frame: pd.DataFrame, label: str, *args: str):
    data = tmp_path / "table.csv"
    frame.to_csv(data, index=False)
    store = tmp_path / "store"
    result = runner.invoke(
        app,
        ["run", "--data", str(data), "--label", label, "--out", str(store), *args]
        + [f"--set={s}" for s in FAST_GATE],
    )
    return result, store


@pytest.mark.parametrize("kind", GENERATORS)
def test_every_generator_goes_through_all_three_checks(
    tmp_path, attrition_narrow, categorical_view, kind
):
    # six features (three numeric, three categorical): the checks' path, not their width
    # (a wide table runs through the flow in tests/test_flow.py)
    frame = categorical_view if kind == "smoten" else attrition_narrow
    params = [f"--set=generator.params.{p}" for p in FAST.get(kind, [])]
    # Three epochs are far from a good model: this test is about the checks running,
    # so the fidelity thresholds are off; their verdicts are tested elsewhere.
    loose = [
        "--set=validation.min_column_shapes=0",
        "--set=validation.min_column_pair_trends=0",
        "--set=validation.max_near_copy_share=1",  # 64-row minority: see test_leaky_* for it
    ]
    result, _ = _run(tmp_path, frame, "Attrition", "--generator", kind, *params, *loose)
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip().splitlines()[-1])
    validation = json.loads((path / "manifest.json").read_text())["validation"]
    checks = {row["check"] for row in validation["checks"] if row["class"] == "Yes"}
    assert {"schema.rows_dropped", "fidelity.column_shapes", "fidelity.column_pair_trends",
            "fidelity.detection_auc", "leakage.exact_copies", "leakage.near_copies",
            "leakage.dcr_share", "label.share_kept", "label.rows_dropped"} <= checks  # fmt: skip
    yes = validation["classes"]["Yes"]
    assert yes["fidelity"]["column_shapes"] is not None
    if kind == "random_oversample":  # copies by design: counted, kept, no distances
        assert yes["leakage"]["exact_copies"]["share"] == 1.0
    else:
        assert yes["leakage"]["dcr"]["share"] is not None
    assert validation["passed"] is True
    assert (path / "reports" / "index.html").is_file(), "GX Data Docs published with the version"


@pytest.fixture(scope="module")
def categorical_view(attrition):
    return attrition[[c for c in attrition.columns if attrition[c].dtype == object]]


class Leaky(TableGenerator):
    """Returns training rows of the asked class with a little noise on the numbers."""

    kind = "leaky"

    def _fit(self, X, y, *, seed, progress):
        self.X_, self.y_ = X, y

    def _sample(self, counts, *, seed):
        rng = np.random.default_rng(seed)
        parts = []
        for cls, n in counts.items():
            pool = np.flatnonzero((self.y_ == cls).to_numpy())
            parts.append(self.X_.iloc[rng.choice(pool, size=n, replace=True)])
        X = pd.concat(parts, ignore_index=True)
        for spec in self.schema.numeric:  # tiny noise: no row stays an exact copy
            if spec.maximum - spec.minimum > 1000:
                X[spec.name] = X[spec.name] + rng.choice([-1, 1], size=len(X))
        return X, pd.Series(np.repeat(list(counts), list(counts.values())))


class Broken(Leaky):
    """Honest-looking rows of another class, a third of them out of range or off-domain."""

    kind = "broken"

    def _sample(self, counts, *, seed):
        rng = np.random.default_rng(seed)
        parts = []
        for cls, n in counts.items():
            pool = self.X_[(self.y_ != cls).to_numpy()]
            parts.append(pool.sample(n=n, replace=True, random_state=seed))
        X = pd.concat(parts, ignore_index=True)
        bad = rng.random(len(X)) < 1 / 3
        X.loc[bad, "Age"] = 500
        X.loc[bad, "Department"] = "Space_Exploration"
        y = pd.Series(np.repeat(list(counts), list(counts.values())))
        return X, y


def test_leaky_generator_blocks_publication(tmp_path, attrition_narrow, monkeypatch):
    monkeypatch.setitem(registry.REGISTRY, "leaky", Leaky)
    result, store = _run(tmp_path, attrition_narrow, "Attrition", "--generator", "leaky")
    assert result.exit_code == 4, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "validation failed" in errors[0]
    assert "leakage.near_copies" in errors[0]
    assert not list(store.rglob("manifest.json")), "nothing published"
    assert not store.exists() or not any(store.rglob("*.parquet")), "no staging left behind"


def test_broken_rows_are_dropped_counted_and_replaced(tmp_path, attrition, monkeypatch):
    monkeypatch.setitem(registry.REGISTRY, "broken", Broken)
    result, _ = _run(
        tmp_path, attrition, "Attrition", "--generator", "broken",
        "--set=validation.allow_exact_copies=true", "--set=validation.max_near_copy_share=1",
        "--set=validation.min_column_shapes=0", "--set=validation.min_column_pair_trends=0",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip().splitlines()[-1])
    manifest = json.loads((path / "manifest.json").read_text())
    table = pd.read_parquet(path / "train.parquet")
    dropped = manifest["validation"]["classes"]["Yes"]["rows"]["dropped_by_schema"]
    assert dropped > 50, "about a third of 300 sampled rows are broken"
    assert table["Age"].max() <= attrition["Age"].max()
    assert "Space_Exploration" not in set(table["Department"])
    failing = {f["expectation"] for f in manifest["validation"]["schema"]["failed"]}
    assert any("between" in name for name in failing)
    assert any("in_set" in name for name in failing)
    published = manifest["class_counts"]["published"]
    assert published["Yes"] <= published["No"]


def test_label_filter_and_utility_reach_the_manifest_and_report(tmp_path, attrition_narrow):
    result, _ = _run(tmp_path, attrition_narrow, "Attrition", "--generator", "smote",
                     "--set=validation.min_label_proba=0.3")  # fmt: skip
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip().splitlines()[-1])
    manifest = json.loads((path / "manifest.json").read_text())
    validation = manifest["validation"]
    yes = validation["classes"]["Yes"]
    assert yes["label"]["share_kept"] is not None
    assert yes["rows"]["dropped_by_label"] == validation["rows"]["dropped_by_label"]
    assert {"label.share_kept", "label.rows_dropped"} <= {r["check"] for r in validation["checks"]}
    (cand,) = manifest["candidates"]
    tstr = cand["utility"]["models"]["logreg"]["Yes"]
    assert 0 < tstr["synthetic"] <= 1 and 0 < tstr["real"] <= 1
    assert validation["utility"] == cand["utility"]
    html = (path / "report.html").read_text()
    assert "train on synthetic, test on real" in html and "label.rows_dropped" in html

    (tmp_path / "off").mkdir()
    off, _ = _run(
        tmp_path / "off", attrition_narrow, "Attrition", "--generator", "smote",
        "--set=validation.label_filter=false", "--set=validation.utility_models=[]",
    )  # fmt: skip
    assert off.exit_code == 0, off.output
    manifest = json.loads((Path(off.stdout.strip().splitlines()[-1]) / "manifest.json").read_text())
    assert manifest["validation"]["rows"]["dropped_by_label"] == 0
    assert not [r for r in manifest["validation"]["checks"] if r["check"].startswith("label.")]
    assert "utility" not in manifest["candidates"][0]
