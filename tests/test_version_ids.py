"""The shipped configs publish the same version ids as before the one-pipeline redesign
(ids recorded with the round-1 flows at commit 592f031): same seed, same data files,
whatever the code layout. The gate only decides whether to publish, never what, so it
runs small here (report mode, one baseline).

The table label filter (issue 12, on by default) drops a few synthetic rows unlike their
class, so the two table ids changed with it; with `--set validation.label_filter=false`
they are the round-1 ids again (e6a7b5767fc52141, 496e3afcef6d286a: checked by hand when
the filter landed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from equipoise.cli import app

CONFIGS = Path(__file__).resolve().parent.parent / "configs"
#: config -> version id of `equipoise run CONFIG --set gate.mode=report` (tables: label filter on)
RECORDED = {
    "digits.yaml": "83ff0f0fd0ce8f9d",
    "credit_copula.yaml": "6d53d670db9c27de",
    "hpc_smote.yaml": "4c9f772e1972dfc5",
}
SMALL_GATE = {
    "digits.yaml": ["gate.mode=report", "gate.baselines=[none]", "gate.epochs=1",
                    "gate.bootstrap=100"],
    "credit_copula.yaml": ["gate.mode=report", "gate.baselines=[none]", "gate.models=[logreg]",
                           "gate.bootstrap=100"],
    "hpc_smote.yaml": ["gate.mode=report", "gate.baselines=[none]", "gate.models=[logreg]",
                       "gate.bootstrap=100"],
}  # fmt: skip


@pytest.mark.usefixtures("prefect_server")
@pytest.mark.parametrize(
    "config",
    [
        pytest.param(c, marks=[pytest.mark.extended] if c == "hpc_smote.yaml" else [])
        for c in sorted(RECORDED)
    ],
)  # hpc_smote: one more table config (credit_copula runs by default; `make test-all`)
def test_shipped_config_publishes_its_recorded_version(tmp_path, config):
    sets = [f"--set={s}" for s in SMALL_GATE[config]]
    result = CliRunner().invoke(
        app, ["run", str(CONFIGS / config), "--out", str(tmp_path / "store"), *sets]
    )
    assert result.exit_code == 0, result.output
    assert Path(result.stdout.strip().splitlines()[-1]).name == RECORDED[config]
