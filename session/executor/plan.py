"""Execution plans: prune, fold, order and slot a graph once; run it as one tight loop.

A ``Plan`` is built per (graph version, feeds, fetches, targets). Building prunes to what
the fetches need (stopping at fed tensors), folds stateless ops whose inputs are all
constant, merges duplicate stateless ops (CSE), orders the rest topologically, binds
each op's kernel, and records each slot's last use so large values are freed early.
Running is a plain loop over prepared step closures.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from ...graph import errors, op_registry
from ...graph.core import Operation, Tensor
from ...graph.op_builder import is_list_output
from ...ops.state import state_ops
from .remapper import FusedNode, remap

# Values at least this large (bytes) are freed after their last use; tiny ones are
# left for the end of the run, which is cheaper than freeing them one by one.
_FREE_THRESHOLD_BYTES = 1 << 16
# Folding stops for results larger than this many elements (keeps plans small).
_FOLD_MAX_ELEMENTS = 1 << 20


class KernelContext:
    """What kernels may bind at plan time: the session's resources and seeds, and the ops
    of the plan being built (``plan_ops``: kernels may specialise on their consumers in
    the same plan, as MaxPool keeps its winners for a MaxPoolGrad)."""

    def __init__(self, resource_mgr: Any = None, session: Any = None):
        self.resource_mgr = resource_mgr
        self.session = session
        self.plan_ops: frozenset = frozenset()

    @contextmanager
    def building(self, ops: Sequence[Operation]) -> Iterator[None]:
        """Sets ``plan_ops`` while a plan binds its kernels (nested plans restore it)."""
        outer, self.plan_ops = self.plan_ops, frozenset(ops)
        try:
            yield
        finally:
            self.plan_ops = outer

    def sub_plan(self, graph, feeds: Sequence[Tensor], fetches: Sequence[Tensor],
                 targets: Sequence[Operation] = ()) -> "Plan":
        """A plan over a function body graph sharing this context (control-flow kernels)."""
        return Plan(graph, feeds, fetches, targets, self)


def op_error(op: Operation, exc: BaseException, input_values: Sequence | None = None):
    """Wraps a kernel failure in TF's error class, naming the op, type, shapes, origin
    (for a fused step: its name and type; the error's ``op`` is the chain's first op)."""
    shapes = ""
    if input_values is not None:
        shapes = ", ".join(str(list(np.shape(v))) if v is not None else "?"
                           for v in input_values)
    where = f"\n\t [[node {op.name} ({op.type}, input shapes: [{shapes}]) defined at " \
            f"{op.where()} ]]"
    graph_op = op.chain[0] if isinstance(op, FusedNode) else op
    if isinstance(exc, errors.OpError):
        msg = exc.message if f"node {op.name} " in exc.message else exc.message + where
        return type(exc)(None, graph_op, msg)
    if isinstance(exc, (ValueError, TypeError, IndexError)):
        detail = str(exc)
    else:
        detail = f"{type(exc).__name__}: {exc}"
    return errors.InvalidArgumentError(None, graph_op, f"{op.type} op '{op.name}' failed: "
                                                       f"{detail}{where}")


def prune(fetch_ops: Sequence[Operation], fed: set) -> list[Operation]:
    """The ops needed for ``fetch_ops``, not crossing fed tensors, topologically ordered.

    Raises InvalidArgumentError on a cycle.
    """
    needed: dict[Operation, None] = {}
    stack = list(fetch_ops)
    while stack:
        op = stack.pop()
        if op in needed:
            continue
        needed[op] = None
        for t in op._inputs:
            if t not in fed:
                stack.append(t._op)
        stack.extend(op._control_inputs)
    # Kahn's algorithm over the needed subgraph, in creation order for determinism.
    pending: dict[Operation, int] = {}
    consumers: dict[Operation, list] = {op: [] for op in needed}
    for op in needed:
        deps = {t._op for t in op._inputs if t not in fed}
        deps.update(op._control_inputs)
        pending[op] = len(deps)
        for d in deps:
            consumers[d].append(op)
    ready = sorted((op for op, n in pending.items() if n == 0), key=lambda o: o._id, reverse=True)
    order = []
    while ready:
        op = ready.pop()
        order.append(op)
        for c in consumers[op]:
            pending[c] -= 1
            if pending[c] == 0:
                ready.append(c)
    if len(order) != len(needed):
        stuck = sorted((op.name for op, n in pending.items() if n > 0))
        raise errors.InvalidArgumentError(
            None, None, f"Graph is invalid, contains a cycle with {len(stuck)} nodes, "
                        f"including: {', '.join(stuck[:5])}")
    return order


def _cse_key(op: Operation, input_keys: tuple) -> tuple | None:
    attrs = []
    for k in sorted(op._attrs):
        v = op._attrs[k]
        if isinstance(v, np.ndarray):
            return None
        if isinstance(v, list):
            v = tuple(v)
        try:
            hash(v)
        except TypeError:
            return None
        attrs.append((k, v))
    return (op._type, input_keys, tuple(c._name for c in op._control_inputs), tuple(attrs))


class Plan:
    """A compiled (feeds, fetches, targets) signature of one graph version."""

    def __init__(self, graph, feed_tensors: Sequence[Tensor], fetch_tensors: Sequence[Tensor],
                 target_ops: Sequence[Operation], ctx: KernelContext):
        self.graph = graph
        self.feed_tensors = list(feed_tensors)
        self.fetch_tensors = list(fetch_tensors)
        fed = set(feed_tensors)
        fetch_ops = [t._op for t in fetch_tensors if t not in fed] + list(target_ops)
        from . import dataflow as dataflow_executor
        if dataflow_executor.uses_control_flow_v1(fetch_ops, fed):  # decided once, per plan
            dataflow = dataflow_executor.DataflowPlan(feed_tensors, fetch_tensors, fetch_ops,
                                                      fed, ctx)
            self.run, self.run_instrumented = dataflow.run, dataflow.run_instrumented
            return
        ops = prune(fetch_ops, fed)
        with ctx.building(ops):
            self._build(remap(ops, fed, fetch_tensors), fed, ctx)

    # -- building -------------------------------------------------------------------------
    def _build(self, order: list[Operation], fed: set, ctx: KernelContext) -> None:
        slot_of: dict[Tensor, int] = {}
        constants: dict[int, Any] = {}     # slot -> value known at plan time
        nslots = 0

        def new_slot() -> int:
            nonlocal nslots
            nslots += 1
            return nslots - 1

        self.feed_slots = []
        for t in self.feed_tensors:
            s = slot_of[t] = new_slot()
            self.feed_slots.append(s)

        steps_spec = []          # (op, kernel, input_slots, output_slots)
        cse: dict[tuple, Operation] = {}
        for op in order:
            in_slots = tuple(slot_of[t] for t in op._inputs)
            if isinstance(op, FusedNode):
                s = new_slot()
                for t in op._outputs + op.aliases:
                    slot_of[t] = s
                steps_spec.append((op, op.bind(bind_kernel, ctx), in_slots, (s,)))
                continue
            if op._type in ("Const",) and "value" in op._attrs:
                value = op._attrs["value"]
                s = slot_of[op._outputs[0]] = new_slot()
                constants[s] = _read_only(value)
                continue
            stateful = op_registry.is_stateful(op._type) or op._type in op_registry.NEVER_FOLD or \
                any(t._dtype.is_ref_dtype for t in op._inputs)
            if not stateful:
                key = _cse_key(op, in_slots)
                if key is not None:
                    twin = cse.get(key)
                    if twin is not None:
                        for a, b in zip(op._outputs, twin._outputs):
                            slot_of[a] = slot_of[b]
                        continue
                    cse[key] = op
            kernel = bind_kernel(op, ctx)
            out_slots = tuple(new_slot() for _ in op._outputs)
            for t, s in zip(op._outputs, out_slots):
                slot_of[t] = s
            if not stateful and in_slots and all(s in constants for s in in_slots):
                folded = self._try_fold(op, kernel, [constants[s] for s in in_slots])
                if folded is not None:
                    for s, v in zip(out_slots, folded):
                        constants[s] = _read_only(v)
                    continue
            steps_spec.append((op, kernel, in_slots, out_slots))

        self.nslots = nslots
        self.fetch_slots = [slot_of[t] for t in self.fetch_tensors]
        self.fetch_refs = [t._dtype.is_ref_dtype for t in self.fetch_tensors]
        self.constants = constants
        self._compile(steps_spec, constants)

    @staticmethod
    def _try_fold(op: Operation, kernel: Callable, values: list) -> list | None:
        try:
            with np.errstate(all="ignore"):
                out = kernel(*values)
        except Exception:  # errors surface at run time, with the op named
            return None
        outs = [out] if len(op._outputs) == 1 else list(out)
        if any(getattr(v, "size", 1) > _FOLD_MAX_ELEMENTS for v in outs):
            return None
        return outs

    def _compile(self, steps_spec: list, constants: dict) -> None:
        """Turns specs into closures; constants are bound into them, not read from slots."""
        last_use: dict[int, int] = {}
        for i, (_, _, ins, _) in enumerate(steps_spec):
            for s in ins:
                last_use[s] = i
        keep = set(self.fetch_slots)
        steps, self._step_ops = [], {}
        for i, (op, kernel, ins, outs) in enumerate(steps_spec):
            frees = tuple(s for s in ins if last_use.get(s) == i and s not in keep
                          and s not in constants and _worth_freeing(op, ins, s))
            step = _make_step(kernel, ins, outs, constants, frees)
            self._step_ops[step] = (op, ins)
            steps.append(step)
        self.steps = steps
        template = [None] * self.nslots
        for s, v in constants.items():
            template[s] = v
        self.template = template

    # -- running --------------------------------------------------------------------------
    def run(self, feed_values: Sequence) -> list:
        """Runs the steps with ``feed_values`` (already validated) in feed order."""
        vals = self.template[:]
        for s, v in zip(self.feed_slots, feed_values):
            vals[s] = v
        step = None
        try:
            for step in self.steps:
                step(vals)
        except Exception as e:
            op, ins = self._step_ops[step]
            raise op_error(op, e, [vals[s] for s in ins]) from e
        return self._outputs(vals)

    def run_instrumented(self, feed_values: Sequence, step_stats=None,
                         deadline: float | None = None) -> list:
        """``run`` with per-op timing into a ``StepStats`` and/or a deadline (RunOptions).

        A separate loop so the plain path pays nothing for tracing.
        """
        vals = self.template[:]
        for s, v in zip(self.feed_slots, feed_values):
            vals[s] = v
        node_stats = None
        if step_stats is not None:
            dev = step_stats.dev_stats.add(device="/job:localhost/replica:0/task:0/device:CPU:0")
            node_stats = dev.node_stats
        thread_id = threading.get_ident() & 0xFFFFFFFF
        for step in self.steps:
            op, ins = self._step_ops[step]
            start = time.time()
            try:
                step(vals)
            except Exception as e:
                raise op_error(op, e, [vals[s] for s in ins]) from e
            end = time.time()
            if node_stats is not None:
                micros = int((end - start) * 1e6)
                node_stats.add(node_name=op.name, all_start_micros=int(start * 1e6),
                               op_start_rel_micros=0, op_end_rel_micros=micros,
                               all_end_rel_micros=micros, thread_id=thread_id,
                               timeline_label=f"{op.name} = {op.type}("
                                              f"{', '.join(t.name for t in op.inputs)})")
            if deadline is not None and end > deadline:
                raise errors.DeadlineExceededError(
                    None, op, f"Timed out waiting for the step to finish (deadline exceeded "
                              f"after op '{op.name}')")
        return self._outputs(vals)

    def _outputs(self, vals: list) -> list:
        out = [vals[s] for s in self.fetch_slots]
        if any(self.fetch_refs):
            out = [state_ops.deref(v) if is_ref else v for v, is_ref in zip(out, self.fetch_refs)]
        return out


def bind_kernel(op: Operation, ctx: KernelContext) -> Callable:
    """The op's kernel bound to its attrs, with ref inputs dereferenced and a one-element
    list output unwrapped (both executors bind kernels this way)."""
    factory = op_registry.KERNELS.get(op._type)
    if factory is None:
        raise errors.NotFoundError(
            None, op, f"No registered kernel for op type '{op._type}' (node {op.name}, "
                      f"defined at {op.where()}).")
    try:
        kernel = factory(op, ctx)
    except errors.OpError as e:
        raise op_error(op, e) from None
    ref_positions = _deref_positions(op)
    if ref_positions:
        kernel = _dereferencing(kernel, ref_positions)
    if len(op._outputs) == 1 and is_list_output(op._op_def):
        kernel = _first_of(kernel)  # list-typed outputs come back as sequences
    return kernel


def _deref_positions(op: Operation) -> tuple:
    """Inputs that receive a ``*_ref`` tensor through a non-ref argument (auto-deref)."""
    if not any(t._dtype.is_ref_dtype for t in op._inputs):
        return ()
    flags = []
    for arg in op._op_def.input_arg:
        if arg.number_attr:
            flags.extend([arg.is_ref] * op._attrs[arg.number_attr])
        elif arg.type_list_attr:
            flags.extend([arg.is_ref] * len(op._attrs[arg.type_list_attr]))
        else:
            flags.append(arg.is_ref)
    return tuple(i for i, (t, is_ref) in enumerate(zip(op._inputs, flags))
                 if t._dtype.is_ref_dtype and not is_ref)


def _first_of(kernel: Callable) -> Callable:
    def first(*args):
        return kernel(*args)[0]
    return first


def _dereferencing(kernel: Callable, positions: tuple) -> Callable:
    def deref_kernel(*args):
        args = list(args)
        for i in positions:
            args[i] = state_ops.deref(args[i])
        return kernel(*args)
    return deref_kernel


def _read_only(value: Any) -> Any:
    if isinstance(value, np.ndarray) and value.flags.writeable:
        value = value.view()
        value.flags.writeable = False
    return value


def _worth_freeing(op: Operation, ins: tuple, slot: int) -> bool:
    for t, s in zip(op._inputs, ins):
        if s == slot:
            n = t._shape.num_elements()
            return n is None or n * max(t._dtype.size, 1) >= _FREE_THRESHOLD_BYTES
    return True


def _make_step(kernel: Callable, ins: tuple, outs: tuple, constants: dict,
               frees: tuple) -> Callable:
    """A closure ``step(vals)`` specialised by arity, with constant inputs pre-bound."""
    n_out = len(outs)
    args = [("c", constants[s]) if s in constants else ("s", s) for s in ins]
    if n_out == 1 and not frees:
        o = outs[0]
        if not args:
            def step(v):
                v[o] = kernel()
        elif len(args) == 1 and args[0][0] == "s":
            a = args[0][1]

            def step(v):
                v[o] = kernel(v[a])
        elif len(args) == 2 and args[0][0] == "s" and args[1][0] == "s":
            a, b = args[0][1], args[1][1]

            def step(v):
                v[o] = kernel(v[a], v[b])
        elif len(args) == 2 and args[0][0] == "s":
            a, cb = args[0][1], args[1][1]

            def step(v):
                v[o] = kernel(v[a], cb)
        elif len(args) == 2 and args[1][0] == "s":
            ca, b = args[0][1], args[1][1]

            def step(v):
                v[o] = kernel(ca, v[b])
        else:
            step = _general_step(kernel, args, outs, frees)
        return step
    return _general_step(kernel, args, outs, frees)


def _general_step(kernel: Callable, args: list, outs: tuple, frees: tuple) -> Callable:
    n_out = len(outs)
    getters = [(kind == "s", x) for kind, x in args]

    def step(v):
        result = kernel(*[v[x] if is_slot else x for is_slot, x in getters])
        if n_out == 1:
            v[outs[0]] = result
        elif n_out:
            for o, r in zip(outs, result):
                v[o] = r
        for s in frees:
            v[s] = None
    return step
