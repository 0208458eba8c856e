"""Keeps freed tensor buffers in the process heap so the next step reuses them.

glibc serves every allocation above its mmap threshold (128 KiB at start) with a fresh
``mmap`` and returns it with ``munmap`` when freed, so each step of a conv net pays a page
fault per 4 KiB of every activation, gradient and scratch buffer: on the tutorial CNN that
is a third of the step.  TensorFlow avoids this with its own (BFC) allocator; numpy uses
``malloc``, so the first Session raises glibc's mmap and trim thresholds (their values and
the opt-out are settings of ``ops.runtime.config``) and freed buffers are recycled from the
heap instead.  Other C libraries are left as they are.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys
import threading

# mallopt parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

_lock = threading.Lock()
_applied: bool | None = None


def _glibc():
    """glibc's ``libc`` when this process runs on it, else None."""
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c") or "libc.so.6"
    try:
        libc = ctypes.CDLL(name)
        libc.gnu_get_libc_version.restype = ctypes.c_char_p
        libc.gnu_get_libc_version()
    except (OSError, AttributeError):
        return None
    return libc


def keep_freed_buffers(mmap_threshold: int, trim_threshold: int) -> bool:
    """Sets glibc's mmap threshold (buffers up to it come from the heap) and trim threshold
    (freed heap memory up to it stays mapped), once per process: later calls change
    nothing.  True when glibc accepted them."""
    global _applied
    with _lock:
        if _applied is None:
            libc = _glibc()
            _applied = libc is not None and \
                bool(libc.mallopt(_M_MMAP_THRESHOLD, mmap_threshold)) and \
                bool(libc.mallopt(_M_TRIM_THRESHOLD, trim_threshold))
        return _applied
