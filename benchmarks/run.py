"""Runs every benchmark and prints its ratio table: ``python -m benchmarks.run``."""
from __future__ import annotations

from . import build_gradients, conv_pool, tiny_graph

BENCHMARKS = [tiny_graph, build_gradients, conv_pool]


def main() -> None:
    for bench in BENCHMARKS:
        bench.run()


if __name__ == "__main__":
    main()
