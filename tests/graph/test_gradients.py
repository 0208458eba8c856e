"""gradients(): TF1 semantics, names, closed forms from the seed, and the extensions."""
from __future__ import annotations

import numpy as np
import pytest

import sessionflow as tf

from tests.conftest import run as _run


def test_seed_example_x_squared_plus_sin(graph):
    x = tf.placeholder(tf.float64, name="x")
    y = x * x + tf.sin(x)
    dy_dx, = tf.gradients(y, x)
    assert dy_dx.op.name.startswith("gradients/")
    v, = _run([dy_dx], feed={x: 2.0})
    assert np.isclose(v, 2 * 2.0 + np.cos(2.0))


def test_dense_layer_dw_db(graph):
    rng = np.random.default_rng(0)
    xv, wv, bv, tv = (rng.standard_normal(s) for s in ([5, 3], [3, 2], [2], [5, 2]))
    x = tf.constant(xv)
    w = tf.placeholder(tf.float64, [3, 2])
    b = tf.placeholder(tf.float64, [2])
    y = tf.matmul(x, w) + b
    loss = tf.reduce_mean((y - tv) ** 2)
    dw, db = tf.gradients(loss, [w, b])
    gw, gb = _run([dw, db], feed={w: wv, b: bv})
    r = 2 * (xv @ wv + bv - tv) / tv.size
    np.testing.assert_allclose(gw, xv.T @ r, rtol=1e-10)
    np.testing.assert_allclose(gb, r.sum(0), rtol=1e-10)


def test_mul_and_matmul_rules_and_names(graph):
    x = tf.placeholder(tf.float32, [2, 3], name="x")
    w = tf.placeholder(tf.float32, [3, 4], name="w")
    y = tf.matmul(x, w, name="MatMul")
    dx, dw = tf.gradients(y, [x, w])
    assert dx.op.name == "gradients/MatMul_grad/MatMul"
    assert dw.op.name == "gradients/MatMul_grad/MatMul_1"
    g2 = tf.gradients(y, x)[0]
    assert g2.op.name.startswith("gradients_1/")
    a = tf.placeholder(tf.float32, [3])
    b = tf.placeholder(tf.float32, [3])
    da, db = tf.gradients(a * b, [a, b])
    av, bv = np.array([1, 2, 3], np.float32), np.array([4, 5, 6], np.float32)
    ga, gb = _run([da, db], feed={a: av, b: bv})
    np.testing.assert_array_equal(ga, bv)
    np.testing.assert_array_equal(gb, av)


def test_fan_out_aggregates_with_add_n(graph):
    x = tf.placeholder(tf.float32, [], name="x")
    y = tf.square(x) + tf.sin(x) + x
    g, = tf.gradients(y, x)
    assert any(op.type == "AddN" and op.name.startswith("gradients/")
               for op in graph.get_operations())
    v, = _run([g], feed={x: 0.5})
    assert np.isclose(v, 2 * 0.5 + np.cos(0.5) + 1, rtol=1e-6)


def test_unconnected_integer_and_stop(graph):
    x = tf.placeholder(tf.float32, [])
    z = tf.placeholder(tf.float32, [])
    assert tf.gradients(x * 2.0, z) == [None]
    zero, = tf.gradients(x * 2.0, z, unconnected_gradients="zero")
    assert _run([zero], feed={z: 1.0})[0] == 0.0
    i = tf.cast(x, tf.int32)
    assert tf.gradients(tf.cast(i, tf.float32), x) == [None]
    assert tf.gradients(tf.stop_gradient(x) * 3.0, x) == [None]
    a = tf.placeholder(tf.float32, [])
    b = tf.placeholder(tf.float32, [])
    c = a * b + a
    da, db = tf.gradients(c, [a, b], stop_gradients=[b])
    va, vb = _run([da, db], feed={a: 3.0, b: 5.0})
    assert (va, vb) == (6.0, 3.0)


