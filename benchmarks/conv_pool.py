"""Conv2D/MaxPool time on the TF1-tutorial shapes, forward and forward+backward.

Batch 128 of 28x28x1 -> Conv2D 5x5x32 SAME -> MaxPool 2x2/2 -> Conv2D 5x5x64 SAME ->
MaxPool 2x2/2, loss = sum of squares; the backward pass fetches the gradients of both
filters and of the input (so Conv2DBackpropInput, Conv2DBackpropFilter and MaxPoolGrad
all run). sessionflow and TensorFlow's compat.v1 Session (when installed) side by side.
"""
from __future__ import annotations

import numpy as np

import sessionflow as sf

from .timing import best_us, print_table, settle, try_import_tensorflow

BATCH = 128


def _build(lib, w1_value, w2_value):
    x = lib.placeholder(lib.float32, [BATCH, 28, 28, 1])
    w1, w2 = lib.constant(w1_value), lib.constant(w2_value)
    h = lib.nn.conv2d(x, w1, [1, 1, 1, 1], "SAME")
    h = lib.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    h = lib.nn.conv2d(h, w2, [1, 1, 1, 1], "SAME")
    h = lib.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    loss = lib.reduce_sum(h * h)
    return x, h, lib.gradients(loss, [x, w1, w2])


def _time_ms(lib, values) -> dict[str, float]:
    """Best ms per forward and per forward+backward ``Session.run`` of ``lib``."""
    x_value, w1_value, w2_value = values
    graph = lib.Graph()
    with graph.as_default():
        x, out, grads = _build(lib, w1_value, w2_value)
    with lib.Session(graph=graph) as sess:
        return {"forward": best_us(lambda: sess.run(out, {x: x_value}), 5, 5, 15) / 1e3,
                "forward+backward": best_us(lambda: sess.run(grads, {x: x_value}), 3, 5, 15)
                / 1e3}


def run() -> None:
    rng = np.random.default_rng(0)
    values = (rng.random((BATCH, 28, 28, 1), dtype=np.float32),
              (rng.standard_normal((5, 5, 1, 32)) * 0.1).astype(np.float32),
              (rng.standard_normal((5, 5, 32, 64)) * 0.1).astype(np.float32))
    settle()                        # TensorFlow's workers from an earlier benchmark
    times = {"sessionflow": _time_ms(sf, values)}
    tf = try_import_tensorflow()
    if tf is not None:
        times["tensorflow"] = _time_ms(tf, values)
    rows = [(case, {system: t[case] for system, t in times.items()})
            for case in ("forward", "forward+backward")]
    print_table(f"Conv2D/MaxPool, TF1-tutorial CNN, batch {BATCH}: ms per Session.run "
                f"(best of 5)", rows, baseline="tensorflow" if tf is not None else
                "sessionflow", unit="ms")


if __name__ == "__main__":
    run()
