"""Reductions (Sum, Mean, Max, Min, Prod) and ArgMax/ArgMin, with TF's axis semantics, and
the reductions TF composes from them (``reduce_all``/``any``, ``count_nonzero``,
``reduce_logsumexp``, ``reduce_variance``/``std``).

Axes may be scalars or lists, negative, or absent (reduce everything); ``keep_dims``
keeps reduced axes as size 1. Results keep the input dtype (numpy would widen ints).
"""
from __future__ import annotations

import numpy as np

from ...graph import dtypes, errors
from ...graph.core import Tensor
from ...graph.graph import name_scope
from ...graph.op_builder import apply_op, convert_to_tensor
from ...graph.tensor_shape import TensorShape, unknown_shape
from ..array import array_ops
from . import math_ops
from ..framework import raw_ops, shape_fns
from ..framework.declare import declare
from ..framework.deprecation import deprecated_argument_lookup
from ..framework.grad_util import all_axes, constant_like
from ..framework.shape_fns import constant_value


def _axes(axis, ndim: int) -> tuple:
    """The distinct non-negative axes of ``axis`` (TF's ReductionHelper: every axis must lie
    in [-ndim, ndim), so a scalar has none to reduce)."""
    out = []
    for a in np.ravel(axis).astype(np.int64):
        a = int(a)
        if not -ndim <= a < ndim:
            raise errors.InvalidArgumentError(
                None, None, f"Invalid reduction dimension ({a} for input with {ndim} dimension(s)")
        a = a + ndim if a < 0 else a
        if a not in out:
            out.append(a)
    return tuple(out)


# Sums over the leading axes of at least this many float32/float64 elements run as one
# BLAS matrix-vector product (ones @ x), ~6x faster than numpy's row-by-row reduction.
_GEMV_SUM_MIN_ELEMENTS = 1 << 14


def _leading_axes_sum(x, axes: tuple, keepdims: bool, dtype):
    """``sum(x, axes)`` as ``ones @ x`` when ``axes`` are the leading axes of a contiguous
    BLAS-typed array (the bias gradient of a conv or dense layer), else None."""
    k = len(axes)
    if not (isinstance(x, np.ndarray) and 0 < k < x.ndim and axes == tuple(range(k))
            and x.dtype == dtype and dtype in (np.float32, np.float64)
            and x.size >= _GEMV_SUM_MIN_ELEMENTS and x.flags.c_contiguous):
        return None
    rows = int(np.prod(x.shape[:k]))
    total = np.ones(rows, dtype=dtype) @ x.reshape(rows, -1)
    return total.reshape((1,) * k + x.shape[k:] if keepdims else x.shape[k:])


def _reducer(fn, empty_initial=None):
    """make_kernel of the reduction ``fn`` (np.sum, np.prod, np.max, np.min); an empty
    reduction of max/min starts from ``empty_initial(dtype)``. Overflow and inf - inf give
    inf and NaN silently, as in TF."""
    def make(op, ctx):
        keep = op.attrs["keep_dims"]
        dtype = op.attrs["T"].np_dtype

        def reduce(x, axes):
            if fn is np.sum:
                total = _leading_axes_sum(x, axes, keep, dtype)
                if total is not None:
                    return total
            if fn in (np.sum, np.prod):
                return fn(x, axis=axes, keepdims=keep, dtype=dtype)
            if empty_initial is not None and np.size(x) == 0:
                return fn(x, axis=axes, keepdims=keep, initial=empty_initial(dtype))
            return fn(x, axis=axes, keepdims=keep)

        def kernel(x, axis):
            axes = _axes(axis, np.ndim(x))
            if not axes:                     # nothing to reduce: the input itself
                return np.asarray(x)
            with np.errstate(all="ignore"):
                return np.asarray(reduce(x, axes))
        return kernel
    return make


def _mean(x, axis, keepdims, dtype):
    """Sum over ``axis`` divided by the count, as TF's MeanReducer: the mean of nothing is
    NaN for floats, silently (numpy's ``mean`` would warn "Mean of empty slice")."""
    n = int(np.prod([np.shape(x)[a] for a in axis]))
    if dtype.kind in "iu":
        total = np.sum(x, axis=axis, keepdims=keepdims, dtype=np.int64)
        return (np.trunc(total / max(n, 1))).astype(dtype) if n else np.zeros_like(total, dtype)
    with np.errstate(all="ignore"):
        total = np.sum(x, axis=axis, keepdims=keepdims, dtype=dtype)
        return np.true_divide(total, np.asarray(n, dtype=total.dtype))


