"""Registries keyed by TF op type: OpDefs, shape functions, kernels, gradient rules and
the per-op facts plans use (static-value rules, ops never constant-folded).

These are plain dicts; ``ops/`` fills them (one declaration per op) and tests enumerate
them. Gradient lookups keep TF's three outcomes apart: a rule, an explicit
not-differentiable mark (``None``), and no registration at all (``LookupError``).
"""
from __future__ import annotations

from typing import Any, Callable

from . import errors

OP_DEFS: dict[str, Any] = {}          # op type -> OpDef proto
SHAPE_FNS: dict[str, Callable] = {}   # op type -> fn(op) -> list[TensorShape]
KERNELS: dict[str, Callable] = {}     # op type -> factory(op, ctx) -> fn(*inputs)
GRADIENTS: dict[str, Callable | None] = {}  # op type -> fn(op, *grads), None = not differentiable
STATEFUL: set[str] = set()
CONSTANT_VALUES: dict[str, Callable] = {}   # op type -> fn(op) -> output 0's static value
PARTIAL_VALUES: dict[str, Callable] = {}    # op type -> fn(op) -> its known elements
# (both: a list with one entry per output for an op with several outputs)
NEVER_FOLD: set[str] = set()   # stateless op types the executor must still run every step
HANDLE_DATA: dict[str, Callable] = {}  # op type -> fn(op) -> per output (dtype, shape) or None


def add_op_defs(op_list) -> None:
    """Registers every OpDef of an ``OpList`` (TensorFlow's definitions)."""
    for op_def in op_list.op:
        OP_DEFS[op_def.name] = op_def
        if op_def.is_stateful:
            STATEFUL.add(op_def.name)


def get_op_def(op_type: str):
    op_def = OP_DEFS.get(op_type)
    if op_def is None:
        raise errors.NotFoundError(
            None, None, f"Op type not registered '{op_type}' in binary. Make sure the Op "
                        "and Kernel are registered in sessionflow's op library.")
    return op_def


def is_stateful(op_type: str) -> bool:
    return op_type in STATEFUL


class RegisterGradient:
    """Decorator registering ``fn(op, *grads)`` as the gradient of ``op_type`` (as in TF)."""

    def __init__(self, op_type: str):
        if not isinstance(op_type, str):
            raise TypeError("op_type must be a string")
        self._op_type = op_type

    def __call__(self, fn: Callable) -> Callable:
        if self._op_type in GRADIENTS and GRADIENTS[self._op_type] is not fn:
            existing = GRADIENTS[self._op_type]
            if getattr(existing, "__module__", None) != getattr(fn, "__module__", None) or \
                    getattr(existing, "__qualname__", None) != getattr(fn, "__qualname__", None):
                raise KeyError(f"Registering two gradient with name '{self._op_type}'! "
                               f"(Previous registration was in {existing.__module__})")
        GRADIENTS[self._op_type] = fn
        return fn


def no_gradient(op_type: str) -> None:
    """Marks ``op_type`` as not differentiable: its inputs get no gradient (None)."""
    if not isinstance(op_type, str):
        raise TypeError("op_type must be a string")
    GRADIENTS[op_type] = None


NotDifferentiable = no_gradient


def gradient_function(op) -> Callable | None:
    """The rule for ``op`` (honouring ``_gradient_op_type``); None if not differentiable.

    Raises ``LookupError`` when nothing is registered, as TensorFlow does.
    """
    op_type = op.attrs.get("_gradient_op_type")
    if op_type is not None:
        op_type = op_type.decode() if isinstance(op_type, bytes) else op_type
    else:
        op_type = op.type
    try:
        return GRADIENTS[op_type]
    except KeyError:
        raise LookupError(f"No gradient defined for operation'{op.name}' (op type: "
                          f"{op_type}). In general every operation must have an associated "
                          "`@tf.RegisterGradient` for correct autodiff, which this op is "
                          "lacking. If you want to pretend this operation is a constant in "
                          "your program, you may insert `tf.stop_gradient`.") from None


EXPORTS = {"": ["NotDifferentiable", "RegisterGradient", "no_gradient"]}
