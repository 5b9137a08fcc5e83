"""Wall time per step of a flow run, as the manifest's `timings_s` records it."""

from __future__ import annotations

import time


class Laps:
    """Call with a step's name when it ends: stores the seconds since the last call."""

    def __init__(self, timings: dict[str, float]):
        self.timings = timings
        self._clock = time.perf_counter()

    def __call__(self, step: str) -> None:
        now = time.perf_counter()
        self.timings[step] = round(now - self._clock, 3)
        self._clock = now
