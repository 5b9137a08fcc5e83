"""Tensor plumbing shared by the image generators: uint8 (N, C, H, W) arrays to
float tensors and back, the padded size a network accepts, and random affine warps.
What every modality's networks share (seeded generators, the device, class indices,
padding and cropping) is in `equipoise.generators.tensors`.

torch is imported inside each function so that importing the registry stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from equipoise.dataspec import GenerationError
from equipoise.generators.tensors import round_up

if TYPE_CHECKING:
    import torch


def to_signed(X: np.ndarray, device: Any = "cpu") -> torch.Tensor:
    """uint8 pixels 0..255 as float32 in [-1, 1] (what diffusion and GANs train on)."""
    import torch

    return torch.from_numpy(np.asarray(X, dtype=np.float32)).to(device) / 127.5 - 1.0


def from_signed(x: torch.Tensor) -> np.ndarray:
    """Float pixels in [-1, 1] back to uint8 0..255 (clipped, rounded)."""
    return from_unit((x.float() + 1.0) / 2.0)


def to_unit(X: np.ndarray, device: Any = "cpu") -> torch.Tensor:
    """uint8 pixels 0..255 as float32 in [0, 1] (what augmentations work on)."""
    import torch

    return torch.from_numpy(np.asarray(X, dtype=np.float32)).to(device) / 255.0


def from_unit(x: torch.Tensor) -> np.ndarray:
    """Float pixels in [0, 1] back to uint8 0..255 (clipped, rounded); a network that
    diverged (NaN or inf pixels) raises GenerationError instead of making blank images."""
    import torch

    x = x.detach().float()
    if not torch.isfinite(x).all():
        raise GenerationError(
            "the generator produced NaN or infinite pixels (training diverged); "
            "lower params.lr or use kind: augment"
        )
    return (x.clamp(0, 1) * 255.0).round().to("cpu").numpy().astype(np.uint8)


def padded_size(height: int, width: int, multiple: int, *, square: bool = False) -> tuple[int, int]:
    """The smallest (H, W) >= the image's that are multiples of `multiple` (square if asked)."""
    if square:
        side = round_up(max(height, width), multiple)
        return side, side
    return round_up(height, multiple), round_up(width, multiple)


def uniform(n: int, low: float, high: float, gen: torch.Generator, device: Any) -> torch.Tensor:
    """n floats uniform in [low, high), drawn from `gen`."""
    import torch

    return low + (high - low) * torch.rand(n, generator=gen, device=device)


def affine_warp(
    x: torch.Tensor,
    *,
    angle: torch.Tensor,
    zoom: torch.Tensor,
    shift: torch.Tensor,
    mode: str = "bilinear",
    padding: str = "zeros",
) -> torch.Tensor:
    """Move each image by its own rotation (radians, (N,)), zoom per axis ((N, 2) as x, y;
    >1 enlarges, negative flips) and shift ((N, 2), a fraction of the image size).

    Differentiable (GAN training uses it too); `padding` fills what comes from outside
    the image (`zeros` is black for pixels in [0, 1]).
    """
    import torch
    import torch.nn.functional as F

    # affine_grid maps output coordinates in [-1, 1] to input coordinates, the inverse
    # of the motion out = R Z in + 2 shift: in = Z^-1 R^T (out - 2 shift).
    cos, sin = torch.cos(angle), torch.sin(angle)
    rot_t = torch.stack([torch.stack([cos, sin], -1), torch.stack([-sin, cos], -1)], -2)
    inverse = rot_t / zoom.unsqueeze(-1)
    offset = -(inverse @ (2 * shift).unsqueeze(-1))
    theta = torch.cat([inverse, offset], dim=-1).to(x.dtype)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode=mode, padding_mode=padding, align_corners=False)
