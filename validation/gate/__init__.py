"""The downstream-metric gate of every modality: candidates (the registered baselines
on real data, synthetic training sets) trained with the same downstream models, scored
on the real holdout with imbalance-aware metrics and paired bootstrap intervals, and
one rule that decides whether a synthetic set is worth publishing. Knows nothing of
Prefect or generators."""

from equipoise.validation.gate.arena import Arena, SyntheticSet, run_gate
from equipoise.validation.gate.decision import GateDecision, decide
from equipoise.validation.gate.scoring import CandidateScores, Leaderboard, score_candidates
from equipoise.validation.gate.settings import GateSettings

__all__ = [
    "Arena",
    "CandidateScores",
    "GateDecision",
    "GateSettings",
    "Leaderboard",
    "SyntheticSet",
    "decide",
    "run_gate",
    "score_candidates",
]
