"""Intra-op parallelism: TensorFlow's intra-op thread pool, for numpy kernels.

A kernel that makes several elementwise passes over a large array (pooling, optimizer
updates, big elementwise ops) runs them on cache-sized chunks, so each pass after the
first reads from cache instead of memory, and hands the chunks to the intra-op pool
(numpy releases the GIL inside its loops).  In runs where the pool owns the cores
(``ops.runtime.blas``), GEMMs and convolutions are split over it too.  There is one pool
per process, sized by its first user (``process_pool``: the first Session, from
``ConfigProto.intra_op_parallelism_threads``, 0 = one thread per available core), as in
TensorFlow; a session with a pool of its own (``ops.runtime.config``) makes it current on
its thread for the length of each run (``using_pool``).
"""
from __future__ import annotations

import os
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np

# Chunks of about this many bytes of the largest operand keep a kernel's scratch arrays in
# the per-core L2 cache.
CHUNK_BYTES = 1 << 20


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:       # not Linux
        return max(1, os.cpu_count() or 1)


def pool_size(requested: int) -> int:
    """The threads a pool asked for ``requested`` threads gets (0 or less: one per core)."""
    return int(requested) if requested and requested > 0 else available_cores()


class IntraOpPool:
    """A fixed number of intra-op threads (0 or less: one per available core), started
    on first use."""

    def __init__(self, size: int):
        self.size = pool_size(size)
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        _all_pools.add(self)

    def executor(self) -> ThreadPoolExecutor:
        """The threads, started on the first call."""
        executor = self._executor
        if executor is None:
            with self._lock:
                if self._executor is None:
                    self._executor = ThreadPoolExecutor(
                        self.size, thread_name_prefix="sessionflow-intra-op",
                        initializer=_mark_worker)
                executor = self._executor
        return executor

    def shutdown(self) -> None:
        """Lets the threads end once their work is done; a later use starts new ones."""
        with self._lock:
            old, self._executor = self._executor, None
        if old is not None:
            old.shutdown(wait=False)

    def _forget_threads(self) -> None:
        """In a forked child, which has none of the parent's threads."""
        self._executor = None


class _ThreadState(threading.local):
    active = False                      # running a part of a split
    pool: IntraOpPool | None = None     # a session's own pool, during its runs


_thread = _ThreadState()
_all_pools: weakref.WeakSet = weakref.WeakSet()
_process_lock = threading.Lock()
_process_pool: IntraOpPool | None = None
# Set (for good) when a session first runs on a pool of its own; until then kernels skip
# the thread-local lookup.
_pools_per_thread = False


def process_pool(size: int = 0) -> IntraOpPool:
    """The process-wide pool.  The first call creates it with ``size`` threads (0 or less:
    one per available core); later calls get that pool whatever they ask for."""
    global _process_pool
    with _process_lock:
        if _process_pool is None:
            _process_pool = IntraOpPool(size)
        return _process_pool


def set_num_threads(n: int) -> None:
    """Replaces the process-wide pool by one of ``n`` threads (0 or less: one per core).
    For programs and tests that own the process; sessions never resize the pool."""
    global _process_pool
    with _process_lock:
        old = _process_pool
        if old is not None and old.size == pool_size(n):
            return
        _process_pool = IntraOpPool(n)
    if old is not None:
        old.shutdown()


def _current_pool() -> IntraOpPool:
    if _pools_per_thread and _thread.pool is not None:
        return _thread.pool
    return _process_pool or process_pool()


def num_threads() -> int:
    """The size of the pool this thread's kernels split their work over."""
    return _current_pool().size


class using_pool:
    """Makes ``pool`` the one this thread's kernels use while the block runs (a session
    with a pool of its own, during a run; one instance per use)."""

    __slots__ = ("_pool", "_outer")

    def __init__(self, pool: IntraOpPool):
        self._pool = pool

    def __enter__(self) -> None:
        global _pools_per_thread
        _pools_per_thread = True
        self._outer, _thread.pool = _thread.pool, self._pool

    def __exit__(self, *exc) -> None:
        _thread.pool = self._outer


def _mark_worker() -> None:
    _thread.active = True


def _forget_threads_in_child() -> None:
    for pool in list(_all_pools):
        pool._forget_threads()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_threads_in_child)


class _BlasOwnsCores:
    """While held (by runs in which BLAS keeps its own threads), splits run inline: pool
    threads would only contend with BLAS's spinning workers.  Re-entrant across threads."""

    def __init__(self):
        self.holders = 0
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        with self._lock:
            self.holders += 1

    def __exit__(self, *exc) -> None:
        with self._lock:
            self.holders -= 1


blas_owns_cores = _BlasOwnsCores()


def in_pool_thread() -> bool:
    """Whether this thread is running a part of a split (a pool thread, or the caller
    while it runs its own part)."""
    return _thread.active


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
    executor = _current_pool().executor()
    futures = [executor.submit(fn, lo, hi) for fn, lo, hi in parts[1:]]
    _thread.active = True
    try:
        fn, lo, hi = parts[0]
        fn(lo, hi)
    finally:
        _thread.active = False
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
