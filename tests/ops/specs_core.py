"""Test rows for the core ops: array basics, elementwise math, reductions, matmul, softmax."""
from __future__ import annotations

import math

import numpy as np

import sessionflow as tf
from sessionflow.graph.op_builder import apply_op

from .op_spec import Arg, OpSpec

A = Arg([3, 4])
B = Arg([4])
POS = Arg([3, 4], low=0.5, high=2.0)

# Why rows are exempt from the unknown-rank gradient sweep's rank-0 or empty inputs.
_SCALAR_AXIS = "TF: Invalid reduction dimension (the row's axes are out of range for a scalar)"
_MATRICES = "TF: In[0] ndims must be >= 2 (matrix products need matrices)"
_DEFAULT_SHAPE = ("the row's placeholder_with_default declares shape [3, 4], which a scalar or "
                  "an empty default contradicts (TF's kernel does not check it)")


def _np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


_UNARY = {
    "Neg": (tf.negative, np.negative, A), "Abs": (tf.abs, np.abs, Arg([3, 4], low=0.1, high=2)),
    "Square": (tf.square, np.square, A), "Sqrt": (tf.sqrt, np.sqrt, POS),
    "Rsqrt": (tf.rsqrt, lambda x: 1 / np.sqrt(x), POS), "Exp": (tf.exp, np.exp, A),
    "Log": (tf.log, np.log, POS), "Log1p": (tf.log1p, np.log1p, POS),
    "Expm1": (tf.expm1, np.expm1, A), "Sin": (tf.sin, np.sin, A), "Cos": (tf.cos, np.cos, A),
    "Tan": (tf.tan, np.tan, Arg([3, 4], low=-1, high=1)), "Tanh": (tf.tanh, np.tanh, A),
    "Sigmoid": (tf.sigmoid, _np_sigmoid, A), "Reciprocal": (tf.reciprocal, np.reciprocal, POS),
    "Erf": (tf.erf, np.vectorize(math.erf), A),
    "Softplus": (tf.nn.softplus, lambda x: np.log1p(np.exp(x)), A),
    "Softsign": (tf.nn.softsign, lambda x: x / (1 + np.abs(x)), A),
}
_SMOOTH = {"Neg", "Square", "Sqrt", "Rsqrt", "Exp", "Log", "Log1p", "Expm1", "Sin", "Cos",
           "Tan", "Tanh", "Sigmoid", "Reciprocal", "Erf", "Softplus"}

SPECS: list[OpSpec] = [
    OpSpec(t, fn, [arg], ref, grad2=t in _SMOOTH) for t, (fn, ref, arg) in _UNARY.items()
]
SPECS += [
    OpSpec("Sign", tf.sign, [A], np.sign),
    OpSpec("Floor", tf.floor, [A], np.floor, grad=False),
    OpSpec("Ceil", tf.ceil, [A], np.ceil, grad=False),
    OpSpec("Round", tf.round, [Arg([6], value=[0.5, 1.5, 2.5, -0.5, -1.7, 3.2])], np.round,
           grad=False),
    OpSpec("IsNan", tf.is_nan, [Arg([4], value=[0, np.nan, np.inf, 1])], np.isnan, grad=False),
    OpSpec("IsInf", tf.is_inf, [Arg([4], value=[0, np.nan, np.inf, 1])], np.isinf, grad=False),
    OpSpec("IsFinite", tf.is_finite, [Arg([4], value=[0, np.nan, np.inf, 1])], np.isfinite,
           grad=False),
    OpSpec("LogicalNot", tf.logical_not, [Arg([3, 4], dtype="bool")], np.logical_not, grad=False),
]

# TF's y-form gradient helper ops: f(y, dy).
SPECS += [
    OpSpec("TanhGrad", lambda y, dy: apply_op("TanhGrad", [y, dy]), [A, A],
           lambda y, dy: dy * (1 - y * y), grad2=True),
    OpSpec("SigmoidGrad", lambda y, dy: apply_op("SigmoidGrad", [y, dy]), [A, A],
           lambda y, dy: dy * y * (1 - y), grad2=True),
    OpSpec("SqrtGrad", lambda y, dy: apply_op("SqrtGrad", [y, dy]), [POS, A],
           lambda y, dy: dy * 0.5 / y),
    OpSpec("RsqrtGrad", lambda y, dy: apply_op("RsqrtGrad", [y, dy]), [POS, A],
           lambda y, dy: -0.5 * dy * y ** 3),
    OpSpec("ReciprocalGrad", lambda y, dy: apply_op("ReciprocalGrad", [y, dy]), [POS, A],
           lambda y, dy: -dy * y * y),
    OpSpec("SoftplusGrad", lambda dy, x: apply_op("SoftplusGrad", [dy, x]), [A, A],
           lambda dy, x: dy * _np_sigmoid(x)),
    OpSpec("ReluGrad", lambda dy, x: apply_op("ReluGrad", [dy, x]), [A, Arg([3, 4], diff=False)],
           lambda dy, x: dy * (x > 0)),
]

