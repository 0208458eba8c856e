"""Matrix products on the intra-op pool, with BLAS itself held to one thread during a run.

OpenBLAS's worker threads busy-wait for ~0.1 s after every threaded call, so in a training
step (a GEMM every few milliseconds) they never sleep and starve the intra-op pool's
threads, which then cannot speed up the memory-bound kernels between GEMMs.  TensorFlow
owns its cores with one pool; so can we: during a run in "pool mode" (chosen per plan by
``session.threading_tuner``), numpy's OpenBLAS is set to one thread
(``single_threaded_blas``, restored afterwards, so user code outside a run keeps its BLAS
threads), ``matmul`` splits each large product into one slice per pool thread (along the
batch, the rows, the columns or, for long thin products, the inner dimension with the
partial products summed) and kernels with several products per call split their batch
once (``split_batch``, ``sum_over_batch``).  When the BLAS library cannot be controlled
(not OpenBLAS, or not found) products are left to BLAS's own threads.
"""
from __future__ import annotations

import ctypes
import threading

import numpy as np

from .parallel import for_each_chunk, in_pool_thread, num_threads, run_parts

# Products under this many multiply-adds are not worth splitting.
_SPLIT_MIN_MACS = 1 << 20
# A split slice keeps at least this many rows/columns (BLAS kernels work in panels).
_SPLIT_MIN_EXTENT = 32

_SETTER_NAMES = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
                 "openblas_set_num_threads64_", "openblas_set_num_threads")
_GETTER_NAMES = tuple(n.replace("set_", "get_") for n in _SETTER_NAMES)


def _find_openblas():
    """(set_num_threads, get_num_threads) of the OpenBLAS numpy loaded, or None."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps
                     if "openblas" in line.lower() and ".so" in line}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for set_name, get_name in zip(_SETTER_NAMES, _GETTER_NAMES):
            if hasattr(lib, set_name) and hasattr(lib, get_name):
                setter, getter = getattr(lib, set_name), getattr(lib, get_name)
                setter.argtypes, setter.restype = [ctypes.c_int], None
                getter.argtypes, getter.restype = [], ctypes.c_int
                return setter, getter
    return None


_lock = threading.Lock()
_openblas = None
_looked_up = False
_active_runs = 0
_saved_threads = 1


def _control():
    global _openblas, _looked_up
    if not _looked_up:
        np.ones((2, 2)) @ np.ones((2, 2))      # make sure numpy's BLAS is loaded
        _openblas, _looked_up = _find_openblas(), True
    return _openblas


def controls_blas() -> bool:
    """Whether numpy's BLAS threads can be held to one during runs (then ``matmul`` splits
    products over the pool)."""
    with _lock:
        return _control() is not None


class _SingleThreadedBlas:
    """Holds numpy's OpenBLAS to one thread while any run is inside (re-entrant across
    threads); restores the previous count when the last one leaves."""

    def __enter__(self) -> None:
        global _active_runs, _saved_threads
        with _lock:
            control = _control()
            if control is not None:
                if _active_runs == 0:
                    _saved_threads = control[1]()
                    control[0](1)
                _active_runs += 1

    def __exit__(self, *exc) -> None:
        global _active_runs
        with _lock:
            if _openblas is not None:
                _active_runs -= 1
                if _active_runs == 0:
                    _openblas[0](_saved_threads)


single_threaded_blas = _SingleThreadedBlas()


def batch_ranges(n: int) -> list[tuple[int, int]]:
    """The batch [0, n) as one range per pool thread when the pool owns the cores (during a
    run in that mode, outside pool threads, at least two rows per thread), else whole:
    kernels with several GEMMs per call (the DFT convolutions) then split once by batch."""
    threads = num_threads()
    if _active_runs == 0 or threads == 1 or n < 2 * threads or in_pool_thread():
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
    if (_active_runs == 0 or a.ndim < 2 or b.ndim < 2 or a.size * b.shape[-1] < _SPLIT_MIN_MACS
            or a.dtype != b.dtype or a.dtype.kind not in "fc" or num_threads() == 1):
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
