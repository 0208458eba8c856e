"""Graph model: naming, scopes, control deps, devices, collections, versions, GraphDef I/O."""
from __future__ import annotations

import numpy as np
import pytest

import sessionflow as tf
from sessionflow.graph.serialization.graph_io import (import_graph_def, parse_graph_def,
    read_graph_def, write_graph)


def test_unique_names_and_scopes(graph):
    a = tf.constant(1.0)
    b = tf.constant(2.0)
    assert (a.op.name, b.op.name) == ("Const", "Const_1")
    assert (a + b).name == "add:0"
    assert (a + b).name == "add_1:0"
    with tf.name_scope("layer"):
        assert (a * b).op.name == "layer/mul"
        with tf.name_scope("inner"):
            assert tf.identity(a).op.name == "layer/inner/Identity"
    with tf.name_scope("layer"):
        assert tf.identity(a).op.name == "layer_1/Identity"
    with tf.name_scope("layer/"):
        assert tf.identity(a).op.name == "layer/Identity"
    with tf.name_scope(None):
        assert tf.identity(a, name="top").op.name == "top"
    assert tf.constant(0, name="Const_1").op.name == "Const_1_1"


def test_tensor_names_shapes_and_lookup(graph):
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    assert x.name == "x:0" and x.shape.as_list() == [None, 3]
    assert graph.get_tensor_by_name("x:0") is x
    assert graph.get_operation_by_name("x") is x.op
    with pytest.raises(KeyError):
        graph.get_tensor_by_name("y:0")
    y = tf.matmul(x, tf.ones([3, 5]))
    assert y.shape.as_list() == [None, 5]
    with pytest.raises(ValueError, match="Dimensions must be equal"):
        tf.matmul(x, tf.ones([4, 5]))


def test_control_dependencies_and_devices(graph):
    a = tf.constant(1.0)
    with tf.control_dependencies([a]):
        b = tf.constant(2.0)
        with tf.control_dependencies(None):
            c = tf.constant(3.0)
    assert b.op.control_inputs == (a.op,)
    assert c.op.control_inputs == ()
    with tf.device("/job:ps/task:0"):
        with tf.device("/cpu:0"):
            d = tf.constant(4.0)
    assert d.device == "/job:ps/task:0/device:CPU:0"


def test_collections_finalize_version(graph):
    graph.add_to_collection("things", 1)
    tf.add_to_collection("things", 2)
    assert tf.get_collection("things") == [1, 2]
    v0 = graph.version
    tf.constant(1.0)
    assert graph.version == v0 + 1
    graph.finalize()
    with pytest.raises(RuntimeError, match="finalized"):
        tf.constant(2.0)


def test_default_graph_stack():
    g1 = tf.Graph()
    with g1.as_default():
        assert tf.get_default_graph() is g1
        with pytest.raises(AssertionError):
            tf.reset_default_graph()
    before = tf.get_default_graph()
    tf.reset_default_graph()
    assert tf.get_default_graph() is not before


def test_graph_def_round_trip_runs(graph):
    x = tf.placeholder(tf.float32, [2], name="x")
    y = tf.reduce_sum(tf.square(x) * 3.0, name="y")
    gd = graph.as_graph_def()
    assert gd.node[0].name == "x" and gd.node[0].attr["dtype"].type == 1
    data = gd.SerializeToString()
    g2 = tf.Graph()
    with g2.as_default():
        x2, y2 = import_graph_def(parse_graph_def(data), return_elements=["x:0", "y:0"])
    assert x2.name == "import/x:0"
    with tf.Session(graph=g2) as sess:
        assert sess.run(y2, {x2: [1.0, 2.0]}) == 15.0
    del y


def test_import_input_map_and_default_attrs(graph):
    x = tf.placeholder(tf.float32, [2], name="x")
    tf.identity(x * 2.0, name="out")
    gd = graph.as_graph_def()
    for node in gd.node:
        if node.op == "Mul":
            del node.attr["T"]      # missing attrs with no default are rejected
    g2 = tf.Graph()
    with g2.as_default():
        with pytest.raises(tf.errors.InvalidArgumentError, match="missing attr 'T'"):
            import_graph_def(gd, name="a")
    gd = graph.as_graph_def()
    g3 = tf.Graph()
    with g3.as_default():
        c = tf.constant([5.0, 6.0])
        out, = import_graph_def(gd, input_map={"x:0": c}, return_elements=["out:0"], name="m")
        with tf.Session() as sess:
            np.testing.assert_array_equal(sess.run(out), [10.0, 12.0])
        with pytest.raises(ValueError, match="not found"):
            import_graph_def(gd, input_map={"nope:0": c})


def test_malformed_and_unknown_graph_defs():
    with pytest.raises(tf.errors.InvalidArgumentError, match="Invalid GraphDef"):
        parse_graph_def(b"\x0a\xff\xff\xff\xff\x0f garbage")
    from sessionflow.proto import graph_pb2
    gd = graph_pb2.GraphDef()
    gd.node.add(name="n", op="NoSuchOp")
    with tf.Graph().as_default():
        with pytest.raises(tf.errors.NotFoundError, match="NoSuchOp"):
            import_graph_def(gd)
    gd = graph_pb2.GraphDef()
    gd.node.add(name="n", op="Identity", input=["ghost"]).attr["T"].type = 1
    with tf.Graph().as_default():
        with pytest.raises(tf.errors.InvalidArgumentError, match="ghost"):
            import_graph_def(gd)


def test_text_format_write_read(graph, tmp_path):
    tf.constant([1, 2], name="c")
    path = write_graph(graph, str(tmp_path), "g.pbtxt")
    assert read_graph_def(path) == graph.as_graph_def()
    binary = write_graph(graph, str(tmp_path), "g.pb", as_text=False)
    assert read_graph_def(binary) == graph.as_graph_def()
    with pytest.raises(tf.errors.InvalidArgumentError, match="escapes"):
        write_graph(graph, str(tmp_path), "../evil.pb")
    with pytest.raises(tf.errors.NotFoundError):
        read_graph_def(str(tmp_path / "missing.pb"))


def test_type_errors_at_build_time(graph):
    x = tf.placeholder(tf.float32)
    with pytest.raises(TypeError, match="float32"):
        tf.add(x, tf.constant(1, tf.int32))
    with pytest.raises(TypeError):
        tf.constant(1.5, dtype=tf.int32)
    s = tf.constant(["a"])
    with pytest.raises(TypeError, match="allowed values"):
        tf.sqrt(s)
    with pytest.raises(TypeError, match="bool"):
        if x:
            pass


def test_operator_overloads(graph):
    a = tf.constant([4.0, 9.0])
    exprs = [a + 1, 1 + a, a - 1, 1 - a, a * 2, 2 * a, a / 2, 8 / a, a // 2, a % 2, a ** 2,
             -a, abs(-a), a > 5, a <= 4]
    with tf.Session() as sess:
        vals = sess.run(exprs)
    want = [[5, 10], [5, 10], [3, 8], [-3, -8], [8, 18], [8, 18], [2, 4.5], [2, 8 / 9],
            [2, 4], [0, 1], [16, 81], [-4, -9], [4, 9], [False, True], [True, False]]
    for v, w in zip(vals, want):
        np.testing.assert_allclose(v, w, rtol=1e-6)


def test_python_inputs_become_consts_named_after_the_op_argument(graph):
    a = tf.constant(1.0, name="a")
    c = tf.add(a, 1.0, name="c")
    assert [t.op.name for t in c.op.inputs] == ["a", "c/y"]
    assert (a * 2.0).op.inputs[1].op.name == "mul/y"
