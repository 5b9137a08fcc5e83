"""The text gate's downstream models and the baselines it trains: `tfidf` (TF-IDF of the
schema's text column, word 1-2 grams, min_df 2) and `embed` (MiniLM sentence embeddings
from `equipoise.dataspec.embeddings`, cached by content hash), each into a logistic
regression; class weights, threshold tuning, random oversampling of the real texts,
and a balanced random forest on the first model's features.

Rows of `embedding_smote` hold a vector and no text: `embed` reads the vector, and
`tfidf` cannot train on them (that entry is skipped with the reason in the board)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar

from equipoise.dataspec.seeding import derive_seed
from equipoise.dataspec.text import embedding_rows
from equipoise.validation.gate.arena import Arena, Entry, Pair, SyntheticSet
from equipoise.validation.gate.estimators import (
    each_model,
    entry,
    oversampled,
    threshold_entries,
)
from equipoise.validation.gate.settings import GateSettings, baselines_of

#: the downstream models every text candidate can be trained with
MODELS = ("tfidf", "embed")


def features(name: str, schema: Any) -> tuple[str, Any]:
    """The feature step of a downstream model: TF-IDF of the schema's text column of a
    DataFrame, or its rows' MiniLM embeddings (a row's own vector where it holds one);
    the other columns are left out."""
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import FunctionTransformer

    if name == "embed":
        from equipoise.dataspec.embeddings import embed_frame

        step = FunctionTransformer(embed_frame, kw_args={"text": schema.text}, validate=False)
        return ("features", step)
    if name != "tfidf":
        raise ValueError(f"unknown downstream model {name!r}")
    tfidf = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    return ("features", ColumnTransformer([("tfidf", tfidf, schema.text)]))


def downstream_model(name: str, schema: Any, *, seed: int, class_weight: str | None = None) -> Any:
    """A fresh pipeline for one of the gate's models: features -> logistic regression."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    clf = LogisticRegression(max_iter=2000, class_weight=class_weight)
    return Pipeline([features(name, schema), ("model", clf)])


#: real rows of the smaller classes repeated up to the largest class's count, then the model
oversample_model = oversampled(downstream_model)


def forest_model(name: str, schema: Any, *, seed: int) -> Any:
    """imbalanced-learn's balanced random forest on the model's TF-IDF features."""
    from imblearn.ensemble import BalancedRandomForestClassifier
    from sklearn.pipeline import Pipeline

    clf = BalancedRandomForestClassifier(
        n_estimators=100, sampling_strategy="all", replacement=True, bootstrap=False,
        random_state=seed,
    )  # fmt: skip
    return Pipeline([features(name, schema), ("model", clf)])


# --------------------------------------------------------------------------- entries


def per_model(make=downstream_model, **options: Any):
    """Entries of each configured downstream model built by `make` (`none`,
    `class_weight`, `random_oversample`)."""

    def entries(arena: Arena, name: str, family: str, data: Pair) -> list[Entry]:
        out = each_model(arena, name, family, data, make, **options)
        X = data.synthetic[0] if isinstance(data, SyntheticSet) else data[0]
        if not embedding_rows(X).any():
            return out
        return [e if e.model == "embed" else _cannot(e) for e in out]

    return entries


def _cannot(e: Entry) -> Entry:
    """An entry whose model cannot read embedding rows: it is skipped with the reason."""

    def run() -> Any:
        raise ValueError(
            f"{e.model} needs texts and {e.name}'s rows are embeddings; trained with `embed` only"
        )

    return Entry(e.name, e.family, e.model, run)


#: each model with its cut-off chosen by CV on the training split (two classes only)
threshold = threshold_entries(downstream_model)


def forest(arena: Arena, name: str, family: str, data: Pair) -> list[Entry]:
    """The balanced random forest, once, on the features of the first configured model
    (named `<features>+forest` in the leaderboard)."""
    feature_model = arena.settings.models[0]
    build = partial(forest_model, feature_model, arena.schema, seed=derive_seed(arena.seed, name))
    return entry(arena, name, family, f"{feature_model}+forest", build, data)


@dataclass(frozen=True)
class TextGateSettings(GateSettings):
    """The shared gate's rule (primary metric, uplift, guards, bootstrap, mode) with the
    text gate's model and baselines."""

    MODALITY: ClassVar[str] = "text"
    MODELS: ClassVar[tuple[str, ...]] = MODELS
    USER_MODELS: ClassVar[bool] = False

    models: tuple[str, ...] = ("tfidf",)
    """Downstream models every candidate is trained with: `tfidf` (TF-IDF of the text
    column, word 1-2 grams seen in at least 2 texts, sublinear tf, into a logistic
    regression), `embed` (MiniLM sentence embeddings into a logistic regression; the
    only one that trains on `embedding_smote` rows, so a job with that kind adds it
    when `models` is not set; the first run embeds every real text, about 15 texts/s,
    cached after). The first also gives the features of `balanced_random_forest`."""

    baselines: tuple[str, ...] = field(default_factory=baselines_of("text"))
    """Strategies on real texts that a synthetic set has to beat (`none` always runs;
    `threshold` needs two classes); default: every registered text baseline."""

    dose: dict[str, Any] | None = None
    """The dose and weight search (off by default here: each grid point refits
    the model per fold); `{amounts: [...], weights: [...]}` turns it on."""
