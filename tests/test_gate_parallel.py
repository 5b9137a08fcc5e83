"""The gate's units of work run in worker processes (`gate.jobs`, `parallel.py`): the
leaderboard is the same as in one process (to the last digit, but for the focal-loss MLP's
float32 sums, which can differ in the last bits between processes: 1e-7), and a
cross-fitted gate's per-fold refits run there too."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from equipoise.dataspec import infer_schema
from equipoise.generators import registry
from equipoise.pipeline.candidates import Candidate, refitter
from equipoise.pipeline.config import load_job
from equipoise.pipeline.modalities import modality
from equipoise.validation.gate import Arena, GateSettings, SyntheticSet, decide, run_gate


def _split(attrition_narrow):
    """The table's schema and a stratified 75/25 split of its distinct rows."""
    frame = attrition_narrow.drop_duplicates()
    schema = infer_schema(frame, "Attrition")
    X, y = schema.split_xy(frame)
    Xa, Xb, ya, yb = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    train = (Xa.reset_index(drop=True), ya.reset_index(drop=True))
    return schema, train, (Xb.reset_index(drop=True), yb.reset_index(drop=True))


def test_worker_processes_give_the_same_board_as_one_process(attrition_narrow):
    schema, train, holdout = _split(attrition_narrow)
    smote = registry.create("smote", schema).fit(*train, seed=0)
    deficit = int((train[1] == "No").sum() - (train[1] == "Yes").sum())
    sets = {"smote": SyntheticSet(train, smote.sample({"Yes": deficit}, seed=1))}
    job = load_job(base={"data": {"source": "t.csv", "label": "Attrition"}})
    refit = {"smote": refitter(Candidate("smote", smote), job, modality("table"), schema)}
    boards = []
    for jobs in (1, 2):
        settings = GateSettings(models=("logreg", "hgb"), bootstrap=200, jobs=jobs,
                                baselines=("none", "class_weight", "focal_loss"))  # fmt: skip
        boards.append(run_gate(Arena("table", schema, train, holdout, settings, 5), sets,
                               refit=refit))  # fmt: skip
    one, two = boards
    assert one.method["method"] == "cross_fit" and one.method["refitted"] == ["smote"]
    assert (one.method["jobs"], two.method["jobs"]) == (1, 2)
    assert [r.candidate.key for r in one.rows] == [r.candidate.key for r in two.rows]
    for a, b in zip(one.rows, two.rows, strict=True):
        if a.candidate.name == "focal_loss":
            np.testing.assert_allclose(a.candidate.proba, b.candidate.proba, rtol=0, atol=1e-6)
            assert a.point == pytest.approx(b.point, abs=1e-6)
            continue
        assert np.array_equal(a.candidate.proba, b.candidate.proba, equal_nan=True), a.candidate.key
        assert a.point == b.point
    assert decide(one).sentence == decide(two).sentence
    assert set(pd.Series([r.candidate.name for r in one.rows])) == {
        "none",
        "class_weight",
        "focal_loss",
        "smote",
    }


def test_dask_mapper_gives_the_board_of_one_process(attrition_narrow):
    """`parallel.dask_mapper`: the units run as tasks on a 2-process LocalCluster, the
    shared data scattered once (one key per fold arena and per source), the board the
    same as in this process to the last digit."""
    from distributed import Client, LocalCluster

    from equipoise.validation.gate.parallel import dask_mapper

    schema, train, holdout = _split(attrition_narrow)
    job = load_job(base={"data": {"source": "t.csv", "label": "Attrition"}})
    smote = registry.create("smote", schema).fit(*train, seed=0)
    refit = {"smote": refitter(Candidate("smote", smote), job, modality("table"), schema)}
    settings = GateSettings(models=("logreg",), bootstrap=200, jobs=1, cross_fit="always",
                            cross_fit_folds=3, baselines=("none", "class_weight"))  # fmt: skip
    arena = Arena("table", schema, train, holdout, settings, 5)
    sets = {"smote": SyntheticSet(train, smote.sample({"Yes": 50}, seed=1))}
    one = run_gate(arena, sets, refit=refit)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster,
        Client(cluster) as client,
    ):
        counted = _Counting(client)
        two = run_gate(arena, sets, refit=refit, mapper=dask_mapper(counted))
    assert two.method["jobs"] == "dask: 2 workers"
    assert counted.calls == {"scatter": 3 + 3, "submit": 3 * 3}, (
        "3 fold arenas and 3 sources (none, class_weight, smote) each sent once; 9 units"
    )
    assert [r.candidate.key for r in one.rows] == [r.candidate.key for r in two.rows]
    for a, b in zip(one.rows, two.rows, strict=True):
        if a.candidate.name == "focal_loss":
            np.testing.assert_allclose(a.candidate.proba, b.candidate.proba, rtol=0, atol=1e-6)
            assert a.point == pytest.approx(b.point, abs=1e-6)
            continue
        assert np.array_equal(a.candidate.proba, b.candidate.proba, equal_nan=True), a.candidate.key
        assert a.point == b.point
    assert decide(one).sentence == decide(two).sentence


class _Counting:
    """A Dask client that counts its scatter and submit calls."""

    def __init__(self, client):
        self.client, self.calls = client, {"scatter": 0, "submit": 0}

    def __getattr__(self, name):
        if name in self.calls:
            self.calls[name] += 1
        return getattr(self.client, name)
