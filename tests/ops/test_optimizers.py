"""TF1 optimizers and their update ops: step-by-step values against TensorFlow's formulas
(dense and sparse), slot names, global step, in-place updates and copy-on-write, errors."""
from __future__ import annotations

import numpy as np
import pytest

import sessionflow as tf
from sessionflow.graph.op_builder import apply_op
from sessionflow.ops.train import optimizers as opt_lib
from sessionflow.ops.train import training_util

_SHAPE = (5, 3)
_GRADS = [np.random.default_rng(i).uniform(-1, 1, _SHAPE).astype(np.float32)
          for i in range(4)]
_ROWS = [[0, 3, 0], [4, 1], [3, 3, 3, 2], [1]]
_W0 = np.random.default_rng(9).uniform(-1, 1, _SHAPE).astype(np.float32)

_OPTIMIZERS = {
    "sgd": lambda: opt_lib.GradientDescentOptimizer(0.1),
    "momentum": lambda: opt_lib.MomentumOptimizer(0.1, 0.9),
    "nesterov": lambda: opt_lib.MomentumOptimizer(0.1, 0.9, use_nesterov=True),
    "adam": lambda: opt_lib.AdamOptimizer(0.1, beta1=0.8, beta2=0.95, epsilon=1e-3),
    "adagrad": lambda: opt_lib.AdagradOptimizer(0.2, initial_accumulator_value=0.3),
    "rmsprop": lambda: opt_lib.RMSPropOptimizer(0.05, decay=0.8, momentum=0.5, epsilon=1e-3),
    "centered": lambda: opt_lib.RMSPropOptimizer(0.05, decay=0.8, momentum=0.5, epsilon=1e-3,
                                                 centered=True),
    "adadelta": lambda: opt_lib.AdadeltaOptimizer(1.0, rho=0.9, epsilon=1e-3),
}
# The update op of each optimizer, for resource variables and for ref variables.
_DENSE_OPS = {True: {"sgd": "ResourceApplyGradientDescent", "momentum": "ResourceApplyMomentum",
                     "nesterov": "ResourceApplyMomentum", "adam": "ResourceApplyAdam",
                     "adagrad": "ResourceApplyAdagrad", "rmsprop": "ResourceApplyRMSProp",
                     "centered": "ResourceApplyCenteredRMSProp",
                     "adadelta": "ResourceApplyAdadelta"},
              False: {"sgd": "ApplyGradientDescent", "momentum": "ApplyMomentum",
                      "nesterov": "ApplyMomentum", "adam": "ApplyAdam",
                      "adagrad": "ApplyAdagrad", "rmsprop": "ApplyRMSProp",
                      "centered": "ApplyCenteredRMSProp", "adadelta": "ApplyAdadelta"}}
_SPARSE_OPS = {True: {"sgd": "ResourceScatterAdd", "momentum": "ResourceSparseApplyMomentum",
                      "nesterov": "ResourceSparseApplyMomentum", "adam": "ResourceScatterAdd",
                      "adagrad": "ResourceSparseApplyAdagrad",
                      "rmsprop": "ResourceSparseApplyRMSProp",
                      "centered": "ResourceSparseApplyCenteredRMSProp",
                      "adadelta": "ResourceSparseApplyAdadelta"},
               False: {"sgd": "ScatterSub", "momentum": "SparseApplyMomentum",
                       "nesterov": "SparseApplyMomentum", "adam": "ScatterAdd",
                       "adagrad": "SparseApplyAdagrad", "rmsprop": "SparseApplyRMSProp",
                       "centered": "SparseApplyCenteredRMSProp",
                       "adadelta": "SparseApplyAdadelta"}}
_VARIABLE_OP = {True: "VarHandleOp", False: "VariableV2"}
_KINDS = pytest.mark.parametrize("use_resource", [True, False], ids=["resource", "ref"])


# -- numpy references (TensorFlow's kernel formulas, in float64) -------------------------------

