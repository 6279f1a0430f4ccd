"""Parallelism behind one small executor: `run_tasks(function, items, jobs)`.

Workers are forked once per stage with the stage's data already in memory (the snapshot), so a task is
just a slice of indices and only results travel back; `jobs=1`, small batches and platforms without
fork run the very same function in this process. Results come back in input order, whatever the number
of workers, so `--jobs 1` and `--jobs N` give identical trees. Only the main process writes files.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from generator.errors import UsageError

# Below this many items, starting workers costs more than it saves.
MIN_PARALLEL_ITEMS = 64

_snapshot: dict[str, Any] = {}


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# Most items per task: results travel back a chunk at a time, so this bounds what is in flight.
MAX_CHUNK = 256


def run_tasks(function: Callable[[Any, Sequence[Any]], list], items: Sequence[Any], jobs: int,
              shared: Any = None, progress: Callable[[int, int], None] | None = None, *,
              chunk_size: int | None = None, min_items: int = MIN_PARALLEL_ITEMS) -> list:
    """`function(shared, chunk)` over chunks of `items`; the concatenated results, in order.

    `progress(done, total)` is called as chunks complete. Heavy items (a photo to process) take
    `chunk_size=1` and a lower `min_items`: two of them already fill two workers.
    """
    return list(iter_tasks(function, items, jobs, shared, progress, chunk_size=chunk_size, min_items=min_items))


def iter_tasks(function: Callable[[Any, Sequence[Any]], list], items: Sequence[Any], jobs: int,
               shared: Any = None, progress: Callable[[int, int], None] | None = None, *,
               chunk_size: int | None = None, min_items: int = MIN_PARALLEL_ITEMS) -> Iterator[Any]:
    """Like run_tasks, but yields each result as its chunk completes, in order: the caller can write
    results away instead of holding them all."""
    size = chunk_size or min(MAX_CHUNK, max(8, len(items) // (max(jobs, 1) * 8)))
    bounds = [(start, min(start + size, len(items))) for start in range(0, len(items), size)]
    if jobs <= 1 or len(items) < min_items or "fork" not in multiprocessing.get_all_start_methods():
        for start, end in bounds:
            yield from function(shared, items[start:end])
            if progress:
                progress(end, len(items))
        return
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    _snapshot["function"], _snapshot["shared"], _snapshot["items"] = function, shared, items
    # Frozen, the parent's objects are never scanned by a worker's collector, which would otherwise write
    # to every page of the inherited model and copy it (the recipe of the gc.freeze documentation).
    gc.freeze()
    # An executor rather than multiprocessing.Pool: a worker killed (out of memory) breaks it with an
    # error, where a Pool waits forever for the chunk that worker held.
    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"), initializer=gc.enable)
    try:
        done = 0
        for chunk in pool.map(_run_chunk, bounds):
            done += len(chunk)
            yield from chunk
            if progress:
                progress(done, len(items))
    except BrokenProcessPool:
        raise WorkerDied() from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _snapshot.clear()
        gc.unfreeze()


class WorkerDied(UsageError):
    """A worker process ended in the middle of its work: killed by the system, most often for memory."""

    def __init__(self):
        super().__init__("a worker process ended in the middle of the build (killed by the system: out of "
                         "memory?); build again with fewer processes (-j 1) or more memory")


class BackgroundDied(Exception):
    """The process of `in_background` ended without a result: killed (out of memory) or crashed."""

    def __init__(self, exitcode: int | None):
        self.exitcode = exitcode
        self.reason = f"killed by signal {-exitcode}" if exitcode is not None and exitcode < 0 \
            else f"exit code {exitcode}"
        super().__init__(f"the background process ended without a result ({self.reason})")


def in_background(function: Callable[[Any], Any], shared: Any) -> Callable[[], Any]:
    """Start `function(shared)` in a forked process while this one goes on; returns what waits for its
    result (or raises its exception), to be called once. Without fork, the function runs when its result
    is asked for.

    The child inherits `shared` as it is, like the workers of run_tasks, and may start workers itself.
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        return lambda: function(shared)
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    _snapshot["background"] = (function, shared, sending)
    gc.freeze()
    try:
        process = context.Process(target=_run_background, name="news-archive background")
        process.start()
    finally:
        _snapshot.pop("background", None)
        gc.unfreeze()
    sending.close()

    def result() -> Any:
        try:
            succeeded, value = receiving.recv()
        except EOFError:
            succeeded, value = False, None
        finally:
            receiving.close()
            process.join()
        if not succeeded:
            raise value or BackgroundDied(process.exitcode)
        return value

    return result


def _run_background() -> None:
    function, shared, sending = _snapshot["background"]
    gc.enable()
    try:
        outcome = (True, function(shared))
    except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
        outcome = (False, exc)
    try:
        sending.send(outcome)
    except Exception as exc:  # noqa: BLE001 - a result or exception that cannot be pickled
        sending.send((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
    sending.close()


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Run a block without the cyclic garbage collector.

    A build makes millions of small objects and almost no reference cycles; the collector would scan the
    growing site model again and again (a quarter of an incremental build at 10,000 articles). Reference
    counting still frees nearly everything; the collector runs normally again after the block.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run_chunk(bounds: tuple[int, int]) -> list:
    start, end = bounds
    return _snapshot["function"](_snapshot["shared"], _snapshot["items"][start:end])
