"""Records TensorFlow's FTRL results for tests/training/test_ftrl.py.

The programs below take the framework as ``tf`` (``tensorflow.compat.v1`` here,
``sessionflow`` in the test), so both run the same code. ``PROGRAMS`` train small models
with ``tf.train.FtrlOptimizer`` (dense, sparse, ref variables, shrinkage, beta, float64,
a decayed learning rate) and record per-step variables and slots; ``OP_CASES`` run the
update ops directly (multiply_linear_by_lr, duplicate indices, edge values, bad inputs).

Run with a Python that has TensorFlow (never a dependency of sessionflow):
    /path/to/tf-venv/bin/python tools/tf_oracle/ftrl_numbers.py
Writes tests/data/ftrl/expected.json and TensorFlow's OpDefs to tests/data/ftrl/ops.pbtxt.
"""
from __future__ import annotations

import json
import os
import sys
from typing import Any, Callable

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "data", "ftrl")
OP_TYPES = ["ResourceApplyFtrl", "ResourceApplyFtrlV2", "ResourceSparseApplyFtrl",
            "ResourceSparseApplyFtrlV2", "ApplyFtrl", "ApplyFtrlV2", "SparseApplyFtrl",
            "SparseApplyFtrlV2"]
STEPS = 4

# Exactly representable data, so both frameworks start from identical values.
_X = ((np.arange(24).reshape(8, 3) * 7 % 11) - 5) / 4
_Y = _X @ np.array([[1.5], [-2.0], [0.5]]) + 0.25
_W0 = np.array([[0.5], [-0.25], [1.0]])
_E0 = (np.arange(12).reshape(6, 2) % 5 - 2) / 4
_IDS = [1, 4, 1, 0]                                   # row 1 twice; rows 2, 3, 5 untouched
_TARGET = np.array([[1.0, -1.0], [0.5, 0.5], [2.0, 0.0], [-1.5, 1.0]])


# -- optimizer programs ------------------------------------------------------------------------

def _train(tf, build: Callable, ftrl: dict, use_resource: bool = True,
           dtype: str = "float32", global_step: bool = False) -> dict:
    """Trains ``build(tf, dtype, use_resource) -> (loss, [vars])`` with FtrlOptimizer(**ftrl)
    for STEPS steps; records each variable and its slots initially and after every step."""
    graph = tf.Graph()
    with graph.as_default():
        loss, variables = build(tf, dtype, use_resource)
        step = tf.train.get_or_create_global_step() if global_step else None
        if global_step:
            ftrl = dict(ftrl, learning_rate=tf.train.exponential_decay(
                ftrl["learning_rate"], step, 1, 0.7))
        opt = tf.train.FtrlOptimizer(**ftrl)
        train = opt.minimize(loss, global_step=step)
        tracked = {v.op.name: v for v in variables}
        for v in variables:
            tracked.update({f"{v.op.name}:{s}": opt.get_slot(v, s) for s in opt.get_slot_names()})
        history: dict[str, list] = {name: [] for name in tracked}
        history["loss"] = []
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(STEPS + 1):
                values = sess.run({"loss": loss, **tracked})
                for name, value in values.items():
                    history[name].append(np.asarray(value).tolist())
                sess.run(train)
        return {"history": history, "slot_names": opt.get_slot_names(),
                "slot_variables": sorted(v.op.name for v in opt.variables()),
                "dtype": dtype,
                "ops": sorted({op.type for op in graph.get_operations() if "Ftrl" in op.type})}


def _regression(tf, dtype: str, use_resource: bool):
    """Linear regression: mean squared error of x w + b (dense gradients)."""
    x = tf.constant(_X.astype(dtype))
    w = tf.Variable(_W0.astype(dtype), name="w", use_resource=use_resource)
    b = tf.Variable(np.zeros(1, dtype), name="b", use_resource=use_resource)
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - _Y.astype(dtype)))
    return loss, [w, b]


