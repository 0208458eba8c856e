"""The fused ops as graph nodes: ``_FusedMatMul``/``_FusedConv2D`` built by hand or imported
from a GraphDef that TensorFlow's grappler remapper produced run like the chains they
replace; unsupported ``fused_ops`` and bad shapes fail with TF's error types."""
from __future__ import annotations

import numpy as np
import pytest
from google.protobuf import text_format

import sessionflow as tf
from sessionflow.graph.op_builder import apply_op
from sessionflow.proto import node_def_pb2

RNG = np.random.default_rng(5)

# NodeDefs as TensorFlow 2.21's grappler remapper emitted them (tf_optimizer.OptimizeGraph
# with the "remap" optimizer on a CPU graph of relu(bias_add(conv2d(x, w), b)) and
# relu(bias_add(matmul(a, m), b))), shape hints trimmed.
TF_FUSED_CONV = """
name: "conv_out" op: "_FusedConv2D" input: "x" input: "w" input: "b" device: "/device:CPU:0"
attr { key: "use_cudnn_on_gpu" value { b: true } }
attr { key: "strides" value { list { i: 1 i: 1 i: 1 i: 1 } } }
attr { key: "padding" value { s: "SAME" } }
attr { key: "num_host_args" value { i: 0 } }
attr { key: "num_args" value { i: 1 } }
attr { key: "leakyrelu_alpha" value { f: 0.2 } }
attr { key: "fused_ops" value { list { s: "BiasAdd" s: "Relu" } } }
attr { key: "filter_format" value { s: "HWIO" } }
attr { key: "explicit_paddings" value { list { } } }
attr { key: "epsilon" value { f: 0 } }
attr { key: "dilations" value { list { i: 1 i: 1 i: 1 i: 1 } } }
attr { key: "data_format" value { s: "NHWC" } }
attr { key: "T" value { type: DT_FLOAT } }
attr { key: "TArgs" value { list { type: DT_FLOAT } } }
"""
TF_FUSED_MATMUL = """
name: "dense_out" op: "_FusedMatMul" input: "a" input: "m" input: "b" device: "/device:CPU:0"
attr { key: "transpose_b" value { b: false } }
attr { key: "transpose_a" value { b: false } }
attr { key: "num_args" value { i: 1 } }
attr { key: "leakyrelu_alpha" value { f: 0.2 } }
attr { key: "fused_ops" value { list { s: "BiasAdd" s: "Relu" } } }
attr { key: "epsilon" value { f: 0 } }
attr { key: "T" value { type: DT_FLOAT } }
"""


def _run_unfused(fetch_pre_activation, feeds):
    """Runs ``fetch_pre_activation`` (product + bias, fetched so the plan cannot fuse it)
    and returns relu of it, computed by the Relu op of the same plan."""
    relu = tf.nn.relu(fetch_pre_activation)
    with tf.Session() as sess:
        out, _ = sess.run([relu, fetch_pre_activation], feeds)
    return out


def test_fused_matmul_built_by_hand_matches_matmul_bias_add_relu():
    av = RNG.standard_normal((6, 7)).astype(np.float32)
    mv = RNG.standard_normal((7, 3)).astype(np.float32)
    bv = RNG.standard_normal(3).astype(np.float32)
    with tf.Graph().as_default():
        a = tf.placeholder(tf.float32, [None, 7])
        m, b = tf.constant(mv), tf.constant(bv)
        fused = apply_op("_FusedMatMul", [a, m, [b]],
                         {"fused_ops": ["BiasAdd", "Relu"], "num_args": 1, "epsilon": 0.0})
        assert fused.op.type == "_FusedMatMul" and fused.shape.as_list() == [None, 3]
        with tf.Session() as sess:
            got = sess.run(fused, {a: av})
        want = _run_unfused(tf.nn.bias_add(tf.matmul(a, m), b), {a: av})
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got, np.maximum(av @ mv + bv, 0), rtol=1e-5, atol=1e-5)


