"""Lists that hold tensors convert to tensors by auto-packing (TF's Pack conversion)."""
import numpy as np
import pytest

import sessionflow as tf
from tests.conftest import run


pytestmark = pytest.mark.usefixtures("graph")


def test_reshape_fill_slice_tile_take_lists_mixing_tensors_and_python_ints():
    x = tf.placeholder(tf.float32, [None, 2, 3])
    batch = tf.shape(x)[0]
    flat = tf.reshape(x, [batch, -1])
    filled = tf.fill([batch, 2], 7.0)
    sliced = tf.slice(x, [0, 0, 0], [batch, 1, 2])
    tiled = tf.tile(x, [batch, 1, 1])
    value = np.arange(30, dtype=np.float32).reshape(5, 2, 3)
    out = run([flat, filled, sliced, tiled], {x: value}, init_variables=True)
    np.testing.assert_array_equal(out[0], value.reshape(5, 6))
    np.testing.assert_array_equal(out[1], np.full((5, 2), 7.0))
    np.testing.assert_array_equal(out[2], value[:, :1, :2])
    assert out[3].shape == (25, 2, 3)
    assert filled.shape.as_list() == [None, 2] and tiled.shape.as_list() == [None, 2, 3]


def test_packing_follows_tf_names_and_dtype_rules():
    x = tf.placeholder(tf.float32, [None, 4])
    shape = tf.convert_to_tensor([tf.shape(x)[0], 1])
    assert shape.op.type == "Pack" and shape.op.name == "packed" and shape.dtype == tf.int32
    assert [t.op.name for t in shape.op.inputs] == ["strided_slice", "packed/1"]
    nested = tf.convert_to_tensor([[tf.constant(1.0), 2.0], [3, 4]])
    assert nested.shape.as_list() == [2, 2] and nested.dtype == tf.float32
    widened = tf.convert_to_tensor([tf.shape(x)[0], 1], dtype=tf.int64)
    assert widened.dtype == tf.int64
    assert "Cast" in [op.type for op in tf.get_default_graph().get_operations()]
    out = run([shape, nested, widened], {x: np.zeros((3, 4), np.float32)}, init_variables=True)
    np.testing.assert_array_equal(out[0], [3, 1])
    np.testing.assert_array_equal(out[1], [[1.0, 2.0], [3.0, 4.0]])
    assert out[2].dtype == np.int64


def test_variables_pack_and_mixed_tensor_dtypes_are_refused():
    v = tf.Variable(3.0)
    np.testing.assert_array_equal(run(tf.convert_to_tensor([v, 2.0]), init_variables=True), [3.0, 2.0])
    with pytest.raises(TypeError, match="Cannot convert a list containing a tensor of dtype "
                                        "int32 to float32"):
        tf.convert_to_tensor([tf.constant(1.0), tf.constant(1)])


def test_lists_without_tensors_stay_constants():
    t = tf.convert_to_tensor([[1, 2], [3, 4]])
    assert t.op.type == "Const"
