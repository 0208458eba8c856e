"""TensorFlow 1 dataflow control-flow ops: Switch, Merge, Enter, Exit, NextIteration, LoopCond.

These ops only make sense under TF's dead-tensor and frame semantics, so a plan that
contains any of them runs through the dataflow executor (``session/executor/dataflow.py``,
which implements each of them itself); their registered kernels exist for the registry and
refuse a direct call. Graphs built here with ``tf.cond``/``tf.while_loop`` use functional
If/While instead; these ops arrive through ``import_graph_def`` of control-flow-v1
GraphDefs, or via ``apply_op``.
StackV2/StackPushV2/StackPopV2, which TF1 while-loop gradients use to save forward values,
are ordinary stateful kernels (a fresh stack each time StackV2 runs).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ...graph import errors
from ...graph.core import Operation
from ...graph.tensor_shape import TensorShape
from ..framework import shape_fns
from ..framework.declare import declare

# Op types whose presence makes a plan run through the dataflow executor.
CONTROL_FLOW_V1_TYPES = frozenset({"Switch", "Merge", "Enter", "Exit", "NextIteration",
                                   "LoopCond", "ControlTrigger"})


def _switch_shape(op: Operation) -> list[TensorShape]:
    """Both outputs carry the data's shape; the predicate must be a scalar."""
    pred = op.inputs[1].shape
    if pred.rank is not None and pred.rank != 0:
        raise ValueError(f"Shape must be rank 0 but is rank {pred.rank} for '{op.name}' "
                         f"(Switch) predicate {pred}")
    return [op.inputs[0].shape] * 2


def _merge_shape(op: Operation) -> list[TensorShape]:
    """TF's MergeShape: equal dims stay, differing dims become unknown, differing ranks unknown."""
    shape = op.inputs[0].shape
    for t in op.inputs[1:]:
        other = t.shape
        if shape.rank is None or other.rank is None or shape.rank != other.rank:
            shape = shape_fns.UNKNOWN
            break
        shape = TensorShape([a if a == b else None for a, b in zip(shape.dims, other.dims)])
    return [shape, shape_fns.SCALAR]


def _loop_cond_shape(op: Operation) -> list[TensorShape]:
    """LoopCond forwards a scalar predicate."""
    shape = op.inputs[0].shape
    if shape.rank is not None and shape.rank != 0:
        raise ValueError(f"Shape must be rank 0 but is rank {shape.rank} for '{op.name}' "
                         f"(LoopCond) input {shape}")
    return [shape_fns.SCALAR]


def _dataflow_only(op: Operation, ctx: Any) -> Callable:
    """A kernel that refuses to run: these ops execute inside the dataflow executor."""
    def kernel(*_args):
        raise errors.InternalError(
            None, op, f"{op.type} op '{op.name}' runs only under the dataflow executor "
                      "(dead tensors and frames); it was called as a plain kernel.")
    return kernel


def _no_v1_gradient(op: Operation, *_grads) -> list:
    """TF differentiates these ops through its Python CondContext/WhileContext bookkeeping,
    which an imported GraphDef does not carry, so there is no rule to apply."""
    raise LookupError(
        f"No gradient for control-flow-v1 op '{op.name}' ({op.type}): TF's control_flow_grad "
        "rules need the tf.cond/tf.while_loop contexts that built the graph, which imported "
        "GraphDefs lack. Build the loop with tf.cond/tf.while_loop (functional If/While, "
        "which are differentiable) or import a GraphDef that already contains its gradients.")


declare("Switch", shape=_switch_shape, make_kernel=_dataflow_only, grad=_no_v1_gradient)
declare("Merge", shape=_merge_shape, make_kernel=_dataflow_only, grad=_no_v1_gradient)
for _t in ("Enter", "Exit", "NextIteration"):
    declare(_t, shape=shape_fns.unchanged, make_kernel=_dataflow_only, grad=_no_v1_gradient)
declare("LoopCond", shape=_loop_cond_shape, make_kernel=_dataflow_only, not_differentiable=True)
declare("ControlTrigger", shape=shape_fns.unknown, make_kernel=_dataflow_only,
        not_differentiable=True)


# -- stacks (TF1 while-loop gradients save forward values on them) ---------------------------

class Stack:
    """One StackV2 resource: a LIFO of tensors of one dtype, made fresh each time StackV2 runs."""

    __slots__ = ("name", "elem_type", "max_size", "items")

    def __init__(self, name: str, elem_type, max_size: int):
        self.name = name
        self.elem_type = elem_type
        self.max_size = max_size
        self.items: list = []

    def __repr__(self) -> str:
        return f"Stack({self.name!r}, {len(self.items)} items)"


def _stack_shape(op: Operation) -> list[TensorShape]:
    """StackV2: a scalar handle from a scalar max_size."""
    size = op.inputs[0].shape
    if size.rank is not None and size.rank != 0:
        raise ValueError(f"Shape must be rank 0 but is rank {size.rank} for '{op.name}' "
                         f"(StackV2) max_size {size}")
    return [shape_fns.SCALAR]


def _stack_kernel(op: Operation, ctx: Any) -> Callable:
    name = op.attrs["stack_name"] or op.name
    elem_type = op.attrs["elem_type"]

    def stack(max_size):
        if np.ndim(max_size) != 0:
            raise errors.InvalidArgumentError(
                None, None, f"max_size must be a scalar, got shape {list(np.shape(max_size))}")
        return Stack(name, elem_type, int(max_size))
    return stack


def _checked_stack(handle: Any) -> Stack:
    if not isinstance(handle, Stack):
        raise errors.InvalidArgumentError(
            None, None, f"expected a stack handle made by StackV2, got {type(handle).__name__}")
    return handle


def _push_kernel(op: Operation, ctx: Any) -> Callable:
    def push(handle, elem):
        stack = _checked_stack(handle)
        if stack.elem_type.base_dtype != op.attrs["T"].base_dtype:
            raise errors.InvalidArgumentError(
                None, None, f"Stack[{stack.name}] holds {stack.elem_type.name}, cannot push "
                            f"{op.attrs['T'].name}")
        if 0 <= stack.max_size <= len(stack.items):
            raise errors.InvalidArgumentError(
                None, None, f"Stack[{stack.name}] overflowed its max_size ({stack.max_size})")
        stack.items.append(elem)
        return elem
    return push


def _pop_kernel(op: Operation, ctx: Any) -> Callable:
    def pop(handle):
        stack = _checked_stack(handle)
        if not stack.items:
            raise errors.InvalidArgumentError(None, None, f"Stack[{stack.name}] is empty.")
        return stack.items.pop()
    return pop


def _push_shape(op: Operation) -> list[TensorShape]:
    return [op.inputs[1].shape]


# TF's data_flow_grad.py marks all three NotDifferentiable.
declare("StackV2", shape=_stack_shape, make_kernel=_stack_kernel, not_differentiable=True)
declare("StackPushV2", shape=_push_shape, make_kernel=_push_kernel, not_differentiable=True)
declare("StackPopV2", shape=shape_fns.unknown, make_kernel=_pop_kernel, not_differentiable=True)
