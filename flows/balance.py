"""The one Prefect flow of every modality: load, split, fit, sample, validate, gate,
merge + publish, hand off, artifacts. Each step is a task wrapping a plain function of
the pipeline (`pipeline/`), the store (`store/`), the generators and validation; what
differs between tables, images, ... comes from the job's `Modality` plug-in."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, State

from equipoise.dataspec import GateRefused, GenerationError, InputError, ValidationFailed
from equipoise.dataspec.seeding import derive_seed
from equipoise.flows import fitting, runners, stopping
from equipoise.flows.progress import current_reporter
from equipoise.flows.sizing import Sizing
from equipoise.generators import Generator, Resampler, registry
from equipoise.pipeline import balance as counts
from equipoise.pipeline import budget, preload
from equipoise.pipeline.candidates import Candidate, accept, candidate_seed, refitter
from equipoise.pipeline.config import JobConfig
from equipoise.pipeline.manifest import build_manifest
from equipoise.pipeline.modalities import modality
from equipoise.pipeline.modality import Modality, Prepared, Written
from equipoise.pipeline.timing import Laps
from equipoise.reports import figures
from equipoise.reports.render import render_report
from equipoise.store import handoff, versions
from equipoise.validation.gate import Arena, decide, run_gate


def _task(fn, name: str):
    # Inputs are data and fitted models: no caching, no result persistence.
    return task(fn, name=name, cache_policy=NO_CACHE, persist_result=False)


def _load(mod: Modality, job: JobConfig) -> Any:
    return preload.load(mod, job)


def _split(mod: Modality, raw: Any, job: JobConfig) -> Prepared:
    return preload.split(mod, raw, job)


def _make_generator(kind: str, params: dict, schema: Any) -> Generator | Resampler:
    return registry.create(kind, schema, params)


def _sample(generator: Generator, asked: dict, seed: int) -> tuple[Any, Any]:
    return generator.sample(asked, seed=seed)


def _validate(mod: Modality, schema: Any, **kwargs: Any):
    return mod.validator()(schema, **kwargs)


def _resample(resampler: Resampler, rows: tuple[Any, Any], targets: dict, seed: int):
    return resampler.select(*rows, targets, seed=seed)


def _gate(
    arena: Arena,
    synthetic_sets: dict[str, Any],
    settings: Any,
    refit: dict[str, Any],
    excluded: dict[str, str],
):
    logger = get_run_logger()
    board = run_gate(
        arena, synthetic_sets, progress=current_reporter(logger), refit=refit, excluded=excluded,
        mapper=runners.gate_mapper(),  # a Dask runner's cluster takes the gate's units
    )  # fmt: skip
    logger.info("gate: %s", board.method["sentence"])
    for item in board.skipped:
        logger.warning("gate: %(candidate)s · %(model)s could not be trained: %(error)s", item)
    decision = _in_report_mode(decide(board, settings), settings)
    logger.info("gate: %s", decision.sentence)
    return board, decision


def _in_report_mode(decision, settings: Any):
    """gate.mode report publishes a refused set anyway: the sentence says so."""
    if decision.publish or settings.mode != "report":
        return decision
    sentence = decision.sentence.replace(
        "nothing published", "published anyway (gate.mode: report)"
    )
    return dataclasses.replace(decision, sentence=sentence)


def _publish(staging: Path, mod: Modality, data: Prepared, winner: Candidate, finish):
    written: list[Written] = []

    def write(folder: Path) -> list[str]:
        written.append(mod.write_version(folder, data, winner))
        return written[-1].files

    return versions.publish_files(staging, write, lambda v, h: finish(v, h, written[-1]))


load_task = _task(_load, "load").with_options(**runners.io_task_options())
split_task = _task(_split, "split")
make_generator_task = _task(_make_generator, "make-generator")
sample_task = _task(_sample, "sample")
validate_task = _task(_validate, "validate")
resample_task = _task(_resample, "resample")
gate_task = _task(_gate, "gate")
publish_task = _task(_publish, "merge-publish").with_options(**runners.io_task_options())


def _hand_off(specs: list, version: Path) -> list:
    results = handoff.hand_off_all(specs, version)
    for result in results:
        get_run_logger().info("handed %s off to %s: %s", version.name, result.to, result.ref)
    return results


handoff_task = _task(_hand_off, "hand-off")


def _hand_off_refusal(specs: list, folder: Path) -> list:
    return handoff.record_refusal_all(specs, folder)


handoff_refusal_task = _task(_hand_off_refusal, "hand-off-refusal")


def _best(board: Any, decision: Any, candidates: list[Candidate], usable: list[Candidate]):
    """The candidate the verdict is about: the decision's winner, else the gate's best
    synthetic entry's, else the first usable (or first) candidate."""
    leader = board.best("synthetic")  # None when the gate could train no synthetic set
    leader_name = decision.winner or (leader.candidate.name if leader else None)
    best = next((c for c in candidates if c.name == leader_name), None)
    return best or (usable or candidates)[0]


