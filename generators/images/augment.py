"""`augment`: the classic baselines for minority images as a generator. Each new
image is a real image of the class, moved (small rotation, shift, random resized
crop, optional flips), optionally mixed with a second image of the same class
(Mixup or CutMix, so the label stays hard) and, for RGB, colour-jittered.

Written with torch ops (affine_grid / grid_sample), not torchvision, whose PyPI
build does not work beside the pinned torch. Seeded by a torch.Generator per class.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

from equipoise.dataspec import GenerationError, InputError
from equipoise.dataspec.seeding import derive_seed
from equipoise.generators.base import ProgressCallback
from equipoise.generators.images.base import ImageGenerator
from equipoise.generators.images.tensors import affine_warp, from_unit, to_unit, uniform
from equipoise.generators.tensors import class_labels, seeded

#: images transformed at once (bounds memory on large classes)
_CHUNK = 4096
#: rounds of redrawing outputs that came out as an exact copy of a real image
_REDRAWS = 20


class Augment(ImageGenerator):
    """Classic augmentation of real minority images: small rotations, shifts, random
    resized crops, optional flips, intra-class Mixup / CutMix, colour jitter (RGB)."""

    kind = "augment"
    refit_cheaply = True

    def __init__(
        self,
        schema,
        *,
        rotate_degrees: float = 10.0,
        shift: float = 0.1,
        crop_scale: float = 0.85,
        hflip: bool = False,
        vflip: bool = False,
        brightness: float = 0.2,
        contrast: float = 0.2,
        saturation: float = 0.2,
        mixup: float = 0.0,
        mixup_alpha: float = 0.4,
        cutmix: float = 0.0,
        padding: Literal["zeros", "border", "reflection"] = "zeros",
    ):
        super().__init__(schema)
        self.rotate_degrees = float(rotate_degrees)
        self.shift = float(shift)
        self.crop_scale = float(crop_scale)
        self.hflip = bool(hflip)
        self.vflip = bool(vflip)
        self.brightness = float(brightness)
        self.contrast = float(contrast)
        self.saturation = float(saturation)
        self.mixup = float(mixup)
        self.mixup_alpha = float(mixup_alpha)
        self.cutmix = float(cutmix)
        self.padding = padding
        self._check_params()

    def _check_params(self) -> None:
        ranges = {
            "rotate_degrees": (self.rotate_degrees, 0.0, 180.0),
            "shift": (self.shift, 0.0, 0.5),
            "crop_scale": (self.crop_scale, 0.1, 1.0),
            "brightness": (self.brightness, 0.0, 1.0),
            "contrast": (self.contrast, 0.0, 1.0),
            "saturation": (self.saturation, 0.0, 1.0),
            "mixup": (self.mixup, 0.0, 1.0),
            "cutmix": (self.cutmix, 0.0, 1.0),
        }
        for name, (value, low, high) in ranges.items():
            if not low <= value <= high:
                raise InputError(f"augment: {name} must be in [{low}, {high}], got {value}")
        if self.mixup + self.cutmix > 1.0:
            raise InputError(
                f"augment: mixup + cutmix are shares of the images and add up to "
                f"{self.mixup + self.cutmix}; keep their sum at most 1"
            )
        if self.mixup_alpha <= 0:
            raise InputError(f"augment: mixup_alpha must be positive, got {self.mixup_alpha}")
        if self.padding not in ("zeros", "border", "reflection"):
            raise InputError(
                f"augment: padding {self.padding!r} is not one of zeros, border, reflection"
            )
        if not (self._moves() or self._mixes() or self._jitters()):
            raise InputError(
                "augment: every op is off, so it would only copy real images; turn one on "
                "(e.g. rotate_degrees: 10) or use kind: random_oversample"
            )

    def _moves(self) -> bool:
        return bool(
            self.rotate_degrees or self.shift or self.crop_scale < 1 or self.hflip or self.vflip
        )

    def _mixes(self) -> bool:
        return self.mixup + self.cutmix > 0

    def _jitters(self) -> bool:
        """Colour jitter applies to RGB images only."""
        strengths = self.brightness or self.contrast or self.saturation
        return self.schema.channels == 3 and bool(strengths)

    def min_class_rows(self) -> tuple[int, str]:
        if self._mixes():
            return 2, "2 images to mix (mixup / cutmix pick two parents of the same class)"
        return 1, "one image"

    def _fix_hint(self) -> str:
        return "set mixup: 0 and cutmix: 0, or use kind: random_oversample"

    def quality_hint(self) -> str:
        return "for augment, smaller rotate_degrees / shift keep images nearer the real ones"

    # -- fit / sample ------------------------------------------------------------
    def _fit(
        self, X: np.ndarray, y: np.ndarray, *, seed: int, progress: ProgressCallback | None
    ) -> None:
        """Nothing to learn: keep the real images of each class (uint8) to transform later."""
        self.images_ = {cls: X[y == cls] for cls in self.class_counts_}
        self.label_dtype_ = y.dtype

    def _sample(self, counts: dict[Any, int], *, seed: int) -> tuple[np.ndarray, np.ndarray]:
        parts = [
            self._sample_class(self.images_[cls], n, derive_seed(seed, "augment", cls))
            for cls, n in counts.items()
        ]
        return np.concatenate(parts), class_labels(counts, self.label_dtype_)

    def _sample_class(self, real: np.ndarray, n: int, seed: int) -> np.ndarray:
        """n transformed images of one class; none is an exact copy of one of its real images."""
        gen = seeded(seed)
        out = np.concatenate(
            [self._transform(real, min(_CHUNK, n - i), gen) for i in range(0, n, _CHUNK)]
        )
        seen = {image.tobytes() for image in real}
        for _ in range(_REDRAWS):
            copies = [i for i, image in enumerate(out) if image.tobytes() in seen]
            if not copies:
                return out
            out[copies] = self._transform(real, len(copies), gen)
        raise GenerationError(
            f"augment: {len(copies)} images stayed exact copies of real ones after "
            f"{_REDRAWS} redraws; raise rotate_degrees, shift or lower crop_scale"
        )

    def _transform(self, real: np.ndarray, n: int, gen) -> np.ndarray:
        import torch

        first = torch.randint(len(real), (n,), generator=gen)
        x = self._move(to_unit(real[first.numpy()]), gen)
        if self._mixes():
            # the second parent: another image of the same class (never the first one)
            offset = torch.randint(1, len(real), (n,), generator=gen)
            second = self._move(to_unit(real[((first + offset) % len(real)).numpy()]), gen)
            x = self._mix(x, second, gen)
        if self._jitters():
            x = self._jitter(x, gen)
        return from_unit(x)

    def _move(self, x, gen):
        """Rotation, shift, random resized crop (zoom in, aspect 3/4..4/3) and flips."""
        import torch

        if not self._moves():
            return x
        n = len(x)
        angle = uniform(n, -1, 1, gen, x.device) * math.radians(self.rotate_degrees)
        # a crop of area `a` resized to the full image zooms by 1/sqrt(a) (per axis, with aspect)
        area = uniform(n, self.crop_scale, 1.0, gen, x.device)
        aspect = torch.exp(uniform(n, math.log(3 / 4), math.log(4 / 3), gen, x.device))
        if self.crop_scale >= 1:
            aspect = torch.ones_like(aspect)
        zoom = torch.stack([1 / torch.sqrt(area * aspect), 1 / torch.sqrt(area / aspect)], 1)
        shift = uniform(2 * n, -self.shift, self.shift, gen, x.device).view(n, 2)
        for axis, on in enumerate((self.hflip, self.vflip)):
            if on:
                flip = torch.rand(n, generator=gen, device=x.device) < 0.5
                zoom[:, axis] = torch.where(flip, -zoom[:, axis], zoom[:, axis])
        return affine_warp(x, angle=angle, zoom=zoom, shift=shift, padding=self.padding)

    def _mix(self, x, other, gen):
        """Mixup (a blend) for a `mixup` share of images, CutMix (a box pasted from the
        other image) for a `cutmix` share; the rest stay as they are."""
        import torch

        n, _, h, w = x.shape
        pick = torch.rand(n, generator=gen)
        lam = _beta(self.mixup_alpha, n, gen)
        blend = (pick < self.mixup).view(n, 1, 1, 1)
        mixed = lam.view(n, 1, 1, 1) * x + (1 - lam.view(n, 1, 1, 1)) * other
        out = torch.where(blend, mixed, x)
        paste = (pick >= self.mixup) & (pick < self.mixup + self.cutmix)
        if paste.any():
            # box of area share (1 - lam) at a random centre, as in CutMix
            cut = torch.sqrt(1 - lam)
            cy, cx = torch.rand(n, generator=gen) * h, torch.rand(n, generator=gen) * w
            rows = torch.arange(h).view(1, h, 1)
            cols = torch.arange(w).view(1, 1, w)
            half_h, half_w = (cut * h / 2).view(n, 1, 1), (cut * w / 2).view(n, 1, 1)
            box = ((rows - cy.view(n, 1, 1)).abs() < half_h) & (
                (cols - cx.view(n, 1, 1)).abs() < half_w
            )
            box = (box & paste.view(n, 1, 1)).unsqueeze(1)
            out = torch.where(box, other, out)
        return out

    def _jitter(self, x, gen):
        """Brightness, contrast and saturation factors in [1 - s, 1 + s] per image."""
        n = len(x)
        shape = (n, 1, 1, 1)
        b = uniform(n, 1 - self.brightness, 1 + self.brightness, gen, x.device).view(shape)
        c = uniform(n, 1 - self.contrast, 1 + self.contrast, gen, x.device).view(shape)
        s = uniform(n, 1 - self.saturation, 1 + self.saturation, gen, x.device).view(shape)
        x = (x * b).clamp(0, 1)
        mean = _grey(x).mean((2, 3), keepdim=True)
        x = ((x - mean) * c + mean).clamp(0, 1)
        grey = _grey(x)
        return ((x - grey) * s + grey).clamp(0, 1)


def _grey(x):
    """Luma of RGB images (ITU-R 601 weights), shape (N, 1, H, W)."""
    return 0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]


def _beta(alpha: float, n: int, gen):
    """n draws of Beta(alpha, alpha). torch's Beta sampler has no generator argument, so it
    runs on a private copy of the global RNG seeded from `gen` (global state untouched)."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(torch.randint(2**31 - 1, (1,), generator=gen)))
        return torch.distributions.Beta(alpha, alpha).sample((n,))
