"""Session.run: fetch structures, feeds, pruning, plans, errors, threads."""
from __future__ import annotations

import collections
import threading

import numpy as np
import pytest

import sessionflow as tf
from sessionflow.session.executor import plan as executor


def test_nested_fetch_structures(graph):
    a = tf.constant(1.0, name="a")
    b = tf.constant([2, 3], name="b")
    Pair = collections.namedtuple("Pair", ["x", "y"])
    with tf.Session() as sess:
        out = sess.run({"k": [a, (b, "a:0")], "p": Pair(a, b), "op": a.op})
    assert out["k"][0] == 1.0
    assert isinstance(out["k"][1], tuple)
    np.testing.assert_array_equal(out["k"][1][0], [2, 3])
    assert out["k"][1][1] == 1.0
    assert isinstance(out["p"], Pair) and out["p"].x == 1.0
    assert out["op"] is None


def test_feed_intermediate_and_prune(graph):
    x = tf.placeholder(tf.float32, [2], name="x")
    y = x * 2.0
    z = y + 1.0
    with tf.Session() as sess:
        # x is not needed when y is fed: pruning stops at fed tensors.
        np.testing.assert_allclose(sess.run(z, {y: [1.0, 2.0]}), [2.0, 3.0])
        np.testing.assert_allclose(sess.run(z, {"x:0": [1.0, 2.0]}), [3.0, 5.0])


def test_unfed_placeholder_error_names_it(graph):
    x = tf.placeholder(tf.float32, [None, 3], name="inp")
    y = tf.identity(x)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="must feed a value for "
                                                                "placeholder tensor 'inp'"):
            sess.run(y)


def test_feed_dtype_and_shape_checked(graph):
    x = tf.placeholder(tf.int32, [2, 3], name="x")
    y = x + 1
    with tf.Session() as sess:
        # TF's classes and message: a ValueError at feed time.
        with pytest.raises(ValueError, match=r"Cannot feed value of shape \(3, 2\) for Tensor "
                                             r"x:0, which has shape \(2, 3\)"):
            sess.run(y, {x: np.zeros([3, 2], np.int32)})
        with pytest.raises(ValueError, match="invalid literal for int"):
            sess.run(y, {x: [["a", "b", "c"]] * 2})
        # numpy converts to the tensor's dtype, as TF does (floats truncate).
        np.testing.assert_array_equal(sess.run(y, {x: np.full([2, 3], 1.7)}), np.full([2, 3], 2))
        # Lossless conversions are accepted, as TF does.
        np.testing.assert_array_equal(sess.run(y, {x: [[1, 2, 3], [4, 5, 6]]}),
                                      [[2, 3, 4], [5, 6, 7]])


def test_feed_nonexistent_tensor(graph):
    x = tf.placeholder(tf.float32, name="x")
    with tf.Session() as sess:
        with pytest.raises(TypeError, match="Cannot interpret feed_dict key"):
            sess.run(x, {"nope:0": 1.0})
        with pytest.raises(TypeError, match="Cannot interpret feed_dict key"):
            sess.run(x, {"x:3": 1.0})


def test_fetch_from_another_graph(graph):
    other = tf.Graph()
    with other.as_default():
        c = tf.constant(1.0)
    with tf.Session() as sess:
        with pytest.raises(ValueError, match="not an element of this graph"):
            sess.run(c)
        with pytest.raises(ValueError, match="cannot be interpreted"):
            sess.run("missing:0")


def test_kernel_error_names_op_type_shapes_and_origin(graph):
    a = tf.placeholder(tf.float32, name="a")
    c = tf.reshape(a, [5], name="bad_reshape")
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            sess.run(c, {a: np.zeros([2, 3], np.float32)})
    msg = str(info.value)
    assert "bad_reshape" in msg and "Reshape" in msg and "[2, 3]" in msg
    assert "test_session.py" in msg
    assert info.value.op.name == "bad_reshape"



def test_closed_session_and_context_manager(graph):
    c = tf.constant(3.0)
    sess = tf.Session()
    assert sess.run(c) == 3.0
    sess.close()
    with pytest.raises(RuntimeError, match="closed Session"):
        sess.run(c)
    with tf.Session() as s2:
        assert tf.get_default_session() is s2
        assert c.eval() == 3.0
    assert tf.get_default_session() is None


