"""The text checks the text plug-in lists: the schema (the GX text table, or for
embedding_smote's rows the vectors' form), copies of training and holdout texts,
meaning, the shared label filter and diversity. What they compare is measured once a
run, in TF-IDF / MiniLM space for texts or MiniLM space for vectors (`measures.py`):
the schema check's `start` does it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from equipoise.dataspec import InputError, ValidationFailed
from equipoise.dataspec.seeding import derive_seed
from equipoise.dataspec.text import embedding_rows
from equipoise.validation.check import Check, Context, Outcome, Run
from equipoise.validation.memorisation import median, near_copy_checks
from equipoise.validation.results import CheckResult, meets
from equipoise.validation.text.features import diversity, sources
from equipoise.validation.text.measures import Measures, embedding_measures, text_measures
from equipoise.validation.text.settings import TextValidationSettings
from equipoise.validation.validator import Inputs

#: synthetic texts a class needs before its diversity figure can fail the run
MIN_TEXTS = 10
#: the checks that read text, left out for embedding rows (named in the report's notes)
TEXT_ONLY = (
    "the Great Expectations text schema (length, blank, UTF-8)",
    "exact copies of training texts",
    "distinct-n diversity",
)


def _prepare(schema: Any, train: Any, holdout: Any, synthetic: Any) -> tuple:
    pairs = tuple((X, np.asarray(y, dtype=object)) for X, y in (train, holdout, synthetic))
    schema.check(*pairs[0], what="training texts")
    schema.check(*pairs[1], what="holdout texts")
    if not isinstance(pairs[2][0], pd.DataFrame):
        raise InputError(
            f"synthetic texts: pass a DataFrame with the columns {list(schema.columns)}"
        )
    return pairs


INPUTS = Inputs(TextValidationSettings, "text", "texts", _prepare)


def measures(run: Run) -> Measures:
    return run.memo["measures"]


@dataclass(frozen=True)
class TextSchema(Check, name="schema", modalities=("text",), on_failure="drop",
                 reason="dropped_by_schema", title="schema"):  # fmt: skip
    """Texts: the GX suite over one row per text (length, blank, UTF-8); vectors: 384
    finite values, not all zero. Then every figure the other text checks read."""

    def start(self, run: Run) -> None:
        (X_train, y_train), (X_hold, y_hold), (X_syn, y_syn) = run.train, run.holdout, run.synthetic
        vectors = embedding_rows(X_syn)
        if vectors.any() and not vectors.all():
            raise ValidationFailed(
                f"{int(vectors.sum())} of {len(X_syn)} synthetic rows hold embeddings and the "
                "others texts; a generator makes one or the other"
            )
        if vectors.any():
            m = embedding_measures(run.schema, X_train, y_train, X_hold, y_hold, X_syn, y_syn,
                                   run.settings)  # fmt: skip
            run.notes.append(
                "rows hold MiniLM embeddings, not texts: not applicable: " + "; ".join(TEXT_ONLY)
                + "; leakage, meaning and the label filter ran on the embeddings (near copies "
                "are removed; their share is reported, not gated: SMOTE puts about 10 % of its "
                "vectors next to a real row by construction, its interpolation weight near 0 "
                "or 1)"
            )  # fmt: skip
        else:
            m = text_measures(run.schema, X_train, y_train, X_hold, y_hold, X_syn, y_syn,
                              run.settings, run.seed, run.reports_dir)  # fmt: skip
        run.memo["measures"] = m
        run.timings |= m.timings
        run.schema_report = m.schema
        run.keep &= m.keep

    def run(self, context: Context) -> Outcome:
        drop = np.flatnonzero(context.mine & ~measures(context.run).keep)
        return Outcome([CheckResult("schema.texts_dropped", context.label, len(drop), None,
                                    None)], drop=drop)  # fmt: skip


@dataclass(frozen=True)
class TextCopies(Check, name="copies", modalities=("text",), on_failure="fail",
                 section="leakage", reason="removed_by_leakage", title="leakage"):  # fmt: skip
    """Exact and near copies of training texts, and copies of holdout texts: removed;
    the near-copy share beyond the holdout's fails the run (texts; reported for vectors)."""

    def run(self, context: Context) -> Outcome:
        m, rows, label, in_hold = (
            measures(context.run),
            context.rows,
            context.label,
            context.in_hold,
        )
        copies = rows[m.near[rows]]
        leaks = rows[m.leak[rows] & ~m.near[rows] & context.keep[rows]]
        mem = {
            "exact_copies": int(m.exact[rows].sum()),
            "near_copy_share": float(m.near[rows].mean()) if len(rows) else 0.0,
            "holdout_near_copy_share": float(m.hold_near[in_hold].mean())
            if in_hold.any() else 0.0,
            "nearest_similarity_median": median(m.nearest[rows]),
            "holdout_nearest_similarity_median": median(m.hold_nearest[in_hold]),
            "holdout_copies": len(leaks),
        }  # fmt: skip
        results = []
        if m.texts is not None:
            results.append(CheckResult("leakage.exact_copies_removed", label,
                                       mem["exact_copies"], None, None))  # fmt: skip
        results.append(CheckResult("leakage.holdout_copies_removed", label, len(leaks), None,
                                   None))  # fmt: skip
        share = near_copy_checks(
            label, mem, len(copies), context.settings.max_near_copy_share, "texts",
            "rewrite more of each text (stronger augmentation) or use another kind",
            test=m.copy_test,
        )  # fmt: skip
        if not m.share_gated:  # SMOTE: ~10 % land next to an end point by construction
            share[0] = replace(share[0], threshold=None, passed=None)
        return Outcome(results + share, drop=np.concatenate([copies, leaks]), details=mem)


