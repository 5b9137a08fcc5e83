"""The common checks every registered image generator must pass, on real data:
scikit-learn's 8x8 digits (one class made rare) and a 16x16 RGB version of them.
Budgets are tiny (1-2 epochs): the suite checks behaviour, not quality."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from equipoise.dataspec import ImageSchema, InputError, infer_image_schema, infer_schema
from equipoise.generators import registry
from equipoise.generators.images.base import ImageGenerator

KINDS = registry.known_kinds("image")
FAST_PARAMS: dict[str, dict] = {
    "augment": {},
    "diffusion": {"epochs": 2, "batch_size": 64, "steps": 4},
    "stylegan": {"epochs": 2, "batch_size": 32},
}
#: kinds also checked on RGB images (augment and one neural kind, as the suite is budgeted)
RGB_KINDS = [k for k in ("augment", "stylegan") if k in KINDS]
RARE, RARE_COUNT = 3, 15


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Tiny networks gain nothing from a second thread, and on a shared machine two
    threads per process can spin-wait each other to a crawl."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _digits(rgb: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Digits 0-3, 60 images each, digit 3 cut to 15: uint8 (N, 1, 8, 8), or, with `rgb`,
    (N, 3, 16, 16) upscaled and tinted by a per-image colour."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    keep = np.concatenate(
        [np.flatnonzero(digits.target == c)[: RARE_COUNT if c == RARE else 60] for c in range(4)]
    )
    X = (digits.images[keep] * (255 / 16)).round().astype(np.uint8)[:, None]
    y = digits.target[keep]
    if rgb:
        big = X.repeat(2, axis=2).repeat(2, axis=3).astype(np.float32) / 255
        tint = np.random.default_rng(0).uniform(0.3, 1.0, size=(len(X), 3, 1, 1))
        X = (big * tint * 255).round().astype(np.uint8)
    return X, y


_fitted: dict = {}


def _fitted_generator(kind: str, rgb: bool = False):
    if (kind, rgb) not in _fitted:
        X, y = _digits(rgb)
        schema = infer_image_schema(X, y)
        gen = registry.create(kind, schema, FAST_PARAMS[kind]).fit(X, y, seed=3)
        _fitted[kind, rgb] = gen, X, y
    return _fitted[kind, rgb]


ASKED = {RARE: 9, 1: 4}


def _check_output(X, y, asked, Xs, ys):
    assert Xs.dtype == np.uint8
    assert Xs.shape == (sum(asked.values()), *X.shape[1:])
    assert pd.Series(ys).value_counts().to_dict() == asked
    assert ys.dtype == y.dtype


@pytest.mark.parametrize("kind", KINDS)
def test_counts_dtype_shape_and_only_asked_classes(kind):
    gen, X, y = _fitted_generator(kind)
    Xs, ys = gen.sample(ASKED, seed=11)
    _check_output(X, y, ASKED, Xs, ys)
    assert Xs.std() > 0, f"{kind} made blank images"


@pytest.mark.parametrize("kind", RGB_KINDS)
def test_rgb_images(kind):
    gen, X, y = _fitted_generator(kind, rgb=True)
    Xs, ys = gen.sample(ASKED, seed=11)
    _check_output(X, y, ASKED, Xs, ys)
    channel_means = Xs.reshape(len(Xs), 3, -1).mean(axis=2)
    assert not np.allclose(channel_means[:, 0], channel_means[:, 1]), "colour was lost"


@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_same_images_other_seed_other_images(kind):
    gen, X, y = _fitted_generator(kind)
    first = gen.sample(ASKED, seed=5)
    again = registry.create(kind, gen.schema, FAST_PARAMS[kind]).fit(X, y, seed=3)
    second = again.sample(ASKED, seed=5)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    other = gen.sample(ASKED, seed=6)
    assert not np.array_equal(first[0], other[0]), "a different seed should give other images"


@pytest.mark.parametrize("kind", KINDS)
def test_refuses_too_small_class_in_one_line(kind):
    X, y = _digits()
    params = {**FAST_PARAMS[kind], **({"mixup": 0.5} if kind == "augment" else {})}
    gen = registry.create(kind, infer_image_schema(X, y), params)
    need, _ = gen.min_class_rows()
    assert need > 1, f"{kind} with {params} should need more than one image per class"
    keep = np.concatenate([np.flatnonzero(y != RARE), np.flatnonzero(y == RARE)[: need - 1]])
    with pytest.raises(InputError) as err:
        gen.fit(X[keep], y[keep], seed=0)
    message = str(err.value)
    assert "\n" not in message
    assert f"minority class {RARE!r} has {need - 1} images; {kind} needs at least" in message
    assert "use kind:" in message


@pytest.mark.parametrize("kind", KINDS)
def test_sample_before_fit_and_unknown_class(kind):
    X, y = _digits()
    fresh = registry.create(kind, infer_image_schema(X, y), FAST_PARAMS[kind])
    with pytest.raises(RuntimeError, match="call fit"):
        fresh.sample({RARE: 2}, seed=0)
    gen, *_ = _fitted_generator(kind)
    with pytest.raises(InputError, match=r"asked for classes \[7\]"):
        gen.sample({7: 2}, seed=0)


@pytest.mark.parametrize("kind", KINDS)
def test_refuses_a_table_schema(kind):
    table = infer_schema(pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "y": [0, 0, 1, 1]}), "y")
    with pytest.raises(
        InputError, match=f"kind {kind} makes image data; for table data use one of: ctgan"
    ):
        registry.create(kind, table)


def test_table_kinds_refuse_an_image_schema():
    schema = ImageSchema(height=8, width=8, channels=1, classes=(0, 1))
    with pytest.raises(
        InputError, match="kind smote makes table data; for image data use one of: augment"
    ):
        registry.create("smote", schema)


def test_every_image_kind_is_registered_and_an_image_generator():
    assert {"augment"} <= set(KINDS)
    assert all(issubclass(registry.REGISTRY[k], ImageGenerator) for k in KINDS)
    others = set(registry.known_kinds()) - set(KINDS)
    assert others and not any(issubclass(registry.REGISTRY[k], ImageGenerator) for k in others)


# -- augment specifics -------------------------------------------------------------------


@pytest.mark.parametrize("params", [{}, {"mixup": 0.5, "cutmix": 0.5}, {"rotate_degrees": 0}])
def test_augment_never_returns_a_copy_of_a_real_image(params):
    X, y = _digits()
    gen = registry.create("augment", infer_image_schema(X, y), params).fit(X, y, seed=0)
    Xs, _ = gen.sample({RARE: 300, 0: 300}, seed=1)
    real = {image.tobytes() for image in X}
    assert not any(image.tobytes() in real for image in Xs)


def test_augment_stays_near_its_class():
    """Transformed images are nearer their own class's mean image than to other classes'."""
    X, y = _digits()
    gen = registry.create("augment", infer_image_schema(X, y), {"mixup": 0.3, "cutmix": 0.3})
    Xs, ys = gen.fit(X, y, seed=0).sample({c: 50 for c in range(4)}, seed=2)
    means = np.stack([X[y == c].reshape(-1, 64).mean(0) for c in range(4)])
    dist = ((Xs.reshape(-1, 64)[:, None].astype(float) - means[None]) ** 2).sum(-1)
    assert (dist.argmin(1) == ys).mean() > 0.8


def test_augment_flips_only_when_asked():
    X, y = _digits()
    schema = infer_image_schema(X, y)
    still = {"rotate_degrees": 0, "shift": 0, "crop_scale": 1.0}
    flipped = registry.create("augment", schema, {**still, "hflip": True}).fit(X, y, seed=0)
    Xs, _ = flipped.sample({RARE: 40}, seed=0)
    mirrored = {image[:, :, ::-1].tobytes() for image in X[y == RARE]}
    assert all(image.tobytes() in mirrored for image in Xs), "flip only: exact mirror images"


def test_augment_refuses_all_ops_off_and_bad_strengths():
    X, y = _digits()
    schema = infer_image_schema(X, y)
    off = {"rotate_degrees": 0, "shift": 0, "crop_scale": 1.0}
    with pytest.raises(InputError, match="every op is off"):
        registry.create("augment", schema, off)
    with pytest.raises(InputError, match=r"augment: shift must be in \[0.0, 0.5\]"):
        registry.create("augment", schema, {"shift": 0.9})
    with pytest.raises(InputError, match="keep their sum at most 1"):
        registry.create("augment", schema, {"mixup": 0.7, "cutmix": 0.7})


# -- diffusion specifics -----------------------------------------------------------------


def test_diffusion_save_load_gives_the_same_images(tmp_path):
    gen, *_ = _fitted_generator("diffusion")
    folder = gen.save(tmp_path / "model")
    assert (folder / "unet" / "diffusion_pytorch_model.safetensors").exists()
    loaded = type(gen).load(folder)
    assert loaded.params() == gen.params()
    for a, b in zip(gen.sample(ASKED, seed=4), loaded.sample(ASKED, seed=4), strict=True):
        np.testing.assert_array_equal(a, b)


def _nearest_mean_agreement(Xs, ys, X, y) -> float:
    """Share of images nearer (pixel space) to their own class's mean image than to others'."""
    classes = np.unique(y)
    means = np.stack([X[y == c].reshape((y == c).sum(), -1).mean(0) for c in classes])
    flat = Xs.reshape(len(Xs), -1).astype(float)
    nearest = classes[((flat[:, None] - means[None]) ** 2).sum(-1).argmin(1)]
    return float((nearest == ys).mean())


def test_diffusion_training_makes_class_like_images():
    """On digits 0 and 1, fifteen epochs give images that sit with their own class (an
    untrained, one-epoch model does not), whatever the sampler or guidance."""
    X, y = _digits()
    keep = y <= 1
    X, y = X[keep], y[keep]
    schema = infer_image_schema(X, y)
    asked = {0: 50, 1: 50}

    def trained(epochs, **sampling):
        params = {"epochs": epochs, "steps": 10, "lr": 2e-3, **sampling}
        return registry.create("diffusion", schema, params).fit(X, y, seed=0)

    def agreement(gen):
        return _nearest_mean_agreement(*gen.sample(asked, seed=1), X, y)

    assert agreement(trained(1)) < 0.7
    gen = trained(15)
    assert agreement(gen) >= 0.8
    gen.sampler, gen.guidance_scale = "dpm++", 2.0  # sampling settings apply at sample time
    assert agreement(gen) >= 0.8


# -- shared pieces -----------------------------------------------------------------------


def test_diverged_pixels_raise_instead_of_blank_images():
    import torch

    from equipoise.dataspec import GenerationError
    from equipoise.generators.images.tensors import from_signed

    with pytest.raises(GenerationError, match="NaN or infinite pixels"):
        from_signed(torch.tensor([[[[0.5, float("nan")]]]]))


def test_minibatch_std_has_a_finite_gradient_where_images_agree():
    import torch

    from equipoise.generators.images.stylegan_nets import minibatch_std

    x = torch.zeros(8, 3, 4, 4, requires_grad=True)
    out = minibatch_std(x)
    assert out.shape == (8, 4, 4, 4)
    out.sum().backward()
    assert torch.isfinite(x.grad).all()
