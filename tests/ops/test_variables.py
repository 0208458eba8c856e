"""Variables (resource and ref), variable scopes, initializers and their TF names."""
from __future__ import annotations

import weakref

import numpy as np
import pytest

import sessionflow as tf
from sessionflow.ops.state import state_ops


def test_resource_variable_names_and_lifecycle(graph):
    w = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name="w", use_resource=True)
    names = [op.name for op in graph.get_operations()]
    assert names == ["w/Initializer/initial_value", "w", "w/IsInitialized/VarIsInitializedOp",
                     "w/Assign", "w/Read/ReadVariableOp"]
    assert w.name == "w:0" and w.shape.as_list() == [2, 3] and w.dtype == tf.float32
    assert w in tf.global_variables() and w in tf.trainable_variables()
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError, match="w"):
            sess.run(w)
        assert sorted(sess.run(tf.report_uninitialized_variables())) == [b"w"]
        sess.run(w.initializer)
        assert sess.run(tf.is_variable_initialized(w))
        assert sess.run(tf.report_uninitialized_variables()).size == 0
        np.testing.assert_array_equal(sess.run(w.assign_add(tf.ones([2, 3]))),
                                      np.arange(6).reshape(2, 3) + 1)
        np.testing.assert_array_equal(sess.run(w.assign_sub(tf.ones([2, 3]))),
                                      np.arange(6).reshape(2, 3))
        sess.run(w.assign(tf.zeros([2, 3])))
        assert sess.run(tf.reduce_sum(w)) == 0.0
        with pytest.raises(tf.errors.InvalidArgumentError, match="shapes must be equal"):
            sess.run(w.assign_add(tf.ones([3])))


def test_two_sessions_have_independent_state(graph):
    v = tf.Variable(1.0, name="v")
    inc = v.assign_add(1.0)
    s1, s2 = tf.Session(), tf.Session()
    s1.run(v.initializer)
    s2.run(v.initializer)
    s1.run(inc)
    s1.run(inc)
    assert (s1.run(v), s2.run(v)) == (3.0, 1.0)
    s1.close()
    s2.close()


def test_ref_variable_graph_matches_tf1(graph):
    r = tf.Variable(tf.zeros([3]), name="r", use_resource=False)
    assert r.op.type == "VariableV2" and r.dtype.is_ref_dtype
    assert graph.get_operation_by_name("r/Assign").type == "Assign"
    assert graph.get_operation_by_name("r/read").type == "Identity"
    y = r * 2.0 + 1.0
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized value r"):
            sess.run(y)
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(y), [1.0, 1.0, 1.0])
        sess.run(r.assign_add(tf.ones([3])))
        np.testing.assert_array_equal(sess.run(r), [1.0, 1.0, 1.0])


def test_ref_variable_initialization_is_reported(graph):
    """tf.is_variable_initialized on a ref variable is TF's IsVariableInitialized op."""
    r = tf.Variable(tf.zeros([3]), name="r", use_resource=False)
    w = tf.Variable(tf.ones([2]), name="w", use_resource=True)
    is_init = tf.is_variable_initialized(r)
    assert is_init.op.type == "IsVariableInitialized" and is_init.dtype == tf.bool
    report = tf.report_uninitialized_variables()
    with tf.Session() as sess:
        assert not sess.run(is_init)
        assert sorted(sess.run(report)) == [b"r", b"w"]
        sess.run(r.initializer)
        assert sess.run(is_init)
        assert sorted(sess.run(report)) == [b"w"]


def test_gradients_flow_to_variables(graph):
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="w")
    r = tf.Variable([1.0, 1.0], name="r", use_resource=False)
    x = tf.constant([[1.0, 1.0]])
    loss = tf.reduce_sum(tf.matmul(x, w) * r)
    gw, gr = tf.gradients(loss, [w, r])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(gw), [[1.0, 1.0], [1.0, 1.0]])
        np.testing.assert_array_equal(sess.run(gr), [4.0, 6.0])


def test_in_place_update_is_copy_on_write(graph):
    v = tf.Variable(np.zeros(1000, np.float32), name="big")
    inc = v.assign_add(tf.ones([1000]), read_value=False)
    with tf.Session() as sess:
        sess.run(v.initializer)
        var = sess.resource_mgr.lookup(f"{state_ops._RESOURCE_KIND}/", "big")
        sess.run(inc)
        buf = weakref.ref(var.value)        # a weak reference does not pin the buffer
        sess.run(inc)
        assert var.value is buf()           # nothing else held it: updated in place
        fetched = sess.run(v)               # the user now holds the buffer
        sess.run(inc)
        assert fetched[0] == 2.0            # ... so the next update copied first
        assert sess.run(v)[0] == 3.0