def test_grad_ys_and_shape_checks(graph):
    x = tf.placeholder(tf.float32, [2])
    g, = tf.gradients(x * 3.0, x, grad_ys=tf.constant([1.0, 2.0]))
    np.testing.assert_array_equal(_run([g], feed={x: [0.0, 0.0]})[0], [3.0, 6.0])
    with pytest.raises(ValueError, match="grad_ys"):
        tf.gradients([x, x], x, grad_ys=[None])


def test_missing_rule_raises_lookup_error_naming_type(graph):
    x = tf.placeholder(tf.float32, [])
    y = tf.identity(x)
    with graph.gradient_override_map({"Identity": "NoSuchGradient"}):
        z = tf.identity(y)
    with pytest.raises(LookupError, match="op type: NoSuchGradient"):
        tf.gradients(z, x)


def test_register_gradient_and_override_map(graph):
    @tf.RegisterGradient("TripleGradForTest")
    def _triple(op, grad):
        return [grad * 3.0]
    x = tf.placeholder(tf.float32, [])
    with graph.gradient_override_map({"Identity": "TripleGradForTest"}):
        y = tf.identity(x)
    assert y.op.get_attr("_gradient_op_type") == b"TripleGradForTest"
    g, = tf.gradients(y, x)
    assert _run([g], feed={x: 1.0})[0] == 3.0


def test_prevent_gradient(graph):
    from sessionflow.ops.array.array_ops import prevent_gradient
    x = tf.placeholder(tf.float32, [])
    with pytest.raises(LookupError, match="explicitly disabled"):
        tf.gradients(prevent_gradient(x, message="no"), x)


def test_custom_gradient_clipped_square(graph):
    @tf.custom_gradient
    def clipped_square(x):
        y = x * x

        def grad(dy):
            return dy * tf.clip_by_value(2 * x, -1.0, 1.0)
        return y, grad
    x = tf.placeholder(tf.float32, [3])
    y = clipped_square(x)
    g, = tf.gradients(tf.reduce_sum(y), x)
    yv, gv = _run([y, g], feed={x: [0.25, 2.0, -3.0]})
    np.testing.assert_allclose(yv, [0.0625, 4.0, 9.0])
    np.testing.assert_allclose(gv, [0.5, 1.0, -1.0])


def test_higher_order_and_hessians(graph):
    x = tf.placeholder(tf.float64, [], name="x")
    y = x ** 3
    d1, = tf.gradients(y, x)
    d2, = tf.gradients(d1, x)
    d3, = tf.gradients(d2, x)
    v = _run([d1, d2, d3], feed={x: 2.0})
    np.testing.assert_allclose(v, [12.0, 12.0, 6.0])
    v2 = tf.placeholder(tf.float64, [2])
    f = tf.reduce_prod(v2 * v2)
    h, = tf.hessians(f, v2)
    hv, = _run([h], feed={v2: [1.0, 2.0]})
    # f = a^2 b^2: H = [[2b^2, 4ab], [4ab, 2a^2]]
    np.testing.assert_allclose(hv, [[8.0, 8.0], [8.0, 2.0]])


def test_explain_gradient(graph):
    x = tf.placeholder(tf.float32, [], name="x")
    other = tf.placeholder(tf.float32, [], name="other")
    y = tf.cast(tf.cast(x, tf.int32), tf.float32) + tf.stop_gradient(x) + other
    report = tf.debugging.explain_gradient(y, x)
    text = str(report)
    assert not report.gradient_flows
    assert "int32" in text and "StopGradient" in text
    assert "no path" in str(tf.debugging.explain_gradient(other * 2.0, x))
    assert tf.debugging.explain_gradient(x * 2.0, x).gradient_flows


def test_gradient_checker(graph):
    x = tf.placeholder(tf.float64, [2, 3])
    y = tf.tanh(x) * 2.0
    err = tf.test.compute_gradient_error(x, [2, 3], y, [2, 3])
    assert err < 1e-6
    theory, numeric = tf.test.compute_gradient(x, [2, 3], y, [2, 3])
    assert theory.shape == (6, 6) and numeric.shape == (6, 6)
