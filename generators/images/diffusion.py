"""`diffusion`: a class-conditional denoising diffusion model for minority images.

A diffusers `UNet2DModel` with one class embedding per class plus a "null" class
(labels are dropped to it during training, for classifier-free guidance), trained
on every class with `DDPMScheduler` (epsilon prediction, MSE) and sampled for the
asked classes with DDIM or DPM-Solver++ in a configurable number of steps.
Images are scaled to [-1, 1] and padded (edge pixels repeated) to a size the UNet
accepts, then cropped back. Runs on the GPU when there is one (bf16 autocast,
channels_last, optional torch.compile); the CPU path is the tested one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import numpy as np

from equipoise.dataspec import ImageSchema, InputError
from equipoise.generators.base import ProgressCallback
from equipoise.generators.denoising import (
    DiffusionKind,
)
from equipoise.generators.images.base import ImageGenerator
from equipoise.generators.images.tensors import from_signed, padded_size, to_signed
from equipoise.generators.tensors import (
    crop_to,
    pad_to,
    pick_device,
)

_STATE_FILE = "equipoise_diffusion.json"


class Diffusion(DiffusionKind, ImageGenerator):
    """Class-conditional diffusion (diffusers UNet2DModel, DDPM training, DDIM or
    DPM-Solver++ sampling, optional classifier-free guidance)."""

    kind = "diffusion"
    fallback = "kind: augment"
    channels_last = True

    def __init__(
        self,
        schema,
        *,
        epochs: int = 30,
        batch_size: int = 64,
        lr: float = 1e-3,
        block_out_channels: tuple[int, ...] = (32, 64),
        layers_per_block: int = 1,
        attention: bool = False,
        train_timesteps: int = 1000,
        sampler: Literal["ddim", "dpm++"] = "ddim",
        steps: int = 25,
        guidance_scale: float = 1.0,
        label_dropout: float = 0.1,
        ema_decay: float = 0.999,
        device: str = "auto",
        precision: Literal["bf16", "fp32"] = "bf16",
        compile: bool = False,
        sample_batch: int = 1024,
    ):
        super().__init__(schema)
        self._set_training(locals())
        self.block_out_channels = tuple(int(c) for c in block_out_channels)
        self.layers_per_block = int(layers_per_block)
        self.attention = bool(attention)
        self.train_timesteps = int(train_timesteps)
        self.steps = int(steps)
        self.guidance_scale = float(guidance_scale)
        self._check_diffusion(steps="steps", timesteps="train_timesteps", guidance="guidance_scale")
        if not self.block_out_channels or any(c % 8 for c in self.block_out_channels):
            raise InputError(
                f"diffusion: block_out_channels {list(self.block_out_channels)} must be "
                "multiples of 8 (GroupNorm groups), e.g. [32, 64]"
            )

    def min_class_rows(self) -> tuple[int, str]:
        return 5, "5 images to learn what the class looks like"

    def quality_hint(self) -> str:
        return "for diffusion, more epochs, more steps or guidance_scale: 2 usually help"

    # -- network -------------------------------------------------------------------
    def _size(self) -> tuple[int, int]:
        """Padded (H, W): each down block but the last halves the size."""
        return padded_size(
            self.schema.height, self.schema.width, 2 ** (len(self.block_out_channels) - 1)
        )

    def _build_unet(self):
        from diffusers import UNet2DModel

        levels = len(self.block_out_channels)
        down = ["AttnDownBlock2D" if self.attention and i == levels - 1 else "DownBlock2D"
                for i in range(levels)]  # fmt: skip
        up = ["AttnUpBlock2D" if self.attention and i == 0 else "UpBlock2D" for i in range(levels)]
        return UNet2DModel(
            sample_size=self._size(),
            in_channels=self.schema.channels,
            out_channels=self.schema.channels,
            block_out_channels=self.block_out_channels,
            layers_per_block=self.layers_per_block,
            down_block_types=tuple(down),
            up_block_types=tuple(up),
            norm_num_groups=min(32, min(self.block_out_channels)),
            # one embedding per class, plus the last one: "no class" for guidance
            num_class_embeds=len(self.schema.classes) + 1,
        )

    def _network(self):
        return self.unet_

    # -- fit -----------------------------------------------------------------------
    def _fit(
        self, X: np.ndarray, y: np.ndarray, *, seed: int, progress: ProgressCallback | None
    ) -> None:
        device = pick_device(self.device)
        self.label_dtype_ = y.dtype
        data = pad_to(to_signed(X, device), self._size())
        self.unet_ = self._train(
            self._build_unet,
            data,
            y,
            seed=seed,
            timesteps=self.train_timesteps,
            progress=progress,
            layout=_channels_last,
        )

    # -- sample --------------------------------------------------------------------
    def generate(self, class_positions: np.ndarray, *, seed: int) -> np.ndarray:
        """One batch of uint8 images, one per entry of `class_positions` (a class's index
        in the schema's classes)."""
        x = self._denoise(
            (len(class_positions), self.schema.channels, *self._size()),
            class_positions,
            seed=seed,
            steps=self.steps,
            guidance=self.guidance_scale,
            timesteps=self.train_timesteps,
            layout=_channels_last,
        )
        return from_signed(crop_to(x, self.schema.height, self.schema.width))

    # -- persistence ---------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """The trained UNet (safetensors, via save_pretrained) and a json of the rest."""
        if not hasattr(self, "unet_"):
            raise RuntimeError("diffusion: call fit() before save()")
        path = Path(path)
        self.unet_.save_pretrained(path / "unet", safe_serialization=True)
        state = {
            "schema": self.schema.to_dict(),
            "params": self.params(),
            "class_counts": [[_plain(k), v] for k, v in self.class_counts_.items()],
            "minority_classes": [_plain(c) for c in self.minority_classes_],
            "label_dtype": np.dtype(self.label_dtype_).str,
        }
        (path / _STATE_FILE).write_text(json.dumps(state, indent=2))
        return path

    @classmethod
    def load(cls, path: str | Path) -> Diffusion:
        """A fitted generator from a folder written by `save`."""
        from diffusers import UNet2DModel

        path = Path(path)
        state = json.loads((path / _STATE_FILE).read_text())
        params = state["params"]
        params["block_out_channels"] = tuple(params["block_out_channels"])
        gen = cls(ImageSchema.from_dict(state["schema"]), **params)
        gen.class_counts_ = {k: v for k, v in state["class_counts"]}
        gen.minority_classes_ = state["minority_classes"]
        gen.label_dtype_ = np.dtype(state["label_dtype"])
        unet = UNet2DModel.from_pretrained(path / "unet", low_cpu_mem_usage=False)
        gen.unet_ = unet.to(pick_device(gen.device)).eval()
        return gen


def _channels_last(x):
    """Image batches in channels_last memory order on the GPU (faster convolutions)."""
    import torch

    return x.contiguous(memory_format=torch.channels_last) if x.is_cuda else x


def _plain(value: Any) -> Any:
    """numpy scalars as Python values (for json)."""
    return value.item() if hasattr(value, "item") else value