def _graph_with_inputs(xv_shape, wv, mv, bv) -> tuple:
    """A GraphDef holding the inputs TF's fused nodes read."""
    with tf.Graph().as_default() as g:
        tf.placeholder(tf.float32, xv_shape, name="x")
        tf.placeholder(tf.float32, [None, mv.shape[0]], name="a")
        tf.constant(wv, name="w")
        tf.constant(mv, name="m")
        tf.constant(bv, name="b")
    return g.as_graph_def()


def test_fused_nodes_of_a_tensorflow_graph_def_run():
    xv = RNG.standard_normal((2, 5, 6, 3)).astype(np.float32)
    av = RNG.standard_normal((4, 3)).astype(np.float32)
    wv = RNG.standard_normal((3, 2, 3, 2)).astype(np.float32)
    mv = RNG.standard_normal((3, 2)).astype(np.float32)
    bv = np.array([0.1, -0.2], np.float32)
    graph_def = _graph_with_inputs(xv.shape, wv, mv, bv)
    for text in (TF_FUSED_CONV, TF_FUSED_MATMUL):
        graph_def.node.append(text_format.Parse(text, node_def_pb2.NodeDef()))
    with tf.Graph().as_default():
        conv, dense = tf.import_graph_def(graph_def, return_elements=["conv_out:0",
                                                                      "dense_out:0"], name="")
        assert conv.shape.as_list() == [2, 5, 6, 2] and dense.shape.as_list() == [None, 2]
        x, a = (tf.get_default_graph().get_tensor_by_name(n) for n in ("x:0", "a:0"))
        with tf.Session() as sess:
            got_conv, got_dense = sess.run([conv, dense], {x: xv, a: av})
        want_conv = _run_unfused(tf.nn.bias_add(tf.nn.conv2d(x, wv, [1, 1, 1, 1], "SAME"), bv),
                                 {x: xv})
        want_dense = _run_unfused(tf.nn.bias_add(tf.matmul(a, mv), bv), {a: av})
    np.testing.assert_allclose(got_conv, want_conv, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got_dense, want_dense, rtol=1e-6, atol=1e-6)


def test_fused_ops_are_not_differentiable():
    with tf.Graph().as_default():
        a = tf.placeholder(tf.float32, [2, 3])
        y = apply_op("_FusedMatMul", [a, tf.ones([3, 4]), [tf.zeros([4])]],
                     {"fused_ops": ["BiasAdd"], "num_args": 1})
        assert tf.gradients(tf.reduce_sum(y), a) == [None]


def test_unsupported_fused_ops_fail_naming_the_node():
    with tf.Graph().as_default():
        a = tf.placeholder(tf.float32, [2, 3])
        y = apply_op("_FusedMatMul", [a, tf.ones([3, 4]), [tf.zeros([4])]],
                     {"fused_ops": ["BiasAdd", "GeluExact"], "num_args": 1}, name="gelu_dense")
        with tf.Session() as sess:
            with pytest.raises(tf.errors.UnimplementedError, match="gelu_dense"):
                sess.run(y, {a: np.zeros((2, 3), np.float32)})


def test_bias_of_the_wrong_size_fails_at_build_and_at_run():
    with tf.Graph().as_default():
        a = tf.placeholder(tf.float32, [2, 3])
        with pytest.raises(ValueError, match="Dimensions must be equal"):
            apply_op("_FusedMatMul", [a, tf.ones([3, 4]), [tf.zeros([5])]],
                     {"fused_ops": ["BiasAdd"], "num_args": 1})
        bias = tf.placeholder(tf.float32, None)
        y = apply_op("_FusedConv2D", [tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2, 4]), [bias], []],
                     {"strides": [1, 1, 1, 1], "padding": "SAME", "fused_ops": ["BiasAdd"],
                      "num_args": 1})
        with tf.Session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError, match="output channels"):
                sess.run(y, {bias: np.zeros(3, np.float32)})
