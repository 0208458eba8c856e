"""tf.cond / tf.while_loop and the If/While/PartitionedCall kernels: semantics, captures,
nesting, errors, gradients, and GraphDef round trips."""
import collections

import numpy as np
import pytest

import sessionflow as tf
from sessionflow.graph.function import function_graph
from sessionflow.ops.control_flow import control_flow_ops

from tests.conftest import run as _run

pytestmark = pytest.mark.usefixtures("graph")     # a fresh default graph for every test


def test_cond_builds_stateless_if_with_captures_and_tf_names():
    x = tf.placeholder(tf.float32, [2, 3], name="x")
    y = tf.constant(np.ones([2, 3], np.float32), name="y")
    p = tf.placeholder(tf.bool, [], name="p")
    r = tf.cond(p, lambda: x + y, lambda: x * 2.0)
    op = r.op.inputs[0].op
    assert (op.type, op.name, r.op.name) == ("StatelessIf", "cond", "cond/Identity")
    assert [t.name for t in op.inputs] == ["p:0", "x:0", "y:0"]
    assert r.shape == [2, 3]
    xv = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(_run(r, {x: xv, p: True}), xv + 1)
    np.testing.assert_array_equal(_run(r, {x: xv, p: False}), xv * 2)


def test_cond_with_constant_predicate_still_builds_the_op():
    r = tf.cond(True, lambda: tf.constant(1), lambda: tf.constant(2))
    assert any(op.type == "StatelessIf" for op in tf.get_default_graph().get_operations())
    assert _run(r) == 1


def test_cond_structures_strict_and_fn1_fn2():
    x = tf.constant(3.0)
    pair = tf.cond(x > 0, lambda: (x, {"b": x * 2}), lambda: (-x, {"b": x}))
    assert isinstance(pair, tuple) and set(pair[1]) == {"b"}
    assert _run(pair) == (3.0, {"b": 6.0})
    single = tf.cond(x > 0, lambda: [x], lambda: [x * 0], strict=True)
    assert isinstance(single, list)
    assert _run(tf.cond(x > 0, fn1=lambda: [x], fn2=lambda: [x * 0])) == 3.0
    with pytest.raises(ValueError, match="same number, type, and overall structure"):
        tf.cond(x > 0, lambda: (x, x), lambda: x)
    with pytest.raises(TypeError, match="same dtypes"):
        tf.cond(x > 0, lambda: x, lambda: tf.constant(1))
    with pytest.raises(TypeError, match="true_fn must be callable"):
        tf.cond(x > 0, x, lambda: x)


def test_stateful_branch_builds_if_and_errors_name_the_op():
    x = tf.placeholder(tf.float32, [None], name="x")

    def checked():
        with tf.control_dependencies([tf.Assert(tf.reduce_all(x > 0), [x], name="pos")]):
            return tf.identity(x)
    r = tf.cond(tf.reduce_sum(x) < 100.0, checked, lambda: x)
    assert r.op.inputs[0].op.type == "If"
    np.testing.assert_array_equal(_run(r, {x: [1.0, 2.0]}), [1.0, 2.0])
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        _run(r, {x: [1.0, -2.0]})
    assert "pos" in str(info.value) and "cond" in str(info.value)


def test_runtime_kernel_error_inside_branch_is_typed():
    x = tf.placeholder(tf.float32, None)
    r = tf.cond(tf.constant(True), lambda: tf.reshape(x, [2, 2]), lambda: x)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Reshape"):
        _run(r, {x: np.ones(3, np.float32)})


def test_while_loop_basic_and_tf_layout():
    n = tf.placeholder(tf.int32, [], name="n")
    i, s = tf.while_loop(lambda i, s: i < n, lambda i, s: (i + 1, s + tf.cast(i, tf.float32)),
                         [tf.constant(0), tf.constant(0.0)])
    op = i.op.inputs[0].op
    assert op.type == "StatelessWhile" and op.name == "while"
    assert [t.op.name for t in op.inputs[:2]] == ["while/loop_counter",
                                                  "while/maximum_iterations"]
    assert i.op.name == "while/Identity_2"
    assert _run([i, s], {n: 5}) == [5, 10.0]
    assert _run([i, s], {n: 0}) == [0, 0.0]


