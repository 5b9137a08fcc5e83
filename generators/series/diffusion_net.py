"""The denoiser of `series_diffusion`: a small class-conditional 1-D UNet in plain
torch (diffusers' UNet1DModel takes no class labels). Residual conv blocks
(GroupNorm, SiLU, kernel 3) each read one embedding, the sum of a sinusoidal time
embedding (through an MLP) and a learned class embedding (the last class is "none",
for classifier-free guidance); `levels` resolutions, halved by strided convs and
doubled by nearest upsampling + conv, with a skip connection per level. The input
length must be a multiple of 2 ** (levels - 1) (the generator pads to one).
"""

from __future__ import annotations

import math

import torch
from torch import nn


def _groups(channels: int) -> int:
    return math.gcd(8, channels)


def time_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding (n, dim) of timesteps t (n,) (Vaswani et al. 2017; DDPM)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=t.device) / half)
    angles = t.float()[:, None] * freqs[None]
    emb = torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)
    return nn.functional.pad(emb, (0, dim - 2 * half))


class ResBlock1d(nn.Module):
    """conv(silu(norm(x))) + projected embedding, then a second conv; a residual path."""

    def __init__(self, c_in: int, c_out: int, emb_dim: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(_groups(c_in), c_in)
        self.conv1 = nn.Conv1d(c_in, c_out, 3, padding=1)
        self.emb = nn.Linear(emb_dim, c_out)
        self.norm2 = nn.GroupNorm(_groups(c_out), c_out)
        self.conv2 = nn.Conv1d(c_out, c_out, 3, padding=1)
        self.skip = nn.Conv1d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(nn.functional.silu(self.norm1(x)))
        h = h + self.emb(emb)[:, :, None]
        h = self.conv2(nn.functional.silu(self.norm2(h)))
        return h + self.skip(x)


class SeriesUNet(nn.Module):
    """eps = net(x (n, C, T), t (n,) or scalar, class_labels (n,)) -> (n, C, T)."""

    def __init__(self, channels: int, width: int, levels: int, n_labels: int):
        super().__init__()
        self.width = width
        emb_dim = 4 * width
        widths = [width * min(2**i, 4) for i in range(levels)]
        self.time_mlp = nn.Sequential(
            nn.Linear(width, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim)
        )
        self.class_emb = nn.Embedding(n_labels, emb_dim)
        self.inp = nn.Conv1d(channels, width, 3, padding=1)
        self.down = nn.ModuleList()
        self.downsample = nn.ModuleList()
        c = width
        for i, w in enumerate(widths):
            self.down.append(ResBlock1d(c, w, emb_dim))
            c = w
            if i < levels - 1:
                self.downsample.append(nn.Conv1d(c, c, 3, stride=2, padding=1))
        self.mid = nn.ModuleList([ResBlock1d(c, c, emb_dim), ResBlock1d(c, c, emb_dim)])
        self.up = nn.ModuleList()
        self.upsample = nn.ModuleList()
        for i in reversed(range(levels)):
            self.up.append(ResBlock1d(c + widths[i], widths[i], emb_dim))
            c = widths[i]
            if i > 0:
                self.upsample.append(nn.Conv1d(c, c, 3, padding=1))
        self.out_norm = nn.GroupNorm(_groups(c), c)
        self.out = nn.Conv1d(c, channels, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(
        self, x: torch.Tensor, t: torch.Tensor | int, class_labels: torch.Tensor
    ) -> torch.Tensor:
        t = torch.as_tensor(t, device=x.device).reshape(-1).expand(x.shape[0])
        emb = self.time_mlp(time_embedding(t, self.width)) + self.class_emb(class_labels)
        h = self.inp(x)
        skips = []
        for i, block in enumerate(self.down):
            h = block(h, emb)
            skips.append(h)
            if i < len(self.downsample):
                h = self.downsample[i](h)
        for block in self.mid:
            h = block(h, emb)
        for j, block in enumerate(self.up):
            h = block(torch.cat([h, skips.pop()], dim=1), emb)
            if j < len(self.upsample):
                h = self.upsample[j](nn.functional.interpolate(h, scale_factor=2.0))
        return self.out(nn.functional.silu(self.out_norm(h)))
