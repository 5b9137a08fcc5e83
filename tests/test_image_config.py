"""The image job config: relative sources, defaults, names, and the dispatch that sends
a YAML with an `images:` section to the image flow."""

from __future__ import annotations

from pathlib import Path

import pytest

from equipoise.cli import _job_config
from equipoise.dataspec import InputError
from equipoise.pipeline.config import JobConfig
from equipoise.pipeline.images.config import ImageJobConfig, is_image_job, load_image_config


def test_relative_source_defaults_and_name(tmp_path):
    (tmp_path / "pets").mkdir()
    config = tmp_path / "job.yaml"
    config.write_text("images:\n  source: pets\n  rare: {class: cat, keep: 5}\n")
    job = load_image_config(config)
    assert job.images.source == str((tmp_path / "pets").resolve())
    assert job.images.rare.class_ == "cat" and job.images.rare.keep == 5
    assert job.generator.kind == "augment" and job.dataset_name == "pets"
    assert job.model_dump(mode="json", by_alias=True)["images"]["rare"] == {
        "class": "cat",
        "keep": 5,
    }


def test_cli_dispatches_on_the_images_section(tmp_path):
    image_job = tmp_path / "img.yaml"
    image_job.write_text("images:\n  source: sklearn:digits\n")
    table_job = tmp_path / "tab.yaml"
    table_job.write_text("data:\n  source: sklearn:iris\n  label: target\n")
    assert is_image_job(image_job) and not is_image_job(table_job)
    args = (None, 3, None, [])  # generator, seed, out, overrides
    assert isinstance(_job_config(image_job, None, None, *args), ImageJobConfig)
    assert isinstance(_job_config(table_job, None, None, *args), JobConfig)
    job = _job_config(None, None, None, None, 7, tmp_path / "s", [], "sklearn:digits")
    assert isinstance(job, ImageJobConfig) and job.seed == 7 and job.output.store == tmp_path / "s"


def test_both_sources_refused():
    with pytest.raises(InputError, match="not both"):
        _job_config(Path("x.yaml"), None, None, None, None, None, [], "sklearn:digits")


def test_shipped_image_configs_validate():
    root = Path(__file__).parent.parent / "configs"
    for name in ("digits.yaml", "mnist.yaml"):
        assert isinstance(load_image_config(root / name), ImageJobConfig)
