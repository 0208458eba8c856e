"""Plans and executors: prune, fold, CSE and slot a graph once; run it statically or as dataflow.

``make_plan`` is the one way to get a plan: Session and control-flow sub-plans use it.
"""
from __future__ import annotations

from typing import Sequence

from ...graph.core import Operation, Tensor
from ...ops.framework.kernel_binding import KernelContext
from .dataflow import DataflowPlan, uses_control_flow_v1
from .plan import StaticPlan, signature_ops
from .specialise import ShapeSpecialisingPlan, specialising


def make_plan(graph, feed_tensors: Sequence[Tensor], fetch_tensors: Sequence[Tensor],
              target_ops: Sequence[Operation], ctx: KernelContext
              ) -> StaticPlan | ShapeSpecialisingPlan | DataflowPlan:
    """The plan of one (feeds, fetches, targets) signature: run by the dataflow executor
    when the ops it needs include control-flow-v1 ops (Switch, Merge, Enter, ...), else a
    static step list, specialised on the feeds' concrete shapes when they are not static.
    All have ``run(feed_values)`` and ``run_instrumented``."""
    fed = set(feed_tensors)
    if uses_control_flow_v1(signature_ops(fetch_tensors, target_ops, fed), fed):
        return DataflowPlan(graph, feed_tensors, fetch_tensors, target_ops, ctx)
    return specialising(StaticPlan(graph, feed_tensors, fetch_tensors, target_ops, ctx), ctx)
