"""tf.train.FtrlOptimizer and its update ops against TensorFlow and a closed-form reference.

TensorFlow's numbers (tests/data/ftrl/) come from tools/tf_oracle/ftrl_numbers.py, whose
programs and op cases this test runs unchanged on sessionflow: per-step variables and
slots of small models (dense, sparse, ref variables, shrinkage, beta, float64), the update
ops' results on edge inputs and their error messages, and TensorFlow's OpDefs.
"""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
from google.protobuf import text_format

import sessionflow as tf
from tests.conftest import oracle_tool
from sessionflow.graph import op_registry
from sessionflow.graph.op_builder import apply_op
from sessionflow.proto import op_def_pb2

_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
_DATA = os.path.join(_ROOT, "tests", "data", "ftrl")
oracle = oracle_tool("ftrl_numbers")
with open(os.path.join(_DATA, "expected.json"), encoding="utf-8") as _f:
    EXPECTED = json.load(_f)

_TOLERANCE = {"float32": {"rtol": 1e-5, "atol": 1e-6}, "float64": {"rtol": 1e-10, "atol": 1e-12}}


# -- against TensorFlow ------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(oracle.PROGRAMS))
def test_optimizer_matches_tensorflow(name):
    """Variables and slots (initial values included) after each step, slot and op names."""
    got, want = oracle.PROGRAMS[name](tf), EXPECTED["programs"][name]
    for key in ("slot_names", "slot_variables", "ops"):
        assert got[key] == want[key], key
    assert set(got["history"]) == set(want["history"])
    for key, values in want["history"].items():
        np.testing.assert_allclose(got["history"][key], values, err_msg=key,
                                   **_TOLERANCE[want["dtype"]])


def _apply(op_type: str, inputs: dict, attrs: dict):
    return apply_op(op_type, list(inputs.values()), attrs)


@pytest.mark.parametrize("name", sorted(oracle.OP_CASES))
def test_update_ops_match_tensorflow(name):
    """Results (NaN and inf included) or the InvalidArgumentError message, as TF's kernel."""
    case = oracle.OP_CASES[name]
    got, want = oracle.run_op_case(tf, _apply, case), EXPECTED["op_cases"][name]
    assert set(got) == set(want)
    if "error" in want:
        assert got["error"] == want["error"]
        return
    for key, values in want.items():
        np.testing.assert_allclose(got[key], values, err_msg=key, **_TOLERANCE[case["dtype"]])


def test_op_defs_equal_tensorflow():
    with open(os.path.join(_DATA, "ops.pbtxt"), encoding="utf-8") as f:
        tf_ops = text_format.Parse(f.read(), op_def_pb2.OpList()).op
    assert sorted(o.name for o in tf_ops) == sorted(oracle.OP_TYPES)
    for op_def in tf_ops:
        assert op_registry.OP_DEFS[op_def.name] == op_def, op_def.name


def test_constructor_errors_match_tensorflow():
    assert oracle.constructor_errors(tf) == EXPECTED["constructor_errors"]


# -- the kernels against TF's formula in closed form -------------------------------------------

def _reference(var, accum, linear, grad, lr, l1, l2, lr_power, l2_shrinkage=0.0,
               multiply_linear_by_lr=False):
    """One FTRL step as TF documents ApplyFtrl(V2); returns the new (var, accum, linear)."""
    new_accum = accum + grad * grad
    sigma = new_accum ** -lr_power - accum ** -lr_power
    shrunk_grad = grad + 2 * l2_shrinkage * var
    if multiply_linear_by_lr:
        linear = linear + shrunk_grad * lr - sigma * var
        threshold, quadratic = l1 * lr, new_accum ** -lr_power + 2 * l2 * lr
    else:
        linear = linear + shrunk_grad - sigma / lr * var
        threshold, quadratic = l1, new_accum ** -lr_power / lr + 2 * l2
    var = np.where(np.abs(linear) > threshold,
                   (np.sign(linear) * threshold - linear) / quadratic, 0.0)
    return var, new_accum, linear


