"""The layout ARCHITECTURE.md describes, checked: every package folder is installed,
imports point down the layers only, Prefect stays in flows/, no module imports another
module's private names, and a modality is one registry entry."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: layer folder -> the equipoise packages it may import (besides itself)
ALLOWED = {
    "dataspec": set(),
    "generators": {"dataspec"},
    "validation": {"dataspec"},
    "reports": {"dataspec", "validation"},
    "pipeline": {"dataspec", "generators", "validation", "reports"},
    "store": {"dataspec", "generators", "pipeline"},
    "flows": {"dataspec", "generators", "validation", "reports", "pipeline", "store"},
    "equipoise": {"dataspec", "generators", "validation", "reports", "pipeline", "store",
                  "flows"},
}  # fmt: skip


def _modules():
    for layer in ALLOWED:
        for path in sorted((ROOT / layer).rglob("*.py")):
            yield layer, path


def _imports(path: Path):
    """(module imported, names imported from it, line) of every import in a file."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, [a.name for a in node.names], node.lineno


def test_every_package_folder_is_installed():
    for layer in ALLOWED:
        for init in sorted((ROOT / layer).rglob("__init__.py")):
            rel = init.parent.relative_to(ROOT)
            dotted = ".".join(rel.parts)
            name = dotted if layer == "equipoise" else f"equipoise.{dotted}"
            module = importlib.import_module(name)
            assert Path(module.__file__).resolve() == init.resolve(), name
        for folder in sorted(p.parent for p in (ROOT / layer).rglob("*.py")):
            assert (folder / "__init__.py").is_file(), f"{folder} holds modules but no __init__"


def test_imports_point_down_the_layers_and_prefect_stays_in_flows():
    wrong = []
    for layer, path in _modules():
        for module, _, line in _imports(path):
            where = f"{path.relative_to(ROOT)}:{line}"
            prefect = module.split(".")[0] == "prefect" or module.startswith("prefect_")
            if prefect and layer != "flows":
                wrong.append(f"{where} imports {module} outside flows/")
            if module.startswith("equipoise."):
                target = module.split(".")[1]
                target = target if target in ALLOWED else "equipoise"  # cli, __main__
                if target != layer and target not in ALLOWED[layer]:
                    wrong.append(f"{where}: {layer} imports {module}")
    assert not wrong, "\n".join(wrong)


def test_no_module_imports_a_private_name():
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name} from {module}"
        for _, path in _modules()
        for module, names, line in _imports(path)
        if module.startswith("equipoise")
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert not wrong, "\n".join(wrong)


def test_each_modality_is_one_registry_entry_with_its_plugins():
    from equipoise.generators import registry
    from equipoise.pipeline.modalities import MODALITIES
    from equipoise.validation.gate.baselines import BASELINES, names_for

    for name, mod in MODALITIES.items():
        job = mod.job_model
        assert (name, mod.section) == (job.MODALITY, job.SECTION)
        assert registry.generator_class(mod.default_generator).modality == name
        assert registry.known_kinds(name), f"{name} has no generator kinds"
        assert "none" in names_for(name), "every modality's gate runs the `none` baseline"
        assert mod.cli_options and mod.cli_marker <= {o.flag for o in mod.cli_options}
    assert all(b.words and b.modalities for b in BASELINES.values())


@pytest.mark.parametrize("flag", ["--help"])
def test_cli_help_lists_every_modality_option(flag):
    out = subprocess.run(
        [sys.executable, "-m", "equipoise", "run", flag], capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    from equipoise.pipeline.modalities import MODALITIES

    for mod in MODALITIES.values():
        for option in mod.cli_options:
            assert f"--{option.flag}" in out.stdout


#: the longest a function of the product code may be (tests/ and benchmarks/ aside)
MAX_FUNCTION_LINES = 60


def test_no_function_is_longer_than_60_lines():
    long = {}
    for _, path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(ROOT)}::{node.name}"] = lines
    assert not long, "\n".join(f"{k}: {n} lines" for k, n in sorted(long.items()))


def test_every_modality_lists_checks_that_apply_to_it():
    from equipoise.pipeline.modalities import MODALITIES
    from equipoise.validation.check import Check

    for name, mod in MODALITIES.items():
        inputs, checks = mod.checks()
        assert all(isinstance(c, Check) and name in c.modalities for c in checks), name
        assert inputs.settings().to_dict() is not None
        assert any(c.drops for c in checks), f"{name}: rows-only validation would run nothing"
