"""`validate_text`: schema, leakage, meaning, label and diversity checks of synthetic
texts, per generated class, with the verdict and the rows to keep (the shared report
type). Rows of `embedding_smote` hold a MiniLM vector instead of a text: for them the
checks that read text (the GX text schema, exact copies, distinct-n diversity) do not
apply, and leakage, meaning and the label filter run in MiniLM space instead."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from equipoise.dataspec import InputError, ValidationFailed
from equipoise.dataspec.seeding import derive_seed
from equipoise.dataspec.text import TextSchema, embedding_rows
from equipoise.validation.memorisation import median, near_copy_checks
from equipoise.validation.report import ValidationReport, per_class_report
from equipoise.validation.results import CheckResult, meets
from equipoise.validation.text.features import diversity, sources
from equipoise.validation.text.measures import embedding_measures, text_measures
from equipoise.validation.text.settings import TextValidationSettings

#: synthetic texts a class needs before its diversity figure can fail the run
MIN_TEXTS = 10
#: the checks that read text, left out for embedding rows (named in the report's notes)
TEXT_ONLY = (
    "the Great Expectations text schema (length, blank, UTF-8)",
    "exact copies of training texts",
    "distinct-n diversity",
)


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
    of training texts, off topic, or whose label the classifier does not recognise.
    Synthetic rows holding an `EMBEDDING` vector (embedding_smote) are checked in
    MiniLM space (`embedding_measures`); a set may not mix them with texts."""
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
    vectors = embedding_rows(X_syn)
    notes: list[str] = []
    if vectors.any():
        if not vectors.all():
            raise ValidationFailed(
                f"{int(vectors.sum())} of {len(X_syn)} synthetic rows hold embeddings and the "
                "others texts; a generator makes one or the other"
            )
        m = embedding_measures(schema, X_train, y_train, X_hold, y_hold, X_syn, y_syn, settings)
        notes.append(
            "rows hold MiniLM embeddings, not texts: not applicable: " + "; ".join(TEXT_ONLY)
            + "; leakage, meaning and the label filter ran on the embeddings (near copies "
            "are removed; their share is reported, not gated: SMOTE puts about 10 % of its "
            "vectors next to a real row by construction, its interpolation weight near 0 or 1)"
        )  # fmt: skip
    else:
        m = text_measures(
            schema, X_train, y_train, X_hold, y_hold, X_syn, y_syn, settings, seed, reports_dir
        )
    timings = m.timings
    keep = m.keep
    texts_syn = m.texts
    source = sources(X_syn)
    has_source = source >= 0
    generated = [c for c in schema.classes if (y_syn == c).any()]
    if any(not (y_train == c).any() for c in generated):
        raise ValidationFailed(
            "there are synthetic rows of classes that have no real training rows; a "
            "generator may only add rows to classes it was fitted on"
        )
    labels = m.labels

    checks: list[CheckResult] = []
    classes: dict[Any, dict[str, Any]] = {}
    rng = np.random.default_rng(derive_seed(seed, "validation", "diversity"))
    t = time.perf_counter()
    for label in generated:
        mine = y_syn == label
        rows = np.flatnonzero(mine & keep)
        in_train, in_hold = y_train == label, y_hold == label
        dropped = int((mine & ~keep).sum())
        checks.append(CheckResult("schema.texts_dropped", label, dropped, None, None))

        # leakage: exact and near copies of training texts, copies of holdout rows; removed
        copies = rows[m.near[rows]]
        n_exact = int(m.exact[rows].sum())
        keep[copies] = False
        leaks = rows[m.leak[rows] & keep[rows]]
        keep[leaks] = False
        mem = {
            "exact_copies": n_exact,
            "near_copy_share": float(m.near[rows].mean()) if len(rows) else 0.0,
            "holdout_near_copy_share": float(m.hold_near[in_hold].mean())
            if in_hold.any() else 0.0,
            "nearest_similarity_median": median(m.nearest[rows]),
            "holdout_nearest_similarity_median": median(m.hold_nearest[in_hold]),
            "holdout_copies": len(leaks),
        }  # fmt: skip
        if texts_syn is not None:
            checks.append(CheckResult("leakage.exact_copies_removed", label, n_exact, None, None))
        checks.append(CheckResult("leakage.holdout_copies_removed", label, len(leaks), None, None))
        share = near_copy_checks(
            label, mem, len(copies), settings.max_near_copy_share, "texts",
            "rewrite more of each text (stronger augmentation) or use another kind",
            test=m.copy_test,
        )  # fmt: skip
        if not m.share_gated:  # SMOTE: ~10 % land next to an end point by construction
            share[0] = replace(share[0], threshold=None, passed=None)
        checks += share

        # meaning: similarity to the source row (or the class's nearest training text)
        rest = rows[keep[rows]]
        off = rest[m.off_meaning[rest]]
        keep[off] = False
        with_source = int(has_source[rows].sum())
        sim = {
            "model": m.meaning_test,
            "with_source": with_source,
            "source_similarity_median": median(m.meaning[rest[has_source[rest]]]),
            "nearest_same_class_median": median(m.same_class[rows]),
            "holdout_nearest_same_class_median": median(m.hold_same_class[in_hold]),
        }
        ref = sim["holdout_nearest_same_class_median"]
        checks += [
            CheckResult("meaning.source_similarity", label, sim["source_similarity_median"],
                        None, None, op=">=",
                        advice=f"median {m.meaning_test} cosine to the source text"),
            CheckResult("meaning.nearest_similarity", label, sim["nearest_same_class_median"],
                        None, None, op=">=",
                        advice=f"median {m.copy_test.split(' cosine')[0]} cosine to the class's "
                        "nearest training text"
                        + (f" (real holdout texts: {ref:.3f})" if ref is not None else "")),
            CheckResult("meaning.texts_dropped", label, len(off), None, None,
                        setting="min_meaning_similarity"
                        if m.meaning_test == "MiniLM" else "min_source_similarity"),
        ]  # fmt: skip

        # label preservation: the classifier's probability of the intended class
        label_checks, label_info, n_low = labels.apply(label, rows, keep)
        checks += label_checks

        # diversity of the kept texts against the class's real texts (texts only)
        kept = rows[keep[rows]]
        div: dict[str, Any] | None = None
        gated = False
        if texts_syn is not None:
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
        if texts_syn is not None and not gated and settings.min_distinct_ratio is not None:
            notes.append(
                f"class {label!r}: {len(kept)} kept synthetic texts; its diversity is "
                f"reported, not gated (fewer than {MIN_TEXTS})"
            )
        classes[label] = {
            "rows": {
                "synthetic": int(mine.sum()),
                "dropped_by_schema": dropped,
                "removed_by_leakage": len(copies) + len(leaks),
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
        schema=m.schema,
        classes=classes, notes=notes, timings=timings, unit="text",
        checks_run="the schema, leakage, meaning and label checks",
    )  # fmt: skip