def _initial_state(kind: str, w: np.ndarray) -> dict:
    fill = {"acc": 0.3 if kind == "adagrad" else 0.0, "ms": 1.0}
    names = {"sgd": [], "momentum": ["a"], "nesterov": ["a"], "adam": ["m", "v"],
             "adagrad": ["acc"], "rmsprop": ["ms", "mom"], "centered": ["ms", "mg", "mom"],
             "adadelta": ["acc", "upd"]}[kind]
    state = {n: np.full_like(w, fill.get(n, 0.0)) for n in names}
    if kind == "adam":
        state.update(b1p=0.8, b2p=0.95)
    return state


def _reference_step(kind: str, w: np.ndarray, s: dict, g: np.ndarray) -> np.ndarray:
    """One update of ``w`` (and of the state dict ``s``, in place) by TF's formula."""
    if kind == "sgd":
        return w - 0.1 * g
    if kind in ("momentum", "nesterov"):
        s["a"] = s["a"] * 0.9 + g
        step = g * 0.1 + s["a"] * 0.9 * 0.1 if kind == "nesterov" else s["a"] * 0.1
        return w - step
    if kind == "adam":
        alpha = 0.1 * np.sqrt(1 - s["b2p"]) / (1 - s["b1p"])
        s["m"] = s["m"] + (g - s["m"]) * 0.2
        s["v"] = s["v"] + (g * g - s["v"]) * 0.05
        s["b1p"] *= 0.8
        s["b2p"] *= 0.95
        return w - s["m"] * alpha / (np.sqrt(s["v"]) + 1e-3)
    if kind == "adagrad":
        s["acc"] = s["acc"] + g * g
        return w - 0.2 * g / np.sqrt(s["acc"])
    if kind in ("rmsprop", "centered"):
        s["ms"] = s["ms"] + (g * g - s["ms"]) * 0.2
        denom = s["ms"] + 1e-3
        if kind == "centered":
            s["mg"] = s["mg"] + (g - s["mg"]) * 0.2
            denom = denom - s["mg"] ** 2
        s["mom"] = s["mom"] * 0.5 + 0.05 * g / np.sqrt(denom)
        return w - s["mom"]
    s["acc"] = s["acc"] * 0.9 + g * g * 0.1
    update = np.sqrt(s["upd"] + 1e-3) / np.sqrt(s["acc"] + 1e-3) * g
    s["upd"] = s["upd"] * 0.9 + update * update * 0.1
    return w - update


def _reference(kind: str, sparse: bool) -> list[np.ndarray]:
    """w after each step; sparse steps sum duplicate rows and (except for SGD and Adam,
    whose TF sparse paths are dense-equivalent) touch only those rows."""
    w = _W0.astype(np.float64)
    s = _initial_state(kind, w)
    history = []
    for step, g in enumerate(_GRADS):
        g = g.astype(np.float64)
        if sparse:
            rows = _ROWS[step]
            dense = np.zeros_like(w)
            np.add.at(dense, rows, g[:len(rows)])
            if kind in ("sgd", "adam"):
                w = _reference_step(kind, w, s, dense)
            else:
                touched = np.unique(rows)
                sub = {k: v[touched] for k, v in s.items()}
                w[touched] = _reference_step(kind, w[touched], sub, dense[touched])
                for k, v in sub.items():
                    s[k][touched] = v
        else:
            w = _reference_step(kind, w, s, g)
        history.append(w.copy())
    return history


def _train(kind: str, sparse: bool, use_resource: bool) -> tuple[list[np.ndarray], list[str]]:
    """Runs the optimizer for len(_GRADS) steps on a resource or ref variable; returns w
    after each and the op types. Slots are variables of w's kind."""
    graph = tf.Graph()
    with graph.as_default():
        w = tf.Variable(_W0, name="w", use_resource=use_resource)
        opt = _OPTIMIZERS[kind]()
        if sparse:
            idx = tf.placeholder(tf.int32, [None])
            vals = tf.placeholder(tf.float32, [None, _SHAPE[1]])
            train = opt.minimize(tf.reduce_sum(tf.gather(w, idx) * vals))
        else:
            grad = tf.placeholder(tf.float32, _SHAPE)
            train = opt.apply_gradients([(grad, w)])
        init = tf.global_variables_initializer()
        assert {v.op.type for v in tf.global_variables()} == {_VARIABLE_OP[use_resource]}
    history = []
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        for step, g in enumerate(_GRADS):
            rows = _ROWS[step]
            feed = {idx: rows, vals: g[:len(rows)]} if sparse else {grad: g}
            sess.run(train, feed)
            history.append(sess.run(w))
    return history, [op.type for op in graph.get_operations()]


