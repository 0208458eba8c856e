"""Values known before anything runs: what a tensor will hold, by its op's declared rule.

Each op type may declare how its output 0 follows from statically known inputs
(``op_registry.CONSTANT_VALUES``) and, for the small int scalars and vectors that describe
shapes, which of its elements are known (``op_registry.PARTIAL_VALUES``: an int or None
each, so ``tf.shape(x)[1]`` is 4 when x is [None, 4]). This is how Reshape, Fill and the
like get exact static shapes, as TF's shape inference evaluates small integer subgraphs.
"""
from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from . import op_registry
from .core import Tensor
from .tensor_shape import TensorShape


def _by_rule(rules: dict, t: Tensor) -> Any:
    """What ``t``'s op's rule says of ``t``: a rule gives output 0's (a single-output op) or
    a list with one entry per output."""
    rule = rules.get(t.op.type)
    if rule is None:
        return None
    result = rule(t.op)
    if len(t.op.outputs) == 1 or result is None:
        return result
    return result[t.value_index]


# Known values, remembered per op (a known value never changes: ops are immutable and static
# shapes only get refined), so a rule asking for an input's value twice does not recompute.
_KNOWN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def constant_value(t: Any) -> Any:
    """The value of ``t`` if it is statically known (small int graphs), else None."""
    if not isinstance(t, Tensor):
        return None
    op = t.op
    if op.type == "Const":
        return op.attrs["value"]
    known = _KNOWN.get(op)
    if known is not None and t.value_index in known:
        return known[t.value_index]
    value = _by_rule(op_registry.CONSTANT_VALUES, t)
    if value is not None:
        _KNOWN.setdefault(op, {})[t.value_index] = value
    return value


def partial_value(t: Tensor) -> Any:
    """A small int scalar's element, or an int vector's list of elements, as far as known.

    Elements are ints or None (unknown). A vector whose length is unknown (or that is no
    small int vector) gives None; one of known length but unknown values a list of None.
    """
    value = constant_value(t)
    if value is not None:
        value = np.asarray(value)
        if value.dtype.kind not in "iu" or value.ndim > 1:
            return None
        return int(value) if value.ndim == 0 else [int(v) for v in value]
    result = _by_rule(op_registry.PARTIAL_VALUES, t)
    if result is None and t.shape.rank == 1 and t.shape[0] is not None:
        return [None] * t.shape[0]
    return result


def shape_from_tensor(t: Tensor) -> TensorShape:
    """The shape a 1-D int tensor describes, as far as statically known (-1 → unknown)."""
    elements = partial_value(t)
    if elements is None:
        return TensorShape(None)
    if not isinstance(elements, list):      # a scalar reads as a one-dim shape
        elements = [elements]
    return TensorShape([None if e is None or e < 0 else e for e in elements])


def input_values(op) -> list | None:
    """The static values of all of ``op``'s inputs, or None (at the first unknown one)."""
    values = []
    for x in op.inputs:
        value = constant_value(x)
        if value is None:
            return None
        values.append(value)
    return values


def get_static_value(tensor: Any, partial: bool = False) -> Any:
    """``tf.get_static_value``: ``tensor``'s value when statically known (a non-tensor as it
    is), else None; with ``partial`` an int vector of partly known elements is an object
    array with None where unknown."""
    if not isinstance(tensor, Tensor):
        return tensor
    value = constant_value(tensor)
    if value is not None or not partial:
        return value
    elements = partial_value(tensor)
    return None if not isinstance(elements, list) else np.array(elements, dtype=object)


EXPORTS = {"": ["get_static_value"]}
