"""Random ops: TF1 seed rules, stream semantics across runs/plans/sessions, distributions,
dtypes, static shapes and errors."""
from __future__ import annotations

import numpy as np
import pytest

import sessionflow as tf
from sessionflow.graph import op_registry
from sessionflow.ops.random import random_ops
from sessionflow.ops.random.random_ops import DEFAULT_GRAPH_SEED, get_seed

RANDOM_OPS = ("RandomStandardNormal", "RandomUniform", "RandomUniformInt", "TruncatedNormal")


def _op(t, op_type):
    return next(op for op in t.graph.get_operations() if op.type == op_type)


# -- get_seed: TF's documented table ----------------------------------------------------------

def test_get_seed_no_seeds_is_nondeterministic():
    with tf.Graph().as_default():
        assert get_seed(None) == (None, None)


def test_get_seed_op_seed_only_uses_default_graph_seed():
    with tf.Graph().as_default():
        assert get_seed(5) == (DEFAULT_GRAPH_SEED, 5)


def test_get_seed_graph_seed_only_uses_op_count():
    with tf.Graph().as_default():
        tf.set_random_seed(11)
        assert get_seed(None) == (11, 0)
        tf.constant(1)
        tf.constant(2)
        assert get_seed(None) == (11, 2)


def test_get_seed_both_seeds():
    with tf.Graph().as_default():
        tf.set_random_seed(11)
        assert get_seed(4) == (11, 4)


def test_get_seed_zero_zero_is_special_cased():
    with tf.Graph().as_default():
        tf.set_random_seed(0)
        assert get_seed(0) == (0, 2 ** 31 - 1)


def test_get_seed_truncates_to_int32():
    with tf.Graph().as_default():
        tf.set_random_seed(2 ** 31 - 1 + 3)
        assert get_seed(2 ** 31 + 6) == (3, 7)


def test_seed_attrs_on_ops():
    with tf.Graph().as_default():
        a = tf.random_normal([2])
        b = tf.random_normal([2], seed=3)
        tf.set_random_seed(5)
        c = tf.random_uniform([2])
    rnd = _op(a, "RandomStandardNormal")
    assert (rnd.attrs["seed"], rnd.attrs["seed2"]) == (0, 0)
    rnd_b = [op for op in b.graph.get_operations() if op.type == "RandomStandardNormal"][1]
    assert (rnd_b.attrs["seed"], rnd_b.attrs["seed2"]) == (DEFAULT_GRAPH_SEED, 3)
    rnd_c = _op(c, "RandomUniform")
    # shape constant + the ops of a and b were created before get_seed ran.
    assert rnd_c.attrs["seed"] == 5
    assert rnd_c.attrs["seed2"] == c.graph.get_operations().index(rnd_c)


# -- streams ------------------------------------------------------------------------------

def _run_twice(build, n_sessions=1):
    graph = tf.Graph()
    with graph.as_default():
        t = build()
    runs = []
    for _ in range(n_sessions):
        with tf.Session(graph=graph) as sess:
            runs.append((sess.run(t), sess.run(t)))
    return runs


def test_same_seeds_reproduce_in_a_new_session_and_runs_advance():
    (a1, a2), (b1, b2) = _run_twice(lambda: tf.random_normal([50], seed=1), n_sessions=2)
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
    assert not np.array_equal(a1, a2)


def test_same_seeds_reproduce_in_a_new_graph():
    first = _run_twice(lambda: tf.truncated_normal([20], seed=2))[0]
    second = _run_twice(lambda: tf.truncated_normal([20], seed=2))[0]
    np.testing.assert_array_equal(first[0], second[0])


def test_graph_seed_makes_unseeded_ops_reproducible_and_distinct():
    def build():
        tf.set_random_seed(42)
        return tf.stack([tf.random_uniform([10]), tf.random_uniform([10])])
    (a, _), = _run_twice(build)
    (b, _), = _run_twice(build)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a[0], a[1])     # different op seeds (op counts)


def test_different_seed2_differ():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.random_normal([30], seed=1)
        y = tf.random_normal([30], seed=2)
    with tf.Session(graph=graph) as sess:
        a, b = sess.run([x, y])
    assert not np.array_equal(a, b)


