"""`equipoise` command line. Heavy imports happen inside the commands, so
`equipoise --help` answers at once.

Exit codes: 0 published · 2 bad input or config · 3 the gate refused ·
4 validation (or generation) failed · 5 published, a hand-off failed · 6 could not
write (disk full, no permission) · 130 / 143 stopped by SIGINT / SIGTERM. The last
stdout line of a successful run is the published version's folder; everything else
goes to stderr.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from equipoise.api import quiet_environment

app = typer.Typer(
    help="Balance an imbalanced dataset with validated synthetic rows and publish it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def run(config: Path | None = None, **options: Any) -> None:
    """Run the balancing flow and publish a dataset version."""
    quiet_environment()
    from rich.console import Console

    from equipoise.dataspec import EquipoiseError, Interrupted
    from equipoise.flows import stopping
    from equipoise.flows.balance import refusal_error

    err = Console(stderr=True)
    try:
        with stopping.stop_on_signals():
            job = _job_config(config, options)
            result = _run_flow(job, err)
            refused = refusal_error(result)
            if refused is not None:
                raise refused  # exit 3; the flow run itself Completed
            path = result["path"]
    except Interrupted as stop:  # SIGINT / SIGTERM: exit 130 / 143 within seconds
        err.print(f"[bold red]error:[/] {stop.message}", highlight=False, soft_wrap=True)
        stopping.shut_down(stop.exit_code)
    except EquipoiseError as error:
        _print_refused_leaderboard(error, err)
        err.print(f"[bold red]error:[/] {error.message}", highlight=False, soft_wrap=True)
        raise typer.Exit(error.exit_code) from None
    _print_summary(Path(path), err)
    print(path, flush=True)


def _run_signature() -> inspect.Signature:
    """`run`'s parameters: the config file, every modality's input options (from the
    modality registry, so a new modality brings its own), and the shared options."""
    from equipoise.pipeline.modalities import MODALITIES

    params = [
        inspect.Parameter(
            "config",
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=None,
            annotation=Annotated[
                Path | None, typer.Argument(help="job config (YAML); or use --data and --label")
            ],
        )
    ]
    seen: set[str] = set()
    for mod in MODALITIES.values():
        for opt in mod.cli_options:
            if opt.flag not in seen:
                seen.add(opt.flag)
                params.append(_option(opt.flag, str, opt.help))
    return inspect.Signature(params + _shared_options(MODALITIES))


def _option(name: str, kind: type, help: str, flag: str | None = None) -> inspect.Parameter:
    declared = typer.Option(f"--{flag or name}", help=help)
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=None,
        annotation=Annotated[kind | None, declared],
    )  # fmt: skip


def _shared_options(modalities: dict) -> list[inspect.Parameter]:
    """The options of `run` every modality shares."""
    from equipoise.pipeline.budget import DEFAULT_BUDGET_MINUTES

    defaults = ", ".join(
        f"{m.name}: {' + '.join(m.default_portfolio) or m.default_generator}"
        for m in modalities.values()
    )
    return [
        _option(
            "generator",
            str,
            f"generator kind (default {defaults}; a portfolio: each is validated, those that "
            "fail leave the gate, and epoch-trained ones are left out for tiny classes; see "
            "`equipoise kinds`)",
        ),
        _option(
            "budget",
            str,
            f"minutes to reach the verdict in (default {DEFAULT_BUDGET_MINUTES:g}): sets the "
            "epochs of CTGAN, TVAE and other epoch-trained generators from a timed first "
            "epoch and skips those that cannot fit; params.epochs set by you are kept",
        ),
        _option(
            "memory",
            str,
            "memory the run may hold, e.g. 8G (default: half of the memory available at the "
            "start): big tables' fits, validation and gate are sized down or skipped to fit",
        ),
        _option("seed", int, "run seed (default 0)"),
        _option("out", Path, "store folder for published versions (default datasets)"),
        inspect.Parameter(
            "set_",
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[
                list[str] | None,
                typer.Option(
                    "--set", help="override a config key: --set generator.params.epochs=50"
                ),
            ],
        ),
    ]


run.__signature__ = _run_signature()  # type: ignore[attr-defined]
app.command()(run)


@app.command()
def kinds() -> None:
    """List the generator and resampler kinds with their parameters."""
    from equipoise.generators import registry
    from equipoise.generators.base import Resampler

    for kind, cls in registry.REGISTRY.items():
        role = "resampler" if issubclass(cls, Resampler) else "generator"
        params = ", ".join(f"{n}={p.default!r}" for n, p in registry.parameters(kind).items())
        doc = " ".join((cls.__doc__ or "").split("\n\n")[0].split())
        typer.echo(f"{kind} ({cls.modality} {role}): {doc}\n    params: {params or '-'}")


@app.command()
def deploy(
    file: Annotated[Path, typer.Option(help="the deployments to register")] = Path("prefect.yaml"),
    pool: Annotated[str, typer.Option(help="process work pool (created if missing)")] = (
        "equipoise-process"
    ),
) -> None:
    """Register prefect.yaml's deployments (with their schedules) on the Prefect server
    at PREFECT_API_URL; a process worker (`prefect worker start --pool POOL`) runs them."""
    quiet_environment()
    from equipoise.flows import deploy as deployment

    with _one_line_errors():
        names = deployment.register(deployment.read_prefect_yaml(file), work_pool=pool)
    for name in names:
        print(name, flush=True)


@app.command()
def serve(
    configs: Annotated[
        list[Path] | None, typer.Argument(help="job configs to serve (default: prefect.yaml's)")
    ] = None,
    file: Annotated[Path, typer.Option(help="deployments when no CONFIG is given")] = Path(
        "prefect.yaml"
    ),
    cron: Annotated[str | None, typer.Option(help="schedule for CONFIGs given here")] = None,
    limit: Annotated[int | None, typer.Option(help="most flow runs at once")] = None,
) -> None:
    """Serve deployments from this process (no work pool) until interrupted."""
    quiet_environment()
    from equipoise.flows import deploy as deployment

    with _one_line_errors():
        entries = (
            deployment.config_entries(configs, cron)
            if configs
            else deployment.read_prefect_yaml(file)
        )
        deployment.serve_all(entries, limit=limit)


@app.command()
def publish(
    version: Annotated[Path, typer.Argument(help="a published version folder")],
    to: Annotated[str, typer.Option(help="dvc or mlflow")],
    repo: Annotated[Path | None, typer.Option(help="dvc: the git + DVC repository")] = None,
    remote: Annotated[str | None, typer.Option(help="dvc: remote to push to")] = None,
    tracking_uri: Annotated[str | None, typer.Option(help="mlflow: tracking URI")] = None,
    experiment: Annotated[str, typer.Option(help="mlflow: experiment")] = "equipoise",
    artifact_location: Annotated[
        str | None, typer.Option(help="mlflow: artifact location of a new experiment")
    ] = None,
) -> None:
    """Hand an existing version off to DVC or MLflow; prints the tag or run id."""
    quiet_environment()
    from equipoise.pipeline.config import DvcHandoff, MlflowHandoff
    from equipoise.store import handoff

    with _one_line_errors():
        if to == "dvc":
            spec = DvcHandoff(to="dvc", repo=repo, remote=remote)
        elif to == "mlflow":
            spec = MlflowHandoff(
                to="mlflow", tracking_uri=tracking_uri, experiment=experiment,
                artifact_location=artifact_location,
            )  # fmt: skip
        else:
            from equipoise.dataspec import InputError

            raise InputError(f"--to {to!r}: use --to dvc or --to mlflow")
        result = handoff.publisher(spec).hand_off(version)
    typer.echo(f"{'handed off' if result.created else 'already there'}: {result.to}", err=True)
    print(result.ref, flush=True)


@app.command()
def history(
    name: Annotated[str, typer.Argument(help="the dataset name (output.name)")],
    store: Annotated[Path, typer.Option(help="store of published versions")] = Path("datasets"),
    runs: Annotated[Path, typer.Option(help="folder of refused runs (output.runs)")] = Path("runs"),
    json_: Annotated[bool, typer.Option("--json", help="JSON lines, one verdict each")] = False,
) -> None:
    """Past verdicts of one dataset, oldest first: published versions and refusals, with
    date, winner (or the recommended strategy), uplift and its interval."""
    import json

    from rich.console import Console
    from rich.table import Table

    from equipoise.store.history import COLUMNS, verdicts

    with _one_line_errors():
        rows = verdicts(name, store, runs)
    if json_:
        for row in rows:
            print(json.dumps(row), flush=True)
        return
    table = Table(title=f"{name}: {len(rows)} verdict(s)", title_justify="left")
    for column in COLUMNS:
        table.add_column(column, justify="right" if column in _NUMBERS else "left")
    for row in rows:
        table.add_row(*(_cell(row[c], c in _NUMBERS and c) for c in COLUMNS))
    Console(width=200).print(table)


_NUMBERS = ("value", "uplift", "ci_low", "ci_high")


def _cell(value: Any, number: str | bool) -> str:
    if value is None:
        return "-"
    if not number or isinstance(value, str):
        return str(value)
    return f"{value:.3f}" if number == "value" else f"{value:+.3f}"


@contextlib.contextmanager
def _one_line_errors() -> Iterator[None]:
    """An EquipoiseError becomes one line on stderr and its exit code."""
    from equipoise.dataspec import EquipoiseError

    try:
        yield
    except EquipoiseError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(error.exit_code) from None


def _job_config(config: Path | None, options: dict[str, Any]):
    """The job from a config file or from the modality options given (never both)."""
    from equipoise.api import job_config
    from equipoise.dataspec import InputError
    from equipoise.pipeline.modalities import MODALITIES, modality_of_cli

    flags = {o.flag for m in MODALITIES.values() for o in m.cli_options}
    given = {f for f in flags if options.get(f) is not None}
    mod = modality_of_cli(given)
    usage = " or ".join(
        " and ".join(f"--{o.flag} {o.metavar}" for o in m.cli_options if o.required)
        for m in MODALITIES.values()
    )
    if (config is not None and given) or (
        mod is not None and given - {o.flag for o in mod.cli_options}
    ):
        raise InputError(f"pass one of a CONFIG file, {usage}, not both")
    shared = {
        "generator": options.get("generator"),
        "overrides": list(options.get("set_") or []),
        "budget": _minutes(options["budget"]) if options.get("budget") is not None else None,
        "seed": options.get("seed"),
        "memory": options.get("memory"),
        "store": options.get("out"),
    }
    if config is not None:
        return job_config({}, config=config, **shared)
    missing = [o.flag for o in mod.cli_options if o.required and o.flag not in given] if mod else []
    if mod is None or missing:
        raise InputError(f"pass a CONFIG file, or {usage}")
    base: dict[str, Any] = {}
    for opt in mod.cli_options:
        if options.get(opt.flag) is not None:
            section, key = opt.key.split(".", 1)
            base.setdefault(section, {})[key] = options[opt.flag]
    return job_config(base, **shared)


def _minutes(value: str) -> float:
    """--budget's value: a finite number of minutes above 0."""
    import math

    from equipoise.dataspec import InputError

    try:
        minutes = float(value)
    except ValueError:
        minutes = math.nan
    if not (math.isfinite(minutes) and minutes > 0):
        raise InputError(
            f"--budget {value!r}: give the minutes the run may take, a number above 0, "
            "e.g. --budget 10"
        )
    return minutes


