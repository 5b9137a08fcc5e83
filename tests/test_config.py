"""Job config: unknown keys rejected with their path, overrides, generator params."""

from __future__ import annotations

from pathlib import Path

import pytest

from equipoise.dataspec import InputError
from equipoise.pipeline.config import load_job


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "job.yaml"
    path.write_text(text)
    return path


BASE = "data:\n  source: table.csv\n  label: y\n"


def test_defaults_and_relative_source(tmp_path):
    config = load_job(_write(tmp_path, BASE))
    assert config.data.source == str(tmp_path / "table.csv")
    assert config.generator is None and config.seed == 0  # the default portfolio
    assert config.generator_names == ["smote", "gaussian_copula", "ctgan"]
    assert config.split.holdout == 0.25 and config.balance.target_ratio == 1.0
    assert config.dataset_name == "table"


def test_unknown_key_names_its_path(tmp_path):
    path = _write(tmp_path, BASE + "split:\n  holdot: 0.3\n")
    with pytest.raises(InputError, match=r"split\.holdot: unknown key; remove it or fix"):
        load_job(path)


def test_bad_value_names_path_and_value(tmp_path):
    path = _write(tmp_path, BASE + "split:\n  holdout: 1.5\n")
    with pytest.raises(
        InputError, match=r"split\.holdout: Input should be less than 1 \(got 1\.5\)"
    ):
        load_job(path)


def test_missing_required_key(tmp_path):
    with pytest.raises(InputError, match=r"data\.label: required key is missing"):
        load_job(_write(tmp_path, "data:\n  source: t.csv\n"))


def test_overrides_parse_yaml_values(tmp_path):
    config = load_job(
        _write(tmp_path, BASE),
        overrides=["generator.kind=smote", "generator.params.k_neighbors=3", "seed=7"],
    )
    assert config.generator.kind == "smote"
    assert config.generator.params == {"k_neighbors": 3}
    assert config.seed == 7


def test_generator_params_are_checked_against_the_kind(tmp_path):
    path = _write(tmp_path, BASE)
    with pytest.raises(InputError, match=r"generator.params \(smote\): k_neighbours: unknown key"):
        load_job(path, overrides=["generator.kind=smote", "generator.params.k_neighbours=3"])
    with pytest.raises(InputError, match=r"epochs: Input should be a valid integer"):
        load_job(path, overrides=["generator.params.epochs=many"])
    with pytest.raises(InputError, match=r"unknown generator kind 'gan'; known kinds: .*ctgan, "):
        load_job(path, overrides=["generator.kind=gan"])


def test_bad_files_and_overrides(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_job(tmp_path / "missing.yaml")
    with pytest.raises(InputError, match="is not valid YAML at line"):
        load_job(_write(tmp_path, "data:\n  - [unclosed\n"))
    with pytest.raises(InputError, match="must be a YAML mapping"):
        load_job(_write(tmp_path, "- a\n- b\n"))
    with pytest.raises(InputError, match=r"write it as key\.path=value"):
        load_job(_write(tmp_path, BASE), overrides=["seed"])


def test_shipped_configs_are_valid():
    configs = sorted(Path(__file__).parent.parent.joinpath("configs").glob("*.yaml"))
    assert configs, "configs/ ships at least the demo config"
    for path in configs:
        assert load_job(path).dataset_name


def test_a_list_of_generators_gets_unique_names_and_indexed_overrides():
    base = {"data": {"source": "x.csv", "label": "y"},
            "generator": [{"kind": "smote"}, {"kind": "ctgan"}, {"kind": "smote"}]}  # fmt: skip
    config = load_job(base=base, overrides=["generator.1.params.epochs=5"])
    assert config.generator_names == ["smote", "ctgan", "smote-2"]
    assert config.generators[1].params == {"epochs": 5}
    with pytest.raises(InputError, match=r"'generator' is a list of 3; give an index 0..2"):
        load_job(base=base, overrides=["generator.params.epochs=5"])
    with pytest.raises(InputError, match=r"generator: the list is empty"):
        load_job(base={**base, "generator": []})


def test_index_zero_of_a_single_generator_is_that_generator():
    base = {"data": {"source": "x.csv", "label": "y"}, "generator": {"kind": "ctgan"}}
    config = load_job(base=base, overrides=["generator.0.params.epochs=5"])
    assert config.generators[0].kind == "ctgan" and config.generators[0].params == {"epochs": 5}
    with pytest.raises(InputError, match=r"is a single mapping, not a list; write generator\.par"):
        load_job(base=base, overrides=["generator.1.params.epochs=5"])


def test_gate_settings_are_validated_in_the_config():
    base = {"data": {"source": "x.csv", "label": "y"}}
    config = load_job(base=base, overrides=["gate.models=[logreg]", "gate.guards={f1: 0.1}"])
    assert config.gate.models == ("logreg",) and config.gate.guards == {"f1": 0.1}
    with pytest.raises(InputError, match=r"accuracy is never a gate metric"):
        load_job(base=base, overrides=["gate.primary=accuracy"])
    with pytest.raises(InputError, match=r"gate.modle: unknown key"):
        load_job(base=base, overrides=["gate.modle=report"])
