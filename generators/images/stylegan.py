"""`stylegan`: a compact class-conditional StyleGAN-style GAN for minority images.

Our own small implementation in plain torch (no NVIDIA code, whose licence
forbids reuse), after the StyleGAN2 paper (Karras et al. 2020):
- generator: a mapping network (z and a class embedding -> style w), a learned
  constant 4x4 input, style-modulated 3x3 convolutions with weight demodulation,
  per-layer noise inputs with learned strength, and skip-connected toRGB layers;
- discriminator: a plain conv stack with a minibatch-std channel and a projection
  head for the class (Miyato & Koyama 2018);
- non-saturating logistic loss, lazy R1 penalty on real images every few steps,
  DiffAugment (Zhao et al. 2020: translation, cutout, brightness/contrast) on
  real and fake images alike so the discriminator does not overfit small classes;
- equalised learning rate everywhere and an exponential moving average of the
  generator's weights, which is what samples.
Images are scaled to [-1, 1] and padded to a square power-of-two side >= 4.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from equipoise.dataspec import InputError
from equipoise.dataspec.seeding import derive_seed
from equipoise.generators.base import ProgressCallback
from equipoise.generators.images.base import ImageGenerator
from equipoise.generators.images.tensors import affine_warp, from_signed, to_signed, uniform
from equipoise.generators.progress import budgeted_epochs
from equipoise.generators.tensors import (
    class_index,
    class_labels,
    crop_to,
    pad_to,
    pick_device,
    seeded,
)

_AUGMENTS = ("translation", "cutout", "color")


class StyleGAN(ImageGenerator):
    """Compact class-conditional StyleGAN-style GAN (modulated convolutions, noise inputs,
    projection discriminator, DiffAugment, lazy R1); our own code."""

    kind = "stylegan"
    fallback = "kind: augment"

    def __init__(
        self,
        schema,
        *,
        epochs: int = 100,
        batch_size: int = 64,
        lr: float = 2e-3,
        channels: int = 64,
        z_dim: int = 64,
        w_dim: int = 64,
        mapping_layers: int = 2,
        r1_gamma: float = 0.1,
        r1_every: int = 4,
        diffaugment: tuple[str, ...] = _AUGMENTS,
        ema_decay: float = 0.995,
        truncation: float = 1.0,
        device: str = "auto",
    ):
        super().__init__(schema)
        self.epochs = int(epochs)
        self.batch_size = int(batch_size)
        self.lr = float(lr)
        self.channels = int(channels)
        self.z_dim = int(z_dim)
        self.w_dim = int(w_dim)
        self.mapping_layers = int(mapping_layers)
        self.r1_gamma = float(r1_gamma)
        self.r1_every = int(r1_every)
        self.diffaugment = tuple(diffaugment)
        self.ema_decay = float(ema_decay)
        self.truncation = float(truncation)
        self.device = device
        unknown = sorted(set(self.diffaugment) - set(_AUGMENTS))
        if unknown:
            raise InputError(
                f"stylegan: diffaugment {unknown} unknown; pick from {', '.join(_AUGMENTS)}"
            )
        if min(self.epochs, self.batch_size, self.channels, self.r1_every) < 1:
            raise InputError("stylegan: epochs, batch_size, channels and r1_every must be >= 1")
        if not 0 <= self.ema_decay < 1 or not 0 < self.truncation <= 1:
            raise InputError("stylegan: ema_decay must be in [0, 1) and truncation in (0, 1]")

    def min_class_rows(self) -> tuple[int, str]:
        return 5, "5 images to learn what the class looks like"

    def quality_hint(self) -> str:
        return "for stylegan, more epochs or truncation: 0.7 usually help"

    def _side(self) -> int:
        """Square side the networks work at: the smallest power of two >= 4 that fits."""
        return max(4, 2 ** math.ceil(math.log2(max(self.schema.height, self.schema.width))))

    # -- fit -----------------------------------------------------------------------
    def _fit(
        self, X: np.ndarray, y: np.ndarray, *, seed: int, progress: ProgressCallback | None
    ) -> None:
        import torch
        import torch.nn.functional as F

        device = pick_device(self.device)
        self.label_dtype_ = y.dtype
        n_classes, side = len(self.schema.classes), self._side()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(derive_seed(seed, "stylegan", "init"))
            nets = _networks()
            G = nets.Generator(self, n_classes, side).to(device)
            D = nets.Discriminator(self, n_classes, side).to(device)
        G_ema = copy.deepcopy(G).eval().requires_grad_(False)
        # R1 is applied every r1_every steps, so its step's Adam momentum is rescaled (as in SG2)
        ratio = self.r1_every / (self.r1_every + 1)
        opt_g = torch.optim.Adam(G.parameters(), lr=self.lr, betas=(0.0, 0.99))
        opt_d = torch.optim.Adam(D.parameters(), lr=self.lr * ratio, betas=(0.0, 0.99**ratio))
        images = pad_to(to_signed(X, device), (side, side))
        labels = torch.from_numpy(class_index(self.schema.classes, y)).to(device)
        gen = seeded(derive_seed(seed, "stylegan", "train"), device)
        augment = lambda x: diff_augment(x, self.diffaugment, gen)  # noqa: E731
        step = 0
        self.losses_ = []
        budget = getattr(self, "epoch_budget_", None)
        for _ in budgeted_epochs(self.epochs, budget, self.kind, progress):
            order = torch.randperm(len(images), generator=gen, device=device)
            for start in range(0, len(order), self.batch_size):
                batch = order[start : start + self.batch_size]
                real, cls = images[batch], labels[batch]
                # discriminator: real -> high, fake -> low (non-saturating logistic loss)
                z = torch.randn(len(batch), self.z_dim, generator=gen, device=device)
                fake = G(z, cls, gen).detach()
                d_loss = F.softplus(D(augment(fake), cls)).mean()
                lazy_r1 = self.r1_gamma > 0 and step % self.r1_every == 0
                real = real.detach().requires_grad_(lazy_r1)
                real_score = D(augment(real), cls)
                d_loss = d_loss + F.softplus(-real_score).mean()
                if lazy_r1:
                    (grad,) = torch.autograd.grad(real_score.sum(), real, create_graph=True)
                    penalty = grad.square().sum((1, 2, 3)).mean()
                    d_loss = d_loss + self.r1_gamma / 2 * penalty * self.r1_every
                opt_d.zero_grad(set_to_none=True)
                d_loss.backward()
                opt_d.step()
                # generator: make the discriminator call its images real
                z = torch.randn(len(batch), self.z_dim, generator=gen, device=device)
                g_loss = F.softplus(-D(augment(G(z, cls, gen)), cls)).mean()
                opt_g.zero_grad(set_to_none=True)
                g_loss.backward()
                opt_g.step()
                # EMA with warm-up: early steps follow the generator closely
                _update_ema(G_ema, G, min(self.ema_decay, (1 + step) / (10 + step)))
                step += 1
            self.losses_.append((float(d_loss.detach()), float(g_loss.detach())))
        self.generator_ = G_ema
        self.w_mean_ = _mean_styles(G_ema, n_classes, self.z_dim, gen, device)

    # -- sample --------------------------------------------------------------------
    def _sample(self, counts: dict[Any, int], *, seed: int) -> tuple[np.ndarray, np.ndarray]:
        import torch

        device = next(self.generator_.parameters()).device
        parts = []
        with torch.inference_mode():
            for cls, n in counts.items():
                position = self.schema.classes.index(cls)
                gen = seeded(derive_seed(seed, "stylegan", cls), device)
                for start in range(0, n, 1024):
                    size = min(1024, n - start)
                    z = torch.randn(size, self.z_dim, generator=gen, device=device)
                    c = torch.full((size,), position, dtype=torch.long, device=device)
                    w = self.generator_.mapping(z, c)
                    w = self.w_mean_[position] + self.truncation * (w - self.w_mean_[position])
                    x = self.generator_.synthesis(w, gen)
                    parts.append(from_signed(crop_to(x, self.schema.height, self.schema.width)))
        return np.concatenate(parts), class_labels(counts, self.label_dtype_)


def _update_ema(G_ema: Any, G: Any, decay: float) -> None:
    """Move the EMA generator's weights towards the generator's by 1 - `decay`."""
    import torch

    with torch.no_grad():
        for p_ema, p in zip(G_ema.parameters(), G.parameters(), strict=True):
            p_ema.lerp_(p, 1 - decay)


def _mean_styles(G, n_classes: int, z_dim: int, gen, device):
    """Average style per class (the centre that truncation pulls towards)."""
    import torch

    with torch.no_grad():
        z = torch.randn(n_classes, 256, z_dim, generator=gen, device=device)
        c = torch.arange(n_classes, device=device)[:, None].expand(-1, 256)
        return G.mapping(z.reshape(-1, z_dim), c.reshape(-1)).view(n_classes, 256, -1).mean(1)


def diff_augment(x, ops: tuple[str, ...], gen):
    """DiffAugment on images in [-1, 1]: the same differentiable random transforms for
    real and fake images (colour: brightness and contrast; translation by up to 1/8 of
    the side; cutout of a square half the side)."""
    import torch

    n, device = len(x), x.device
    if "color" in ops:
        x = x + uniform(n, -0.5, 0.5, gen, device).view(n, 1, 1, 1)
        mean = x.mean((1, 2, 3), keepdim=True)
        x = (x - mean) * uniform(n, 0.5, 1.5, gen, device).view(n, 1, 1, 1) + mean
    if "translation" in ops:
        side = x.shape[-1]
        pixels = torch.randint(-(side // 8), side // 8 + 1, (n, 2), generator=gen, device=device)
        x = affine_warp(
            x,
            angle=torch.zeros(n, device=device),
            zoom=torch.ones(n, 2, device=device),
            shift=pixels / side,
            mode="nearest",
            padding="border",
        )
    if "cutout" in ops:
        h, w = x.shape[-2:]
        cy = torch.randint(h, (n, 1, 1), generator=gen, device=device)
        cx = torch.randint(w, (n, 1, 1), generator=gen, device=device)
        rows = torch.arange(h, device=device).view(1, h, 1)
        cols = torch.arange(w, device=device).view(1, 1, w)
        hole = ((rows - cy).abs() < h // 4 + 1) & ((cols - cx).abs() < w // 4 + 1)
        x = x * (~hole).unsqueeze(1).to(x.dtype)
    return x


def _networks():
    """The torch modules, built on first use so that importing the registry needs no torch."""
    from equipoise.generators.images import stylegan_nets

    return stylegan_nets
