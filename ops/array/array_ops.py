"""Core array ops: graph inputs, Identity, shape queries, and the ops that rearrange a
tensor's elements (Reshape/Transpose/ExpandDims/Squeeze, ConcatV2/Pack/Unpack, Slice).

Each op type is declared once (shape function, kernel, gradient) next to the TF1
constructor users call. Filled and broadcast tensors live in ``fill_ops``, Split/Tile/Pad in
``manip_ops``, Range/LinSpace in ``sequence_ops``, strided slicing in ``slicing_ops`` and
gathers, scatters and segment sums in ``gather_ops``.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...graph import dtypes, errors
from ...graph.core import Tensor
from ...graph.graph import name_scope
from ...graph.op_builder import apply_op, constant, convert_to_tensor
from ...graph.tensor_shape import TensorShape, as_shape, unknown_shape
from ..framework import raw_ops, shape_fns
from ..framework.declare import declare
from ..framework.shape_fns import (UNKNOWN, constant_value, input_values, normalize_axis,
                                   partial_value)

# -- Const / Placeholder / Identity --------------------------------------------------------


def _const_shape(op):
    return [TensorShape(list(op.attrs["value"].shape))]


def _const_kernel(op, ctx):
    value = op.attrs["value"]
    return lambda: value


declare("Const", shape=_const_shape, make_kernel=_const_kernel, not_differentiable=True)


def _placeholder_kernel(op, ctx):
    shape = op.attrs["shape"]
    dims = errors.shape_str(shape)

    def kernel():
        raise errors.InvalidArgumentError(
            None, op, f"You must feed a value for placeholder tensor '{op.name}' with dtype "
                      f"{op.attrs['dtype'].name} and shape {dims}")
    return kernel


declare("Placeholder", shape=lambda op: [op.attrs["shape"]], make_kernel=_placeholder_kernel,
        not_differentiable=True, never_fold=True)


def _identity(x):
    return x


declare("PlaceholderWithDefault",
        shape=lambda op: [op.attrs["shape"]], kernel=_identity, grad=lambda op, g: [g],
        never_fold=True)


def _value_of_input(op):
    return constant_value(op.inputs[0])


def _partial_value_of_input(op):
    return partial_value(op.inputs[0])


declare("Identity", shape=shape_fns.unchanged, kernel=_identity, grad=lambda op, g: [g],
        constant_value=_value_of_input, partial_value=_partial_value_of_input,
        handle_data=lambda op: [op.inputs[0]._handle_data])
declare("IdentityN", shape=lambda op: [t.shape for t in op.inputs],
        kernel=lambda *xs: xs, grad=lambda op, *gs: list(gs))
declare("StopGradient", shape=shape_fns.unchanged, kernel=_identity, not_differentiable=True,
        constant_value=_value_of_input, partial_value=_partial_value_of_input)


def _prevent_gradient_grad(op, grad):
    message = op.attrs.get("message", "")
    raise LookupError(f"Gradient explicitly disabled. Reason: {message}")


declare("PreventGradient", shape=shape_fns.unchanged, kernel=_identity,
        grad=_prevent_gradient_grad, never_fold=True)
declare("NoOp", shape=shape_fns.unknown, kernel=lambda: None, not_differentiable=True)


def placeholder(dtype, shape=None, name: str | None = None) -> Tensor:
    """``tf.compat.v1.placeholder``: a value that must be fed at run time."""
    return apply_op("Placeholder", [], {"dtype": dtypes.as_dtype(dtype),
                                        "shape": as_shape(shape)}, name=name)


def placeholder_with_default(input, shape, name: str | None = None) -> Tensor:
    return apply_op("PlaceholderWithDefault", [input], {"shape": as_shape(shape)}, name=name)


def identity(input, name: str | None = None) -> Tensor:
    if hasattr(input, "_as_graph_element") and not isinstance(input, Tensor):
        input = input.value() if hasattr(input, "value") else input._as_graph_element()
    return apply_op("Identity", [input], name=name)


def identity_n(input, name: str | None = None) -> list:
    return apply_op("IdentityN", [list(input)], name=name)


def stop_gradient(input, name: str | None = None) -> Tensor:
    return apply_op("StopGradient", [input], name=name)


def prevent_gradient(input, message: str = "", name: str | None = None) -> Tensor:
    return apply_op("PreventGradient", [input], {"message": message}, name=name)


def no_op(name: str | None = None):
    return apply_op("NoOp", [], name=name)


# -- shape queries -------------------------------------------------------------------------

def _shape_shape(op):
    r = op.inputs[0].shape.rank
    return [TensorShape([r])]


def _shape_kernel(op, ctx):
    out = op.attrs["out_type"].np_dtype
    return lambda x: np.array(np.shape(x), dtype=out)


def _static_shape(x: Tensor, out_type) -> np.ndarray | None:
    """x's shape as a ``out_type`` vector when fully known."""
    if not x.shape.is_fully_defined():
        return None
    return np.array(x.shape.as_list(), dtype=out_type.np_dtype)


