"""More array and math ops: Split/SplitV, Tile, Pad/PadV2/MirrorPad, Range/LinSpace,
ClipByValue, and the TF1 composites built on the core ops (clipping, norms, moments,
batch normalization, logsumexp, variance).

Op types follow TensorFlow's kernels exactly (Range's size rule and ``start + i * delta``
values, LinSpace's ``start + step * i`` with an exact last value, ClipByValue's
``max(min(t, hi), lo)``); gradients follow ``array_grad.py``/``clip_ops.py``. This module
also fills ``tf.math`` with the elementwise and reduction constructors of ``math_ops`` and
``reduction_ops`` (re-exported, not redefined).
"""
from __future__ import annotations

import numbers

import numpy as np

from ...graph import dtypes, errors
from ...graph.core import Tensor
from ...graph.graph import name_scope
from ...graph.indexed_slices import IndexedSlices
from ...graph.op_builder import apply_op, constant, convert_to_tensor
from ...graph.tensor_shape import Dimension, TensorShape, unknown_shape
from . import array_ops
from ..framework import grad_util, raw_ops
from ..math import math_ops, reduction_ops
from ..framework.declare import declare
from ..framework.grad_util import constant_like
from ..framework.shape_fns import (UNKNOWN, constant_value, input_values, normalize_axis,
                                   shape_from_tensor)




def _runtime_axis(axis, ndim: int) -> int:
    """A split axis checked against the value's rank (negative axes count from the end)."""
    axis = int(np.ravel(axis)[0])
    if not -ndim <= axis < ndim:
        raise errors.invalid_argument(f"-input rank(-{ndim}) <= split_dim < input rank ({ndim}), but got "
                       f"{axis}")
    return axis + ndim if axis < 0 else axis


def _with_dim(dims: list, axis: int, value) -> TensorShape:
    return TensorShape(dims[:axis] + [value] + dims[axis + 1:])


# -- Split / SplitV ---------------------------------------------------------------------------