def _mean_kernel(op, ctx):
    keep = op.attrs["keep_dims"]
    dtype = op.attrs["T"].np_dtype

    def kernel(x, axis):
        axes = _axes(axis, np.ndim(x))
        return np.asarray(_mean(x, axes, keep, dtype) if axes else x)
    return kernel


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _highest(dtype):
    return np.inf if dtype.kind == "f" else np.iinfo(dtype).max


def _reduced_shape(x: Tensor, axes: Tensor):
    """x's shape with reduced axes set to 1, as a constant when at most one dim is unknown."""
    axis_value = constant_value(axes)
    if x.shape.rank is None or axis_value is None:
        return None
    dims = x.shape.as_list()
    try:
        axes_value = _axes(axis_value, len(dims))
    except errors.InvalidArgumentError:
        return None                 # the forward op fails when run; so will the gradient
    for a in axes_value:
        dims[a] = 1
    if dims.count(None) > 1:
        return None
    return [-1 if d is None else d for d in dims]


def _SumGrad(op, grad):
    x, axes = op.inputs
    if op.attrs["keep_dims"]:
        return [_broadcast_like(grad, x), None]
    shape = _reduced_shape(x, axes)
    if shape is not None:
        return [_broadcast_like(_reshape(grad, shape), x), None]
    in_shape = raw_ops.Shape(input=x)
    out_shape = _dynamic_reduced_shape(in_shape, axes)
    return [_broadcast_like(_reshape(grad, out_shape), x), None]


def _reshape(t, shape) -> Tensor:
    return raw_ops.Reshape(tensor=t, shape=shape)


def _dynamic_reduced_shape(input_shape, axes):
    """TF's ``reduced_shape``: input_shape with the reduced axes set to 1, at run time."""
    input_rank = raw_ops.Size(input=input_shape)
    axes = math_ops.floormod(math_ops.add(_reshape(axes, [-1]), input_rank), input_rank)
    mask = raw_ops.ScatterNd(indices=raw_ops.ExpandDims(input=axes, dim=1),
                             updates=raw_ops.OnesLike(x=axes),
                             shape=raw_ops.Shape(input=input_shape))
    return math_ops.select_v2(math_ops.greater(mask, 0), raw_ops.OnesLike(x=input_shape),
                              input_shape)


def _broadcast_like(grad, x: Tensor):
    if x.shape.is_fully_defined() and grad.shape.is_fully_defined() and \
            grad.shape.as_list() == x.shape.as_list():
        return grad
    shape = x.shape.as_list() if x.shape.is_fully_defined() else raw_ops.Shape(input=x)
    return raw_ops.BroadcastTo(input=grad, shape=shape)