@dataclass(frozen=True)
class TextMeaning(Check, name="meaning", modalities=("text",), on_failure="drop",
                  section="meaning", reason="dropped_by_meaning", title="meaning"):  # fmt: skip
    """Similarity to the source row (or the class's nearest training text), in MiniLM
    or TF-IDF space: texts off topic (or, in MiniLM space, copies in meaning) dropped."""

    def run(self, context: Context) -> Outcome:
        m, rows, label = measures(context.run), context.rows, context.label
        has_source = sources(context.run.synthetic[0]) >= 0
        rest = rows[context.keep[rows]]
        off = rest[m.off_meaning[rest]]
        sim = {
            "model": m.meaning_test,
            "with_source": int(has_source[rows].sum()),
            "source_similarity_median": median(m.meaning[rest[has_source[rest]]]),
            "nearest_same_class_median": median(m.same_class[rows]),
            "holdout_nearest_same_class_median": median(m.hold_same_class[context.in_hold]),
        }
        ref = sim["holdout_nearest_same_class_median"]
        results = [
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
        return Outcome(results, drop=off, details=sim)


def text_filter(run: Run) -> Any:
    return measures(run).labels


@dataclass(frozen=True)
class TextDiversity(Check, name="diversity", modalities=("text",), on_failure="fail",
                    section="diversity"):  # fmt: skip
    """Distinct word bigrams of the class's kept texts over the real class's, on equal
    numbers of texts (texts only; gated from `MIN_TEXTS` kept texts)."""

    def run(self, context: Context) -> Outcome:
        run, m, settings, label = (
            context.run,
            measures(context.run),
            context.settings,
            context.label,
        )
        if m.texts is None:
            return Outcome()
        rng = run.once("diversity_rng", lambda: np.random.default_rng(
            derive_seed(run.seed, "validation", "diversity")))  # fmt: skip
        kept = context.rows[context.keep[context.rows]]
        texts_train, texts_hold = (
            X[run.schema.text].tolist() for X in (run.train[0], run.holdout[0])
        )
        div = diversity(
            [m.texts[i] for i in kept], [texts_train[i] for i in np.flatnonzero(context.in_train)],
            [texts_hold[i] for i in np.flatnonzero(context.in_hold)], settings.diversity_draws,
            rng,
        )  # fmt: skip
        gated = len(kept) >= MIN_TEXTS
        threshold, ref = settings.min_distinct_ratio if gated else None, div["holdout_ratio"]
        result = CheckResult(
            "diversity.distinct_2_ratio", label, div["ratio"], threshold,
            meets(div["ratio"], threshold, ">="), op=">=", setting="min_distinct_ratio",
            advice="distinct word bigrams of the synthetic texts over the real class's, "
            "on equal numbers of texts; the generator repeats itself"
            + (f" (real holdout texts: {ref:.3f})" if ref is not None else ""),
        )  # fmt: skip
        notes = []
        if not gated and settings.min_distinct_ratio is not None:
            notes.append(f"class {label!r}: {len(kept)} kept synthetic texts; its diversity is "
                         f"reported, not gated (fewer than {MIN_TEXTS})")  # fmt: skip
        return Outcome([result], details=div, notes=notes)
