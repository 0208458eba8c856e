"""Keeps freed tensor buffers in the process heap so the next step reuses them.

glibc serves every allocation above its mmap threshold (128 KiB at start) with a fresh
``mmap`` and returns it with ``munmap`` when freed, so each step of a conv net pays a page
fault per 4 KiB of every activation, gradient and scratch buffer: on the tutorial CNN that
is a third of the step.  TensorFlow avoids this with its own (BFC) allocator; numpy uses
``malloc``, so the Session raises glibc's mmap and trim thresholds once per process and
freed buffers are recycled from the heap instead.  Opt out with the environment variable
``SESSIONFLOW_KEEP_FREED_BUFFERS=0``.  Other C libraries are left as they are.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading

# mallopt parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

# Buffers up to this size come from the heap; freed heap memory up to the trim threshold
# stays mapped for reuse.  (glibc caps the mmap threshold at 32 MiB on 64-bit builds.)
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 1 << 30

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


def keep_freed_buffers() -> bool:
    """Applies the thresholds once per process; True when glibc accepted them."""
    global _applied
    with _lock:
        if _applied is None:
            _applied = False
            libc = None if os.environ.get("SESSIONFLOW_KEEP_FREED_BUFFERS") == "0" \
                else _glibc()
            if libc is not None:
                _applied = bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
                    bool(libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
        return _applied
