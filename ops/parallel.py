"""Intra-op parallelism for memory-bound kernels: TensorFlow's intra-op thread pool.

A kernel that makes several elementwise passes over a large array (pooling gradients,
optimizer updates) runs them on cache-sized chunks, so each pass after the first reads
from cache instead of memory, and hands the chunks to a process-wide thread pool (numpy
releases the GIL inside its loops).  Kernels that call BLAS do not use it: BLAS has its own
threads.  ``ConfigProto.intra_op_parallelism_threads`` sets the pool size (0 = one thread
per available core), as in TensorFlow.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

# Chunks of about this many bytes of the largest operand keep a kernel's scratch arrays in
# the per-core L2 cache.
CHUNK_BYTES = 1 << 20

_lock = threading.Lock()
_in_worker = threading.local()
_pool: ThreadPoolExecutor | None = None
_num_threads = 0


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:       # not Linux
        return max(1, os.cpu_count() or 1)


def set_num_threads(n: int) -> None:
    """Sets the pool size; 0 or less means one thread per available core."""
    global _pool, _num_threads
    n = int(n) if n and n > 0 else available_cores()
    with _lock:
        if n != _num_threads:
            old, _pool, _num_threads = _pool, None, n
            if old is not None:
                old.shutdown(wait=False)


def num_threads() -> int:
    if not _num_threads:
        set_num_threads(0)
    return _num_threads


def _get_pool() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(_num_threads, thread_name_prefix="sessionflow-intra-op",
                                       initializer=_mark_worker)
        return _pool


def _mark_worker() -> None:
    _in_worker.active = True


def rows_per_chunk(row_bytes: int) -> int:
    """How many rows of ``row_bytes`` bytes make one chunk (at least one)."""
    return max(1, CHUNK_BYTES // max(1, row_bytes))


def for_each_chunk(n: int, grain: int, fn: Callable[[int, int], None]) -> None:
    """Calls ``fn(lo, hi)`` for consecutive ranges of at most ``grain`` items covering
    ``[0, n)``.  The ranges are dealt out in contiguous runs, one run per thread, the first
    on the calling thread (inside a pool thread everything runs there, so nested use cannot
    deadlock).  Exceptions propagate."""
    grain = max(1, int(grain))
    ranges = [(lo, min(lo + grain, n)) for lo in range(0, n, grain)]
    threads = 1 if getattr(_in_worker, "active", False) else min(num_threads(), len(ranges))

    def run(part):
        for lo, hi in part:
            fn(lo, hi)
    if threads <= 1:
        run(ranges)
        return
    per = -(-len(ranges) // threads)
    parts = [ranges[i:i + per] for i in range(0, len(ranges), per)]
    futures = [_get_pool().submit(run, part) for part in parts[1:]]
    try:
        run(parts[0])
    finally:
        for future in futures:
            future.result()
