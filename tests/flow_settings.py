"""Settings the flow tests share (imported by them; pytest puts tests/ on the path)."""

#: a gate that is quick to train: the flow tests check the flow, not the gate's decisions
#: (those: tests/test_gate*.py; cross-fitting: tests/test_gate_crossfit.py)
FAST_GATE = [
    "gate.mode=report",
    "gate.models=[logreg]",
    "gate.baselines=[none]",
    "gate.bootstrap=200",
    "gate.cross_fit=never",
]