@_KINDS
@pytest.mark.parametrize("kind", sorted(_OPTIMIZERS))
def test_dense_updates_match_tf_formulas(kind, use_resource):
    got, types = _train(kind, sparse=False, use_resource=use_resource)
    assert _DENSE_OPS[use_resource][kind] in types
    for step, (g, want) in enumerate(zip(got, _reference(kind, sparse=False))):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, want, rtol=2e-5, atol=2e-6, err_msg=f"step {step}")


@_KINDS
@pytest.mark.parametrize("kind", sorted(_OPTIMIZERS))
def test_sparse_updates_match_tf_formulas(kind, use_resource):
    """tf.gather on a variable gives IndexedSlices; duplicate rows are summed first."""
    got, types = _train(kind, sparse=True, use_resource=use_resource)
    assert _SPARSE_OPS[use_resource][kind] in types
    assert _DENSE_OPS[use_resource][kind] not in types
    for step, (g, want) in enumerate(zip(got, _reference(kind, sparse=True))):
        np.testing.assert_allclose(g, want, rtol=2e-5, atol=2e-6, err_msg=f"step {step}")


# -- the update ops themselves -----------------------------------------------------------------

def _var_session(value: np.ndarray, *extra: np.ndarray):
    """A graph with resource variables holding ``value`` (and ``extra``), initialized."""
    graph = tf.Graph()
    with graph.as_default():
        variables = [tf.Variable(v, name=f"v{i}", use_resource=True)
                     for i, v in enumerate((value,) + extra)]
    sess = tf.Session(graph=graph)
    sess.run([v.initializer for v in variables])
    return graph, sess, variables


def test_sparse_kernel_applies_duplicate_indices_in_order():
    """Without the optimizer's deduplication, TF's loop applies repeated rows in turn."""
    var0, acc0 = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), np.full((3, 2), 0.5)
    grad = np.array([[0.5, -1.0], [2.0, 1.0], [-0.5, 0.25], [1.0, 1.0]])
    indices = np.array([1, 0, 1, 1])
    graph, sess, (var, acc) = _var_session(var0, acc0)
    with graph.as_default():
        inputs = [var.handle, acc.handle, np.float64(0.3), grad, indices]
        update = apply_op("ResourceSparseApplyAdagrad", inputs)
    sess.run(update)
    want_var, want_acc = var0.copy(), acc0.copy()
    for g, i in zip(grad, indices):
        want_acc[i] += g * g
        want_var[i] -= 0.3 * g / np.sqrt(want_acc[i])
    got_var, got_acc = sess.run([var, acc])
    np.testing.assert_allclose(got_var, want_var, rtol=1e-12)
    np.testing.assert_allclose(got_acc, want_acc, rtol=1e-12)


def test_resource_scatter_add_accumulates_duplicates():
    graph, sess, (var,) = _var_session(np.zeros((4, 2), np.float32))
    with graph.as_default():
        indices = tf.placeholder(tf.int32)
        updates = tf.placeholder(tf.float32)
        add = apply_op("ResourceScatterAdd", [var.handle, indices, updates])
    sess.run(add, {indices: [[0, 2], [0, 3]], updates: np.ones((2, 2, 2))})
    np.testing.assert_array_equal(sess.run(var), [[2, 2], [0, 0], [1, 1], [1, 1]])
    sess.run(add, {indices: [1, 1], updates: 0.5})       # a scalar update broadcasts
    np.testing.assert_array_equal(sess.run(var)[1], [1, 1])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[1,1\] = 9 is not in "
                                                             r"\[0, 4\)"):
        sess.run(add, {indices: [[0, 1], [2, 9]], updates: np.ones((2, 2, 2))})
    with pytest.raises(tf.errors.InvalidArgumentError, match="updates.shape = indices.shape"):
        sess.run(add, {indices: [0, 1], updates: np.ones((2, 3))})


