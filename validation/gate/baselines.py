"""Every gate baseline, registered once: the strategies on real data that a synthetic
set has to beat. A baseline names itself, says in words what it is, and builds its
candidate entries for each modality it applies to; the `none` baseline's builder also
trains the synthetic candidates (the same model on the real rows plus theirs).

Adding a baseline is one `Baseline(...)` line below (with its builders in the
modality's gate module: `tables.py`, `images.py`, `series.py`, `text.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from equipoise.validation.gate import images as img
from equipoise.validation.gate import series as ser
from equipoise.validation.gate import tables as tab
from equipoise.validation.gate import text as txt
from equipoise.validation.gate.arena import Arena, Entry, Pair

#: entries(arena, candidate name, family, training pair) -> what to train
Builder = Callable[[Arena, str, str, Pair], list[Entry]]


@dataclass(frozen=True)
class Baseline:
    """One strategy on real data."""

    name: str
    #: how users read it in sentences and reports ("class weights")
    words: str
    #: modality -> its builder; the modalities it applies to are the keys
    builders: Mapping[str, Builder]

    @property
    def modalities(self) -> tuple[str, ...]:
        return tuple(self.builders)

    def entries(self, arena: Arena, name: str, family: str, data: Pair) -> list[Entry]:
        return self.builders[arena.modality](arena, name, family, data)


BASELINES: dict[str, Baseline] = {
    b.name: b
    for b in (
        Baseline("none", "no resampling",
                 {"table": tab.per_model(), "image": img.with_loss("plain"),
                  "series": ser.per_model(), "text": txt.per_model()}),
        Baseline("class_weight", "class weights",
                 {"table": tab.per_model(class_weight="balanced"),
                  "image": img.with_loss("class_weight"),
                  "series": ser.per_model(class_weight="balanced"),
                  "text": txt.per_model(class_weight="balanced")}),
        Baseline("threshold", "threshold tuning",
                 {"table": tab.threshold, "series": ser.threshold, "text": txt.threshold}),
        Baseline("focal_loss", "focal loss",
                 {"table": tab.own("mlp"), "image": img.with_loss("focal")}),
        Baseline("balanced_bagging", "balanced bagging", {"table": tab.own("trees")}),
        Baseline("easy_ensemble", "EasyEnsemble", {"table": tab.own("adaboost")}),
        Baseline("rusboost", "RUSBoost", {"table": tab.own("adaboost")}),
        Baseline("balanced_random_forest", "balanced random forest",
                 {"table": tab.own("forest"), "series": ser.own("forest"), "text": txt.forest}),
        Baseline("smote", "SMOTE", {"table": tab.smote}),
        Baseline("oversample_augment", "random oversampling with augmentation",
                 {"image": img.oversample_augment}),
        Baseline("random_oversample", "random oversampling",
                 {"table": tab.per_model(tab.oversample_model),
                  "text": txt.per_model(txt.oversample_model)}),
        Baseline("anomaly", "anomaly detection",
                 {"series": ser.own("iforest", binary_only=True)}),
    )
}  # fmt: skip


def names_for(modality: str) -> tuple[str, ...]:
    """The baselines that apply to `modality`, in registry order."""
    return tuple(n for n, b in BASELINES.items() if modality in b.modalities)


def check(names: tuple[str, ...], modality: str) -> list[str]:
    """Problems with a configured list of baselines (empty when fine)."""
    known = names_for(modality)
    unknown = [n for n in names if n not in known]
    return [f"unknown baselines {unknown}; choose from {', '.join(known)}"] if unknown else []


def applicable(arena: Arena) -> list[str]:
    """The configured baselines that run in this arena: `none` always, first. A baseline
    runs beside a generator of the same method (SMOTE in the pipeline beside the `smote`
    generator's validated rows): the verdict can then name it as a real-data strategy,
    while the generator's rows must clear the publication rule."""
    return list(arena.settings.baseline_set)


def words(name: str) -> str:
    """A baseline's name as users read it (the name itself when it is not a baseline)."""
    return BASELINES[name].words if name in BASELINES else name
