"""The series block's pictures: per class, a few real and synthetic series overlaid
with each side's mean and ±1 standard deviation band; box plots of a few summary
features (the validation's) real vs synthetic; and the closest synthetic / training
pairs. Drawn with matplotlib (Agg), embedded as base64 PNG."""

from __future__ import annotations

from typing import Any

import numpy as np

from equipoise.reports.figures import REAL, SYNTHETIC, png, pyplot
from equipoise.validation.series.features import BANDS, feature_names, summary_features

#: series drawn per side and class
SHOWN = 8
#: summary features drawn per class (channel 0): name in `feature_names`, title
DRAWN = (("mean", "mean"), ("std", "std"), ("acf1", "lag-1 autocorrelation"),
         ("band0", f"power share, lowest 1/{BANDS}"))  # fmt: skip


def class_overlays(
    schema: Any,
    real: tuple[np.ndarray, np.ndarray],
    synthetic: tuple[np.ndarray, np.ndarray] | None,
) -> list[dict[str, Any]]:
    """Per class that received synthetic series: one figure (channel 0 of each series)."""
    if synthetic is None or not len(synthetic[1]):
        return []
    plt = pyplot()
    out = []
    steps = np.arange(schema.length)
    for cls in schema.classes:
        syn = synthetic[0][np.asarray(synthetic[1]) == cls]
        if not len(syn):
            continue
        own = real[0][np.asarray(real[1]) == cls]
        fig, ax = plt.subplots(figsize=(7, 2.6))
        for values, colour, name in ((own, REAL, "real (training)"), (syn, SYNTHETIC, "synthetic")):
            channel = values[:, 0, :]
            for line in channel[:SHOWN]:
                ax.plot(steps, line, color=colour, alpha=0.25, linewidth=0.8)
            mean, std = channel.mean(axis=0), channel.std(axis=0)
            ax.plot(steps, mean, color=colour, linewidth=2, label=f"{name}: mean ± sd")
            ax.fill_between(steps, mean - std, mean + std, color=colour, alpha=0.12)
        ax.set_title(f"class {cls}: {len(own)} real, {len(syn)} synthetic (channel 0)")
        ax.legend(loc="upper right", fontsize=7)
        out.append({"label": str(cls), "figure": png(fig)})
    return out


def pair_plot(
    pairs: list[tuple[int, int, float, float]], synthetic: np.ndarray, train: np.ndarray
) -> str | None:
    """The closest synthetic / training pairs, one small panel each (channel 0)."""
    if not pairs:
        return None
    plt = pyplot()
    shown = pairs[:8]
    fig, axes = plt.subplots(1, len(shown), figsize=(2.2 * len(shown), 1.8), squeeze=False)
    for ax, (s, t, _, ratio) in zip(axes[0], shown, strict=True):
        ax.plot(train[t, 0], color=REAL, linewidth=1)
        ax.plot(synthetic[s, 0], color=SYNTHETIC, linewidth=1, linestyle="--")
        ax.set_title(f"ratio {ratio:.2f}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    return png(fig)


def feature_distributions(
    schema: Any,
    real: tuple[np.ndarray, np.ndarray],
    synthetic: tuple[np.ndarray, np.ndarray] | None,
) -> list[dict[str, Any]]:
    """Per class that received synthetic series: one row of box plots, real training vs
    synthetic, of a few summary features of channel 0 (those the validation compares)."""
    if synthetic is None or not len(synthetic[1]):
        return []
    plt = pyplot()
    names = feature_names(["c"])  # channel 0's columns come first
    columns = [names.index(f"c:{name}") for name, _ in DRAWN]
    out = []
    for cls in schema.classes:
        syn = synthetic[0][np.asarray(synthetic[1]) == cls]
        if not len(syn):
            continue
        own = real[0][np.asarray(real[1]) == cls]
        F_real, F_syn = summary_features(own), summary_features(syn)
        fig, axes = plt.subplots(1, len(DRAWN), figsize=(2.1 * len(DRAWN), 2.2))
        for ax, col, (_, title) in zip(axes, columns, DRAWN, strict=True):
            parts = ax.boxplot([F_real[:, col], F_syn[:, col]], widths=0.6, patch_artist=True,
                               showfliers=False)  # fmt: skip
            for box, colour in zip(parts["boxes"], (REAL, SYNTHETIC), strict=True):
                box.set_facecolor(colour)
                box.set_alpha(0.5)
            ax.set_xticks([1, 2], ["real", "synthetic"], fontsize=7)
            ax.set_title(title, fontsize=8)
            ax.tick_params(axis="y", labelsize=7)
        fig.suptitle(f"class {cls}: summary features (channel 0)", fontsize=9, y=1.06)
        out.append({"label": str(cls), "figure": png(fig)})
    return out
