"""Freezing variables into constants, subgraph extraction, removing training nodes."""
from __future__ import annotations

import numpy as np

import sessionflow as tf


def test_freeze_resource_and_ref_variables_then_run_frozen_graph():
    with tf.Graph().as_default() as g:
        x = tf.placeholder(tf.float32, [None, 2], name="x")
        w = tf.Variable([[1.0], [2.0]], name="w")
        b = tf.Variable([0.5], name="b", use_resource=False)
        tf.identity(tf.matmul(x, w) + b, name="out")
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(w.assign([[3.0], [4.0]]))
            frozen = tf.graph_util.convert_variables_to_constants(
                sess, g.as_graph_def(), ["out"])
    ops = {n.name: n.op for n in frozen.node}
    assert ops["w"] == "Const" and ops["b"] == "Const"
    assert "VarHandleOp" not in ops.values() and "VariableV2" not in ops.values()
    assert not any(n.op == "AssignVariableOp" for n in frozen.node)
    with tf.Graph().as_default():
        out, = tf.import_graph_def(frozen, return_elements=["out:0"], name="")
        with tf.Session() as sess:
            np.testing.assert_allclose(sess.run(out, {"x:0": [[1.0, 1.0]]}), [[7.5]])


def test_extract_sub_graph_and_remove_training_nodes():
    with tf.Graph().as_default() as g:
        a = tf.constant(1.0, name="a")
        b = tf.identity(a, name="b")
        tf.add(b, 1.0, name="c")
        tf.constant(5.0, name="unused")
    sub = tf.graph_util.extract_sub_graph(g.as_graph_def(), ["c"])
    assert sorted(n.name for n in sub.node) == ["a", "b", "c", "c/y"]
    stripped = tf.graph_util.remove_training_nodes(sub)
    assert "b" not in [n.name for n in stripped.node]
    c = [n for n in stripped.node if n.name == "c"][0]
    assert c.input[0] == "a"
