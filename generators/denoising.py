"""The denoising-diffusion core every modality's diffusion generator shares: the
noise schedule, DDPM training of a class-conditional denoiser (epsilon prediction,
MSE, labels dropped to a "null" class for classifier-free guidance, an EMA of the
weights), guided sampling with DDIM or DPM-Solver++ (diffusers schedulers), and
`DiffusionKind`, the parameters and sampling both diffusion kinds share.

The denoiser is any torch module called as `model(x, t, class_labels=c)` that returns
the predicted noise (a tensor, or an object with `.sample` as diffusers' UNets do).
torch and diffusers are imported inside each function.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from equipoise.dataspec.seeding import derive_seed
from equipoise.generators.base import ProgressCallback
from equipoise.generators.progress import EpochBudget, budgeted_epochs
from equipoise.generators.tensors import class_index, class_labels, seeded

if TYPE_CHECKING:
    import torch

SAMPLERS = ("ddim", "dpm++")
PRECISIONS = ("bf16", "fp32")


def noise_scheduler(train_timesteps: int, **config: Any):
    """The training schedule: DDPM, cosine betas, epsilon prediction; `config` overrides
    diffusers' defaults (e.g. clip_sample_range for data outside [-1, 1])."""
    from diffusers import DDPMScheduler

    return DDPMScheduler(
        num_train_timesteps=train_timesteps,
        beta_schedule="squaredcos_cap_v2",
        prediction_type="epsilon",
        **config,
    )


def sampling_scheduler(train_timesteps: int, sampler: str, **config: Any):
    """DDIM or DPM-Solver++ (2nd order) over the training schedule."""
    from diffusers import DDIMScheduler, DPMSolverMultistepScheduler

    base = noise_scheduler(train_timesteps, **config).config
    if sampler == "dpm++":
        return DPMSolverMultistepScheduler.from_config(
            base, algorithm_type="dpmsolver++", solver_order=2
        )
    return DDIMScheduler.from_config(base)


def autocast(device: torch.device, precision: str) -> AbstractContextManager:
    """bf16 autocast on the GPU (unless precision is fp32); plain fp32 on the CPU."""
    import torch

    on = device.type == "cuda" and precision == "bf16"
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=on)


def _noise(out: Any) -> torch.Tensor:
    """The predicted noise, from a tensor or a diffusers output object."""
    return getattr(out, "sample", out).float()


def train_ddpm(
    net: torch.nn.Module,
    data: torch.Tensor,
    labels: torch.Tensor,
    *,
    null_class: int,
    epochs: int,
    batch_size: int,
    lr: float,
    train_timesteps: int,
    label_dropout: float,
    ema_decay: float,
    gen: torch.Generator,
    precision: str,
    model: Callable[..., Any] | None = None,
    layout: Callable[[torch.Tensor], torch.Tensor] = lambda x: x,
    progress: ProgressCallback | None = None,
    kind: str = "diffusion",
    budget: EpochBudget | None = None,
) -> list[float]:
    """Train `net` on `data` (N, ...) with class indices `labels` (N,) by DDPM (AdamW,
    EMA with warm-up; the EMA weights are copied into `net` at the end). `model` is
    what is called (a compiled `net`; default `net` itself); `layout` prepares each
    noisy batch (channels_last on the GPU). Returns the mean loss of each epoch;
    `progress(kind, epoch, epochs)` after each; `budget` may cut the epochs."""
    import torch
    import torch.nn.functional as F
    from diffusers.training_utils import EMAModel

    device = data.device
    model = net if model is None else model
    scheduler = noise_scheduler(train_timesteps)
    ema = EMAModel(net.parameters(), decay=ema_decay, use_ema_warmup=True, foreach=True)
    optimizer = torch.optim.AdamW(net.parameters(), lr=lr)
    ema.to(device)
    losses = []
    for _ in budgeted_epochs(epochs, budget, kind, progress):
        order = torch.randperm(len(data), generator=gen, device=device)
        total = torch.zeros((), device=device)  # summed on the device: no sync per step
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            x0, cls = data[batch], labels[batch]
            drop = torch.rand(len(batch), generator=gen, device=device) < label_dropout
            cls = torch.where(drop, torch.full_like(cls, null_class), cls)
            noise = torch.randn(x0.shape, generator=gen, device=device)
            t = torch.randint(train_timesteps, (len(batch),), generator=gen, device=device)
            noisy = layout(scheduler.add_noise(x0, noise, t))
            with autocast(device, precision):
                predicted = _noise(model(noisy, t, class_labels=cls))
            loss = F.mse_loss(predicted, noise)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            ema.step(net.parameters())
            total += loss.detach() * len(batch)
        losses.append(float(total) / len(data))
    ema.copy_to(net.parameters())
    return losses