def test_update_op_attrs_and_runtime_errors():
    """update_slots=False leaves the accumulator; bad shapes, indices and scalars fail
    at run time with TF's messages when static shapes cannot catch them."""
    graph, sess, (var, acc) = _var_session(np.ones((3, 2), np.float32),
                                           np.full((3, 2), 4.0, np.float32))
    with graph.as_default():
        lr = tf.placeholder(tf.float32)
        grad = tf.placeholder(tf.float32)
        indices = tf.placeholder(tf.int32)
        adagrad = apply_op("ResourceApplyAdagrad", [var.handle, acc.handle, lr, grad],
                           {"update_slots": False})
        sparse = apply_op("ResourceSparseApplyAdagrad", [var.handle, acc.handle, lr, grad,
                                                         indices])
    sess.run(adagrad, {lr: 0.5, grad: np.full((3, 2), 2.0)})
    np.testing.assert_allclose(sess.run([var, acc]), [np.full((3, 2), 0.5), np.full((3, 2), 4)])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"var and grad do not have the same shape\[3,2\] \[2,3\]"):
        sess.run(adagrad, {lr: 0.5, grad: np.ones((2, 3))})
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"lr is not a scalar: \[1,2\]"):
        sess.run(adagrad, {lr: [[0.5, 0.5]], grad: np.ones((3, 2))})
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="Index 7 at offset 1 in indices is out of range"):
        sess.run(sparse, {lr: 0.5, grad: np.ones((2, 2)), indices: [0, 7]})
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="grad must be the same size as indices in the first dimension"):
        sess.run(sparse, {lr: 0.5, grad: np.ones((3, 2)), indices: [0, 1]})


def test_static_shape_errors_and_uninitialized_variables():
    graph = tf.Graph()
    with graph.as_default():
        var = tf.Variable(np.ones((3, 2), np.float32), name="w", use_resource=True)
        with pytest.raises(ValueError, match="not compatible"):
            apply_op("ResourceApplyGradientDescent",
                     [var.handle, 0.1, np.ones((2, 3), np.float32)])
        with pytest.raises(ValueError, match="rank 0"):
            apply_op("ResourceApplyGradientDescent", [var.handle, [0.1, 0.2],
                                                      np.ones((3, 2), np.float32)])
        update = apply_op("ResourceApplyGradientDescent", [var.handle, 0.1,
                                                           np.ones((3, 2), np.float32)])
    with tf.Session(graph=graph) as sess:
        with pytest.raises(tf.errors.FailedPreconditionError, match="w"):
            sess.run(update)


def test_nesterov_adam_op_matches_tf_formula():
    w0, g = _W0.astype(np.float64), _GRADS[0].astype(np.float64)
    graph, sess, (var, m, v) = _var_session(w0, np.full(_SHAPE, 0.1), np.full(_SHAPE, 0.2))
    with graph.as_default():
        update = apply_op("ResourceApplyAdam", [var.handle, m.handle, v.handle] + [
            np.float64(x) for x in (0.5, 0.7, 0.01, 0.9, 0.99, 1e-7)] + [g],
            {"use_nesterov": True})
    sess.run(update)
    alpha = 0.01 * np.sqrt(1 - 0.7) / (1 - 0.5)
    m1 = 0.1 + (g - 0.1) * 0.1
    v1 = 0.2 + (g * g - 0.2) * 0.01
    want = w0 - (g * 0.1 + 0.9 * m1) * alpha / (np.sqrt(v1) + 1e-7)
    np.testing.assert_allclose(sess.run(var), want, rtol=1e-12)


# -- in-place updates and copy-on-write --------------------------------------------------------

def _buffer(sess, name: str) -> np.ndarray:
    return sess.resource_mgr.lookup("_variables/", name).value


