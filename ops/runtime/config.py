"""The process-wide runtime settings in one object, ``RuntimeConfig``, applied by sessions.

The intra-op pool, numpy's BLAS threads and glibc's malloc thresholds are process-wide
(kernels of every session share them), so their settings live in one place: ``current()``
is the process's configuration (read from the environment on first use), and a Session
being created applies ``current().for_session(config_proto)`` (``apply``).  The pool
follows TensorFlow's rule (``LocalDevice``'s global intra-op pool): the first session
creates it with its ``intra_op_parallelism_threads``; a later session asking for another
size gets the existing pool, with a logged warning naming both sizes.  Only with
``TF_OVERRIDE_GLOBAL_THREADPOOL=true`` in the environment does each session get a pool of
its own, sized by its ConfigProto, as TensorFlow then gives each session's CPU device one.
(``use_per_session_threads`` is about TensorFlow's inter-op pools, which an in-order
executor does not have.)
"""
from __future__ import annotations

import dataclasses
import logging
import os
import threading
from typing import Any, Mapping

from . import heap, parallel

# How a plan's runs use the cores: "auto" times both ways over a plan's first runs and
# keeps the faster (session.executor.threading_tuner), "blas" leaves them to BLAS's own
# threads, "pool" holds BLAS to one thread and splits products over the intra-op pool.
BLAS_THREADING_MODES = ("auto", "blas", "pool")

_logger = logging.getLogger("sessionflow")


@dataclasses.dataclass(frozen=True)
class RuntimeConfig:
    """Settings of the process-wide runtime machinery kernels use."""

    # Intra-op pool threads; 0 = one per available core.
    intra_op_threads: int = 0
    # A pool per session instead of one per process (TF_OVERRIDE_GLOBAL_THREADPOOL).
    per_session_pools: bool = False
    # One of BLAS_THREADING_MODES.
    blas_threading: str = "auto"
    # Keep freed buffers in the heap (ops.runtime.heap); opt out with
    # SESSIONFLOW_KEEP_FREED_BUFFERS=0.  Buffers up to mmap_threshold come from the heap
    # (glibc caps it at 32 MiB on 64-bit builds); freed heap memory up to trim_threshold
    # stays mapped for reuse.
    keep_freed_buffers: bool = True
    mmap_threshold: int = 32 << 20
    trim_threshold: int = 1 << 30

    def __post_init__(self):
        if self.blas_threading not in BLAS_THREADING_MODES:
            raise ValueError(f"blas_threading must be one of {BLAS_THREADING_MODES}, got "
                             f"{self.blas_threading!r}")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> "RuntimeConfig":
        """The defaults, with the environment's ``SESSIONFLOW_KEEP_FREED_BUFFERS`` and
        ``TF_OVERRIDE_GLOBAL_THREADPOOL``."""
        return cls(keep_freed_buffers=environ.get("SESSIONFLOW_KEEP_FREED_BUFFERS") != "0",
                   per_session_pools=_env_bool(environ, "TF_OVERRIDE_GLOBAL_THREADPOOL"))

    def for_session(self, session_config: Any) -> "RuntimeConfig":
        """These settings with a session's ConfigProto (or None) applied: its
        ``intra_op_parallelism_threads`` when set (> 0)."""
        threads = getattr(session_config, "intra_op_parallelism_threads", 0) or 0
        return dataclasses.replace(self, intra_op_threads=threads) if threads > 0 else self


def _env_bool(environ: Mapping[str, str], name: str) -> bool:
    """A boolean environment variable read as TensorFlow's ``ReadBoolFromEnvVar`` does."""
    value = environ.get(name, "").strip().lower()
    if value in ("", "0", "false"):
        return False
    if value in ("1", "true"):
        return True
    _logger.error("%s: failed to parse %r as a boolean; using false", name, value)
    return False


_lock = threading.Lock()
_current: RuntimeConfig | None = None


def current() -> RuntimeConfig:
    """The process's runtime configuration (from the environment, until ``set_current``)."""
    global _current
    with _lock:
        if _current is None:
            _current = RuntimeConfig.from_environment()
        return _current


def set_current(config: RuntimeConfig) -> None:
    """Makes ``config`` the process's configuration for sessions created from now on.
    What is in effect stays: the process pool's size and the heap thresholds are set once
    per process."""
    global _current
    with _lock:
        _current = config


def apply(config: RuntimeConfig) -> parallel.IntraOpPool:
    """Puts ``config`` into effect for a session being created; returns the intra-op pool
    its runs use: a new one of its own with ``per_session_pools``, else the process pool
    (created with ``config``'s size by the first caller; a later caller asking for a
    different size gets it as it is, and a warning)."""
    if config.keep_freed_buffers:
        heap.keep_freed_buffers(config.mmap_threshold, config.trim_threshold)
    if config.per_session_pools:
        return parallel.IntraOpPool(config.intra_op_threads)
    pool = parallel.process_pool(config.intra_op_threads)
    if config.intra_op_threads > 0 and pool.size != config.intra_op_threads:
        _logger.warning(
            "intra_op_parallelism_threads=%d is ignored: the process-wide intra-op pool "
            "already has %d threads (the first session sized it, as in TensorFlow); set "
            "TF_OVERRIDE_GLOBAL_THREADPOOL=true for a pool per session",
            config.intra_op_threads, pool.size)
    return pool
