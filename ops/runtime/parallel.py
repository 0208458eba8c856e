"""Intra-op parallelism: TensorFlow's intra-op thread pool, for numpy kernels.

A kernel that makes several elementwise passes over a large array (pooling, optimizer
updates, big elementwise ops) runs them on cache-sized chunks, so each pass after the
first reads from cache instead of memory, and hands the chunks to a process-wide thread
pool (numpy releases the GIL inside its loops).  In runs where the pool owns the cores
(``ops.blas``), GEMMs and convolutions are split over it too.
``ConfigProto.intra_op_parallelism_threads`` sets the pool size (0 = one thread per
available core), as in TensorFlow.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np

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
            _pool = ThreadPoolExecutor(max(_num_threads, 1),
                                       thread_name_prefix="sessionflow-intra-op",
                                       initializer=_mark_worker)
        return _pool


def _mark_worker() -> None:
    _in_worker.active = True


def _forget_pool_in_child() -> None:
    """A forked child has none of the parent's pool threads: start a fresh pool on demand."""
    global _pool
    _pool = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_in_child)


class _BlasOwnsCores:
    """While held (by runs in which BLAS keeps its own threads), splits run inline: pool
    threads would only contend with BLAS's spinning workers.  Re-entrant across threads."""

    def __init__(self):
        self.holders = 0

    def __enter__(self) -> None:
        with _lock:
            self.holders += 1

    def __exit__(self, *exc) -> None:
        with _lock:
            self.holders -= 1


blas_owns_cores = _BlasOwnsCores()


def in_pool_thread() -> bool:
    """Whether this thread is running a part of a split (a pool thread, or the caller
    while it runs its own part)."""
    return getattr(_in_worker, "active", False)


def rows_per_chunk(row_bytes: int) -> int:
    """How many rows of ``row_bytes`` bytes make one chunk (at least one)."""
    return max(1, CHUNK_BYTES // max(1, row_bytes))


def run_parts(parts: list) -> None:
    """Runs ``fn(lo, hi)`` for each ``(fn, lo, hi)`` in ``parts``: the first on the calling
    thread, the others on the pool; waits for all; exceptions propagate.  Inside a part
    (on any thread) nested calls run inline, so they neither deadlock nor oversubscribe."""
    if len(parts) <= 1 or in_pool_thread() or num_threads() == 1 or blas_owns_cores.holders:
        for fn, lo, hi in parts:
            fn(lo, hi)
        return
    pool = _get_pool()
    futures = [pool.submit(fn, lo, hi) for fn, lo, hi in parts[1:]]
    _in_worker.active = True
    try:
        fn, lo, hi = parts[0]
        fn(lo, hi)
    finally:
        _in_worker.active = False
        for future in futures:
            future.result()


def for_each_chunk(n: int, grain: int, fn: Callable[[int, int], None]) -> None:
    """Calls ``fn(lo, hi)`` for consecutive ranges of at most ``grain`` items covering
    ``[0, n)``, dealt out in contiguous runs, one run per pool thread.  Exceptions
    propagate."""
    grain = max(1, int(grain))
    ranges = [(lo, min(lo + grain, n)) for lo in range(0, n, grain)]
    per = -(-len(ranges) // min(num_threads(), max(len(ranges), 1))) if ranges else 1

    def run(first, last):
        for lo, hi in ranges[first:last]:
            fn(lo, hi)
    run_parts([(run, i, i + per) for i in range(0, len(ranges), per)])


# Elementwise kernels split their work from this many output elements on.
ELEMENTWISE_MIN_ELEMENTS = 1 << 18


def elementwise(fn: Callable) -> Callable:
    """make_kernel for an elementwise kernel ``fn(*arrays)``: ops whose static output size
    is known and small get ``fn`` itself (no overhead); others a kernel whose large calls
    run over chunks of the output's leading axis (flat chunks when all operands share its
    shape) on the pool, operands broadcast along that axis passed whole."""
    def make(op, ctx):
        n = op.outputs[0].shape.num_elements()
        return fn if n is not None and n < ELEMENTWISE_MIN_ELEMENTS else split_kernel

    def split_kernel(*args):
        for a in args:
            if getattr(a, "size", 0) >= ELEMENTWISE_MIN_ELEMENTS:
                break
        else:                                   # small: no split (the common, cheap path)
            return fn(*args)
        if num_threads() == 1 or blas_owns_cores.holders:
            return fn(*args)
        arrays = [np.asarray(a) for a in args]
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
        size = int(np.prod(shape))
        if all(a.shape == shape and a.flags.c_contiguous for a in arrays):
            arrays, lead, rest = [a.reshape(-1) for a in arrays], size, ()
        else:
            lead, rest = shape[0], shape[1:]
        split = [a.ndim == len(rest) + 1 and a.shape[0] == lead for a in arrays]
        first_hi = min(lead, rows_per_chunk(max(1, size // max(lead, 1)) * 8))
        head = np.asarray(fn(*[a[:first_hi] if s else a for a, s in zip(arrays, split)]))
        if head.shape != (first_hi,) + rest:        # not elementwise after all
            return fn(*args)
        out = np.empty((lead,) + rest, dtype=head.dtype)
        out[:first_hi] = head

        def chunk(lo, hi):
            out[first_hi + lo:first_hi + hi] = fn(*[a[first_hi + lo:first_hi + hi] if s else a
                                                    for a, s in zip(arrays, split)])
        for_each_chunk(lead - first_hi, first_hi, chunk)
        return out.reshape(shape)
    return make