def test_while_loop_maximum_iterations_single_var_and_captures():
    step = tf.placeholder(tf.int32, [])
    k = tf.while_loop(lambda k: k < 100, lambda k: k + step, [tf.constant(0)],
                      maximum_iterations=4)
    assert isinstance(k, tf.Tensor)
    assert _run(k, {step: 3}) == 12
    same = tf.while_loop(lambda k: k < 3, lambda k: [k + 1], [tf.constant(0)],
                         return_same_structure=True)
    assert isinstance(same, list) and _run(same) == [3]


def test_while_loop_nested_structures():
    Pair = collections.namedtuple("Pair", "a b")
    out = tf.while_loop(lambda i, p, d: i < 3,
                        lambda i, p, d: (i + 1, Pair(p.a * 2.0, p.b + 1), {"z": d["z"] - 1.0}),
                        [tf.constant(0), Pair(tf.constant(1.0), tf.constant(0)),
                         {"z": tf.constant(0.0)}])
    i, pair, d = out
    assert isinstance(pair, Pair)
    assert _run([i, pair.a, pair.b, d["z"]]) == [3, 8.0, 3, -3.0]


def test_nested_cond_inside_while_reads_outer_tensors():
    x = tf.placeholder(tf.float32, [2])
    _, acc = tf.while_loop(
        lambda i, a: i < 4,
        lambda i, a: (i + 1, tf.cond(tf.equal(i % 2, 0), lambda: a + x, lambda: a * 2.0)),
        [tf.constant(0), tf.zeros([2])])
    xv = np.array([1.0, 2.0], np.float32)
    np.testing.assert_allclose(_run(acc, {x: xv}), ((xv * 2) + xv) * 2)


def test_while_loop_shape_checks():
    v = tf.constant([1.0])
    with pytest.raises(ValueError, match="shape_invariants"):
        tf.while_loop(lambda v: tf.size(v) < 4, lambda v: tf.concat([v, v], 0), [v])
    grown = tf.while_loop(lambda v: tf.size(v) < 4, lambda v: tf.concat([v, v], 0), [v],
                          shape_invariants=[tf.TensorShape([None])])
    assert grown.shape.as_list() == [None]
    assert _run(grown).tolist() == [1.0] * 4
    with pytest.raises(TypeError, match="type"):
        tf.while_loop(lambda v: True, lambda v: tf.constant([1]), [v])


def _jacobian_error(xs, values, y, feed=None):
    """Max |theoretical - central-difference| Jacobian entry of ``y`` w.r.t. ``xs``."""
    return tf.test.compute_gradient_error(xs, [v.shape for v in values], y, y.shape.as_list(),
                                          x_init_value=values, delta=1e-5,
                                          extra_feed_dict=feed)


def _tanh_loop(x, w, **kwargs):
    return tf.while_loop(lambda i, v: i < 5, lambda i, v: (i + 1, tf.tanh(v * w)),
                         [tf.constant(0), x], **kwargs)[1]


def test_while_gradient_wrt_initial_value_and_capture():
    x = tf.placeholder(tf.float64, [2, 3])
    w = tf.placeholder(tf.float64, [3])
    y = _tanh_loop(x, w)
    rng = np.random.default_rng(1)
    values = [rng.uniform(-1, 1, [2, 3]), rng.uniform(0.8, 1.6, [3])]
    assert _jacobian_error([x, w], values, y) < 1e-7
    gi, = tf.gradients(y, y.op.inputs[0].op.inputs[0])   # the int counter
    assert gi is None


def test_while_gradient_with_maximum_iterations_and_counter_use():
    x = tf.placeholder(tf.float64, [3, 2])
    w = tf.placeholder(tf.float64, [])
    _, y = tf.while_loop(lambda i, v: tf.reduce_max(v) < 1e9,
                         lambda i, v: (i + 1, v * w + tf.sin(tf.cast(i, tf.float64) * v)),
                         [tf.constant(0), x], maximum_iterations=3)
    rng = np.random.default_rng(2)
    values = [rng.uniform(-1, 1, [3, 2]), np.array(1.3)]
    assert _jacobian_error([x, w], values, y) < 1e-7


def test_while_gradient_of_a_loop_running_zero_times():
    x = tf.placeholder(tf.float64, [2])
    w = tf.placeholder(tf.float64, [2])
    n = tf.placeholder(tf.int32, [])
    _, y = tf.while_loop(lambda i, v: i < n, lambda i, v: (i + 1, v * w), [tf.constant(0), x])
    gx, gw = tf.gradients(tf.reduce_sum(y * y), [x, w])
    xv, wv = np.array([1.5, -2.0]), np.array([0.5, 3.0])
    got_x, got_w = _run([gx, gw], {x: xv, w: wv, n: 0})
    np.testing.assert_array_equal(got_x, 2 * xv)
    np.testing.assert_array_equal(got_w, [0.0, 0.0])
    got_x, got_w = _run([gx, gw], {x: xv, w: wv, n: 2})
    np.testing.assert_allclose(got_x, 2 * xv * wv ** 4)
    np.testing.assert_allclose(got_w, 4 * xv ** 2 * wv ** 3)


