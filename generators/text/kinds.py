"""The text generator kinds: EDA (synonym replacement, random insertion, swap and
deletion; Wei & Zou 2019) and back-translation through Apertium."""

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