_BINARY = {
    "AddV2": (tf.add, np.add), "Sub": (tf.subtract, np.subtract), "Mul": (tf.multiply, np.multiply),
    "Maximum": (tf.maximum, np.maximum), "Minimum": (tf.minimum, np.minimum),
    "SquaredDifference": (tf.squared_difference, lambda x, y: (x - y) ** 2),
    "Atan2": (tf.atan2, np.arctan2),
}
SPECS += [OpSpec(t, fn, [Arg([3, 1, 4]), Arg([2, 1])], ref, grad2=t not in ("Maximum", "Minimum"))
          for t, (fn, ref) in _BINARY.items()]
SPECS += [
    OpSpec("Add", lambda x, y: apply_op("Add", [x, y]), [A, B], np.add),
    OpSpec("RealDiv", tf.realdiv, [A, Arg([4], low=0.5, high=2)], np.divide, grad2=True),
    OpSpec("Div", tf.div, [A, Arg([4], low=0.5, high=2)], np.divide),
    OpSpec("Div", tf.div, [Arg([6], "int32", value=[7, -7, 7, -7, 0, 5]),
                           Arg([6], "int32", value=[2, 2, -2, -2, 3, 5])],
           lambda x, y: np.trunc(x / y).astype(np.int32), grad=False, name="Div_int"),
    OpSpec("DivNoNan", tf.div_no_nan, [A, Arg([4], value=[0.0, 1.5, -2.0, 0.0], diff=False)],
           lambda x, y: np.where(y == 0, 0, x / np.where(y == 0, 1, y))),
    OpSpec("FloorDiv", tf.floordiv, [Arg([6], "int32", value=[7, -7, 7, -7, 0, 5]),
                                     Arg([6], "int32", value=[2, 2, -2, -2, 3, 5])],
           np.floor_divide, grad=False),
    OpSpec("FloorMod", tf.floormod, [A, Arg([4], low=0.5, high=2)], np.mod),
    OpSpec("Pow", tf.pow, [POS, Arg([4], low=-1.5, high=1.5)], np.power, grad2=True),
    OpSpec("AddN", lambda a, b, c: tf.add_n([a, b, c]), [A, A, A], lambda a, b, c: a + b + c),
    OpSpec("Cast", lambda x: tf.cast(x, tf.float64), [A], lambda x: x.astype(np.float64),
           grad=False),
    OpSpec("Cast", lambda x: tf.cast(x, tf.float32 if x.dtype == tf.float64 else tf.float64),
           [A], lambda x: x.astype(np.float64), name="Cast_float_grad", delta=1e-2,
           grad_tol=1e-3),
    OpSpec("Cast", lambda x: tf.cast(x, tf.int32), [Arg([4], value=[1.7, -1.7, 0, 3])],
           lambda x: x.astype(np.int32), grad=False, name="Cast_to_int"),
    OpSpec("Select", lambda c, x, y: tf.select(c, x, y),
           [Arg([3, 4], "bool", diff=False), A, A], np.where),
    OpSpec("SelectV2", lambda c, x, y: tf.select_v2(c, x, y),
           [Arg([3, 1], "bool", diff=False), Arg([3, 4]), Arg([4])], np.where,
           empty=[Arg([0, 1], "bool", diff=False), Arg([0, 4]), Arg([4])]),
]
_COMPARE = {"Less": (tf.less, np.less), "LessEqual": (tf.less_equal, np.less_equal),
            "Greater": (tf.greater, np.greater),
            "GreaterEqual": (tf.greater_equal, np.greater_equal),
            "Equal": (tf.equal, np.equal), "NotEqual": (tf.not_equal, np.not_equal)}
SPECS += [OpSpec(t, fn, [Arg([3, 4], "int32", 0, 2), Arg([4], "int32", 0, 2)], ref, grad=False)
          for t, (fn, ref) in _COMPARE.items()]
SPECS += [
    OpSpec("LogicalAnd", tf.logical_and, [Arg([3, 4], "bool"), Arg([4], "bool")],
           np.logical_and, grad=False),
    OpSpec("LogicalOr", tf.logical_or, [Arg([3, 4], "bool"), Arg([4], "bool")],
           np.logical_or, grad=False),
]