def test_unseeded_ops_are_random_across_sessions():
    (a, _), (b, _) = _run_twice(lambda: tf.random_uniform([30]), n_sessions=2)
    assert not np.array_equal(a, b)


def test_stream_is_shared_by_every_plan_of_a_session():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.random_normal([5], seed=8)
        y = x * 2.0
    with tf.Session(graph=graph) as sess:
        expected = [sess.run(x), sess.run(x), sess.run(x)]
    with tf.Session(graph=graph) as sess:
        first = sess.run(x)
        second, doubled = sess.run([x, y])       # another plan, same op: one draw
        third = sess.run(y) / 2.0
    np.testing.assert_array_equal(first, expected[0])
    np.testing.assert_array_equal(second, expected[1])
    np.testing.assert_array_equal(doubled, expected[1] * 2)
    np.testing.assert_allclose(third, expected[2])


# -- distributions --------------------------------------------------------------------------

N = 200_000


def _sample(t):
    with tf.Session(graph=t.graph) as sess:
        return sess.run(t)


def test_random_normal_moments():
    with tf.Graph().as_default():
        v = _sample(tf.random_normal([N], mean=3.0, stddev=2.0, seed=1))
    assert abs(v.mean() - 3.0) < 0.03
    assert abs(v.std() - 2.0) < 0.03


def test_truncated_normal_never_beyond_two_stddevs():
    with tf.Graph().as_default():
        v = _sample(tf.truncated_normal([N], mean=-1.0, stddev=0.5, seed=2))
    assert np.all(np.abs(v + 1.0) <= 1.0)
    assert abs(v.mean() + 1.0) < 0.01
    assert abs(v.std() - 0.5 * 0.87962566) < 0.01     # std of N(0,1) truncated at +-2


def test_random_uniform_range_and_mean():
    with tf.Graph().as_default():
        v = _sample(tf.random_uniform([N], minval=-2.0, maxval=6.0, seed=3))
    assert v.min() >= -2.0 and v.max() < 6.0
    assert abs(v.mean() - 2.0) < 0.05
    assert abs(v.std() - 8 / np.sqrt(12)) < 0.03


def test_random_uniform_int_range_covers_every_value():
    with tf.Graph().as_default():
        v = _sample(tf.random_uniform([N], minval=-3, maxval=4, dtype=tf.int64, seed=4))
    assert v.dtype == np.int64
    assert set(np.unique(v)) == set(range(-3, 4))
    counts = np.bincount(v + 3)
    assert counts.min() > N / 7 * 0.95


def test_float16_uniform_stays_below_one():
    with tf.Graph().as_default():
        v = _sample(tf.random_uniform([N], dtype=tf.float16, seed=5))
    assert v.dtype == np.float16
    assert v.min() >= 0 and v.max() < 1


@pytest.mark.parametrize("dtype", [tf.float16, tf.float32, tf.float64])
def test_float_dtypes(dtype):
    with tf.Graph().as_default():
        ts = [tf.random_normal([3, 2], dtype=dtype), tf.truncated_normal([3, 2], dtype=dtype),
              tf.random_uniform([3, 2], dtype=dtype)]
        with tf.Session() as sess:
            values = sess.run(ts)
    for t, v in zip(ts, values):
        assert t.dtype == dtype and v.dtype == dtype.np_dtype and v.shape == (3, 2)


@pytest.mark.parametrize("dtype", [tf.int32, tf.int64])
def test_int_dtypes(dtype):
    with tf.Graph().as_default():
        t = tf.random_uniform([4, 3], minval=5, maxval=9, dtype=dtype)
        assert _op(t, "RandomUniformInt").type == "RandomUniformInt"
        v = _sample(t)
    assert v.dtype == dtype.np_dtype and v.min() >= 5 and v.max() < 9


# -- shapes --------------------------------------------------------------------------------