def _shape_value(op):
    return _static_shape(op.inputs[0], op.attrs["out_type"])


def _shape_elements(op):
    """``tf.shape(x)``'s entries are x's static dims (None where unknown)."""
    return op.inputs[0].shape.dims


declare("Shape", shape=_shape_shape, make_kernel=_shape_kernel, not_differentiable=True,
        constant_value=_shape_value, partial_value=_shape_elements)


def _shape_n_kernel(op, ctx):
    out = op.attrs["out_type"].np_dtype
    return lambda *xs: [np.array(np.shape(x), dtype=out) for x in xs]


declare("ShapeN", shape=lambda op: [TensorShape([t.shape.rank]) for t in op.inputs],
        make_kernel=_shape_n_kernel, not_differentiable=True,
        constant_value=lambda op: [_static_shape(t, op.attrs["out_type"]) for t in op.inputs],
        partial_value=lambda op: [t.shape.dims for t in op.inputs])


def _size_kernel(op, ctx):
    out = op.attrs["out_type"].np_dtype
    return lambda x: np.array(np.size(x), dtype=out)


def _size_value(op):
    n = op.inputs[0].shape.num_elements()
    return None if n is None else np.array(n, dtype=op.attrs["out_type"].np_dtype)


def _rank_value(op):
    r = op.inputs[0].shape.rank
    return None if r is None else np.array(r, dtype=np.int32)


declare("Size", shape=shape_fns.scalar, make_kernel=_size_kernel, not_differentiable=True,
        constant_value=_size_value)
declare("Rank", shape=shape_fns.scalar, kernel=lambda x: np.array(np.ndim(x), dtype=np.int32),
        not_differentiable=True, constant_value=_rank_value)


def shape(input, name: str | None = None, out_type=dtypes.int32) -> Tensor:
    return apply_op("Shape", [input], {"out_type": out_type}, name=name)


def shape_n(input, out_type=dtypes.int32, name: str | None = None) -> list:
    return apply_op("ShapeN", [list(input)], {"out_type": out_type}, name=name)


def size(input, name: str | None = None, out_type=dtypes.int32) -> Tensor:
    return apply_op("Size", [input], {"out_type": out_type}, name=name)


def rank(input, name: str | None = None) -> Tensor:
    return apply_op("Rank", [input], name=name)


# -- Reshape / Transpose / ExpandDims / Squeeze ------------------------------------------

def _reshape_shape(op):
    target = partial_value(op.inputs[1])
    if not isinstance(target, list):
        return [UNKNOWN]
    return [TensorShape(_reshaped_dims(op.inputs[0].shape, target))]


def _reshaped_dims(x: TensorShape, target: list) -> list:
    """TF's Reshape inference: the target's known elements (-1 and values not known
    statically are unknown dims), the one unknown inferred when x is fully known."""
    dims = [None if d is None or d < 0 else d for d in target]
    n = x.num_elements()
    if n is None:
        _check_divisible(x, dims)
        return dims
    unknown = [i for i, d in enumerate(dims) if d is None]
    known = math.prod(d for d in dims if d is not None)
    if not unknown and known != n:
        raise ValueError(f"Cannot reshape a tensor with {n} elements to shape {dims} "
                         f"({known} elements)")
    if len(unknown) == 1 and known > 0:
        if n % known:
            raise ValueError(f"Cannot reshape a tensor with {n} elements to shape "
                             f"{[-1 if d is None else d for d in dims]}")
        dims[unknown[0]] = n // known
    return dims


def _check_divisible(x: TensorShape, dims: list) -> None:
    """A fully known target must hold a whole number of x's known part when x has exactly
    one unknown dim (TF infers that dim, so it fails here)."""
    if x.rank is None or x.dims.count(None) != 1 or None in dims:
        return
    known, total = math.prod(d for d in x.dims if d is not None), math.prod(dims)
    if known and total % known:
        raise ValueError(f"Dimension size must be evenly divisible by {known} but is {total}")


