"""The networks of the `stylegan` generator (our own code, after StyleGAN2's design):
equalised-learning-rate layers, the mapping network, modulated convolutions with
demodulation and noise inputs, the synthesis network and a projection discriminator.
Imported only when a StyleGAN is trained (it imports torch at the top)."""

from __future__ import annotations

import itertools
import math

import torch
import torch.nn.functional as F
from torch import nn

_GAIN = math.sqrt(2.0)  # keeps activations' scale through leaky ReLU


def _act(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, 0.2) * _GAIN


def _channels(base: int, level: int) -> int:
    """Channels at `level` doublings above 4x4: halve per level, at least 16."""
    return max(base // 2**level, 16)


class EqualLinear(nn.Module):
    """Linear layer whose weights are scaled at run time by 1/sqrt(fan_in) (equalised lr)."""

    def __init__(self, n_in: int, n_out: int, bias_init: float = 0.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_out, n_in))
        self.bias = nn.Parameter(torch.full((n_out,), float(bias_init)))
        self.scale = 1 / math.sqrt(n_in)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.scale, self.bias)


class EqualConv(nn.Module):
    """Conv layer with equalised learning rate (same padding)."""

    def __init__(self, n_in: int, n_out: int, kernel: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_out, n_in, kernel, kernel))
        self.bias = nn.Parameter(torch.zeros(n_out))
        self.scale = 1 / math.sqrt(n_in * kernel * kernel)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=self.weight.shape[-1] // 2)


def _normalise(x: torch.Tensor) -> torch.Tensor:
    """Pixel norm: unit mean square per sample."""
    return x * torch.rsqrt(x.square().mean(1, keepdim=True) + 1e-8)


