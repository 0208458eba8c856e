"""Splitting, tiling and padding: Split/SplitV, Tile and Pad/PadV2/MirrorPad, with
``tf.split``, ``tf.tile``, ``tf.repeat`` (a tile or a gather) and ``tf.pad``.

Kernels follow TensorFlow's (its error messages included) and gradients its
``array_grad.py``: Split's is a concat, Tile's sums the tiled copies, Pad's slices the
input's region out, and MirrorPad's folds each mirrored border back onto its cells.
"""
from __future__ import annotations

import numbers

import numpy as np

from ...graph import dtypes, errors
from ...graph.core import Tensor
from ...graph.indexed_slices import IndexedSlices
from ...graph.graph import name_scope
from ...graph.op_builder import apply_op, convert_to_tensor
from ...graph.tensor_shape import Dimension, TensorShape, unknown_shape
from . import array_ops, fill_ops
from .sequence_ops import range_, sequence_mask
from ..framework import grad_util, raw_ops
from ..framework.declare import declare
from ..framework.shape_fns import UNKNOWN, constant_value, normalize_axis, shape_from_tensor
from ..math import math_ops, reduction_ops


def _runtime_axis(axis, ndim: int) -> int:
    """A split axis checked against the value's rank (negative axes count from the end)."""
    axis = int(np.ravel(axis)[0])
    if not -ndim <= axis < ndim:
        raise errors.invalid_argument(
            f"-input rank(-{ndim}) <= split_dim < input rank ({ndim}), but got {axis}")
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
        if np.ndim(split_dim):
            raise errors.invalid_argument(
                f"split_dim must be a scalar but has rank {np.ndim(split_dim)}")
        axis = _runtime_axis(split_dim, np.ndim(value))
        size = np.shape(value)[axis]
        if size % num:
            raise errors.invalid_argument(
                "Number of ways to split should evenly divide the split dimension, but got "
                f"split_dim {axis} (size = {size}) and num_split {num}")
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
        if np.size(split_dim) != 1:
            raise errors.invalid_argument("split_dim_tensor must have exactly one element.")
        axis = _runtime_axis(split_dim, np.ndim(value))
        sizes = [int(s) for s in np.ravel(size_splits)]
        if np.ndim(size_splits) != 1 or len(sizes) != num:
            raise errors.invalid_argument(
                "size of the split_tensor must be 1-D and have the same elements as outputs got "
                f"{np.ndim(size_splits)} -D and {len(sizes)} elements")
        sizes, message = _resolve_split_sizes(sizes, np.shape(value)[axis])
        if message:
            raise errors.invalid_argument(message)
        return np.split(value, np.cumsum(sizes)[:-1], axis=axis)
    return kernel


def _SplitVGrad(op, *grads):
    return [array_ops.concat(list(grads), op.inputs[2]), None, None]


declare("SplitV", shape=_split_v_shape, make_kernel=_split_v_kernel, grad=_SplitVGrad)


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
        raise errors.invalid_argument(
            f"Expected multiples argument to be a vector of length {np.ndim(x)} but got length "
            f"{len(reps)}")
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
    axes = range_(0, array_ops.size(split_shape), 2)
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


def _with_nonzero_rank(data: Tensor) -> Tensor:
    """A scalar as a 1-vector (TF's ``_with_nonzero_rank``)."""
    if data.shape.rank is not None:
        return array_ops.stack([data]) if data.shape.rank == 0 else data
    shape = array_ops.shape(data)
    return array_ops.reshape(data, array_ops.concat([[1], shape], 0)[-array_ops.rank(data):])