def test_static_shape_from_constant_and_partial_shapes():
    with tf.Graph().as_default():
        assert tf.random_normal([2, 3]).shape.as_list() == [2, 3]
        assert tf.random_uniform(tf.TensorShape([4, 1])).shape.as_list() == [4, 1]
        assert tf.truncated_normal([]).shape.as_list() == []
        n = tf.placeholder(tf.int32, [])
        t = tf.random_normal([n, 3])
        assert t.shape.as_list() == [None, 3]
        s = tf.placeholder(tf.int32, [2])
        assert tf.random_uniform(s).shape.as_list() == [None, None]
        with tf.Session() as sess:
            assert sess.run(t, {n: 4}).shape == (4, 3)
            assert sess.run(tf.random_uniform(s), {s: [0, 2]}).shape == (0, 2)


def test_op_names_follow_tf():
    with tf.Graph().as_default() as graph:
        assert tf.random_normal([2]).name == "random_normal:0"
        assert tf.truncated_normal([2], name="noise").name == "noise:0"
        assert tf.random_uniform([2], -1.0, 1.0).name == "random_uniform:0"
        assert tf.random_uniform([2], 0, 5, dtype=tf.int32).name == "random_uniform_1:0"
        assert tf.random_uniform([2]).name == "random_uniform_2/RandomUniform:0"
    names = [op.name for op in graph.get_operations()]
    assert names[:6] == ["random_normal/shape", "random_normal/mean", "random_normal/stddev",
                         "random_normal/RandomStandardNormal", "random_normal/mul",
                         "random_normal"]


def test_shape_must_be_a_vector():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="rank 1"):
            tf.random_normal([[2, 3]])
        with pytest.raises(ValueError, match="rank 0"):
            tf.random_uniform([2], minval=[0, 1], maxval=5, dtype=tf.int32)


# -- errors -------------------------------------------------------------------------------

def test_uniform_int_needs_minval_below_maxval_at_run_time():
    with tf.Graph().as_default():
        hi = tf.placeholder(tf.int32, [])
        t = tf.random_uniform([3], minval=4, maxval=hi, dtype=tf.int32)
        empty = tf.random_uniform([0], minval=4, maxval=hi, dtype=tf.int32)
        with tf.Session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match="Need minval < maxval: 4 >= 4"):
                sess.run(t, {hi: 4})
            assert sess.run(empty, {hi: 1}).shape == (0,)   # TF checks bounds after this exit
            assert sess.run(t, {hi: 5}).tolist() == [4, 4, 4]


def test_negative_dimension_is_invalid_argument():
    with tf.Graph().as_default():
        s = tf.placeholder(tf.int32, [2])
        t = tf.random_normal(s)
        with tf.Session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError, match="Dimension -1 must be >= 0"):
                sess.run(t, {s: [2, -1]})


def test_constructor_argument_errors():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="Must specify maxval for integer dtype"):
            tf.random_uniform([2], dtype=tf.int32)
        with pytest.raises(ValueError, match="invalid value"):
            tf.random_uniform([2], dtype=tf.string)
        with pytest.raises(TypeError):
            tf.random_normal([2], dtype=tf.int32)


# -- registry facts and the public namespace ------------------------------------------------

@pytest.mark.parametrize("op_type", RANDOM_OPS)
def test_random_ops_are_stateful_and_not_differentiable(op_type):
    assert op_registry.is_stateful(op_type)
    assert op_registry.GRADIENTS[op_type] is None


def test_gradient_through_random_op_is_none():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [3])
        y = tf.reduce_sum(x * tf.random_normal([3], seed=1))
        gx, = tf.gradients(y, [x])
        assert gx is not None
        mean = tf.constant(0.0)
        z = tf.random_normal([3], mean=mean)
        assert tf.gradients(z, [mean])[0] is not None   # through the Add, not the op
        shape = tf.placeholder(tf.int32, [1])
        assert tf.gradients(tf.random_uniform(shape), [shape]) == [None]


def test_namespace_aliases():
    assert tf.random.normal is tf.random_normal
    assert tf.random.uniform is tf.random_uniform
    assert tf.random.truncated_normal is tf.truncated_normal
    assert tf.random.set_seed is tf.set_random_seed
    assert tf.get_seed is random_ops.get_seed