def _reshape_kernel(x, shape):
    shape = np.ravel(shape).tolist()        # Python ints: cheap checks on every run
    if shape.count(-1) > 1:
        raise errors.InvalidArgumentError(None, None, "Only one input size may be -1, not both")
    if -1 in shape:
        shape[shape.index(-1)] = _inferred_dim(np.shape(x), shape)
    requested = math.prod(shape)
    if requested != np.size(x):
        raise errors.InvalidArgumentError(
            None, None, f"Input to reshape is a tensor with {np.size(x)} values, but the "
                        f"requested shape has {requested}")
    return np.reshape(x, shape)


def _inferred_dim(input_dims: tuple, sizes: list) -> int:
    """The size standing for -1, as TF's ReshapeOp infers it: when ``sizes`` has a 0, zero
    dims are left out of both products, so ``[0, 3, 2]`` reshaped to ``[0, -1, 2]`` is
    ``[0, 3, 2]`` (an empty batch keeps its other dims)."""
    zero_sizes = 0 in sizes
    known = math.prod(d for d in sizes if d > 0)
    elements = math.prod(d for d in input_dims if d > 0 or not zero_sizes)
    missing = elements // known
    if not (zero_sizes and 0 in input_dims) and known * missing != elements:
        raise errors.InvalidArgumentError(
            None, None, f"Input to reshape is a tensor with {elements} values, but the "
                        f"requested shape requires a multiple of {known}")
    return missing


def _reshape_grad(op, grad):
    return [reshape(grad, shape_of(op.inputs[0])), None]


def _as_list(elements) -> list:
    """A partial value's elements as a list (a scalar's one element in a list)."""
    return elements if isinstance(elements, list) else [elements]


def _reshape_elements(op):
    """Reshaping a small int vector or scalar to a vector or scalar keeps its elements
    (``tf.reshape(tf.shape(x)[1] * 2, [1])``)."""
    elements, target = partial_value(op.inputs[0]), constant_value(op.inputs[1])
    if elements is None or target is None or np.size(target) > 1:
        return None
    elements = _as_list(elements)
    if np.size(target) == 0:                # to a scalar
        return elements[0] if len(elements) == 1 else None
    return elements


declare("Reshape", shape=_reshape_shape, kernel=_reshape_kernel, grad=_reshape_grad,
        constant_value=shape_fns.kernel_value, partial_value=_reshape_elements)


def shape_of(x: Tensor):
    """A constant shape when statically known, else a Shape op (cheaper graphs)."""
    if x.shape.is_fully_defined():
        return x.shape.as_list()
    return shape(x)


def shape_tensor(x: Tensor, dtype=dtypes.int32) -> Tensor:
    """``tf.shape(x)``: a Const when the static shape is fully known, as TF folds it."""
    if x.shape.is_fully_defined():
        return constant(np.array(x.shape.as_list(), dtype.np_dtype))
    return shape(x, out_type=dtype)


def known_value(value) -> Any:
    """A Tensor's statically known value, or a Python/numpy value itself (TF's
    ``tensor_util.constant_value`` on non-tensors)."""
    return constant_value(value) if isinstance(value, Tensor) else value


def reshape(tensor, shape, name: str | None = None) -> Tensor:
    if isinstance(shape, TensorShape):
        shape = [-1 if d is None else d for d in shape.as_list()]
    return apply_op("Reshape", [tensor, shape], name=name)


def _rank_hint(shape: TensorShape, vector: Tensor) -> int | None:
    """The rank of ``shape``, else the length of a 1-D argument with one entry per dim."""
    if shape.rank is not None:
        return shape.rank
    return vector.shape[0] if vector.shape.rank == 1 else None


def _transpose_shape(op):
    x = op.inputs[0].shape
    perm = constant_value(op.inputs[1])
    if perm is None:
        return [unknown_shape(_rank_hint(x, op.inputs[1]))]
    perm = [int(p) for p in np.ravel(perm)]
    if x.rank is None:
        return [unknown_shape(len(perm))]
    if sorted(perm) != list(range(x.rank)):
        raise ValueError(f"{perm} is not a valid permutation of {x.rank} dimensions")
    return [TensorShape([x.dims[p] for p in perm])]


