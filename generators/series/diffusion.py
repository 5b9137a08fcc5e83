"""`series_diffusion`: a class-conditional denoising diffusion model for minority series.

A small 1-D UNet (`diffusion_net.SeriesUNet`: residual conv blocks reading a time
and a class embedding, skip connections per level) with one class embedding per
class plus a "null" class (labels are dropped to it during training, for
classifier-free guidance), trained on every class of the training split by DDPM
(epsilon prediction, MSE, EMA weights) and sampled for the asked classes with DDIM
or DPM-Solver++ in `sample_steps` steps: the shared core in
`equipoise.generators.denoising`, as the image `diffusion` kind uses it.

Each channel is standardised with the training split's mean and standard deviation
(kept, and inverted on the samples); series are padded (edge values repeated) to a
multiple of the down-sampling factor and cropped back, so any length works. The
predicted clean series is clipped at 1.25 x the largest |z| seen in training.
Runs on the GPU when there is one (bf16 autocast, optional torch.compile); the CPU
path is the tested one and is deterministic for a seed.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from equipoise.dataspec import GenerationError, InputError
from equipoise.dataspec.threads import limited_threads
from equipoise.generators.base import ProgressCallback
from equipoise.generators.denoising import (
    DiffusionKind,
)
from equipoise.generators.series.base import SeriesGenerator
from equipoise.generators.tensors import (
    crop_to,
    pad_to,
    pick_device,
    round_up,
)


class SeriesDiffusion(DiffusionKind, SeriesGenerator):
    """Class-conditional 1-D diffusion (our small UNet, DDPM training with EMA, DDIM or
    DPM-Solver++ sampling, optional classifier-free guidance)."""

    kind = "series_diffusion"
    fallback = "kind: series_augment"

    def __init__(
        self,
        schema,
        *,
        epochs: int = 300,
        batch_size: int = 64,
        lr: float = 2e-3,
        channels: int = 32,
        levels: int = 3,
        timesteps: int = 1000,
        sampler: Literal["ddim", "dpm++"] = "ddim",
        sample_steps: int = 50,
        guidance: float = 1.0,
        label_dropout: float = 0.1,
        ema_decay: float = 0.999,
        device: str = "auto",
        precision: Literal["bf16", "fp32"] = "bf16",
        compile: bool = False,
        sample_batch: int = 1024,
    ):
        super().__init__(schema)
        self._set_training(locals())
        self.channels = int(channels)
        self.levels = int(levels)
        self.timesteps = int(timesteps)
        self.sample_steps = int(sample_steps)
        self.guidance = float(guidance)
        self._check_diffusion(steps="sample_steps", timesteps="timesteps", guidance="guidance")
        name = self.kind
        if self.device not in ("auto", "cpu") and not str(self.device).startswith("cuda"):
            raise InputError(f"{name}: device {self.device!r} is not one of auto, cpu, cuda")
        if self.channels < 8 or self.channels % 8:
            raise InputError(f"{name}: channels ({self.channels}) must be a multiple of 8, e.g. 32")
        if not 1 <= self.levels <= 6:
            raise InputError(f"{name}: levels ({self.levels}) must be in 1..6")

    def min_class_rows(self) -> tuple[int, str]:
        return 5, "5 series to learn the class's shape"

    def quality_hint(self) -> str:
        return "for series_diffusion, more epochs, more sample_steps or guidance: 2 usually help"

    def _length(self) -> int:
        """Padded length: each level but the last halves it."""
        return round_up(self.schema.length, 2 ** (self.levels - 1))

    def _network(self):
        return self.net_

    # -- fit -----------------------------------------------------------------------
    def _fit(
        self, X: np.ndarray, y: np.ndarray, *, seed: int, progress: ProgressCallback | None
    ) -> None:
        import torch

        from equipoise.generators.series.diffusion_net import SeriesUNet

        device = pick_device(self.device)
        self.label_dtype_ = y.dtype
        self.mean_ = X.mean(axis=(0, 2))
        std = X.std(axis=(0, 2))
        self.std_ = np.where(std > 1e-8 * np.maximum(1.0, np.abs(self.mean_)), std, 1.0)
        z = (X - self.mean_[None, :, None]) / self.std_[None, :, None]
        self.clip_ = float(max(1.0, 1.25 * np.abs(z).max()))
        n_labels = len(self.schema.classes) + 1  # the last: "no class", for guidance
        build = lambda: SeriesUNet(self.schema.channels, self.channels, self.levels, n_labels)  # noqa: E731
        data = torch.from_numpy(z.astype(np.float32)).to(device)
        with limited_threads():
            self.net_ = self._train(
                build,
                pad_to(data, (self._length(),)),
                y,
                seed=seed,
                timesteps=self.timesteps,
                progress=progress,
            )

    # -- sample --------------------------------------------------------------------
    def _sample(self, counts: dict[Any, int], *, seed: int) -> tuple[np.ndarray, np.ndarray]:
        with limited_threads():
            return super()._sample(counts, seed=seed)

    def generate(self, class_positions: np.ndarray, *, seed: int) -> np.ndarray:
        """One batch of float64 series (n, C, T) in the data's units, one per entry of
        `class_positions` (a class's index in the schema's classes)."""
        x = self._denoise(
            (len(class_positions), self.schema.channels, self._length()),
            class_positions,
            seed=seed,
            steps=self.sample_steps,
            guidance=self.guidance,
            timesteps=self.timesteps,
            clip_sample_range=self.clip_,
        )
        z = crop_to(x, self.schema.length).to("cpu").numpy().astype(np.float64)
        if not np.isfinite(z).all():
            raise GenerationError(
                f"{self.kind} produced NaN or infinite values (training diverged); "
                f"lower params.lr or use {self.fallback}"
            )
        return z * self.std_[None, :, None] + self.mean_[None, :, None]
