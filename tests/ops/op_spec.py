"""The op test table's row type and the checks every row gets.

Each ``specs_<family>.py`` module exports ``SPECS`` (a list of ``OpSpec``) and ``EXEMPT``
(op type -> where else it is tested). ``test_op_registry.py`` enumerates the registry
and fails for any registered op with neither.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, Sequence

import numpy as np
import pytest

import sessionflow as tf


@dataclasses.dataclass
class Arg:
    """One input: its shape and dtype, the value domain, whether to differentiate it."""

    shape: Sequence[int]
    dtype: str = "float32"
    low: float = -2.0
    high: float = 2.0
    diff: bool = True
    value: Any = None          # a fixed value instead of random sampling
    feed: bool = True          # False: passed as a Python/numpy constant, not a placeholder

    def sample(self, rng: np.random.Generator, dtype: str | None = None) -> np.ndarray:
        dtype = dtype or self.dtype
        if self.value is not None:
            return np.asarray(self.value).astype(dtype)
        if np.dtype(dtype).kind in "iu":
            return rng.integers(int(self.low), int(self.high) + 1, size=self.shape).astype(dtype)
        if np.dtype(dtype).kind == "b":
            return rng.random(self.shape) < 0.5
        return rng.uniform(self.low, self.high, size=self.shape).astype(dtype)


@dataclasses.dataclass
class OpSpec:
    """A test row: how to build ``op_type`` from inputs and what it must compute."""

    op_type: str
    build: Callable[..., Any]
    inputs: Sequence[Arg]
    reference: Callable[..., Any] | None
    grad: bool = True
    grad2: bool = False
    rtol: float = 1e-5
    atol: float = 1e-6
    grad_tol: float = 1e-5
    delta: float = 1e-6        # finite-difference step (float64 inputs)
    name: str = ""
    outputs: Sequence[int] | None = None    # which outputs' gradients to check (default all)
    check_unknown_shapes: bool = True

    @property
    def id(self) -> str:
        return self.name or self.op_type


def _as_list(x) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _build(spec: OpSpec, values: list, unknown_shapes: bool = False):
    graph = tf.Graph()
    with graph.as_default():
        placeholders, args, feed = [], [], {}
        for arg, value in zip(spec.inputs, values):
            if arg.feed:
                shape = None if unknown_shapes else list(value.shape)
                p = tf.placeholder(tf.as_dtype(value.dtype), shape)
                placeholders.append(p)
                args.append(p)
                feed[p] = value
            else:
                placeholders.append(None)
                args.append(value)
        outs = _as_list(spec.build(*args))
    return graph, placeholders, outs, feed


def check_forward(spec: OpSpec, seed: int = 0) -> None:
    """Kernel vs numpy reference, dtype, and static shape vs actual shape."""
    rng = np.random.default_rng(seed)
    values = [a.sample(rng) for a in spec.inputs]
    graph, _, outs, feed = _build(spec, values)
    assert any(op.type == spec.op_type for op in graph.get_operations()), \
        f"building {spec.id} created no {spec.op_type} op"
    with tf.Session(graph=graph) as sess:
        got = sess.run(outs, feed)
    got = [np.asarray(v, dtype=object) if t.dtype.base_dtype == tf.string else v
           for t, v in zip(outs, got)]   # scalar strings come back as bytes, as in TF
    for t, v in zip(outs, got):
        assert t.shape.is_compatible_with(np.shape(v)), \
            f"{spec.id}: static shape {t.shape} vs actual {np.shape(v)}"
        if all(a.feed for a in spec.inputs):
            assert t.shape.rank is not None, f"{spec.id}: rank unknown with known input shapes"
        assert np.asarray(v).dtype == t.dtype.base_dtype.np_dtype, \
            f"{spec.id}: dtype {np.asarray(v).dtype} vs declared {t.dtype.name}"
    if spec.reference is not None:
        want = _as_list(spec.reference(*values))
        assert len(want) == len(got)
        for w, v in zip(want, got):
            w = np.asarray(w)
            v = np.asarray(v)
            assert v.shape == w.shape, f"{spec.id}: shape {v.shape} vs reference {w.shape}"
            if v.dtype.kind in "fc":
                np.testing.assert_allclose(v, w, rtol=spec.rtol, atol=spec.atol,
                                           err_msg=spec.id)
            else:
                np.testing.assert_array_equal(v, w.astype(v.dtype), err_msg=spec.id)
    if spec.check_unknown_shapes:
        graph, _, outs, feed = _build(spec, values, unknown_shapes=True)
        with tf.Session(graph=graph) as sess:
            got2 = sess.run(outs, feed)
        for a, b in zip(got, got2):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=spec.id)


def _float64_values(spec: OpSpec, rng) -> list:
    values = []
    for a in spec.inputs:
        dt = "float64" if np.dtype(a.dtype).kind == "f" else a.dtype
        values.append(a.sample(rng, dt))
    return values


def _checked_outputs(spec: OpSpec, outs: list) -> list:
    indices = spec.outputs if spec.outputs is not None else range(len(outs))
    return [outs[i] for i in indices if outs[i].dtype.is_floating]


def _random_weights(spec: OpSpec, values: list, rng) -> list[np.ndarray]:
    """Weights of the random projection ``<w, y>``, one per checked output, shaped like it."""
    graph, _, outs, feed = _build(spec, values)
    with tf.Session(graph=graph) as sess:
        shapes = [np.shape(v) for v in sess.run(_checked_outputs(spec, outs), feed)]
    return [rng.uniform(0.5, 1.5, s) for s in shapes]


@dataclasses.dataclass
class GradientGraph:
    """``d<w, y>/dx`` of a row for every differentiable fed input ``x``."""

    graph: Any
    placeholders: list
    feed: dict
    loss: Any
    grads: list
    diff_idx: list


def gradient_graph(spec: OpSpec, values: list, weights: list,
                   unknown_shapes: bool = False) -> GradientGraph:
    """The row built on ``values`` (on unknown-rank placeholders if ``unknown_shapes``),
    projected on ``weights``, and the projection's gradients (dense)."""
    graph, placeholders, outs, feed = _build(spec, values, unknown_shapes)
    diff_idx = [i for i, a in enumerate(spec.inputs) if a.diff and a.feed and
                np.asarray(values[i]).dtype.kind == "f"]
    assert diff_idx, f"{spec.id}: no differentiable inputs to check"
    with graph.as_default():
        checked = _checked_outputs(spec, outs)
        loss = tf.add_n([tf.reduce_sum(tf.constant(w, dtype=y.dtype) * y)
                         for w, y in zip(weights, checked)])
        grads = tf.gradients(loss, [placeholders[i] for i in diff_idx])
        for g, i in zip(grads, diff_idx):
            assert g is not None, f"{spec.id}: gradient for input {i} is None"
        grads = [tf.convert_to_tensor(g) for g in grads]   # densifies IndexedSlices
    return GradientGraph(graph, placeholders, feed, loss, grads, diff_idx)