def _run_flow(job, console) -> dict[str, Any]:
    from equipoise.api import run_checked

    return run_checked(job, console)


def _print_refused_leaderboard(error, console) -> None:
    """When the gate refused, show its leaderboard (from the run folder) before the error."""
    import json

    report = getattr(error, "report", None)
    gate_file = Path(report) / "gate.json" if report else None
    if gate_file is not None and gate_file.is_file():
        print_leaderboard(json.loads(gate_file.read_text())["gate"], console)


def _print_summary(path: Path, console) -> None:
    import json

    from rich.table import Table

    manifest = json.loads((path / "manifest.json").read_text())
    counts = manifest["class_counts"]
    table = Table(title=f"{manifest['name']} · version {manifest['version']}", title_justify="left")
    for column in ("class", "real", "train", "holdout", "synthetic", "published"):
        table.add_column(column, justify="left" if column == "class" else "right")
    for cls, n in counts["input"].items():
        table.add_row(
            cls,
            str(n),
            str(counts["train"].get(cls, 0)),
            str(counts["holdout"].get(cls, 0)),
            str(counts["synthetic"].get(cls, 0)),
            str(counts["published"].get(cls, 0)),
        )
    console.print(table)
    rows = manifest["rows"]
    validation = manifest.get("validation")
    console.print(
        f"generator {manifest['generator']['kind']}: {rows['synthetic_sampled']} sampled, "
        f"{rows['synthetic_published']} accepted; validation "
        f"{'passed' if validation else 'not needed (real rows only)'}; "
        f"{sum(manifest['timings_s'].values()):.1f} s"
    )
    for cand in manifest.get("candidates", []):
        if cand.get("skipped") or cand.get("failure"):
            console.print(f"left out: {cand['skipped'] or cand['failure']}", highlight=False)
    print_leaderboard(manifest["gate"], console)


def print_leaderboard(gate: dict, console, top: int = 8) -> None:
    """The gate's best candidates and its decision, as a rich table on stderr."""
    from rich.table import Table

    decision = gate["decision"]
    table = Table(title=f"gate · {decision['primary']} on the real holdout", title_justify="left")
    for column in ("#", "candidate", "model", decision["primary"], "interval"):
        table.add_column(column, justify="left" if column in ("candidate", "model") else "right")
    for r in gate["leaderboard"][:top]:
        name = r["candidate"] + (" (synthetic)" if r["family"] == "synthetic" else "")
        table.add_row(
            str(r["rank"]),
            name,
            r["model"],
            f"{r['value']:.3f}",
            f"{r['ci_low']:.3f}–{r['ci_high']:.3f}",
            style="bold" if r["family"] == "synthetic" else None,
        )
    console.print(table)
    console.print(f"gate: {decision['sentence']}", highlight=False, soft_wrap=True)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
