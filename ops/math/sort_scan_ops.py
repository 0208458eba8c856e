"""Order and scan ops: TopKV2/InTopKV2 (TF's tie rules), Cumsum/Cumprod (exclusive/reverse),
ReverseV2.

Semantics and gradients follow TF's kernels and ``nn_grad.py``/``math_grad.py``/
``array_grad.py``.
"""
from __future__ import annotations

import collections

import numpy as np

from ...graph import dtypes, errors
from ...graph.core import Tensor
from ...graph.graph import get_default_graph, name_scope
from ...graph.op_builder import apply_op, constant, convert_to_tensor
from ...graph.tensor_shape import TensorShape
from . import math_ops, reduction_ops
from ..framework import grad_util, raw_ops, shape_fns
from ..framework.declare import declare
from ..framework.shape_fns import UNKNOWN, constant_value

# -- TopKV2 / InTopKV2 ------------------------------------------------------------------------


def _top_k_shape(op) -> list[TensorShape]:
    x, k = op.inputs[0].shape, constant_value(op.inputs[1])
    if k is not None and int(k) < 0:
        raise ValueError(f"Need k >= 0, got {int(k)}")
    if x.rank is None:
        return [UNKNOWN] * 2
    if x.rank < 1:
        raise ValueError("Shape must be at least rank 1 but is rank 0")
    if k is not None and x.dims[-1] is not None and x.dims[-1] < int(k):
        raise ValueError(f"input must have at least k columns. Had {x.dims[-1]}, needed "
                         f"{int(k)}")
    shape = TensorShape(x.dims[:-1] + [None if k is None else int(k)])
    return [shape, shape]


def _top_k_kernel(op, ctx):
    index_dtype = op.attrs["index_type"].np_dtype

    def kernel(x, k):
        if np.ndim(k):
            raise errors.invalid_argument(
                f"k must be 0-D, got shape {errors.shape_str(np.shape(k))}")
        if np.ndim(x) < 1:
            raise errors.invalid_argument(
                f"input must be >= 1-D, got shape {errors.shape_str(np.shape(x))}")
        k, n = int(k), np.shape(x)[-1]
        if k < 0:
            raise errors.invalid_argument(f"Need k >= 0, got {k}")
        if n < k:
            raise errors.invalid_argument(
                f"input must have at least k columns. Had {n}, needed {k}")
        # A stable ascending sort of the reversed row, read backwards: descending values,
        # ties broken by the lower index first (TF's order), with no negation overflow.
        order = np.argsort(x[..., ::-1], axis=-1, kind="stable")[..., ::-1][..., :k]
        indices = (n - 1 - order).astype(index_dtype)
        return np.take_along_axis(x, indices, axis=-1), indices
    return kernel


def _TopKGrad(op, grad, _):
    """Scatters ``grad`` to the flattened input positions the indices name (TF's rule)."""
    x, indices = op.inputs[0], op.outputs[1]
    dtype = indices.dtype.base_dtype
    if x.shape.is_fully_defined() and indices.shape.is_fully_defined():
        dims, k = x.shape.as_list(), indices.shape.as_list()[-1]
        rows = int(np.prod(dims[:-1]))
        offsets = (np.arange(rows) * dims[-1]).reshape(-1, 1).astype(dtype.np_dtype)
        flat = _reshape(math_ops.add(_reshape(indices, [-1, k]), offsets), [-1])
        total = [int(np.prod(dims))]
        in_shape = dims
    else:
        in_shape = raw_ops.Shape(input=x, out_type=dtype)
        ind_shape = raw_ops.Shape(input=indices)
        ind_lastdim = _last(ind_shape)
        ind_2d = _reshape(indices, grad_util.stack_mixed([-1, ind_lastdim]))
        in_lastdim = _last(in_shape)
        outerdim = raw_ops.Shape(input=ind_2d)[0]
        limit = math_ops.multiply(math_ops.cast(outerdim, dtypes.int64), in_lastdim)
        starts = raw_ops.Range(start=constant(0, dtype=dtypes.int64), limit=limit,
                               delta=in_lastdim, name="range")
        flat = _reshape(math_ops.add(ind_2d, math_ops.cast(
            raw_ops.ExpandDims(input=starts, dim=-1), dtype)), [-1])
        total = grad_util.stack_mixed([reduction_ops.reduce_prod(in_shape)])
    scattered = raw_ops.ScatterNd(indices=raw_ops.ExpandDims(input=flat, dim=-1),
                                  updates=_reshape(grad, [-1]), shape=total)
    return [_reshape(scattered, in_shape), None]


