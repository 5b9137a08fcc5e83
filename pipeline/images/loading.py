"""Loading real images: a class-per-subfolder folder (PNG/JPEG via Pillow), an `.npz`
with `x`/`y`, or a bundled set (`sklearn:digits`, `mnist`); the explicit resize / pad
rule; the stratified holdout split (or the source's own test split); and the option
that makes a chosen class rare in the *training* split only."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from equipoise.dataspec import ImageSchema, InputError, infer_image_schema
from equipoise.pipeline.images.config import ImagesConfig, ResizeConfig
from equipoise.pipeline.splits import known_labels, rare_keep, stratified_split

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
BUNDLED = ("sklearn:digits", "mnist")
#: Pillow modes read as one grey channel (everything else becomes RGB)
GREY_MODES = ("1", "L", "LA", "I", "I;16", "F")


@dataclass(frozen=True)
class RawImages:
    """Images as read, before the resize rule: one array per image (C, H, W), uint8."""

    images: list[np.ndarray]
    labels: np.ndarray
    names: list[str]  # where each image came from (file path or array index)
    holdout: RawImages | None = None  # the source's own test split, if it has one


@dataclass(frozen=True)
class ImageSplit:
    """Train / holdout arrays (uint8, N x C x H x W) after the resize and rare rules."""

    schema: ImageSchema
    X_train: np.ndarray
    y_train: np.ndarray
    X_holdout: np.ndarray
    y_holdout: np.ndarray
    names_train: list[str]
    names_holdout: list[str]
    #: images read per class, and the training images the rare rule left out
    input_counts: dict[Any, int] = field(default_factory=dict)
    rare_removed: int = 0


# --------------------------------------------------------------------------- sources


def read_images(source: str) -> RawImages:
    """Images and labels from a folder, an `.npz` file or a bundled set."""
    if source == "sklearn:digits":
        return _digits()
    if source == "mnist":
        return _mnist()
    if ":" in source and not Path(source).exists() and source.split(":", 1)[0] == "sklearn":
        raise InputError(f"{source} unknown; bundled image sets: {', '.join(BUNDLED)}")
    path = Path(source)
    if not path.exists():
        raise InputError(
            f"image source {path} not found; pass a class-per-subfolder folder, an .npz "
            f"or one of {', '.join(BUNDLED)}"
        )
    if path.is_dir():
        return _read_folder(path)
    if path.suffix.lower() == ".npz":
        return _read_npz(path)
    raise InputError(
        f"image source {path}: unsupported type {path.suffix!r}; pass a class-per-subfolder "
        "folder of PNG/JPEG files or an .npz with arrays x and y"
    )


def _digits() -> RawImages:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    # 0..16 grey levels -> 0..255, one channel
    pixels = np.rint(bunch.images * (255.0 / 16.0)).astype(np.uint8)[:, None]
    return RawImages(
        list(pixels), bunch.target.astype(np.int64), [f"digits[{i}]" for i in range(len(pixels))]
    )


def _mnist() -> RawImages:
    from pureml.datasets import MnistDataset

    def part(mode: str) -> RawImages:
        with MnistDataset(mode) as data:
            X = np.asarray(data.X, dtype=np.uint8)[:, None]
            y = np.asarray(data.y).astype(np.int64).reshape(-1)
        return RawImages(list(X), y, [f"mnist-{mode}[{i}]" for i in range(len(y))])

    train = part("train")
    return RawImages(train.images, train.labels, train.names, holdout=part("test"))


def _read_folder(root: Path) -> RawImages:
    """`root/<class>/<image>`: the subfolder name is the label."""
    from PIL import Image, UnidentifiedImageError

    _refuse_links(root)
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise InputError(
            f"image folder {root} has no class subfolders; lay it out as {root}/<class>/<image>.png"
        )
    images, labels, names = [], [], []
    for folder in folders:
        files = sorted(
            p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
        )
        if not files:
            raise InputError(
                f"class folder {folder} has no PNG/JPEG images; add images or remove the folder"
            )
        for file in files:
            try:
                with Image.open(file) as img:
                    img.load()
                    images.append(_to_array(img, file))
            except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
                reason = str(err).splitlines()[0][:120] if str(err) else type(err).__name__
                raise InputError(
                    f"cannot read image {file} ({reason}); replace or remove the file"
                ) from None
            labels.append(folder.name)
            names.append(str(file.relative_to(root)))
    return RawImages(images, np.array(labels, dtype=object), names)


def _refuse_links(root: Path) -> None:
    """A symbolic link among the class folders or images is refused (exit 2): a linked
    folder would be a second class holding the same files, which could then land in
    both the training split and the holdout."""
    links = sorted(p for p in root.rglob("*") if p.is_symlink())
    if links:
        shown = ", ".join(str(p.relative_to(root)) for p in links[:3])
        raise InputError(
            f"image folder {root} holds symbolic links ({shown}{' ...' if len(links) > 3 else ''})"
            "; copy the files they point to into their class folder, or remove the links"
        )


#: Pillow modes of 16-bit (or 32-bit integer) grey images: rescaled, not clipped, to 8 bits
WIDE_GREY_MODES = ("I", "I;16", "I;16B", "I;16L", "I;16N")


def _to_array(img: Any, file: Path) -> np.ndarray:
    """(C, H, W) uint8 from a Pillow image: greyscale stays 1 channel, colour is RGB; a
    16-bit grey image is rescaled from 0..65535 to 0..255 (Pillow would clip at 255)."""
    if img.mode in WIDE_GREY_MODES:
        wide = np.asarray(img).astype(np.int64)
        if wide.min() < 0 or wide.max() > 65535:
            raise InputError(
                f"image {file} has pixel values outside 0..65535; save it as 8 or 16 bit"
            )
        return np.rint(wide * (255 / 65535)).astype(np.uint8)[None]
    img = img.convert("L" if img.mode in GREY_MODES else "RGB")
    arr = np.asarray(img, dtype=np.uint8)
    return arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1).copy()


def _read_npz(path: Path) -> RawImages:
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in ("x", "y") if k not in data.files]
            if missing:
                raise InputError(
                    f"{path} lacks the arrays {missing} (it has {data.files}); save images as x "
                    "and labels as y"
                )
            X, y = data["x"], data["y"]
    except InputError:
        raise
    except (OSError, ValueError, EOFError) as err:
        reason = str(err).splitlines()[0][:120] if str(err) else type(err).__name__
        raise InputError(f"cannot read {path} ({reason}); check that it is a valid .npz") from None
    y = np.asarray(y).reshape(-1) if np.asarray(y).ndim == 2 and 1 in y.shape else np.asarray(y)
    if y.ndim != 1:
        raise InputError(f"{path}: y has shape {y.shape}; pass one label per image (1-D)")
    if X.ndim == 3:  # (N, H, W): one channel
        X = X[:, None]
    if X.ndim != 4:
        raise InputError(f"{path}: x has shape {X.shape}; pass images as (N, H, W) or (N, C, H, W)")
    if X.shape[1] not in (1, 3) and X.shape[3] in (1, 3):  # channels last
        X = X.transpose(0, 3, 1, 2)
    if len(X) != len(y):
        raise InputError(f"{path}: {len(X)} images but {len(y)} labels; pass matching arrays")
    if len(X) == 0:
        raise InputError(f"{path} holds no images; pass a file with images")
    if X.dtype != np.uint8:
        finite = np.isfinite(X).all() if X.dtype.kind == "f" else True
        if not finite or X.min() < 0 or X.max() > 255:
            raise InputError(
                f"{path}: x holds values outside 0..255 (or NaN); store uint8 pixels in 0..255"
            )
        X = np.rint(X).astype(np.uint8)
    if y.dtype.kind == "f":
        if not np.isfinite(y).all() or (y != np.round(y)).any():
            raise InputError(f"{path}: y holds non-integer or missing labels; store class labels")
        y = y.astype(np.int64)
    return RawImages(list(X), y, [f"{path.name}[{i}]" for i in range(len(y))])


# --------------------------------------------------------------------------- resize rule


def conform_sizes(raw: RawImages, rule: ResizeConfig | None, source: str) -> np.ndarray:
    """One (N, C, H, W) array: every image brought to one size and channel count by the
    config's rule; without a rule, mixed sizes or channels are an error."""
    if not raw.images:
        raise InputError(f"{source} holds no images; pass a source with images")
    shapes = {tuple(img.shape) for img in raw.images}
    if rule is None:
        if len(shapes) > 1:
            sizes = sorted(shapes)[:3]
            raise InputError(
                f"{source}: images have different shapes (C, H, W) {sizes}"
                f"{' ...' if len(shapes) > 3 else ''}; add images.resize "
                "{height, width, channels, mode: resize|pad} to the config"
            )
        return np.stack(raw.images)
    return np.stack([_apply_rule(img, rule, name, source) for img, name in
                     zip(raw.images, raw.names, strict=True)])  # fmt: skip


