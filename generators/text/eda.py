"""EDA: Easy Data Augmentation (Wei & Zou, 2019, arXiv:1901.11196).

Four operations on a sentence's words, one operation per augmented sentence:

- SR, synonym replacement: n = max(1, int(alpha_sr * n_words)) distinct non-stop words
  that have synonyms are replaced by a random synonym (case kept: 'Great' -> 'Good').
- RI, random insertion: n = max(1, int(alpha_ri * n_words)) times, a random synonym of
  a random non-stop word is inserted at a random word position.
- RS, random swap: n = max(1, int(alpha_rs * n_words)) times, two random words swap
  places (punctuation stays where it was, so the multiset of words is unchanged).
- RD, random deletion: each word is deleted with probability p_rd; at least one word
  is always kept.

A rate of 0 turns its operation off. For n_aug outputs per sentence the enabled
operations are used in equal shares (the paper's scheme), in a random order.

Unlike the paper's code, the text is not lower-cased and stripped of punctuation:
punctuation tokens and the whitespace after each token are kept (HTML line breaks
`<br />` become spaces), and only word tokens move. An output that came out identical
to its source (say, SR on a sentence with no synonyms) is redone with the next enabled
operation (at least 3 tries in all); it is returned unchanged only when none of them
changed it. An output is
never empty; an empty input raises InputError.

Determinism: every call takes a numpy Generator; it draws one 63-bit seed from it for
a `random.Random` that does the per-word draws (numpy's scalar draws cost ~1 us each,
too slow for word-level loops). The same Generator state gives the same outputs.
"""

from __future__ import annotations

import random
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from equipoise.dataspec import InputError
from equipoise.generators.text.lexicon import STOP_WORDS, Lexicon

_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
# A word: letters/digits with inner apostrophes (don't, I've); anything else that is not
# whitespace is a one-character punctuation token.
_TOKEN = re.compile(r"([A-Za-z0-9]+(?:['\u2019][A-Za-z]+)*|[^\sA-Za-z0-9])(\s*)")
_ALPHA = re.compile(r"^[a-z]+$")
_OPENERS = frozenset("([{\"'")
_CLAUSE = frozenset(",;:")

TECHNIQUES = ("sr", "ri", "rs", "rd")


