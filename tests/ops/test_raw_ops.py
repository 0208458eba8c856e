"""tf.raw_ops: a keyword-only constructor for every registered op type, by TF's names."""
import inspect

import numpy as np
import pytest

import sessionflow as tf
from sessionflow.graph import op_registry


pytestmark = pytest.mark.usefixtures("graph")


def _public_op_types():
    return sorted(t for t in op_registry.OP_DEFS if not t.startswith("_"))


@pytest.mark.parametrize("op_type", _public_op_types())
def test_every_registered_op_has_a_raw_constructor_with_tf_argument_names(op_type):
    op_def = op_registry.OP_DEFS[op_type]
    params = inspect.signature(getattr(tf.raw_ops, op_type)).parameters
    for arg in op_def.input_arg:
        assert arg.name in params or arg.name + "_" in params
    assert "name" in params
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params.values())
    assert op_type in dir(tf.raw_ops)


def test_raw_ops_build_the_same_op_as_the_public_constructor():
    x = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
    raw = tf.raw_ops.MatMul(a=x, b=x, transpose_b=True, name="raw_mm")
    public = tf.matmul(x, x, transpose_b=True)
    assert raw.op.type == "MatMul" and raw.op.name == "raw_mm"
    assert raw.op.get_attr("transpose_b") is True and raw.op.get_attr("T") == tf.float32
    with tf.Session() as sess:
        np.testing.assert_array_equal(*sess.run([raw, public]))


def test_raw_ops_infer_list_attrs_and_take_required_attrs():
    a, b = tf.constant([1, 2]), tf.constant([3, 4])
    packed = tf.raw_ops.Pack(values=[a, b], axis=1)
    cast = tf.raw_ops.Cast(x=packed, DstT=tf.float32)
    assert packed.op.get_attr("N") == 2
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(cast), [[1, 3], [2, 4]])
    assert cast.dtype == tf.float32


def test_raw_ops_reject_positional_and_unknown_arguments():
    x = tf.constant([1.0])
    with pytest.raises(TypeError, match="keyword arguments only"):
        tf.raw_ops.Neg(x)
    with pytest.raises(TypeError, match="raw_ops.Neg"):
        tf.raw_ops.Neg(x=x, y=x)
    with pytest.raises(TypeError, match="raw_ops.Cast"):
        tf.raw_ops.Cast(x=x)   # DstT is required


def test_unknown_and_internal_op_types_are_attribute_errors():
    with pytest.raises(AttributeError, match="NoSuchOp"):
        tf.raw_ops.NoSuchOp
    from sessionflow.raw_ops import MatMul  # noqa: F401  (module-level lookup works too)
