"""Shape-specialised plans: a signature's plan rebuilt for the concrete shapes of its feeds.

With a feed of shape [None, 4], a gradient graph's shape bookkeeping (Shape,
BroadcastGradientArgs, Reshape of shapes, Fill, ...) cannot fold; fed [2, 4] it can.  A
``ShapeSpecialisingPlan`` keeps, per tuple of feed shapes run more than once, a plan in
which every tensor whose value the concrete shapes determine is a constant.  The values
come from a throw-away copy of the pruned graph whose fed tensors are placeholders of the
concrete shapes: its shape functions and static-value rules (graph/static_value.py) run
exactly as for static shapes, while the plan itself keeps the user's ops, resources and
error messages.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Sequence

import numpy as np

from ...graph import dtypes, op_registry, static_value
from ...graph.core import Operation, Tensor
from ...graph.graph import Graph
from ...graph.op_builder import infer_shapes
from ...graph.tensor_shape import TensorShape
from ...ops.framework.kernel_binding import KernelContext, bind_kernel
from .plan import ShapeFacts, StaticPlan, never_folds

# Specialised plans kept per signature (least recently used evicted), how many a signature
# may build in all (feeds whose shapes keep changing then stay on the generic plan), and
# how many shapes run once are remembered (a shape is specialised on its second run).
MAX_SPECIALISED_PLANS = 8
MAX_SPECIALISATIONS = 4 * MAX_SPECIALISED_PLANS
MAX_SEEN_SHAPES = 64


def shape_determined_facts(ops: Sequence[Operation], feed_tensors: Sequence[Tensor],
                           feed_shapes: Sequence[tuple], ctx: KernelContext
                           ) -> ShapeFacts | None:
    """What the feeds' shapes alone determine, keyed by the original tensors and ops: the
    values of ``ops``' outputs that follow from them, the ops that pass their input 0
    through unchanged at these shapes (a Reshape to the same shape, a Sum over no axes) and
    every tensor's refined static shape; None when the pruned graph cannot be analysed
    (then the generic plan serves).

    A value is known by its op's static-value rule, or by running the op's kernel when all
    its inputs are known (as plans fold constants); a known tensor is a Const in the copy,
    so its consumers' shape functions see it."""
    copy_graph = Graph()
    copies: dict[Tensor, Tensor] = {}
    for t, shape in zip(feed_tensors, feed_shapes):
        copies[t] = _add_copy(copy_graph, f"feed:{len(copies)}", "Placeholder", (),
                              {"dtype": t._dtype.base_dtype, "shape": TensorShape(shape)},
                              [t._dtype.base_dtype], [TensorShape(shape)])[0]
    fed = set(feed_tensors)
    known: dict[Tensor, Any] = {}
    identities: set[Operation] = set()
    twins: dict[Operation, Operation] = {}
    try:
        for op in ops:
            foldable = not never_folds(op) and not any(t in fed for t in op._outputs)
            values = None
            if foldable and op._inputs and all(t in known for t in op._inputs):
                values = _known(op, StaticPlan._try_fold(op, bind_kernel(op, ctx),
                                                         [known[t] for t in op._inputs]))
            if values is None:
                twin = _add_copy(copy_graph, op._name, op._type,
                                 tuple(copies[t] for t in op._inputs), dict(op._attrs),
                                 [t._dtype for t in op._outputs], op=op)
                if foldable and _binds_on_copy(op):
                    twins[op] = twin[0].op
                if foldable:
                    values = _known(op, [static_value.constant_value(c) for c in twin])
                    if values is None and _passes_input_through(twin[0].op):
                        identities.add(op)
            if values is None:
                copies.update((t, c) for t, c in zip(op._outputs, twin) if t not in fed)
                continue
            for i, (t, v) in enumerate(zip(op._outputs, values)):
                known[t] = v
                copies[t] = _add_copy(copy_graph, f"{op._name}:value{i}", "Const", (),
                                      {"value": v, "dtype": t._dtype}, [t._dtype],
                                      [TensorShape(v.shape)])[0]
    except Exception:  # an op the copy cannot express or infer: no specialisation
        return None
    return ShapeFacts(known, identities, {t: c._shape for t, c in copies.items()}, twins)


def _add_copy(graph: Graph, name: str, op_type: str, inputs: tuple, attrs: dict,
              dtypes: list, shapes: list | None = None, op: Operation | None = None
              ) -> tuple[Tensor, ...]:
    """The outputs of a new op in the analysis graph: of ``op``'s copy (shapes inferred),
    or of an op whose output ``shapes`` are given."""
    op_def = op._op_def if op is not None else op_registry.OP_DEFS[op_type]
    new = Operation(graph, name, op_type, inputs, (), attrs, dtypes,
                    op._device if op is not None else "", op_def, None)
    if shapes is None:
        for t, c in zip(op._outputs, new._outputs):
            c._handle_data = t._handle_data
        infer_shapes(new)
    else:
        for c, shape in zip(new._outputs, shapes):
            c._shape = shape
    graph._add_op(new)      # (names with ':' cannot clash with the user's op names)
    return new._outputs


