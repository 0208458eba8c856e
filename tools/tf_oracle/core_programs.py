"""Records TensorFlow's numbers for classic TF1 core programs (tests/data/tf1_core/expected.json).

The programs below take the framework as ``tf`` (``tensorflow.compat.v1`` in graph mode
here, ``sessionflow`` in a test), so both run the same code from the same start: inputs
are exact small-integer patterns (no random streams), initial variable values are given
explicitly as numpy arrays. ``PROGRAMS`` cover what TF1 users write every day:

* linear regression on unshaped ``tf.placeholder("float")``s fed one Python float (or
  numpy float64) sample at a time, and the same placeholders fed whole arrays;
* an RNN written with ``tf.while_loop`` whose body reads resource / ref variables and a
  captured input (``tf.gather(x, t)`` or ``x[t]``), its gradients, 3 SGD steps, and a
  second-order gradient through a loop;
* ``tf.cond`` on an ``is_training`` bool placeholder (or ``placeholder_with_default``)
  around variable reads, capturing ref variables, constants and other ops' outputs;
* shape arithmetic on a ``[None, 4]`` placeholder (``tf.shape(x)[0]`` in reshape / zeros /
  fill / slice / tile / convert_to_tensor) with TF's static shapes;
* reductions of an unknown-rank placeholder fed a scalar or an empty array (and their
  gradients), integer FloorMod / FloorDiv with empty operands;
* ``tf.layers.dense`` on inputs whose last dimension TF knows statically only through
  the ops in front (reshape, concat, matmul, ...).

A static shape is recorded as ``tensor.shape.as_list()``, or ``None`` for unknown rank;
an expected failure as ``{"error": <exception class name>, "message": <kernel's line>}``
(compare the class: where several ops of one run fail, TF reports whichever failed first,
so the message can vary between recordings). A test runs ``PROGRAMS[name](tf)`` with
sessionflow and checks ``differences(got, expected["results"][name]) == []``.

Record (Python with TensorFlow and tf-keras, never a dependency of sessionflow; tf-keras
provides ``tf.compat.v1.layers`` under Keras 3):
    TF_USE_LEGACY_KERAS=1 /path/to/tf-venv/bin/python tools/tf_oracle/core_programs.py
Compare sessionflow against the recorded numbers (sessionflow's venv; prints a report,
exits 1 on any mismatch):
    python tools/tf_oracle/core_programs.py compare [NAME ...]
"""
from __future__ import annotations

import json
import math
import os
import sys
from typing import Any, Callable

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "data", "tf1_core", "expected.json")
F32 = np.float32


def _pattern(shape, mul: int = 7, mod: int = 11, shift: int = 5, scale: float = 8.0,
             dtype=F32) -> np.ndarray:
    """Exactly representable values in [-shift/scale, (mod-1-shift)/scale]."""
    size = int(np.prod(shape))
    return ((np.arange(size).reshape(shape) * mul % mod - shift) / scale).astype(dtype)


def _static(t) -> list | None:
    """TF's static shape of ``t``: dims with None, or None for unknown rank."""
    return None if t.shape.ndims is None else t.shape.as_list()


def _jsonable(value) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "values") and hasattr(value, "indices"):       # IndexedSlicesValue
        return {"indexed_slices": {"values": _jsonable(value.values),
                                   "indices": _jsonable(value.indices)}}
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist() if value.dtype != object else [v.decode() for v in value.flat]
    return value


def _error(e: Exception) -> dict:
    """The class and the kernel's own message: the line after TF2's ``Node: '...'`` line,
    else the first line."""
    lines = str(getattr(e, "message", e)).strip().splitlines()
    after_node = [line for prev, line in zip(lines, lines[1:]) if prev.startswith("Node: ")]
    return {"error": type(e).__name__, "message": (after_node or lines or [""])[0]}


def _attempt(run: Callable[[], Any]) -> Any:
    """``run()`` made JSON-friendly, or the error it raised."""
    try:
        return _jsonable(run())
    except Exception as e:  # noqa: BLE001 - recorded, both frameworks compared on it
        return _error(e)


