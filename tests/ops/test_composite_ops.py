"""Composite TF1 functions (no op types of their own) and the small facade modules."""
from __future__ import annotations

import numpy as np
import pytest

import sessionflow as tf

from tests.conftest import resource_variables, run as _run


def test_assign_functions_on_resource_and_ref_variables(graph):
    v = tf.Variable([1.0, 2.0], name="v")
    r = tf.Variable([1.0, 2.0], name="r", use_resource=False)
    out = _run([tf.assign(v, [5.0, 6.0]), tf.assign_add(r, [1.0, 1.0])], init_variables=True)
    np.testing.assert_array_equal(out[0], [5.0, 6.0])
    np.testing.assert_array_equal(out[1], [2.0, 3.0])
    with pytest.raises(TypeError, match="variable"):
        tf.assign(tf.constant(1.0), 2.0)


def test_embedding_lookup_and_its_gradient(graph):
    table = tf.Variable(np.arange(12, dtype=np.float32).reshape(4, 3))
    rows = tf.nn.embedding_lookup(table, [3, 1, 3], max_norm=None)
    g, = tf.gradients(tf.reduce_sum(rows), table)
    value, grad = _run([rows, tf.convert_to_tensor(g)], init_variables=True)
    np.testing.assert_array_equal(value, np.arange(12).reshape(4, 3)[[3, 1, 3]])
    np.testing.assert_array_equal(grad, [[0] * 3, [1] * 3, [0] * 3, [2] * 3])


def test_conv2d_transpose_is_the_adjoint_of_conv2d(graph):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 5, 6, 3)).astype(np.float32)
    w = rng.standard_normal((3, 3, 4, 3)).astype(np.float32)   # [h, w, out_c, in_c]
    y = rng.standard_normal((2, 10, 12, 4)).astype(np.float32)
    up = tf.nn.conv2d_transpose(tf.constant(x), tf.constant(w), [2, 10, 12, 4], [1, 2, 2, 1])
    down = tf.nn.conv2d(tf.constant(y), tf.constant(w), [1, 2, 2, 1], "SAME")
    u, d = _run([up, down])
    assert u.shape == (2, 10, 12, 4)
    assert np.vdot(u, y) == pytest.approx(np.vdot(x, d), rel=1e-4)


def test_tensordot_eye_norm_count_nonzero_sequence_mask_xw_plus_b(graph):
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    b = np.arange(20, dtype=np.float32).reshape(4, 5)
    c = np.arange(12, dtype=np.float32).reshape(3, 4)
    td1 = tf.tensordot(a, b, 1)
    td2 = tf.tensordot(a, c, [[1, 2], [0, 1]])
    out = _run([td1, td2, tf.eye(2, 3), tf.norm([3.0, 4.0]),
                tf.norm([[1.0, -2.0]], ord=1, axis=1), tf.count_nonzero([[0, 1], [2, 0]], 1),
                tf.sequence_mask([1, 3], 4), tf.nn.xw_plus_b(c[:1], b[:4, :2], [1.0, 2.0])])
    np.testing.assert_allclose(out[0], np.tensordot(a, b, 1))
    np.testing.assert_allclose(out[1], np.tensordot(a, c, [[1, 2], [0, 1]]))
    np.testing.assert_array_equal(out[2], np.eye(2, 3))
    assert out[3] == pytest.approx(5.0)
    np.testing.assert_array_equal(out[4], [3.0])
    np.testing.assert_array_equal(out[5], [1, 1])
    np.testing.assert_array_equal(out[6], [[True, False, False, False],
                                           [True, True, True, False]])
    np.testing.assert_allclose(out[7], c[:1] @ b[:4, :2] + [1.0, 2.0])
    assert td1.shape.as_list() == [2, 3, 5]


def test_facade_modules(tmp_path):
    assert tf.compat.v1 is tf
    assert not tf.executing_eagerly()
    tf.disable_eager_execution()
    tf.logging.set_verbosity(tf.logging.WARN)
    assert tf.logging.get_verbosity() == tf.logging.WARN
    path = str(tmp_path / "d" / "f.txt")
    tf.gfile.MakeDirs(str(tmp_path / "d"))
    with tf.gfile.GFile(path, "w") as f:
        f.write("hello")
    assert tf.gfile.Exists(path) and tf.gfile.ListDirectory(str(tmp_path / "d")) == ["f.txt"]
    with pytest.raises(tf.errors.AlreadyExistsError):
        tf.gfile.Copy(path, path)
    with resource_variables(False), tf.Graph().as_default():
        assert tf.Variable(1.0).op.type == "VariableV2"
    with resource_variables(True), tf.Graph().as_default():
        assert tf.Variable(1.0).op.type == "VarHandleOp"


def test_tuple_case_unique_segment_sum_diag_trace(graph):
    a, b = tf.constant(1.0), tf.constant(2.0)
    ta, tb = tf.tuple([a, b])
    assert [op.name for op in ta.op.control_inputs] == [b.op.name]   # a is its data input
    assert [op.name for op in tb.op.control_inputs] == [a.op.name]
    x = tf.placeholder(tf.int32, [])
    c = tf.case([(tf.less(x, 0), lambda: tf.constant(-1)),
                 (tf.equal(x, 0), lambda: tf.constant(0))], default=lambda: tf.constant(1))
    y, idx = tf.unique([4, 1, 4, 2, 1])
    seg = tf.segment_sum([1.0, 2.0, 3.0, 4.0], [0, 0, 1, 2])
    out = _run([tf.diag([1.0, 2.0]), tf.trace(np.arange(9.0).reshape(3, 3)), y, idx, seg])
    np.testing.assert_array_equal(out[0], [[1.0, 0.0], [0.0, 2.0]])
    assert out[1] == 12.0
    np.testing.assert_array_equal(out[2], [4, 1, 2])
    np.testing.assert_array_equal(out[3], [0, 1, 0, 2, 1])
    np.testing.assert_array_equal(out[4], [3.0, 3.0, 4.0])
    with tf.Session() as sess:
        assert [sess.run(c, {x: v}) for v in (-5, 0, 7)] == [-1, 0, 1]
