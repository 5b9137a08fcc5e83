"""The `balance_tabular` Prefect flow: each step is a task wrapping a plain
function from loading / balance / publish, the generators and validation."""

from __future__ import annotations

import dataclasses
import json
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

import equipoise
from equipoise.dataspec.seeding import derive_seed
from equipoise.flows import balance, fit_cache, handoff, loading, publish, report_figures, runners
from equipoise.flows.config import DataConfig, GeneratorConfig, JobConfig
from equipoise.flows.progress import current_reporter
from equipoise.flows.report import render_report
from equipoise.flows.timing import Laps
from equipoise.generators import Generator, Resampler, registry
from equipoise.validation import ValidationFailed, ValidationReport, validate_synthetic
from equipoise.validation.gate import GateDecision, GateRefused, Leaderboard, decide, run_tournament

PACKAGES = (
    "ctgan", "sdv", "sdmetrics", "rdt", "imbalanced-learn", "scikit-learn", "pandas", "numpy",
    "pyarrow", "torch", "prefect", "great-expectations",
)  # fmt: skip


def _task(fn, name: str):
    # Inputs are DataFrames and fitted models: no caching, no result persistence.
    return task(fn, name=name, cache_policy=NO_CACHE, persist_result=False)


def _load(data: DataConfig) -> loading.RealData:
    return loading.prepare(loading.read_source(data.source), data)