@_KINDS
def test_updates_happen_in_place(use_resource):
    """With nothing else holding a variable's buffer, every step updates that buffer."""
    graph = tf.Graph()
    with graph.as_default():
        w = tf.Variable(np.ones((256, 128), np.float32), name="w", use_resource=use_resource)
        grad = tf.placeholder(tf.float32, [256, 128])
        train = opt_lib.AdamOptimizer(0.01).apply_gradients([(grad, w)])
        init = tf.global_variables_initializer()
    g = np.full((256, 128), 0.5, np.float32)
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        sess.run(train, {grad: g})
        first = {n: _buffer(sess, n).ctypes.data for n in ("w", "w/Adam", "w/Adam_1")}
        for _ in range(3):
            sess.run(train, {grad: g})
        assert {n: _buffer(sess, n).ctypes.data for n in first} == first
        assert not np.allclose(_buffer(sess, "w"), 1.0)


@_KINDS
def test_update_does_not_corrupt_a_fetched_value(use_resource):
    graph = tf.Graph()
    with graph.as_default():
        w = tf.Variable(np.ones((4, 3), np.float32), name="w", use_resource=use_resource)
        grad = tf.placeholder(tf.float32, [4, 3])
        train = opt_lib.GradientDescentOptimizer(0.5).apply_gradients([(grad, w)])
    with tf.Session(graph=graph) as sess:
        sess.run(w.initializer)
        fetched = sess.run(w)
        assert np.shares_memory(fetched, _buffer(sess, "w")), "the fetch is the live buffer"
        sess.run(train, {grad: np.ones((4, 3))})
        np.testing.assert_array_equal(fetched, np.ones((4, 3)))
        np.testing.assert_array_equal(sess.run(w), np.full((4, 3), 0.5))
        del fetched
        before = _buffer(sess, "w").ctypes.data
        sess.run(train, {grad: np.ones((4, 3))})
        assert _buffer(sess, "w").ctypes.data == before


# -- Optimizer API -----------------------------------------------------------------------------

def _slot_names(make_opt) -> tuple[dict, list]:
    graph = tf.Graph()
    with graph.as_default():
        with tf.variable_scope("layer"):
            w = tf.Variable(np.ones((3, 2), np.float32), name="w")
        opt = make_opt()
        opt.minimize(tf.reduce_sum(w * w))
        names = {s: opt.get_slot(w, s).op.name for s in opt.get_slot_names()}
        return names, [v.op.name for v in opt.variables()]


def test_slot_names_follow_tensorflow():
    assert _slot_names(_OPTIMIZERS["momentum"]) == (
        {"momentum": "layer/w/Momentum"}, ["layer/w/Momentum"])
    assert _slot_names(_OPTIMIZERS["adam"]) == (
        {"m": "layer/w/Adam", "v": "layer/w/Adam_1"},
        ["beta1_power", "beta2_power", "layer/w/Adam", "layer/w/Adam_1"])
    assert _slot_names(_OPTIMIZERS["centered"])[0] == {
        "rms": "layer/w/RMSProp", "mg": "layer/w/RMSProp_1", "momentum": "layer/w/RMSProp_2"}
    assert _slot_names(_OPTIMIZERS["adagrad"])[0] == {"accumulator": "layer/w/Adagrad"}
    assert _slot_names(_OPTIMIZERS["adadelta"])[0] == {
        "accum": "layer/w/Adadelta", "accum_update": "layer/w/Adadelta_1"}


@_KINDS
def test_slots_are_initialized_non_trainable_globals(use_resource):
    graph = tf.Graph()
    with graph.as_default():
        w = tf.Variable(np.ones((3, 2), np.float32), name="w", use_resource=use_resource)
        opt = opt_lib.RMSPropOptimizer(0.1)
        train = opt.minimize(tf.reduce_sum(w * w))
        assert tf.trainable_variables() == [w]
        assert set(opt.variables()) <= set(tf.global_variables())
        assert opt.get_slot(w, "nope") is None
        assert graph.get_collection(tf.GraphKeys.TRAIN_OP) == [train]
        assert train.name == "RMSProp" and train.type == "NoOp"
        update = "ResourceApplyRMSProp" if use_resource else "ApplyRMSProp"
        assert graph.get_operation_by_name(f"RMSProp/update_w/{update}")
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            np.testing.assert_array_equal(sess.run(opt.get_slot(w, "rms")), np.ones((3, 2)))
            sess.run(train)