def _transpose_kernel(x, perm):
    perm = [int(p) for p in np.ravel(perm)]
    if sorted(perm) != list(range(np.ndim(x))):
        raise errors.InvalidArgumentError(
            None, None, f"transpose expects a vector of size {np.ndim(x)}. But input(1) is a "
                        f"vector of size {len(perm)}" if len(perm) != np.ndim(x) else
                        f"{perm} is not a valid permutation")
    return np.transpose(x, perm)


def _transpose_grad(op, grad):
    perm = constant_value(op.inputs[1])
    if perm is not None:
        inv = np.argsort(np.ravel(perm)).astype(np.int32)
        return [transpose(grad, inv), None]
    return [transpose(grad, invert_permutation(op.inputs[1])), None]


declare("Transpose", shape=_transpose_shape, kernel=_transpose_kernel, grad=_transpose_grad)


def transpose(a, perm=None, name: str = "transpose", conjugate: bool = False) -> Tensor:
    a = convert_to_tensor(a)
    if perm is None:
        if a.shape.rank is not None:
            perm = list(range(a.shape.rank - 1, -1, -1))
        else:
            r = rank(a)
            perm = raw_ops.Sub(x=raw_ops.Sub(x=r, y=1), y=raw_ops.Range(
                start=constant(0, dtype=dtypes.int32), limit=r,
                delta=constant(1, dtype=dtypes.int32), name="range"))
    return apply_op("Transpose", [a, perm], name=name)


def matrix_transpose(a, name: str = "matrix_transpose", conjugate: bool = False) -> Tensor:
    """``tf.linalg.matrix_transpose``: the last two dimensions swapped (rank >= 2)."""
    with name_scope(name, values=[a]):
        a = convert_to_tensor(a, name="a")
        ndims = a.shape.rank
        if ndims is not None:
            if ndims < 2:
                raise ValueError(f"Argument `a` should be a (batch) matrix with rank >= 2.  "
                                 f"Received `a` = {a} with shape: {a.shape}")
            perm = list(range(ndims - 2)) + [ndims - 1, ndims - 2]
        else:
            a_rank = rank(a)
            perm = concat([raw_ops.Range(start=constant(0, dtype=dtypes.int32),
                                         limit=raw_ops.Sub(x=a_rank, y=2),
                                         delta=constant(1, dtype=dtypes.int32)),
                           stack([raw_ops.Sub(x=a_rank, y=1), raw_ops.Sub(x=a_rank, y=2)])], 0)
        return transpose(a, perm=perm, conjugate=conjugate)


def _invert_permutation_kernel(x):
    x = np.asarray(x)
    if sorted(x.tolist()) != list(range(x.size)):
        raise errors.InvalidArgumentError(None, None, f"{x.tolist()} is not a permutation")
    out = np.empty_like(x)
    out[x] = np.arange(x.size, dtype=x.dtype)
    return out


declare("InvertPermutation", shape=shape_fns.unchanged, kernel=_invert_permutation_kernel,
        not_differentiable=True)


def invert_permutation(x, name: str | None = None) -> Tensor:
    return apply_op("InvertPermutation", [x], name=name)


def _expand_dims_shape(op):
    x = op.inputs[0].shape
    axis = constant_value(op.inputs[1])
    if x.rank is None or axis is None:
        return [UNKNOWN]
    axis = int(np.ravel(axis)[0])
    if not -x.rank - 1 <= axis <= x.rank:
        raise ValueError(f"Tried to expand dim index {axis} for tensor with {x.rank} dimensions.")
    if axis < 0:
        axis += x.rank + 1
    dims = x.dims
    return [TensorShape(dims[:axis] + [1] + dims[axis:])]


def _expand_dims_kernel(x, axis):
    axis = int(np.ravel(axis)[0])
    if not -np.ndim(x) - 1 <= axis <= np.ndim(x):
        raise errors.InvalidArgumentError(
            None, None, f"Tried to expand dim index {axis} for tensor with {np.ndim(x)} "
                        "dimensions.")
    return np.expand_dims(x, axis)


def _expand_dims_elements(op):
    """A scalar expanded to a vector keeps its element (``tf.expand_dims(tf.shape(x)[1], 0)``)."""
    return [partial_value(op.inputs[0])] if op.inputs[0].shape.rank == 0 else None


