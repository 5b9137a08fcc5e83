"""The image block's pictures: sample grids per class (real and synthetic) and the
closest synthetic / training pairs, embedded as base64 PNG; the page loads nothing."""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np

#: images per grid row, and the largest number of rows of one grid
GRID_COLUMNS = 12
#: pixels of the shorter side of one grid cell (small images are enlarged, nearest-neighbour)
CELL = 48


def grid_png(images: np.ndarray, columns: int = GRID_COLUMNS) -> str:
    """A `data:` URI of one PNG tiling uint8 images (N, C, H, W), `columns` per row."""
    from PIL import Image

    images = np.asarray(images)
    if len(images) == 0:
        return ""
    n, c, h, w = images.shape
    scale = max(1, CELL // min(h, w))
    rows = -(-n // columns)
    pad = 2
    canvas = np.full((rows * (h + pad) + pad, min(n, columns) * (w + pad) + pad, c), 255, np.uint8)
    for i, img in enumerate(images):
        r, k = divmod(i, columns)
        top, left = pad + r * (h + pad), pad + k * (w + pad)
        canvas[top : top + h, left : left + w] = img.transpose(1, 2, 0)
    pil = Image.fromarray(canvas[..., 0] if c == 1 else canvas, "L" if c == 1 else "RGB")
    pil = pil.resize((pil.width * scale, pil.height * scale), Image.NEAREST)
    buffer = io.BytesIO()
    pil.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def class_grids(
    classes: tuple[Any, ...],
    real: tuple[np.ndarray, np.ndarray],
    synthetic: tuple[np.ndarray, np.ndarray] | None,
    per_class: int = GRID_COLUMNS,
) -> list[dict[str, Any]]:
    """Per class: a row of real training images and a row of synthetic ones."""
    out = []
    for c in classes:
        real_c = real[0][np.asarray(real[1]) == c][:per_class]
        syn_c = synthetic[0][np.asarray(synthetic[1]) == c][:per_class] if synthetic else real_c[:0]
        out.append({"label": str(c), "real": grid_png(real_c), "synthetic": grid_png(syn_c),
                    "n_synthetic": len(syn_c)})  # fmt: skip
    return out


def pair_grid(
    pairs: list[tuple[int, int, float, float]],
    synthetic: np.ndarray,
    train: np.ndarray,
) -> dict[str, Any] | None:
    """The closest synthetic / training pairs: synthetic images above, their nearest
    training images below, with the ratio of each pair."""
    if not pairs:
        return None
    syn = np.stack([synthetic[s] for s, *_ in pairs])
    real = np.stack([train[t] for _, t, *_ in pairs])
    return {
        "synthetic": grid_png(syn, columns=len(pairs)),
        "real": grid_png(real, columns=len(pairs)),
        "ratios": [round(r, 3) for *_, r in pairs],
    }