def test_global_step_increments_and_is_unique():
    graph = tf.Graph()
    with graph.as_default():
        step = training_util.get_or_create_global_step()
        assert step is training_util.get_or_create_global_step()
        assert step.op.name == "global_step" and step.dtype.base_dtype == tf.int64
        assert not step.trainable
        assert graph.get_collection(tf.GraphKeys.GLOBAL_STEP) == [step]
        assert step in tf.global_variables()
        with pytest.raises(ValueError, match='"global_step" already exists'):
            training_util.create_global_step()
        w = tf.Variable(3.0, name="w")
        train = opt_lib.GradientDescentOptimizer(0.25).minimize(w * w, global_step=step)
        increment = "AssignAddVariableOp" if tf.resource_variables_enabled() else "AssignAdd"
        assert train.name == "GradientDescent" and train.type == increment
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(3):
                sess.run(train)
            assert training_util.global_step(sess, step) == 3
            assert sess.run(w) == pytest.approx(3.0 * 0.5 ** 3)
    with tf.Graph().as_default():
        assert training_util.get_global_step() is None


def test_minimize_linear_regression_converges():
    rng = np.random.default_rng(0)
    x_data = rng.normal(size=(64, 3)).astype(np.float32)
    w_true = np.array([[1.5], [-2.0], [0.5]], np.float32)
    y_data = x_data @ w_true + 0.75
    for make_opt, steps in ((lambda: opt_lib.GradientDescentOptimizer(0.1), 300),
                            (lambda: opt_lib.AdamOptimizer(0.05), 600)):
        graph = tf.Graph()
        with graph.as_default():
            x = tf.placeholder(tf.float32, [None, 3])
            y = tf.placeholder(tf.float32, [None, 1])
            w = tf.Variable(tf.zeros([3, 1]), name="w")
            b = tf.Variable(0.0, name="b")
            loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
            train = make_opt().minimize(loss)
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                for _ in range(steps):
                    sess.run(train, {x: x_data, y: y_data})
                got_w, got_b, final = sess.run([w, b, loss], {x: x_data, y: y_data})
        np.testing.assert_allclose(got_w, w_true, atol=1e-3)
        assert got_b == pytest.approx(0.75, abs=1e-3) and final < 1e-5


def test_learning_rate_as_tensor_callable_and_float64_variables():
    graph = tf.Graph()
    with graph.as_default():
        w = tf.Variable(np.ones(3), name="w")                     # float64
        lr = tf.placeholder(tf.float32, [])
        train = opt_lib.MomentumOptimizer(lr, lambda: 0.5).minimize(tf.reduce_sum(w * w))
        assert "Cast" in [op.type for op in graph.get_operations()]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train, {lr: 0.25})
            sess.run(train, {lr: 0.125})
            w1 = 1 - 0.25 * 2.0
            want = w1 - 0.125 * (2.0 * 0.5 + 2.0 * w1)
            np.testing.assert_allclose(sess.run(w), np.full(3, want))


@pytest.mark.parametrize("gate", [opt_lib.Optimizer.GATE_NONE, opt_lib.Optimizer.GATE_OP,
                                  opt_lib.Optimizer.GATE_GRAPH])
def test_gate_gradients_modes_agree(gate):
    graph = tf.Graph()
    with graph.as_default():
        a = tf.Variable([1.0, 2.0], name="a")
        b = tf.Variable([[0.5], [1.5]], name="b")
        loss = tf.reduce_sum(tf.matmul(tf.expand_dims(a, 0), b))
        train = opt_lib.GradientDescentOptimizer(0.1).minimize(loss, gate_gradients=gate)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train)
            got_a, got_b = sess.run([a, b])
    np.testing.assert_allclose(got_a, [0.95, 1.85])
    np.testing.assert_allclose(got_b, [[0.4], [1.3]], rtol=1e-6)