def test_variable_scope_reuse_rules(graph):
    with tf.variable_scope("layer"):
        w = tf.get_variable("w", [3, 2])
        assert w.name == "layer/w:0"
    with tf.variable_scope("layer", reuse=True):
        assert tf.get_variable("w") is w
        with pytest.raises(ValueError, match="does not exist"):
            tf.get_variable("nope", [1])
    with tf.variable_scope("layer"):
        with pytest.raises(ValueError, match="already exists"):
            tf.get_variable("w", [3, 2])
    with tf.variable_scope("layer", reuse=tf.AUTO_REUSE):
        assert tf.get_variable("w", [3, 2]) is w
        with pytest.raises(ValueError, match="shape"):
            tf.get_variable("w", [4, 2])
    with tf.variable_scope("outer") as scope:
        a = tf.get_variable("a", [1], initializer=tf.ones_initializer())
        scope.reuse_variables()
        assert tf.get_variable("a") is a
    with tf.variable_scope(None, default_name="dense"):
        d1 = tf.get_variable("k", [1])
    with tf.variable_scope(None, default_name="dense"):
        d2 = tf.get_variable("k", [1])
    assert (d1.name, d2.name) == ("dense/k:0", "dense_1/k:0")
    with tf.variable_scope("init", initializer=tf.constant_initializer(3.0)):
        c = tf.get_variable("c", [2])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(c), [3.0, 3.0])


def test_regularizer_collection(graph):
    with tf.variable_scope("reg", regularizer=lambda v: tf.reduce_sum(v * v)):
        tf.get_variable("w", [2], initializer=tf.ones_initializer())
    losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    assert len(losses) == 1
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(losses[0]) == 2.0


def test_deterministic_initializers(graph):
    shape = [4, 6]
    inits = {
        "zeros": (tf.zeros_initializer(), np.zeros(shape)),
        "ones": (tf.ones_initializer(), np.ones(shape)),
        "const": (tf.constant_initializer(2.5), np.full(shape, 2.5)),
        "identity": (tf.initializers.identity(gain=2.0), 2 * np.eye(4, 6)),
    }
    tensors = {k: init(shape) for k, (init, _) in inits.items()}
    orth = tf.orthogonal_initializer(seed=1)([6, 6])
    with tf.Session() as sess:
        values = sess.run(tensors)
        q = sess.run(orth)
    for k, (_, want) in inits.items():
        np.testing.assert_allclose(values[k], want, err_msg=k)
    np.testing.assert_allclose(q @ q.T, np.eye(6), atol=1e-5)


def test_fans_of_variance_scaling():
    from sessionflow.ops.state.init_ops import _compute_fans
    assert _compute_fans([5, 5, 3, 8]) == (75.0, 200.0)
    assert _compute_fans([3, 7]) == (3.0, 7.0)
    assert _compute_fans([4]) == (4.0, 4.0)
    with pytest.raises(ValueError, match="mode"):
        tf.variance_scaling_initializer(mode="bad")


def test_sparse_read_gradient_is_indexed_slices(graph):
    v = tf.Variable(np.arange(12, dtype=np.float64).reshape(4, 3), name="emb", use_resource=True)
    rows = v.sparse_read([2, 0, 2])
    loss = tf.reduce_sum(rows * rows)
    g, = tf.gradients(loss, v)
    assert isinstance(g, tf.IndexedSlices)
    with tf.Session() as sess:
        sess.run(v.initializer)
        np.testing.assert_array_equal(sess.run(rows), np.arange(12).reshape(4, 3)[[2, 0, 2]])
        dense = sess.run(tf.convert_to_tensor(g))
    want = np.zeros((4, 3))
    for r in (2, 0, 2):
        want[r] += 2 * np.arange(12).reshape(4, 3)[r]
    np.testing.assert_array_equal(dense, want)


def test_random_initializers_follow_tf1_scales(graph):
    fan_in, fan_out = 200, 300
    shape = [fan_in, fan_out]
    tensors = {
        "glorot_uniform": tf.glorot_uniform_initializer(seed=1)(shape),
        "glorot_normal": tf.glorot_normal_initializer(seed=2)(shape),
        "he_normal": tf.initializers.he_normal(seed=3)(shape),
        "he_uniform": tf.initializers.he_uniform(seed=4)(shape),
        "truncated": tf.truncated_normal_initializer(mean=1.0, stddev=0.5, seed=5)(shape),
        "uniform": tf.random_uniform_initializer(-2.0, 3.0, seed=6)(shape),
        "normal": tf.random_normal_initializer(0.5, 2.0, seed=7)(shape),
    }
    with tf.Session() as sess:
        v = sess.run(tensors)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    assert np.abs(v["glorot_uniform"]).max() <= limit
    assert v["glorot_uniform"].std() == pytest.approx(limit / np.sqrt(3), rel=0.05)
    # Truncated normals (TF1's default for VarianceScaling) keep the requested stddev.
    assert v["glorot_normal"].std() == pytest.approx(np.sqrt(2.0 / (fan_in + fan_out)), rel=0.05)
    assert v["he_normal"].std() == pytest.approx(np.sqrt(2.0 / fan_in), rel=0.05)
    assert np.abs(v["he_uniform"]).max() <= np.sqrt(6.0 / fan_in)
    t = v["truncated"]
    assert t.min() >= 0.0 and t.max() <= 2.0 and t.mean() == pytest.approx(1.0, abs=0.02)
    assert v["uniform"].min() >= -2.0 and v["uniform"].max() < 3.0
    assert v["normal"].mean() == pytest.approx(0.5, abs=0.05)
    assert v["normal"].std() == pytest.approx(2.0, rel=0.05)


