"""Chooses, per plan, who owns the cores: BLAS's own threads or the intra-op pool.

GEMM-bound plans (an MLP step) run fastest with OpenBLAS threading each product itself:
its spinning workers hand off in microseconds (the intra-op pool then stays idle, as its
threads would only contend with them).  Plans with many memory-bound kernels
between their products (a conv net) run fastest with BLAS held to one thread and the
intra-op pool splitting both the products and those kernels (``ops.blas``).  A plan's
first runs time a block of runs in each mode; the faster mode is kept from then on
(unless ``RuntimeConfig.blas_threading`` fixes the mode).
The modes' results differ by rounding only (a product split along its inner dimension
adds partial products).
"""
from __future__ import annotations

import time
from typing import Callable

from ...ops.runtime.blas import controls_blas, single_threaded_blas
from ...ops.runtime.parallel import blas_owns_cores

# Timed runs per mode before choosing (after one untimed run at the start of each block).
TRIALS = 5
# Plans whose first run is faster than this keep BLAS's threads (nothing to win).
MIN_TUNED_SECONDS = 2e-3


class ThreadingTuner:
    """Runs a plan in the mode chosen for it, timing both modes over its first runs."""

    __slots__ = ("_native", "_pool", "_runs", "pool_mode")

    def __init__(self, blas_threading: str = "auto"):
        self._native: list[float] = []
        self._pool: list[float] = []
        self._runs = 0
        fixed = {"auto": None, "blas": False, "pool": True}[blas_threading]
        self.pool_mode: bool | None = fixed if controls_blas() else False

    def run(self, fn: Callable[[], list]) -> list:
        mode = self.pool_mode
        if mode is not None:
            with single_threaded_blas if mode else blas_owns_cores:
                return fn()
        mode = self._runs > TRIALS                  # a block of native runs, then of pool
        start = time.perf_counter()
        with single_threaded_blas if mode else blas_owns_cores:
            result = fn()
        self._record(mode, time.perf_counter() - start)
        return result

    def _record(self, pool: bool, seconds: float) -> None:
        """Times the runs of each block but its first (threads and caches settle after a
        mode switch: OpenBLAS's workers keep spinning for a while after their last call)."""
        first_of_block = self._runs in (0, TRIALS + 1)
        self._runs += 1
        if first_of_block:
            if self._runs == 1 and seconds < MIN_TUNED_SECONDS:
                self.pool_mode = False
            return
        (self._pool if pool else self._native).append(seconds)
        if len(self._pool) >= TRIALS:
            self.pool_mode = min(self._pool) < min(self._native)
