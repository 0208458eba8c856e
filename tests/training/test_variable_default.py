"""TF1's variable default: ref variables, so TF1 programs see what TF 1.x gives them."""
import numpy as np

import sessionflow as tf


def test_variables_are_ref_variables_unless_resource_variables_are_enabled(graph):
    w = tf.Variable(np.ones((2, 2), np.float32), name="W")
    g = tf.get_variable("g", shape=[3])
    assert w.op.type == "VariableV2" and g.op.type == "VariableV2"
    assert tf.Variable(1.0, use_resource=True).op.type == "VarHandleOp"
    tf.enable_resource_variables()
    try:
        assert tf.Variable(1.0).op.type == "VarHandleOp"
    finally:
        tf.disable_resource_variables()
    assert not tf.resource_variables_enabled()


def test_fetching_an_imported_variable_by_name_gives_its_value(tmp_path):
    with tf.Graph().as_default():
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