def test_while_gradient_through_nested_cond_and_data_dependent_trip_count():
    x = tf.placeholder(tf.float64, [2])
    w = tf.placeholder(tf.float64, [2])

    def body(v):
        return tf.cond(v[0] > 0.0, lambda: v * w + 1.0, lambda: tf.sin(v) * w + 1.0)
    y = tf.while_loop(lambda v: tf.reduce_sum(v) < 20.0, body, [x])
    values = [np.array([-0.2, 0.4]), np.array([1.7, 2.1])]
    assert _run(y, {x: values[0], w: values[1]})[0] > 0
    assert _jacobian_error([x, w], values, y) < 1e-7


def test_while_gradient_through_nested_while_and_growing_shape():
    x = tf.placeholder(tf.float64, [2])
    w = tf.placeholder(tf.float64, [])

    def body(i, v):
        inner = tf.while_loop(lambda j, u: j < i, lambda j, u: (j + 1, tf.cos(u) * w),
                              [tf.constant(0), v])[1]
        return i + 1, tf.concat([inner, v * w], 0)
    _, y = tf.while_loop(lambda i, v: i < 3, body, [tf.constant(0), x],
                         shape_invariants=[tf.TensorShape([]), tf.TensorShape([None])])
    assert y.shape.as_list() == [None] and _run(tf.shape(y), {x: [1.0, 2.0], w: 1.0}) == [16]
    values = [np.array([0.3, -0.8]), np.array(0.9)]
    y.set_shape([16])
    assert _jacobian_error([x, w], values, y) < 1e-7


def test_stateful_while_gradient_and_imported_graph_def():
    x = tf.placeholder(tf.float64, [2], name="x")

    def body(i, v):
        with tf.control_dependencies([tf.Assert(i < 10, [i])]):
            return i + 1, v * v * 0.5
    _, y = tf.while_loop(lambda i, v: i < 3, body, [tf.constant(0), x], name="loop")
    assert y.op.inputs[0].op.type == "While"
    graph_def = tf.get_default_graph().as_graph_def()
    want = _run(tf.gradients(y, x)[0], {x: [1.0, 1.5]})
    np.testing.assert_allclose(want, np.array([1.0, 1.5]) ** 7 / 16)
    with tf.Graph().as_default() as g2:
        tf.import_graph_def(graph_def, name="")
        gx, = tf.gradients(g2.get_tensor_by_name(y.name), g2.get_tensor_by_name("x:0"))
        np.testing.assert_allclose(_run(gx, {"x:0": [1.0, 1.5]}, graph=g2), want)


def test_second_order_while_gradient_is_a_clear_lookup_error():
    x = tf.placeholder(tf.float64, [])
    g, = tf.gradients(_tanh_loop(x, tf.constant(2.0, tf.float64)), x)
    with pytest.raises(LookupError, match="variant"):
        tf.gradients(g, x)


def _numeric_grad(loss, x, xv, feed):
    eps, out = 1e-6, np.zeros_like(xv)
    with tf.Session() as sess:
        for k in range(xv.size):
            up, down = xv.copy(), xv.copy()
            up.flat[k] += eps
            down.flat[k] -= eps
            out.flat[k] = (sess.run(loss, {**feed, x: up}) - sess.run(loss, {**feed, x: down}))
            out.flat[k] /= 2 * eps
    return out


@pytest.mark.parametrize("flag", [True, False])
def test_gradient_through_cond_with_captures_matches_finite_differences(flag):
    x = tf.placeholder(tf.float64, [2, 3])
    w = tf.placeholder(tf.float64, [3])
    p = tf.placeholder(tf.bool, [])
    c = tf.exp(x)    # captured, so its gradient path crosses the If
    r = tf.cond(p, lambda: tf.sin(c) * w, lambda: tf.reduce_sum(x * w, 1, keepdims=True) * x)
    loss = tf.reduce_sum(r * r)
    gx, gw, gp = tf.gradients(loss, [x, w, p])
    assert gp is None
    rng = np.random.default_rng(0)
    xv, wv = rng.uniform(-1, 1, [2, 3]), rng.uniform(-1, 1, [3])
    feed = {x: xv, w: wv, p: flag}
    got_x, got_w = _run([gx, gw], feed)
    np.testing.assert_allclose(got_x, _numeric_grad(loss, x, xv, feed), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got_w, _numeric_grad(loss, w, wv, {x: xv, p: flag}),
                               rtol=1e-6, atol=1e-6)