def _apply_rule(img: np.ndarray, rule: ResizeConfig, name: str, source: str) -> np.ndarray:
    from PIL import Image

    channels = rule.channels or img.shape[0]
    if img.shape[0] != channels:
        if rule.channels is None:
            raise InputError(
                f"{source}: images have 1 and 3 channels; set images.resize.channels to 1 or 3"
            )
        img = (
            img.mean(axis=0, keepdims=True).round().astype(np.uint8)
            if channels == 1
            else (np.repeat(img, 3, axis=0))
        )
    c, h, w = img.shape
    if (h, w) == (rule.height, rule.width):
        return img
    if rule.mode == "pad":
        if h > rule.height or w > rule.width:
            raise InputError(
                f"{source}: image {name} is {h}x{w}, larger than the pad target "
                f"{rule.height}x{rule.width}; use images.resize.mode: resize or a larger size"
            )
        top, left = (rule.height - h) // 2, (rule.width - w) // 2
        out = np.zeros((c, rule.height, rule.width), np.uint8)
        out[:, top : top + h, left : left + w] = img
        return out
    planes = [
        np.asarray(Image.fromarray(plane).resize((rule.width, rule.height), Image.BILINEAR))
        for plane in img
    ]
    return np.stack(planes).astype(np.uint8)


