"""Static plans: prune, fold, order and slot a graph once; run it as one tight loop.

A ``StaticPlan`` is built per (graph version, feeds, fetches, targets). Building prunes to
what the fetches need (stopping at fed tensors), folds stateless ops whose inputs are all
constant, merges duplicate stateless ops (CSE), orders the rest topologically, binds
each op's kernel, and records each slot's last use so large values are freed early.
Running is a plain loop over prepared step closures.  (``make_plan`` chooses between this
and the dataflow executor.)
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from ...graph import errors, op_registry
from ...graph.core import Operation, Tensor
from ...ops.framework.kernel_binding import KernelContext, bind_kernel, op_error
from ...ops.state import state_ops
from .remapper import FusedNode, remap

# Values at least this large (bytes) are freed after their last use; tiny ones are
# left for the end of the run, which is cheaper than freeing them one by one.
_FREE_THRESHOLD_BYTES = 1 << 16
# Folding stops for results larger than this many elements (keeps plans small).
_FOLD_MAX_ELEMENTS = 1 << 20


class ShapeFacts(NamedTuple):
    """What concrete feed shapes determine in a plan: tensors' values, ops that pass their
    input 0 through unchanged, tensors' refined static shapes, and the copies of stateless
    ops carrying those shapes (their kernels are bound on the copies, so they specialise
    on the refined shapes as on static ones)."""
    values: dict
    identities: set
    shapes: dict
    twins: dict


_NO_FACTS = ShapeFacts({}, set(), {}, {})


def signature_ops(fetch_tensors: Sequence[Tensor], target_ops: Sequence[Operation],
                  fed: set) -> list[Operation]:
    """The ops a signature must run: the producers of unfed fetches, then the targets."""
    return [t._op for t in fetch_tensors if t not in fed] + list(target_ops)


def never_folds(op: Operation) -> bool:
    """Ops a plan never folds, merges or replaces by plan-time values."""
    return op_registry.is_stateful(op._type) or op._type in op_registry.NEVER_FOLD or \
        any(t._dtype.is_ref_dtype for t in op._inputs)


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


class StaticPlan:
    """A compiled (feeds, fetches, targets) signature of one graph version, run as a
    fixed list of steps."""

    def __init__(self, graph, feed_tensors: Sequence[Tensor], fetch_tensors: Sequence[Tensor],
                 target_ops: Sequence[Operation], ctx: KernelContext,
                 facts: ShapeFacts | None = None):
        """``facts``: what the concrete shapes of the feeds determine (a shape-specialised
        plan's); known values become constants, identities aliases."""
        self.graph = graph
        self.feed_tensors = list(feed_tensors)
        self.fetch_tensors = list(fetch_tensors)
        self.target_ops = list(target_ops)
        fed = set(feed_tensors)
        self.pruned_ops = ops = prune(signature_ops(fetch_tensors, target_ops, fed), fed)
        facts = facts or _NO_FACTS
        with ctx.building(ops + list(facts.twins.values())):
            self._build(remap(ops, fed, fetch_tensors), fed, ctx, facts)

    # -- building -------------------------------------------------------------------------
    def _build(self, order: list[Operation], fed: set, ctx: KernelContext,
               facts: ShapeFacts) -> None:
        known_values, identities = facts.values, facts.identities
        fetched = set(self.fetch_tensors)
        self._shapes = facts.shapes
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
            stateful = never_folds(op)
            if op in identities and not stateful and op._outputs[0] not in fetched:
                slot_of[op._outputs[0]] = in_slots[0]   # (a fetch stays its own array)
                continue
            if not stateful:
                key = _cse_key(op, in_slots)
                if key is not None:
                    twin = cse.get(key)
                    if twin is not None:
                        for a, b in zip(op._outputs, twin._outputs):
                            slot_of[a] = slot_of[b]
                        continue
                    cse[key] = op
            if not stateful and op._outputs and all(t in known_values for t in op._outputs):
                for t in op._outputs:
                    s = slot_of[t] = new_slot()
                    constants[s] = _read_only(known_values[t])
                continue
            kernel = bind_kernel(facts.twins.get(op, op), ctx)
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
                          and s not in constants and self._worth_freeing(op, ins, s))
            step = _make_step(kernel, ins, outs, constants, frees)
            self._step_ops[step] = (op, ins)
            steps.append(step)
        self.steps = steps
        template = [None] * self.nslots
        for s, v in constants.items():
            template[s] = v
        self.template = template

    def _worth_freeing(self, op: Operation, ins: tuple, slot: int) -> bool:
        for t, s in zip(op._inputs, ins):
            if s == slot:
                n = self._shapes.get(t, t._shape).num_elements()
                return n is None or n * max(t._dtype.size, 1) >= _FREE_THRESHOLD_BYTES
        return True

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
            raise _step_error(op, e, [vals[s] for s in ins]) from e
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
        peak = 0
        held = _buffers(vals) if node_stats is not None else {}
        for step in self.steps:
            op, ins = self._step_ops[step]
            start = time.time()
            try:
                step(vals)
            except Exception as e:
                raise _step_error(op, e, [vals[s] for s in ins]) from e
            end = time.time()
            if node_stats is not None:
                micros = int((end - start) * 1e6)
                after = _buffers(vals)
                # During the step its inputs and its new outputs were both held.
                during = sum(held.values()) + sum(n for b, n in after.items() if b not in held)
                held, live = after, sum(after.values())
                peak = max(peak, during)
                stats = node_stats.add(node_name=op.name, all_start_micros=int(start * 1e6),
                                       op_start_rel_micros=0, op_end_rel_micros=micros,
                                       all_end_rel_micros=micros, thread_id=thread_id,
                                       timeline_label=f"{op.name} = {op.type}("
                                                      f"{', '.join(t.name for t in op.inputs)})")
                stats.memory.add(allocator_name="cpu", live_bytes=live, peak_bytes=peak,
                                 allocator_bytes_in_use=live)
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


def _buffers(vals: list) -> dict[int, int]:
    """The buffers the run's values hold (id -> bytes; each buffer once, views by their
    base), for traced runs' memory stats (TF's allocator bytes in use and peak)."""
    buffers = {}
    for v in vals:
        while isinstance(v, np.ndarray) and v.base is not None:
            v = v.base
        if isinstance(v, np.ndarray):
            buffers[id(v)] = v.nbytes
    return buffers


def _step_error(op: Any, exc: BaseException, input_values: list) -> errors.OpError:
    """``op_error`` for a step; a fused step's error carries the chain's first op."""
    return op_error(op, exc, input_values, op.chain[0] if isinstance(op, FusedNode) else op)


def _read_only(value: Any) -> Any:
    if isinstance(value, np.ndarray) and value.flags.writeable:
        value = value.view()
        value.flags.writeable = False
    return value


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