def _grads(tf, loss, variables: dict) -> dict:
    """{name: d loss / d variable} as tensors (None where TF gives no gradient)."""
    grads = tf.gradients(loss, list(variables.values()))
    return {name: g for name, g in zip(variables, grads) if g is not None}


# -- 1. linear regression on unshaped placeholders -----------------------------------------

TRAIN_X = [3.3, 4.4, 5.5, 6.71, 6.93, 4.168, 9.779, 6.182, 7.59, 2.167, 7.042, 10.791,
           5.313, 7.997, 5.654, 9.27, 3.1]
TRAIN_Y = [1.7, 2.76, 2.09, 3.19, 1.694, 1.573, 3.366, 2.596, 2.53, 1.221, 2.827, 3.465,
           1.65, 2.904, 2.42, 2.94, 1.3]
EPOCHS = 4


def linear_regression(tf, feed: str) -> dict:
    """The classic tutorial: ``X = tf.placeholder("float")``, W and b from Python floats,
    SGD on ``sum((X W + b - Y)^2) / (2 n)``; ``feed`` is "python_float" / "numpy_float64"
    (one sample per step) or "array" (the whole arrays per step)."""
    train_x, train_y = np.asarray(TRAIN_X), np.asarray(TRAIN_Y)
    n_samples = train_x.shape[0]
    graph = tf.Graph()
    with graph.as_default():
        X = tf.placeholder("float")
        Y = tf.placeholder("float")
        W = tf.Variable(0.3, name="weight")
        b = tf.Variable(-0.2, name="bias")
        pred = tf.add(tf.multiply(X, W), b)
        cost = tf.reduce_sum(tf.pow(pred - Y, 2)) / (2 * n_samples)
        optimizer = tf.train.GradientDescentOptimizer(0.01).minimize(cost)
        samples = {"python_float": list(zip(TRAIN_X, TRAIN_Y)),
                   "numpy_float64": list(zip(train_x, train_y)),
                   "array": [(train_x, train_y)]}[feed]
        history = {"W": [], "b": [], "cost": []}
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(EPOCHS):
                for x, y in samples:
                    sess.run(optimizer, feed_dict={X: x, Y: y})
                c = sess.run(cost, feed_dict={X: train_x, Y: train_y})
                history["cost"].append(float(c))
                history["W"].append(float(sess.run(W)))
                history["b"].append(float(sess.run(b)))
            history["pred_first"] = float(sess.run(pred, {X: TRAIN_X[0]}))
    history["static_shapes"] = {"X": _static(X), "pred": _static(pred), "cost": _static(cost),
                                "W": _static(W)}
    history["dtypes"] = {"W": W.dtype.base_dtype.name, "cost": cost.dtype.name}
    return history


# -- 2. an RNN in tf.while_loop --------------------------------------------------------------

T, BATCH, N_IN, N_HID = 4, 3, 2, 3
X_SEQ = _pattern((T, BATCH, N_IN), 5, 9, 4, 4.0)
TARGET = _pattern((BATCH, N_HID), 3, 7, 3, 4.0)
W_XH0 = _pattern((N_IN, N_HID), 3, 5, 2, 4.0)
W_HH0 = _pattern((N_HID, N_HID), 2, 7, 3, 8.0)
B0 = _pattern((N_HID,), 1, 3, 1, 8.0)
V_OUT = _pattern((N_HID,), 2, 5, 2, 4.0)


def _rnn_variables(tf, kind: str) -> dict:
    if kind == "resource":
        with tf.variable_scope("rnn"):
            return {name: tf.get_variable(name, shape=value.shape,
                                          initializer=tf.constant_initializer(value),
                                          use_resource=True)
                    for name, value in (("W_xh", W_XH0), ("W_hh", W_HH0), ("b", B0))}
    return {"W_xh": tf.Variable(W_XH0, name="W_xh", use_resource=False),
            "W_hh": tf.Variable(W_HH0, name="W_hh", use_resource=False),
            "b": tf.Variable(B0, name="b", use_resource=False)}


