"""`validate_text`: schema, leakage, meaning, label and diversity checks of synthetic
texts, per generated class, with the verdict and the rows to keep (the shared report
type)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from equipoise.dataspec import InputError
from equipoise.dataspec.seeding import derive_seed
from equipoise.dataspec.text import TextSchema
from equipoise.validation.label_filter import LabelFilter
from equipoise.validation.memorisation import median, near_copy_checks
from equipoise.validation.report import ValidationReport, per_class_report
from equipoise.validation.results import CheckResult, meets
from equipoise.validation.sample_suite import run_sample_suites
from equipoise.validation.text.features import (
    TextTable,
    diversity,
    label_classifier,
    length_bounds,
    most_similar,
    normalised,
    row_similarity,
    sources,
    vectorizer,
)
from equipoise.validation.text.settings import TextValidationSettings

#: synthetic texts a class needs before its diversity figure can fail the run
MIN_TEXTS = 10


def validate_text(
    schema: TextSchema,
    *,
    train: tuple[pd.DataFrame, Any],
    holdout: tuple[pd.DataFrame, Any],
    synthetic: tuple[pd.DataFrame, Any],
    settings: TextValidationSettings | None = None,
    seed: int = 0,
    reports_dir: str | Path | None = None,
) -> ValidationReport:
    """Check synthetic texts (a DataFrame with the schema's columns, optionally
    `__source__`: the training position of the row each was made from, -1 for none)
    against the real training split (schema, copies, meaning, label, diversity) and the
    holdout (the reference of each figure).

    Raises ValidationFailed when the synthetic rows do not fit the schema (columns,
    labels, source positions) and InputError for bad real rows or settings; threshold
    failures are in the report (`passed` False, `failures`). `keep` is False for rows
    that are empty, not text, not UTF-8 or out of the length range, exact or near copies
    of training texts, off topic, or whose label the classifier does not recognise."""
    started = time.perf_counter()
    settings = TextValidationSettings() if settings is None else settings
    if not isinstance(settings, TextValidationSettings):
        raise InputError(f"settings must be TextValidationSettings, got {type(settings)}")
    X_train, y_train = train[0], np.asarray(train[1], dtype=object)
    X_hold, y_hold = holdout[0], np.asarray(holdout[1], dtype=object)
    X_syn, y_syn = synthetic[0], np.asarray(synthetic[1], dtype=object)
    schema.check(X_train, y_train, what="training texts")
    schema.check(X_hold, y_hold, what="holdout texts")
    if not isinstance(X_syn, pd.DataFrame):
        raise InputError(
            f"synthetic texts: pass a DataFrame with the columns {list(schema.columns)}"
        )
    texts_train = X_train[schema.text].tolist()
    texts_hold = X_hold[schema.text].tolist()
    timings: dict[str, float] = {}

    # --- schema (GX over the text table) ---------------------------------------------
    lengths = np.array([len(t) for t in texts_train])
    sizes = {"chars": length_bounds(lengths, settings.length_slack), "sources": len(y_train)}
    real_suite, suite, generated = run_sample_suites(
        TextTable(schema), schema, sizes, train=(X_train, y_train), synthetic=(X_syn, y_syn),
        reports_dir=reports_dir, seed=seed,
    )  # fmt: skip
    timings["schema"] = real_suite.seconds + suite.seconds
    keep = ~suite.drop
    # dropped rows are read as empty texts below, so that every array keeps its positions
    texts_syn = X_syn[schema.text].tolist()
    texts_syn = [t if k else "" for t, k in zip(texts_syn, keep, strict=True)]
    source = sources(X_syn)

    # --- TF-IDF, label classifier, similarities ---------------------------------------
    t = time.perf_counter()
    vec = vectorizer()
    V_train = vec.fit_transform(texts_train)
    V_hold, V_syn = vec.transform(texts_hold), vec.transform(texts_syn)
    model = label_classifier(V_train, y_train)
    p_hold, p_syn = model.predict_proba(V_hold), model.predict_proba(V_syn)
    labels = LabelFilter(model.classes_, p_syn, p_hold, y_hold, settings.min_label_proba, "texts")
    timings["tfidf_and_label_model"] = time.perf_counter() - t
    t = time.perf_counter()
    nearest, _ = most_similar(V_train, V_syn)
    hold_nearest, _ = most_similar(V_train, V_hold)
    same_class, _ = most_similar(V_train, V_syn, y_train, y_syn)
    hold_same_class, _ = most_similar(V_train, V_hold, y_train, y_hold)
    has_source = source >= 0
    meaning = same_class.copy()
    if has_source.any():
        meaning[has_source] = row_similarity(V_syn[has_source], V_train[source[has_source]])
    low_meaning = np.where(
        has_source, meaning < settings.min_source_similarity,
        meaning < settings.min_nearest_similarity,
    )  # fmt: skip
    seen = {normalised(x) for x in texts_train}
    exact = np.array([normalised(x) in seen for x in texts_syn], dtype=bool) & keep
    hold_exact = np.array([normalised(x) in seen for x in texts_hold], dtype=bool)
    near = (nearest >= settings.max_source_similarity) | exact
    hold_near = (hold_nearest >= settings.max_source_similarity) | hold_exact
    timings["similarity"] = time.perf_counter() - t

    checks: list[CheckResult] = []
    notes: list[str] = []
    classes: dict[Any, dict[str, Any]] = {}
    rng = np.random.default_rng(derive_seed(seed, "validation", "diversity"))
    t = time.perf_counter()
    for label in generated:
        mine = y_syn == label
        rows = np.flatnonzero(mine & keep)
        in_train, in_hold = y_train == label, y_hold == label
        dropped = int((mine & ~keep).sum())
        checks.append(CheckResult("schema.texts_dropped", label, dropped, None, None))

        # leakage: exact and near copies of training texts, removed
        copies = rows[near[rows]]
        n_exact = int(exact[rows].sum())
        keep[copies] = False
        mem = {
            "exact_copies": n_exact,
            "near_copy_share": float(near[rows].mean()) if len(rows) else 0.0,
            "holdout_near_copy_share": float(hold_near[in_hold].mean()) if in_hold.any() else 0.0,
            "nearest_similarity_median": median(nearest[rows]),
            "holdout_nearest_similarity_median": median(hold_nearest[in_hold]),
        }
        checks.append(CheckResult("leakage.exact_copies_removed", label, n_exact, None, None))
        checks += near_copy_checks(
            label, mem, len(copies), settings.max_near_copy_share, "texts",
            "rewrite more of each text (stronger augmentation) or use another kind",
            test=f"TF-IDF cosine >= {settings.max_source_similarity:g}",
        )  # fmt: skip

        # meaning: similarity to the source row (or the class's nearest training text)
        rest = rows[keep[rows]]
        off = rest[low_meaning[rest]]
        keep[off] = False
        with_source = int(has_source[rows].sum())
        sim = {
            "with_source": with_source,
            "source_similarity_median": median(meaning[rows[has_source[rows]]]),
            "nearest_same_class_median": median(same_class[rows]),
            "holdout_nearest_same_class_median": median(hold_same_class[in_hold]),
        }
        ref = sim["holdout_nearest_same_class_median"]
        checks += [
            CheckResult("meaning.source_similarity", label, sim["source_similarity_median"],
                        None, None, op=">=", advice="median TF-IDF cosine to the source text"),
            CheckResult("meaning.nearest_similarity", label, sim["nearest_same_class_median"],
                        None, None, op=">=",
                        advice="median TF-IDF cosine to the class's nearest training text"
                        + (f" (real holdout texts: {ref:.3f})" if ref is not None else "")),
            CheckResult("meaning.texts_dropped", label, len(off), None, None,
                        setting="min_source_similarity"),
        ]  # fmt: skip

        # label preservation: the classifier's probability of the intended class
        label_checks, label_info, n_low = labels.apply(label, rows, keep)
        checks += label_checks

        # diversity of the kept texts against the class's real texts
        kept = rows[keep[rows]]
        div = diversity(
            [texts_syn[i] for i in kept], [texts_train[i] for i in np.flatnonzero(in_train)],
            [texts_hold[i] for i in np.flatnonzero(in_hold)], settings.diversity_draws, rng,
        )  # fmt: skip
        gated = len(kept) >= MIN_TEXTS
        threshold = settings.min_distinct_ratio if gated else None
        ref = div["holdout_ratio"]
        checks.append(
            CheckResult(
                "diversity.distinct_2_ratio", label, div["ratio"], threshold,
                meets(div["ratio"], threshold, ">="), op=">=", setting="min_distinct_ratio",
                advice="distinct word bigrams of the synthetic texts over the real class's, "
                "on equal numbers of texts; the generator repeats itself"
                + (f" (real holdout texts: {ref:.3f})" if ref is not None else ""),
            )
        )  # fmt: skip
        if not gated and settings.min_distinct_ratio is not None:
            notes.append(
                f"class {label!r}: {len(kept)} kept synthetic texts; its diversity is "
                f"reported, not gated (fewer than {MIN_TEXTS})"
            )
        classes[label] = {
            "rows": {
                "synthetic": int(mine.sum()),
                "dropped_by_schema": dropped,
                "removed_by_leakage": len(copies),
                "dropped_by_meaning": len(off),
                "dropped_by_label": n_low,
                "kept": int(keep[mine].sum()),
                "real_train": int(in_train.sum()),
                "real_holdout": int(in_hold.sum()),
            },
            "leakage": mem,
            "meaning": sim,
            "label": label_info,
            "diversity": div,
        }  # fmt: skip
    timings["per_class"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - started
    return per_class_report(
        settings=settings, keep=keep, checks=checks,
        schema=suite.to_dict() | {"real_training_texts": real_suite.to_dict()},
        classes=classes, notes=notes, timings=timings, unit="text",
        checks_run="the schema, leakage, meaning and label checks",
    )  # fmt: skip