def _merge_publish(
    job: JobConfig, mod: Modality, data: Prepared, who: tuple[Candidate, list[Candidate]],
    verdict: tuple[Any, Any], staging: Path, lap: Laps, sizing: Sizing,
) -> Any:  # fmt: skip
    """Merge and publish the winner's version; the manifest and the report come last."""
    (winner, candidates), (board, decision) = who, verdict

    def finish(version: str, hashes: dict[str, str], written: Written):
        lap("publish")  # merge and data files; the manifest comes last, with this lap
        manifest = build_manifest(
            job, mod, data, winner, candidates, written, board, decision, lap.timings,
            _flow_run_id(), memory=sizing.record(),
        )  # fmt: skip
        manifest["files_data"] = hashes
        return manifest, _report(mod, data, winner, {**manifest, "version": version},
                                 version, board, staging)  # fmt: skip

    return publish_task(staging, mod, data, winner, finish)


def _candidates(
    job: JobConfig, mod: Modality, data: Prepared, portfolio: tuple[list, list, dict],
    staging: Path, lap: Laps, sizing: Sizing,
) -> list[Candidate]:  # fmt: skip
    """Every fit at once: in parallel on the configured task runner; cached fits reused;
    epoch-trained fits held to their share of the time budget (pipeline/budget.py); a big
    table's on the rows `sizing` chose. Then each fitted generator sampled and validated,
    in turn (skipped with the reason when the memory budget cannot hold it)."""
    names, generators, skips = portfolio
    seeds = [derive_seed(candidate_seed(job, name), "fit") for name in names]
    active = [None if n in skips else g for n, g in zip(names, generators, strict=True)]
    generators, over = fitting.fit_all(
        generators, *sizing.fit_rows, seeds, Path(job.output.store),
        reuse=job.output.cache_fits,
        budgets=budget.fit_budgets(job, active, sum(lap.timings.values())),
        skip=[n in skips for n in names],
    )  # fmt: skip
    skips.update({names[i]: reason for i, reason in over.items()})
    lap("fit")
    sizing.plan_gate(job, data)
    candidates = []
    for name, generator in zip(names, generators, strict=True):
        skips[name] = skips.get(name) or sizing.too_big(name, generator, job, mod, data)
        if skips[name]:
            candidates.append(Candidate(name, generator, skipped=skips[name]))
            continue
        reports = staging / "reports" / (name if len(generators) > 1 else "")
        candidates.append(_candidate(name, generator, job, mod, data, reports, sizing))
        lap(f"generate:{name}")
    return candidates


def _judge(
    job: JobConfig, mod: Modality, data: Prepared, usable: list[Candidate],
    excluded: dict[str, str], sizing: Sizing,
) -> tuple[Any, Any]:  # fmt: skip
    """The gate over the usable candidates and the registered baselines, on the rows
    `sizing` chose (a big table's sample; every training row otherwise)."""
    gate = sizing.gate or sizing.plan_gate(job, data)
    arena = Arena(
        mod.name, data.schema, gate.train, gate.holdout,
        gate.settings, derive_seed(job.seed, "gate"),
        synthesize=_synthesizer(data.schema), scored_only=_rare_classes(job, data.schema),
    )  # fmt: skip
    refits = {c.name: refitter(c, job, mod, data.schema) for c in usable}
    return gate_task(
        arena,
        gate.sets(usable),
        gate.settings,
        {name: refit for name, refit in refits.items() if refit is not None},
        excluded,
    )


