"""The op test table's row type and the checks every row gets.

Each ``specs_<family>.py`` module exports ``SPECS`` (a list of ``OpSpec``) and ``EXEMPT``
(op type -> where else it is tested). ``test_op_registry.py`` enumerates the registry
and fails for any registered op with neither. Each gradient row is also differentiated on
unknown-rank placeholders, fed its own, rank-0 and empty inputs (``VARIANTS``).
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
    # The gradient sweep on unknown-rank placeholders (check_unknown_rank_gradient) also runs
    # the row on rank-0 and on empty inputs: None derives them (derived_inputs), a list of
    # Args gives them, a string exempts the row, saying why (TensorFlow rejects them, or
    # they contradict the row's own constants).
    rank0: Sequence[Arg] | str | None = None
    empty: Sequence[Arg] | str | None = None

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


# -- the gradient sweep on unknown-rank placeholders ----------------------------------------
# ``tf.placeholder(dtype)`` with no shape is how TF1 programs most often feed data; a rule
# whose graph assumes a known rank, or arithmetic that fails on rank 0 or on empty tensors,
# only breaks there. Each gradient row is run on its own inputs ("as_given"), on rank-0
# inputs ("rank0") and on empty inputs ("empty").

VARIANTS = ("as_given", "rank0", "empty")


def derived_inputs(spec: OpSpec, variant: str) -> list[Arg] | None:
    """The row's default inputs for ``variant``: for "rank0", every fed input that is floating
    or shaped like the first fed input becomes a scalar; for "empty", every fed input shaped
    like the first fed input gets a leading 0. Fixed values stay. None if nothing changes."""
    fed = [a for a in spec.inputs if a.feed]
    first = list(fed[0].shape) if fed else None

    def vary(a: Arg) -> Arg:
        if not a.feed or a.value is not None:
            return a
        like_first = list(a.shape) == first
        if variant == "rank0" and len(a.shape) and (like_first or np.dtype(a.dtype).kind == "f"):
            return dataclasses.replace(a, shape=[])
        if variant == "empty" and like_first and len(a.shape) and a.shape[0]:
            return dataclasses.replace(a, shape=[0, *a.shape[1:]])
        return a
    varied = [vary(a) for a in spec.inputs]
    return varied if any(v is not a for v, a in zip(varied, spec.inputs)) else None


def variant_inputs(spec: OpSpec, variant: str) -> list[Arg] | None:
    """The inputs ``spec`` runs on for ``variant``; None where the row is exempt from it or
    it changes nothing."""
    if variant == "as_given":
        return list(spec.inputs)
    declared = getattr(spec, variant)
    if isinstance(declared, str):
        return None
    return list(declared) if declared is not None else derived_inputs(spec, variant)


def is_exempt(spec: OpSpec, variant: str) -> bool:
    return isinstance(getattr(spec, variant, None), str)


# TensorFlow's verdict on each row's rank-0 and empty inputs (tools/tf_oracle/
# unknown_rank_grads.py): a row's own or derived inputs must be ones TensorFlow accepts;
# for an exempt row the verdict is on the derived inputs, and where TensorFlow rejects
# them sessionflow must too.
ORACLE_VARIANTS = ("rank0", "empty")


def oracle_inputs(spec: OpSpec, variant: str) -> list[Arg] | None:
    """The inputs TensorFlow's verdict is recorded for: the variant's own, or for a row
    exempt from it the derived inputs it is exempt from."""
    if is_exempt(spec, variant):
        return derived_inputs(spec, variant)
    return variant_inputs(spec, variant)


def has_unknown_rank_case(spec: OpSpec, variant: str) -> bool:
    """Whether ``unknown_rank_case`` builds a case (a gradient row with such inputs)."""
    return spec.grad and spec.check_unknown_shapes and oracle_inputs(spec, variant) is not None


def unknown_rank_case(spec: OpSpec, variant: str, seed: int = 0):
    """``(graph, ys, feed, xs)``: the gradient row on unknown-rank placeholders fed its
    ``oracle_inputs`` (ys: the checked outputs, xs: the differentiable placeholders), or
    None where there is no such case."""
    if not has_unknown_rank_case(spec, variant):
        return None
    vspec = dataclasses.replace(spec, inputs=oracle_inputs(spec, variant))
    values = _float64_values(vspec, np.random.default_rng(seed + 29))
    graph, placeholders, outs, feed = _build(vspec, values, unknown_shapes=True)
    xs = [placeholders[i] for i, a in enumerate(vspec.inputs) if a.diff and a.feed and
          np.asarray(values[i]).dtype.kind == "f"]
    return graph, _checked_outputs(vspec, outs), feed, xs


def check_unknown_rank_rejected(spec: OpSpec, variant: str, error: str) -> None:
    """An exempt variant (inputs TensorFlow rejects) fails here too, with TensorFlow's
    error class naming the op, forward or gradient."""
    graph, ys, feed, xs = unknown_rank_case(spec, variant)
    with graph.as_default():
        fetches = list(ys) + [tf.convert_to_tensor(g) for g in tf.gradients(ys, xs)
                              if g is not None]
    with tf.Session(graph=graph) as sess:
        with pytest.raises(getattr(tf.errors, error)) as info:
            sess.run(fetches, feed)
    assert info.value.op is not None, f"{spec.id}/{variant}: error names no op: {info.value}"


def check_unknown_rank_gradient(spec: OpSpec, variant: str, seed: int = 0) -> None:
    """The row's gradient built from unknown-rank placeholders equals the fully static
    graph's on the ``variant`` inputs (and, on rank-0 inputs, central differences)."""
    vspec = dataclasses.replace(spec, inputs=variant_inputs(spec, variant))
    rng = np.random.default_rng(seed + 29)
    values = _float64_values(vspec, rng)
    weights = _random_weights(vspec, values, rng)
    static, unknown = (gradient_graph(vspec, values, weights, unknown_shapes=u)
                       for u in (False, True))
    results = []
    for g in (static, unknown):
        with tf.Session(graph=g.graph) as sess:
            results.append(sess.run([g.loss] + g.grads, g.feed))
    where = f"{spec.id}/{variant}"
    for k, (want, got) in enumerate(zip(*results)):
        what = "loss" if k == 0 else f"gradient of input {static.diff_idx[k - 1]}"
        want, got = np.asarray(want), np.asarray(got)
        if k:
            assert want.shape == np.shape(values[static.diff_idx[k - 1]]), \
                f"{where}: static {what} has shape {want.shape}"
        assert got.shape == want.shape, \
            f"{where}: {what} has shape {got.shape} on unknown rank, {want.shape} static"
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12,
                                   err_msg=f"{where}: {what}, unknown rank vs static")
    if variant == "rank0":
        _check_finite_differences(spec, unknown, values, spec.delta, spec.grad_tol,
                                  "unknown-rank gradient")


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


# Op types of sessionflow's own (internal fusions), which TensorFlow cannot judge.
OURS_ONLY = frozenset({"_FusedMaxPoolGradReluGrad"})
