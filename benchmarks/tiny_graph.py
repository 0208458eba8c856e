"""Per-call overhead: a tiny graph (x[2,4] -> 10 x tanh(x*1.01+0.1) -> sum) and its gradient.

Compares one ``Session.run`` with hand-written numpy doing the same math (the floor), and
with TensorFlow's compat.v1 Session when TensorFlow is installed.
"""
from __future__ import annotations

import numpy as np

import sessionflow as sf

from .timing import best_us, print_table, try_import_tensorflow

LAYERS = 10


def _numpy_loss(x):
    h = x
    for _ in range(LAYERS):
        h = np.tanh(h * np.float32(1.01) + np.float32(0.1))
    return h.sum()


def _numpy_grad(x):
    hs, h = [], x
    for _ in range(LAYERS):
        h = np.tanh(h * np.float32(1.01) + np.float32(0.1))
        hs.append(h)
    g = np.ones_like(h)
    for h in reversed(hs):
        g = g * (1 - h * h) * np.float32(1.01)
    return g


def _build(lib):
    x = lib.placeholder(lib.float32, [2, 4])
    h = x
    for _ in range(LAYERS):
        h = lib.tanh(h * 1.01 + 0.1)
    loss = lib.reduce_sum(h)
    grad, = lib.gradients(loss, x)
    return x, loss, grad


def run() -> None:
    x_value = np.random.default_rng(0).random((2, 4)).astype(np.float32)
    results = {"loss": {}, "gradient": {}}
    results["loss"]["numpy"] = best_us(lambda: _numpy_loss(x_value), 5000)
    results["gradient"]["numpy"] = best_us(lambda: _numpy_grad(x_value), 5000)
    graph = sf.Graph()
    with graph.as_default():
        x, loss, grad = _build(sf)
    with sf.Session(graph=graph) as sess:
        np.testing.assert_allclose(sess.run(grad, {x: x_value}), _numpy_grad(x_value), rtol=1e-4)
        results["loss"]["sessionflow"] = best_us(lambda: sess.run(loss, {x: x_value}), 5000)
        results["gradient"]["sessionflow"] = best_us(lambda: sess.run(grad, {x: x_value}), 5000)
    tf = try_import_tensorflow()
    for key in results:
        results[key]["tensorflow"] = None
    if tf is not None:
        g = tf.Graph()
        with g.as_default():
            x, loss, grad = _build(tf)
        with tf.Session(graph=g) as sess:
            results["loss"]["tensorflow"] = best_us(lambda: sess.run(loss, {x: x_value}), 2000)
            results["gradient"]["tensorflow"] = best_us(lambda: sess.run(grad, {x: x_value}),
                                                        2000)
    print_table("Tiny graph: µs per Session.run (best of 7)",
                [(k, v) for k, v in results.items()], baseline="numpy")


if __name__ == "__main__":
    run()
