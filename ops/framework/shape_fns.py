"""Shared shape functions (partial shapes allowed) and static constant evaluation.

Shape functions take the ``Operation`` and return one ``TensorShape`` per output.
``constant_value`` statically evaluates small integer subgraphs (Const, Shape, Pack,
...) so ops like Reshape get exact static shapes, as TF's shape inference does.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...graph.core import Tensor
from ...graph.tensor_shape import TensorShape, unknown_shape

UNKNOWN = TensorShape(None)
SCALAR = TensorShape([])


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


def reduction(op) -> list[TensorShape]:
    """Sum/Mean/Max/...: drop (or keep as 1) the statically known reduced axes."""
    x = op.inputs[0].shape
    keep = op.attrs.get("keep_dims", False)
    axes = constant_value(op.inputs[1])
    if x.rank is None:
        return [UNKNOWN]
    if axes is None:
        return [unknown_shape(x.rank) if keep else UNKNOWN]
    rank = x.rank
    axes = {normalize_axis(int(a), rank) for a in np.ravel(axes)} if rank else \
        {int(a) for a in np.ravel(axes) if int(a) in (0, -1)}
    dims = x.dims
    if keep:
        return [TensorShape([1 if i in axes else d for i, d in enumerate(dims)])]
    return [TensorShape([d for i, d in enumerate(dims) if i not in axes])]


def shape_from_tensor(t: Tensor) -> TensorShape:
    """The shape a 1-D int tensor describes, as far as statically known (-1 → unknown)."""
    value = constant_value(t)
    if value is not None:
        return TensorShape([None if int(d) < 0 else int(d) for d in np.ravel(value)])
    partial = constant_value_as_partial_shape(t)
    if partial is not None:
        return partial
    if t.shape.rank == 1 and t.shape[0] is not None:
        return unknown_shape(t.shape[0])
    return UNKNOWN


def constant_value_as_partial_shape(t: Tensor) -> TensorShape | None:
    """Shape ops and packs of scalars whose elements are known one by one."""
    op = t.op
    if op.type == "Shape":
        return op.inputs[0].shape
    if op.type == "Pack":
        dims = []
        for x in op.inputs:
            v = constant_value(x)
            dims.append(None if v is None or int(v) < 0 else int(v))
        return TensorShape(dims)
    if op.type == "ConcatV2":
        result = TensorShape([])
        for x in op.inputs[:-1]:
            part = shape_from_tensor(x)
            if part.rank is None:
                return None
            result = result.concatenate(part)
        return result
    return None


def constant_value(t: Tensor) -> Any:
    """The value of ``t`` if it is statically known (small int graphs), else None."""
    if not isinstance(t, Tensor):
        return None
    op = t.op
    kind = op.type
    if kind == "Const":
        return op.attrs["value"]
    if kind == "Shape":
        shape = op.inputs[0].shape
        if shape.is_fully_defined():
            return np.array(shape.as_list(), dtype=op.attrs["out_type"].np_dtype)
        return None
    if kind == "Size":
        n = op.inputs[0].shape.num_elements()
        return None if n is None else np.array(n, dtype=op.attrs["out_type"].np_dtype)
    if kind == "Rank":
        r = op.inputs[0].shape.rank
        return None if r is None else np.array(r, dtype=np.int32)
    if kind in ("Identity", "StopGradient"):
        return constant_value(op.inputs[0])
    if kind in ("ZerosLike", "OnesLike"):
        x = op.inputs[0]
        if not x.shape.is_fully_defined() or x.shape.num_elements() > 1000:
            return None
        fill = np.zeros if kind == "ZerosLike" else np.ones
        return fill(x.shape.as_list(), dtype=x.dtype.base_dtype.np_dtype)
    if kind == "Cast":
        v = constant_value(op.inputs[0])
        return None if v is None else np.asarray(v).astype(op.attrs["DstT"].np_dtype)
    if kind == "Pack":
        values = [constant_value(x) for x in op.inputs]
        if any(v is None for v in values):
            return None
        return np.stack(values, axis=op.attrs["axis"])
    if kind == "ConcatV2":
        values = [constant_value(x) for x in op.inputs]
        if any(v is None for v in values):
            return None
        return np.concatenate(values[:-1], axis=int(values[-1]))
    if kind == "Fill":
        dims, value = constant_value(op.inputs[0]), constant_value(op.inputs[1])
        if dims is None or value is None or np.prod(dims) > 1000:
            return None
        return np.full(dims, value)
    if kind == "Range":
        vals = [constant_value(x) for x in op.inputs]
        if any(v is None for v in vals):
            return None
        return np.arange(*vals, dtype=op.attrs["Tidx"].np_dtype)
    if kind in ("Sub", "AddV2", "Add", "Mul", "Maximum", "Minimum", "FloorDiv"):
        a, b = constant_value(op.inputs[0]), constant_value(op.inputs[1])
        if a is None or b is None or np.asarray(a).dtype.kind not in "iu":
            return None
        fn = {"Sub": np.subtract, "AddV2": np.add, "Add": np.add, "Mul": np.multiply,
              "Maximum": np.maximum, "Minimum": np.minimum, "FloorDiv": np.floor_divide}[kind]
        return fn(a, b)
    if kind == "StridedSlice":
        return _strided_slice_of_shape(op)
    return None


def _strided_slice_of_shape(op) -> Any:
    """Slices of statically known values (``tf.shape(x)[i]`` and the like)."""
    from ..array.indexing_ops import strided_slice_index
    value = constant_value(op.inputs[0])
    begin, end, strides = (constant_value(x) for x in op.inputs[1:4])
    if value is None or begin is None or end is None or strides is None:
        return None
    masks = {k: op.attrs.get(k, 0) for k in ("begin_mask", "end_mask", "ellipsis_mask",
                                             "new_axis_mask", "shrink_axis_mask")}
    try:
        index, out_shape = strided_slice_index(list(np.shape(value)), list(np.ravel(begin)),
                                               list(np.ravel(end)), list(np.ravel(strides)),
                                               **masks)
    except ValueError:
        return None
    return np.asarray(value)[index].reshape(out_shape)
