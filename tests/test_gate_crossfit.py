"""Gate power for small minorities (issue 12): a class with 30 real rows leaves about 8
in the holdout, too few to judge; the gate then cross-fits on every real row, refits
the cheap generators per fold on that fold's training rows only, judges costly ones on
the holdout rows alone, and the report and gate.json say so. `cross_fit: never` keeps
the holdout."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split
from typer.testing import CliRunner

from equipoise.cli import app
from equipoise.dataspec import InputError, infer_schema
from equipoise.generators import registry
from equipoise.generators.tables.imblearn_family import Smote
from equipoise.pipeline.candidates import Candidate, accept, refitter
from equipoise.pipeline.config import load_job
from equipoise.pipeline.modalities import modality
from equipoise.validation.gate import Arena, GateSettings, SyntheticSet, run_gate

runner = CliRunner()
FAST = {"models": ("logreg",), "bootstrap": 200, "baselines": ("none", "class_weight"),
        "dose": None}  # fmt: skip


@pytest.fixture(scope="module")
def small_minority(attrition_narrow) -> pd.DataFrame:
    """Real attrition rows: 30 of class 'Yes', 150 of 'No', no duplicate rows."""
    frame = attrition_narrow.drop_duplicates()
    yes = frame[frame["Attrition"] == "Yes"].sample(30, random_state=0)
    no = frame[frame["Attrition"] == "No"].sample(150, random_state=0)
    return pd.concat([yes, no]).sample(frac=1, random_state=0).reset_index(drop=True)


def _arena(frame: pd.DataFrame, **settings):
    schema = infer_schema(frame, "Attrition")
    X, y = schema.split_xy(frame)
    Xa, Xb, ya, yb = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    parts = [v.reset_index(drop=True) for v in (Xa, ya, Xb, yb)]
    gate = GateSettings(**{**FAST, **settings})
    return Arena("table", schema, (parts[0], parts[1]), (parts[2], parts[3]), gate, seed=3)


def _smote_set(arena: Arena, job, mod) -> tuple[Candidate, SyntheticSet]:
    """SMOTE fitted on the arena's training split, validated, as the flow makes it."""
    smote = Smote(arena.schema).fit(*arena.train, seed=0)
    counts = pd.Series(arena.train[1]).value_counts().to_dict()
    asked = {"Yes": counts["No"] - counts["Yes"]}
    samples = smote.sample(asked, seed=1)
    validation = mod.validator()(arena.schema, train=arena.train, holdout=arena.holdout,
                                 synthetic=samples, settings=job.validation, seed=2)  # fmt: skip
    cand = Candidate("smote", smote)
    accept(cand, samples, validation, asked, arena.train, asked)
    assert cand.gate_set is not None, cand.failure
    return cand, cand.gate_set


def _keys(X: pd.DataFrame) -> set[tuple]:
    return set(map(tuple, X.astype(str).to_numpy()))


def test_no_generator_refitted_for_a_fold_sees_that_fold(small_minority, monkeypatch):
    arena = _arena(small_minority, cross_fit="auto", cross_fit_repeats=1)
    job = load_job(base={"data": {"source": "t.csv", "label": "Attrition"}})
    mod = modality("table")
    cand, gate_set = _smote_set(arena, job, mod)
    fitted: list[set] = []

    class Spy(Smote):
        def fit(self, X, y, *, seed):
            fitted.append(_keys(X))
            return super().fit(X, y, seed=seed)

    monkeypatch.setattr(registry, "create", lambda kind, schema, params=None: Spy(schema))
    refit = refitter(cand, job, mod, arena.schema)
    scored: list[set] = []

    def spying(train, test, seed):
        scored.append(_keys(test[0]))
        return refit(train, test, seed)

    board = run_gate(arena, {"smote": gate_set}, refit={"smote": spying})
    every = _keys(pd.concat([arena.train[0], arena.holdout[0]]))
    assert len(fitted) == len(scored) == arena.settings.cross_fit_folds == 3  # one refit per fold
    for seen, fold in zip(fitted, scored, strict=True):
        assert fold and not seen & fold  # never a row of the fold it predicts
        assert seen | fold == every
    assert board.method["method"] == "cross_fit" and board.method["refitted"] == ["smote"]
    assert len(board.y_holdout) == len(small_minority)  # pooled: every real row once