def test_seeded_initializer_is_reproducible_across_sessions(graph):
    tf.set_random_seed(42)
    init = tf.glorot_uniform_initializer()([3, 4])
    with tf.Session() as s1:
        a = s1.run(init)
    with tf.Session() as s2:
        b = s2.run(init)
    np.testing.assert_array_equal(a, b)


# -- scatter updates ---------------------------------------------------------------------------

_SCATTER_REFERENCE = {"add": np.add, "sub": np.subtract, "mul": np.multiply,
                      "div": np.divide, "min": np.minimum, "max": np.maximum,
                      "update": lambda row, update: update}


@pytest.mark.parametrize("use_resource", [True, False], ids=["resource", "ref"])
@pytest.mark.parametrize("kind", sorted(_SCATTER_REFERENCE))
def test_scatter_updates_apply_repeated_rows_in_turn(graph, kind, use_resource):
    """tf.scatter_<kind> is Scatter<Kind> on a ref variable (its output is the ref) and
    ResourceScatter<Kind> on a resource variable (its output a read after it)."""
    v0 = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]], np.float32)
    indices = np.array([[2, 0], [2, 3]], np.int32)        # row 2 twice
    updates = np.array([[[2.0, -1.0], [0.5, 4.0]], [[-3.0, 8.0], [2.0, 2.0]]], np.float32)
    v = tf.Variable(v0, name="v", use_resource=use_resource)
    out = getattr(tf, f"scatter_{kind}")(v, indices, updates)
    op_type = f"{'Resource' if use_resource else ''}Scatter{kind.title()}"
    assert graph.get_operation_by_name(op_type).type == op_type
    assert out.dtype == (tf.float32 if use_resource else tf.float32._as_ref)
    want = v0.astype(np.float64)
    for row, update in zip(indices.reshape(-1), updates.reshape(-1, 2)):
        want[row] = _SCATTER_REFERENCE[kind](want[row], update)
    with tf.Session() as sess:
        sess.run(v.initializer)
        np.testing.assert_allclose(sess.run(out), want, rtol=1e-6)
        np.testing.assert_allclose(sess.run(v), want, rtol=1e-6)


@pytest.mark.parametrize("use_resource", [True, False], ids=["resource", "ref"])
def test_scatter_variable_methods_and_scalar_updates(graph, use_resource):
    v = tf.Variable(np.zeros((3, 2), np.float32), name="v", use_resource=use_resource)
    sub = v.scatter_sub(tf.IndexedSlices(tf.ones([2, 2]), tf.constant([1, 1])))
    add = tf.scatter_add(v, [0, 2], 0.5)                  # a scalar update broadcasts
    with pytest.raises(TypeError, match="must be a `tf.IndexedSlices`"):
        v.scatter_add(tf.ones([2, 2]))
    with pytest.raises(ValueError, match="not compatible"):
        tf.scatter_update(v, [0, 1], tf.ones([2, 3]))
    with tf.Session() as sess:
        sess.run(v.initializer)
        np.testing.assert_array_equal(sess.run(sub), [[0, 0], [-2, -2], [0, 0]])
        np.testing.assert_array_equal(sess.run(add), [[0.5, 0.5], [-2, -2], [0.5, 0.5]])


def test_ref_scatter_kernel_checks_and_integer_division(graph):
    """TF's ScatterDiv divides integers rounding toward zero; bad inputs fail with TF's
    messages."""
    n = tf.Variable(np.array([7, -7, 9], np.int32), name="n", use_resource=False)
    div = tf.scatter_div(n, [0, 1, 1, 2], [2, 2, 2, -4])
    v = tf.Variable(np.zeros((4, 2), np.float32), name="v", use_resource=False)
    indices, updates = tf.placeholder(tf.int32), tf.placeholder(tf.float32)
    add = tf.scatter_add(v, indices, updates)
    s = tf.Variable(3.0, name="s", use_resource=False)
    scalar = tf.scatter_add(s, [0], 1.0)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized value v"):
            sess.run(add, {indices: [0], updates: np.ones((1, 2))})
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(div), [3, -1, -2])
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"indices\[0,1\] = -1 is not in \[0, 4\)"):
            sess.run(add, {indices: [[0, -1]], updates: np.ones((1, 2, 2))})
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"Must have updates.shape = indices.shape \+ params.shape\[1:\] "
                                 r"or updates.shape = \[\], got updates.shape \[2,3\]"):
            sess.run(add, {indices: [0, 1], updates: np.ones((2, 3))})
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"params must be at least 1-D, got shape \[\]"):
            sess.run(scalar)
