"""Names that become folders: a dataset name given by the user is checked, any other
text (a source's stem, a class label) is made safe."""

from __future__ import annotations

import re

from equipoise.dataspec.errors import InputError

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def safe_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")
    return cleaned or "dataset"


def check_name(name: str) -> str:
    """A dataset name given by the user must be one plain folder name (exit 2 otherwise)."""
    if not NAME_PATTERN.fullmatch(name) or ".." in name:
        raise InputError(
            f"output.name {name!r} must be a plain folder name (letters, digits, '.', '_', '-', "
            "no '..' or '/'); drop the path parts and set the folder with --out"
        )
    return name