@flow(name="balance", flow_run_name="{job.MODALITY}-{job.dataset_name}", log_prints=False)
def balance(job: JobConfig) -> dict[str, Any]:
    """Load, split, fit, sample, validate, gate, merge and publish one dataset of any
    modality. Every verdict is a result, and the flow run Completed: {"outcome":
    "published", "path": the version's folder, "version", "sentence"} or {"outcome":
    "refused", "report": the run folder with report.html, gate.json and recipe.py,
    "sentence", "message"} (also when no candidate passed validation: the gate still
    names the best real-data strategy; `refusal_error` turns it into GateRefused, exit 3).
    Raises InputError (exit 2), ValidationFailed (exit 4: no candidate passed, in
    gate.mode report) or GenerationError (exit 4); nothing is published unless the
    outcome says so."""
    stopping.take_signals()  # SIGINT / SIGTERM stop the fits at their next epoch
    logger = get_run_logger()
    mod = modality(job.MODALITY)
    lap = Laps({})  # wall time per step: the manifest's timings_s
    store = Path(job.output.store)
    versions.check_outputs(job.output)
    handoff.check(job.handoff, store)
    raw = load_task(mod, job)
    data = split_task(mod, raw, job)
    generators = [make_generator_task(g.kind, g.params, data.schema) for g in job.generators]
    lap("load_split")
    logger.info("%s", mod.describe(data))

    names = job.generator_names
    skips = budget.portfolio_skips(job, names, generators, data.y_train)
    sizing = Sizing.start(job, mod, data, names, skips)  # memory: refuse, or size the fits
    for reason in skips.values():
        logger.warning(reason)
    staging = versions.new_staging(store, job.dataset_name)
    try:
        candidates = _candidates(job, mod, data, (names, generators, skips), staging, lap,
                                 sizing)  # fmt: skip
        usable = [c for c in candidates if c.usable]
        # Every run ends in a verdict: with no usable candidate the gate still ranks the
        # real-data strategies and names the best (the failures are in the sentence).
        excluded = {c.name: c.failure or c.skipped or "" for c in candidates if not c.usable}
        board, decision = _judge(job, mod, data, usable, excluded, sizing)
        lap("gate")
        best = _best(board, decision, candidates, usable)
        _none_passed_in_report_mode(job, candidates, excluded, decision)
        if not decision.publish and job.gate.mode == "enforce":  # type: ignore[attr-defined]
            folder = _refusal_report(job, mod, data, (best, candidates), (board, decision),
                                     lap.timings, sizing)  # fmt: skip
            versions.discard(staging)
            return _refused(job, folder, board, decision)
        winner = next(c for c in usable if c.name == (decision.winner or best.name))
        winner, candidates = _every_row(winner, candidates, (job, mod, data), staging, sizing)
        if winner.judged_rows:  # a big table's winner made every row after the gate: timed
            lap(f"generate-all:{winner.name}")
        if decision.publish:  # the share the gate judged; report mode's refused set: all rows
            winner.apply_dose(decision.recommendation and decision.recommendation["dose"])

        published = _merge_publish(job, mod, data, (winner, candidates), (board, decision),
                                   staging, lap, sizing)  # fmt: skip
    except BaseException:
        versions.discard(staging)
        raise
    handoff_task(job.handoff, published.path)
    _artifacts(job, mod, published, winner, board, decision)
    return _published(published, decision)


