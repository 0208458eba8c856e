"""Values known before anything runs: what a tensor will hold, by its op's declared rule.

Each op type may declare how its output follows from statically known inputs
(``op_registry.CONSTANT_VALUES``, a partial shape for shape-describing ops in
``op_registry.PARTIAL_SHAPES``); this is how Reshape, Fill and the like get exact static
shapes, as TF's shape inference evaluates small integer subgraphs.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import op_registry
from .core import Tensor
from .tensor_shape import TensorShape, unknown_shape


def constant_value(t: Any) -> Any:
    """The value of ``t`` if it is statically known (small int graphs), else None."""
    if not isinstance(t, Tensor):
        return None
    op = t.op
    if op.type == "Const":
        return op.attrs["value"]
    rule = op_registry.CONSTANT_VALUES.get(op.type)
    return None if rule is None else rule(op)


def constant_value_as_partial_shape(t: Tensor) -> TensorShape | None:
    """The shape a shape-describing tensor gives, where known element by element."""
    rule = op_registry.PARTIAL_SHAPES.get(t.op.type)
    return None if rule is None else rule(t.op)


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
    return TensorShape(None)


def input_values(op) -> list | None:
    """The static values of all of ``op``'s inputs, or None if any is unknown."""
    values = [constant_value(x) for x in op.inputs]
    return None if any(v is None for v in values) else values