# Reductions and matmul.
SPECS += [
    OpSpec("Sum", lambda x: tf.reduce_sum(x, [0, -1], keepdims=True), [Arg([2, 3, 4])],
           lambda x: x.sum(axis=(0, 2), keepdims=True), rank0=_SCALAR_AXIS),
    OpSpec("Sum", lambda x: tf.reduce_sum(x, 1), [Arg([2, 3, 4])], lambda x: x.sum(1),
           name="Sum_axis1", rank0=_SCALAR_AXIS),
    OpSpec("Mean", lambda x: tf.reduce_mean(x, 1), [Arg([2, 3, 4])], lambda x: x.mean(1),
           rank0=_SCALAR_AXIS),
    OpSpec("Prod", lambda x: tf.reduce_prod(x, 0), [Arg([3, 4])], lambda x: x.prod(0),
           rank0=_SCALAR_AXIS),
    OpSpec("Prod", lambda x: tf.reduce_prod(x, 0),
           [Arg([2, 3], value=[[0.0, 2.0, 0.0], [1.5, -1.0, 0.0]])], lambda x: x.prod(0),
           name="Prod_zeros"),
    OpSpec("Max", lambda x: tf.reduce_max(x, -1), [Arg([2, 3, 4])], lambda x: x.max(-1),
           rank0=_SCALAR_AXIS),
    OpSpec("Min", lambda x: tf.reduce_min(x, [0, 1]), [Arg([2, 3, 4])], lambda x: x.min((0, 1)),
           rank0=_SCALAR_AXIS),
    OpSpec("ArgMax", lambda x: tf.argmax(x, 1), [A], lambda x: np.argmax(x, 1), grad=False),
    OpSpec("ArgMin", lambda x: tf.argmin(x, 0, output_type=tf.int32), [A],
           lambda x: np.argmin(x, 0).astype(np.int32), grad=False),
    OpSpec("MatMul", tf.matmul, [Arg([3, 4]), Arg([4, 5])], np.matmul, grad2=True,
           rank0=_MATRICES),
    OpSpec("MatMul", lambda a, b: tf.matmul(a, b, transpose_a=True, transpose_b=True),
           [Arg([4, 3]), Arg([5, 4])], lambda a, b: a.T @ b.T, name="MatMul_tt",
           rank0=_MATRICES, empty=[Arg([4, 0]), Arg([5, 4])]),
    OpSpec("BatchMatMulV2", tf.matmul, [Arg([2, 1, 3, 4]), Arg([3, 4, 5])], np.matmul,
           rtol=1e-5, atol=1e-5, rank0=_MATRICES),
    OpSpec("BatchMatMulV2", lambda a, b: tf.matmul(a, b, adjoint_a=True, adjoint_b=True),
           [Arg([2, 4, 3]), Arg([2, 5, 4])],
           lambda a, b: np.swapaxes(a, -1, -2) @ np.swapaxes(b, -1, -2), name="BatchMatMul_adj",
           rtol=1e-5, atol=1e-5, rank0=_MATRICES, empty=[Arg([0, 4, 3]), Arg([0, 5, 4])]),
    OpSpec("Relu", tf.nn.relu, [A], lambda x: np.maximum(x, 0)),
    OpSpec("Softmax", tf.nn.softmax, [A],
           lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True), grad2=True,
           rank0="TF: logits must have >= 1 dimension"),
]

# Reductions of every axis, as TF1 programs write them (``tf.reduce_sum(x)``): on an
# unknown-rank input the axes are Range(Rank(x)), which the gradient must handle for rank 0.
_REDUCE_ALL = {"Sum": (tf.reduce_sum, np.sum), "Mean": (tf.reduce_mean, np.mean),
               "Prod": (tf.reduce_prod, np.prod), "Max": (tf.reduce_max, np.max),
               "Min": (tf.reduce_min, np.min)}
SPECS += [OpSpec(t, fn, [Arg([2, 3])], ref, name=f"{t}_all")
          for t, (fn, ref) in _REDUCE_ALL.items()]
SPECS += [OpSpec(t, lambda x, fn=fn: fn(x, keepdims=True), [Arg([2, 3])],
                 lambda x, ref=ref: ref(x, keepdims=True), name=f"{t}_all_keepdims")
          for t, (fn, ref) in _REDUCE_ALL.items()]