def _split_shape(op) -> list[TensorShape]:
    x, num = op.inputs[1].shape, op.attrs["num_split"]
    axis = constant_value(op.inputs[0])
    if x.rank is None:
        return [UNKNOWN] * num
    if axis is None:
        return [unknown_shape(x.rank)] * num
    axis = normalize_axis(int(axis), x.rank)
    size = x.dims[axis]
    if size is not None and size % num:
        raise ValueError(f"Dimension size must be evenly divisible by {num} but is {size}")
    return [_with_dim(x.dims, axis, None if size is None else size // num)] * num


def _split_kernel(op, ctx):
    num = op.attrs["num_split"]

    def kernel(split_dim, value):
        axis = _runtime_axis(split_dim, np.ndim(value))
        size = np.shape(value)[axis]
        if size % num:
            raise errors.invalid_argument(f"Number of ways to split should evenly divide the split dimension, "
                           f"but got split_dim {axis} (size = {size}) and num_split {num}")
        return np.split(value, num, axis=axis)
    return kernel


def _SplitGrad(op, *grads):
    return [None, array_ops.concat(list(grads), op.inputs[0])]


declare("Split", shape=_split_shape, make_kernel=_split_kernel, grad=_SplitGrad)


def _resolve_split_sizes(sizes: list[int], total: int | None) -> tuple[list, str | None]:
    """SplitV's sizes with the one ``-1`` filled in, or an error message (TF's rules)."""
    if sizes.count(-1) > 1:
        return sizes, "There can only be one -1 in the input."
    for i, s in enumerate(sizes):
        if s < -1:
            return sizes, f"Split size at index {i} must be >= 0. Got: {s}"
    known = sum(s for s in sizes if s != -1)
    if total is None:
        return [None if s == -1 else s for s in sizes], None
    if (-1 in sizes and known > total) or (-1 not in sizes and known != total):
        return sizes, ("Determined shape must either match input shape along split_dim "
                       "exactly if fully specified, or be less than the size of the input "
                       f"along split_dim if not fully specified.  Got: {known}")
    return [total - known if s == -1 else s for s in sizes], None


def _split_v_shape(op) -> list[TensorShape]:
    x, num = op.inputs[0].shape, op.attrs["num_split"]
    sizes, axis = constant_value(op.inputs[1]), constant_value(op.inputs[2])
    if x.rank is None:
        return [UNKNOWN] * num
    if axis is None:
        return [unknown_shape(x.rank)] * num
    axis = normalize_axis(int(axis), x.rank)
    if sizes is None:
        return [_with_dim(x.dims, axis, None)] * num
    sizes = [int(s) for s in np.ravel(sizes)]
    if len(sizes) != num:
        raise ValueError(f"size_splits has {len(sizes)} elements but num_split is {num}")
    sizes, message = _resolve_split_sizes(sizes, x.dims[axis])
    if message:
        raise ValueError(message)
    return [_with_dim(x.dims, axis, s) for s in sizes]


def _split_v_kernel(op, ctx):
    num = op.attrs["num_split"]

    def kernel(value, size_splits, split_dim):
        axis = _runtime_axis(split_dim, np.ndim(value))
        sizes = [int(s) for s in np.ravel(size_splits)]
        if np.ndim(size_splits) != 1 or len(sizes) != num:
            raise errors.invalid_argument(f"size of the split_tensor must be 1-D and have the same elements "
                           f"as outputs got {np.ndim(size_splits)} -D and {len(sizes)} "
                           f"elements")
        sizes, message = _resolve_split_sizes(sizes, np.shape(value)[axis])
        if message:
            raise errors.invalid_argument(message)
        return np.split(value, np.cumsum(sizes)[:-1], axis=axis)
    return kernel


def _SplitVGrad(op, *grads):
    return [array_ops.concat(list(grads), op.inputs[2]), None, None]


declare("SplitV", shape=_split_v_shape, make_kernel=_split_v_kernel, grad=_SplitVGrad)


# -- Tile -------------------------------------------------------------------------------------

def _tile_shape(op) -> list[TensorShape]:
    x, multiples = op.inputs[0].shape, shape_from_tensor(op.inputs[1])
    message = _multiples_error(constant_value(op.inputs[1]))
    if message:
        raise ValueError(message)
    if x.rank is not None and multiples.rank is not None and x.rank != multiples.rank:
        raise ValueError(f"Shape must be rank {x.rank} but is rank {multiples.rank}: "
                         f"multiples needs one entry per input dimension")
    rank = x.rank if x.rank is not None else multiples.rank
    if rank is None:
        return [UNKNOWN]
    dims = x.dims if x.rank is not None else [None] * rank
    mults = multiples.dims if multiples.rank is not None else [None] * rank
    return [TensorShape([None if d is None or m is None else d * m
                         for d, m in zip(dims, mults)])]


def _multiples_error(multiples) -> str | None:
    for i, m in enumerate(np.ravel(multiples) if multiples is not None else ()):
        if m < 0:
            return f"Expected multiples[{i}] >= 0, but got {m}"
    return None


def _tile_kernel(x, multiples):
    reps = [int(m) for m in np.ravel(multiples)]
    if np.ndim(multiples) != 1 or len(reps) != np.ndim(x):
        raise errors.invalid_argument(f"Expected multiples argument to be a vector of length {np.ndim(x)} "
                       f"but got length {len(reps)}")
    message = _multiples_error(reps)
    if message:
        raise errors.invalid_argument(message)
    return np.tile(x, reps)


def _TileGrad(op, grad):
    """Sums the tiled copies: reshape to interleaved [multiple, dim] pairs, reduce the
    multiples' axes (TF's trick); IndexedSlices rows are first folded with a segment sum."""
    x, multiples = op.inputs
    mults, x_shape = constant_value(multiples), x.shape
    if mults is not None and x_shape.is_fully_defined() and not isinstance(grad, IndexedSlices):
        split_shape = np.stack([np.ravel(mults), x_shape.as_list()], 1).reshape(-1)
        axes = np.arange(0, split_shape.size, 2, dtype=np.int32)
        return [_sum(array_ops.reshape(grad, split_shape), axes), None]
    input_shape = array_ops.shape(x, out_type=multiples.dtype)
    split_shape = array_ops.reshape(
        array_ops.transpose(array_ops.stack([multiples, input_shape])), [-1])
    axes = array_ops.range_(0, array_ops.size(split_shape), 2)
    if isinstance(grad, IndexedSlices):
        rows = grad_util.cast(_element(input_shape, 0), grad.indices.dtype)
        grad = raw_ops.UnsortedSegmentSum(
            data=grad.values, segment_ids=raw_ops.FloorMod(x=grad.indices, y=rows),
            num_segments=rows)
        split_shape = array_ops.concat([[1], _drop_first(split_shape)], 0)
    return [_sum(array_ops.reshape(grad, split_shape), axes), None]


def _sum(t: Tensor, axes) -> Tensor:
    return raw_ops.Sum(input=t, reduction_indices=axes)


def _element(vector: Tensor, index: int) -> Tensor:
    """``vector[index]`` as a scalar, built from Slice + Reshape."""
    return array_ops.reshape(array_ops.slice(vector, [index], [1]), [])


def _drop_first(vector: Tensor) -> Tensor:
    """``vector[1:]``, built from Slice."""
    return array_ops.slice(vector, [1], [-1])


declare("Tile", shape=_tile_shape, kernel=_tile_kernel, grad=_TileGrad)


def tile(input, multiples, name: str | None = None) -> Tensor:  # noqa: A002 (TF's name)
    """``tf.tile``: repeats ``input`` ``multiples[i]`` times along axis i."""
    return apply_op("Tile", [input, multiples], name=name)


# -- Pad / PadV2 / MirrorPad ------------------------------------------------------------------

_MIRROR_OFFSET = {"REFLECT": 1, "SYMMETRIC": 0}


def _paddings_error(pads: list, dims: list, mode: str | None) -> str | None:
    """TF's message for invalid paddings (negative, or too wide to mirror), else None."""
    for (before, after), size in zip(pads, dims):
        if before < 0 or after < 0:
            label = "paddings" if mode else "Paddings"
            return f"{label} must be non-negative: {before} {after}"
        if mode is None or size is None:
            continue
        limit = size - _MIRROR_OFFSET[mode]
        if before > limit or after > limit:
            if _MIRROR_OFFSET[mode]:
                return (f"paddings must be less than the dimension size: {before}, {after} "
                        f"not less than {size}")
            return (f"paddings must be no greater than the dimension size: {before}, {after} "
                    f"greater than {size}")
    return None


def _pad_shape(op) -> list[TensorShape]:
    """Each known dim grows by its paddings; the rank comes from the input or paddings."""
    x, paddings = op.inputs[0].shape, op.inputs[1]
    p = paddings.shape
    if p.rank is not None and (p.rank != 2 or p[1] not in (None, 2)):
        raise ValueError(f"paddings must be a matrix of shape [rank, 2], got {p}")
    rank = x.rank if x.rank is not None else (p[0] if p.rank == 2 else None)
    if x.rank is not None and p.rank == 2 and p[0] not in (None, x.rank):
        raise ValueError(f"The first dimension of paddings must be the rank of inputs "
                         f"{p} {x}")
    if len(op.inputs) == 3 and op.inputs[2].shape.rank not in (None, 0):
        raise ValueError(f"constant_values must be a scalar, got shape {op.inputs[2].shape}")
    if rank is None:
        return [UNKNOWN]
    value = constant_value(paddings)
    if value is None:
        return [unknown_shape(rank)]
    pads = np.asarray(value).reshape(-1, 2).tolist()
    if len(pads) != rank:
        raise ValueError(f"The first dimension of paddings must be the rank of inputs "
                         f"{np.shape(value)} {x}")
    dims = x.dims if x.rank is not None else [None] * rank
    message = _paddings_error(pads, dims, op.attrs.get("mode"))
    if message:
        raise ValueError(message)
    return [TensorShape([None if d is None else d + b + a for d, (b, a) in zip(dims, pads)])]


def _runtime_paddings(x, paddings, mode: str | None) -> list:
    if np.shape(paddings) != (np.ndim(x), 2):
        raise errors.invalid_argument(f"The first dimension of paddings must be the rank of inputs"
                       f"{errors.shape_str(np.shape(paddings))} {errors.shape_str(np.shape(x))}")
    pads = np.asarray(paddings).tolist()
    message = _paddings_error(pads, list(np.shape(x)), mode)
    if message:
        raise errors.invalid_argument(message)
    return pads


def _constant_pad(x, paddings, value):
    """Pad with a constant: fill the output once, then copy ``x`` into its interior."""
    pads = _runtime_paddings(x, paddings, None)
    out = np.full([d + b + a for d, (b, a) in zip(np.shape(x), pads)], value, dtype=x.dtype)
    out[tuple(slice(b, b + d) for d, (b, _) in zip(np.shape(x), pads))] = x
    return out


def _pad_kernel(x, paddings):
    x = np.asarray(x)
    return _constant_pad(x, paddings, b"" if x.dtype == object else 0)


def _pad_v2_kernel(x, paddings, constant_values):
    if np.ndim(constant_values) != 0:
        raise errors.invalid_argument(f"constant_values must be a scalar. Found: "
                       f"{errors.shape_str(np.shape(constant_values))}")
    return _constant_pad(np.asarray(x), paddings, constant_values)


def _mirror_pad_kernel(op, ctx):
    mode = op.attrs["mode"]
    np_mode = mode.lower()

    def kernel(x, paddings):
        return np.pad(x, _runtime_paddings(x, paddings, mode), mode=np_mode)
    return kernel


def _PadGrad(op, grad):
    """Slices the input's region out of the gradient; Pad's paddings (and PadV2's
    constant_values, as in TF) get no gradient."""
    x, paddings = op.inputs[0], op.inputs[1]
    pads = constant_value(paddings)
    if pads is not None:
        begin = np.asarray(pads)[:, 0].tolist()
    else:
        before = array_ops.slice(paddings, [0, 0], array_ops.stack([array_ops.rank(x), 1]))
        begin = array_ops.reshape(before, [-1])
    sizes = x.shape.as_list() if x.shape.is_fully_defined() else \
        array_ops.shape(x, out_type=paddings.dtype)
    return [array_ops.slice(grad, begin, sizes)] + [None] * (len(op.inputs) - 1)


def _MirrorPadGrad(op, grad):
    """Folds each padded border back onto the cells it mirrors, one axis at a time.

    TensorFlow emits ``MirrorPadGrad``, which is not among our op types, so this composes
    the same sum from Slice, ReverseV2, Pad and AddN; it is differentiable again. Needs
    the rank (from the input or the paddings' static shape).
    """
    x, paddings = op.inputs
    rank = x.shape.rank if x.shape.rank is not None else paddings.shape[0]
    if rank is None:
        raise ValueError(f"MirrorPad gradient needs a known rank for {x.name}")
    offset = _MIRROR_OFFSET[op.attrs["mode"]]
    pads = constant_value(paddings)
    for axis in range(rank):
        before, after = _padding_pair(paddings, pads, axis)
        if pads is not None and before == after == 0:
            continue
        size = x.shape[axis] if x.shape[axis] is not None else \
            _element(array_ops.shape(x, out_type=paddings.dtype), axis)
        grad = _fold_axis(grad, axis, rank, (before, after), size, offset)
    return [grad, None]


def _padding_pair(paddings: Tensor, pads, axis: int) -> tuple:
    """Paddings before/after ``axis``: Python ints when constant, else scalar tensors."""
    if pads is not None:
        return int(pads[axis][0]), int(pads[axis][1])
    row = array_ops.reshape(array_ops.slice(paddings, [axis, 0], [1, 2]), [2])
    return _element(row, 0), _element(row, 1)


def _at_axis(rank: int, axis: int, value, fill: int):
    """A length-``rank`` vector of ``fill`` with ``value`` at ``axis`` (a list if static)."""
    items = [fill] * rank
    items[axis] = value
    return array_ops.stack(items) if isinstance(value, Tensor) else items


def _fold_axis(grad, axis: int, rank: int, pad_pair: tuple, size, offset: int):
    """The interior ``size`` cells of ``grad`` along ``axis`` plus the reversed borders."""
    before, after = pad_pair
    parts = [array_ops.slice(grad, _at_axis(rank, axis, before, 0),
                             _at_axis(rank, axis, size, -1))]
    borders = ((0, before, (offset, size - offset - before)),
               (before + size, after, (size - after - offset, offset)))
    for start, width, (lead, trail) in borders:
        if isinstance(width, int) and width == 0:
            continue
        piece = array_ops.slice(grad, _at_axis(rank, axis, start, 0),
                                _at_axis(rank, axis, width, -1))
        piece = apply_op("ReverseV2", [piece, [axis]])
        pair = [lead, trail]
        if any(isinstance(v, Tensor) for v in pair):
            pair = array_ops.stack(pair)
        parts.append(array_ops.pad(piece, _at_axis(rank, axis, pair, [0, 0])))
    return raw_ops.AddN(inputs=parts) if len(parts) > 1 else parts[0]


declare("Pad", shape=_pad_shape, kernel=_pad_kernel, grad=_PadGrad)
declare("PadV2", shape=_pad_shape, kernel=_pad_v2_kernel, grad=_PadGrad)
declare("MirrorPad", shape=_pad_shape, make_kernel=_mirror_pad_kernel, grad=_MirrorPadGrad)


# -- Range / LinSpace -------------------------------------------------------------------------

def _scalar_input(value, label: str, allow_vector: bool):
    """The scalar in ``value``; Range also accepts a 1-element vector, as TF does."""
    if np.ndim(value) == 0 or (allow_vector and np.shape(value) == (1,)):
        return np.asarray(value).reshape(())[()]
    raise errors.invalid_argument(f"{label} must be a scalar, not shape {errors.shape_str(np.shape(value))}")


def _range_size(start, limit, delta) -> tuple[int, str | None]:
    """TF's element count: ceil(|limit - start| / |delta|), computed in the input type."""
    if delta == 0:
        return 0, f"Requires delta != 0: {delta}"
    if delta > 0 and start > limit:
        return 0, f"Requires start <= limit when delta > 0: {start}/{limit}"
    if delta < 0 and start < limit:
        return 0, f"Requires start >= limit when delta < 0: {start}/{limit}"
    if np.asarray(start).dtype.kind in "iu":
        span, step = abs(int(limit) - int(start)), abs(int(delta))
        return -(-span // step), None
    return int(np.ceil(np.abs((limit - start) / delta))), None


def _range_shape(op) -> list[TensorShape]:
    values = [constant_value(t) for t in op.inputs]
    if any(v is None for v in values) or any(np.size(v) != 1 for v in values):
        return [TensorShape([None])]
    size, message = _range_size(*(np.asarray(v).reshape(())[()] for v in values))
    if message:
        raise ValueError(message)
    return [TensorShape([size])]


def _range_kernel(start, limit, delta):
    start = _scalar_input(start, "start", True)
    limit = _scalar_input(limit, "limit", True)
    delta = _scalar_input(delta, "delta", True)
    size, message = _range_size(start, limit, delta)
    if message:
        raise errors.invalid_argument(message)
    return start + np.arange(size, dtype=np.asarray(start).dtype) * delta


def _range_value(op):
    values = input_values(op)
    return None if values is None else np.arange(*values, dtype=op.attrs["Tidx"].np_dtype)


declare("Range", shape=_range_shape, kernel=_range_kernel, not_differentiable=True,
        constant_value=_range_value)


def _lin_space_shape(op) -> list[TensorShape]:
    num = constant_value(op.inputs[2])
    if num is None or np.size(num) != 1:
        return [TensorShape([None])]
    num = int(np.ravel(num)[0])
    if num <= 0:
        raise ValueError(f"Requires num > 0: {num}")
    return [TensorShape([num])]


def _lin_space_kernel(start, stop, num):
    start = _scalar_input(start, "start", False)
    stop = _scalar_input(stop, "stop", False)
    num = int(_scalar_input(num, "num", False))
    if num <= 0:
        raise errors.invalid_argument(f"Requires num > 0: {num}")
    dtype = np.asarray(start).dtype
    if num == 1:
        return np.full([1], start, dtype=dtype)
    step = (stop - start) / dtype.type(num - 1)
    values = start + step * np.arange(num, dtype=dtype)
    values[-1] = stop
    return values


declare("LinSpace", shape=_lin_space_shape, kernel=_lin_space_kernel, not_differentiable=True)


def linspace(start, stop, num, name: str | None = None) -> Tensor:
    """TF1 ``tf.linspace`` / ``tf.lin_space``: ``num`` evenly spaced values, last = stop."""
    start = convert_to_tensor(start)
    return apply_op("LinSpace", [start, convert_to_tensor(stop, dtype=start.dtype), num],
                    name=name)


lin_space = linspace


# -- ClipByValue ------------------------------------------------------------------------------

def _clip_shape(op) -> list[TensorShape]:
    t = op.inputs[0].shape
    for bound in op.inputs[1:]:
        s = bound.shape
        if s.rank not in (None, 0) and not s.is_compatible_with(t):
            raise ValueError(f"clip_value_min and clip_value_max must be either of the same "
                             f"shape as input, or a scalar. input shape: {t}, got {s}")
    return [t]


def _clip_kernel(t, lo, hi):
    shape = np.shape(t)
    if any(np.ndim(b) and np.shape(b) != shape for b in (lo, hi)):
        raise errors.invalid_argument(f"clip_value_min and clip_value_max must be either of the same shape "
                       f"as input, or a scalar. input shape: {errors.shape_str(shape)}"
                       f"clip_value_min shape: {errors.shape_str(np.shape(lo))}"
                       f"clip_value_max shape: {errors.shape_str(np.shape(hi))}")
    return np.maximum(np.minimum(t, hi), lo)


def _ClipByValueGrad(op, grad):
    """Passes the gradient where ``t`` is within bounds, else routes it to the bound hit."""
    x, lo, hi = op.inputs
    zeros = raw_ops.ZerosLike(x=convert_to_tensor(grad))
    below, above = math_ops.less(x, lo), math_ops.greater(x, hi)
    xgrad = math_ops.select(math_ops.logical_or(below, above), zeros, grad)
    gx, glo = grad_util.unbroadcast_pair(xgrad, math_ops.select(below, grad, zeros), x, lo)
    _, ghi = grad_util.unbroadcast_pair(xgrad, math_ops.select(above, grad, zeros), x, hi)
    return [gx, glo, ghi]


declare("ClipByValue", shape=_clip_shape, kernel=_clip_kernel, grad=_ClipByValueGrad)


# -- constructors -----------------------------------------------------------------------------

def split(value, num_or_size_splits, axis=0, num: int | None = None,
          name: str = "split") -> list:
    """``tf.split``: an int splits evenly (Split); a list of sizes (one may be -1) is SplitV."""
    if isinstance(num_or_size_splits, (numbers.Integral, Dimension)):
        return apply_op("Split", [axis, value], {"num_split": int(num_or_size_splits)},
                        name=name)
    size_splits = convert_to_tensor(num_or_size_splits)
    if size_splits.shape.rank == 0:
        raise ValueError(f"Rank-0 tensors are not supported as the num_or_size_splits "
                         f"argument to split. Argument provided: {num_or_size_splits}")
    if num is None:
        num = size_splits.shape[0] if size_splits.shape.rank == 1 else None
        if num is None:
            raise ValueError(f"Cannot infer argument `num` from shape {num_or_size_splits}")
    return apply_op("SplitV", [value, size_splits, axis], {"num_split": num}, name=name)


# -- composites (no op types of their own) ----------------------------------------------------

def _dense_values(t, label: str) -> Tensor | None:
    """A tensor's (or IndexedSlices') values as a Tensor; None stays None."""
    if t is None:
        return None
    return convert_to_tensor(t.values if isinstance(t, IndexedSlices) else t, name=label)


def _like_input(t, clipped: Tensor):
    """Re-wraps ``clipped`` values as IndexedSlices when the input was sparse."""
    if isinstance(t, IndexedSlices):
        return IndexedSlices(clipped, t.indices, t.dense_shape)
    return clipped


def clip_by_value(t, clip_value_min, clip_value_max, name: str | None = None):
    """``tf.clip_by_value``: Minimum then Maximum, as TF builds it (not the ClipByValue op)."""
    with name_scope(name, "clip_by_value", [t, clip_value_min, clip_value_max]) as scope:
        values = _dense_values(t, "t")
        t_min = math_ops.minimum(values, clip_value_max)
        values.shape.assert_is_compatible_with(t_min.shape)
        t_max = math_ops.maximum(t_min, clip_value_min, name=scope)
        values.shape.assert_is_compatible_with(t_max.shape)
    return _like_input(t, t_max)


def clip_by_norm(t, clip_norm, axes=None, name: str | None = None):
    """``tf.clip_by_norm``: scales ``t`` so its L2 norm over ``axes`` is at most clip_norm."""
    with name_scope(name, "clip_by_norm", [t, clip_norm]) as scope:
        values = _dense_values(t, "t")
        if np.isscalar(clip_norm):
            clip_norm = max(clip_norm, 0)
        else:
            clip_norm = math_ops.cast(math_ops.maximum(clip_norm, 0), values.dtype)
        l2sum = reduction_ops.reduce_sum(values * values, axes, keepdims=True)
        pred = l2sum > 0
        l2sum_safe = math_ops.select(pred, l2sum, array_ops.ones_like(l2sum))
        l2norm = math_ops.select(pred, math_ops.sqrt(l2sum_safe), l2sum)
        intermediate = values * clip_norm
        values.shape.assert_is_compatible_with(intermediate.shape)
        clipped = array_ops.identity(intermediate / math_ops.maximum(l2norm, clip_norm), name=scope)
    return _like_input(t, clipped)


def _check_sequence(t_list) -> list:
    if isinstance(t_list, (str, bytes)) or not isinstance(t_list, (list, tuple)):
        raise TypeError(f"`t_list` should be a sequence of tensors. Received {type(t_list)}.")
    return list(t_list)


def global_norm(t_list, name: str | None = None) -> Tensor:
    """``tf.global_norm``: sqrt of the sum of squares of every tensor (None entries skipped)."""
    t_list = _check_sequence(t_list)
    with name_scope(name, "global_norm", t_list):
        values = [_dense_values(t, f"t_{i}") for i, t in enumerate(t_list)]
        half_squared_norms = []
        for v in values:
            if v is not None:
                with v.graph.colocate_with(v.op):
                    half_squared_norms.append(apply_op("L2Loss", [v]))
        half_squared_norm = reduction_ops.reduce_sum(array_ops.stack(half_squared_norms))
        return math_ops.sqrt(half_squared_norm * constant(2.0, dtype=half_squared_norm.dtype),
                             name="global_norm")


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name: str | None = None) -> tuple:
    """``tf.clip_by_global_norm``: (tensors scaled by clip_norm / max(global_norm, clip_norm),
    global_norm); None entries stay None and a non-finite norm gives NaN, as in TF."""
    t_list = _check_sequence(t_list)
    if use_norm is None:
        use_norm = global_norm(t_list, name)
    with name_scope(name, "clip_by_global_norm", t_list + [clip_norm]) as scope:
        scale_for_finite = clip_norm * math_ops.minimum(
            1.0 / use_norm, constant(1.0, dtype=use_norm.dtype) / clip_norm)
        scale = scale_for_finite + (use_norm - use_norm)
        values = [_dense_values(t, f"t_{i}") for i, t in enumerate(t_list)]
        clipped = []
        for i, v in enumerate(values):
            if v is None:
                clipped.append(None)
                continue
            with v.graph.colocate_with(v.op):
                clipped.append(array_ops.identity(v * math_ops.cast(scale, v.dtype),
                                                  name=f"{scope}_{i}"))
    return [None if c is None else _like_input(t, c) for c, t in zip(clipped, t_list)], use_norm


def l2_normalize(x, axis=None, epsilon: float = 1e-12, name: str | None = None, dim=None):
    """``tf.nn.l2_normalize``: x / sqrt(max(sum(x**2, axis), epsilon))."""
    if axis is not None and dim is not None:
        raise ValueError("Cannot specify both 'axis' and 'dim'")
    axis = dim if axis is None else axis
    with name_scope(name, "l2_normalize", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        square_sum = reduction_ops.reduce_sum(math_ops.square(x), axis, keepdims=True)
        x_inv_norm = math_ops.rsqrt(math_ops.maximum(square_sum, epsilon))
        return math_ops.multiply(x, x_inv_norm, name=scope)


def _keep_arg(keepdims, keep_dims) -> bool:
    if keepdims is not None and keep_dims is not None:
        raise ValueError("Cannot specify both 'keep_dims' and 'keepdims'")
    return bool(keepdims if keepdims is not None else keep_dims)


def _axis_arg(axis, reduction_indices):
    if axis is not None and reduction_indices is not None:
        raise ValueError("Cannot specify both 'axis' and 'reduction_indices'")
    return axis if axis is not None else reduction_indices


def moments(x, axes, shift=None, name: str | None = None, keep_dims=None, keepdims=None):
    """TF1 ``tf.nn.moments``: mean and (biased) variance over ``axes``; float16 is
    accumulated in float32. ``shift`` is accepted and unused, as in TF."""
    keep = _keep_arg(keepdims, keep_dims)
    with name_scope(name, "moments", [x, axes]):
        x = convert_to_tensor(x)
        y = math_ops.cast(x, dtypes.float32) if x.dtype == dtypes.float16 else x
        mean = reduction_ops.reduce_mean(y, axes, keepdims=True, name="mean")
        variance = reduction_ops.reduce_mean(
            math_ops.squared_difference(y, array_ops.stop_gradient(mean)), axes,
            keepdims=True, name="variance")
        if not keep:
            mean = array_ops.squeeze(mean, axes)
            variance = array_ops.squeeze(variance, axes)
        if x.dtype == dtypes.float16:
            return math_ops.cast(mean, dtypes.float16), math_ops.cast(variance, dtypes.float16)
        return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon,
                        name: str | None = None) -> Tensor:
    """``tf.nn.batch_normalization``: (x - mean) * scale / sqrt(variance + eps) + offset,
    in TF's op order (x * inv + (offset - mean * inv))."""
    with name_scope(name, "batchnorm", [x, mean, variance, scale, offset]):
        x = convert_to_tensor(x)
        inv = math_ops.rsqrt(variance + variance_epsilon)
        if scale is not None:
            inv = inv * scale
        shift = offset - mean * inv if offset is not None else -mean * inv
        return x * math_ops.cast(inv, x.dtype) + math_ops.cast(shift, x.dtype)


def reduce_logsumexp(input_tensor, axis=None, keepdims=None, name: str | None = None,
                     reduction_indices=None, keep_dims=None) -> Tensor:
    """``tf.reduce_logsumexp``: log(sum(exp(x))) shifted by the (finite) max for stability."""
    axis = _axis_arg(axis, reduction_indices)
    keep = _keep_arg(keepdims, keep_dims)
    with name_scope(name, "ReduceLogSumExp", [input_tensor]) as scope:
        x = convert_to_tensor(input_tensor)
        raw_max = reduction_ops.reduce_max(x, axis, keepdims=True)
        my_max = array_ops.stop_gradient(
            math_ops.select_v2(math_ops.is_finite(raw_max), raw_max,
                               constant_like(0, raw_max)))
        result = math_ops.log(reduction_ops.reduce_sum(
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
        means = reduction_ops.reduce_mean(x, axis, keepdims=True)
        if means.dtype.is_integer:
            raise TypeError(f"Input must be either real or complex. Received integer type "
                            f"{means.dtype.name}.")
        squared_deviations = math_ops.square(x - means)
        return reduction_ops.reduce_mean(squared_deviations, axis, keepdims=keepdims)


def reduce_std(input_tensor, axis=None, keepdims: bool = False,
               name: str | None = None) -> Tensor:
    """``tf.math.reduce_std``: sqrt of ``reduce_variance``."""
    with name_scope(name, "reduce_std", [input_tensor]):
        return math_ops.sqrt(reduce_variance(input_tensor, axis, keepdims))


def log_sigmoid(x, name: str | None = None) -> Tensor:
    """``tf.math.log_sigmoid``: -softplus(-x), stable for large |x|."""
    with name_scope(name, "LogSigmoid", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        return math_ops.negative(math_ops.softplus(-x), name=scope)


EXPORTS: dict[str, list[str]] = {
    "": ["split", "tile", "linspace", "lin_space", "clip_by_value",
         "clip_by_norm", "clip_by_global_norm", "global_norm", "reduce_logsumexp",
         "log_sigmoid"],
    "nn": ["l2_normalize", "moments", "batch_normalization"],
    "math": ["reduce_logsumexp", "reduce_std",
             "reduce_variance", "log_sigmoid", "l2_normalize"],
}
