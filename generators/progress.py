"""Epoch progress from libraries that only offer tqdm (ctgan, and SDV through it).

`report_epochs` swaps the module's `tqdm` for an iterator that calls the
caller's callback after each epoch, for the duration of one fit. Fits run one
at a time in a flow, so the swap is not shared between threads.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from equipoise.generators.base import ProgressCallback


class _EpochIterator:
    def __init__(self, iterable: Any, description: str, progress: ProgressCallback):
        self._items = list(iterable)
        self._description = description
        self._progress = progress

    def __iter__(self) -> Iterator[Any]:
        total = len(self._items)
        self._progress(self._description, 0, total)
        for done, item in enumerate(self._items, start=1):
            yield item
            self._progress(self._description, done, total)

    def set_description(self, *args: Any, **kwargs: Any) -> None:
        """tqdm API used by ctgan for its loss read-out; the callback shows progress."""


@contextmanager
def report_epochs(
    module_name: str, description: str, progress: ProgressCallback | None
) -> Iterator[None]:
    """Within the block, epochs of `module_name`'s training loop call `progress`."""
    if progress is None:
        yield
        return
    module = importlib.import_module(module_name)
    original = module.tqdm

    def factory(iterable: Any, *args: Any, **kwargs: Any) -> _EpochIterator:
        return _EpochIterator(iterable, description, progress)

    module.tqdm = factory
    try:
        yield
    finally:
        module.tqdm = original
