"""TF1 programs on unshaped placeholders (``tf.placeholder("float")``) fed Python scalars,
numpy scalars and empty arrays, against TensorFlow 2.21's numbers.

The numbers are tests/data/tf1_core/expected.json, recorded by
tools/tf_oracle/core_programs.py (its feeds are reused here; the programs are written out
as users write them). An unshaped placeholder fed a scalar makes every reduction's
gradient reduce over ``Range(Rank(x))`` = [] and take ``[] % 0`` in TF's reduced-shape
arithmetic, which must be empty, not an integer division by zero.
"""
from __future__ import annotations


import numpy as np
import pytest

import sessionflow as tf
from tests.conftest import oracle_tool, tf1_core_data

oracle = oracle_tool("core_programs")
EXPECTED = tf1_core_data("expected.json")["results"]

# float32 SGD over 68 steps: a summation order differing from TensorFlow's kernels would
# accumulate some float32 ulps (today the numbers agree exactly).
RTOL, ATOL = 1e-5, 1e-6


def _assert_close(got, want, what: str) -> None:
    np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(want, np.float64),
                               rtol=RTOL, atol=ATOL, err_msg=what)


@pytest.mark.parametrize("feed", ["python_float", "numpy_float64"])
def test_linear_regression_tutorial_fed_one_scalar_at_a_time(feed):
    """The first program of every TF1 course, as the tutorial writes it."""
    train_X = oracle.TRAIN_X if feed == "python_float" else np.asarray(oracle.TRAIN_X)
    train_Y = oracle.TRAIN_Y if feed == "python_float" else np.asarray(oracle.TRAIN_Y)
    n_samples = len(train_X)
    want = EXPECTED[f"linreg_{feed}_feed"]
    with tf.Graph().as_default():
        X = tf.placeholder("float")
        Y = tf.placeholder("float")
        W = tf.Variable(0.3, name="weight")
        b = tf.Variable(-0.2, name="bias")
        pred = tf.add(tf.multiply(X, W), b)
        cost = tf.reduce_sum(tf.pow(pred - Y, 2)) / (2 * n_samples)
        optimizer = tf.train.GradientDescentOptimizer(0.01).minimize(cost)
        init = tf.global_variables_initializer()
        with tf.Session() as sess:
            sess.run(init)
            for epoch in range(oracle.EPOCHS):
                for (x, y) in zip(train_X, train_Y):
                    sess.run(optimizer, feed_dict={X: x, Y: y})
                c = sess.run(cost, feed_dict={X: np.asarray(train_X), Y: np.asarray(train_Y)})
                _assert_close(c, want["cost"][epoch], f"cost after epoch {epoch + 1}")
                _assert_close(sess.run(W), want["W"][epoch], f"W after epoch {epoch + 1}")
                _assert_close(sess.run(b), want["b"][epoch], f"b after epoch {epoch + 1}")
            _assert_close(sess.run(pred, {X: train_X[0]}), want["pred_first"], "pred")
    assert W.dtype.base_dtype.name == want["dtypes"]["W"] == "float32"
    assert cost.dtype.name == want["dtypes"]["cost"]


def _run(sess, fetch, feed):
    """The fetched value, or the TF error class it raised."""
    try:
        return sess.run(fetch, feed)
    except tf.errors.OpError as e:
        return type(e).__name__


def _check(got, want, what: str) -> None:
    if isinstance(want, dict):
        assert got == want["error"], f"{what}: got {got!r}, TF raised {want['error']}"
        return
    assert not isinstance(got, str), f"{what}: raised {got}, TF gave {want}"
    want = np.asarray(want, np.float64)
    assert np.shape(got) == want.shape, f"{what}: shape {np.shape(got)}, TF {want.shape}"
    np.testing.assert_allclose(got, want, rtol=1e-6, err_msg=what)


