"""Parallelism behind one small executor: `run_tasks(function, items, jobs)`.

Workers are forked once per stage with the stage's data already in memory (the snapshot), so a task is
just a slice of indices and only results travel back; `jobs=1`, small batches and platforms without
fork run the very same function in this process. Results come back in input order, whatever the number
of workers, so `--jobs 1` and `--jobs N` give identical trees. Only the main process writes files.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any

# Below this many items, starting workers costs more than it saves.
MIN_PARALLEL_ITEMS = 64

_snapshot: dict[str, Any] = {}


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run_tasks(function: Callable[[Any, Sequence[Any]], list], items: Sequence[Any], jobs: int,
              shared: Any = None, progress: Callable[[int, int], None] | None = None) -> list:
    """`function(shared, chunk)` over chunks of `items`; the concatenated results, in order.

    `progress(done, total)` is called as chunks complete.
    """
    size = max(8, len(items) // (max(jobs, 1) * 8))
    bounds = [(start, min(start + size, len(items))) for start in range(0, len(items), size)]
    results: list = []
    if jobs <= 1 or len(items) < MIN_PARALLEL_ITEMS or "fork" not in multiprocessing.get_all_start_methods():
        for start, end in bounds:
            results += function(shared, items[start:end])
            if progress:
                progress(end, len(items))
        return results
    _snapshot["function"], _snapshot["shared"], _snapshot["items"] = function, shared, items
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for chunk in pool.imap(_run_chunk, bounds):
                results += chunk
                if progress:
                    progress(len(results), len(items))
    finally:
        _snapshot.clear()
    return results


def _run_chunk(bounds: tuple[int, int]) -> list:
    start, end = bounds
    return _snapshot["function"](_snapshot["shared"], _snapshot["items"][start:end])
