"""The image job config: relative sources, defaults, names, and the dispatch that sends
a YAML with an `images:` section to the image flow."""

from __future__ import annotations

from pathlib import Path

import pytest

from equipoise.cli import _job_config
from equipoise.dataspec import InputError
from equipoise.pipeline.config import load_job
from equipoise.pipeline.images.config import ImageJob
from equipoise.pipeline.tables.config import TableJob


def test_relative_source_defaults_and_name(tmp_path):
    (tmp_path / "pets").mkdir()
    config = tmp_path / "job.yaml"
    config.write_text("images:\n  source: pets\n  rare: {class: cat, keep: 5}\n")
    job = load_job(config)
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
    assert isinstance(_job_config(image_job, {"seed": 3}), ImageJob)
    assert isinstance(_job_config(table_job, {"seed": 3}), TableJob)
    job = _job_config(None, {"seed": 7, "out": tmp_path / "s", "images": "sklearn:digits"})
    assert isinstance(job, ImageJob) and job.seed == 7 and job.output.store == tmp_path / "s"


def test_both_sources_refused():
    with pytest.raises(InputError, match="not both"):
        _job_config(Path("x.yaml"), {"images": "sklearn:digits"})


def test_shipped_image_configs_validate():
    root = Path(__file__).parent.parent / "configs"
    for name in ("digits.yaml", "mnist.yaml"):
        assert isinstance(load_job(root / name), ImageJob)
