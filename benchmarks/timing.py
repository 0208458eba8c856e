"""Shared benchmark helpers: best-of-N timing and a side-by-side ratio table.

Importing this applies sessionflow's process-wide runtime settings (``ops/runtime/config.py``:
the heap thresholds of ``ops/runtime/heap.py``) up front, so every column (hand-written
numpy, sessionflow, TensorFlow) runs with the same allocator, whichever is measured first.
"""
from __future__ import annotations

import time
import timeit
from typing import Callable

from sessionflow.ops.runtime import config as runtime_config

runtime_config.apply(runtime_config.current())


def best_us(fn: Callable[[], object], number: int = 500, repeat: int = 7,
            warmup: int = 1) -> float:
    """Best per-call time in µs over ``repeat`` runs of ``number`` calls (after ``warmup``
    untimed calls: for plans, enough for sessionflow's threading choice to settle)."""
    for _ in range(warmup):
        fn()
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def settle(seconds: float = 1.0) -> None:
    """Waits for other libraries' spinning worker threads (TensorFlow's OpenMP workers,
    OpenBLAS's) to go to sleep before the next measurement."""
    time.sleep(seconds)


def try_import_tensorflow():
    """TensorFlow's compat.v1 module when installed (an optional comparison), else None."""
    try:
        import tensorflow as tf  # noqa: PLC0415
    except ImportError:
        return None
    tf.compat.v1.disable_eager_execution()
    return tf.compat.v1


def print_table(title: str, rows: list[tuple[str, dict[str, float | None]]],
                baseline: str, unit: str = "µs") -> None:
    """Rows of timings per system, with each system's ratio to ``baseline``."""
    systems = list(rows[0][1])
    print(f"\n{title}")
    header = f"{'case':<28}" + "".join(f"{s + ' ' + unit:>18}" for s in systems) + \
        "".join(f"{s + '/' + baseline:>24}" for s in systems if s != baseline)
    print(header)
    print("-" * len(header))
    for case, times in rows:
        base = times[baseline]
        line = f"{case:<28}" + "".join(
            f"{(f'{t:.1f}' if t is not None else 'n/a'):>18}" for t in times.values())
        line += "".join(f"{(f'{t / base:.2f}x' if t is not None else 'n/a'):>24}"
                        for s, t in times.items() if s != baseline)
        print(line)