declare("ExpandDims", shape=_expand_dims_shape, kernel=_expand_dims_kernel,
        grad=lambda op, g: [reshape(g, shape_of(op.inputs[0])), None],
        constant_value=shape_fns.kernel_value, partial_value=_expand_dims_elements)


def expand_dims(input, axis=None, name: str | None = None, dim=None) -> Tensor:
    if axis is None:
        axis = dim
    if axis is None:
        raise ValueError("Must specify an axis argument to tf.expand_dims()")
    return apply_op("ExpandDims", [input, axis], name=name)


def _squeeze_axes(dims: list, squeeze_dims: list) -> list[int] | None:
    if squeeze_dims:
        return [normalize_axis(a, len(dims)) for a in squeeze_dims]
    if any(d is None for d in dims):
        return None
    return [i for i, d in enumerate(dims) if d == 1]


def _squeeze_shape(op):
    x = op.inputs[0].shape
    if x.rank is None:
        return [UNKNOWN]
    axes = _squeeze_axes(x.dims, op.attrs["squeeze_dims"])
    if axes is None:
        return [UNKNOWN]
    for a in axes:
        if x.dims[a] not in (None, 1):
            raise ValueError(f"Can not squeeze dim[{a}], expected a dimension of 1, got "
                             f"{x.dims[a]}")
    return [TensorShape([d for i, d in enumerate(x.dims) if i not in axes])]


def _squeeze_kernel(op, ctx):
    squeeze_dims = op.attrs["squeeze_dims"]

    def kernel(x):
        axes = _squeeze_axes(list(np.shape(x)), squeeze_dims)
        for a in axes:
            if np.shape(x)[a] != 1:
                raise errors.InvalidArgumentError(
                    None, None, f"Can not squeeze dim[{a}], expected a dimension of 1, got "
                                f"{np.shape(x)[a]}")
        return np.squeeze(x, axis=tuple(axes))
    return kernel


def _squeeze_elements(op):
    """A length-1 int vector squeezed to a scalar keeps its element."""
    elements = partial_value(op.inputs[0])
    if op.outputs[0].shape.rank != 0 or elements is None:
        return None
    elements = _as_list(elements)
    return elements[0] if len(elements) == 1 else None


declare("Squeeze", shape=_squeeze_shape, make_kernel=_squeeze_kernel,
        grad=lambda op, g: [reshape(g, shape_of(op.inputs[0]))],
        constant_value=shape_fns.kernel_value, partial_value=_squeeze_elements)


def squeeze(input, axis=None, name: str | None = None, squeeze_dims=None) -> Tensor:
    if axis is None:
        axis = squeeze_dims
    if isinstance(axis, int):
        axis = [axis]
    return apply_op("Squeeze", [input], {"squeeze_dims": list(axis or [])}, name=name)


# -- Concat / Pack / Unpack / Slice --------------------------------------------------------

def _concat_shape(op):
    values, axis_t = op.inputs[:-1], op.inputs[-1]
    axis = constant_value(axis_t)
    ranks = [t.shape.rank for t in values if t.shape.rank is not None]
    if not ranks:
        return [UNKNOWN]
    r = ranks[0]
    if any(x != r for x in ranks):
        raise ValueError(f"Shape must be rank {r} but is rank {[x for x in ranks if x != r][0]}")
    if axis is None:
        return [unknown_shape(r)]
    axis = normalize_axis(int(axis), r)
    total, merged = 0, [None] * r
    for t in values:
        if t.shape.rank is None:
            total = None
            continue
        dims = t.shape.dims
        for i, d in enumerate(dims):
            if i == axis:
                continue
            if merged[i] is None:
                merged[i] = d
            elif d is not None and d != merged[i]:
                raise ValueError(f"Dimension {i} in both shapes must be equal, but are "
                                 f"{merged[i]} and {d}. Shapes are {values[0].shape} and "
                                 f"{t.shape}.")
        if total is not None:
            total = None if dims[axis] is None else total + dims[axis]
    merged[axis] = total
    return [TensorShape(merged)]


def _concat_kernel(*args):
    values, axis = args[:-1], int(args[-1])
    try:
        return np.concatenate(values, axis=axis)
    except (ValueError, np.exceptions.AxisError) as e:
        raise errors.InvalidArgumentError(
            None, None, f"ConcatOp : Dimensions of inputs should match: shapes "
                        f"{[list(np.shape(v)) for v in values]} along axis {axis} ({e})") from None