def _reshape(t, shape) -> Tensor:
    return raw_ops.Reshape(tensor=t, shape=shape)


def _last(shape: Tensor) -> Tensor:
    """The last entry of a shape vector, as int64 (TF's ``_TopKGrad`` gathers it)."""
    return raw_ops.GatherV2(params=math_ops.cast(shape, dtypes.int64),
                            indices=math_ops.subtract(raw_ops.Size(input=shape), 1), axis=0)


declare("TopKV2", shape=_top_k_shape, make_kernel=_top_k_kernel, grad=_TopKGrad)

TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])


def top_k(input, k=1, sorted: bool = True, name: str | None = None) -> TopKV2:  # noqa: A002
    """``tf.nn.top_k``: the k largest entries of the last axis and their indices, largest
    first (ties: lower index first); a (values, indices) namedtuple as in TF. With
    ``sorted=False`` TF leaves the order unspecified; the sorted order is returned."""
    return TopKV2(*apply_op("TopKV2", [input, k], {"sorted": sorted}, name=name))


def _in_top_k_kernel(predictions, targets, k):
    if np.ndim(predictions) != 2:
        raise errors.invalid_argument(f"predictions must be 2-dimensional, got shape "
                                      f"{errors.shape_str(np.shape(predictions))}")
    if np.ndim(targets) != 1:
        raise errors.invalid_argument(f"targets must be 1-dimensional, got shape "
                                      f"{errors.shape_str(np.shape(targets))}")
    if np.ndim(k):
        raise errors.invalid_argument(f"k must be 0-D, got shape {errors.shape_str(np.shape(k))}")
    batch, classes = predictions.shape
    if targets.shape[0] != batch:
        raise errors.invalid_argument(
            f"First dimension of predictions {batch} must match length of targets "
            f"{targets.shape[0]}")
    if classes == 0:
        return np.zeros(batch, dtype=bool)
    valid = (targets >= 0) & (targets < classes)
    target_pred = predictions[np.arange(batch), np.where(valid, targets, 0)]
    # TF's kernel says "not in top k" for a target out of range or any non-finite
    # prediction in the row; ties with the target count in its favour.
    finite = np.isfinite(predictions).all(axis=1)
    better = (predictions > target_pred[:, None]).sum(axis=1)
    return valid & finite & (better < int(k))


def _in_top_k_shape(op) -> list[TensorShape]:
    predictions, targets = op.inputs[0].shape, op.inputs[1].shape
    batch = predictions.with_rank(2)[0] if predictions.rank is not None else None
    return [TensorShape([batch]).merge_with(targets.with_rank(1))]


declare("InTopKV2", shape=_in_top_k_shape, kernel=_in_top_k_kernel, not_differentiable=True)


def in_top_k(predictions, targets, k, name: str | None = None) -> Tensor:
    """TF1 ``tf.nn.in_top_k(predictions, targets, k)``: whether each target's prediction
    is among the row's k largest (ties count as in; non-finite rows are never in)."""
    graph = predictions.graph if isinstance(predictions, Tensor) else get_default_graph()
    with graph.as_default(), graph.name_scope(name or "in_top_k"):
        return apply_op("InTopKV2", [predictions, targets, k], name=name)


def arg_max(input, dimension, output_type=dtypes.int64, name: str | None = None) -> Tensor:  # noqa: A002
    """TF1's ``tf.arg_max``: the generated ArgMax wrapper (``dimension`` required)."""
    return apply_op("ArgMax", [input, dimension], {"output_type": output_type}, name=name)


def arg_min(input, dimension, output_type=dtypes.int64, name: str | None = None) -> Tensor:  # noqa: A002
    """TF1's ``tf.arg_min``: the generated ArgMin wrapper (``dimension`` required)."""
    return apply_op("ArgMin", [input, dimension], {"output_type": output_type}, name=name)


