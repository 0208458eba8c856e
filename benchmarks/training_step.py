"""Training-step time: MLP 784-512-512-10 with SGD, and the TF1-tutorial CNN with Adam.

Columns: hand-written numpy (forward, backward, in-place SGD), sessionflow, and
TensorFlow's compat.v1 when it is importable. Batch 256 (MLP) and 128 (CNN).
"""
from __future__ import annotations

import time

import numpy as np

import sessionflow as sf

from .timing import print_table, settle, try_import_tensorflow


# Untimed steps first: caches, allocator and sessionflow's per-plan threading choice
# (session/threading_tuner.py, decided within the first dozen runs) settle.
WARMUP_STEPS = 15


def _best_ms(fn, steps: int, repeat: int = 5) -> float:
    for _ in range(WARMUP_STEPS):
        fn()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(steps):
            fn()
        best = min(best, (time.perf_counter() - start) / steps)
    return best * 1e3


def _mlp_data(rng, batch: int = 256):
    x = rng.random((batch, 784), dtype=np.float32)
    labels = rng.integers(0, 10, batch)
    y = np.eye(10, dtype=np.float32)[labels]
    return x, y


def _numpy_mlp_step_fn(x, y, rng):
    w = [rng.standard_normal(s).astype(np.float32) * 0.05 for s in ((784, 512), (512, 512),
                                                                    (512, 10))]
    b = [np.zeros(n, np.float32) for n in (512, 512, 10)]
    lr = np.float32(0.01)

    def step():
        h1 = np.maximum(x @ w[0] + b[0], 0)
        h2 = np.maximum(h1 @ w[1] + b[1], 0)
        logits = h2 @ w[2] + b[2]
        e = np.exp(logits - logits.max(1, keepdims=True))
        p = e / e.sum(1, keepdims=True)
        g = (p - y) / np.float32(len(x))
        gw2, gb2 = h2.T @ g, g.sum(0)
        g = (g @ w[2].T) * (h2 > 0)
        gw1, gb1 = h1.T @ g, g.sum(0)
        g = (g @ w[1].T) * (h1 > 0)
        gw0, gb0 = x.T @ g, g.sum(0)
        for param, grad in zip(w + b, (gw0, gw1, gw2, gb0, gb1, gb2)):
            param -= lr * grad
    return step


def _build_mlp(lib, rng):
    x = lib.placeholder(lib.float32, [None, 784])
    y = lib.placeholder(lib.float32, [None, 10])
    h = x
    for i, (n_in, n_out) in enumerate(((784, 512), (512, 512), (512, 10))):
        w = lib.Variable(rng.standard_normal((n_in, n_out)).astype(np.float32) * 0.05)
        b = lib.Variable(np.zeros(n_out, np.float32))
        h = lib.matmul(h, w) + b
        if i < 2:
            h = lib.nn.relu(h)
    loss = lib.reduce_mean(lib.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=h))
    train = lib.train.GradientDescentOptimizer(0.01).minimize(loss)
    return x, y, train


def _build_cnn(lib, rng):
    x = lib.placeholder(lib.float32, [None, 28, 28, 1])
    y = lib.placeholder(lib.float32, [None, 10])

    def weight(shape):
        return lib.Variable(rng.standard_normal(shape).astype(np.float32) * 0.05)
    h = lib.nn.relu(lib.nn.conv2d(x, weight([5, 5, 1, 32]), [1, 1, 1, 1], "SAME") +
                    weight([32]))
    h = lib.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    h = lib.nn.relu(lib.nn.conv2d(h, weight([5, 5, 32, 64]), [1, 1, 1, 1], "SAME") +
                    weight([64]))
    h = lib.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    h = lib.reshape(h, [-1, 7 * 7 * 64])
    h = lib.nn.relu(lib.matmul(h, weight([7 * 7 * 64, 1024])) + weight([1024]))
    logits = lib.matmul(h, weight([1024, 10])) + weight([10])
    loss = lib.reduce_mean(lib.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))
    train = lib.train.AdamOptimizer(1e-4).minimize(loss)
    return x, y, train


def _time_lib(lib, build, feeds_fn, steps: int) -> float:
    rng = np.random.default_rng(0)
    graph = lib.Graph()
    with graph.as_default():
        x, y, train = build(lib, rng)
        init = lib.global_variables_initializer()
    with lib.Session(graph=graph) as sess:
        sess.run(init)
        xv, yv = feeds_fn()
        return _best_ms(lambda: sess.run(train, {x: xv, y: yv}), steps)


def run() -> None:
    rng = np.random.default_rng(0)
    x, y = _mlp_data(rng)
    images = rng.random((128, 28, 28, 1), dtype=np.float32)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 128)]
    cases = {"mlp": (_build_mlp, lambda: (x, y), 10),
             "cnn": (_build_cnn, lambda: (images, labels), 3)}
    mlp = {"numpy": _best_ms(_numpy_mlp_step_fn(x, y, rng), 10)}
    cnn: dict = {}
    # All sessionflow runs first: TensorFlow's oneDNN/OpenMP workers keep spinning after
    # its runs and would take a core from whatever is measured next.
    settle()
    for system, lib in (("sessionflow", sf), ("tensorflow", try_import_tensorflow())):
        for name, (build, feeds, steps) in cases.items():
            result = _time_lib(lib, build, feeds, steps) if lib is not None else None
            (mlp if name == "mlp" else cnn)[system] = result
    has_tf = cnn["tensorflow"] is not None
    print_table("Training step, ms (best of 5)", [("MLP 784-512-512-10 SGD", mlp)],
                baseline="numpy", unit="ms")
    print_table("Training step, ms (best of 5)", [("CNN tutorial, Adam", cnn)],
                baseline="tensorflow" if has_tf else "sessionflow", unit="ms")


if __name__ == "__main__":
    run()