def _concat_grad(op, grad):
    values, axis_t = op.inputs[:-1], op.inputs[-1]
    if len(values) == 1:
        return [grad, None]
    axis = constant_value(axis_t)
    shapes = [t.shape for t in values]
    if axis is not None and all(s.is_fully_defined() for s in shapes):
        axis = normalize_axis(int(axis), shapes[0].rank)
        grads, offset = [], 0
        for s in shapes:
            begin = [0] * s.rank
            begin[axis] = offset
            grads.append(slice(grad, begin, s.as_list()))
            offset += s.as_list()[axis]
        return grads + [None]
    sizes = shape_n(values)
    offsets = apply_op("ConcatOffset", [axis_t, sizes])
    return [slice(grad, o, s) for o, s in zip(offsets, sizes)] + [None]


def _concat_value(op):
    values = input_values(op)
    return None if values is None else np.concatenate(values[:-1], axis=int(values[-1]))


def _concat_elements(op):
    """The elements of a concatenation of int vectors (shape pieces joined)."""
    result = []
    for x in op.inputs[:-1]:
        part = partial_value(x)
        if not isinstance(part, list):
            return None
        result += part
    return result


declare("ConcatV2", shape=_concat_shape, kernel=_concat_kernel, grad=_concat_grad,
        constant_value=_concat_value, partial_value=_concat_elements)


def _concat_offset_kernel(axis, *shapes):
    axis = int(axis)
    offsets, running = [], 0
    for s in shapes:
        o = np.zeros_like(s)
        o[axis] = running
        running += int(s[axis])
        offsets.append(o)
    return offsets


declare("ConcatOffset", shape=lambda op: [t.shape for t in op.inputs[1:]],
        kernel=_concat_offset_kernel, not_differentiable=True)


def concat(values, axis, name: str = "concat") -> Tensor:
    """``tf.concat``; a single value is passed through an Identity, as in TF."""
    values = list(values)
    if len(values) == 1:
        return identity(values[0], name=name)
    return apply_op("ConcatV2", [values, axis], name=name)


def _pack_shape(op):
    shape = UNKNOWN
    for t in op.inputs:
        shape = shape.merge_with(t.shape)
    if shape.rank is None:
        return [UNKNOWN]
    axis = normalize_axis(op.attrs["axis"], shape.rank + 1)
    dims = shape.dims
    return [TensorShape(dims[:axis] + [len(op.inputs)] + dims[axis:])]


def _pack_kernel(op, ctx):
    axis = op.attrs["axis"]
    return lambda *xs: np.stack(xs, axis=axis)


def _pack_value(op):
    values = input_values(op)
    return None if values is None else np.stack(values, axis=op.attrs["axis"])


def _pack_elements(op):
    """A Pack of int scalars holds each scalar's element (``tf.stack([tf.shape(x)[0], 4])``)."""
    if any(x.shape.rank != 0 for x in op.inputs):
        return None
    return [partial_value(x) for x in op.inputs]


declare("Pack", shape=_pack_shape, make_kernel=_pack_kernel,
        grad=lambda op, g: unstack(g, num=op.attrs["N"], axis=op.attrs["axis"]),
        constant_value=_pack_value, partial_value=_pack_elements)


def _unpack_shape(op):
    x = op.inputs[0].shape
    if x.rank is None:
        return [UNKNOWN] * op.attrs["num"]
    axis = normalize_axis(op.attrs["axis"], x.rank)
    if x.dims[axis] is not None and x.dims[axis] != op.attrs["num"]:
        raise ValueError(f"Dimension must be {op.attrs['num']} but is {x.dims[axis]}")
    dims = x.dims
    return [TensorShape(dims[:axis] + dims[axis + 1:])] * op.attrs["num"]


def _unpack_kernel(op, ctx):
    axis, num = op.attrs["axis"], op.attrs["num"]

    def kernel(x):
        if np.shape(x)[axis] != num:
            raise errors.InvalidArgumentError(
                None, None, f"Input shape axis {axis} must equal {num}, got shape "
                            f"{list(np.shape(x))}")
        return [np.take(x, i, axis=axis) for i in range(num)]
    return kernel


def _unpack_grad(op, *grads):
    if all(g is None for g in grads):
        return [None]
    filled = [g if g is not None else raw_ops.ZerosLike(x=t) for g, t in zip(grads, op.outputs)]
    return [stack(filled, axis=op.attrs["axis"])]


