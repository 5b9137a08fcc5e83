"""The content-addressed store: `STORE/NAME/VERSION/` folders that are written to
a staging folder, renamed into place atomically, never overwritten, and a
`latest` pointer per name."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from equipoise.dataspec import InputError

DATA_FILES = ("train.parquet", "provenance.parquet")
VERSION_LENGTH = 16


@dataclass(frozen=True)
class Published:
    path: Path
    version: str
    created: bool  # False: the same content was already published


def safe_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")
    return cleaned or "dataset"


def check_store_writable(store: Path) -> None:
    """Fail early (exit 2) when the store cannot be created or written; creates nothing."""
    existing = store
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(
            f"output folder {store} is not writable ({existing} is "
            f"{'not a folder' if not existing.is_dir() else 'read-only'}); pass a writable --out"
        )


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def new_staging(store: Path, name: str) -> Path:
    """A private folder inside the store to write a version into before renaming it."""
    staging = store / safe_name(name) / f".staging-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    return staging


def publish(
    staging: Path,
    table: pd.DataFrame,
    provenance: pd.DataFrame,
    finish: Callable[[str, dict[str, str]], tuple[dict[str, Any], str]],
) -> Published:
    """Write the data files into `staging`, derive the version from their content, let
    `finish(version, data_hashes)` build (manifest, report_html), then rename atomically.

    Anything already in `staging` (e.g. `reports/`) is published with it.
    """
    try:
        table.to_parquet(staging / "train.parquet", index=False)
        provenance.to_parquet(staging / "provenance.parquet", index=False)
        hashes = {name: sha256_file(staging / name) for name in DATA_FILES}
        content = hashlib.sha256(
            "".join(f"{n}:{h}\n" for n, h in sorted(hashes.items())).encode()
        ).hexdigest()
        version = content[:VERSION_LENGTH]
        target = staging.parent / version
        if target.exists():
            shutil.rmtree(staging)
            _point_latest(target)
            return Published(target, version, created=False)
        manifest, report_html = finish(version, hashes)
        (staging / "report.html").write_text(report_html)
        files = {
            str(p.relative_to(staging)): sha256_file(p)
            for p in sorted(staging.rglob("*"))
            if p.is_file()
        }
        manifest = {**manifest, "version": version, "content_sha256": content, "files": files}
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
        _make_read_only(staging)
        try:
            os.rename(staging, target)
        except OSError:  # published meanwhile by another run with the same content
            if not target.exists():
                raise
            shutil.rmtree(staging, ignore_errors=True)
            return Published(target, version, created=False)
        _point_latest(target)
        return Published(target, version, created=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def discard(staging: Path) -> None:
    """Remove a staging folder (a failed run publishes nothing)."""
    shutil.rmtree(staging, ignore_errors=True)
    parent = staging.parent
    if parent.exists() and not any(parent.iterdir()):
        parent.rmdir()


def _make_read_only(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)


def _point_latest(target: Path) -> None:
    link = target.parent / "latest"
    tmp = target.parent / f".latest-{uuid.uuid4().hex}"
    tmp.symlink_to(target.name)
    os.replace(tmp, link)