def test_gradient_functions_are_registered_in_the_library():
    x = tf.placeholder(tf.float32, [3])
    r = tf.cond(tf.constant(True), lambda: x * x, lambda: x)
    g, = tf.gradients(r, x)
    grad_if = [op for op in tf.get_default_graph().get_operations()
               if op.type == "StatelessIf" and op is not r.op.inputs[0].op]
    assert len(grad_if) == 1
    names = {grad_if[0].attrs[b].name for b in ("then_branch", "else_branch")}
    library = tf.get_default_graph().as_graph_def().library
    assert names <= {f.signature.name for f in library.function}
    np.testing.assert_allclose(_run(g, {x: [1.0, 2.0, 3.0]}), [2.0, 4.0, 6.0])


def test_graph_def_round_trip_runs_in_a_fresh_graph():
    x = tf.placeholder(tf.float32, [2], name="x")
    _, acc = tf.while_loop(lambda i, a: i < 3,
                           lambda i, a: (i + 1, tf.cond(a[0] > 2.0, lambda: a, lambda: a + x)),
                           [tf.constant(0), tf.zeros([2])], name="loop")
    want = _run(acc, {x: [1.0, 5.0]})
    graph_def = tf.get_default_graph().as_graph_def()
    with tf.Graph().as_default() as g2:
        tf.import_graph_def(graph_def, name="")
        got = _run(g2.get_tensor_by_name(acc.name), {"x:0": [1.0, 5.0]}, graph=g2)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(want, [3.0, 15.0])


def test_call_function_and_its_gradient():
    x = tf.placeholder(tf.float64, [2, 2])
    out, = control_flow_ops.call_function(lambda a: tf.matmul(a, a), [x])
    assert out.op.type == "PartitionedCall" and out.shape == [2, 2]
    g, = tf.gradients(tf.reduce_sum(out), x)
    xv = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose(_run(g, {x: xv}), np.ones([2, 2]) @ xv.T + xv.T @ np.ones([2, 2]))


def test_function_body_direct_call_and_attr_placeholder():
    """A FunctionDef body calling another function by op name, typed by an attr."""
    from google.protobuf import text_format
    from sessionflow.proto import graph_pb2
    graph_def = text_format.Parse("""
      node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }
      node { name: "call" op: "PartitionedCall" input: "x"
             attr { key: "Tin" value { list { type: DT_FLOAT } } }
             attr { key: "Tout" value { list { type: DT_FLOAT } } }
             attr { key: "f" value { func { name: "outer" } } } }
      library {
        function {
          signature { name: "square" input_arg { name: "v" type_attr: "T" }
                      output_arg { name: "sq" type_attr: "T" } attr { name: "T" type: "type" } }
          node_def { name: "m" op: "Mul" input: "v" input: "v"
                     attr { key: "T" value { placeholder: "T" } } }
          ret { key: "sq" value: "m:z:0" } }
        function {
          signature { name: "outer" input_arg { name: "a" type: DT_FLOAT }
                      output_arg { name: "o" type: DT_FLOAT } }
          node_def { name: "s" op: "square" input: "a"
                     attr { key: "T" value { type: DT_FLOAT } } }
          ret { key: "o" value: "s:sq:0" } }
      }""", graph_pb2.GraphDef())
    tf.import_graph_def(graph_def, name="")
    assert _run("call:0", {"x:0": [3.0, -2.0]}).tolist() == [9.0, 4.0]


def test_bad_function_references_are_typed_errors():
    from sessionflow.proto import function_pb2
    fdef = function_pb2.FunctionDef()
    fdef.signature.name = "broken"
    fdef.signature.output_arg.add(name="o", type=1)
    fdef.ret["o"] = "nowhere:output:0"
    g = tf.get_default_graph()
    g._add_function(fdef)
    with pytest.raises(tf.errors.InvalidArgumentError, match="nowhere:output:0"):
        function_graph.function_graph(g, "broken")
    with pytest.raises(tf.errors.NotFoundError, match="missing"):
        function_graph.function_graph(g, "missing")