# -- sort / argsort (TF's sort_ops.py: TopKV2 over the last axis) -----------------------------

def _last_axis_perm(values: Tensor, axis: int):
    """The permutation swapping ``axis`` with the last axis (None when it is the last)."""
    ndims = values.shape.rank
    if axis == -1 or (ndims is not None and axis + 1 == ndims):
        return None
    if ndims is not None:
        axis += ndims if axis < 0 else 0
        return np.r_[np.arange(axis), [ndims - 1], np.arange(axis + 1, ndims - 1),
                     [axis]].astype(np.int32)
    rank = raw_ops.Rank(input=values)
    last = math_ops.subtract(rank, 1)
    axis = math_ops.add(axis, rank) if axis < 0 else constant(axis, dtype=dtypes.int32)
    dims = raw_ops.Range(start=constant(0, dtype=dtypes.int32), limit=rank,
                         delta=constant(1, dtype=dtypes.int32))
    return math_ops.select_v2(math_ops.equal(dims, axis), last,
                              math_ops.select_v2(math_ops.equal(dims, last), axis, dims))


def _descending(values: Tensor, axis: int, return_argsort: bool) -> Tensor:
    perm = _last_axis_perm(values, axis)
    if perm is not None:
        values = raw_ops.Transpose(x=values, perm=perm)
    k = raw_ops.Shape(input=values)[-1]
    result = top_k(values, k)[1 if return_argsort else 0]
    return result if perm is None else raw_ops.Transpose(x=result, perm=perm)


def _sort_or_argsort(values, axis, direction: str, return_argsort: bool) -> Tensor:
    """TF's ``_sort_or_argsort``: descending is a full top_k; ascending sorts the values
    negated (integers as -x - 1, unsigned as max - x) and undoes it."""
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"Argument `direction` should be one of ASCENDING, DESCENDING. "
                         f"Received: direction={direction}")
    axis_value = constant_value(convert_to_tensor(axis, name="axis"))
    if axis_value is None or np.ndim(axis_value):
        raise ValueError(f"Argument `axis` must be a constant scalar. Received: axis={axis}.")
    axis = int(axis_value)
    values = convert_to_tensor(values, name="values")
    if direction == "DESCENDING":
        return _descending(values, axis, return_argsort)
    flip = _order_reversal(values.dtype.base_dtype)
    result = _descending(flip(values), axis, return_argsort)
    return result if return_argsort else flip(result)


def _order_reversal(dtype):
    """TF's order-reversing map for an ascending sort (its own inverse, no overflow):
    ``max - x`` for unsigned integers, ``-x - 1`` for signed ones, ``-x`` for floats."""
    if dtype.is_unsigned:
        offset = constant(np.iinfo(dtype.np_dtype).max, dtype=dtype)
        return lambda t: math_ops.subtract(offset, t)
    if dtype.is_integer:
        return lambda t: math_ops.subtract(math_ops.negative(t), constant(1, dtype=dtype))
    return math_ops.negative


def sort(values, axis=-1, direction: str = "ASCENDING", name: str | None = None) -> Tensor:
    """``tf.sort``: ``values`` sorted along ``axis`` (a constant)."""
    with name_scope(name, "sort"):
        return _sort_or_argsort(values, axis, direction, return_argsort=False)


def argsort(values, axis=-1, direction: str = "ASCENDING", stable: bool = False,
            name: str | None = None) -> Tensor:
    """``tf.argsort``: the indices that sort ``values`` along ``axis`` (ties keep their
    order, as top_k's do, so ``stable`` holds either way)."""
    with name_scope(name, "argsort"):
        return _sort_or_argsort(values, axis, direction, return_argsort=True)


# -- Cumsum / Cumprod / ReverseV2 -----------------------------------------------------------

