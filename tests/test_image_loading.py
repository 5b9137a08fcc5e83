"""Image loaders (folder, .npz, sklearn digits, MNIST), the resize / pad rule, the
stratified holdout and the rare-class option."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from equipoise.dataspec import InputError
from equipoise.pipeline.images.config import ImagesConfig
from equipoise.pipeline.images.loading import RawImages, prepare, read_images


def digits_subset(per_class: int = 12, classes=(0, 1, 2)) -> tuple[np.ndarray, np.ndarray]:
    """A few real digits (8x8, uint8 0..255) per class."""
    raw = read_images("sklearn:digits")
    X, y = np.stack(raw.images), raw.labels
    keep = np.concatenate([np.flatnonzero(y == c)[:per_class] for c in classes])
    return X[keep], y[keep]


def write_folder(root: Path, X: np.ndarray, y: np.ndarray, suffix: str = ".png") -> Path:
    """`root/<label>/<i>.png` for each image (grey)."""
    for i, (img, label) in enumerate(zip(X, y, strict=True)):
        folder = root / f"digit{label}"
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(img[0]).save(folder / f"{i:03d}{suffix}")
    return root


def _config(source, **kw) -> ImagesConfig:
    return ImagesConfig(source=str(source), **kw)


def test_digits_are_uint8_8x8_with_ten_classes():
    raw = read_images("sklearn:digits")
    X = np.stack(raw.images)
    assert X.shape == (1797, 1, 8, 8) and X.dtype == np.uint8
    assert X.max() == 255 and X.min() == 0
    assert sorted(set(raw.labels.tolist())) == list(range(10))


def test_folder_roundtrip_png_and_jpeg(tmp_path):
    X, y = digits_subset()
    write_folder(tmp_path / "png", X, y)
    raw = read_images(str(tmp_path / "png"))
    order = np.argsort([n for n in raw.names])
    assert np.array_equal(np.stack(raw.images)[order].shape, X.shape)
    assert sorted(set(raw.labels.tolist())) == ["digit0", "digit1", "digit2"]
    # PNG is lossless: every image comes back exactly
    assert {img.tobytes() for img in raw.images} == {img.tobytes() for img in X}
    write_folder(tmp_path / "jpg", X, y, suffix=".jpg")
    assert len(read_images(str(tmp_path / "jpg")).images) == len(X)


def test_npz_channels_last_and_three_dimensional(tmp_path):
    X, y = digits_subset()
    np.savez(tmp_path / "hw.npz", x=X[:, 0], y=y)
    np.savez(tmp_path / "hwc.npz", x=X.transpose(0, 2, 3, 1), y=y)
    for name in ("hw.npz", "hwc.npz"):
        raw = read_images(str(tmp_path / name))
        assert np.array_equal(np.stack(raw.images), X)


def test_holdout_is_stratified_seeded_and_rare_touches_training_only():
    raw = read_images("sklearn:digits")
    cfg = _config("sklearn:digits", rare={"class": 3, "keep": 7})
    a = prepare(raw, cfg, 0.25, seed=1)
    b = prepare(raw, cfg, 0.25, seed=1)
    full = prepare(raw, _config("sklearn:digits"), 0.25, seed=1)
    assert np.array_equal(a.X_train, b.X_train) and a.names_holdout == b.names_holdout
    assert (a.y_train == 3).sum() == 7
    # the holdout is the same with and without the rare rule
    assert a.names_holdout == full.names_holdout
    assert (a.y_holdout == 3).sum() == (full.y_holdout == 3).sum() > 40
    assert a.rare_removed == (full.y_train == 3).sum() - 7
    counts = np.bincount(full.y_holdout.astype(int))
    assert counts.max() - counts.min() <= 3  # stratified
    other = prepare(raw, cfg, 0.25, seed=2)
    assert a.names_holdout != other.names_holdout


def test_resize_and_pad_rules(tmp_path):
    X, y = digits_subset(per_class=4)
    write_folder(tmp_path, X, y)
    big = np.zeros((12, 10), np.uint8)
    Image.fromarray(big).save(tmp_path / "digit0" / "big.png")
    raw = read_images(str(tmp_path))
    with pytest.raises(InputError, match="different shapes"):
        prepare(raw, _config(tmp_path), 0.25, 0)
    resized = prepare(raw, _config(tmp_path, resize={"height": 16, "width": 16}), 0.25, 0)
    assert resized.X_train.shape[1:] == (1, 16, 16)
    padded = prepare(raw, _config(tmp_path, resize={"height": 12, "width": 12, "mode": "pad"}),
                     0.25, 0)  # fmt: skip
    assert padded.X_train.shape[1:] == (1, 12, 12)
    # an 8x8 image sits in the centre of the 12x12 canvas, its border is black
    smalls = padded.X_train[padded.X_train[:, :, :2].max(axis=(1, 2, 3)) == 0]
    assert len(smalls) > 0
    rgb = prepare(raw, _config(tmp_path, resize={"height": 8, "width": 8, "channels": 3}), 0.25, 0)
    assert rgb.X_train.shape[1] == 3


def test_mnist_uses_its_own_test_split():
    raw = read_images("mnist")
    assert len(raw.images) == 60_000 and raw.holdout is not None
    assert len(raw.holdout.images) == 10_000
    assert raw.images[0].shape == (1, 28, 28) and raw.images[0].dtype == np.uint8


def test_sixteen_bit_pngs_are_rescaled_not_clipped(tmp_path):
    wide = (np.arange(64, dtype=np.uint16).reshape(8, 8) * 1040).astype(np.uint16)  # 0..65520
    for cls in ("a", "b"):
        (tmp_path / cls).mkdir()
        Image.fromarray(wide).save(tmp_path / cls / "x.png")
    with Image.open(tmp_path / "a" / "x.png") as img:
        assert img.mode == "I;16", "the file really is 16-bit"
    raw = read_images(str(tmp_path))
    got = raw.images[0]
    assert got.shape == (1, 8, 8) and got.dtype == np.uint8
    assert np.array_equal(got[0], np.rint(wide * (255 / 65535)).astype(np.uint8))
    assert len(np.unique(got)) == 64, "every level kept, none clipped at 255"


def test_class_folders_that_collide_after_renaming_stay_apart(tmp_path):
    from equipoise.pipeline.images.files import class_folders, write_image_files

    classes = ("猫", "犬", "cat", "a b", "a-b")
    folders = class_folders(classes)
    assert len(set(folders.values())) == len(classes), folders
    assert folders["cat"] == "cat", "a name that is already safe and unique stays as it is"
    X, y = digits_subset(per_class=4, classes=(0, 1, 2, 3, 4))
    labels = np.array([classes[v] for v in y], dtype=object)
    raw = RawImages(list(X), labels, [f"i{i}" for i in range(len(y))])
    split = prepare(raw, _config("mem"), 0.25, seed=0)
    files = write_image_files(tmp_path, split, (X[:0], labels[:0]), "augment")
    import pandas as pd

    written = pd.read_parquet(tmp_path / "labels.parquet")
    assert len(files) == len(y) + 2 and len(set(written["file"])) == len(y), "no file overwritten"
    by_folder = written.assign(folder=written["file"].str.split("/").str[1])
    assert (by_folder.groupby("folder")["label"].nunique() == 1).all(), "one class per folder"
