"""Values known before anything runs: what a tensor will hold, by its op's declared rule.

Each op type may declare how its output 0 follows from statically known inputs
(``op_registry.CONSTANT_VALUES``) and, for the small int scalars and vectors that describe
shapes, which of its elements are known (``op_registry.PARTIAL_VALUES``): an int, a
``DimOf`` (entry i of ``tf.shape(x)``, TF's dimension handle: known when x's static dim
is) or None. This is how Reshape, Fill and the like get exact static shapes, as TF's
shape inference evaluates small integer subgraphs and tracks ``tf.shape(x)[i]``.
"""
from __future__ import annotations

from typing import Any, NamedTuple, Union

import numpy as np

from . import op_registry
from .core import Tensor
from .tensor_shape import TensorShape


class DimOf(NamedTuple):
    """Entry ``index`` of ``tf.shape(tensor)``: the same dimension as the tensor's own."""

    tensor: Tensor
    index: int

    @property
    def value(self) -> int | None:
        """The dim when the tensor's static shape knows it, else None."""
        return self.tensor.shape[self.index]

    def is_dim_of(self, t: Tensor) -> bool:
        return self.tensor is t


Element = Union[int, DimOf, None]


def constant_value(t: Any) -> Any:
    """The value of ``t`` if it is statically known (small int graphs), else None."""
    if not isinstance(t, Tensor):
        return None
    op = t.op
    if op.type == "Const":
        return op.attrs["value"]
    rule = op_registry.CONSTANT_VALUES.get(op.type)
    return None if rule is None else rule(op)


def partial_value(t: Tensor) -> Any:
    """A small int scalar's element, or an int vector's list of elements, as far as known.

    Elements are ints, ``DimOf`` or None (unknown). A vector whose length is unknown (or
    that is no small int vector) gives None; one of known length but unknown values
    gives a list of None.
    """
    value = constant_value(t)
    if value is not None:
        value = np.asarray(value)
        if value.dtype.kind not in "iu" or value.ndim > 1:
            return None
        return int(value) if value.ndim == 0 else [int(v) for v in value]
    rule = op_registry.PARTIAL_VALUES.get(t.op.type)
    result = None if rule is None else rule(t.op)
    if result is None and t.shape.rank == 1 and t.shape[0] is not None:
        return [None] * t.shape[0]
    return result


def element_value(element: Element) -> int | None:
    """The int an element stands for when statically known."""
    return element.value if isinstance(element, DimOf) else element


def shape_from_tensor(t: Tensor) -> TensorShape:
    """The shape a 1-D int tensor describes, as far as statically known (-1 → unknown)."""
    elements = partial_value(t)
    if elements is None:
        return TensorShape(None)
    if not isinstance(elements, list):      # a scalar describes a vector of that length
        elements = [elements]
    return TensorShape([_dim(e) for e in elements])


def _dim(element: Element) -> int | None:
    value = element_value(element)
    return None if value is None or value < 0 else value


def input_values(op) -> list | None:
    """The static values of all of ``op``'s inputs, or None if any is unknown."""
    values = [constant_value(x) for x in op.inputs]
    return None if any(v is None for v in values) else values