def denoise(
    model: Callable[..., Any],
    scheduler: Any,
    shape: tuple[int, ...],
    classes: torch.Tensor,
    *,
    null_class: int,
    steps: int,
    guidance: float,
    gen: torch.Generator,
    precision: str,
    layout: Callable[[torch.Tensor], torch.Tensor] = lambda x: x,
) -> torch.Tensor:
    """Samples of `shape` (one per entry of `classes`) from pure noise in `steps`
    steps of `scheduler`; guidance != 1 mixes in the unconditional prediction
    (classifier-free guidance: uncond + guidance * (cond - uncond)). Float32."""
    import torch

    device = classes.device
    scheduler.set_timesteps(steps, device=device)
    x = torch.randn(shape, generator=gen, device=device) * scheduler.init_noise_sigma
    guided = guidance != 1.0
    if guided:
        classes = torch.cat([classes, torch.full_like(classes, null_class)])
    with torch.inference_mode(), autocast(device, precision):
        for t in scheduler.timesteps:
            model_in = layout(scheduler.scale_model_input(torch.cat([x, x]) if guided else x, t))
            eps = _noise(model(model_in, t, class_labels=classes))
            if guided:
                cond, uncond = eps.chunk(2)
                eps = uncond + guidance * (cond - uncond)
            x = scheduler.step(eps, t, x, generator=gen).prev_sample
    return x.float()


