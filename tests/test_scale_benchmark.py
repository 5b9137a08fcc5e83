"""`benchmarks/scale.py`'s pieces that need no run: the tables it builds from the real
flights rows (sampled, or replicated with noise, high-cardinality columns kept), the
log-log fits, and the markdown of a results file (resumable by its keys)."""

from __future__ import annotations

import json

import benchmark_module
import numpy as np
import pytest


@pytest.fixture(scope="module")
def scale():
    return benchmark_module.load("scale")


def test_tables_keep_the_real_columns_and_grow_past_the_real_rows(scale):
    small = scale.table(3000)
    assert list(small.columns) == [*scale.FEATURES, scale.LABEL]
    assert small["tailnum"].nunique() > 1000, "the high-cardinality category is kept"
    real = scale.flights()
    assert len(real) == 327_346 and 0.02 < (real[scale.LABEL] == "yes").mean() < 0.04
    big = scale.table(400_000)
    assert len(big) == 400_000
    extra = big.iloc[len(real) :]
    assert set(extra["tailnum"]) <= set(real["tailnum"]), "categories are real values"
    assert extra["distance"].between(real["distance"].min(), real["distance"].max()).all()
    assert big["month"].dtype == real["month"].dtype, "integers stay integers"


def test_fits_and_markdown(scale, tmp_path):
    rows = [10_000, 50_000, 100_000]
    results = tmp_path / "scale.jsonl"
    with results.open("w") as handle:
        for n in rows:
            row = {"rows": n, "runner": "default", "seed": 0, "exit": 3,
                   "verdict": "gate refused", "wall_s": n / 100, "peak_rss_gb": 1e-4 * n**1.0,
                   "steps": {"load_split": {"s": 1.0, "peak_rss_gb": 0.5 + 1e-6 * n},
                             "fit": {"s": 1.0, "peak_rss_gb": 0.5}}}  # fmt: skip
            handle.write(json.dumps(row) + "\n")
        handle.write(json.dumps({**row, "rows": 300_000, "exit": -9, "failed": "timeout"}) + "\n")
    assert scale.slope([(n, n / 100) for n in rows]) == pytest.approx(1.0)
    table = scale.markdown(results)
    assert "| 10,000 | default | gate refused | 100.0 | 1.0 |" in table
    # memory: the highest peak (here the largest size's) plus the load step's growth,
    # 1 GB per million rows, extrapolated to the budget
    top = 1e-4 * max(rows)
    assert f"at most {top} GB" in table and "1.00 GB per million rows" in table
    assert f"~{round((24 - top) / 1e-6):,} rows 24 GB" in table
    assert "rows^1.00" in table
    assert (300_000, "default", 0, ()) in scale.done_keys(results), "resumable"
    assert np.isfinite(scale.slope([(n, n / 100) for n in rows]))
