"""Bad image input through the CLI: one line on stderr that names the fix, exit 2, and
nothing in the store. Each case builds its source in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from test_image_loading import digits_subset, write_folder
from typer.testing import CliRunner

from equipoise.cli import app

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("prefect_server")


def _folder(tmp: Path) -> Path:
    X, y = digits_subset(per_class=6)
    return write_folder(tmp / "imgs", X, y)


def corrupt_file(tmp: Path) -> list[str]:
    root = _folder(tmp)
    (root / "digit1" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    return ["--images", str(root)]


def empty_class_folder(tmp: Path) -> list[str]:
    root = _folder(tmp)
    (root / "digit7").mkdir()
    return ["--images", str(root)]


def mixed_sizes(tmp: Path) -> list[str]:
    root = _folder(tmp)
    Image.fromarray(np.zeros((10, 10), np.uint8)).save(root / "digit0" / "big.png")
    return ["--images", str(root)]


def mixed_channels(tmp: Path) -> list[str]:
    root = _folder(tmp)
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(root / "digit0" / "rgb.png")
    return ["--images", str(root)]


def labels_outside_known(tmp: Path) -> list[str]:
    root = _folder(tmp)
    return ["--images", str(root), "--set", "images.classes=[digit0, digit1]"]


def rare_count_too_large(tmp: Path) -> list[str]:
    return ["--images", str(_folder(tmp)), "--set", "images.rare={class: digit2, keep: 50}"]


def rare_class_unknown(tmp: Path) -> list[str]:
    return ["--images", str(_folder(tmp)), "--set", "images.rare={class: digit9, keep: 2}"]


def no_class_subfolders(tmp: Path) -> list[str]:
    (tmp / "flat").mkdir()
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp / "flat" / "a.png")
    return ["--images", str(tmp / "flat")]


def missing_source(tmp: Path) -> list[str]:
    return ["--images", str(tmp / "nowhere")]


def npz_without_y(tmp: Path) -> list[str]:
    np.savez(tmp / "x.npz", x=np.zeros((4, 8, 8), np.uint8))
    return ["--images", str(tmp / "x.npz")]


def npz_length_mismatch(tmp: Path) -> list[str]:
    np.savez(tmp / "x.npz", x=np.zeros((4, 8, 8), np.uint8), y=np.arange(3))
    return ["--images", str(tmp / "x.npz")]


def npz_out_of_range(tmp: Path) -> list[str]:
    np.savez(tmp / "x.npz", x=np.full((4, 8, 8), 300.0), y=np.arange(4) % 2)
    return ["--images", str(tmp / "x.npz")]


def pad_target_too_small(tmp: Path) -> list[str]:
    root = _folder(tmp)
    return ["--images", str(root), "--set", "images.resize={height: 4, width: 4, mode: pad}"]


def table_generator_for_images(tmp: Path) -> list[str]:
    return ["--images", "sklearn:digits", "--generator", "smote"]


def unknown_image_config_key(tmp: Path) -> list[str]:
    config = tmp / "job.yaml"
    config.write_text("images:\n  source: sklearn:digits\n  rare: {class: 3, keep: 4, kep: 1}\n")
    return [str(config)]


def symlinked_class_folder(tmp: Path) -> list[str]:
    root = _folder(tmp)
    (root / "digit9").symlink_to(root / "digit0", target_is_directory=True)
    return ["--images", str(root)]


def symlinked_image(tmp: Path) -> list[str]:
    root = _folder(tmp)
    first = sorted((root / "digit0").iterdir())[0]
    (root / "digit1" / "linked.png").symlink_to(first)
    return ["--images", str(root)]


CASES = [
    (corrupt_file, "cannot read image"),
    (symlinked_class_folder, "holds symbolic links (digit9)"),
    (symlinked_image, "holds symbolic links (digit1/linked.png)"),
    (empty_class_folder, "has no PNG/JPEG images"),
    (mixed_sizes, "images have different shapes"),
    (mixed_channels, "images have different shapes"),
    (labels_outside_known, "not in images.classes"),
    (rare_count_too_large, "lower images.rare.keep"),
    (rare_class_unknown, "is not a class of the data"),
    (no_class_subfolders, "has no class subfolders"),
    (missing_source, "not found"),
    (npz_without_y, "lacks the arrays ['y']"),
    (npz_length_mismatch, "4 images but 3 labels"),
    (npz_out_of_range, "outside 0..255"),
    (pad_target_too_small, "larger than the pad target"),
    (table_generator_for_images, "makes table data, not image data"),
    (unknown_image_config_key, "images.rare.kep: unknown key"),
]


@pytest.mark.parametrize(("make", "message"), CASES, ids=[c[0].__name__ for c in CASES])
def test_bad_image_input(tmp_path, make, message):
    store = tmp_path / "store"
    args = make(tmp_path)
    result = runner.invoke(app, ["run", *args, "--out", str(store)])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.strip() == ""
    assert not store.exists() or not any(store.rglob("*")), "nothing may be written"
    if make is corrupt_file:
        assert "broken.png" in lines[0]  # the file is named
