"""The table block's figures: marginal overlays of the most different columns, the
correlation-difference heatmap and DCR histograms, embedded as base64 PNG."""

from __future__ import annotations

import numpy as np
import pandas as pd

from equipoise.dataspec.encoding import MixedEncoder
from equipoise.dataspec.schema import ColumnSpec, TableSchema
from equipoise.reports.figures import HOLDOUT, REAL, SYNTHETIC, png, pyplot


def _difference(real: pd.Series, syn: pd.Series, col: ColumnSpec) -> float:
    if col.is_numeric:
        from scipy.stats import ks_2samp

        a, b = col.numbers(real).dropna(), col.numbers(syn).dropna()
        return float(ks_2samp(a, b).statistic) if len(a) and len(b) else 0.0
    p = real.astype(str).value_counts(normalize=True)
    q = syn.astype(str).value_counts(normalize=True)
    return float(0.5 * p.sub(q, fill_value=0).abs().sum())


def marginals(
    schema: TableSchema,
    train: tuple[pd.DataFrame, pd.Series],
    synthetic: tuple[pd.DataFrame, pd.Series],
    top: int = 4,
) -> dict[str, str]:
    """Per generated class: real training rows vs synthetic rows, on the `top`
    columns whose distributions differ most (KS statistic / total variation)."""
    plt = pyplot()
    X, y = train
    Xs, ys = synthetic
    out = {}
    for cls in pd.unique(ys):
        real, syn = X[y.to_numpy() == cls], Xs[ys.to_numpy() == cls]
        if len(real) == 0 or len(syn) == 0:
            continue
        scored = sorted(
            schema.columns,
            key=lambda c: -_difference(real[c.name], syn[c.name], c),
        )[:top]
        fig, axes = plt.subplots(1, len(scored), figsize=(3.2 * len(scored), 2.4), squeeze=False)
        for ax, col in zip(axes[0], scored, strict=True):
            diff = _difference(real[col.name], syn[col.name], col)
            if col.is_numeric:
                a = col.numbers(real[col.name]).dropna()
                b = col.numbers(syn[col.name]).dropna()
                bins = np.histogram_bin_edges(np.r_[a, b], bins=20)
                ax.hist(a, bins, density=True, alpha=0.55, color=REAL, label="real train")
                ax.hist(b, bins, density=True, alpha=0.55, color=SYNTHETIC, label="synthetic")
            else:
                p = real[col.name].astype(str).value_counts(normalize=True)
                q = syn[col.name].astype(str).value_counts(normalize=True)
                cats = list(p.index.union(q.index))[:12]
                xs = np.arange(len(cats))
                ax.bar(xs - 0.2, p.reindex(cats, fill_value=0), 0.4, color=REAL, label="real")
                ax.bar(xs + 0.2, q.reindex(cats, fill_value=0), 0.4, color=SYNTHETIC, label="syn")
                ax.set_xticks(xs, cats, rotation=45, ha="right", fontsize=7)
            ax.set_title(f"{col.name} (diff {diff:.2f})", fontsize=9)
            ax.tick_params(labelsize=7)
        axes[0][0].legend(frameon=False, fontsize=7)
        out[str(cls)] = png(fig)
    return out


def correlation_difference(
    schema: TableSchema, real: pd.DataFrame, synthetic: pd.DataFrame
) -> str | None:
    """Heatmap of Pearson correlation (real minority rows) minus (synthetic rows)."""
    names = [c.name for c in schema.numeric]
    if len(names) < 2 or len(real) < 3 or len(synthetic) < 3:
        return None
    plt = pyplot()
    diff = (schema.numbers(real).corr() - schema.numbers(synthetic).corr()).fillna(0)
    size = min(9.0, 1.5 + 0.35 * len(names))
    fig, ax = plt.subplots(figsize=(size, size * 0.85))
    image = ax.imshow(diff.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks(range(len(names)), names, rotation=90, fontsize=7)
    ax.set_yticks(range(len(names)), names, fontsize=7)
    fig.colorbar(image, ax=ax, shrink=0.8, label="real − synthetic correlation")
    return png(fig)


def dcr_histograms(
    schema: TableSchema, train: pd.DataFrame, holdout: pd.DataFrame, synthetic: pd.DataFrame
) -> str | None:
    """Distance to the closest training record: synthetic rows vs real holdout rows of
    the generated classes (one encoder, fitted on the training split)."""
    from equipoise.validation.neighbours import knn

    if len(train) == 0 or len(holdout) == 0 or len(synthetic) == 0:
        return None
    plt = pyplot()
    encoder = MixedEncoder(schema).fit(train)
    reference = encoder.transform(train)
    d_syn = knn(reference, encoder.transform(synthetic), 1)[0][:, 0]
    d_hold = knn(reference, encoder.transform(holdout), 1)[0][:, 0]
    fig, ax = plt.subplots(figsize=(5, 2.6))
    bins = np.histogram_bin_edges(np.r_[d_syn, d_hold], bins=30)
    ax.hist(d_hold, bins, density=True, alpha=0.55, color=HOLDOUT, label="holdout → train")
    ax.hist(d_syn, bins, density=True, alpha=0.55, color=SYNTHETIC, label="synthetic → train")
    ax.set_xlabel("distance to the closest training record")
    ax.legend(frameon=False)
    return png(fig)
