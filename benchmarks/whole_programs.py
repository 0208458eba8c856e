"""Whole TF1 tutorial programs, end to end: graph building, first-run plan building,
training loops, evaluation fetches, summaries and checkpoints, as users run them.

The programs are tests/training/tutorial_programs.py (each ``run_<name>(tf)`` is an
ordinary TF1 program on a ``tf`` module passed in), timed with sessionflow and with
TensorFlow's compat.v1 in one process: wall time and CPU time per program, best of
``REPEAT``. ``--busy-core`` repeats the table while another process keeps one core busy.
Run from the repository root: ``python -m benchmarks.whole_programs [--busy-core]``.
"""
from __future__ import annotations

import subprocess
import sys
import time
from typing import Callable

import sessionflow as sf

from tests.training import tutorial_programs

from .timing import print_table, settle, try_import_tensorflow

REPEAT = 3


def _best_seconds(program: Callable, tf) -> tuple[float, float]:
    """Best wall and CPU seconds of ``program(tf)`` over ``REPEAT`` runs, each on a fresh
    default graph (as a user's script starts)."""
    wall, cpu = float("inf"), float("inf")
    for _ in range(REPEAT):
        tf.reset_default_graph()
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        program(tf)
        wall = min(wall, time.perf_counter() - start_wall)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall, cpu


def _table(title: str) -> None:
    tf = try_import_tensorflow()
    wall_rows, cpu_rows = [], []
    for name, program in tutorial_programs.PROGRAMS.items():
        ours = _best_seconds(program, sf)
        settle()
        theirs = _best_seconds(program, tf) if tf is not None else (None, None)
        settle()
        for rows, i in ((wall_rows, 0), (cpu_rows, 1)):
            rows.append((name, {"sessionflow": ours[i] * 1e3,
                                "tensorflow": None if theirs[i] is None else theirs[i] * 1e3}))
    baseline = "tensorflow" if tf is not None else "sessionflow"
    print_table(title + ", wall", wall_rows, baseline=baseline, unit="ms")
    print_table(title + ", CPU", cpu_rows, baseline=baseline, unit="ms")


def run(busy_core: bool = False) -> None:
    _table("Whole tutorial programs: ms per program (best of 3)")
    if busy_core:
        spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            _table("The same with one core kept busy by another process")
        finally:
            spinner.kill()
            spinner.wait(timeout=10)


if __name__ == "__main__":
    run(busy_core="--busy-core" in sys.argv[1:])