def test_never_keeps_the_holdout_and_costly_generators_are_judged_on_the_holdout(small_minority):
    arena = _arena(small_minority, cross_fit="never")
    job = load_job(base={"data": {"source": "t.csv", "label": "Attrition"}})
    mod = modality("table")
    cand, gate_set = _smote_set(arena, job, mod)
    refit = {"smote": refitter(cand, job, mod, arena.schema)}
    board = run_gate(arena, {"smote": gate_set}, refit=refit)
    assert board.method["method"] == "holdout"
    assert len(board.y_holdout) == len(arena.holdout[1])
    assert (np.asarray(arena.holdout[1]) == "Yes").sum() < 20
    names = {r.candidate.name for r in board.rows}
    assert names == {"none", "class_weight", "smote"}

    # A generator too costly to refit per fold keeps the rows of its one fit on the
    # training split: it competes, scored on the holdout rows alone (never left out).
    auto = _arena(small_minority, cross_fit="auto", cross_fit_repeats=1)
    board = run_gate(auto, {"smote": gate_set, "costly": gate_set}, refit=refit)
    method = board.method
    assert method["method"] == "cross_fit" and method["refitted"] == ["smote"]
    assert set(method["on_holdout"]) == {"costly"}
    held = len(auto.holdout[1])
    assert f"judged on the {held} holdout rows alone: costly" in method["sentence"]
    costly = next(r for r in board.rows if r.candidate.name == "costly")
    assert costly.candidate.scope == "holdout" and "too costly to refit" in costly.candidate.judged
    outside = np.setdiff1d(np.arange(len(board.y_holdout)), board.scopes["holdout"])
    assert np.isnan(costly.candidate.proba[outside]).all(), "never scored on rows it saw"
    assert not np.isnan(costly.candidate.proba[board.scopes["holdout"]]).any()
    smote = next(r for r in board.rows if r.candidate.name == "smote")
    assert smote.candidate.scope == "all" and "refitted on each fold" in smote.candidate.judged
    # compared with every baseline on the same holdout rows
    none = next(r for r in board.rows if r.candidate.name == "none")
    assert set(none.scoped) == {"all", "holdout"}
    assert none.on("holdout")[0] != none.point
    with pytest.raises(InputError, match="cross_fit must be"):
        GateSettings(cross_fit="sometimes")


def test_the_line_is_cross_fit_below_rows_of_a_class(small_minority):
    arena = _arena(small_minority, cross_fit="auto", cross_fit_below=5)
    assert (np.asarray(arena.holdout[1]) == "Yes").sum() >= 5
    assert run_gate(arena, {}).method["method"] == "holdout"
    arena = _arena(small_minority, cross_fit="auto")  # default: 50
    board = run_gate(arena, {})
    assert board.method["method"] == "cross_fit" and "(fewer than 50)" in board.method["reason"]


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_a_30_row_class_is_judged_by_cross_fitting_and_the_report_says_so(
    tmp_path, small_minority, refusal
):
    data = tmp_path / "table.csv"
    small_minority.to_csv(data, index=False)
    # cross-fitting is the default: no gate.cross_fit needed
    args = ["run", "--data", str(data), "--label", "Attrition", "--out", str(tmp_path / "store"),
            "--set", f"output.runs={tmp_path / 'runs'}", "--set", "gate.bootstrap=200",
            "--set", "generator.kind=smote", "--set", "gate.models=[logreg]",
            "--set", "gate.baselines=[none, class_weight]"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code in (0, 3), result.output
    if result.exit_code == 3:
        _, folder, gate = refusal(result)
    else:
        folder = Path(result.stdout.strip().splitlines()[-1])
        gate = json.loads((folder / "manifest.json").read_text())["gate"]
    method = gate["method"]
    held = gate["holdout_rows"]
    assert method["method"] == "cross_fit" and method["rows"] == 180 and held < 180
    assert method["folds"] == 3 and method["repeats"] == 1 and method["refitted"] == ["smote"]
    assert method["reason"].startswith("the holdout has ") and "class 'Yes'" in method["reason"]
    html = (folder / "report.html").read_text()
    assert "judged by 3-fold cross-fitting on all 180 real rows because the " \
           "holdout has" in html and "refitted per fold: smote" in html  # fmt: skip


def test_a_fold_refit_is_validated_by_the_checks_that_keep_or_drop_rows(small_minority):
    # copies of the fold's training rows are removed as in the full validation (the
    # fold's scored rows, which the refit never saw, are kept alike); the GX suite,
    # fidelity and TSTR do not run
    validate_synthetic = modality("table").validator()

    arena = _arena(small_minority)
    train, fold = arena.train, arena.holdout
    yes = (train[0][train[1] == "Yes"].head(10), fold[0][fold[1] == "Yes"].head(3))
    X_syn = pd.concat(yes, ignore_index=True)
    synthetic = (X_syn, pd.Series(["Yes"] * len(X_syn)))
    full = validate_synthetic(arena.schema, train=train, holdout=fold, synthetic=synthetic)
    light = modality("table").fold_validator()(arena.schema, train=train, holdout=fold,
                                               synthetic=synthetic)  # fmt: skip
    assert np.array_equal(light.keep, full.keep) and not light.keep[:10].any()
    assert light.timings["schema"] == 0 and full.timings["schema"] > 0
    assert light.utility == {} and full.utility
    assert light.classes["Yes"]["rows"]["removed_by_leakage"] == 10


def test_a_synthetic_candidate_left_out_does_not_take_the_baseline_of_its_name(small_minority):
    # the smote generator failing its refit on a fold used to drop the SMOTE baseline too
    def failing(train, test, seed):
        raise ValueError("smote: validation failed on this fold")

    arena = _arena(small_minority, baselines=("none", "smote"))
    board = run_gate(arena, {"smote": SyntheticSet(arena.train, arena.train)},
                     refit={"smote": failing})  # fmt: skip
    assert {(r.candidate.name, r.candidate.family) for r in board.rows} == {
        ("none", "baseline"),
        ("smote", "baseline"),
    }
    assert board.method["not_refitted"]["smote"].startswith("could not be refitted on fold 1")
