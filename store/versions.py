"""The content-addressed store: `STORE/NAME/VERSION/` folders that are written to
a staging folder, renamed into place atomically, never overwritten, and a
`latest` pointer per name.

Concurrency and crashes: the rename and the `latest` update happen under an
exclusive `flock` on the `STORE/NAME` folder, so runs publishing at once each end
with a complete version and a `latest` that names one of them. Each run holds a
`flock` on its own `.staging-<uuid>` folder while it writes; a run killed
mid-write leaves only that hidden folder, which the next run to publish under the
same name removes (its lock is free once the owner is dead).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from equipoise.dataspec import InputError, WriteError
from equipoise.dataspec.hashing import sha256_file
from equipoise.dataspec.naming import safe_name

DATA_FILES = ("train.parquet", "provenance.parquet")
VERSION_LENGTH = 16
#: written into a store by its first publication; a non-empty folder without it
#: (and without published datasets) is not a store and is refused as --out
STORE_MARKER = ".equipoise-store"
STAGING_PREFIX = ".staging-"

#: open descriptors holding the flock of this process's staging folders
_staging_locks: dict[Path, int] = {}


@dataclass(frozen=True)
class Published:
    path: Path
    version: str
    created: bool  # False: the same content was already published


def check_store_writable(store: Path) -> None:
    """Fail early (exit 2) when the store cannot be created or written, or when the
    folder holds something other than a store; creates nothing."""
    existing = check_writable(store, "output folder", "pass a writable --out")
    if existing == store and not _looks_like_store(store):
        raise InputError(
            f"output folder {store} holds other files and is not an equipoise store; "
            "pass a new or empty folder (or an existing store) as --out"
        )


def check_writable(folder: Path, what: str, fix: str) -> Path:
    """Fail early (exit 2) when `folder` cannot be created or written; creates nothing.
    Returns the nearest existing folder at or above it."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(
            f"{what} {folder} is not writable ({existing} is "
            f"{'not a folder' if not existing.is_dir() else 'read-only'}); {fix}"
        )
    return existing


def check_outputs(output: Any) -> None:
    """Both output folders of a job (`output.store`, `output.runs`), before any work."""
    check_store_writable(Path(output.store))
    check_writable(Path(output.runs), "runs folder", "set a writable output.runs")


#: errors of a write that no retry can fix: the disk is full or the folder not writable
WRITE_FAULTS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS})


@contextlib.contextmanager
def writing(what: str, *, remove: Path | None = None) -> Iterator[None]:
    """Within the block, a full disk or a missing permission becomes one line and exit 6
    (WriteError); `remove` (a folder this block writes) is removed again first."""
    try:
        yield
    except OSError as error:
        if error.errno not in WRITE_FAULTS:
            raise
        if remove is not None:
            shutil.rmtree(remove, ignore_errors=True)
        where = f" ({error.filename})" if error.filename else ""
        raise WriteError(
            f"could not write {what}{where}: {error.strerror or error}; free disk space or "
            "make the folder writable, then rerun (nothing was published)"
        ) from None


def _looks_like_store(folder: Path) -> bool:
    """Marked by a publication, or holding only dataset folders (and hidden files)."""
    if (folder / STORE_MARKER).exists():
        return True
    return all(p.is_dir() and _looks_like_dataset(p) for p in _visible(folder))


def _looks_like_dataset(folder: Path) -> bool:
    """Versions, the `latest` link and DVC files of hand-offs; staging folders are hidden."""
    return all(
        p.name == "latest"
        or p.suffix == ".dvc"
        or (p.is_dir() and re.fullmatch(f"[0-9a-f]{{{VERSION_LENGTH}}}", p.name))
        for p in _visible(folder)
    )


def _visible(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if not p.name.startswith(".")]


