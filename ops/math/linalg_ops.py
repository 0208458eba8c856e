"""Linear-algebra composites built from existing ops (no op types of their own):
``tf.tensordot``, ``tf.eye``, ``tf.norm`` (vector norms), ``tf.diag``, ``tf.linalg.trace``
and ``tf.linalg.matvec``; the ``tf.linalg`` namespace also names the matrix ops kept
elsewhere (``matmul``, ``matrix_transpose``, ``global_norm``).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...graph import dtypes
from ...graph.core import Tensor
from ...graph.graph import name_scope
from ...graph.op_builder import constant, convert_to_tensor
from ..array import array_ops, fill_ops
from ..array.array_ops import matrix_transpose
from ..array.gather_ops import gather
from ..array.sequence_ops import range_
from . import math_ops, matmul_ops, reduction_ops
from .clip_ops import global_norm  # noqa: F401  (tf.linalg re-exports it)
from .matmul_ops import matmul


def tensordot(a, b, axes, name: str | None = None) -> Tensor:
    """Contracts ``axes`` of a with those of b (static ranks): transposes + one matmul."""
    a, b = convert_to_tensor(a), convert_to_tensor(b)
    if a.shape.rank is None or b.shape.rank is None:
        raise ValueError("tensordot needs inputs of known rank")
    if isinstance(axes, (int, np.integer)):
        a_axes = list(range(a.shape.rank - int(axes), a.shape.rank))
        b_axes = list(range(int(axes)))
    else:
        a_axes, b_axes = ([int(x) for x in np.ravel(v)] for v in axes)
    a_axes = [x % a.shape.rank for x in a_axes]
    b_axes = [x % b.shape.rank for x in b_axes]
    a_free = [i for i in range(a.shape.rank) if i not in a_axes]
    b_free = [i for i in range(b.shape.rank) if i not in b_axes]

    def dims(shape_t: Tensor, indices: list) -> Tensor:
        return gather(shape_t, np.array(indices, np.int32))
    with name_scope(name, "Tensordot", [a, b]) as scope:
        a_shape, b_shape = array_ops.shape(a), array_ops.shape(b)
        a2 = array_ops.reshape(array_ops.transpose(a, a_free + a_axes),
                               array_ops.stack([reduction_ops.reduce_prod(dims(a_shape, a_free)),
                                                reduction_ops.reduce_prod(dims(a_shape, a_axes))]))
        b2 = array_ops.reshape(array_ops.transpose(b, b_axes + b_free),
                               array_ops.stack([reduction_ops.reduce_prod(dims(b_shape, b_axes)),
                                                reduction_ops.reduce_prod(dims(b_shape, b_free))]))
        product = matmul_ops.matmul(a2, b2)
        out_shape = array_ops.concat([dims(a_shape, a_free), dims(b_shape, b_free)], 0)
        result = array_ops.reshape(product, out_shape, name=scope)
        static = [a.shape[i] for i in a_free] + [b.shape[i] for i in b_free]
        result.set_shape(static)
        return result


def _identity_mask(rows, cols, dtype) -> Tensor:
    """The [rows, cols] matrix with ones on the main diagonal (sizes may be tensors)."""
    return math_ops.cast(math_ops.equal(array_ops.expand_dims(range_(0, rows), 1),
                                        range_(0, cols)), dtype)


def eye(num_rows, num_columns=None, batch_shape: Any = None, dtype=dtypes.float32,
        name: str | None = None) -> Tensor:
    """An identity matrix (batched when ``batch_shape`` is given): a constant when the sizes
    are known statically, else built from the size tensors."""
    num_columns = num_rows if num_columns is None else num_columns
    sizes = [array_ops.known_value(v) for v in (num_rows, num_columns)]
    batch = [] if batch_shape is None else batch_shape
    static_batch = array_ops.known_value(batch) if isinstance(batch, Tensor) else batch
    if all(v is not None for v in sizes) and static_batch is not None:
        matrix = np.eye(int(sizes[0]), int(sizes[1]))
        matrix = np.broadcast_to(matrix, [int(d) for d in np.ravel(static_batch)]
                                 + list(matrix.shape))
        return constant(matrix, dtype=dtype, name=name or "eye")
    with name_scope(name, "eye", [num_rows, num_columns, batch_shape]) as scope:
        matrix = _identity_mask(num_rows, num_columns, dtype)
        if batch_shape is None:
            return array_ops.identity(matrix, name=scope)
        shape = array_ops.concat([batch, array_ops.shape(matrix)], 0)
        return fill_ops.broadcast_to(matrix, shape, name=scope)


def norm(tensor, ord: Any = "euclidean", axis: Any = None, keepdims: bool | None = None,
         name: str | None = None, keep_dims: bool | None = None) -> Tensor:  # noqa: A002
    """Vector norms (``euclidean``/2, 1, ``np.inf``) over ``axis`` (default: all)."""
    keep = bool(keepdims if keepdims is not None else keep_dims)
    with name_scope(name, "norm", [tensor]) as scope:
        x = convert_to_tensor(tensor)
        if ord in ("euclidean", 2, 2.0, "fro"):
            result = math_ops.sqrt(reduction_ops.reduce_sum(math_ops.square(x), axis,
                                                            keepdims=keep))
        elif ord == 1:
            result = reduction_ops.reduce_sum(math_ops.abs(x), axis, keepdims=keep)
        elif ord == np.inf:
            result = reduction_ops.reduce_max(math_ops.abs(x), axis, keepdims=keep)
        else:
            raise ValueError(f"'ord' must be a supported vector norm, got {ord!r}")
        return array_ops.identity(result, name=scope)


def diag(diagonal, name: str | None = None) -> Tensor:
    """``tf.diag`` of a vector: the square matrix with it on the diagonal."""
    with name_scope(name, "Diag", [diagonal]) as scope:
        d = convert_to_tensor(diagonal)
        n = array_ops.size(d)
        return math_ops.multiply(_identity_mask(n, n, d.dtype), array_ops.expand_dims(d, 0),
                                 name=scope)


def trace(x, name: str | None = None) -> Tensor:
    """``tf.linalg.trace``: the sum of the main diagonal of the last two dimensions."""
    with name_scope(name, "Trace", [x]) as scope:
        x = convert_to_tensor(x)
        mask = _identity_mask(array_ops.shape(x)[-2], array_ops.shape(x)[-1], x.dtype)
        return reduction_ops.reduce_sum(math_ops.multiply(x, mask), [-2, -1], name=scope)


def matvec(a, b, transpose_a: bool = False, adjoint_a: bool = False, a_is_sparse: bool = False,
           b_is_sparse: bool = False, name: str | None = None) -> Tensor:
    """``tf.linalg.matvec``: the (batched) matrix ``a`` times the vector(s) ``b``."""
    with name_scope(name, "MatVec", [a, b]):
        product = matmul(a, array_ops.expand_dims(b, -1), transpose_a=transpose_a,
                         adjoint_a=adjoint_a, a_is_sparse=a_is_sparse, b_is_sparse=b_is_sparse)
        return array_ops.squeeze(product, axis=-1)


transpose = matrix_transpose    # tf.linalg.transpose swaps the last two dims
tensor_diag = diag

EXPORTS = {
    "": ["diag", "eye", "norm", "tensordot", "trace"],
    "linalg": ["eye", "global_norm", "matmul", "matrix_transpose", "matvec", "norm",
               "tensor_diag", "tensordot", "trace", "transpose"],
}
