"""TF1's variable default: ref variables, so TF1 programs see what TF 1.x gives them."""
import subprocess
import sys

import numpy as np
import pytest

import sessionflow as tf
from tests.conftest import resource_variables

_BUILD_DEFAULT_VARIABLES = """
import sessionflow as tf
w = tf.Variable(1.0, name="W")
g = tf.get_variable("g", shape=[3])
tf.layers.dense(tf.zeros([1, 2]), 3, name="dense")
kernel = tf.get_default_graph().get_operation_by_name("dense/kernel")
print(tf.resource_variables_enabled(), w.op.type, g.op.type, kernel.type)
"""


def test_a_fresh_process_makes_ref_variables():
    """The library's own default, whatever this test session set (see conftest)."""
    out = subprocess.run([sys.executable, "-c", _BUILD_DEFAULT_VARIABLES], check=True,
                         capture_output=True, text=True).stdout.split()
    assert out == ["False", "VariableV2", "VariableV2", "VariableV2"]


def test_variables_are_ref_variables_unless_resource_variables_are_enabled(graph):
    with resource_variables(False):
        w = tf.Variable(np.ones((2, 2), np.float32), name="W")
        g = tf.get_variable("g", shape=[3])
        assert w.op.type == "VariableV2" and g.op.type == "VariableV2"
        assert graph.get_operation_by_name("W/read").type == "Identity"
        assert tf.Variable(1.0, use_resource=True).op.type == "VarHandleOp"
        tf.enable_resource_variables()
        try:
            assert tf.resource_variables_enabled()
            assert tf.Variable(1.0).op.type == "VarHandleOp"
            assert tf.Variable(1.0, use_resource=False).op.type == "VariableV2"
        finally:
            tf.disable_resource_variables()
        assert not tf.resource_variables_enabled()


def test_fetching_an_imported_variable_by_name_gives_its_value(tmp_path):
    with resource_variables(False), tf.Graph().as_default():
        w = tf.Variable(np.arange(4, dtype=np.float32).reshape(2, 2), name="W")
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(w.initializer)
            prefix = saver.save(sess, str(tmp_path / "model"))
    with tf.Graph().as_default():
        restorer = tf.train.import_meta_graph(prefix + ".meta")
        with tf.Session() as sess:
            restorer.restore(sess, prefix)
            np.testing.assert_array_equal(sess.run("W:0"), [[0, 1], [2, 3]])


def test_get_variable_takes_its_dtype_from_a_value_initializer(graph):
    assert tf.get_variable("i", initializer=3).dtype.base_dtype == tf.int32
    assert tf.get_variable("f", initializer=[1.5, 2]).dtype.base_dtype == tf.float32
    assert tf.get_variable("d", initializer=np.zeros(2)).dtype.base_dtype == tf.float64
    assert tf.get_variable("c", initializer=tf.constant([1, 2], tf.int64)).dtype.base_dtype == \
        tf.int64
    assert tf.get_variable("z", shape=[2], dtype=tf.int32,
                           initializer=tf.constant_initializer(1)).dtype.base_dtype == tf.int32
    with pytest.raises(ValueError, match="Initializer type '<dtype: 'int32'>' and explicit "
                                         "dtype '<dtype: 'float32'>' don't match."):
        tf.get_variable("q", initializer=3, dtype=tf.float32)
