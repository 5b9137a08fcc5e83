"""The `focal_loss` baseline: a small torch MLP trained with the focal loss
FL = -(1 - p_t)^γ log p_t (Lin et al. 2017), which down-weights easy examples so the
rare class is not drowned out. sklearn-style (fit / predict_proba) on encoded rows."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin


def focal_loss(logits, target, gamma: float):
    """Mean focal loss of softmax logits (N, K) against class indices (N,)."""
    import torch

    log_p = torch.log_softmax(logits, dim=1).gather(1, target[:, None]).squeeze(1)
    return (-((1 - log_p.exp()) ** gamma) * log_p).mean()


class FocalLossMLP(ClassifierMixin, BaseEstimator):
    """One hidden layer, Adam, mini-batches; deterministic for a given seed on CPU."""

    def __init__(
        self,
        gamma: float = 2.0,
        hidden: int = 64,
        epochs: int = 60,
        batch_size: int = 256,
        lr: float = 3e-3,
        weight_decay: float = 1e-4,
        seed: int = 0,
    ):
        self.gamma = gamma
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.seed = seed

    def fit(self, X: np.ndarray, y: np.ndarray) -> FocalLossMLP:
        import torch

        self.classes_, target = np.unique(y, return_inverse=True)
        gen = torch.Generator().manual_seed(int(self.seed))
        torch.manual_seed(int(self.seed))
        Xt = torch.as_tensor(np.asarray(X, dtype=np.float32))
        yt = torch.as_tensor(target, dtype=torch.long)
        self.net_ = torch.nn.Sequential(
            torch.nn.Linear(Xt.shape[1], self.hidden),
            torch.nn.ReLU(),
            torch.nn.Linear(self.hidden, len(self.classes_)),
        )
        opt = torch.optim.Adam(self.net_.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        # about the same number of updates whatever the size, within reason
        batch = max(32, min(self.batch_size, len(Xt)))
        for _ in range(self.epochs):
            for idx in torch.randperm(len(Xt), generator=gen).split(batch):
                opt.zero_grad()
                focal_loss(self.net_(Xt[idx]), yt[idx], self.gamma).backward()
                opt.step()
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        import torch

        with torch.no_grad():
            logits = self.net_(torch.as_tensor(np.asarray(X, dtype=np.float32)))
            return torch.softmax(logits, dim=1).numpy().astype(float)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
