"""TensorList ops: push/pop semantics, errors, immutability and their gradients."""
from __future__ import annotations

import numpy as np
import pytest

import sessionflow as tf
from sessionflow.graph.op_builder import apply_op
from sessionflow.ops.array.list_ops import empty_tensor_list


def _push(handle, x):
    return apply_op("TensorListPushBack", [handle, x])


def _pop(handle, dtype=tf.float32):
    return apply_op("TensorListPopBack", [handle, [-1]], {"element_dtype": dtype})


def test_push_pop_is_last_in_first_out_and_immutable():
    with tf.Graph().as_default():
        empty = empty_tensor_list([-1], tf.float32)
        one = _push(empty, tf.constant([1.0, 2.0]))
        two = _push(one, tf.constant([3.0]))
        rest, last = _pop(two)
        _, first = _pop(rest)
        _, again = _pop(one)           # `one` is unchanged by the later push
        assert last.shape.as_list() == [None]
        with tf.Session() as sess:
            a, b, c = sess.run([last, first, again])
    np.testing.assert_array_equal(a, [3.0])
    np.testing.assert_array_equal(b, [1.0, 2.0])
    np.testing.assert_array_equal(c, [1.0, 2.0])


def test_errors_are_typed():
    with tf.Graph().as_default():
        empty = empty_tensor_list([-1], tf.float32)
        full = empty_tensor_list([-1], tf.float32, max_num_elements=1)
        with tf.Session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError, match="empty list"):
                sess.run(_pop(empty))
            with pytest.raises(tf.errors.InvalidArgumentError, match="full list"):
                sess.run(_push(_push(full, 1.0), 2.0))


def test_gradient_flows_through_push_and_pop():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [3])
        lst = _push(_push(empty_tensor_list([-1], tf.float64), x * 2.0), tf.sin(x))
        rest, top = _pop(lst, tf.float64)
        _, bottom = _pop(rest, tf.float64)
        y = tf.reduce_sum(top * bottom)
        err = tf.test.compute_gradient_error(x, [3], y, [], x_init_value=[0.1, 0.5, 1.0])
    assert err < 1e-5      # central differences with delta 1e-3
