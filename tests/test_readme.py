"""Every Python example in README.md runs, in order, as one notebook would run them
(the later examples use the names the earlier ones define), in a fresh folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).parent.parent / "README.md"


def python_examples() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", README.read_text(), flags=re.S | re.M)


def test_the_readme_has_the_examples_of_the_api_the_samplers_and_the_generators():
    text = "\n".join(python_examples())
    for name in ("equipoise.balance(", "@flow", "GaussianCopulaSampler(", "registry.create("):
        assert name in text


@pytest.mark.usefixtures("prefect_server")
def test_every_python_example_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the examples write datasets/ and runs/ where they run
    namespace: dict = {"__name__": "readme"}
    for number, code in enumerate(python_examples(), 1):
        exec(compile(code, f"README.md python example {number}", "exec"), namespace)
    printed = capsys.readouterr().out
    assert namespace["outcome"].sentence in printed
    assert len(namespace["X_new"]) == 500
    assert list((tmp_path / "runs" / "churn").iterdir()) or list(
        (tmp_path / "datasets" / "churn").iterdir()
    )
