"""Graph-building cost: a 500-layer chain h = tanh(h @ W_i + 0.1) and gradients() w.r.t. all W_i."""
from __future__ import annotations

import time

import numpy as np

import sessionflow as sf

from .timing import print_table, try_import_tensorflow

DEPTH = 500


def _build_and_differentiate(lib) -> tuple[float, float]:
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal((8, 8)).astype(np.float32) * 0.3 for _ in range(DEPTH)]
    graph = lib.Graph()
    with graph.as_default():
        start = time.perf_counter()
        h = lib.placeholder(lib.float32, [4, 8])
        ws = []
        for w in weights:
            w_t = lib.constant(w)
            ws.append(w_t)
            h = lib.tanh(lib.matmul(h, w_t) + 0.1)
        loss = lib.reduce_sum(h)
        built = time.perf_counter()
        lib.gradients(loss, ws)
        done = time.perf_counter()
    return (built - start) * 1e3, (done - built) * 1e3


def run() -> None:
    best = lambda lib: min((_build_and_differentiate(lib) for _ in range(3)),  # noqa: E731
                           key=lambda t: t[0] + t[1])
    sf_build, sf_grad = best(sf)
    tf = try_import_tensorflow()
    tf_build = tf_grad = None
    if tf is not None:
        tf_build, tf_grad = best(tf)
    print_table(f"Build a {DEPTH}-layer chain + gradients(): ms (best of 3)",
                [("build", {"sessionflow": sf_build, "tensorflow": tf_build}),
                 ("gradients", {"sessionflow": sf_grad, "tensorflow": tf_grad}),
                 ("total", {"sessionflow": sf_build + sf_grad,
                            "tensorflow": None if tf is None else tf_build + tf_grad})],
                baseline="tensorflow" if tf is not None else "sessionflow", unit="ms")


if __name__ == "__main__":
    run()