@contextlib.contextmanager
def _locked(folder: Path, *, blocking: bool = True) -> Iterator[bool]:
    """An exclusive flock on `folder` itself (no lock file to create or clean up).
    Yields False when `blocking` is off and another holder has it."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing releases the lock


def new_staging(store: Path, name: str) -> Path:
    """A private folder inside the store to write a version into before renaming it.

    The folder stays locked by this process until it is published or discarded;
    staging folders left by runs that died are removed first.
    """
    folder = store / safe_name(name)
    with writing(f"store {store}"):
        folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder), writing(f"store {store}"):
        remove_abandoned(folder)
        staging = folder / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
        staging.mkdir()
        fd = os.open(staging, os.O_RDONLY)
        fcntl.flock(fd, fcntl.LOCK_EX)
        _staging_locks[staging] = fd
    return staging


def remove_abandoned(folder: Path) -> list[Path]:
    """Remove staging folders whose writer is gone (their flock is free) and stray
    `latest` temp links; call with the name folder locked. Returns what was removed."""
    removed = []
    for path in sorted(folder.glob(".*")):
        if path.name.startswith(".latest-"):
            path.unlink(missing_ok=True)
            removed.append(path)
        elif path.name.startswith(STAGING_PREFIX) and path.is_dir() and path not in _staging_locks:
            with _locked(path, blocking=False) as free:
                if free:
                    shutil.rmtree(path, ignore_errors=True)
                    removed.append(path)
    return removed


def _release(staging: Path) -> None:
    fd = _staging_locks.pop(staging, None)
    if fd is not None:
        os.close(fd)


def publish(
    staging: Path,
    table: pd.DataFrame,
    provenance: pd.DataFrame,
    finish: Callable[[str, dict[str, str]], tuple[dict[str, Any], str]],
) -> Published:
    """Write the data files into `staging`, derive the version from their content, let
    `finish(version, data_hashes)` build (manifest, report_html), then rename atomically.

    Anything already in `staging` (e.g. `reports/`) is published with it. On failure
    `staging` is kept for a retry; `discard` it when giving up.
    """

    def write(folder: Path) -> list[str]:
        table.to_parquet(folder / "train.parquet", index=False)
        provenance.to_parquet(folder / "provenance.parquet", index=False)
        return list(DATA_FILES)

    return publish_files(staging, write, finish)


def publish_files(
    staging: Path,
    write_data: Callable[[Path], list[str]],
    finish: Callable[[str, dict[str, str]], tuple[dict[str, Any], str]],
) -> Published:
    """`publish` for any data files: `write_data(staging)` writes them and returns their
    paths relative to `staging` (e.g. class-per-subfolder PNGs and `labels.parquet`);
    the version is the hash of their content. A full disk or a missing permission
    raises WriteError (exit 6); the caller discards `staging`."""
    with writing(f"version into {staging.parent}"):
        return _publish_files(staging, write_data, finish)


def _publish_files(
    staging: Path,
    write_data: Callable[[Path], list[str]],
    finish: Callable[[str, dict[str, str]], tuple[dict[str, Any], str]],
) -> Published:
    for name in (*DATA_FILES, "report.html", "manifest.json"):  # left by a failed try
        (staging / name).unlink(missing_ok=True)
    names = write_data(staging)
    hashes = {name: sha256_file(staging / name) for name in names}
    content = hashlib.sha256(
        "".join(f"{n}:{h}\n" for n, h in sorted(hashes.items())).encode()
    ).hexdigest()
    version = content[:VERSION_LENGTH]
    target = staging.parent / version
    if target.exists():
        discard(staging)
        with _locked(target.parent):
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
    with _locked(target.parent):
        created = not target.exists()  # else published meanwhile with the same content
        if created:
            os.rename(staging, target)
            _release(staging)
            (target.parent.parent / STORE_MARKER).touch()
        _point_latest(target)
    if not created:
        discard(staging)
    return Published(target, version, created=created)


def discard(staging: Path) -> None:
    """Remove a staging folder (a failed run publishes nothing), and the dataset
    folder when nothing else is in it."""
    if staging.exists():
        shutil.rmtree(staging, ignore_errors=True)
    _release(staging)
    parent = staging.parent
    with contextlib.suppress(OSError):  # not empty, or removed by another run
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
