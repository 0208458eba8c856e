"""Per-call overhead: a tiny graph (x[2,4] -> 10 x tanh(x*1.01+0.1) -> sum) and its gradient.

Compares one ``Session.run`` with hand-written numpy doing the same math (the floor), and
with TensorFlow's compat.v1 Session when TensorFlow is installed; x is a placeholder of
static shape [2, 4], and of shape [None, 4] as real programs declare it (the gradient's
shape bookkeeping then folds only in plans specialised on the fed shape).
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


PLACEHOLDER_SHAPES = ([2, 4], [None, 4])


def _build(lib, shape):
    x = lib.placeholder(lib.float32, shape)
    h = x
    for _ in range(LAYERS):
        h = lib.tanh(h * 1.01 + 0.1)
    loss = lib.reduce_sum(h)
    grad, = lib.gradients(loss, x)
    return x, loss, grad


def _case(name: str, shape: list) -> str:
    return f"{name} {shape}".replace("None", "?")


def run() -> None:
    x_value = np.random.default_rng(0).random((2, 4)).astype(np.float32)
    results = {}
    for shape in PLACEHOLDER_SHAPES:
        results[_case("loss", shape)] = {"numpy": best_us(lambda: _numpy_loss(x_value), 5000)}
        results[_case("gradient", shape)] = {
            "numpy": best_us(lambda: _numpy_grad(x_value), 5000)}
        graph = sf.Graph()
        with graph.as_default():
            x, loss, grad = _build(sf, shape)
        with sf.Session(graph=graph) as sess:
            np.testing.assert_allclose(sess.run(grad, {x: x_value}), _numpy_grad(x_value),
                                       rtol=1e-4)
            results[_case("loss", shape)]["sessionflow"] = best_us(
                lambda: sess.run(loss, {x: x_value}), 5000)
            results[_case("gradient", shape)]["sessionflow"] = best_us(
                lambda: sess.run(grad, {x: x_value}), 5000)
    tf = try_import_tensorflow()
    for key in results:
        results[key]["tensorflow"] = None
    if tf is not None:
        for shape in PLACEHOLDER_SHAPES:
            g = tf.Graph()
            with g.as_default():
                x, loss, grad = _build(tf, shape)
            with tf.Session(graph=g) as sess:
                results[_case("loss", shape)]["tensorflow"] = best_us(
                    lambda: sess.run(loss, {x: x_value}), 2000)
                results[_case("gradient", shape)]["tensorflow"] = best_us(
                    lambda: sess.run(grad, {x: x_value}), 2000)
    print_table("Tiny graph: µs per Session.run (best of 7)",
                [(k, v) for k, v in sorted(results.items())], baseline="numpy")


if __name__ == "__main__":
    run()