_HYPERS = [
    dict(lr=0.2, l1=0.05, l2=0.1, lr_power=-0.5),
    dict(lr=0.2, l1=0.05, l2=0.1, lr_power=-0.5, multiply_linear_by_lr=True),
    dict(lr=0.3, l1=0.0, l2=0.0, lr_power=-0.3),
    dict(lr=0.1, l1=0.2, l2=0.0, lr_power=0.0),
    dict(lr=0.2, l1=0.05, l2=0.1, lr_power=-0.5, l2_shrinkage=0.3),
    dict(lr=0.2, l1=0.01, l2=0.1, lr_power=-0.7, l2_shrinkage=0.3, multiply_linear_by_lr=True),
]
_RNG = np.random.default_rng(7)
_SHAPE = (6, 4)
_START = [_RNG.uniform(-1, 1, _SHAPE), _RNG.uniform(0.1, 1, _SHAPE), _RNG.uniform(-1, 1, _SHAPE)]
_GRADS = [_RNG.uniform(-1, 1, _SHAPE) for _ in range(3)]


def _update_op(sparse: bool, hypers: dict, grad, indices=None):
    """The FTRL update op on resource variables ``var``, ``accum``, ``linear`` (float64)."""
    states = [tf.Variable(v, name=n, use_resource=True)
              for v, n in zip(_START, ("var", "accum", "linear"))]
    op_type = "ResourceSparseApplyFtrl" if sparse else "ResourceApplyFtrl"
    names = ["lr", "l1", "l2", "lr_power"]
    if "l2_shrinkage" in hypers:
        op_type += "V2"
        names.insert(3, "l2_shrinkage")
    inputs = [s.handle for s in states] + [grad] + ([indices] if sparse else []) + [
        np.float64(hypers[n]) for n in names]
    attrs = {"multiply_linear_by_lr": hypers.get("multiply_linear_by_lr", False)}
    return states, apply_op(op_type, inputs, attrs)


@pytest.mark.parametrize("hypers", _HYPERS, ids=range(len(_HYPERS)))
def test_dense_kernel_formula(hypers):
    graph = tf.Graph()
    with graph.as_default():
        grad = tf.placeholder(tf.float64, _SHAPE)
        states, update = _update_op(False, hypers, grad)
    want = list(_START)
    with tf.Session(graph=graph) as sess:
        sess.run([s.initializer for s in states])
        for step, g in enumerate(_GRADS):
            sess.run(update, {grad: g})
            want = _reference(*want, g, **hypers)
            for got, expected in zip(sess.run(states), want):
                np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14,
                                           err_msg=f"step {step}")


@pytest.mark.parametrize("hypers", _HYPERS, ids=range(len(_HYPERS)))
def test_sparse_kernel_formula(hypers):
    """Rows are updated one index at a time in order (duplicates too); others keep values."""
    indices = np.array([4, 1, 4, 0, 4])
    grad = _GRADS[0][[0, 1, 2, 3, 5]]
    graph = tf.Graph()
    with graph.as_default():
        states, update = _update_op(True, hypers, grad, indices)
    want = [s.copy() for s in _START]
    for row, g in zip(indices, grad):
        for state, value in zip(want, _reference(*(s[row] for s in want), g, **hypers)):
            state[row] = value
    with tf.Session(graph=graph) as sess:
        sess.run([s.initializer for s in states])
        sess.run(update)
        for got, expected, start in zip(sess.run(states), want, _START):
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
            np.testing.assert_array_equal(got[[2, 3, 5]], start[[2, 3, 5]])


def test_slots_start_at_tensorflow_values_and_are_not_trained():
    graph = tf.Graph()
    with graph.as_default():
        w = tf.Variable(np.ones((2, 3)), name="w")
        opt = tf.train.FtrlOptimizer(0.1, initial_accumulator_value=0.25)
        opt.minimize(tf.reduce_sum(w * w))
        assert opt.get_slot_names() == ["accum", "linear"]
        assert tf.trainable_variables() == [w]
        assert set(opt.variables()) <= set(tf.global_variables())
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            accum, linear = sess.run([opt.get_slot(w, "accum"), opt.get_slot(w, "linear")])
    assert accum.dtype == linear.dtype == np.float64
    np.testing.assert_array_equal(accum, np.full((2, 3), 0.25))
    np.testing.assert_array_equal(linear, np.zeros((2, 3)))
