"""The downstream-metric gate: candidates (baselines on real data, synthetic training
sets) trained with the same downstream models, scored on the real holdout with
imbalance-aware metrics and paired bootstrap intervals, and one rule that decides
whether a synthetic set is worth publishing. Knows nothing of Prefect or generators;
image flows reuse `score_candidates` and `decide` with their own models."""

from equipoise.validation.errors import GateRefused
from equipoise.validation.gate.decision import GateDecision, decide
from equipoise.validation.gate.scoring import CandidateScores, Leaderboard, score_candidates
from equipoise.validation.gate.settings import GateSettings
from equipoise.validation.gate.tournament import run_tournament

__all__ = [
    "CandidateScores",
    "GateDecision",
    "GateRefused",
    "GateSettings",
    "Leaderboard",
    "decide",
    "run_tournament",
    "score_candidates",
]
