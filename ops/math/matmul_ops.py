"""MatMul and BatchMatMulV2 (broadcasting batch dims, adj_x/adj_y), with TF's gradients."""
from __future__ import annotations

import numpy as np

from ...graph import errors
from ...graph.core import Tensor
from ...graph.op_builder import apply_op, convert_to_tensor
from ...graph.tensor_shape import TensorShape
from ..runtime import blas
from . import math_ops, reduction_ops
from ..framework import raw_ops, shape_fns
from ..framework.declare import declare


def _matmul_dims(a: list, b: list, ta: bool, tb: bool) -> tuple:
    m, k1 = (a[-1], a[-2]) if ta else (a[-2], a[-1])
    k2, n = (b[-1], b[-2]) if tb else (b[-2], b[-1])
    if k1 is not None and k2 is not None and k1 != k2:
        raise ValueError(f"Dimensions must be equal, but are {k1} and {k2}")
    return m, n


def _matmul_shape(op):
    a, b = (t.shape.with_rank(2) for t in op.inputs)
    m, n = _matmul_dims(a.dims, b.dims, op.attrs["transpose_a"], op.attrs["transpose_b"])
    return [TensorShape([m, n])]


def _matmul_kernel(op, ctx):
    ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]

    def kernel(a, b):
        if ta:
            a = a.T
        if tb:
            b = b.T
        if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
            raise errors.InvalidArgumentError(
                None, None, f"Matrix size-incompatible: In[0]: {list(a.shape)}, In[1]: "
                            f"{list(b.shape)}")
        return blas.matmul(a, b)
    return kernel


def _MatMulGrad(op, grad):
    a, b = op.inputs
    ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
    if not ta and not tb:
        return [matmul(grad, b, transpose_b=True), matmul(a, grad, transpose_a=True)]
    if not ta and tb:
        return [matmul(grad, b), matmul(grad, a, transpose_a=True)]
    if ta and not tb:
        return [matmul(b, grad, transpose_b=True), matmul(a, grad)]
    return [matmul(b, grad, transpose_a=True, transpose_b=True),
            matmul(grad, a, transpose_a=True, transpose_b=True)]


declare("MatMul", shape=_matmul_shape, make_kernel=_matmul_kernel, grad=_MatMulGrad)


def _batch_matmul_shape(op):
    a, b = (t.shape for t in op.inputs)
    if a.rank is None or b.rank is None:
        return [shape_fns.UNKNOWN]
    if a.rank < 2 or b.rank < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {min(a.rank, b.rank)}")
    m, n = _matmul_dims(a.dims, b.dims, op.attrs["adj_x"], op.attrs["adj_y"])
    batch = shape_fns.broadcast_shapes(TensorShape(a.dims[:-2]), TensorShape(b.dims[:-2]))
    return [batch.concatenate([m, n])]


def _batch_matmul_kernel(op, ctx):
    ax, ay = op.attrs["adj_x"], op.attrs["adj_y"]

    def kernel(x, y):
        if ax:
            x = np.conj(np.swapaxes(x, -1, -2))
        if ay:
            y = np.conj(np.swapaxes(y, -1, -2))
        try:
            return blas.matmul(x, y)
        except ValueError:
            raise errors.InvalidArgumentError(
                None, None, f"Matrix size-incompatible or batch dimensions not broadcastable: "
                            f"In[0]: {list(x.shape)}, In[1]: {list(y.shape)}") from None
    return kernel


def _BatchMatMulV2Grad(op, grad):
    x, y = op.inputs
    ax, ay = op.attrs["adj_x"], op.attrs["adj_y"]
    if not ax and not ay:
        gx, gy = batch_matmul(grad, y, adj_y=True), batch_matmul(x, grad, adj_x=True)
    elif not ax:
        gx, gy = batch_matmul(grad, y), batch_matmul(grad, x, adj_x=True)
    elif not ay:
        gx, gy = batch_matmul(y, grad, adj_y=True), batch_matmul(x, grad)
    else:
        gx = batch_matmul(y, grad, adj_x=True, adj_y=True)
        gy = batch_matmul(grad, x, adj_x=True, adj_y=True)
    return [_reduce_batch(gx, x), _reduce_batch(gy, y)]


def _reduce_batch(g: Tensor, x: Tensor) -> Tensor:
    """Sums a gradient over the batch dims that broadcasting added to ``x``."""
    if x.shape.is_fully_defined() and g.shape.is_fully_defined():
        xs, gs = x.shape.as_list(), g.shape.as_list()
        if xs == gs:
            return g
        lead = len(gs) - len(xs)
        axes = list(range(lead)) + [lead + i for i, d in enumerate(xs[:-2])
                                    if d == 1 and gs[lead + i] != 1]
        summed = reduction_ops.reduce_sum(g, axes) if axes else g
        return raw_ops.Reshape(tensor=summed, shape=xs)
    sx, sg = raw_ops.Shape(input=x), raw_ops.Shape(input=g)
    bx = raw_ops.Slice(input=sx, begin=[0], size=raw_ops.Reshape(
        tensor=raw_ops.Size(input=sx) - 2, shape=[1]))
    bg = raw_ops.Slice(input=sg, begin=[0], size=raw_ops.Reshape(
        tensor=raw_ops.Size(input=sg) - 2, shape=[1]))
    rx, _ = raw_ops.BroadcastGradientArgs(s0=bx, s1=bg)
    return raw_ops.Reshape(tensor=reduction_ops.reduce_sum(g, rx), shape=sx)


declare("BatchMatMulV2", shape=_batch_matmul_shape, make_kernel=_batch_matmul_kernel,
        grad=_BatchMatMulV2Grad)


def batch_matmul(x, y, adj_x: bool = False, adj_y: bool = False, name: str | None = None):
    return apply_op("BatchMatMulV2", [x, y], {"adj_x": adj_x, "adj_y": adj_y}, name=name)


def matmul(a, b, transpose_a: bool = False, transpose_b: bool = False, adjoint_a: bool = False,
           adjoint_b: bool = False, a_is_sparse: bool = False, b_is_sparse: bool = False,
           output_type=None, name: str | None = None) -> Tensor:
    """``tf.matmul``: MatMul for matrices, BatchMatMulV2 for higher (or unknown) rank."""
    if transpose_a and adjoint_a:
        raise ValueError("Only one of transpose_a and adjoint_a can be True.")
    if transpose_b and adjoint_b:
        raise ValueError("Only one of transpose_b and adjoint_b can be True.")
    a = convert_to_tensor(a)
    b = convert_to_tensor(b, dtype=a.dtype.base_dtype)
    if a.shape.rank == 2 and b.shape.rank == 2:
        return apply_op("MatMul", [a, b], {"transpose_a": transpose_a or adjoint_a,
                                           "transpose_b": transpose_b or adjoint_b}, name=name)
    return batch_matmul(a, b, adj_x=transpose_a or adjoint_a, adj_y=transpose_b or adjoint_b,
                        name=name)


Tensor._override_operator("__matmul__", math_ops.binary_operator(matmul, "matmul"))
Tensor._override_operator("__rmatmul__", math_ops.binary_operator(matmul, "matmul", reverse=True))

EXPORTS = {"": ["matmul"]}
