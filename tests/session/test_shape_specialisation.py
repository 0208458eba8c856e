"""Plans specialised on the concrete shapes of their feeds: same values as the generic
plan, bounded per signature, thread-safe, and fewer steps where shapes fold."""
from __future__ import annotations

import threading

import numpy as np
import pytest

import sessionflow as tf
from sessionflow.session.executor import ShapeSpecialisingPlan, make_plan
from sessionflow.session.executor import specialise

LAYERS = 10


def _tiny_gradient_graph(shape):
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, shape)
        h = x
        for _ in range(LAYERS):
            h = tf.tanh(h * 1.01 + 0.1)
        loss = tf.reduce_sum(h)
        grad, = tf.gradients(loss, x)
    return graph, x, loss, grad


def _plan(sess, fetches, feed_dict):
    sess.run(fetches, feed_dict)
    sig = sess._signature(fetches, feed_dict)
    return sig.plan


def _generic_values(plan, feeds):
    return plan.generic.run(feeds)


@pytest.mark.parametrize("shape", [(2, 4), (1, 4), (7, 4), (0, 4), (2, 4)])
def test_tiny_gradient_matches_generic_plan(shape):
    graph, x, loss, grad = _tiny_gradient_graph([None, 4])
    value = np.random.default_rng(1).random(shape).astype(np.float32)
    with tf.compat.v1.Session(graph=graph) as sess:
        plan = _plan(sess, [loss, grad], {x: value})
        assert isinstance(plan, ShapeSpecialisingPlan)
        got = sess.run([loss, grad], {x: value})       # a shape's second run specialises
        assert plan.plan_for([value]) is not plan.generic
        want = _generic_values(plan, [value])
        np.testing.assert_allclose(got[0], want[0], rtol=1e-6)
        np.testing.assert_allclose(got[1], want[1], rtol=1e-6)


def test_specialised_plan_has_fewer_steps():
    graph, x, _, grad = _tiny_gradient_graph([None, 4])
    value = np.ones((2, 4), np.float32)
    with tf.compat.v1.Session(graph=graph) as sess:
        plan = _plan(sess, grad, {x: value})
        specialised = plan.plan_for([value])
        assert specialised is not plan.generic
        assert len(specialised.steps) < len(plan.generic.steps) * 0.5
        kept = [op.type for op, _ in specialised._step_ops.values()]
        assert not set(kept) & {"Shape", "BroadcastGradientArgs", "Fill"}
        assert kept.count("Reshape") <= 1          # the fetched one stays its own array


def test_shapes_changing_between_runs():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, None)
        y = tf.compat.v1.placeholder(tf.float32, [None])
        out = tf.reduce_sum(x * 2.0) + tf.cast(tf.size(x) + tf.rank(x), tf.float32)
        z = tf.reshape(y, tf.shape(y)) + tf.reduce_mean(y)
        gz, = tf.gradients(tf.reduce_sum(z * z), y)
    rng = np.random.default_rng(2)
    with tf.compat.v1.Session(graph=graph) as sess:
        for shape in [(), (3,), (2, 3), (0,), (), (4, 0, 2), (3,)]:
            xv = rng.random(shape).astype(np.float32)
            want = xv.sum() * 2 + xv.size + xv.ndim
            np.testing.assert_allclose(sess.run(out, {x: xv}), want, rtol=1e-5)
        for n in [3, 1, 0, 5, 3]:
            yv = rng.random(n).astype(np.float32)
            plan = _plan(sess, [z, gz], {y: yv})
            got = sess.run([z, gz], {y: yv})
            for a, b in zip(got, _generic_values(plan, [yv])):
                np.testing.assert_allclose(a, b, rtol=1e-6)


def test_feeding_a_tensor_that_is_not_a_placeholder():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 3])
        h = tf.tanh(x) * 3.0                   # fed below, bypassing x
        out = tf.reduce_sum(h * h, axis=tf.shape(h)[0:1] * 0)
        g, = tf.gradients(out, h)
    with tf.compat.v1.Session(graph=graph) as sess:
        for rows in [2, 5, 2]:
            hv = np.arange(rows * 3, dtype=np.float32).reshape(rows, 3)
            got = sess.run([out, g], {h: hv})
            np.testing.assert_allclose(got[0], (hv * hv).sum(axis=0), rtol=1e-6)
            np.testing.assert_allclose(got[1], 2 * hv, rtol=1e-6)