def _MeanGrad(op, grad):
    x = op.inputs[0]
    sum_grad = _SumGrad(op, grad)[0]
    y = op.outputs[0]
    if x.shape.is_fully_defined() and y.shape.is_fully_defined():
        factor = max(x.shape.num_elements() // max(y.shape.num_elements(), 1), 1)
        return [math_ops.realdiv(sum_grad, constant_like(factor, sum_grad)), None]
    factor = math_ops.floordiv(raw_ops.Size(input=x), math_ops.maximum(raw_ops.Size(input=y), 1))
    return [math_ops.realdiv(sum_grad, math_ops.cast(factor, sum_grad.dtype)), None]


def _MinOrMaxGrad(op, grad):
    x, axes = op.inputs
    y = op.outputs[0]
    shape = _reduced_shape(x, axes)
    if shape is None:
        shape = _dynamic_reduced_shape(raw_ops.Shape(input=x), axes)
    y = _reshape(y, shape)
    grad = _reshape(grad, shape)
    indicators = math_ops.cast(math_ops.equal(y, x), grad.dtype)
    num_selected = _reshape(reduce_sum(indicators, axes), shape)
    # A NaN extreme selects nothing: 0 / 0 makes that slice's gradient NaN, as in TF.
    return [math_ops.multiply(math_ops.realdiv(indicators, num_selected), grad), None]


def _ProdGrad(op, grad):
    x, axes = op.inputs
    shape = _reduced_shape(x, axes)
    if shape is None:
        shape = _dynamic_reduced_shape(raw_ops.Shape(input=x), axes)
    grad = _broadcast_like(_reshape(grad, shape), x)
    y = _broadcast_like(_reshape(op.outputs[0], shape), x)
    # d(prod)/dx_i = prod / x_i, computed as exclusive cumprods for zero-safety is TF's
    # approach; here the product of the others via division where x != 0 and a direct
    # product of the others where it is 0.
    safe = math_ops.select_v2(math_ops.equal(x, 0), raw_ops.OnesLike(x=x), x)
    others = math_ops.realdiv(y, safe)
    zero_count = reduce_sum(math_ops.cast(math_ops.equal(x, 0), x.dtype), axes, keepdims=True)
    prod_nonzero = _broadcast_like(
        reduce_prod(math_ops.select_v2(math_ops.equal(x, 0), raw_ops.OnesLike(x=x), x), axes,
                    keepdims=True), x)
    at_zero = math_ops.select_v2(math_ops.equal(_broadcast_like(zero_count, x),
                                                constant_like(1, x)),
                                 prod_nonzero, raw_ops.ZerosLike(x=x))
    result = math_ops.select_v2(math_ops.equal(x, 0), at_zero, others)
    return [math_ops.multiply(grad, result), None]


def _keep_dims_arg(keepdims, keep_dims) -> bool:
    """TF1's two spellings of ``keepdims`` (giving both is an error)."""
    return bool(deprecated_argument_lookup("keepdims", keepdims, "keep_dims", keep_dims))


def _axis_arg(axis, reduction_indices):
    """TF1's two spellings of ``axis`` (giving both is an error)."""
    if axis is not None and reduction_indices is not None:
        raise ValueError("Cannot specify both 'axis' and 'reduction_indices'")
    return axis if axis is not None else reduction_indices


def _reduction(op_type: str, make_kernel, grad):
    """Declares the reduction op ``op_type`` and returns ``tf.reduce_<op>`` (TF1 signature:
    ``keep_dims`` and ``keepdims``, ``reduction_indices`` and ``axis``; no axis: all)."""
    declare(op_type, shape=shape_fns.reduction, make_kernel=make_kernel, grad=grad,
            constant_value=shape_fns.kernel_value)

    def fn(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
           keep_dims=None):
        keep = _keep_dims_arg(keepdims, keep_dims)
        axis = _axis_arg(axis, reduction_indices)
        x = convert_to_tensor(input_tensor)
        if axis is None:
            axis = all_axes(x)
        return apply_op(op_type, [x, axis], {"keep_dims": keep}, name=name or op_type)
    fn.__name__ = "reduce_" + op_type.lower()
    fn.__doc__ = f"``tf.reduce_{op_type.lower()}`` (TF1 signature: keep_dims and keepdims)."
    return fn


reduce_sum = _reduction("Sum", _reducer(np.sum), _SumGrad)
reduce_mean = _reduction("Mean", _mean_kernel, _MeanGrad)
reduce_prod = _reduction("Prod", _reducer(np.prod), _ProdGrad)
reduce_max = _reduction("Max", _reducer(np.max, _lowest), _MinOrMaxGrad)
reduce_min = _reduction("Min", _reducer(np.min, _highest), _MinOrMaxGrad)


def _arg_shape(op):
    """The input's shape less the reduced axis; one rank less when the axis is unknown."""
    x = op.inputs[0].shape
    axis = constant_value(op.inputs[1])
    if x.rank is None:
        return [shape_fns.UNKNOWN]
    if axis is None:
        return [unknown_shape(max(x.rank - 1, 0))]
    a = shape_fns.normalize_axis(int(axis), x.rank)
    return [TensorShape([d for i, d in enumerate(x.dims) if i != a])]


def _arg_kernel(fn):
    def make(op, ctx):
        out = op.attrs["output_type"].np_dtype

        def kernel(x, axis):
            axis, ndim = int(axis), np.ndim(x)
            if not -ndim <= axis < ndim:
                raise errors.InvalidArgumentError(
                    None, None, f"Expected dimension in the range [{-ndim}, {ndim}), but got "
                                f"{axis}")
            if np.shape(x)[axis] == 0:
                raise errors.InvalidArgumentError(
                    None, None, f"Reduction axis {axis} is empty in shape "
                                f"{errors.shape_str(np.shape(x))}")
            return fn(x, axis=axis).astype(out)
        return kernel
    return make


def _arg(op_type: str, index_fn):
    """Declares ArgMax/ArgMin (numpy's ``index_fn``) and returns its TF1 constructor."""
    declare(op_type, shape=_arg_shape, make_kernel=_arg_kernel(index_fn), not_differentiable=True)

    def fn(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):
        if axis is not None and dimension is not None:
            raise ValueError("Cannot specify both 'axis' and 'dimension'")
        if axis is None:
            axis = dimension if dimension is not None else 0
        return apply_op(op_type, [input, axis], {"output_type": output_type}, name=name)
    fn.__name__ = op_type.lower()
    return fn


argmax = _arg("ArgMax", np.argmax)
argmin = _arg("ArgMin", np.argmin)


# -- composites (no op types of their own) ------------------------------------------------

def reduce_all(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None):
    x = math_ops.cast(input_tensor, dtypes.int32)
    r = reduce_min(x, axis, keepdims, None, reduction_indices, keep_dims)
    return math_ops.cast(r, dtypes.bool_, name=name or "All")


def reduce_any(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None):
    x = math_ops.cast(input_tensor, dtypes.int32)
    r = reduce_max(x, axis, keepdims, None, reduction_indices, keep_dims)
    return math_ops.cast(r, dtypes.bool_, name=name or "Any")


def count_nonzero(input_tensor=None, axis=None, keepdims=None, dtype=dtypes.int64,
                  name: str | None = None, reduction_indices=None, keep_dims=None,
                  input=None) -> Tensor:  # noqa: A002
    """``tf.count_nonzero``: how many elements differ from zero, over ``axis``."""
    x = convert_to_tensor(input if input_tensor is None else input_tensor)
    with name_scope(name, "count_nonzero", [x]):
        zero = convert_to_tensor(np.zeros((), x.dtype.base_dtype.np_dtype))
        nonzero = math_ops.cast(math_ops.not_equal(x, zero), dtypes.int64)
        counts = reduce_sum(nonzero, axis, keepdims, None, reduction_indices, keep_dims)
        return math_ops.cast(counts, dtype)


def reduce_logsumexp(input_tensor, axis=None, keepdims=None, name: str | None = None,
                     reduction_indices=None, keep_dims=None) -> Tensor:
    """``tf.reduce_logsumexp``: log(sum(exp(x))) shifted by the (finite) max for stability."""
    axis = _axis_arg(axis, reduction_indices)
    keep = _keep_dims_arg(keepdims, keep_dims)
    with name_scope(name, "ReduceLogSumExp", [input_tensor]) as scope:
        x = convert_to_tensor(input_tensor)
        raw_max = reduce_max(x, axis, keepdims=True)
        my_max = array_ops.stop_gradient(
            math_ops.select_v2(math_ops.is_finite(raw_max), raw_max,
                               constant_like(0, raw_max)))
        result = math_ops.log(reduce_sum(
            math_ops.exp(math_ops.subtract(x, my_max)), axis, keepdims=keep))
        if not keep:
            my_max = array_ops.reshape(my_max, array_ops.shape(result))
        result = math_ops.add(result, my_max, name=scope)
    if axis is None and not keep and not result.shape.is_fully_defined():
        result.set_shape([])
    return result


def reduce_variance(input_tensor, axis=None, keepdims: bool = False,
                    name: str | None = None) -> Tensor:
    """``tf.math.reduce_variance``: mean of squared deviations (floating inputs only)."""
    with name_scope(name, "reduce_variance", [input_tensor]):
        x = convert_to_tensor(input_tensor)
        means = reduce_mean(x, axis, keepdims=True)
        if means.dtype.is_integer:
            raise TypeError(f"Input must be either real or complex. Received integer type "
                            f"{means.dtype.name}.")
        squared_deviations = math_ops.square(x - means)
        return reduce_mean(squared_deviations, axis, keepdims=keepdims)


def reduce_std(input_tensor, axis=None, keepdims: bool = False,
               name: str | None = None) -> Tensor:
    """``tf.math.reduce_std``: sqrt of ``reduce_variance``."""
    with name_scope(name, "reduce_std", [input_tensor]):
        return math_ops.sqrt(reduce_variance(input_tensor, axis, keepdims))


_REDUCTIONS = ["argmax", "argmin", "count_nonzero", "reduce_all", "reduce_any",
               "reduce_logsumexp", "reduce_max", "reduce_mean", "reduce_min", "reduce_prod",
               "reduce_sum"]
EXPORTS = {"": _REDUCTIONS, "math": _REDUCTIONS + ["reduce_std", "reduce_variance"]}