def _check_finite_differences(spec: OpSpec, g: GradientGraph, values: list, delta: float,
                              tol: float, what: str) -> None:
    """Each symbolic gradient of ``g`` against float64 central differences of its loss."""
    with tf.Session(graph=g.graph) as sess:
        symbolic = sess.run(g.grads, g.feed)
        for g_value, i in zip(symbolic, g.diff_idx):
            g_value = np.asarray(g_value)
            x = values[i].copy()
            numeric = np.zeros_like(x)
            for k in range(x.size):
                orig = x.flat[k]
                x.flat[k] = orig + delta
                up = sess.run(g.loss, {**g.feed, g.placeholders[i]: x})
                x.flat[k] = orig - delta
                down = sess.run(g.loss, {**g.feed, g.placeholders[i]: x})
                x.flat[k] = orig
                numeric.flat[k] = (up - down) / (2 * delta)
            np.testing.assert_allclose(g_value, numeric, rtol=tol, atol=tol,
                                       err_msg=f"{spec.id}: {what} of input {i}")


def check_gradient(spec: OpSpec, seed: int = 0, order: int = 1) -> None:
    """d<w, y>/dx against float64 central differences, for every differentiable input."""
    rng = np.random.default_rng(seed + 17)
    values = _float64_values(spec, rng)
    g = gradient_graph(spec, values, _random_weights(spec, values, rng))
    if order == 2:
        with g.graph.as_default():
            projs = [tf.constant(rng.uniform(0.5, 1.5, values[i].shape)) for i in g.diff_idx]
            terms = [tf.reduce_sum(p * d) for p, d in zip(projs, g.grads)]
            g.loss = tf.add_n(terms)
            xs = [g.placeholders[i] for i in g.diff_idx]
            grads = tf.gradients(g.loss, xs)
            g.grads = [tf.convert_to_tensor(d if d is not None else tf.zeros_like(x))
                       for d, x in zip(grads, xs)]
    delta = spec.delta if order == 1 else spec.delta * 10
    tol = spec.grad_tol * (1 if order == 1 else 100)
    _check_finite_differences(spec, g, values, delta, tol, f"order-{order} gradient")


# Shape corruptions of one fed input (the dtype stays): an extra trailing axis holding
# three copies, and a rank-5 block of zeros. Which of them an op must reject, and with which
# error, is TensorFlow's verdict (tests/data/tf_bad_inputs, tools/tf_oracle/bad_inputs.py).
CORRUPTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "stacked": lambda v: np.stack([v] * 3, axis=-1),
    "rank5_zeros": lambda v: np.zeros([2] * 5, v.dtype),
}


@dataclasses.dataclass
class BadInput:
    """A row run on unknown-shape placeholders with input ``index`` fed ``value``."""

    id: str                    # "<row id>/<input index>/<corruption>"
    spec: OpSpec
    index: int
    good: list
    value: np.ndarray

    def build(self):
        """``(graph, fetches, feed)``; the graph is built from the good values."""
        graph, placeholders, outs, _ = _build(self.spec, self.good, unknown_shapes=True)
        values = list(self.good)
        values[self.index] = self.value
        feed = {p: v for p, v in zip(placeholders, values) if p is not None}
        return graph, outs, feed


def bad_inputs(spec: OpSpec, seed: int = 0) -> list[BadInput]:
    """Every corruption of every fed input of ``spec``."""
    rng = np.random.default_rng(seed)
    good = [a.sample(rng) for a in spec.inputs]
    return [BadInput(f"{spec.id}/{i}/{name}", spec, i, good, corrupt(good[i]))
            for i, arg in enumerate(spec.inputs) if arg.feed
            for name, corrupt in CORRUPTIONS.items()]


def check_bad_input(case: BadInput, error: str) -> None:
    """The case fails with ``tf.errors.<error>`` (TensorFlow's class for it) naming the op,
    never with a raw numpy exception, and never returns a result."""
    graph, outs, feed = case.build()
    with tf.Session(graph=graph) as sess:
        with pytest.raises(getattr(tf.errors, error)) as info:
            sess.run(outs, feed)
    assert info.value.op is not None, f"{case.id}: error does not name the op: {info.value}"


def check_accepted_input(case: BadInput) -> None:
    """A corruption TensorFlow accepts (so not a bad input) runs without error here too."""
    graph, outs, feed = case.build()
    with tf.Session(graph=graph) as sess:
        sess.run(outs, feed)