def _published(published: Any, decision: Any) -> dict[str, Any]:
    """The flow's result for a published version, logged."""
    get_run_logger().info(
        "%s version %s at %s",
        "published" if published.created else "already published (same content)",
        published.version,
        published.path,
    )
    return {
        "outcome": "published",
        "path": str(published.path),
        "version": published.version,
        "created": published.created,
        "sentence": decision.sentence,
    }


def _refused(job: JobConfig, folder: Path, board, decision) -> State:
    """A refusal as the flow's result, recorded where teams look: the leaderboard and the
    verdict as Prefect artifacts, and the MLflow hand-off when one is configured. The flow
    run ends Completed (state name "Refused", the sentence as its message): a refusal is
    the gate working, not the flow failing; the CLI still exits 3."""
    logger = get_run_logger()
    message = f"the gate refused: {decision.sentence} (report: {folder})"
    logger.info(message)
    _leaderboard_artifact(job, board)
    create_markdown_artifact(
        f"# {versions.safe_name(job.dataset_name)} · refused: nothing published\n\n"
        f"**Gate:** {decision.sentence}\n\n- report: `{folder}`",
        key="summary",
        description="equipoise run",
    )
    for result in handoff_refusal_task(job.handoff, folder):
        logger.info("recorded the refusal in %s: %s", result.to, result.ref)
    result = {"outcome": "refused", "report": str(folder), "sentence": decision.sentence,
              "message": message}  # fmt: skip
    return Completed(name="Refused", message=message[:2000], data=result)


def refusal_error(result: dict[str, Any]) -> GateRefused | None:
    """The GateRefused (exit 3) that a refused result stands for, None when published."""
    if result["outcome"] != "refused":
        return None
    return GateRefused(result["message"], Path(result["report"]))


def _candidate(
    name: str,
    generator: Generator | Resampler,
    job: JobConfig,
    mod: Modality,
    data: Prepared,
    reports_dir: Path,
    sizing: Sizing,
    asked: dict[Any, int] | None = None,
) -> Candidate:
    """Sample and validate one fitted generator (or run one resampler). Validation
    compares the samples with the rows the generator was fitted on (`sizing.fit_rows`:
    the training split, or a big table's sample of it: the only rows it could copy);
    `asked`: the rows per class to make (default: what the gate needs, and else what
    balances the input)."""
    logger = get_run_logger()
    ratio = job.balance.target_ratio
    seed = candidate_seed(job, name)
    train_counts = counts.class_counts(pd.Series(data.y_train))
    cand = Candidate(name, generator)
    if isinstance(generator, Resampler):
        return _resampled(cand, generator, mod, data, ratio, derive_seed(seed, "resample"))
    asked = asked if asked is not None else sizing.asked
    if asked is None:
        asked = counts.synthetic_counts(mod.balance_counts(data), ratio)
    logger.info("%s: synthetic %s to make per class: %s", name, mod.unit, asked)
    try:
        samples = sample_task(generator, counts.with_spare(asked), derive_seed(seed, "sample"))
    except GenerationError as err:
        cand.failure = f"{name}: sampling failed: {err.message}"  # it leaves the gate, not the run
        logger.warning(cand.failure)
        return cand
    cand.sampled = len(samples[1])
    logger.info(
        "%s: validating %d synthetic %s against %d training and %d holdout %s", name,
        cand.sampled, mod.unit, len(sizing.fit_rows[1]), len(data.y_holdout), mod.unit,
    )  # fmt: skip
    settings = mod.validation_settings(job, generator)
    validation = validate_task(
        mod, data.schema,
        train=sizing.fit_rows, holdout=(data.X_holdout, data.y_holdout), synthetic=samples,
        settings=settings, seed=derive_seed(seed, "validate"),
        reports_dir=reports_dir,
    )  # fmt: skip
    for line in validation.not_measured:  # said, never silent: too few samples to measure
        logger.warning("%s: %s", name, line)
    short = accept(
        cand, samples, validation, asked, (data.X_train, data.y_train),
        counts.synthetic_counts(train_counts, ratio),
    )  # fmt: skip
    if cand.failure:
        logger.warning(cand.failure)
    elif short:
        logger.warning(
            "%s: validation removed more %s than the spare; short of the target by %s "
            "(see the manifest's validation section for why)", name, mod.unit, short,
        )  # fmt: skip
    return cand