# Array basics.
SPECS += [
    OpSpec("Identity", tf.identity, [A], lambda x: x),
    OpSpec("IdentityN", lambda a, b: tf.identity_n([a, b]), [A, B], lambda a, b: [a, b]),
    OpSpec("PlaceholderWithDefault",
           lambda x: tf.placeholder_with_default(x, [3, 4]) * 2.0, [A], lambda x: 2 * x,
           rank0=_DEFAULT_SHAPE, empty=_DEFAULT_SHAPE),
    OpSpec("StopGradient", tf.stop_gradient, [A], lambda x: x, grad=False),
    OpSpec("Shape", tf.shape, [Arg([2, 3, 4])], lambda x: np.array(x.shape, np.int32),
           grad=False),
    OpSpec("ShapeN", lambda a, b: tf.shape_n([a, b]), [A, B],
           lambda a, b: [np.array(a.shape, np.int32), np.array(b.shape, np.int32)], grad=False),
    OpSpec("Size", tf.size, [A], lambda x: np.array(x.size, np.int32), grad=False),
    OpSpec("Rank", tf.rank, [A], lambda x: np.array(x.ndim, np.int32), grad=False),
    OpSpec("Reshape", lambda x: tf.reshape(x, [2, -1]), [Arg([3, 4])],
           lambda x: x.reshape(2, -1),
           rank0="TF: a scalar is 1 value, the requested shape [2, -1] requires a multiple "
                 "of 2"),
    OpSpec("Transpose", lambda x: tf.transpose(x, [2, 0, 1]), [Arg([2, 3, 4])],
           lambda x: x.transpose(2, 0, 1),
           rank0="TF: the permutation has 3 entries, a scalar's has 0"),
    OpSpec("InvertPermutation", tf.invert_permutation,
           [Arg([4], "int32", value=[2, 0, 3, 1])], lambda p: np.argsort(p).astype(np.int32),
           grad=False),
    OpSpec("ExpandDims", lambda x: tf.expand_dims(x, -1), [A], lambda x: x[..., None]),
    OpSpec("Squeeze", lambda x: tf.squeeze(x, [1]), [Arg([3, 1, 4])], lambda x: x[:, 0],
           rank0="TF: Tried to squeeze dim index 1 for tensor with 0 dimensions"),
    OpSpec("ConcatV2", lambda a, b: tf.concat([a, b], 1), [Arg([2, 3]), Arg([2, 5])],
           lambda a, b: np.concatenate([a, b], 1), rank0="TF: axis 1 of scalars",
           empty=[Arg([0, 3]), Arg([0, 5])]),
    OpSpec("ConcatOffset",
           lambda a, b: apply_op("ConcatOffset", [1, [a, b]]),
           [Arg([3], "int32", value=[2, 3, 4]), Arg([3], "int32", value=[2, 5, 4])],
           lambda a, b: [np.array([0, 0, 0], np.int32), np.array([0, 3, 0], np.int32)],
           grad=False),
    OpSpec("Pack", lambda a, b: tf.stack([a, b], axis=1), [A, A],
           lambda a, b: np.stack([a, b], 1), rank0="TF: axis = 1 not in [-1, 1) for scalars"),
    OpSpec("Unpack", lambda x: tf.unstack(x, axis=1), [Arg([3, 2])],
           lambda x: [x[:, 0], x[:, 1]], check_unknown_shapes=False),
    OpSpec("Slice", lambda x: tf.slice(x, [1, 0], [2, -1]), [Arg([4, 3])], lambda x: x[1:3, :],
           rank0="TF: begin and size have 2 entries, a scalar's have 0", empty=[Arg([4, 0])]),
    OpSpec("Fill", lambda v: tf.fill([2, 3], v), [Arg([])], lambda v: np.full([2, 3], v)),
    OpSpec("ZerosLike", tf.zeros_like, [A], np.zeros_like, grad=False),
    OpSpec("OnesLike", tf.ones_like, [A], np.ones_like, grad=False),
    OpSpec("BroadcastTo", lambda x: apply_op("BroadcastTo", [x, [2, 3, 4]]), [Arg([3, 1])],
           lambda x: np.broadcast_to(x, [2, 3, 4]),
           empty="TF: the target shape [2, 3, 4] is fixed, and no empty input broadcasts to it"),
    OpSpec("BroadcastArgs", lambda a, b: apply_op("BroadcastArgs", [a, b]),
           [Arg([3], "int32", value=[2, 1, 4]), Arg([2], "int32", value=[3, 1])],
           lambda a, b: np.array([2, 3, 4], np.int32), grad=False),
    OpSpec("BroadcastGradientArgs", lambda a, b: apply_op("BroadcastGradientArgs", [a, b]),
           [Arg([3], "int32", value=[2, 1, 4]), Arg([2], "int32", value=[3, 1])],
           lambda a, b: [np.array([1], np.int32), np.array([0, 2], np.int32)], grad=False),
]

EXEMPT = {
    "Const": "built by every row; tests/graph/test_graph.py",
    "Placeholder": "fed by every row; tests/session/test_session.py (unfed placeholder)",
    "NoOp": "tests/session/test_session.py (targets)",
    "PreventGradient": "tests/graph/test_gradients.py (raises LookupError)",
}