def _scan_kernel(scan, identity: int):
    """A TF scan kernel over numpy's ``scan`` (cumsum, cumprod): ``exclusive`` starts from
    ``identity``, ``reverse`` scans from the end."""
    def make(op, ctx):
        exclusive, reverse = op.attrs["exclusive"], op.attrs["reverse"]

        def kernel(x, axis):
            if np.ndim(axis):
                raise errors.invalid_argument(
                    f"ScanOp: axis must be a scalar, not {errors.shape_str(np.shape(axis))}")
            axis, rank = int(axis), np.ndim(x)
            if not -rank <= axis < rank:
                raise errors.invalid_argument(
                    f"ScanOp: Expected scan axis in the range [{-rank}, {rank}), but got "
                    f"{axis}")
            x = np.flip(x, axis) if reverse else x
            out = scan(x, axis=axis, dtype=x.dtype)
            if exclusive and x.shape[axis]:
                out = np.roll(out, 1, axis=axis)    # the scan of the elements before each
                np.moveaxis(out, axis, 0)[0] = identity
            return np.flip(out, axis) if reverse else out
        return kernel
    return make


def _scan_attrs(exclusive: bool, reverse: bool) -> dict:
    return {"exclusive": exclusive, "reverse": reverse}


def _CumsumGrad(op, grad):
    return [cumsum(grad, op.inputs[1], exclusive=op.attrs["exclusive"],
                   reverse=not op.attrs["reverse"]), None]


def _CumprodGrad(op, grad):
    """TF's rule: the reverse cumsum of ``cumprod(x) * grad``, divided by x (0 where x is)."""
    x, axis = op.inputs
    exclusive, reverse = op.attrs["exclusive"], op.attrs["reverse"]
    prod = cumprod(x, axis, exclusive=exclusive, reverse=reverse)
    out = cumsum(math_ops.multiply(prod, grad), axis, exclusive=exclusive, reverse=not reverse)
    return [math_ops.div_no_nan(out, x), None]


declare("Cumsum", shape=shape_fns.unchanged, make_kernel=_scan_kernel(np.cumsum, 0),
        grad=_CumsumGrad)
declare("Cumprod", shape=shape_fns.unchanged, make_kernel=_scan_kernel(np.cumprod, 1),
        grad=_CumprodGrad)


def cumsum(x, axis=0, exclusive: bool = False, reverse: bool = False,
           name: str | None = None) -> Tensor:
    """``tf.cumsum``: running sums along ``axis``; ``exclusive`` starts from 0 and
    ``reverse`` sums from the end."""
    return apply_op("Cumsum", [x, axis], _scan_attrs(exclusive, reverse), name=name)


def cumprod(x, axis=0, exclusive: bool = False, reverse: bool = False,
            name: str | None = None) -> Tensor:
    """``tf.math.cumprod``: running products along ``axis``; ``exclusive`` starts from 1
    and ``reverse`` multiplies from the end."""
    return apply_op("Cumprod", [x, axis], _scan_attrs(exclusive, reverse), name=name)


def _reverse_kernel(x, axis):
    if np.ndim(x) == 0 or np.size(x) == 0:
        return x                    # TF's ReverseV2 returns these as they are, axes unchecked
    rank = np.ndim(x)
    axes = []
    for i, a in enumerate(np.ravel(axis).tolist()):
        if not -rank <= a < rank:
            raise errors.invalid_argument(
                f"'axis'[{i}] = {a} is out of valid range [{-rank}, {rank})")
        a += rank if a < 0 else 0
        if a in axes:
            raise errors.invalid_argument(f"axis {a} specified more than once.")
        axes.append(a)
    return np.flip(x, tuple(axes)) if axes else x


declare("ReverseV2", shape=shape_fns.unchanged, kernel=_reverse_kernel,
        grad=lambda op, grad: [reverse(grad, op.inputs[1]), None])


def reverse(tensor, axis, name: str | None = None) -> Tensor:
    """``tf.reverse`` (TF1's ``reverse_v2``): ``tensor`` with the listed axes reversed."""
    return apply_op("ReverseV2", [tensor, axis], name=name)


reverse_v2 = reverse


EXPORTS: dict[str, list[str]] = {
    "": ["arg_max", "arg_min", "argsort", "cumprod", "cumsum", "reverse", "reverse_v2",
         "sort"],
    "manip": ["reverse"],
    "nn": ["top_k", "in_top_k"],
    "math": ["top_k", "in_top_k", "cumprod", "cumsum"],
}