def _resampled(
    cand: Candidate, resampler: Resampler, mod: Modality, data: Prepared, ratio: float, seed: int
) -> Candidate:
    """A resampler's candidate: the real rows it keeps of the whole input (published)
    and of the training split (its gate set)."""
    targets = counts.undersample_targets(mod.balance_counts(data), ratio)
    cand.kept_real = resample_task(resampler, mod.all_rows(data), targets, seed)
    train_counts = counts.class_counts(pd.Series(data.y_train))
    cand.gate_set = resampler.resample(
        data.X_train, data.y_train, counts.undersample_targets(train_counts, ratio), seed=seed
    )
    return cand


def _none_passed_in_report_mode(job, candidates, excluded, decision) -> None:
    """gate.mode report publishes the best candidate even when refused, so it needs one:
    ValidationFailed (exit 4) when none passed, with the gate's verdict in the sentence."""
    if not any(c.usable for c in candidates) and job.gate.mode == "report":
        raise ValidationFailed(
            ("no candidate passed: " if len(candidates) > 1 else "")
            + "; ".join(excluded.values())
            + f" (the gate's verdict: {decision.sentence})"
        )


def _every_row(
    winner: Candidate, candidates: list[Candidate], run: tuple[JobConfig, Modality, Prepared],
    staging: Path, sizing: Sizing,
) -> tuple[Candidate, list[Candidate]]:  # fmt: skip
    """The winner with every synthetic row the published set needs. A big table's gate
    judged the rows its sample needed, of the same fitted generator: the winner now makes
    and validates the rest like the gate's (ValidationFailed when they fail); the manifest
    records both counts. Unchanged when the gate saw every row."""
    if sizing.asked is None or winner.synthetic is None:
        return winner, candidates
    job, mod, data = run
    reports = staging / "reports" / (winner.name if len(candidates) > 1 else "")
    full_counts = counts.synthetic_counts(mod.balance_counts(data), job.balance.target_ratio)
    too_big = sizing.too_big(winner.name, winner.generator, job, mod, data, full_counts)
    if too_big:  # refused before any row is made: nothing half-written
        raise InputError(f"nothing published: the gate chose it on its sample, but {too_big}")
    full = _candidate(winner.name, winner.generator, job, mod, data, reports, sizing,
                      full_counts)  # fmt: skip
    if full.failure:
        raise ValidationFailed(f"{full.failure} (on every row to publish; the gate's passed)")
    full.gate_set, full.judged_rows = winner.gate_set, len(winner.synthetic[1])
    return full, [full if c.name == winner.name else c for c in candidates]


def _rare_classes(job: JobConfig, schema: Any) -> tuple[Any, ...]:
    """The class a `rare` rule cut in the training split (its holdout rows are all kept:
    a cross-fitted gate scores them but never trains on them)."""
    rare = getattr(job.input, "rare", None)
    if rare is None:
        return ()
    return tuple(c for c in schema.classes if str(c) == str(rare.class_))


def _synthesizer(schema: Any):
    """The gate's hook for baselines made by a generator (images: oversampling with
    augmentation): that kind fitted on the real training rows it is given (the training
    split, or a cross-fitting fold's training part). It holds the schema alone, not the
    data: it travels with every unit of the gate to worker processes or Dask workers."""

    def synthesize(kind: str, train: tuple[Any, Any], asked: dict, seed: int):
        generator = registry.create(kind, schema)
        generator.fit(*train, seed=derive_seed(seed, "fit"))
        return generator.sample(asked, seed=derive_seed(seed, "sample"))

    return synthesize