@dataclass(frozen=True)
class EDAConfig:
    """The paper's four rates and the number of augmented sentences per input.
    The paper's default for mid-sized data is 0.1 for every rate and n_aug = 4..16."""

    alpha_sr: float = 0.1
    alpha_ri: float = 0.1
    alpha_rs: float = 0.1
    p_rd: float = 0.1
    n_aug: int = 4

    def __post_init__(self) -> None:
        for name in ("alpha_sr", "alpha_ri", "alpha_rs", "p_rd"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise InputError(f"EDA {name} must be in [0, 1], got {v}")
        if self.n_aug < 1:
            raise InputError(f"EDA n_aug must be >= 1, got {self.n_aug}")
        if not self.enabled():
            raise InputError("EDA: all four rates are 0, nothing to do")

    def enabled(self) -> tuple[str, ...]:
        rates = (self.alpha_sr, self.alpha_ri, self.alpha_rs, self.p_rd)
        return tuple(t for t, r in zip(TECHNIQUES, rates, strict=True) if r > 0)


class _Tokens:
    """A sentence as tokens, a word flag per token and the whitespace after each."""

    __slots__ = ("cand", "space", "text", "word", "wpos")

    def __init__(self, text: list[str], word: list[bool], space: list[str]) -> None:
        self.text = text
        self.word = word
        self.space = space
        self.wpos = [i for i, w in enumerate(word) if w]  # positions of the words
        self.cand: list[str] | None = None  # distinct words with synonyms, lower case

    @classmethod
    def parse(cls, sentence: str) -> _Tokens:
        text: list[str] = []
        word: list[bool] = []
        space: list[str] = []
        for tok, ws in _TOKEN.findall(_BR.sub(" ", sentence).strip()):
            text.append(tok)
            word.append(tok[0].isalnum())
            space.append(" " if ws else "")
        return cls(text, word, space)

    def copy(self) -> _Tokens:
        new = _Tokens.__new__(_Tokens)
        new.text, new.word, new.space = self.text.copy(), self.word.copy(), self.space.copy()
        new.wpos, new.cand = self.wpos.copy(), self.cand
        return new

    def words(self) -> list[int]:
        return self.wpos

    def render(self) -> str:
        return "".join(map(str.__add__, self.text, self.space)).strip()


def _match_case(src: str, new: str) -> str:
    if len(src) > 1 and src.isupper():
        return new.upper()
    if src[0].isupper():
        return new[0].upper() + new[1:]
    return new


def _candidates(toks: _Tokens, lexicon: Lexicon) -> list[str]:
    """The sentence's distinct words (lower case) that have synonyms, computed once per
    source sentence and shared by its copies."""
    if toks.cand is None:
        seen: dict[str, None] = {}
        for i in toks.wpos:
            low = toks.text[i].lower()
            if low not in seen and low not in STOP_WORDS and _ALPHA.match(low):
                seen[low] = None
        toks.cand = [w for w in seen if lexicon.synonyms(w)]
    return toks.cand


def _sr(toks: _Tokens, n: int, lexicon: Lexicon, r: random.Random) -> None:
    words = _candidates(toks, lexicon).copy()
    r.shuffle(words)
    chosen = {w: r.choice(lexicon.synonyms(w)) for w in words[:n]}
    # every occurrence of a chosen word gets the same synonym, as in the paper
    for j in toks.words():
        syn = chosen.get(toks.text[j].lower())
        if syn is not None:
            toks.text[j] = _match_case(toks.text[j], syn)


def _ri(toks: _Tokens, n: int, lexicon: Lexicon, r: random.Random) -> None:
    cand = _candidates(toks, lexicon)
    words = toks.wpos
    if not cand:
        return
    # n insertions at random word boundaries of the sentence (0: before the first
    # word, len(words): after the last one, before any closing punctuation)
    at: dict[int, list[str]] = {}
    for _ in range(n):
        syn = r.choice(lexicon.synonyms(r.choice(cand)))
        at.setdefault(r.randrange(len(words) + 1), []).append(syn)
    before = {words[k]: v for k, v in at.items() if k < len(words)}
    after_last = at.get(len(words), [])
    last = words[-1]
    text: list[str] = []
    word: list[bool] = []
    space: list[str] = []
    for i, t in enumerate(toks.text):
        for syn in before.get(i, ()):
            text.append(syn)
            word.append(True)
            space.append(" ")
        text.append(t)
        word.append(toks.word[i])
        space.append(toks.space[i])
        if i == last and after_last:
            space[-1] = " "
            for syn in after_last:
                text.append(syn)
                word.append(True)
                space.append(" ")
            space[-1] = toks.space[i]
    toks.text, toks.word, toks.space = text, word, space
    toks.wpos = [i for i, w in enumerate(word) if w]


def _rs(toks: _Tokens, n: int, r: random.Random) -> None:
    words = toks.words()
    if len(words) < 2:
        return
    for _ in range(n):
        for _try in range(3):  # as in the paper: a few tries for two different words
            a, b = r.sample(words, 2)
            if toks.text[a] != toks.text[b]:
                break
        toks.text[a], toks.text[b] = toks.text[b], toks.text[a]


def _rd(toks: _Tokens, p: float, r: random.Random) -> None:
    words = toks.words()
    if len(words) < 2:
        return
    drop = {i for i in words if r.random() < p}
    if len(drop) == len(words):
        drop.discard(words[r.randrange(len(words))])
    if not drop:
        return
    text: list[str] = []
    word: list[bool] = []
    space: list[str] = []
    for i, t in enumerate(toks.text):
        if i in drop:
            if text and text[-1] not in _OPENERS:
                space[-1] = toks.space[i]
            continue
        if not toks.word[i] and t in _CLAUSE and (not text or not word[-1]):
            continue  # a comma left at the start or after other punctuation
        text.append(t)
        word.append(toks.word[i])
        space.append(toks.space[i])
    toks.text, toks.word, toks.space = text, word, space
    toks.wpos = [i for i, w in enumerate(word) if w]


def _apply(
    technique: str, base: _Tokens, n_words: int, cfg: EDAConfig, lex: Lexicon, r: random.Random
) -> str:
    toks = base.copy()
    if technique == "sr":
        _sr(toks, max(1, int(cfg.alpha_sr * n_words)), lex, r)
    elif technique == "ri":
        _ri(toks, max(1, int(cfg.alpha_ri * n_words)), lex, r)
    elif technique == "rs":
        _rs(toks, max(1, int(cfg.alpha_rs * n_words)), r)
    else:
        _rd(toks, cfg.p_rd, r)
    return toks.render()


def _eda_one(sentence: str, cfg: EDAConfig, lexicon: Lexicon, r: random.Random) -> list[str]:
    if not sentence or not sentence.strip():
        raise InputError("EDA: empty text")
    base = _Tokens.parse(sentence)
    n_words = sum(base.word)
    original = base.render() or sentence.strip()
    if n_words == 0:  # punctuation only: nothing to change
        return [original] * cfg.n_aug
    enabled = cfg.enabled()
    if "sr" in enabled or "ri" in enabled:
        _candidates(base, lexicon)
    per = -(-cfg.n_aug // len(enabled))
    plan = [t for t in enabled for _ in range(per)]
    r.shuffle(plan)
    out = []
    for technique in plan[: cfg.n_aug]:
        k = enabled.index(technique)
        new = original
        for attempt in range(max(3, len(enabled))):
            new = _apply(enabled[(k + attempt) % len(enabled)], base, n_words, cfg, lexicon, r)
            if new != original:
                break
        out.append(new or original)
    return out


def _random(rng: np.random.Generator) -> random.Random:
    if not isinstance(rng, np.random.Generator):
        raise InputError(f"EDA needs a numpy Generator, got {type(rng).__name__}")
    return random.Random(int(rng.integers(0, 2**63 - 1)))


def _prepare(lexicon: Lexicon, texts: Iterable[str]) -> None:
    vocab: dict[str, None] = {}
    for t in texts:
        for tok, _ in _TOKEN.findall(t):
            low = tok.lower()
            if low not in STOP_WORDS and _ALPHA.match(low):
                vocab[low] = None
    lexicon.prepare(vocab)


def eda(
    sentence: str, lexicon: Lexicon, rng: np.random.Generator, config: EDAConfig | None = None
) -> list[str]:
    """config.n_aug augmented versions of one sentence."""
    cfg = config or EDAConfig()
    return _eda_one(sentence, cfg, lexicon, _random(rng))


def augment(
    texts: Sequence[str],
    labels: Sequence[Hashable],
    lexicon: Lexicon,
    rng: np.random.Generator,
    config: EDAConfig | None = None,
) -> tuple[list[str], list[Hashable], np.ndarray]:
    """config.n_aug augmentations of every text. Returns (new texts, their labels, the
    index in `texts` of each new text's source), grouped by source in input order."""
    cfg = config or EDAConfig()
    if len(texts) != len(labels):
        raise InputError(f"EDA: {len(texts)} texts but {len(labels)} labels")
    r = _random(rng)
    _prepare(lexicon, texts)
    out: list[str] = []
    out_labels: list[Hashable] = []
    src: list[int] = []
    for i, (t, y) in enumerate(zip(texts, labels, strict=True)):
        new = _eda_one(t, cfg, lexicon, r)
        out += new
        out_labels += [y] * len(new)
        src += [i] * len(new)
    return out, out_labels, np.asarray(src, dtype=np.int64)


def augment_to_counts(
    texts: Sequence[str],
    labels: Sequence[Hashable],
    counts: Mapping[Hashable, int],
    lexicon: Lexicon,
    rng: np.random.Generator,
    config: EDAConfig | None = None,
) -> tuple[list[str], list[Hashable], np.ndarray]:
    """Exactly counts[label] new texts for each label, each one EDA output (one
    operation) of a source text of that label. Sources are used in a random order,
    each once before any is used again. Returns (texts, labels, source indices);
    config.n_aug is ignored."""
    cfg = config or EDAConfig()
    if len(texts) != len(labels):
        raise InputError(f"EDA: {len(texts)} texts but {len(labels)} labels")
    lab = list(labels)
    one = EDAConfig(cfg.alpha_sr, cfg.alpha_ri, cfg.alpha_rs, cfg.p_rd, n_aug=1)
    r = _random(rng)
    plan: list[int] = []
    for y, n in counts.items():
        if n < 0:
            raise InputError(f"EDA: negative count {n} for class {y!r}")
        if n == 0:
            continue
        rows = [i for i, v in enumerate(lab) if v == y]
        if not rows:
            raise InputError(f"EDA: no source text of class {y!r}")
        picked: list[int] = []
        while len(picked) < n:
            rows_now = rows.copy()
            r.shuffle(rows_now)
            picked += rows_now[: n - len(picked)]
        plan += picked
    _prepare(lexicon, (texts[i] for i in dict.fromkeys(plan)))
    out = [_eda_one(texts[i], one, lexicon, r)[0] for i in plan]
    return out, [lab[i] for i in plan], np.asarray(plan, dtype=np.int64)