def _sample(generator: Generator, counts: dict, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    return generator.sample(counts, seed=seed)


def _resample(resampler: Resampler, real: loading.RealData, targets: dict, seed: int):
    return resampler.select(*real.schema.split_xy(real.frame), targets, seed=seed)


load_task = _task(_load, "load").with_options(**runners.io_task_options())
split_task = _task(loading.split_holdout, "split")


def _make_generator(generator: GeneratorConfig, real: loading.RealData) -> Generator | Resampler:
    return registry.create(generator.kind, real.schema, generator.params)


sample_task = _task(_sample, "sample")
validate_task = _task(validate_synthetic, "validate")
resample_task = _task(_resample, "resample")
merge_task = _task(balance.merge, "merge")
publish_task = _task(publish.publish, "publish").with_options(**runners.io_task_options())


@dataclass
class Candidate:
    """One configured generator's outcome: what it would publish and what the gate
    trains on (the real training split plus its rows, or the rows it keeps)."""

    name: str
    generator: Generator | Resampler
    gate_set: tuple[pd.DataFrame, pd.Series] | None = None
    synthetic: tuple[pd.DataFrame, pd.Series] | None = None
    kept_real: np.ndarray | None = None
    sampled: int = 0
    validation: ValidationReport | None = None
    failure: str | None = None


def _seed(config: JobConfig, name: str) -> int:
    """A candidate's seed: the run seed for the first (a one-generator run is unchanged)."""
    return config.seed if name == config.generator_names[0] else derive_seed(config.seed, name)


def _build_candidate(
    name: str,
    generator: Generator | Resampler,
    config: JobConfig,
    real: loading.RealData,
    split: loading.Split,
    reports_dir: Path,
) -> Candidate:
    """Sample and validate one fitted generator (or run one resampler)."""
    logger = get_run_logger()
    counts_input = balance.class_counts(real.frame[real.schema.label])
    counts_train = balance.class_counts(split.y_train)
    ratio = config.balance.target_ratio
    seed = _seed(config, name)
    cand = Candidate(name, generator)
    if isinstance(generator, Resampler):
        targets = balance.undersample_targets(counts_input, ratio)
        cand.kept_real = resample_task(generator, real, targets, derive_seed(seed, "resample"))
        cand.gate_set = generator.resample(
            split.X_train,
            split.y_train,
            balance.undersample_targets(counts_train, ratio),
            seed=derive_seed(seed, "resample"),
        )
        return cand
    asked = balance.synthetic_counts(counts_input, ratio)
    logger.info("%s: synthetic rows to make per class: %s", name, asked)
    X_syn, y_syn = sample_task(generator, balance.with_spare(asked), derive_seed(seed, "sample"))
    cand.sampled = len(y_syn)
    settings = config.validation
    if generator.copies_real_rows and not settings.allow_exact_copies:
        logger.info("%s copies real rows by design: exact copies allowed", generator.kind)
        settings = dataclasses.replace(settings, allow_exact_copies=True)
    cand.validation = validate_task(
        real.schema,
        train=(split.X_train, split.y_train),
        holdout=(split.X_holdout, split.y_holdout),
        synthetic=(X_syn, y_syn),
        settings=settings,
        seed=derive_seed(seed, "validate"),
        reports_dir=reports_dir,
    )
    if not cand.validation.passed:
        hint = generator.quality_hint()
        cand.failure = f"{name}: validation failed: {_first(cand.validation.failures)}" + (
            f" ({hint})" if hint else ""
        )
        logger.warning(cand.failure)
        return cand
    keep = balance.accept(cand.validation.keep, y_syn, asked)
    cand.synthetic = (X_syn[keep].reset_index(drop=True), y_syn[keep].reset_index(drop=True))
    short = balance.shortfall(cand.synthetic[1], asked)
    if short:
        logger.warning(
            "%s: validation removed more rows than the spare; short of the target by %s "
            "(see the manifest's validation section for why)", name, short,
        )  # fmt: skip
    # The gate trains on the training split balanced the same way, with the same rows.
    extra = balance.head_per_class(*cand.synthetic, balance.synthetic_counts(counts_train, ratio))
    cand.gate_set = (
        pd.concat([split.X_train, extra[0]], ignore_index=True),
        pd.concat([split.y_train, extra[1]], ignore_index=True),
    )
    return cand


def _gate(config: JobConfig, real: loading.RealData, split: loading.Split, candidates):
    logger = get_run_logger()
    board = run_tournament(
        real.schema,
        train=(split.X_train, split.y_train),
        holdout=(split.X_holdout, split.y_holdout),
        synthetic_sets={c.name: c.gate_set for c in candidates},
        settings=config.gate,
        seed=derive_seed(config.seed, "gate"),
        progress=current_reporter(logger),
    )
    for item in board.skipped:
        logger.warning("gate: %(candidate)s · %(model)s could not be trained: %(error)s", item)
    decision = decide(board, config.gate)
    logger.info("gate: %s", decision.sentence)
    return board, decision


make_generator_task = _task(_make_generator, "make-generator")
gate_task = _task(_gate, "gate")


@flow(name="balance_tabular", log_prints=False)
def balance_tabular(config: JobConfig) -> str:
    """Load, split, fit, sample, validate, gate, merge and publish one table; returns
    the published version's folder. Raises InputError (exit 2), GateRefused (exit 3),
    ValidationFailed or GenerationError (exit 4); nothing is published unless it returns."""
    logger = get_run_logger()
    timings: dict[str, float] = {}
    lap = Laps(timings)

    store = Path(config.output.store)
    publish.check_store_writable(store)
    handoff.check(config.handoff, store)
    real = load_task(config.data)
    split = split_task(real, config.split.holdout, config.seed)
    generators = [make_generator_task(g, real) for g in config.generators]
    lap("load_split")
    counts_input = balance.class_counts(real.frame[real.schema.label])
    logger.info(
        "%d rows, %d features; classes %s; train %d / holdout %d",
        len(real.frame), len(real.schema.columns), counts_input,
        len(split.y_train), len(split.y_holdout),
    )  # fmt: skip

    staging = publish.new_staging(store, config.dataset_name)
    try:
        # Every fit at once: in parallel on the configured task runner; cached fits reused.
        seeds = [derive_seed(_seed(config, name), "fit") for name in config.generator_names]
        generators = fit_cache.fit_all(
            generators, split.X_train, split.y_train, seeds, store, reuse=config.output.cache_fits
        )
        lap("fit")
        candidates = []
        for name, generator in zip(config.generator_names, generators, strict=True):
            reports = staging / "reports" / (name if len(generators) > 1 else "")
            candidates.append(_build_candidate(name, generator, config, real, split, reports))
            lap(f"generate:{name}")
        usable = [c for c in candidates if c.failure is None]
        if not usable:
            raise ValidationFailed("; ".join(c.failure for c in candidates if c.failure))
        board, decision = gate_task(config, real, split, usable)
        lap("gate")
        if not decision.publish and config.gate.mode == "enforce":
            folder = _refusal_report(config, real, split, candidates, board, decision, timings)
            raise GateRefused(f"the gate refused: {decision.sentence} (report: {folder})")
        winner_name = decision.winner or board.best("synthetic").candidate.name
        winner = next(c for c in usable if c.name == winner_name)
        table, provenance = merge_task(
            real, split, winner.synthetic, winner.generator.kind, winner.kept_real
        )
        lap("merge")

        def finish(version: str, data_hashes: dict[str, str]) -> tuple[dict[str, Any], str]:
            manifest = _manifest(
                config, real, split, winner, candidates, table, board, decision, timings
            )
            manifest["files_data"] = data_hashes
            docs = sorted(
                str(p.relative_to(staging)) for p in (staging / "reports").rglob("index.html")
            )
            figures = _figures(real, split, winner, board, manifest)
            html = render_report({**manifest, "version": version}, version, winner, docs, figures)
            return manifest, html

        published = publish_task(staging, table, provenance, finish)
    except BaseException:
        publish.discard(staging)
        raise
    lap("publish")
    handoff.hand_off_all(config.handoff, published.path)
    _artifacts(config, published, counts_input, table, real, winner, board, decision)
    logger.info(
        "%s version %s at %s",
        "published" if published.created else "already published (same content)",
        published.version,
        published.path,
    )
    return str(published.path)


def _refusal_report(config, real, split, candidates, board, decision, timings) -> Path:
    """The report and gate results of a run that publishes nothing, in `output.runs`."""
    best = next(c for c in candidates if c.name == board.best("synthetic").candidate.name)
    manifest = _manifest(config, real, split, best, candidates, None, board, decision, timings)
    run_id = manifest["prefect_flow_run_id"] or datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    folder = Path(config.output.runs) / publish.safe_name(config.dataset_name) / run_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "gate.json").write_text(json.dumps(manifest, indent=2, default=str))
    html = render_report(manifest, None, best, [], _figures(real, split, best, board, manifest))
    (folder / "report.html").write_text(html)
    return folder


