"""Matrix products on the intra-op pool, with BLAS itself held to one thread during a run.

OpenBLAS's worker threads busy-wait for ~0.1 s after every threaded call, so in a training
step (a GEMM every few milliseconds) they never sleep and starve the intra-op pool's
threads, which then cannot speed up the memory-bound kernels between GEMMs.  TensorFlow
owns its cores with one pool; so can we: during a run in "pool mode" (chosen per plan by
``session.executor.threading_tuner``), numpy's BLAS is set to one thread
(``single_threaded_blas``, through threadpoolctl, so OpenBLAS, MKL and BLIS alike on any
platform; restored afterwards, so user code outside a run keeps its BLAS threads),
``matmul`` splits each large product into one slice per pool thread (along the batch, the
rows, the columns or, for long thin products, the inner dimension with the partial
products summed) and kernels with several products per call split their batch once
(``split_batch``, ``sum_over_batch``).  When no BLAS library can be controlled, products
are left to BLAS's own threads.
"""
from __future__ import annotations

import threading

import numpy as np
from threadpoolctl import ThreadpoolController

from .parallel import for_each_chunk, in_pool_thread, num_threads, run_parts

# Products under this many multiply-adds are not worth splitting.
_SPLIT_MIN_MACS = 1 << 20
# A split slice keeps at least this many rows/columns (BLAS kernels work in panels).
_SPLIT_MIN_EXTENT = 32


class _SingleThreadedBlas:
    """Holds numpy's BLAS to one thread while any run is inside (re-entrant across
    threads; ``holders`` counts them).  The BLAS libraries are called on the first entry
    and the last exit only, so nested and concurrent runs cost a counter update."""

    def __init__(self):
        self.holders = 0
        self._lock = threading.Lock()
        self._blas = None              # threadpoolctl's controller of the BLAS libraries
        self._looked_up = False
        self._limit = None             # what restores their thread counts

    def controls(self) -> bool:
        """Whether a BLAS library was found whose threads can be set (looked up once)."""
        with self._lock:
            return self._controller() is not None

    def _controller(self):
        if not self._looked_up:
            blas = ThreadpoolController().select(user_api="blas")
            self._blas, self._looked_up = (blas if len(blas) else None), True
        return self._blas

    def __enter__(self) -> None:
        with self._lock:
            blas = self._controller()
            if blas is not None:
                if self.holders == 0:
                    self._limit = blas.limit(limits=1)
                self.holders += 1

    def __exit__(self, *exc) -> None:
        with self._lock:
            if self._blas is not None:
                self.holders -= 1
                if self.holders == 0:
                    self._limit.restore_original_limits()
                    self._limit = None


single_threaded_blas = _SingleThreadedBlas()


def controls_blas() -> bool:
    """Whether numpy's BLAS threads can be held to one during runs (then ``matmul`` splits
    products over the pool)."""
    return single_threaded_blas.controls()


def batch_ranges(n: int) -> list[tuple[int, int]]:
    """The batch [0, n) as one range per pool thread when the pool owns the cores (during a
    run in that mode, outside pool threads, at least two rows per thread), else whole:
    kernels with several GEMMs per call (the DFT convolutions) then split once by batch."""
    threads = num_threads()
    if single_threaded_blas.holders == 0 or threads == 1 or n < 2 * threads or in_pool_thread():
        return [(0, n)]
    return _bounds(n, threads)


def split_batch(n: int, part, tail: tuple, dtype, epilogue=None, grain: int | None = None):
    """``part(lo, hi, out)`` (an NHWC result for batch rows [lo, hi), written into ``out``
    when it is not None, else returned, maybe as a strided view) over the whole batch,
    then ``epilogue`` (in place) on each piece.  One call unless the pool owns the cores:
    then the batch is split into one range per thread (``batch_ranges``), or into ranges
    of ``grain`` rows dealt out to the threads (each piece still in cache for its
    epilogue), all written into one fresh array."""
    ranges = batch_ranges(n)
    if len(ranges) == 1:
        result = part(0, n, None)
        if epilogue is not None:
            result = np.ascontiguousarray(result)      # the epilogue's fast layout
            epilogue(result)
        return result
    out = np.empty((n,) + tail, dtype=dtype)

    def write(lo, hi):
        piece = out[lo:hi]
        result = part(lo, hi, piece)
        if result is not piece:
            piece[...] = result
        if epilogue is not None:
            epilogue(piece)
    if grain is None:
        run_parts([(write, lo, hi) for lo, hi in ranges])
    else:
        for_each_chunk(n, grain, write)
    return out


def sum_over_batch(n: int, part):
    """The sum of ``part(lo, hi)`` over the batch, split over the pool as above."""
    ranges = batch_ranges(n)
    if len(ranges) == 1:
        return part(0, n)
    results = [None] * len(ranges)

    def keep(i, _):
        results[i] = part(*ranges[i])
    run_parts([(keep, i, i + 1) for i in range(len(ranges))])
    total = results[0]
    for r in results[1:]:
        total += r
    return total


def _bounds(extent: int, parts: int) -> list[tuple[int, int]]:
    step = -(-extent // parts)
    return [(lo, min(lo + step, extent)) for lo in range(0, extent, step)]


def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``np.matmul(a, b, out=out)``, split over the intra-op pool when large and BLAS is
    held to one thread (``single_threaded_blas``)."""
    if (single_threaded_blas.holders == 0 or a.ndim < 2 or b.ndim < 2
            or a.size * b.shape[-1] < _SPLIT_MIN_MACS or a.dtype != b.dtype
            or a.dtype.kind not in "fc" or num_threads() == 1):
        return np.matmul(a, b, out=out)
    threads = num_threads()
    m, k = a.shape[-2:]
    n = b.shape[-1]
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    batch_size = int(np.prod(batch))
    if out is None:
        out = np.empty(batch + (m, n), dtype=np.result_type(a, b))
    if batch_size >= threads and len(batch) >= 1:
        a = np.broadcast_to(a, batch + (m, k))
        b = np.broadcast_to(b, batch + (k, n))
        parts = [(lambda lo, hi: np.matmul(a[lo:hi], b[lo:hi], out=out[lo:hi]), lo, hi)
                 for lo, hi in _bounds(batch[0], threads)]
    elif m >= max(n, threads * _SPLIT_MIN_EXTENT):
        parts = [(lambda lo, hi: np.matmul(a[..., lo:hi, :], b, out=out[..., lo:hi, :]),
                  lo, hi) for lo, hi in _bounds(m, threads)]
    elif n >= threads * _SPLIT_MIN_EXTENT:
        parts = [(lambda lo, hi: np.matmul(a, b[..., lo:hi], out=out[..., lo:hi]), lo, hi)
                 for lo, hi in _bounds(n, threads)]
    elif k >= threads * _SPLIT_MIN_EXTENT:
        partial = [np.empty_like(out) for _ in range(threads - 1)]
        bounds = _bounds(k, threads)
        targets = [out] + partial[:len(bounds) - 1]
        run_parts([(lambda lo, hi, t=t: np.matmul(a[..., lo:hi], b[..., lo:hi, :], out=t),
                    lo, hi) for t, (lo, hi) in zip(targets, bounds)])
        for t in targets[1:]:
            out += t
        return out
    else:
        return np.matmul(a, b, out=out)
    run_parts(parts)
    return out