def _report(mod, data, winner, manifest, version, board, staging: Path | None) -> str:
    docs = (
        sorted(str(p.relative_to(staging)) for p in (staging / "reports").rglob("index.html"))
        if staging is not None
        else []
    )
    counted = manifest["class_counts"]
    block = mod.report_block(data, winner, manifest)
    return render_report(
        manifest, version, unit=mod.unit, block_template=block.template, block=block.context,
        figures={
            "class_counts": figures.class_counts(
                counted["input"], counted["published"] if manifest["rows"]["published"] else None
            ),
            "pr_curves": figures.pr_curves(board),
        },
        validation_rows=winner.validation.summary_rows() if winner.validation else [],
        docs=docs,
    )  # fmt: skip


def _refusal_report(job, mod, data, who, verdict, timings, sizing: Sizing) -> Path:
    """The report and gate results of a run that publishes nothing, in `output.runs`."""
    (best, candidates), (board, decision) = who, verdict
    manifest = build_manifest(
        job, mod, data, best, candidates, None, board, decision, timings, _flow_run_id(),
        memory=sizing.record(),
    )  # fmt: skip
    run_id = manifest["prefect_flow_run_id"] or datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    folder = Path(job.output.runs) / versions.safe_name(job.dataset_name) / run_id
    with versions.writing(f"the run folder {folder}", remove=folder):
        folder.mkdir(parents=True, exist_ok=True)
        manifest["gate"]["recipe"] = _write_recipe(folder, board, decision, job.dataset_name)
        (folder / "gate.json").write_text(json.dumps(manifest, indent=2, default=str))
        (folder / "report.html").write_text(_report(mod, data, best, manifest, None, board, None))
    return folder


def _write_recipe(folder: Path, board: Any, decision: Any, dataset: str) -> str | None:
    """`recipe.py` of the recommended estimator in `folder` (its file name), or None when
    it cannot be written as Python (the log says why)."""
    from equipoise.validation.gate import recipe
    from equipoise.validation.gate.decision import recommended_row

    row = recommended_row(board, decision)
    if row is None or row.candidate.estimator is None:
        return None
    cand = row.candidate
    words = decision.recommendation["words"]
    title = f"{dataset}: what the gate recommends instead of synthetic data: {words} ({cand.model})"
    try:
        recipe.write(folder, cand.estimator, title=title, threshold=cand.threshold)
    except recipe.NotWritable as error:
        get_run_logger().warning("no recipe.py: %s", error)
        return None
    return recipe.FILE


def _leaderboard_artifact(job: JobConfig, board) -> None:
    keys = ("rank", "candidate", "family", "model", "value", "ci_low", "ci_high", "judged")
    create_table_artifact(
        [{k: r[k] for k in keys} for r in board.to_records()],
        key="gate-leaderboard",
        description=f"Gate leaderboard ({job.gate.primary})",  # type: ignore[attr-defined]
    )


def _flow_run_id() -> str | None:
    from prefect.runtime import flow_run

    return str(flow_run.id) if flow_run.id else None


def _artifacts(job, mod: Modality, published, winner: Candidate, board, decision) -> None:
    manifest = json.loads((published.path / "manifest.json").read_text())
    counted = manifest["class_counts"]
    rows = [
        {"class": c, "real": n, "synthetic": counted["synthetic"].get(c, 0),
         "published": counted["published"].get(c, 0)}
        for c, n in counted["input"].items()
    ]  # fmt: skip
    create_table_artifact(rows, key="class-counts", description="Class counts before and after")
    _leaderboard_artifact(job, board)
    n = manifest["rows"]
    lines = [
        f"# {versions.safe_name(job.dataset_name)} · version `{published.version}` ({mod.name})",
        "",
        f"**Gate:** {decision.sentence}",
        "",
        f"- generators: {', '.join(job.generator_names)}; published: `{winner.name}`; "
        f"seed {job.seed}",
        f"- {mod.unit}: {n['real_input']} real, {winner.sampled} synthetic sampled, "
        f"{n['synthetic_published']} accepted, {n['published']} published",
        f"- validation: {'passed' if winner.validation else 'n/a (real rows only)'}",
        f"- folder: `{published.path}`",
    ]
    create_markdown_artifact("\n".join(lines), key="summary", description="equipoise run")