def _embedding(tf, dtype: str, use_resource: bool):
    """An embedding lookup with a repeated id: IndexedSlices gradients (sparse updates)."""
    table = tf.Variable(_E0.astype(dtype), name="table", use_resource=use_resource)
    rows = tf.nn.embedding_lookup(table, _IDS)
    return tf.reduce_sum(tf.square(rows - _TARGET.astype(dtype))), [table]


PROGRAMS: dict[str, Callable[[Any], dict]] = {
    "default": lambda tf: _train(tf, _regression, dict(learning_rate=0.1)),
    "l1_l2": lambda tf: _train(tf, _regression, dict(
        learning_rate=0.2, initial_accumulator_value=0.5, l1_regularization_strength=0.05,
        l2_regularization_strength=0.1)),
    "lr_power_-0.3": lambda tf: _train(tf, _regression, dict(
        learning_rate=0.3, learning_rate_power=-0.3, l1_regularization_strength=0.01)),
    "lr_power_0": lambda tf: _train(tf, _regression, dict(
        learning_rate=0.05, learning_rate_power=0.0, l2_regularization_strength=0.2)),
    "shrinkage": lambda tf: _train(tf, _regression, dict(
        learning_rate=0.2, l1_regularization_strength=0.02,
        l2_shrinkage_regularization_strength=0.3)),
    "beta_and_names": lambda tf: _train(tf, _regression, dict(
        learning_rate=0.2, beta=0.5, l2_regularization_strength=0.1, name="Follow",
        accum_name="acc", linear_name="lin")),
    "float64": lambda tf: _train(tf, _regression, dict(
        learning_rate=0.1, learning_rate_power=-0.4, l1_regularization_strength=0.01,
        l2_shrinkage_regularization_strength=0.1), dtype="float64"),
    "decayed_lr_tensor": lambda tf: _train(tf, _regression, dict(
        learning_rate=0.3, beta=0.2, l1_regularization_strength=0.01), global_step=True),
    "ref_dense": lambda tf: _train(tf, _regression, dict(
        learning_rate=0.2, l1_regularization_strength=0.05), use_resource=False),
    "ref_dense_shrinkage": lambda tf: _train(tf, _regression, dict(
        learning_rate=0.2, l2_shrinkage_regularization_strength=0.2), use_resource=False),
    "sparse": lambda tf: _train(tf, _embedding, dict(
        learning_rate=0.3, l1_regularization_strength=0.05, l2_regularization_strength=0.1)),
    "sparse_shrinkage": lambda tf: _train(tf, _embedding, dict(
        learning_rate=0.3, learning_rate_power=-0.3,
        l2_shrinkage_regularization_strength=0.2)),
    "sparse_float64": lambda tf: _train(tf, _embedding, dict(
        learning_rate=0.3, initial_accumulator_value=0.05, l1_regularization_strength=0.1),
        dtype="float64"),
    "ref_sparse": lambda tf: _train(tf, _embedding, dict(
        learning_rate=0.3, l1_regularization_strength=0.05), use_resource=False),
    "ref_sparse_shrinkage": lambda tf: _train(tf, _embedding, dict(
        learning_rate=0.3, l2_shrinkage_regularization_strength=0.2), use_resource=False),
}


def constructor_errors(tf) -> dict:
    """FtrlOptimizer's ValueError message for each invalid argument."""
    bad = {"initial_accumulator_value": -0.5, "learning_rate_power": 0.5,
           "l1_regularization_strength": -1.0, "l2_regularization_strength": -0.25,
           "l2_shrinkage_regularization_strength": -2.0}
    messages = {}
    for name, value in bad.items():
        try:
            tf.train.FtrlOptimizer(0.1, **{name: value})
        except ValueError as e:
            messages[name] = str(e)
    return messages


# -- the update ops ----------------------------------------------------------------------------

