"""The `balance_tabular` Prefect flow: each step is a task wrapping a plain
function from loading / balance / publish, the generators and validation."""

from __future__ import annotations

import dataclasses
import platform
import subprocess
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

import equipoise
from equipoise.dataspec.seeding import derive_seed
from equipoise.flows import balance, loading, publish
from equipoise.flows.config import DataConfig, JobConfig
from equipoise.flows.progress import current_reporter
from equipoise.flows.report import render_report
from equipoise.generators import Generator, Resampler, registry
from equipoise.validation import ValidationFailed, ValidationReport, validate_synthetic

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


load_task = _task(_load, "load")
split_task = _task(loading.split_holdout, "split")


def _make_generator(config: JobConfig, real: loading.RealData) -> Generator | Resampler:
    return registry.create(config.generator.kind, real.schema, config.generator.params)


make_generator_task = _task(_make_generator, "make-generator")


def _fit(generator: Generator, split: loading.Split, seed: int) -> Generator:
    logger = get_run_logger()
    started = time.perf_counter()
    generator.fit(split.X_train, split.y_train, seed=seed, progress=current_reporter(logger))
    logger.info("fitted %s in %.1f s", generator.kind, time.perf_counter() - started)
    return generator


fit_task = _task(_fit, "fit-generator")
sample_task = _task(_sample, "sample")
validate_task = _task(validate_synthetic, "validate")
resample_task = _task(_resample, "resample")
merge_task = _task(balance.merge, "merge")
publish_task = _task(publish.publish, "publish")


@flow(name="balance_tabular", log_prints=False)
def balance_tabular(config: JobConfig) -> str:
    """Load, split, fit, sample, validate, merge and publish one table; returns the
    published version's folder. Raises InputError (exit 2), ValidationFailed or
    GenerationError (exit 4); nothing is published unless it returns."""
    logger = get_run_logger()
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        timings[step] = round(time.perf_counter() - clock, 3)
        clock = time.perf_counter()

    store = Path(config.output.store)
    publish.check_store_writable(store)
    real = load_task(config.data)
    split = split_task(real, config.split.holdout, config.seed)
    generator = make_generator_task(config, real)
    lap("load_split")
    counts_input = balance.class_counts(real.frame[real.schema.label])
    logger.info(
        "%d rows, %d features; classes %s; train %d / holdout %d",
        len(real.frame), len(real.schema.columns), counts_input,
        len(split.y_train), len(split.y_holdout),
    )  # fmt: skip

    synthetic = None
    validation: ValidationReport | None = None
    kept_real = None
    sampled = 0
    staging = publish.new_staging(store, config.dataset_name)
    try:
        if isinstance(generator, Resampler):
            targets = balance.undersample_targets(counts_input, config.balance.target_ratio)
            kept_real = resample_task(
                generator, real, targets, derive_seed(config.seed, "resample")
            )
            lap("resample")
        else:
            asked = balance.synthetic_counts(counts_input, config.balance.target_ratio)
            logger.info("synthetic rows to make per class: %s", asked)
            generator = fit_task(generator, split, derive_seed(config.seed, "fit"))
            lap("fit")
            spare = balance.with_spare(asked)
            X_syn, y_syn = sample_task(generator, spare, derive_seed(config.seed, "sample"))
            sampled = len(y_syn)
            lap("sample")
            settings = config.validation
            if generator.copies_real_rows and not settings.allow_exact_copies:
                logger.info("%s copies real rows by design: exact copies allowed", generator.kind)
                settings = dataclasses.replace(settings, allow_exact_copies=True)
            validation = validate_task(
                real.schema,
                train=(split.X_train, split.y_train),
                holdout=(split.X_holdout, split.y_holdout),
                synthetic=(X_syn, y_syn),
                settings=settings,
                seed=derive_seed(config.seed, "validate"),
                reports_dir=staging / "reports",
            )
            lap("validate")
            if not validation.passed:
                hint = generator.quality_hint()
                raise ValidationFailed(
                    "validation failed: "
                    + _first(validation.failures)
                    + (f" ({hint})" if hint else "")
                )
            keep = balance.accept(validation.keep, y_syn, asked)
            synthetic = (X_syn[keep].reset_index(drop=True), y_syn[keep].reset_index(drop=True))
            short = balance.shortfall(synthetic[1], asked)
            if short:
                logger.warning(
                    "validation removed more rows than the spare; short of the target by %s "
                    "(see the manifest's validation section for why)", short,
                )  # fmt: skip
        table, provenance = merge_task(real, split, synthetic, generator.kind, kept_real)
        lap("merge")

        def finish(version: str, data_hashes: dict[str, str]) -> tuple[dict[str, Any], str]:
            manifest = _manifest(
                config, real, split, generator, synthetic, sampled, table, validation, timings
            )
            manifest["files_data"] = data_hashes
            rows = validation.summary_rows() if validation else []
            docs = sorted(
                str(p.relative_to(staging)) for p in (staging / "reports").rglob("index.html")
            )
            return manifest, render_report({**manifest, "version": version}, version, rows, docs)

        published = publish_task(staging, table, provenance, finish)
    except BaseException:
        publish.discard(staging)
        raise
    lap("publish")
    _artifacts(config, published, counts_input, table, real, sampled, synthetic, validation)
    logger.info(
        "%s version %s at %s",
        "published" if published.created else "already published (same content)",
        published.version,
        published.path,
    )
    return str(published.path)