def repeat(input, repeats, axis=None, name: str | None = None) -> Tensor:  # noqa: A002
    """``tf.repeat``: each slice of ``input`` along ``axis`` repeated ``repeats`` times (one
    count, or one per slice); ``axis=None`` repeats the flattened elements."""
    with name_scope(name, "Repeat", [input, repeats]):
        data = convert_to_tensor(input, name="data")
        if axis is None:
            data, axis = array_ops.reshape(data, [-1]), 0
        if not isinstance(axis, numbers.Integral):
            raise TypeError(f"Argument `axis` must be an int. Received `axis` = {axis} of "
                            f"type {type(axis).__name__}")
        repeats = convert_to_tensor(repeats, name="repeats", preferred_dtype=dtypes.int32)
        if repeats.shape.rank not in (None, 0, 1):
            raise ValueError(f"Shape {repeats.shape} must have rank at most 1")
        data = _with_nonzero_rank(data)
        if data.shape.rank is not None:
            axis = normalize_axis(int(axis), data.shape.rank)
        data_shape = array_ops.shape(data, out_type=repeats.dtype)
        if repeats.shape.num_elements() == 1:
            count = array_ops.reshape(repeats, [])
            tiled = tile(array_ops.expand_dims(data, axis + 1),
                         _one_hot_multiples(array_ops.rank(data) + 1, axis + 1, count))
            size = math_ops.multiply(count, data_shape[axis])
            return array_ops.reshape(tiled, array_ops.concat(
                [data_shape[:axis], array_ops.reshape(size, [1]), data_shape[axis + 1:]], 0))
        counts = fill_ops.broadcast_to(repeats, array_ops.reshape(data_shape[axis], [1]))
        longest = math_ops.maximum(reduction_ops.reduce_max(counts),
                                   convert_to_tensor(0, dtype=counts.dtype))
        rows = raw_ops.Where(input=sequence_mask(counts, longest))[:, 0]
        return raw_ops.GatherV2(params=data, indices=rows, axis=axis)


def _one_hot_multiples(rank: Tensor, axis: int, count: Tensor) -> Tensor:
    """Tile multiples of length ``rank``: ``count`` at ``axis``, 1 elsewhere."""
    ones = fill_ops.ones(array_ops.reshape(rank, [1]), dtype=count.dtype)
    at_axis = math_ops.equal(range_(rank), axis)
    return math_ops.select_v2(at_axis, fill_ops.fill(array_ops.shape(ones), count), ones)


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
        raise errors.invalid_argument(
            f"The first dimension of paddings must be the rank of inputs"
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
    """Each input cell's gradient sums the output cells that copy it; which cells those are
    is MirrorPad itself applied to the input's flat indices, so the sum is one
    UnsortedSegmentSum, for any rank (known or not) and fed paddings. (TensorFlow emits
    ``MirrorPadGrad``, not among our op types.) Differentiable again: a gather."""
    x, paddings = op.inputs
    size = x.shape.num_elements()
    if size is None:
        size = array_ops.size(x)
    shape = array_ops.shape_of(x)
    cells = array_ops.reshape(range_(size), shape)
    sources = apply_op("MirrorPad", [cells, paddings], {"mode": op.attrs["mode"]})
    summed = raw_ops.UnsortedSegmentSum(data=array_ops.reshape(grad, [-1]),
                                        segment_ids=array_ops.reshape(sources, [-1]),
                                        num_segments=size)
    return [array_ops.reshape(summed, shape), None]


declare("Pad", shape=_pad_shape, kernel=_pad_kernel, grad=_PadGrad)
declare("PadV2", shape=_pad_shape, kernel=_pad_v2_kernel, grad=_PadGrad)
declare("MirrorPad", shape=_pad_shape, make_kernel=_mirror_pad_kernel, grad=_MirrorPadGrad)


def pad(tensor, paddings, mode: str = "CONSTANT", name: str | None = None,
        constant_values=0) -> Tensor:
    """``tf.pad``: CONSTANT (Pad, or PadV2 for a non-zero value), REFLECT or SYMMETRIC
    (MirrorPad)."""
    mode = mode.upper()
    if mode == "CONSTANT":
        if not isinstance(constant_values, Tensor) and np.all(np.asarray(constant_values) == 0):
            return apply_op("Pad", [tensor, paddings], name=name)
        tensor = convert_to_tensor(tensor)
        return apply_op("PadV2", [tensor, paddings,
                                  convert_to_tensor(constant_values, dtype=tensor.dtype)],
                        name=name)
    if mode in ("REFLECT", "SYMMETRIC"):
        return apply_op("MirrorPad", [tensor, paddings], {"mode": mode}, name=name)
    raise ValueError(f"Unknown padding mode: {mode}")


EXPORTS = {"": ["pad", "repeat", "split", "tile"], "manip": ["tile"]}
