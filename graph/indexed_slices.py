"""``IndexedSlices``: a sparse gradient (rows ``indices`` of a dense tensor), as in TF.

Gather gradients are returned in this form; ``to_dense`` (and ``convert_to_tensor``)
densify with UnsortedSegmentSum, which is what TensorFlow emits.
"""
from __future__ import annotations

from typing import Any

from .core import Tensor
from .op_builder import apply_op, register_tensor_conversion_function
from .static_value import constant_value
from .tensor_shape import TensorShape


class IndexedSlices:
    """values[i] is the slice at row indices[i] of a tensor of shape dense_shape."""

    def __init__(self, values: Tensor, indices: Tensor, dense_shape: Any = None):
        self._values = values
        self._indices = indices
        self._dense_shape = dense_shape

    @property
    def values(self) -> Tensor:
        return self._values

    @property
    def indices(self) -> Tensor:
        return self._indices

    @property
    def dense_shape(self) -> Any:
        return self._dense_shape

    @property
    def dtype(self):
        return self._values.dtype

    @property
    def graph(self):
        return self._values.graph

    @property
    def name(self) -> str:
        return self._values.name

    @property
    def op(self):
        return self._values.op

    @property
    def shape(self):
        if self._dense_shape is None:
            return TensorShape(None)
        value = constant_value(self._dense_shape)
        if value is not None:
            return TensorShape([int(d) for d in value])
        return TensorShape([None]).concatenate(self._values.shape[1:])

    def to_dense(self) -> Tensor:
        """The dense tensor: UnsortedSegmentSum of values by indices."""
        if self._dense_shape is None:
            raise ValueError("Cannot densify IndexedSlices without a dense_shape.")
        num_rows = apply_op("StridedSlice", [self._dense_shape, [0], [1], [1]],
                            {"shrink_axis_mask": 1})
        return apply_op("UnsortedSegmentSum", [self._values, self._indices, num_rows])

    def __repr__(self) -> str:
        return (f"IndexedSlices(indices={self._indices}, values={self._values}, "
                f"dense_shape={self._dense_shape})")


def _convert(value: IndexedSlices, dtype=None, name=None, as_ref=False) -> Tensor:
    return value.to_dense()


register_tensor_conversion_function(IndexedSlices, _convert)


EXPORTS = {"": ["IndexedSlices"]}
