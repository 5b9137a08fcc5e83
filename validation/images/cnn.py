"""One small, fixed CNN for images from 8x8 to 32x32 and more, trained with a seeded,
deterministic loop on the CPU (the GPU when there is one). It is the judge of the
fidelity checks (its penultimate layer is the feature space) and the downstream model
of the image gate (plain, class-weighted or focal loss)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from equipoise.dataspec.threads import limited_threads

Loss = Literal["plain", "class_weight", "focal"]
#: width of the penultimate layer: the judge's feature space
FEATURES = 64
#: pixels per image up to which the CPU runs one thread: on images this small, threads
#: cost more in synchronisation than they save (12 epochs on 1,230 digits: 4.8 s with one
#: thread, 55 s with two on a busy 2-core machine), and one thread keeps results bitwise
#: identical whatever the machine's core count
SINGLE_THREAD_PIXELS = 16 * 16


@dataclass
class TrainedCNN:
    """A trained network with the class order of its outputs."""

    net: Any  # torch.nn.Module
    classes: tuple[Any, ...]
    device: str

    def proba(self, X: np.ndarray, batch_size: int = 1024) -> np.ndarray:
        """Class probabilities (N, n_classes), columns in `classes` order."""
        return self._run(X, batch_size, head=True)

    def features(self, X: np.ndarray, batch_size: int = 1024) -> np.ndarray:
        """Penultimate-layer activations (N, FEATURES), float64."""
        return self._run(X, batch_size, head=False)

    def predict(self, X: np.ndarray) -> np.ndarray:
        idx = self.proba(X).argmax(axis=1)
        return np.asarray(self.classes, dtype=object)[idx]

    def _run(self, X: np.ndarray, batch_size: int, *, head: bool) -> np.ndarray:
        import torch

        self.net.eval()
        out = []
        with torch.no_grad(), _threads(X, self.device):
            for lo in range(0, len(X), batch_size):
                xb = _scaled(X[lo : lo + batch_size], self.device)
                z = self.net.body(xb)
                out.append((torch.softmax(self.net.head(z), 1) if head else z).double().cpu())
        if not out:
            width = len(self.classes) if head else FEATURES
            return np.zeros((0, width))
        return torch.cat(out).numpy()


@contextmanager
def _threads(X: np.ndarray, device: str) -> Iterator[None]:
    """One CPU thread for small images (see SINGLE_THREAD_PIXELS), restored afterwards."""

    small = device == "cpu" and X.shape[-1] * X.shape[-2] <= SINGLE_THREAD_PIXELS
    with limited_threads(1 if small else None):
        yield


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _scaled(X: np.ndarray, device: str):
    import torch

    return torch.as_tensor(np.asarray(X, dtype=np.float32) / 255.0, device=device)


def _network(channels: int, n_classes: int):
    import torch
    from torch import nn

    class SmallCNN(nn.Module):
        """conv32-conv32-pool-conv64-pool(2x2)-fc(FEATURES)-fc(classes)."""

        def __init__(self) -> None:
            super().__init__()
            self.body = nn.Sequential(
                nn.Conv2d(channels, 32, 3, padding=1), nn.ReLU(),
                nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
                nn.MaxPool2d(2, ceil_mode=True),
                nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
                nn.AdaptiveAvgPool2d(2), nn.Flatten(),
                nn.Linear(256, FEATURES), nn.ReLU(),
            )  # fmt: skip
            self.head = nn.Linear(FEATURES, n_classes)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.head(self.body(x))

    return SmallCNN()


def train_cnn(
    X: np.ndarray,
    y: np.ndarray,
    classes: tuple[Any, ...] | list[Any],
    *,
    seed: int,
    epochs: int = 12,
    batch_size: int = 64,
    lr: float = 2e-3,
    loss: Loss = "plain",
    focal_gamma: float = 2.0,
) -> TrainedCNN:
    """Train the fixed CNN on uint8 images (N, C, H, W); same seed, same weights (CPU).

    `loss`: plain cross-entropy, cross-entropy with balanced class weights, or the gate's
    focal loss -(1 - p_t)^gamma log p_t (Lin et al. 2017)."""
    import torch

    classes = tuple(classes)
    index = {c: i for i, c in enumerate(classes)}
    targets = np.array([index[v] for v in np.asarray(y).tolist()], dtype=np.int64)
    device = _device()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = _network(X.shape[1], len(classes)).to(device)
    counts = np.bincount(targets, minlength=len(classes)).astype(np.float64)
    weight = None
    if loss == "class_weight":
        # sklearn's "balanced": n / (k * n_c); absent classes get no weight
        present = counts > 0
        w = np.zeros(len(classes))
        w[present] = len(targets) / (present.sum() * counts[present])
        weight = torch.as_tensor(w, dtype=torch.float32, device=device)
    Xt = _scaled(X, device)
    yt = torch.as_tensor(targets, device=device)
    optimiser = torch.optim.Adam(net.parameters(), lr=lr)
    order_rng = torch.Generator().manual_seed(seed)
    net.train()
    with _threads(X, device):
        gamma = focal_gamma if loss == "focal" else None
        _loop(net, optimiser, Xt, yt, weight, gamma, epochs, batch_size, order_rng)
    return TrainedCNN(net.eval(), classes, device)


def _loop(net, optimiser, Xt, yt, weight, gamma, epochs, batch_size, order_rng) -> None:
    import torch
    import torch.nn.functional as F

    from equipoise.validation.gate.focal import focal_loss

    for _ in range(epochs):
        order = torch.randperm(len(yt), generator=order_rng).to(yt.device)
        for lo in range(0, len(order), batch_size):
            batch = order[lo : lo + batch_size]
            logits = net(Xt[batch])
            if gamma is not None:
                value = focal_loss(logits, yt[batch], gamma)
            else:
                value = F.cross_entropy(logits, yt[batch], weight=weight)
            optimiser.zero_grad(set_to_none=True)
            value.backward()
            optimiser.step()
