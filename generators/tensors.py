"""Tensor plumbing shared by the neural generators of every modality: seeded torch
generators, the device to train on, class labels to conditioning indices and back,
and padding the trailing (spatial or time) axes to a size a network accepts, then
cropping back.

torch is imported inside each function so that importing the registry stays light.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch


def seeded(seed: int, device: Any = "cpu") -> torch.Generator:
    """A torch.Generator on `device` seeded with `seed` (no global RNG state touched)."""
    import torch

    return torch.Generator(device=device).manual_seed(int(seed))


def pick_device(device: str) -> torch.device:
    """`auto`: the GPU when torch sees one, else the CPU; otherwise the named device."""
    import torch

    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def class_labels(counts: Mapping[Any, int], like: np.dtype) -> np.ndarray:
    """counts[c] copies of each label c, in the dtype of the training labels."""
    labels = [cls for cls, n in counts.items() for _ in range(n)]
    return np.asarray(labels, dtype=like)


def class_index(classes: tuple[Any, ...], y: np.ndarray) -> np.ndarray:
    """Position of each label in `classes` (the conditioning index of a network)."""
    lookup = {cls: i for i, cls in enumerate(classes)}
    return np.asarray([lookup[v] for v in np.asarray(y).tolist()], dtype=np.int64)


def round_up(n: int, multiple: int) -> int:
    """The smallest multiple of `multiple` that is >= n."""
    return -(-n // multiple) * multiple


def pad_to(x: torch.Tensor, size: tuple[int, ...]) -> torch.Tensor:
    """Pad the trailing len(size) axes of x (images: H, W; series: T) to `size`,
    centred, repeating the edge values."""
    import torch.nn.functional as F

    extra = [want - have for want, have in zip(size, x.shape[-len(size) :], strict=True)]
    if not any(extra):
        return x
    pads: list[int] = []
    for d in reversed(extra):  # F.pad lists the last axis first
        pads += [d // 2, d - d // 2]
    return F.pad(x, pads, mode="replicate")


def crop_to(x: torch.Tensor, *size: int) -> torch.Tensor:
    """Undo `pad_to`: the centre window of the trailing axes, of `size` (height, width
    for images; length for series)."""
    index = [slice(None)] * (x.dim() - len(size))
    for have, want in zip(x.shape[-len(size) :], size, strict=True):
        start = (have - want) // 2
        index.append(slice(start, start + want))
    return x[tuple(index)]