def test_constraints_apply_after_the_update():
    graph = tf.Graph()
    with graph.as_default():
        w = tf.Variable([0.2, -0.4], name="w",
                        constraint=lambda v: tf.clip_by_value(v, -0.5, 0.5))
        train = opt_lib.GradientDescentOptimizer(1.0).minimize(tf.reduce_sum(w))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train)
            np.testing.assert_allclose(sess.run(w), [-0.5, -0.5])


def test_ref_update_ops_output_the_updated_ref():
    """Apply*/SparseApply* on ref variables output the updated ref, as TF's; the sparse
    ones apply repeated indices one after another."""
    g = _GRADS[0]
    rows = np.array([1, 4, 1], np.int32)
    graph = tf.Graph()
    with graph.as_default():
        w = tf.Variable(_W0, name="w", use_resource=False)
        acc = tf.Variable(np.full(_SHAPE, 0.5, np.float32), name="acc", use_resource=False)
        descent = apply_op("ApplyGradientDescent", [w, np.float32(2.0), g])
        dense = apply_op("ApplyAdagrad", [w, acc, np.float32(0.1), g])
        sparse = apply_op("SparseApplyAdagrad", [w, acc, np.float32(0.1), g[:3], rows])
    for out in (descent, dense, sparse):
        assert out.dtype == tf.float32._as_ref and out.shape == _SHAPE
    want_w, want_acc = _W0 - 2.0 * g.astype(np.float64), np.full(_SHAPE, 0.5)
    with tf.Session(graph=graph) as sess:
        sess.run([w.initializer, acc.initializer])
        np.testing.assert_allclose(sess.run(descent), want_w, rtol=1e-6)
        want_acc += g * g
        want_w -= 0.1 * g / np.sqrt(want_acc)
        np.testing.assert_allclose(sess.run(dense), want_w, rtol=1e-5)
        for row, grad in zip(rows, g[:3]):
            want_acc[row] += grad * grad
            want_w[row] -= 0.1 * grad / np.sqrt(want_acc[row])
        np.testing.assert_allclose(sess.run(sparse), want_w, rtol=1e-5)
        np.testing.assert_allclose(sess.run(acc), want_acc, rtol=1e-6)


def test_optimizer_errors_match_tensorflow():
    with tf.Graph().as_default():
        w = tf.Variable(1.0, name="w")
        other = tf.Variable(2.0, name="other")
        with pytest.raises(ValueError, match=r"No gradients provided for any variable, check "
                                             r"your graph for ops that do not support "
                                             r"gradients, between variables"):
            opt_lib.GradientDescentOptimizer(0.1).minimize(other * 2.0, var_list=[w])
        with pytest.raises(ValueError, match="Invalid type"):
            opt_lib.GradientDescentOptimizer(0.1).minimize(tf.constant(1))
        with pytest.raises(ValueError, match="No variables provided"):
            opt_lib.GradientDescentOptimizer(0.1).apply_gradients([])
        with pytest.raises(ValueError, match="gate_gradients must be one of"):
            opt_lib.GradientDescentOptimizer(0.1).minimize(w * w, gate_gradients=7)
        with pytest.raises(ValueError, match="initial_accumulator_value must be positive"):
            opt_lib.AdagradOptimizer(0.1, initial_accumulator_value=0.0)
        with pytest.raises(ValueError, match="Must specify the optimizer name"):
            opt_lib.GradientDescentOptimizer(0.1, name="")
        class NoUpdate(opt_lib.Optimizer):
            pass
        with pytest.raises(NotImplementedError, match="NoUpdate has no fused update op"):
            NoUpdate(False, "NoUpdate").minimize(w * w)
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="No variables to optimize."):
            opt_lib.GradientDescentOptimizer(0.1).minimize(tf.constant(1.0) * 2.0)


def test_train_namespace_exports():
    from sessionflow.ops.train import learning_rate_decay
    for module in (opt_lib, training_util, learning_rate_decay):
        for name in module.EXPORTS["train"]:
            assert getattr(tf.train, name) is getattr(module, name), name