def _unpack_elements(op):
    """Unstacking an int vector gives each element (``b, h, w, c = tf.unstack(tf.shape(x))``)."""
    elements = partial_value(op.inputs[0])
    if not isinstance(elements, list) or len(elements) != op.attrs["num"]:
        return None
    return elements


declare("Unpack", shape=_unpack_shape, make_kernel=_unpack_kernel, grad=_unpack_grad,
        constant_value=shape_fns.kernel_value, partial_value=_unpack_elements)


def stack(values, axis: int = 0, name: str = "stack") -> Tensor:
    values = list(values)
    return apply_op("Pack", [values], {"axis": axis}, name=name)


def unstack(value, num: int | None = None, axis: int = 0, name: str = "unstack") -> list:
    value = convert_to_tensor(value)
    if num is None:
        r = value.shape.rank
        if r is None or value.shape[normalize_axis(axis, r)] is None:
            raise ValueError(f"Cannot infer argument `num` from shape {value.shape}")
        num = value.shape[normalize_axis(axis, r)]
    return apply_op("Unpack", [value], {"num": num, "axis": axis}, name=name)


def _slice_shape(op):
    """Each output dim is its known size, or for size -1 the input dim less a known begin."""
    x = op.inputs[0].shape
    begin, size_ = partial_value(op.inputs[1]), partial_value(op.inputs[2])
    n = _rank_hint(x, op.inputs[1])
    if not isinstance(size_, list):
        return [unknown_shape(n)]
    if not isinstance(begin, list):
        begin = [None] * len(size_)
    dims = []
    for i, (b, s) in enumerate(zip(begin, size_)):
        if s is not None and s >= 0:
            dims.append(s)
            continue
        xd = x.dims[i] if x.rank is not None else None
        dims.append(None if s is None or xd is None or b is None else xd - b)
    return [TensorShape(dims)]


def _slice_kernel(x, begin, size_):
    begin = [int(b) for b in np.ravel(begin)]
    size_ = [int(s) for s in np.ravel(size_)]
    shape_ = np.shape(x)
    if len(begin) != len(shape_) or len(size_) != len(shape_):
        raise errors.InvalidArgumentError(
            None, None, f"Expected begin and size arguments to be 1-D tensors of size "
                        f"{len(shape_)}, but got shapes [{len(begin)}] and [{len(size_)}] instead.")
    index = []
    for b, s, d in zip(begin, size_, shape_):
        e = d if s == -1 else b + s
        if b < 0 or e > d or e < b:
            raise errors.InvalidArgumentError(
                None, None, f"Expected size[i] in [0, {d - b}], but got {s}" if b >= 0 else
                f"Expected begin[i] in [0, {d}], but got {b}")
        index.append(np.s_[b:e])
    return x[tuple(index)]


def _slice_grad(op, grad):
    x, begin = op.inputs[0], op.inputs[1]
    if x.shape.is_fully_defined() and op.outputs[0].shape.is_fully_defined() and \
            constant_value(begin) is not None:
        b = [int(v) for v in np.ravel(constant_value(begin))]
        out = op.outputs[0].shape.as_list()
        paddings = [[bi, xd - bi - od] for bi, xd, od in zip(b, x.shape.as_list(), out)]
        return [raw_ops.Pad(input=grad, paddings=paddings), None, None]
    before = reshape(begin, [-1, 1])
    after = reshape(raw_ops.Sub(x=raw_ops.Sub(x=shape(x), y=shape(op.outputs[0])), y=begin),
                    [-1, 1])
    return [raw_ops.Pad(input=grad, paddings=concat([before, after], 1)), None, None]


declare("Slice", shape=_slice_shape, kernel=_slice_kernel, grad=_slice_grad)


def slice(input_, begin, size, name: str | None = None) -> Tensor:  # noqa: A001 (TF's name)
    return apply_op("Slice", [input_, begin, size], name=name)


EXPORTS = {
    "": ["concat", "expand_dims", "identity", "identity_n", "invert_permutation",
         "matrix_transpose", "no_op", "placeholder", "placeholder_with_default", "rank",
         "reshape", "shape", "shape_n", "size", "slice", "squeeze", "stack", "stop_gradient",
         "transpose", "unstack"],
    "math": ["invert_permutation"],
    "manip": ["reshape"],
}