def rnn_while_loop(tf, kind: str, index: str) -> dict:
    """h_t = tanh(x_t W_xh + h W_hh + b) for t < T in a while_loop, reading x_t from the
    captured [T, batch, n] input by ``tf.gather(x, t)`` or ``x[t]``; the loss is the
    squared error of h_T plus a running sum of h_t . v. ``kind``: "resource" variables from
    get_variable(use_resource=True) or "ref" ones from tf.Variable(use_resource=False)."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [T, BATCH, N_IN], name="x")
        variables = _rnn_variables(tf, kind)

        def body(t, h, acc):
            xt = tf.gather(x, t) if index == "gather" else x[t]
            h = tf.tanh(tf.matmul(xt, variables["W_xh"]) + tf.matmul(h, variables["W_hh"])
                        + variables["b"])
            return t + 1, h, acc + tf.reduce_sum(h * V_OUT)

        _, h_final, acc = tf.while_loop(lambda t, h, acc: t < T, body,
                                        [tf.constant(0), tf.zeros([BATCH, N_HID]),
                                         tf.constant(0.0)])
        loss = tf.reduce_mean(tf.square(h_final - TARGET)) + 0.1 * acc
        grads = _grads(tf, loss, variables)
        train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
        feed = {x: X_SEQ}
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            result = {"loss": float(sess.run(loss, feed)),
                      "h_final": sess.run(h_final, feed).tolist(),
                      "grads": _jsonable(sess.run(grads, feed)), "losses": []}
            for _ in range(3):
                sess.run(train, feed)
                result["losses"].append(float(sess.run(loss, feed)))
            result["after_3_steps"] = _jsonable(sess.run(variables))
    result["grad_names"] = sorted(grads)
    result["static_shapes"] = {"h_final": _static(h_final), "acc": _static(acc)}
    return result


def while_second_order(tf, use_resource: bool) -> dict:
    """y = 3 iterations of y <- sin(y a) + a from y = 0.5 with a scalar variable a; first
    and second derivatives of y by a (tf.gradients of the gradient)."""
    graph = tf.Graph()
    with graph.as_default():
        a = tf.Variable(0.7, name="a", use_resource=use_resource)
        _, y = tf.while_loop(lambda k, y: k < 3, lambda k, y: (k + 1, tf.sin(y * a) + a),
                             [tf.constant(0), tf.constant(0.5)])
        grad = tf.gradients(y, a)[0]
        second = tf.gradients(grad, a)[0]       # both before a run: TF rewrites the While
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            return {"y": float(sess.run(y)), "dy_da": float(sess.run(grad)),
                    "d2y_da2": float(sess.run(second))}


# -- 3. tf.cond on is_training --------------------------------------------------------------

X_COND = _pattern((4, 3), 5, 7, 3, 4.0)
Y_COND = _pattern((4, 1), 3, 5, 2, 2.0)
MASK = np.array([[1, 0, 1], [0, 1, 1], [1, 1, 0], [1, 0, 0]], F32)
W_COND0 = _pattern((3, 1), 2, 5, 2, 4.0)
B_COND0 = np.array([0.25], F32)


def _cond_variables(tf, kind: str) -> tuple:
    if kind == "resource":
        return (tf.get_variable("W", shape=[3, 1], initializer=tf.constant_initializer(W_COND0),
                                use_resource=True),
                tf.get_variable("b", shape=[1], initializer=tf.constant_initializer(B_COND0),
                                use_resource=True))
    return (tf.Variable(W_COND0, name="W", use_resource=False),
            tf.Variable(B_COND0, name="b", use_resource=False))


def cond_is_training(tf, kind: str, predicate: str, captures: bool = False) -> dict:
    """A dropout-like branch (fixed mask, / keep_prob) vs the plain one, both reading W and
    b, selected by ``is_training``: "placeholder" (tf.placeholder(tf.bool), unshaped) or
    "with_default" (placeholder_with_default(False, [])). With ``captures`` the branches
    also capture a constant, another op's output and (kind "ref") a ref variable directly.
    Loss, gradients and one SGD step, for each branch value (and the default)."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.constant(X_COND)
        W, b = _cond_variables(tf, kind)
        if predicate == "placeholder":
            is_training = tf.placeholder(tf.bool, name="is_training")
        else:
            is_training = tf.placeholder_with_default(False, [], name="is_training")
        scale = tf.constant(2.0)
        hidden = tf.matmul(x, W)                                   # another op's output

        if captures:
            def train_fn():
                return tf.nn.relu(hidden) * scale + b

            def eval_fn():
                return hidden + b * scale
        else:
            def train_fn():
                return tf.matmul(x * MASK / 0.5, W) + b

            def eval_fn():
                return tf.matmul(x, W) + b

        out = tf.cond(is_training, train_fn, eval_fn)
        loss = tf.reduce_mean(tf.square(out - Y_COND))
        grads = _grads(tf, loss, {"W": W, "b": b})
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        cases = {"true": {is_training: True}, "false": {is_training: False}}
        if predicate == "with_default":
            cases["default"] = {}
        result: dict = {"static_shapes": {"out": _static(out), "loss": _static(loss)}}
        for label, feed in cases.items():
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                result[label] = {"out": sess.run(out, feed).tolist(),
                                 "loss": float(sess.run(loss, feed)),
                                 "grads": _jsonable(sess.run(grads, feed))}
                sess.run(train, feed)
                result[label]["after_step"] = _jsonable(sess.run({"W": W, "b": b}))
    return result


