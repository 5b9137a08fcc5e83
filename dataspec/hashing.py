"""Content hashes of files: what version ids, fit caches and pinned model files rest on."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_file(path: Path, block: int = 1 << 20) -> str:
    """sha256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(block), b""):
            digest.update(chunk)
    return digest.hexdigest()
