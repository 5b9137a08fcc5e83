"""Explicit, derived seeds: one config seed drives every stochastic step."""

from __future__ import annotations

import hashlib
import random
import sys

import numpy as np

MAX_SEED = 2**31 - 1


def derive_seed(seed: int, *names: object) -> int:
    """A stable seed for one named step, derived from the run seed (no global state)."""
    text = ":".join([str(int(seed)), *map(str, names)])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big") & MAX_SEED


def seed_everything(seed: int) -> None:
    """Seed python, numpy and (if already imported) torch's global generators."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)
