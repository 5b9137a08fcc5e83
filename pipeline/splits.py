"""Splits every sample-array modality shares: the stratified, seeded holdout, and the
rare rule that keeps a few training samples of one class (the holdout untouched)."""

from __future__ import annotations

import numpy as np

from equipoise.dataspec import InputError
from equipoise.pipeline.config import RareConfig


def stratified_split(
    y: np.ndarray, share: float, seed: int, *, unit: str = "images"
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted train / holdout positions, stratified by class and seeded."""
    from sklearn.model_selection import train_test_split

    counts = {c: int((y == c).sum()) for c in set(y.tolist())}
    small = {c: n for c, n in counts.items() if n < 2}
    if small:
        raise InputError(
            f"classes {sorted(small, key=str)} have only one of their {unit}; a stratified "
            f"holdout needs at least 2 per class; add {unit} or drop the class"
        )
    train, hold = train_test_split(
        np.arange(len(y)), test_size=share, stratify=np.asarray(y).astype(str), random_state=seed
    )
    return np.sort(train), np.sort(hold)


def rare_keep(
    y_train: np.ndarray,
    rare: RareConfig,
    seed: int,
    classes: tuple,
    *,
    section: str = "images",
    unit: str = "images",
) -> np.ndarray:
    """Mask of the training samples to keep: `rare.keep` seeded samples of the rare
    class, every sample of the others."""
    by_text = {str(c): c for c in classes}
    if str(rare.class_) not in by_text:
        raise InputError(
            f"{section}.rare.class {rare.class_!r} is not a class of the data "
            f"{[*classes][:20]}; pick one of them"
        )
    label = by_text[str(rare.class_)]
    members = np.flatnonzero(y_train == label)
    if rare.keep > len(members):
        raise InputError(
            f"{section}.rare.keep is {rare.keep} but class {label!r} has only {len(members)} "
            f"training {unit}; lower {section}.rare.keep"
        )
    rng = np.random.default_rng(seed)
    keep = np.ones(len(y_train), dtype=bool)
    keep[members] = False
    keep[np.sort(rng.choice(members, size=rare.keep, replace=False))] = True
    return keep


def known_labels(labels: np.ndarray, classes: list | None, source: str, section: str) -> np.ndarray:
    """Labels as given; with `<section>.classes`, any other label is an error and a
    label that matches a class as text takes that class's value."""
    if classes is None:
        return labels
    known = {str(c): c for c in classes}
    unknown = sorted({str(v) for v in labels.tolist()} - set(known))
    if unknown:
        raise InputError(
            f"{source}: labels {unknown[:5]} are not in {section}.classes "
            f"{list(classes)}; fix the labels or add them to {section}.classes"
        )
    return np.array([known[str(v)] for v in labels.tolist()], dtype=object)