def test_interactive_session_eval_and_run(graph):
    v = tf.constant([1.0, 2.0])
    sess = tf.InteractiveSession()
    try:
        np.testing.assert_array_equal(v.eval(), [1.0, 2.0])
        tf.no_op(name="nop").run()
    finally:
        sess.close()
    with pytest.raises(ValueError, match="No default session"):
        v.eval()


def test_make_callable(graph):
    x = tf.placeholder(tf.float32, [None])
    y = tf.reduce_sum(x * x)
    with tf.Session() as sess:
        f = sess.make_callable([y, x], feed_list=[x])
        out = f(np.array([1.0, 2.0], np.float32))
        assert out[0] == 5.0
        with pytest.raises(TypeError, match="expects 1"):
            f()


def test_fetched_constant_is_a_private_copy(graph):
    c = tf.constant([1.0, 2.0])
    with tf.Session() as sess:
        v = sess.run(c)
        v[0] = 100.0
        assert sess.run(c)[0] == 1.0


def test_plan_cached_per_signature_and_rebuilt_after_graph_change(graph, monkeypatch):
    builds = []
    original = executor.StaticPlan.__init__

    def counting(self, *args, **kwargs):
        builds.append(1)
        original(self, *args, **kwargs)
    monkeypatch.setattr(executor.StaticPlan, "__init__", counting)
    x = tf.placeholder(tf.float32, [])
    y = x + 1.0
    with tf.Session() as sess:
        for i in range(5):
            assert sess.run(y, {x: float(i)}) == i + 1
        assert len(builds) == 1
        tf.identity(y)  # graph changes -> new version
        sess.run(y, {x: 0.0})
        assert len(builds) == 2


def test_concurrent_runs_are_correct_and_build_one_plan(graph, monkeypatch):
    builds = []
    original = executor.StaticPlan.__init__
    lock = threading.Lock()

    def counting(self, *args, **kwargs):
        with lock:
            builds.append(1)
        original(self, *args, **kwargs)
    monkeypatch.setattr(executor.StaticPlan, "__init__", counting)
    x = tf.placeholder(tf.float32, [64])
    y = tf.reduce_sum(tf.tanh(x) * 2.0)
    sess = tf.Session()
    errors, barrier = [], threading.Barrier(8)

    def worker(seed):
        rng = np.random.default_rng(seed)
        barrier.wait()
        for _ in range(200):
            v = rng.random(64).astype(np.float32)
            got = sess.run(y, {x: v})
            if not np.isclose(got, np.sum(np.tanh(v) * 2), rtol=1e-5):
                errors.append((got, v))
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sess.close()
    assert not errors
    assert len(builds) == 1


def test_cycle_is_invalid_argument():
    from sessionflow.graph.serialization.graph_io import import_graph_def
    from sessionflow.proto import graph_pb2
    gd = graph_pb2.GraphDef()
    for name, inp in (("a", "b"), ("b", "a")):
        n = gd.node.add(name=name, op="Identity", input=[inp])
        n.attr["T"].type = 1
    with tf.Graph().as_default():
        with pytest.raises(tf.errors.InvalidArgumentError, match="cycle"):
            import_graph_def(gd, name="")


def test_constant_folding_and_cse_keep_results(graph):
    x = tf.placeholder(tf.float32, [3])
    c = tf.constant(2.0) * tf.constant(3.0)       # folded
    y1 = tf.exp(x)
    y2 = tf.exp(x)                                # merged with y1
    out = y1 * c + y2
    with tf.Session() as sess:
        v = np.array([0.0, 1.0, 2.0], np.float32)
        np.testing.assert_allclose(sess.run(out, {x: v}), np.exp(v) * 7, rtol=1e-6)


def test_run_metadata_step_stats_and_timeout(graph):
    from sessionflow.proto import config_pb2
    x = tf.placeholder(tf.float32, [3], name="x")
    y = tf.reduce_sum(tf.exp(x), name="total")
    options = config_pb2.RunOptions(trace_level=config_pb2.RunOptions.FULL_TRACE)
    metadata = config_pb2.RunMetadata()
    with tf.Session() as sess:
        v = sess.run(y, {x: [0.0, 0.0, 0.0]}, options=options, run_metadata=metadata)
        assert v == 3.0
        names = [n.node_name for d in metadata.step_stats.dev_stats for n in d.node_stats]
        assert "total" in names and "Exp" in names
        quick = config_pb2.RunOptions(timeout_in_ms=60000)
        assert sess.run(y, {x: [0.0, 0.0, 0.0]}, options=quick) == 3.0