# --------------------------------------------------------------------------- split and rare


def prepare(raw: RawImages, config: ImagesConfig, holdout_share: float, seed: int) -> ImageSplit:
    """Resize, check labels, split off the holdout (or use the source's), then apply the
    rare rule to the training split only."""
    X = conform_sizes(raw, config.resize, config.source)
    y = known_labels(raw.labels, config.classes, config.source, "images")
    if raw.holdout is not None:
        X_hold = conform_sizes(raw.holdout, config.resize, config.source)
        y_hold = known_labels(raw.holdout.labels, config.classes, config.source, "images")
        train_idx = np.arange(len(y))
        names_hold = raw.holdout.names
    else:
        train_idx, hold_idx = stratified_split(y, holdout_share, seed)
        X_hold, y_hold = X[hold_idx], y[hold_idx]
        names_hold = [raw.names[i] for i in hold_idx]
    schema = infer_image_schema(X, y)
    if config.classes is not None:
        schema = ImageSchema(schema.height, schema.width, schema.channels, tuple(config.classes))
        schema.check(X, y, what=f"{config.source} images")
    schema.check(X_hold, y_hold, what=f"{config.source} holdout images")
    X_train, y_train = X[train_idx], y[train_idx]
    names_train = [raw.names[i] for i in train_idx]
    removed = 0
    if config.rare is not None:
        keep = rare_keep(y_train, config.rare, seed, schema.classes)
        removed = len(y_train) - int(keep.sum())
        X_train, y_train = X_train[keep], y_train[keep]
        names_train = [n for n, k in zip(names_train, keep, strict=True) if k]
    every = y if raw.holdout is None else np.concatenate([y, y_hold])
    counts = {c: int((every == c).sum()) for c in schema.classes}
    return ImageSplit(schema, X_train, y_train, X_hold, y_hold, names_train, names_hold,
                      counts, removed)  # fmt: skip
