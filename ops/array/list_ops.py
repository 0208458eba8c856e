"""TensorList ops (EmptyTensorList, TensorListPushBack, TensorListPopBack), as TF2 while-loop
gradients use them to carry forward values into the backward loop.

A list is an immutable value (a ``variant`` tensor): pushing returns a new list sharing the
old one's elements, so plans may fold, share and reuse list values freely.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...graph import dtypes, errors
from ...graph.op_builder import apply_op
from ...graph.tensor_shape import TensorShape
from . import array_ops, fill_ops
from ..framework import shape_fns
from ..framework.declare import declare


class TensorList:
    """An immutable stack of arrays: ``head`` is the last element, ``tail`` the rest."""

    __slots__ = ("head", "tail", "length", "element_dtype", "max_elements")

    def __init__(self, element_dtype: dtypes.DType, max_elements: int = -1, head: Any = None,
                 tail: "TensorList | None" = None, length: int = 0):
        self.element_dtype = element_dtype
        self.max_elements = max_elements
        self.head, self.tail, self.length = head, tail, length

    def push(self, value: np.ndarray) -> "TensorList":
        if 0 <= self.max_elements <= self.length:
            raise errors.InvalidArgumentError(
                None, None, f"Tried to push item into a full list list size: {self.length}, "
                            f"max_num_elements: {self.max_elements}")
        return TensorList(self.element_dtype, self.max_elements, value, self, self.length + 1)

    def items(self) -> list:
        out, node = [], self
        while node is not None and node.length:
            out.append(node.head)
            node = node.tail
        return out[::-1]

    def zeros_like(self) -> "TensorList":
        """A list of the same length with every element zeroed (TF's ZerosLike on lists)."""
        result = TensorList(self.element_dtype, self.max_elements)
        for item in self.items():
            result = result.push(np.zeros_like(item))
        return result


def _empty_kernel(op, ctx):
    dtype = op.attrs["element_dtype"]

    def kernel(element_shape, max_num_elements):
        return TensorList(dtype, int(max_num_elements))
    return kernel


def _list_of(handle) -> TensorList:
    if not isinstance(handle, TensorList):
        raise errors.InvalidArgumentError(None, None, f"Expected a TensorList, got {handle!r}")
    return handle


def _push_kernel(op, ctx):
    dtype = op.attrs["element_dtype"].np_dtype

    def kernel(handle, tensor):
        tensor = np.asarray(tensor)
        if tensor.dtype != dtype:
            raise errors.InvalidArgumentError(
                None, None, f"Invalid data types; list elements {np.dtype(dtype)} but tried to "
                            f"append {tensor.dtype}")
        return _list_of(handle).push(tensor)
    return kernel


def _pop_kernel(handle, element_shape):
    lst = _list_of(handle)
    if lst.length == 0:
        raise errors.InvalidArgumentError(None, None, "Trying to pop from an empty list.")
    return [lst.tail, lst.head]


def _PushBackGrad(op, dresult):
    return apply_op("TensorListPopBack", [dresult, array_ops.shape(op.inputs[1])],
                    {"element_dtype": op.attrs["element_dtype"]})


def _PopBackGrad(op, dlist, delement):
    if delement is None:
        delement = fill_ops.zeros_like(op.outputs[1])
    if dlist is None:
        dlist = empty_tensor_list(-1, delement.dtype)
    return [apply_op("TensorListPushBack", [dlist, delement]), None]


declare("EmptyTensorList", shape=shape_fns.scalar, make_kernel=_empty_kernel,
        not_differentiable=True)
declare("TensorListPushBack", shape=shape_fns.scalar, make_kernel=_push_kernel,
        grad=_PushBackGrad)
declare("TensorListPopBack",
        shape=lambda op: [TensorShape([]), shape_fns.shape_from_tensor(op.inputs[1])],
        kernel=_pop_kernel, grad=_PopBackGrad)


def empty_tensor_list(element_shape, element_dtype, max_num_elements: int = -1,
                      name: str | None = None):
    """An empty TensorList (TF's ``list_ops.empty_tensor_list``)."""
    return apply_op("EmptyTensorList", [np.asarray(element_shape, np.int32), max_num_elements],
                    {"element_dtype": dtypes.as_dtype(element_dtype)}, name=name)