# --------------------------------------------------------------------------- manifest


def _manifest(
    config: JobConfig,
    real: loading.RealData,
    split: loading.Split,
    generator: Generator | Resampler,
    synthetic: tuple[pd.DataFrame, pd.Series] | None,
    sampled: int,
    table: pd.DataFrame,
    validation: ValidationReport | None,
    timings: dict[str, float],
) -> dict[str, Any]:
    label = real.schema.label
    syn_counts = balance.class_counts(synthetic[1]) if synthetic else {}

    def keyed(counts: dict[Any, int]) -> dict[str, int]:
        return {str(k): v for k, v in counts.items()}

    generator_info: dict[str, Any] = {
        "kind": generator.kind,
        "role": "resampler" if isinstance(generator, Resampler) else "generator",
        "params": generator.params(),
    }
    for attr, key in (("method_", "method"), ("match_rates_", "label_match_rate")):
        if hasattr(generator, attr):
            value = getattr(generator, attr)
            generator_info[key] = keyed(value) if isinstance(value, dict) else value
    real_published = len(table) - sum(syn_counts.values())
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
            "synthetic_sampled": sampled,
            "synthetic_published": sum(syn_counts.values()),
            "real_published": real_published,
            "published": len(table),
        },
        "class_counts": {
            "input": keyed(balance.class_counts(real.frame[label])),
            "train": keyed(balance.class_counts(split.y_train)),
            "holdout": keyed(balance.class_counts(split.y_holdout)),
            "synthetic": keyed(syn_counts),
            "published": keyed(balance.class_counts(table[label])),
        },
        "generator": generator_info,
        "validation": validation.to_dict() if validation else None,
        "gate": None,
        "timings_s": timings,
        "packages": {p: _version(p) for p in PACKAGES},
        "python": platform.python_version(),
        "git_commit": _git_commit(),
        "prefect_flow_run_id": _flow_run_id(),
    }


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


def _artifacts(config, published, counts_input, table, real, sampled, synthetic, validation):
    label = real.schema.label
    after = balance.class_counts(table[label])
    syn = balance.class_counts(synthetic[1]) if synthetic else {}
    rows = [
        {"class": str(c), "real": n, "synthetic": syn.get(c, 0), "published": after.get(c, 0)}
        for c, n in counts_input.items()
    ]
    create_table_artifact(rows, key="class-counts", description="Class counts before and after")
    lines = [
        f"# {publish.safe_name(config.dataset_name)} · version `{published.version}`",
        "",
        f"- generator: `{config.generator.kind}`; seed {config.seed}",
        f"- rows: {len(real.frame)} real, {sampled} synthetic sampled, "
        f"{sum(syn.values())} accepted, {len(table)} published",
        f"- validation: {'passed' if validation and validation.passed else 'n/a'}",
        f"- folder: `{published.path}`",
    ]
    create_markdown_artifact("\n".join(lines), key="summary", description="equipoise run")