# -- 4. shape arithmetic on [None, 4] --------------------------------------------------------

X4 = _pattern((3, 4), 3, 13, 6, 2.0)


def _build_each(builders: dict) -> tuple[dict, dict]:
    """Calls each builder; (tensors built, {name: error} for those that raised)."""
    built, errors = {}, {}
    for name, build in builders.items():
        try:
            built[name] = build()
        except Exception as e:  # noqa: BLE001 - recorded per entry
            errors[name] = _error(e)
    return built, errors


def dynamic_shapes(tf) -> dict:
    """Ops whose shape arguments mix ``tf.shape(x)[0]`` with Python ints, on a [None, 4]
    placeholder: TF's static shapes and the values for a [3, 4] feed (each entry built
    and run on its own, so one failure does not hide the others)."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None, 4], name="x")
        batch = tf.shape(x)[0]
        builders = {
            "batch": lambda: batch,
            "reshape_batch_-1": lambda: tf.reshape(x, [batch, -1]),
            "reshape_-1_2": lambda: tf.reshape(x, [-1, 2]),
            "reshape_batch_2_2": lambda: tf.reshape(x, [batch, 2, 2]),
            "reshape_-1": lambda: tf.reshape(x, [-1]),
            "reshape_shape_tensor": lambda: tf.reshape(x, tf.shape(x)),
            "zeros_batch_3": lambda: tf.zeros([batch, 3]),
            "ones_batch_3": lambda: tf.ones([batch, 3], tf.int32),
            "zeros_shape_of_x": lambda: tf.zeros(tf.shape(x)),
            "fill_batch_2": lambda: tf.fill([batch, 2], 1.5),
            "slice_size_batch": lambda: tf.slice(x, [0, 1], [batch, 2]),
            "slice_size_-1": lambda: tf.slice(x, [1, 0], [-1, 3]),
            "tile_batch_1": lambda: tf.tile(x[:1], [batch, 1]),
            "tile_2_batch": lambda: tf.tile(x, [2, batch]),
            "convert_to_tensor_t_1": lambda: tf.convert_to_tensor([batch, 1]),
            "stack_t_1": lambda: tf.stack([batch, 1]),
            "concat_shapes": lambda: tf.concat([tf.shape(x), [5]], 0),
            "zeros_concat_shape": lambda: tf.zeros(tf.concat([tf.shape(x), [2]], 0)),
            "range_batch": lambda: tf.range(batch),
            "broadcast_to_batch_4": lambda: tf.broadcast_to(x[:, :1], [batch, 4]),
            "size": lambda: tf.size(x),
            "rank": lambda: tf.rank(x),
        }
        outs, errors = _build_each(builders)
        with tf.Session() as sess:
            values = {k: _attempt(lambda t=t: sess.run(t, {x: X4})) for k, t in outs.items()}
    return {name: errors[name] if name in errors else
            {"static_shape": _static(outs[name]), "value": values[name]} for name in builders}


# -- 5. reductions of an unknown-rank placeholder, integer FloorMod/FloorDiv ---------------

REDUCTIONS = ("reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod")
REDUCTION_FEEDS = {"scalar": np.float32(3.5), "empty": np.zeros([0], F32),
                   "empty_2x0": np.zeros([2, 0], F32), "matrix": _pattern((2, 3))}


def unknown_rank_reductions(tf) -> dict:
    """Each reduction (all axes, and axis=0 / keepdims) of ``tf.placeholder(tf.float32)``
    with its gradient, for a scalar, empty arrays and a matrix."""
    graph = tf.Graph()
    with graph.as_default():
        p = tf.placeholder(tf.float32, name="p")
        built = {}
        for name in REDUCTIONS:
            for variant, kwargs in (("all", {}), ("keepdims", {"keepdims": True}),
                                    ("axis0", {"axis": 0})):
                r = getattr(tf, name)(p, **kwargs)
                built[f"{name}/{variant}"] = (r, tf.gradients(r, p)[0])
        result: dict = {"static_shapes": {k: {"value": _static(r), "grad": _static(g)}
                                          for k, (r, g) in built.items()}}
        with tf.Session() as sess:
            for feed_name, value in REDUCTION_FEEDS.items():
                result[feed_name] = {
                    k: {"value": _attempt(lambda r=r: sess.run(r, {p: value})),
                        "grad": _attempt(lambda g=g: sess.run(g, {p: value}))}
                    for k, (r, g) in built.items()}
    return result


INT_FEEDS = {
    "empty_and_scalar": (np.zeros([0], np.int32), np.int32(3)),
    "empty_and_zero": (np.zeros([0], np.int32), np.int32(0)),     # nothing divides by it
    "empty_and_zeros": (np.zeros([0, 2], np.int32), np.zeros([2], np.int32)),
    "scalar_and_empty": (np.int32(7), np.zeros([0], np.int32)),
    "empty_and_empty": (np.zeros([0], np.int32), np.zeros([0], np.int32)),
    "column_and_empty": (np.array([[5], [-7]], np.int32), np.zeros([0], np.int32)),
    "empty_rows_and_row": (np.zeros([0, 3], np.int32), np.array([2, -3, 4], np.int32)),
    "vector_and_empty": (np.array([5, -7, 9], np.int32), np.zeros([0], np.int32)),
    "negative_values": (np.array([7, -7, 7, -7], np.int32), np.array([3, 3, -3, -3], np.int32)),
    "divide_by_zero": (np.array([5, 6], np.int32), np.array([0, 2], np.int32)),
}


def integer_floor_ops(tf) -> dict:
    """FloorMod and FloorDiv (``%``, ``//``, tf.floormod, tf.floordiv) of two unshaped
    int32 placeholders, for empty operands, broadcasting and errors."""
    graph = tf.Graph()
    with graph.as_default():
        a = tf.placeholder(tf.int32, name="a")
        b = tf.placeholder(tf.int32, name="b")
        ops = {"floormod": tf.floormod(a, b), "floordiv": tf.floordiv(a, b),
               "mod_operator": a % b, "floordiv_operator": a // b}
        result: dict = {"op_types": {k: v.op.type for k, v in ops.items()}}
        with tf.Session() as sess:
            for feed_name, (va, vb) in INT_FEEDS.items():
                result[feed_name] = {
                    k: _attempt(lambda t=t: (lambda v: {"value": v.tolist(),
                                                        "shape": list(v.shape)})(
                        np.asarray(sess.run(t, {a: va, b: vb}))))
                    for k, t in ops.items()}
    return result


# -- 6. tf.layers.dense on statically-known last dims ----------------------------------------

def dense_static_dims(tf) -> dict:
    """tf.layers.dense on inputs whose last dim TF infers through the ops in front; the
    static shapes of input, kernel and output, and the outputs for a small feed (each
    entry built and run on its own)."""
    graph = tf.Graph()
    with graph.as_default():
        p = tf.placeholder(tf.float32, name="p")                      # unknown shape
        a = tf.placeholder(tf.float32, [None, 3], name="a")
        c = tf.placeholder(tf.float32, [None, 2], name="c")
        seq = tf.placeholder(tf.float32, [None, 5, 3], name="seq")
        img = tf.placeholder(tf.float32, [None, 4, 4, 2], name="img")
        ids = tf.placeholder(tf.int32, [None], name="ids")
        width = tf.placeholder(tf.int32, [], name="width")
        table = tf.constant(_pattern((6, 4)))
        builders = {
            "reshape_-1_784": lambda: tf.reshape(p, [-1, 784]),
            "reshape_batch_784": lambda: tf.reshape(p, [tf.shape(p)[0], 784]),
            "concat_axis1": lambda: tf.concat([a, c], axis=1),
            "concat_axis-1": lambda: tf.concat([a, c], -1),
            "matmul_const": lambda: tf.matmul(a, tf.constant(_pattern((3, 6)))),
            "transpose": lambda: tf.transpose(tf.transpose(a)),
            "reduce_mean_axis1": lambda: tf.reduce_mean(seq, axis=1),
            "reshape_seq_-1_15": lambda: tf.reshape(seq, [-1, 15]),
            "flatten": lambda: tf.layers.flatten(img),
            "embedding_lookup": lambda: tf.nn.embedding_lookup(table, ids),
            "one_hot": lambda: tf.one_hot(ids, 5),
            "expand_dims_of_vector": lambda: tf.expand_dims(tf.reduce_sum(a, axis=1), -1),
            "stack_axis1": lambda: tf.stack([tf.reduce_sum(a, 1), tf.reduce_max(a, 1)], axis=1),
            "reshape_unknown_width": lambda: tf.reshape(p, [-1, width]),
        }
        feed = {p: _pattern((2, 784), 3, 17, 8, 16.0), a: _pattern((2, 3)),
                c: _pattern((2, 2), 3), seq: _pattern((2, 5, 3), 5), img: _pattern((2, 4, 4, 2)),
                ids: np.array([4, 1], np.int32), width: 784}
        inputs, result = _build_each(builders)
        outputs = {}
        for name, x in inputs.items():
            entry = result[name] = {"input": _static(x)}
            last = x.shape.as_list()[-1] if x.shape.ndims else None
            kernel = _pattern((last or 1, 3), 5, 13, 6, 16.0)
            try:
                outputs[name] = tf.layers.dense(
                    x, 3, kernel_initializer=tf.constant_initializer(kernel),
                    bias_initializer=tf.constant_initializer(0.5), name=name.replace("-", "m"))
                entry["output"] = _static(outputs[name])
            except Exception as e:  # noqa: BLE001 - TF's own refusal is data too
                entry.update(_error(e))
        result["kernel_shapes"] = {v.op.name: _static(v) for v in tf.trainable_variables()}
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for name, y in outputs.items():
                result[name]["value"] = _attempt(lambda y=y: sess.run(y, feed))
    return result


PROGRAMS: dict[str, Callable[[Any], dict]] = {
    "linreg_python_float_feed": lambda tf: linear_regression(tf, "python_float"),
    "linreg_numpy_float64_feed": lambda tf: linear_regression(tf, "numpy_float64"),
    "linreg_array_feed": lambda tf: linear_regression(tf, "array"),
    "rnn_resource_gather": lambda tf: rnn_while_loop(tf, "resource", "gather"),
    "rnn_ref_gather": lambda tf: rnn_while_loop(tf, "ref", "gather"),
    "rnn_resource_index": lambda tf: rnn_while_loop(tf, "resource", "index"),
    "rnn_ref_index": lambda tf: rnn_while_loop(tf, "ref", "index"),
    "while_second_order_resource": lambda tf: while_second_order(tf, True),
    "while_second_order_ref": lambda tf: while_second_order(tf, False),
    "cond_resource_placeholder": lambda tf: cond_is_training(tf, "resource", "placeholder"),
    "cond_ref_placeholder": lambda tf: cond_is_training(tf, "ref", "placeholder"),
    "cond_resource_with_default": lambda tf: cond_is_training(tf, "resource", "with_default"),
    "cond_ref_captures": lambda tf: cond_is_training(tf, "ref", "placeholder", captures=True),
    "cond_resource_captures_with_default": lambda tf: cond_is_training(
        tf, "resource", "with_default", captures=True),
    "dynamic_shapes": dynamic_shapes,
    "unknown_rank_reductions": unknown_rank_reductions,
    "integer_floor_ops": integer_floor_ops,
    "dense_static_dims": dense_static_dims,
}


# -- comparing a run with the record ----------------------------------------------------------

def differences(got: Any, want: Any, path: str = "", rtol: float = 1e-5,
                atol: float = 1e-6) -> list[str]:
    """Where ``got`` departs from ``want`` (numbers within rtol/atol, NaN equal to NaN; an
    error matches an error of the same class)."""
    if isinstance(want, dict) and "error" in want:
        if isinstance(got, dict) and "error" in got:
            return [] if got["error"] == want["error"] else [
                f"{path}: raised {got['error']} ({got['message']}), TF {want['error']}"]
        return [f"{path}: TF raised {want['error']} ({want['message']}), got {got!r:.80}"]
    if isinstance(got, dict) and "error" in got:
        return [f"{path}: raised {got['error']}: {got['message']}"]
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return [f"{path}: got {got!r:.80}, TF a dict"]
        out = [f"{path}/{k}: missing" for k in want if k not in got]
        out += [f"{path}/{k}: not in TF's record" for k in got if k not in want]
        for k in want:
            if k in got:
                out += differences(got[k], want[k], f"{path}/{k}", rtol, atol)
        return out
    if isinstance(want, list) or isinstance(got, list):
        if not isinstance(got, list) or not isinstance(want, list) or len(got) != len(want):
            return [f"{path}: got {got!r:.80}, TF {want!r:.80}"]
        out = []
        for i, (g, w) in enumerate(zip(got, want)):
            out += differences(g, w, f"{path}[{i}]", rtol, atol)
        return out[:3]
    if isinstance(want, float) or isinstance(got, float):
        if isinstance(got, (int, float)) and isinstance(want, (int, float)) and (
                (math.isnan(got) and math.isnan(want))
                or math.isclose(got, want, rel_tol=rtol, abs_tol=atol)):
            return []
        return [f"{path}: got {got!r}, TF {want!r}"]
    return [] if got == want else [f"{path}: got {got!r:.80}, TF {want!r:.80}"]


def compare(names: list[str]) -> int:
    """Runs the programs on sessionflow; prints OK / the differences / the error."""
    import traceback

    import sessionflow as tf

    with open(OUT, encoding="utf-8") as f:
        expected = json.load(f)["results"]
    failed = 0
    for name in names or list(PROGRAMS):
        try:
            got = _jsonable(PROGRAMS[name](tf))
        except Exception as e:  # noqa: BLE001 - a report, not a test
            failed += 1
            where = traceback.extract_tb(e.__traceback__)[-1]
            print(f"{name}: RAISES {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
                  f"  [{os.path.basename(where.filename)}:{where.lineno}]")
            continue
        diffs = differences(got, expected[name])
        failed += bool(diffs)
        print(f"{name}: " + ("OK" if not diffs else f"{len(diffs)} differences"))
        for line in diffs[:25]:
            print("    " + line)
    return 1 if failed else 0


def main() -> None:
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")      # tf.compat.v1.layers needs tf-keras
    import tensorflow.compat.v1 as tf

    tf.disable_eager_execution()
    results = {}
    for name, program in PROGRAMS.items():
        results[name] = _jsonable(program(tf))
        print(name, json.dumps(results[name])[:200], file=sys.stderr)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"tensorflow_version": tf.__version__, "results": results}, f, indent=1,
                  sort_keys=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["compare"]:
        sys.exit(compare(sys.argv[2:]))
    main()
