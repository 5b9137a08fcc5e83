"""Fidelity of synthetic images in the judge CNN's feature space, per class: Fréchet
distance (FID's formula), kernel inception distance (KID, unbiased MMD with the cubic
polynomial kernel), k-NN precision / recall (Kynkäänniemi et al. 2019) and judge
agreement. Each statistic is also computed for the real holdout images of the class,
so a value can be read against what unseen real images score."""

from __future__ import annotations

import numpy as np

#: KID subsets and their size cap (the usual estimator averages over random subsets)
KID_SUBSETS = 20
KID_SUBSET_SIZE = 500


def frechet_distance(A: np.ndarray, B: np.ndarray) -> float | None:
    """||mu_a - mu_b||^2 + Tr(Ca + Cb - 2 (Ca Cb)^1/2); None with fewer than 2 rows a side."""
    if len(A) < 2 or len(B) < 2:
        return None
    import warnings

    from scipy import linalg

    mu = A.mean(0) - B.mean(0)
    ca, cb = np.cov(A, rowvar=False), np.cov(B, rowvar=False)
    # fewer images than features make the covariances singular; regularise as pytorch-fid
    # does when the plain root is not finite
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        root = linalg.sqrtm(ca @ cb)
        if not np.isfinite(root).all():
            eps = np.eye(len(ca)) * 1e-6
            root = linalg.sqrtm((ca + eps) @ (cb + eps))
    value = float(mu @ mu + np.trace(ca) + np.trace(cb) - 2 * np.trace(root.real))
    return max(value, 0.0)


def kid(A: np.ndarray, B: np.ndarray, rng: np.random.Generator) -> float | None:
    """Mean unbiased MMD^2 over random subsets, kernel (x.y / d + 1)^3; None below 2 rows."""
    m = min(len(A), len(B), KID_SUBSET_SIZE)
    if m < 2:
        return None
    d = A.shape[1]
    values = []
    for _ in range(KID_SUBSETS):
        a = A[rng.choice(len(A), m, replace=False)]
        b = B[rng.choice(len(B), m, replace=False)]
        kaa, kbb, kab = ((a @ a.T / d + 1) ** 3, (b @ b.T / d + 1) ** 3, (a @ b.T / d + 1) ** 3)
        off = m * (m - 1)
        values.append(
            (kaa.sum() - np.trace(kaa)) / off + (kbb.sum() - np.trace(kbb)) / off
            - 2 * kab.mean()
        )  # fmt: skip
    return float(np.mean(values))


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int) -> tuple[float, float] | None:
    """Share of fake rows inside the real k-NN manifold (precision) and of real rows inside
    the fake one (recall); None when a side has k rows or fewer."""
    if len(real) <= k or len(fake) <= k:
        return None
    from sklearn.metrics import pairwise_distances

    def radii(X: np.ndarray) -> np.ndarray:
        d = pairwise_distances(X)
        return np.sort(d, axis=1)[:, k]  # column 0 is the row itself

    r_real, r_fake = radii(real), radii(fake)
    cross = pairwise_distances(fake, real)
    precision = float((cross <= r_real[None, :]).any(axis=1).mean())
    recall = float((r_fake[None, :] >= cross.T).any(axis=1).mean())
    return precision, recall


def class_fidelity(
    train: np.ndarray,
    other: np.ndarray,
    agreement: float | None,
    k: int,
    rng: np.random.Generator,
) -> dict[str, float | None]:
    """Every fidelity statistic of `other` (synthetic or holdout features of one class)
    against the class's real training features."""
    pr = precision_recall(train, other, k)
    return {
        "fd": frechet_distance(train, other),
        "kid": kid(train, other, rng),
        "precision": pr[0] if pr else None,
        "recall": pr[1] if pr else None,
        "judge_agreement": agreement,
    }