def _binds_on_copy(op: Operation) -> bool:
    """Whether ``op``'s kernel may be bound on its copy: no resource or variant tensors in
    or out (their kernels may key state by op) and no function attrs (bodies live in the
    user's graph)."""
    return all(t._dtype.base_dtype not in (dtypes.resource, dtypes.variant)
               for t in op._inputs + op._outputs) and \
        not any(a.type in ("func", "list(func)") for a in op._op_def.attr)


def _known(op: Operation, values: list | None) -> list | None:
    """``values`` as arrays when a numeric one of the op's dtype is known for every output
    (handles, TensorLists and strings stay with their kernels)."""
    if values is None or any(v is None for v in values):
        return None
    arrays = [np.asarray(v) for v in values]
    if any(a.dtype.kind not in "biufc" or a.dtype != t._dtype.base_dtype.np_dtype
           for a, t in zip(arrays, op._outputs)):
        return None
    return arrays


# Ops that return input 0 unchanged when their output has its shape and dtype (reductions
# only when they reduce over no axes).
_RESHAPING = frozenset({"Reshape", "Squeeze", "ExpandDims", "BroadcastTo", "Identity"})
_REDUCING = frozenset({"Sum", "Mean", "Prod", "Max", "Min"})


def _passes_input_through(op: Operation) -> bool:
    if op._type not in _RESHAPING and op._type not in _REDUCING or len(op._outputs) != 1:
        return False
    x, y = op._inputs[0], op._outputs[0]
    if x._dtype != y._dtype or not x._shape.is_fully_defined() or \
            not y._shape.is_fully_defined() or x._shape.as_list() != y._shape.as_list():
        return False
    if op._type in _REDUCING:
        axes = static_value.constant_value(op._inputs[1])
        return axes is not None and np.size(axes) == 0
    return True


class ShapeSpecialisingPlan:
    """A static plan that runs each tuple of feed shapes on a plan specialised for it."""

    def __init__(self, generic: StaticPlan, ctx: KernelContext):
        self.generic = generic
        self._ctx = ctx
        self._plans: OrderedDict[tuple, StaticPlan] = OrderedDict()
        self._seen_once: OrderedDict[tuple, None] = OrderedDict()
        self._building: set[tuple] = set()
        self._built = 0
        self._lock = threading.Lock()

    def plan_for(self, feed_values: Sequence) -> StaticPlan:
        """The plan for these feeds' shapes, else the generic one: shapes are specialised
        on their second run (one-off shapes cost nothing), built outside the lock while
        other runs use the generic plan."""
        key = tuple(np.shape(v) for v in feed_values)
        with self._lock:
            plan = self._plans.get(key)
            if plan is not None:
                self._plans.move_to_end(key)
                return plan
            if key in self._building or self._built >= MAX_SPECIALISATIONS:
                return self.generic
            if key not in self._seen_once:
                self._seen_once[key] = None
                if len(self._seen_once) > MAX_SEEN_SHAPES:
                    self._seen_once.popitem(last=False)
                return self.generic
            del self._seen_once[key]
            self._building.add(key)
            self._built += 1
        try:
            plan = self._specialise(key)
        finally:
            with self._lock:
                self._building.discard(key)
        with self._lock:
            self._plans[key] = plan
            if len(self._plans) > MAX_SPECIALISED_PLANS:
                self._plans.popitem(last=False)
        return plan

    def _specialise(self, feed_shapes: tuple) -> StaticPlan:
        g = self.generic
        facts = shape_determined_facts(g.pruned_ops, g.feed_tensors, feed_shapes, self._ctx)
        if facts is None:
            return g
        return StaticPlan(g.graph, g.feed_tensors, g.fetch_tensors, g.target_ops, self._ctx,
                          facts)

    def run(self, feed_values: Sequence) -> list:
        """``StaticPlan.run`` on the plan for these feeds' shapes."""
        return self.plan_for(feed_values).run(feed_values)

    def run_instrumented(self, feed_values: Sequence, step_stats=None,
                         deadline: float | None = None) -> list:
        """``StaticPlan.run_instrumented`` on the plan for these feeds' shapes."""
        return self.plan_for(feed_values).run_instrumented(feed_values, step_stats, deadline)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.generic, name)    # steps, fetch_slots, ... of the generic plan


def specialising(plan: StaticPlan, ctx: KernelContext) -> StaticPlan | ShapeSpecialisingPlan:
    """``plan`` wrapped to specialise on feed shapes when some feed's shape is not static."""
    if any(not t._shape.is_fully_defined() for t in plan.feed_tensors):
        return ShapeSpecialisingPlan(plan, ctx)
    return plan
