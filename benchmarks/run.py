"""Runs every benchmark and prints its ratio table: ``python -m benchmarks.run``."""
from __future__ import annotations

from . import build_gradients, conv_pool, tiny_graph, training_step, whole_programs

BENCHMARKS = [tiny_graph, build_gradients, conv_pool, training_step, whole_programs]


def main() -> None:
    for bench in BENCHMARKS:
        bench.run()


if __name__ == "__main__":
    main()