def _figures(real, split, winner: Candidate, board, manifest) -> dict[str, Any]:
    schema = real.schema
    counts = manifest["class_counts"]
    figures: dict[str, Any] = {
        "class_counts": report_figures.class_counts(
            counts["input"], counts["published"] if manifest["rows"]["published"] else None
        ),
        "pr_curves": report_figures.pr_curves(board),
    }
    if winner.synthetic is not None and len(winner.synthetic[1]):
        X_syn, y_syn = winner.synthetic
        generated = split.y_train.isin(set(y_syn))
        real_rows = split.X_train[generated.to_numpy()]
        held = split.X_holdout[split.y_holdout.isin(set(y_syn)).to_numpy()]
        figures["marginals"] = report_figures.marginals(
            schema, (split.X_train, split.y_train), winner.synthetic
        )
        figures["correlation"] = report_figures.correlation_difference(schema, real_rows, X_syn)
        figures["dcr"] = report_figures.dcr_histograms(schema, split.X_train, held, X_syn)
    return figures


# --------------------------------------------------------------------------- manifest


def _manifest(
    config: JobConfig,
    real: loading.RealData,
    split: loading.Split,
    winner: Candidate,
    candidates: list[Candidate],
    table: pd.DataFrame | None,
    board: Leaderboard,
    decision: GateDecision,
    timings: dict[str, float],
) -> dict[str, Any]:
    """Everything a version (or a refused run) records; `table` is None when nothing
    is published."""
    label = real.schema.label
    synthetic = winner.synthetic if table is not None else None
    syn_counts = balance.class_counts(synthetic[1]) if synthetic else {}

    def keyed(counts: dict[Any, int]) -> dict[str, int]:
        return {str(k): v for k, v in counts.items()}

    published = balance.class_counts(table[label]) if table is not None else {}
    real_published = len(table) - sum(syn_counts.values()) if table is not None else 0
    return {
        "equipoise_version": equipoise.__version__,
        "name": publish.safe_name(config.dataset_name),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": config.seed,
        "config": config.model_dump(mode="json"),
        "schema": real.schema.to_dict(),
        "rows": {
            "real_input": len(real.frame),
            "dropped_missing_label": real.dropped_label_nan,
            "train": len(split.y_train),
            "holdout": len(split.y_holdout),
            "synthetic_sampled": winner.sampled,
            "synthetic_published": sum(syn_counts.values()),
            "real_published": real_published,
            "published": 0 if table is None else len(table),
        },
        "class_counts": {
            "input": keyed(balance.class_counts(real.frame[label])),
            "train": keyed(balance.class_counts(split.y_train)),
            "holdout": keyed(balance.class_counts(split.y_holdout)),
            "synthetic": keyed(syn_counts),
            "published": keyed(published),
        },
        "generator": _generator_info(winner),
        "candidates": [
            {
                "name": c.name,
                **_generator_info(c),
                "synthetic_sampled": c.sampled,
                "synthetic_accepted": 0 if c.synthetic is None else len(c.synthetic[1]),
                "validation_passed": None if c.validation is None else c.validation.passed,
                "failure": c.failure,
            }
            for c in candidates
        ],
        "validation": winner.validation.to_dict() if winner.validation else None,
        "gate": {
            "decision": decision.to_dict(),
            "mode": config.gate.mode,
            "published_by": (
                "gate" if decision.publish else "report mode (the gate would have refused)"
            )
            if table is not None
            else None,
            "leaderboard": board.to_records(),
            "skipped": board.skipped,
            "holdout_rows": len(split.y_holdout),
            "positive_class": str(board.positive),
        },
        "timings_s": timings,
        "packages": {p: _version(p) for p in PACKAGES},
        "python": platform.python_version(),
        "git_commit": _git_commit(),
        "prefect_flow_run_id": _flow_run_id(),
    }