class DiffusionKind:
    """What the diffusion generator kinds share, mixed into a modality's generator: the
    common parameters and their checks, the (compiled) network that sampling calls,
    and sampling in batches that mix every asked class. A kind implements
    `_network()` (the trained module) and `generate(class positions, seed=...)`."""

    kind: str
    schema: Any
    label_dtype_: Any
    #: convolutions over images run faster in channels_last memory order on the GPU
    channels_last: ClassVar[bool] = False

    #: the constructor parameters every diffusion kind has, set by `_set_training`
    TRAINING: ClassVar[dict[str, type]] = {
        "epochs": int, "batch_size": int, "lr": float, "sampler": str, "label_dropout": float,
        "ema_decay": float, "device": str, "precision": str, "compile": bool, "sample_batch": int,
    }  # fmt: skip

    def _set_training(self, given: dict[str, Any]) -> None:
        """Set the shared parameters from the constructor's `locals()`."""
        for name, kind in self.TRAINING.items():
            setattr(self, name, kind(given[name]))

    def _check_diffusion(self, *, steps: str, timesteps: str, guidance: str) -> None:
        """InputError (one line) for parameters out of range; `steps`, `timesteps` and
        `guidance` name the kind's own parameters for the sampling steps, the training
        timesteps and the guidance scale."""
        from equipoise.dataspec import InputError

        kind, p = self.kind, vars(self)
        if min(self.epochs, self.batch_size, p[steps], self.sample_batch) < 1:
            raise InputError(f"{kind}: epochs, batch_size, {steps} and sample_batch must be >= 1")
        if self.sampler not in SAMPLERS:
            raise InputError(f"{kind}: sampler {self.sampler!r} is not one of ddim, dpm++")
        if self.precision not in PRECISIONS:
            raise InputError(f"{kind}: precision {self.precision!r} is not one of bf16, fp32")
        if p[guidance] != 1.0 and self.label_dropout <= 0:
            raise InputError(
                f"{kind}: {guidance} != 1 needs label_dropout > 0 (the unconditional model)"
            )
        if not 0 <= self.label_dropout < 1 or not 0 <= self.ema_decay < 1:
            raise InputError(f"{kind}: label_dropout and ema_decay must be in [0, 1)")
        if p[steps] > p[timesteps]:
            raise InputError(f"{kind}: {steps} ({p[steps]}) exceeds {timesteps} ({p[timesteps]})")

    def _train(
        self,
        build: Callable[[], torch.nn.Module],
        data: torch.Tensor,
        y: np.ndarray,
        *,
        seed: int,
        timesteps: int,
        progress: ProgressCallback | None,
        layout: Callable[[torch.Tensor], torch.Tensor] = lambda x: x,
    ) -> torch.nn.Module:
        """Build the network (its init seeded from `seed`), train it by `train_ddpm` on
        `data` (on its device) and labels `y`; returns it with the EMA weights, in eval
        mode, and keeps the epoch losses in `losses_`."""
        import torch

        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(derive_seed(seed, self.kind, "init"))
            net = build()
        device = data.device
        self.losses_ = train_ddpm(
            net,
            data,
            torch.from_numpy(class_index(self.schema.classes, y)).to(device),
            null_class=len(self.schema.classes),
            epochs=self.epochs,
            batch_size=self.batch_size,
            lr=self.lr,
            train_timesteps=timesteps,
            label_dropout=self.label_dropout,
            ema_decay=self.ema_decay,
            gen=seeded(derive_seed(seed, self.kind, "train"), device),
            precision=self.precision,
            model=self._prepare(net, device),
            layout=layout,
            progress=progress,
            kind=self.kind,
            budget=getattr(self, "epoch_budget_", None),
        )
        return net.eval()

    def _denoise(
        self,
        shape: tuple[int, ...],
        class_positions: np.ndarray,
        *,
        seed: int,
        steps: int,
        guidance: float,
        timesteps: int,
        layout: Callable[[torch.Tensor], torch.Tensor] = lambda x: x,
        **schedule: Any,
    ) -> torch.Tensor:
        """`denoise` with the trained network, for the classes at `class_positions`;
        `schedule` overrides the sampling scheduler's config."""
        import torch

        device = next(self._network().parameters()).device
        return denoise(
            self._runner(),
            sampling_scheduler(timesteps, self.sampler, **schedule),
            shape,
            torch.as_tensor(np.asarray(class_positions), dtype=torch.long, device=device),
            null_class=len(self.schema.classes),
            steps=steps,
            guidance=guidance,
            gen=seeded(seed, device),
            precision=self.precision,
            layout=layout,
        )

    def _network(self) -> Any:
        raise NotImplementedError

    def _prepare(self, net: torch.nn.Module, device: torch.device) -> Any:
        """Move to `device`; channels_last on the GPU for kinds that set `channels_last`
        (images); torch.compile if asked."""
        import torch

        net = net.to(device)
        if self.channels_last and device.type == "cuda":
            net = net.to(memory_format=torch.channels_last)
        return torch.compile(net) if self.compile else net

    def generate(self, class_positions: np.ndarray, *, seed: int) -> np.ndarray:
        raise NotImplementedError

    def _runner(self):
        """The network as sampling calls it: prepared (and compiled) once per compile setting."""
        if getattr(self, "runner_key_", None) != self.compile:
            net = self._network()
            self.runner_ = self._prepare(net, next(net.parameters()).device)
            self.runner_key_ = self.compile
        return self.runner_

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (the fit cache) without the compiled runner; `_runner` rebuilds it."""
        return {k: v for k, v in self.__dict__.items() if k not in ("runner_", "runner_key_")}

    def _sample(self, counts: dict[Any, int], *, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """All asked classes share batches: one network call per step serves every class."""
        y = class_labels(counts, self.label_dtype_)
        positions = class_index(self.schema.classes, y)
        step = self.sample_batch
        parts = [
            self.generate(positions[start : start + step], seed=derive_seed(seed, i))
            for i, start in enumerate(range(0, len(y), step))
        ]
        return np.concatenate(parts), y