@pytest.mark.parametrize("feed", sorted(oracle.REDUCTION_FEEDS))
@pytest.mark.parametrize("reduce", oracle.REDUCTIONS)
def test_reductions_of_an_unshaped_placeholder_and_their_gradients(reduce, feed):
    """``tf.reduce_<op>(p)``, with keepdims and with axis=0, and ``tf.gradients`` of each,
    for ``p = tf.placeholder(tf.float32)`` fed a scalar, empty arrays and a matrix."""
    value = oracle.REDUCTION_FEEDS[feed]
    with tf.Graph().as_default():
        p = tf.placeholder(tf.float32)
        built = {"all": getattr(tf, reduce)(p),
                 "keepdims": getattr(tf, reduce)(p, keepdims=True),
                 "axis0": getattr(tf, reduce)(p, axis=0)}
        grads = {k: tf.gradients(r, p)[0] for k, r in built.items()}
        with tf.Session() as sess:
            for variant, r in built.items():
                want = EXPECTED["unknown_rank_reductions"][feed][f"{reduce}/{variant}"]
                _check(_run(sess, r, {p: value}), want["value"], f"{reduce}/{variant} value")
                _check(_run(sess, grads[variant], {p: value}), want["grad"],
                       f"{reduce}/{variant} gradient")


@pytest.mark.parametrize("feed", sorted(oracle.INT_FEEDS))
def test_integer_floor_division_and_modulo_with_empty_operands(feed):
    """``a // b``, ``a % b``, tf.floordiv, tf.floormod of unshaped int32 placeholders:
    nothing is divided when the broadcast result is empty, so a zero divisor is no error."""
    va, vb = oracle.INT_FEEDS[feed]
    want = EXPECTED["integer_floor_ops"][feed]
    with tf.Graph().as_default():
        a = tf.placeholder(tf.int32)
        b = tf.placeholder(tf.int32)
        ops = {"floormod": tf.floormod(a, b), "floordiv": tf.floordiv(a, b),
               "mod_operator": a % b, "floordiv_operator": a // b}
        with tf.Session() as sess:
            for name, t in ops.items():
                got = _run(sess, t, {a: va, b: vb})
                if "error" in want[name]:
                    assert got == want[name]["error"], f"{name}: got {got!r}"
                    continue
                assert not isinstance(got, str), f"{name}: raised {got}"
                assert got.dtype == np.int32 and list(got.shape) == want[name]["shape"], name
                assert got.tolist() == want[name]["value"], name


def test_reducing_a_scalar_over_an_axis_is_invalid():
    """TF's ReductionHelper: a scalar has no axis 0 (or -1) to reduce."""
    with tf.Graph().as_default():
        p = tf.placeholder(tf.float32)
        with tf.Session() as sess:
            for axis in (0, -1, [0]):
                with pytest.raises(tf.errors.InvalidArgumentError,
                                   match=r"Invalid reduction dimension \(-?[01] for input with 0 "):
                    sess.run(tf.reduce_sum(p, axis), {p: 2.0})
            assert sess.run(tf.reduce_sum(p, []), {p: 2.0}) == 2.0


@pytest.mark.parametrize("value_shape, shape, want", [
    ([0, 3, 2], [0, -1, 2], [0, 3, 2]),     # an empty batch keeps its other dims
    ([0, 3, 2], [-1, 6], [0, 6]),
    ([0, 3], [3, -1, 0], [3, 1, 0]),
    ([2, 0, 3], [0, -1, 3], [0, 2, 3]),
    ([3, 0], [5, -1], [5, 0]),
])
def test_reshape_of_an_empty_tensor_infers_minus_one_as_tensorflow(value_shape, shape, want):
    """TF's ReshapeOp leaves zero dims out of both products when the requested shape has
    a 0 (values from TensorFlow 2.21)."""
    with tf.Graph().as_default():
        p = tf.placeholder(tf.float32)
        with tf.Session() as sess:
            got = sess.run(tf.reshape(p, shape), {p: np.zeros(value_shape, np.float32)})
    assert list(got.shape) == want