def _generator_info(cand: Candidate) -> dict[str, Any]:
    generator = cand.generator
    info: dict[str, Any] = {
        "kind": generator.kind,
        "role": "resampler" if isinstance(generator, Resampler) else "generator",
        "params": generator.params(),
    }
    for attr, key in (("method_", "method"), ("match_rates_", "label_match_rate")):
        if hasattr(generator, attr):
            value = getattr(generator, attr)
            info[key] = {str(k): v for k, v in value.items()} if isinstance(value, dict) else value
    return info


def _first(lines: list[str], n: int = 3) -> str:
    more = f" (+{len(lines) - n} more)" if len(lines) > n else ""
    return "; ".join(lines[:n]) + more


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    """The commit of the equipoise checkout that ran, with '+dirty' for local changes."""
    root = Path(equipoise.__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+dirty" if dirty else "")


def _flow_run_id() -> str | None:
    from prefect.runtime import flow_run

    return str(flow_run.id) if flow_run.id else None


def _artifacts(config, published, counts_input, table, real, winner, board, decision):
    label = real.schema.label
    after = balance.class_counts(table[label])
    syn = balance.class_counts(winner.synthetic[1]) if winner.synthetic else {}
    rows = [
        {"class": str(c), "real": n, "synthetic": syn.get(c, 0), "published": after.get(c, 0)}
        for c, n in counts_input.items()
    ]
    create_table_artifact(rows, key="class-counts", description="Class counts before and after")
    create_table_artifact(
        [
            {
                k: r[k]
                for k in ("rank", "candidate", "family", "model", "value", "ci_low", "ci_high")
            }
            for r in board.to_records()
        ],
        key="gate-leaderboard",
        description=f"Gate leaderboard ({config.gate.primary} on the real holdout)",
    )
    lines = [
        f"# {publish.safe_name(config.dataset_name)} · version `{published.version}`",
        "",
        f"**Gate:** {decision.sentence}",
        "",
        f"- generators: {', '.join(config.generator_names)}; published: `{winner.name}`; "
        f"seed {config.seed}",
        f"- rows: {len(real.frame)} real, {winner.sampled} synthetic sampled, "
        f"{sum(syn.values())} accepted, {len(table)} published",
        f"- validation: {'passed' if winner.validation else 'n/a (real rows only)'}",
        f"- folder: `{published.path}`",
    ]
    create_markdown_artifact("\n".join(lines), key="summary", description="equipoise run")
