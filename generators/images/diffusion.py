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
from equipoise.dataspec.seeding import derive_seed
from equipoise.generators.base import ProgressCallback
from equipoise.generators.images.base import ImageGenerator
from equipoise.generators.images.tensors import (
    class_index,
    class_labels,
    crop_to,
    from_signed,
    pad_to,
    padded_size,
    pick_device,
    seeded,
    to_signed,
)

_STATE_FILE = "equipoise_diffusion.json"


class Diffusion(ImageGenerator):
    """Class-conditional diffusion (diffusers UNet2DModel, DDPM training, DDIM or
    DPM-Solver++ sampling, optional classifier-free guidance)."""

    kind = "diffusion"
    fallback = "kind: augment"

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
        self.epochs = int(epochs)
        self.batch_size = int(batch_size)
        self.lr = float(lr)
        self.block_out_channels = tuple(int(c) for c in block_out_channels)
        self.layers_per_block = int(layers_per_block)
        self.attention = bool(attention)
        self.train_timesteps = int(train_timesteps)
        self.sampler = sampler
        self.steps = int(steps)
        self.guidance_scale = float(guidance_scale)
        self.label_dropout = float(label_dropout)
        self.ema_decay = float(ema_decay)
        self.device = device
        self.precision = precision
        self.compile = bool(compile)
        self.sample_batch = int(sample_batch)
        self._check_params()

    def _check_params(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or self.steps < 1 or self.sample_batch < 1:
            raise InputError("diffusion: epochs, batch_size, steps and sample_batch must be >= 1")
        if self.sampler not in ("ddim", "dpm++"):
            raise InputError(f"diffusion: sampler {self.sampler!r} is not one of ddim, dpm++")
        if self.precision not in ("bf16", "fp32"):
            raise InputError(f"diffusion: precision {self.precision!r} is not one of bf16, fp32")
        if not self.block_out_channels or any(c % 8 for c in self.block_out_channels):
            raise InputError(
                f"diffusion: block_out_channels {list(self.block_out_channels)} must be "
                "multiples of 8 (GroupNorm groups), e.g. [32, 64]"
            )
        if self.guidance_scale != 1.0 and self.label_dropout <= 0:
            raise InputError(
                "diffusion: guidance_scale != 1 needs label_dropout > 0 (the unconditional model)"
            )
        if not 0 <= self.label_dropout < 1 or not 0 <= self.ema_decay < 1:
            raise InputError("diffusion: label_dropout and ema_decay must be in [0, 1)")
        if self.steps > self.train_timesteps:
            raise InputError(
                f"diffusion: steps ({self.steps}) exceeds train_timesteps ({self.train_timesteps})"
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

    def _noise_scheduler(self):
        from diffusers import DDPMScheduler

        return DDPMScheduler(
            num_train_timesteps=self.train_timesteps,
            beta_schedule="squaredcos_cap_v2",
            prediction_type="epsilon",
        )

    def _prepare(self, unet, device):
        """Move to `device`; channels_last on the GPU; torch.compile if asked."""
        import torch

        unet = unet.to(device)
        if device.type == "cuda":
            unet = unet.to(memory_format=torch.channels_last)
        return torch.compile(unet) if self.compile else unet

    def _runner(self):
        """The UNet as sampling calls it: prepared (and compiled) once per compile setting."""
        if getattr(self, "runner_key_", None) != self.compile:
            self.runner_ = self._prepare(self.unet_, next(self.unet_.parameters()).device)
            self.runner_key_ = self.compile
        return self.runner_

    def _autocast(self, device):
        """bf16 autocast on the GPU (unless precision: fp32); plain fp32 on the CPU."""
        import torch

        on = device.type == "cuda" and self.precision == "bf16"
        return torch.autocast(device.type, dtype=torch.bfloat16, enabled=on)

    # -- fit -----------------------------------------------------------------------
    def _fit(
        self, X: np.ndarray, y: np.ndarray, *, seed: int, progress: ProgressCallback | None
    ) -> None:
        import torch
        import torch.nn.functional as F
        from diffusers.training_utils import EMAModel

        device = pick_device(self.device)
        self.label_dtype_ = y.dtype
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(derive_seed(seed, "diffusion", "init"))
            unet = self._build_unet()
        ema = EMAModel(unet.parameters(), decay=self.ema_decay, use_ema_warmup=True, foreach=True)
        model = self._prepare(unet, device)
        scheduler = self._noise_scheduler()
        images = pad_to(to_signed(X, device), self._size())
        labels = torch.from_numpy(class_index(self.schema.classes, y)).to(device)
        null = len(self.schema.classes)
        gen = seeded(derive_seed(seed, "diffusion", "train"), device)
        optimizer = torch.optim.AdamW(unet.parameters(), lr=self.lr)
        ema.to(device)
        self.losses_ = []
        if progress:
            progress(self.kind, 0, self.epochs)
        for epoch in range(1, self.epochs + 1):
            order = torch.randperm(len(images), generator=gen, device=device)
            total = torch.zeros((), device=device)  # summed on the device: no sync per step
            for start in range(0, len(order), self.batch_size):
                batch = order[start : start + self.batch_size]
                x0, cls = images[batch], labels[batch]
                drop = torch.rand(len(batch), generator=gen, device=device) < self.label_dropout
                cls = torch.where(drop, torch.full_like(cls, null), cls)
                noise = torch.randn(x0.shape, generator=gen, device=device)
                t = torch.randint(self.train_timesteps, (len(batch),), generator=gen, device=device)
                noisy = scheduler.add_noise(x0, noise, t)
                if device.type == "cuda":
                    noisy = noisy.contiguous(memory_format=torch.channels_last)
                with self._autocast(device):
                    predicted = model(noisy, t, class_labels=cls).sample
                loss = F.mse_loss(predicted.float(), noise)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                ema.step(unet.parameters())
                total += loss.detach() * len(batch)
            self.losses_.append(float(total) / len(images))
            if progress:
                progress(self.kind, epoch, self.epochs)
        ema.copy_to(unet.parameters())
        self.unet_ = unet.eval()

    # -- sample --------------------------------------------------------------------
    def _sampling_scheduler(self):
        from diffusers import DDIMScheduler, DPMSolverMultistepScheduler

        config = self._noise_scheduler().config
        if self.sampler == "dpm++":
            return DPMSolverMultistepScheduler.from_config(
                config, algorithm_type="dpmsolver++", solver_order=2
            )
        return DDIMScheduler.from_config(config)

    def _sample(self, counts: dict[Any, int], *, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """All asked classes share batches: one UNet call per step serves every class."""
        y = class_labels(counts, self.label_dtype_)
        positions = class_index(self.schema.classes, y)
        parts = [
            self.generate(positions[start : start + self.sample_batch], seed=derive_seed(seed, i))
            for i, start in enumerate(range(0, len(y), self.sample_batch))
        ]
        return np.concatenate(parts), y

    def generate(self, class_positions: np.ndarray, *, seed: int) -> np.ndarray:
        """One batch of uint8 images, one per entry of `class_positions` (a class's index
        in the schema's classes)."""
        import torch

        device = next(self.unet_.parameters()).device
        scheduler = self._sampling_scheduler()
        scheduler.set_timesteps(self.steps, device=device)
        gen = seeded(seed, device)
        cls = torch.as_tensor(np.asarray(class_positions), dtype=torch.long, device=device)
        shape = (len(cls), self.schema.channels, *self._size())
        x = torch.randn(shape, generator=gen, device=device) * scheduler.init_noise_sigma
        guided = self.guidance_scale != 1.0
        runner = self._runner()
        if guided:
            cls = torch.cat([cls, torch.full_like(cls, len(self.schema.classes))])
        with torch.inference_mode(), self._autocast(device):
            for t in scheduler.timesteps:
                model_in = scheduler.scale_model_input(torch.cat([x, x]) if guided else x, t)
                if device.type == "cuda":
                    model_in = model_in.contiguous(memory_format=torch.channels_last)
                eps = runner(model_in, t, class_labels=cls).sample.float()
                if guided:
                    cond, uncond = eps.chunk(2)
                    eps = uncond + self.guidance_scale * (cond - uncond)
                x = scheduler.step(eps, t, x, generator=gen).prev_sample
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


def _plain(value: Any) -> Any:
    """numpy scalars as Python values (for json)."""
    return value.item() if hasattr(value, "item") else value
