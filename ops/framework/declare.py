"""The op declaration mechanism: everything about an op type registered in one call.

``declare("Tanh", shape=..., kernel=np.tanh, grad=_TanhGrad)`` records the shape
function, the numpy kernel (or a kernel factory that binds attrs once per plan) and the
gradient rule (or ``not_differentiable=True``) against TensorFlow's OpDef, which comes
from ``ops.pbtxt`` (TensorFlow 2.21's own definitions) so names, attrs and defaults match.
"""
from __future__ import annotations

import os
from typing import Callable

from google.protobuf import text_format

from ...graph import op_registry
from ...proto import op_def_pb2


def load_op_defs(filename: str) -> None:
    """Registers the OpDefs of a text-format ``OpList`` shipped next to this module."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "opdefs", filename)
    with open(path, "r", encoding="utf-8") as f:
        op_registry.add_op_defs(text_format.Parse(f.read(), op_def_pb2.OpList()))


load_op_defs("ops.pbtxt")


def declare(op_type: str, *, shape: Callable | None = None, kernel: Callable | None = None,
            make_kernel: Callable | None = None, grad: Callable | None = None,
            not_differentiable: bool = False, constant_value: Callable | None = None,
            partial_value: Callable | None = None, never_fold: bool = False,
            handle_data: Callable | None = None) -> None:
    """Registers everything about one op type.

    ``kernel(*inputs)`` is a plain numpy function; ``make_kernel(op, ctx)`` returns one
    bound to the op's attrs (called once per plan, so attr parsing stays off the hot path).
    ``constant_value(op)`` gives output 0's value when it is known statically (or None),
    and ``partial_value(op)`` the elements of a small int output (a scalar's, or a vector's
    list) as far as known (ints, None where unknown); for an op with several outputs both
    give a list with one entry per output. Shape inference uses both.
    ``never_fold`` keeps a stateless op out of constant folding because running it has a
    meaning of its own (feeds, asserts, printing).
    ``handle_data(op)`` gives, per output, the (dtype, shape) of the value a resource
    output stands for (TF's handle data), or None.
    """
    if op_type not in op_registry.OP_DEFS:
        raise KeyError(f"No OpDef for op type '{op_type}'")
    if (kernel is None) == (make_kernel is None):
        raise ValueError(f"{op_type}: give exactly one of kernel= and make_kernel=")
    if grad is not None and not_differentiable:
        raise ValueError(f"{op_type}: a gradient rule and not_differentiable=True conflict")
    if shape is not None:
        op_registry.SHAPE_FNS[op_type] = shape
    op_registry.KERNELS[op_type] = make_kernel if make_kernel is not None else \
        (lambda op, ctx, _k=kernel: _k)
    if constant_value is not None:
        op_registry.CONSTANT_VALUES[op_type] = constant_value
    if partial_value is not None:
        op_registry.PARTIAL_VALUES[op_type] = partial_value
    if never_fold:
        op_registry.NEVER_FOLD.add(op_type)
    if handle_data is not None:
        op_registry.HANDLE_DATA[op_type] = handle_data
    if not_differentiable:
        op_registry.no_gradient(op_type)
    elif grad is not None:
        op_registry.GRADIENTS[op_type] = grad
