"""The content-addressed store: atomic, immutable, never overwritten."""

from __future__ import annotations

import json
import os
import stat

import pandas as pd
import pytest

from equipoise.dataspec import InputError
from equipoise.store.versions import check_store_writable, discard, new_staging, publish


def _finish(version, hashes):
    return {"name": "t", "data": hashes}, f"<html>{version}</html>"


def _publish(store, table):
    provenance = pd.DataFrame({"row": range(len(table)), "origin": "real"})
    return publish(new_staging(store, "t"), table, provenance, _finish)


def test_version_is_the_content_and_never_overwritten(tmp_path):
    table = pd.DataFrame({"x": [1, 2, 3], "y": ["a", "b", "a"]})
    first = _publish(tmp_path, table)
    assert first.created and first.path == tmp_path / "t" / first.version
    manifest = json.loads((first.path / "manifest.json").read_text())
    assert manifest["version"] == first.version
    assert set(manifest["files"]) == {"train.parquet", "provenance.parquet", "report.html"}
    mode = (first.path / "train.parquet").stat().st_mode
    assert not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH), "published files read-only"
    before = (first.path / "manifest.json").read_bytes()

    again = _publish(tmp_path, table)
    assert not again.created and again.version == first.version
    assert (first.path / "manifest.json").read_bytes() == before, "never overwritten"

    other = _publish(tmp_path, table.assign(x=[1, 2, 4]))
    assert other.version != first.version
    assert os.readlink(tmp_path / "t" / "latest") == other.version
    leftovers = [p.name for p in (tmp_path / "t").iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_failure_while_publishing_leaves_nothing(tmp_path):
    def broken(version, hashes):
        raise RuntimeError("disk full")

    staging = new_staging(tmp_path, "t")
    (staging / "reports").mkdir()
    with pytest.raises(RuntimeError):
        publish(staging, pd.DataFrame({"x": [1]}), pd.DataFrame({"row": [0]}), broken)
    assert [p.name for p in (tmp_path / "t").iterdir()] == [staging.name], "kept for a retry"
    discard(staging)
    assert not (tmp_path / "t").exists()


def test_store_that_cannot_be_written(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match="is not a folder\\); pass a writable --out"):
        check_store_writable(blocker / "store")
    check_store_writable(tmp_path / "new" / "store")
    assert not (tmp_path / "new").exists(), "the check creates nothing"