def _case(op: str, dtype: str = "float32", shape=(4, 3), indices=None, accum=0.5, lr=0.2,
          l1=0.05, l2=0.1, l2_shrinkage=None, lr_power=-0.5, grad=None, **attrs) -> dict:
    """One update op run: inputs in OpDef order (states first) and attrs."""
    size = int(np.prod(shape))
    var = (np.arange(size).reshape(shape) % 7 - 3) / 4
    rows = len(indices) if indices is not None else shape[0]
    if grad is None:
        grad = (np.arange(rows * size // shape[0]).reshape((rows,) + tuple(shape[1:])) % 5
                - 2) / 2
    inputs = {"var": var, "accum": np.full(shape, accum), "linear": var[::-1] / 2,
              "grad": np.asarray(grad, float)}
    if indices is not None:
        inputs["indices"] = np.asarray(indices, np.int32)
    inputs.update(lr=lr, l1=l1, l2=l2)
    if l2_shrinkage is not None:
        inputs["l2_shrinkage"] = l2_shrinkage
    inputs["lr_power"] = lr_power
    return {"op": op, "dtype": dtype, "inputs": inputs, "attrs": attrs}


_DUPS = [2, 0, 2, 2]
OP_CASES: dict[str, dict] = {
    "dense": _case("ResourceApplyFtrl"),
    "dense_by_lr": _case("ResourceApplyFtrl", multiply_linear_by_lr=True),
    "dense_lr_power": _case("ResourceApplyFtrl", lr_power=-0.3, dtype="float64"),
    "dense_lr_power_by_lr": _case("ResourceApplyFtrl", lr_power=-0.3,
                                  multiply_linear_by_lr=True),
    "dense_v2": _case("ResourceApplyFtrlV2", l2_shrinkage=0.3),
    "dense_v2_by_lr": _case("ResourceApplyFtrlV2", l2_shrinkage=0.3, lr_power=-0.7,
                            multiply_linear_by_lr=True, dtype="float64"),
    "dense_negative_l1": _case("ResourceApplyFtrl", l1=-0.05),
    "dense_zero_accum": _case("ResourceApplyFtrl", accum=0.0, l1=0.3, l2=0.0,
                              grad=[[0.0, 1.0, 0.0]] * 4),
    "sparse_duplicates": _case("ResourceSparseApplyFtrl", indices=_DUPS),
    "sparse_duplicates_by_lr": _case("ResourceSparseApplyFtrl", indices=_DUPS,
                                     multiply_linear_by_lr=True, dtype="float64"),
    "sparse_v2": _case("ResourceSparseApplyFtrlV2", indices=_DUPS, l2_shrinkage=0.3,
                       lr_power=-0.3),
    "sparse_v2_by_lr": _case("ResourceSparseApplyFtrlV2", indices=[3, 1], l2_shrinkage=0.3,
                             multiply_linear_by_lr=True),
    "sparse_rank1": _case("ResourceSparseApplyFtrl", shape=(5,), indices=[4, 1, 4]),
    "sparse_zero_accum": _case("ResourceSparseApplyFtrl", indices=[1, 2], accum=0.0, l1=0.3,
                               l2=0.0, grad=[[0.0, 1.0, 0.0], [0.5, 0.0, 2.0]]),
    "sparse_zero_lr_by_lr": _case("ResourceSparseApplyFtrl", indices=[0], lr=0.0,
                                  multiply_linear_by_lr=True),
    "sparse_no_indices": _case("ResourceSparseApplyFtrl", indices=[]),
    "error_dense_lr": _case("ResourceApplyFtrl", lr=[0.1, 0.2]),
    "error_dense_l1": _case("ResourceApplyFtrl", l1=[0.1]),
    "error_dense_l2": _case("ResourceApplyFtrl", l2=[[0.1]]),
    "error_dense_lr_power": _case("ResourceApplyFtrl", lr_power=[-0.5]),
    "error_dense_shrinkage": _case("ResourceApplyFtrlV2", l2_shrinkage=[0.1, 0.2]),
    "error_dense_grad": _case("ResourceApplyFtrl", grad=np.ones((3, 4))),
    "error_sparse_lr": _case("ResourceSparseApplyFtrl", indices=[0], lr=-0.1),
    "error_sparse_zero_lr": _case("ResourceSparseApplyFtrl", indices=[0], lr=0.0),
    "error_sparse_lr_shape": _case("ResourceSparseApplyFtrl", indices=[0], lr=[0.1]),
    "error_sparse_l1": _case("ResourceSparseApplyFtrl", indices=[0], l1=-0.1),
    "error_sparse_l2": _case("ResourceSparseApplyFtrlV2", indices=[0], l2=-0.1,
                             l2_shrinkage=0.0),
    "error_sparse_shrinkage": _case("ResourceSparseApplyFtrlV2", indices=[0],
                                    l2_shrinkage=-0.1),
    "error_sparse_lr_power": _case("ResourceSparseApplyFtrl", indices=[0], lr_power=0.5),
    "error_sparse_index": _case("ResourceSparseApplyFtrl", indices=[1, 9]),
    "error_sparse_indices_rank": _case("ResourceSparseApplyFtrl", indices=[[1]],
                                       grad=np.ones((1, 3))),
    "error_sparse_grad_rows": _case("ResourceSparseApplyFtrl", indices=[1, 2],
                                    grad=np.ones((3, 3))),
}


def _core_message(message: str) -> str:
    """A kernel's own message: the line after TF2's ``Node: '...'`` line, else the first."""
    lines = message.splitlines()
    after_node = [line for prev, line in zip(lines, lines[1:]) if prev.startswith("Node: ")]
    return (after_node or lines)[0]


def run_op_case(tf, apply: Callable, case: dict) -> dict:
    """Runs ``apply(op_type, inputs, attrs)`` once on resource variables holding the case's
    states, every other input fed through an unshaped placeholder (so only the kernel's own
    checks apply); the updated states, or the error message."""
    dtype = case["dtype"]
    graph = tf.Graph()
    with graph.as_default():
        inputs, feed, states = {}, {}, []
        for name, value in case["inputs"].items():
            if name in ("var", "accum", "linear"):
                states.append(tf.Variable(np.asarray(value, dtype), name=name,
                                          use_resource=True))
                inputs[name] = states[-1].handle
            else:
                kind = "int32" if name == "indices" else dtype
                inputs[name] = tf.placeholder(kind, name=name)
                feed[inputs[name]] = np.asarray(value, kind)
        update = apply(case["op"], inputs, case["attrs"])
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            try:
                sess.run(update, feed)
            except tf.errors.InvalidArgumentError as e:
                return {"error": _core_message(e.message)}
            return dict(zip(("var", "accum", "linear"), (v.tolist() for v in sess.run(states))))


# -- recording ---------------------------------------------------------------------------------

def main() -> None:
    import tensorflow.compat.v1 as tf
    from google.protobuf import text_format
    from tensorflow.core.framework import op_def_pb2
    from tensorflow.python.framework import op_def_registry

    tf.disable_eager_execution()

    def apply(op_type, inputs, attrs):
        return getattr(tf.raw_ops, op_type)(**inputs, **attrs)

    results = {"programs": {}, "op_cases": {},
               "constructor_errors": constructor_errors(tf)}
    for name, program in PROGRAMS.items():
        results["programs"][name] = program(tf)
        print(name, results["programs"][name]["ops"], file=sys.stderr)
    for name, case in OP_CASES.items():
        results["op_cases"][name] = run_op_case(tf, apply, case)
        print(name, results["op_cases"][name].get("error", "ok"), file=sys.stderr)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"tensorflow_version": tf.__version__, **results}, f, indent=1,
                  sort_keys=True)
    op_list = op_def_pb2.OpList()
    op_list.op.extend(op_def_registry.get(name) for name in OP_TYPES)
    with open(os.path.join(OUT, "ops.pbtxt"), "w", encoding="utf-8") as f:
        f.write(text_format.MessageToString(op_list))


if __name__ == "__main__":
    main()