class Mapping(nn.Module):
    """(z, class) -> style w: normalised z and class embedding through an MLP."""

    def __init__(self, z_dim: int, w_dim: int, n_classes: int, layers: int):
        super().__init__()
        self.embed = EqualLinear(n_classes, z_dim)
        dims = [2 * z_dim] + [w_dim] * layers
        self.layers = nn.ModuleList(EqualLinear(a, b) for a, b in itertools.pairwise(dims))
        self.n_classes = n_classes

    def forward(self, z: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        e = self.embed(F.one_hot(c, self.n_classes).to(z.dtype))
        x = torch.cat([_normalise(z), _normalise(e)], dim=1)
        for layer in self.layers:
            x = _act(layer(x))
        return x


class ModulatedConv(nn.Module):
    """A conv whose input channels are scaled per sample by the style (modulation) and
    whose outputs are rescaled to unit expected variance (demodulation).

    Computed as StyleGAN2's non-fused variant: scale the activations, one shared conv,
    scale the outputs; equivalent to per-sample weights, and far faster on the CPU than
    a grouped conv (whose backward pass is slow there)."""

    def __init__(self, n_in: int, n_out: int, kernel: int, w_dim: int, demodulate: bool = True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_out, n_in, kernel, kernel))
        self.affine = EqualLinear(w_dim, n_in, bias_init=1.0)  # styles start at 1
        self.scale = 1 / math.sqrt(n_in * kernel * kernel)
        self.demodulate = demodulate

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        style = self.affine(w)  # (N, C_in)
        weight = self.weight * self.scale
        out = F.conv2d(x * style[:, :, None, None], weight, padding=weight.shape[-1] // 2)
        if self.demodulate:
            # 1 / ||w_ij * s_i|| over inputs and taps, per sample and output channel
            energy = style.square() @ weight.square().sum((2, 3)).T  # (N, C_out)
            out = out * torch.rsqrt(energy + 1e-8)[:, :, None, None]
        return out


class StyleLayer(nn.Module):
    """Modulated 3x3 conv + per-pixel noise (learned strength) + bias + activation."""

    def __init__(self, n_in: int, n_out: int, w_dim: int):
        super().__init__()
        self.conv = ModulatedConv(n_in, n_out, 3, w_dim)
        self.noise_strength = nn.Parameter(torch.zeros(()))
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x: torch.Tensor, w: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        x = self.conv(x, w)
        noise = torch.randn(
            (x.shape[0], 1, *x.shape[2:]), generator=gen, device=x.device, dtype=x.dtype
        )
        return _act(x + self.noise_strength * noise + self.bias.view(1, -1, 1, 1))


class ToRGB(nn.Module):
    """Modulated 1x1 conv to image channels (no demodulation)."""

    def __init__(self, n_in: int, channels: int, w_dim: int):
        super().__init__()
        self.conv = ModulatedConv(n_in, channels, 1, w_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return self.conv(x, w) + self.bias.view(1, -1, 1, 1)


class Synthesis(nn.Module):
    """Learned constant 4x4 -> (upsample, 2 style layers, toRGB) per doubling; the
    image is the sum of every level's upsampled toRGB output (skip architecture)."""

    def __init__(self, base: int, w_dim: int, channels: int, side: int):
        super().__init__()
        levels = int(math.log2(side)) - 2
        self.const = nn.Parameter(torch.randn(base, 4, 4))
        self.first = StyleLayer(base, base, w_dim)
        self.rgbs = nn.ModuleList([ToRGB(base, channels, w_dim)])
        self.blocks = nn.ModuleList()
        for level in range(1, levels + 1):
            n_in, n_out = _channels(base, level - 1), _channels(base, level)
            self.blocks.append(
                nn.ModuleList([StyleLayer(n_in, n_out, w_dim), StyleLayer(n_out, n_out, w_dim)])
            )
            self.rgbs.append(ToRGB(n_out, channels, w_dim))

    def forward(self, w: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        x = self.first(self.const.expand(len(w), -1, -1, -1), w, gen)
        image = self.rgbs[0](x, w)
        for (up_layer, layer), to_rgb in zip(self.blocks, self.rgbs[1:], strict=True):
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
            x = layer(up_layer(x, w, gen), w, gen)
            image = F.interpolate(image, scale_factor=2, mode="bilinear", align_corners=False)
            image = image + to_rgb(x, w)
        return image


class Generator(nn.Module):
    """Mapping + synthesis; `cfg` is the StyleGAN generator object (its parameters)."""

    def __init__(self, cfg, n_classes: int, side: int):
        super().__init__()
        self.mapping = Mapping(cfg.z_dim, cfg.w_dim, n_classes, cfg.mapping_layers)
        self.synthesis = Synthesis(cfg.channels, cfg.w_dim, cfg.schema.channels, side)

    def forward(self, z: torch.Tensor, c: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        return self.synthesis(self.mapping(z, c), gen)


def minibatch_std(x: torch.Tensor, group: int = 4) -> torch.Tensor:
    """One more channel: the spread of features across a small group of images, so the
    discriminator sees when a batch lacks variety (StyleGAN's answer to mode collapse)."""
    n, c, h, w = x.shape
    g = math.gcd(group, n)
    # sqrt(var + eps), not std(): std's gradient is NaN where a group does not vary
    variance = x.view(g, n // g, c, h, w).var(0, unbiased=False)
    spread = (variance + 1e-8).sqrt().mean((1, 2, 3))  # (N / g,)
    return torch.cat([x, spread.repeat(g).view(n, 1, 1, 1).expand(n, 1, h, w)], dim=1)


class Discriminator(nn.Module):
    """fromRGB, (conv, conv, downsample) per halving down to 4x4, minibatch std, then a
    feature vector phi; the score is linear(phi) + <class embedding, phi> (projection)."""

    def __init__(self, cfg, n_classes: int, side: int):
        super().__init__()
        levels = int(math.log2(side)) - 2
        top = _channels(cfg.channels, levels)
        self.from_rgb = EqualConv(cfg.schema.channels, top, 1)
        self.blocks = nn.ModuleList()
        for level in range(levels, 0, -1):
            n_in, n_out = _channels(cfg.channels, level), _channels(cfg.channels, level - 1)
            self.blocks.append(nn.ModuleList([EqualConv(n_in, n_in, 3), EqualConv(n_in, n_out, 3)]))
        self.last = EqualConv(cfg.channels + 1, cfg.channels, 3)
        self.features = EqualLinear(cfg.channels * 16, cfg.channels)
        self.score = EqualLinear(cfg.channels, 1)
        self.embed = nn.Embedding(n_classes, cfg.channels)
        nn.init.normal_(self.embed.weight, std=1 / math.sqrt(cfg.channels))

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        x = _act(self.from_rgb(x))
        for first, second in self.blocks:
            x = F.avg_pool2d(_act(second(_act(first(x)))), 2)
        phi = _act(self.features(_act(self.last(minibatch_std(x))).flatten(1)))
        return self.score(phi).squeeze(1) + (self.embed(c) * phi).sum(1)