def test_stateful_ops_never_fold():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None])
        noise = tf.random.uniform(tf.shape(x), seed=3)
        counter = tf.compat.v1.Variable(0.0)
        bump = tf.compat.v1.assign_add(counter, tf.cast(tf.size(x), tf.float32))
        out = x + noise
        init = tf.compat.v1.global_variables_initializer()
    with tf.compat.v1.Session(graph=graph) as sess:
        sess.run(init)
        a = sess.run(out, {x: np.zeros(4, np.float32)})
        b = sess.run(out, {x: np.zeros(4, np.float32)})
        assert not np.array_equal(a, b)
        for _ in range(3):
            sess.run(bump, {x: np.zeros(2, np.float32)})
        assert sess.run(counter) == 6.0


def test_errors_still_name_the_users_op():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None])
        y = tf.compat.v1.placeholder(tf.float32, [None])
        out = tf.add(x, y, name="my_add")
    with tf.compat.v1.Session(graph=graph) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            sess.run(out, {x: np.zeros(2, np.float32), y: np.zeros(3, np.float32)})
        assert info.value.op is out.op
        assert "my_add" in str(info.value)


def test_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(specialise, "MAX_SPECIALISED_PLANS", 3)
    monkeypatch.setattr(specialise, "MAX_SPECIALISATIONS", 5)
    graph, x, _, grad = _tiny_gradient_graph([None, 4])
    with tf.compat.v1.Session(graph=graph) as sess:
        plan = _plan(sess, grad, {x: np.ones((1, 4), np.float32)})
        for rows in range(1, 9):
            value = np.ones((rows, 4), np.float32)
            for _ in range(2):
                np.testing.assert_allclose(sess.run(grad, {x: value}),
                                           _generic_values(plan, [value])[0], rtol=1e-6)
            assert len(plan._plans) == min(rows, 3)
        assert plan._built == 5
        assert plan.plan_for([np.ones((8, 4), np.float32)]) is plan.generic


def test_shapes_run_once_stay_on_the_generic_plan():
    graph, x, _, grad = _tiny_gradient_graph([None, 4])
    with tf.compat.v1.Session(graph=graph) as sess:
        for rows in range(1, 6):
            sess.run(grad, {x: np.ones((rows, 4), np.float32)})
        plan = sess._signature(grad, {x: None}).plan
        assert not plan._plans and plan._built == 0


def test_concurrent_runs_with_different_shapes():
    graph, x, loss, grad = _tiny_gradient_graph([None, 4])
    rng = np.random.default_rng(4)
    values = [rng.random((n, 4)).astype(np.float32) for n in range(1, 7)]
    with tf.compat.v1.Session(graph=graph) as sess:
        plan = _plan(sess, [loss, grad], {x: values[0]})
        wants = [_generic_values(plan, [v]) for v in values]
        failures = []

        def worker(k):
            for i in range(30):
                j = (k + i) % len(values)
                got = sess.run([loss, grad], {x: values[j]})
                if not (np.allclose(got[0], wants[j][0], rtol=1e-5)
                        and np.allclose(got[1], wants[j][1], rtol=1e-5)):
                    failures.append((k, j))

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not failures


def test_static_feeds_are_not_wrapped():
    graph, x, _, grad = _tiny_gradient_graph([2, 4])
    from sessionflow.ops.framework.kernel_binding import KernelContext
    plan = make_plan(graph, [x], [grad], [], KernelContext())
    assert not isinstance(plan, ShapeSpecialisingPlan)


def test_pass_through_ops_fetched_or_inner():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None])
        total = tf.reduce_sum(x, axis=[])
        inner = tf.reshape(tf.reduce_sum(x, axis=[]), tf.shape(x)) * 2.0
    value = np.arange(3, dtype=np.float32)
    with tf.compat.v1.Session(graph=graph) as sess:
        got = sess.run([total, inner], {x: value})
        np.testing.assert_array_equal(got[0], value)
        np.testing.assert_array_equal(got[1], value * 2)
