"""Shared shape functions (partial shapes allowed).

Shape functions take the ``Operation`` and return one ``TensorShape`` per output. The
static values they use (``constant_value``, ``partial_value``, ``shape_from_tensor``) come
from ``graph/static_value.py``, where each op's declared static-value rules are looked up.
"""
from __future__ import annotations


import numpy as np

from ...graph import errors, op_registry
from ...graph.static_value import (  # noqa: F401  (the families' shape functions use them)
    constant_value, input_values, partial_value, shape_from_tensor)
from ...graph.tensor_shape import TensorShape, unknown_shape

UNKNOWN = TensorShape(None)
SCALAR = TensorShape([])
# Static values are computed from known inputs of at most this many elements each.
SMALL_VALUE_ELEMENTS = 1000


def _small(shape: TensorShape) -> bool:
    n = shape.num_elements()
    return n is not None and n <= SMALL_VALUE_ELEMENTS


def kernel_value(op):
    """The op's outputs computed by its own kernel from its statically known inputs, as TF's
    shape inference evaluates small constant subgraphs; None unless every output has a
    small known shape and every input a small known value, or when the kernel rejects
    them. A ``constant_value=`` rule for pure ops."""
    if any(not _small(t.shape) for t in op.outputs):    # checked first: no recursion
        return None
    values = input_values(op)
    if values is None or any(np.size(v) > SMALL_VALUE_ELEMENTS for v in values):
        return None
    try:
        with np.errstate(all="ignore"):
            return op_registry.KERNELS[op.type](op, None)(*values)
    except (errors.OpError, ArithmeticError, ValueError, TypeError, IndexError):
        return None


def unchanged(op) -> list[TensorShape]:
    """Output 0 has input 0's shape."""
    return [op.inputs[0].shape]


def unchanged_all(op) -> list[TensorShape]:
    return [op.inputs[0].shape] * len(op.outputs)


def scalar(op) -> list[TensorShape]:
    return [SCALAR] * len(op.outputs)


def unknown(op) -> list[TensorShape]:
    return [UNKNOWN] * len(op.outputs)


def broadcast_shapes(a: TensorShape, b: TensorShape) -> TensorShape:
    """Numpy broadcasting of two partial shapes; ValueError when incompatible."""
    if a.rank is None or b.rank is None:
        return UNKNOWN
    da, db = a.dims, b.dims
    n = max(len(da), len(db))
    da = [1] * (n - len(da)) + da
    db = [1] * (n - len(db)) + db
    out = []
    for x, y in zip(da, db):
        if x == 1:
            out.append(y)
        elif y == 1:
            out.append(x)
        elif x is None:
            out.append(y)
        elif y is None:
            out.append(x)
        elif x == y:
            out.append(x)
        else:
            raise ValueError(f"Dimensions must be equal, but are {x} and {y}")
    return TensorShape(out)


def broadcast(op) -> list[TensorShape]:
    """Elementwise binary ops: the broadcast of all input shapes."""
    shape = op.inputs[0].shape
    for t in op.inputs[1:]:
        shape = broadcast_shapes(shape, t.shape)
    return [shape] * len(op.outputs)


def merge_all(op) -> list[TensorShape]:
    """All inputs share one shape (AddN, ...)."""
    shape = UNKNOWN
    for t in op.inputs:
        try:
            shape = shape.merge_with(t.shape)
        except ValueError:
            raise ValueError(f"Shapes must be equal rank, but are {shape} and {t.shape}") from None
    return [shape]


def normalize_axis(axis: int, rank: int, op_name: str = "") -> int:
    if not -rank <= axis < max(rank, 1):
        raise ValueError(f"axis {axis} is out of bounds for a tensor of rank {rank}")
    return axis + rank if axis < 0 else axis


def is_all_axes(axes, x) -> bool:
    """Whether ``axes`` is ``Range(0, Rank(x), 1)``: every axis of ``x`` whatever its rank
    (what ``tf.reduce_sum(x)`` reduces over when the rank is unknown)."""
    op = axes.op
    if op.type != "Range" or [_int(t) for t in (op.inputs[0], op.inputs[2])] != [0, 1]:
        return False
    rank = op.inputs[1].op
    return rank.type == "Rank" and rank.inputs[0] is x


def _int(t) -> int | None:
    value = constant_value(t)
    return None if value is None or np.size(value) != 1 else int(np.ravel(value)[0])


def reduction(op) -> list[TensorShape]:
    """Sum/Mean/Max/...: drop (or keep as 1) the statically known reduced axes; reducing
    every axis of an unknown-rank input without keep_dims is a scalar."""
    x = op.inputs[0].shape
    keep = op.attrs.get("keep_dims", False)
    axes = constant_value(op.inputs[1])
    if x.rank is None:
        return [SCALAR if not keep and is_all_axes(op.inputs[1], op.inputs[0]) else UNKNOWN]
    if axes is None:
        return [unknown_shape(x.rank) if keep else UNKNOWN]
    rank = x.rank
    axes = {normalize_axis(int(a), rank) for a in np.ravel(axes)} if rank else \
        {int(a) for a in np.ravel(axes) if int(a) in (0, -1)}
    dims = x.dims
    if keep:
        return [TensorShape([1 if i in axes else d for i, d in enumerate(dims)])]
    return [TensorShape([d for i, d in enumerate(dims) if i not in axes])]
