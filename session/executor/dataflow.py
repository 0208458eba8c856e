"""TF's dataflow executor for control-flow-v1 graphs: dead tensors, frames and iterations.

A plan whose pruned ops include Switch/Merge/Enter/Exit/NextIteration/LoopCond/
ControlTrigger runs here instead of as a static step list. Values are tagged with
(frame instance, iteration); a node fires once per tag when all its inputs (Merge: one
live input, or every forward input dead) have arrived. Semantics follow TF's executor:

- Switch forwards ``data`` to port ``pred`` and sends a dead tensor to the other port.
- A node with a dead data input (or a control input from a dead node) does not run; all
  its outputs are dead. Merge forwards its first live input and its index instead; it is
  dead only when every non-back-edge input is dead. ControlTrigger always runs live.
- Enter moves a value into the child frame ``frame_name`` (one instance per parent frame
  and iteration) at iteration 0; an ``is_constant`` Enter is visible in every iteration.
  NextIteration moves a live value to the next iteration (a dead one stops there). Exit
  returns a live value to the parent frame; an Exit that never saw a live value is
  propagated dead once its frame can make no more progress (a wholly dead loop).

A single-threaded ready queue runs everything; loops end through their own predicates.
"""
from __future__ import annotations

import collections
import threading
import time
from typing import Any, Callable, Sequence

import numpy as np

from ...graph import errors
from ...graph.core import Operation, Tensor
from ...ops.control_flow.control_flow_v1_ops import CONTROL_FLOW_V1_TYPES
from ...ops.framework.kernel_binding import KernelContext, bind_kernel, op_error
from ...ops.state import state_ops
from .plan import signature_ops

DEAD = object()  # the dead-tensor marker (a value that must never reach a kernel)


def uses_control_flow_v1(fetch_ops: Sequence[Operation], fed: set) -> bool:
    """Whether any op needed for ``fetch_ops`` (not crossing fed tensors) is a v1 control op."""
    return any(op._type in CONTROL_FLOW_V1_TYPES for op in _needed(fetch_ops, fed))


def _needed(fetch_ops: Sequence[Operation], fed: set) -> list[Operation]:
    """The ops the fetches need, in creation order (cycles through back edges are fine)."""
    seen: set = set()
    stack = list(fetch_ops)
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        stack.extend(t._op for t in op._inputs if t not in fed)
        stack.extend(op._control_inputs)
    return sorted(seen, key=lambda o: o._id)


class _Node:
    """Static facts about one op: kernel, fan-in counts and where its outputs go."""

    __slots__ = ("op", "index", "kind", "kernel", "n_pending", "n_forward", "fed_inputs",
                 "out_edges", "ctrl_edges", "fetch_ports")

    def __init__(self, op: Operation, index: int):
        self.op = op
        self.index = index
        self.kind = op._type if op._type in CONTROL_FLOW_V1_TYPES else None
        self.kernel: Callable | None = None
        self.n_pending = 0          # data + control inputs that must arrive
        self.n_forward = 0          # Merge: inputs that are not loop back edges
        self.fed_inputs: list[tuple[int, int]] = []   # (input position, feed position)
        self.out_edges: list[list[tuple]] = [[] for _ in op._outputs]  # port -> (node, pos)
        self.ctrl_edges: list[_Node] = []
        self.fetch_ports: list[tuple[int, int]] = []  # (port, fetch index)


class _Frame:
    """One instance of a while-loop frame (the root frame has no parent)."""

    __slots__ = ("name", "parent", "parent_iter", "depth", "iterations", "loop_invs",
                 "children", "enters_seen", "live_exits", "dead_exits")

    def __init__(self, name: str, parent: "_Frame | None", parent_iter: int):
        self.name = name
        self.parent = parent
        self.parent_iter = parent_iter
        self.depth = 0 if parent is None else parent.depth + 1
        self.iterations: dict[int, dict] = {0: {}}   # iteration -> node index -> _Pending
        self.loop_invs: list[tuple] = []             # (enter node, value) for every iteration
        self.children: dict[tuple, _Frame] = {}      # (iteration, frame name) -> child
        self.enters_seen = 0
        self.live_exits: set = set()
        self.dead_exits: dict[int, _Node] = {}


class _Pending:
    """Inputs gathered so far for one node in one (frame, iteration)."""

    __slots__ = ("count", "dead", "inputs", "merge_index", "fired")

    def __init__(self, node: _Node, feeds: list):
        self.count = node.n_pending
        self.dead = 0
        self.inputs = [None] * len(node.op._inputs)
        for pos, feed in node.fed_inputs:
            self.inputs[pos] = feeds[feed]
        self.merge_index = -1
        if node.kind == "Merge" and node.fed_inputs:
            self.merge_index = node.fed_inputs[0][0]   # a fed input is live from the start
        self.fired = False


class DataflowPlan:
    """A compiled (feeds, fetches, targets) signature run by the dataflow interpreter."""

    def __init__(self, graph, feed_tensors: Sequence[Tensor], fetch_tensors: Sequence[Tensor],
                 target_ops: Sequence[Operation], ctx: KernelContext):
        self.graph = graph
        self.feed_tensors = list(feed_tensors)
        self.fetch_tensors = list(fetch_tensors)
        fed = set(feed_tensors)
        ops = _needed(signature_ops(fetch_tensors, target_ops, fed), fed)
        nodes = {op: _Node(op, i) for i, op in enumerate(ops)}
        self.nodes = list(nodes.values())
        self._enter_counts: collections.Counter = collections.Counter()
        feed_pos = {t: i for i, t in enumerate(self.feed_tensors)}
        for node in self.nodes:
            self._wire(node, nodes, feed_pos, ctx)
        self.sources = [n for n in self.nodes if n.n_pending == 0 and
                        (n.kind != "Merge" or n.fed_inputs)]
        frames = _static_frames(self.sources)
        self.fed_fetches = []     # (fetch index, feed position)
        for i, t in enumerate(self.fetch_tensors):
            if t in fed:
                self.fed_fetches.append((i, feed_pos[t]))
            else:
                _check_root_frame(nodes[t._op], t, frames)
                nodes[t._op].fetch_ports.append((t._value_index, i))

    def _wire(self, node: _Node, nodes: dict, feed_pos: dict, ctx: KernelContext) -> None:
        """Counts the node's fan-in and registers it as a consumer of its inputs' producers."""
        op = node.op
        for pos, t in enumerate(op._inputs):
            if t in feed_pos:
                node.fed_inputs.append((pos, feed_pos[t]))
                continue
            node.n_pending += 1
            if t._op._type != "NextIteration":
                node.n_forward += 1
            nodes[t._op].out_edges[t._value_index].append((node, pos))
        for c in op._control_inputs:
            node.n_pending += 1
            nodes[c].ctrl_edges.append(node)
        if node.kind == "Merge":
            node.n_pending = len(op._control_inputs)   # Merge waits for one data input
        if node.kind == "Enter":
            self._enter_counts[_frame_name(op)] += 1
        if node.kind is None:
            node.kernel = bind_kernel(op, ctx)

    # -- running --------------------------------------------------------------------------
    def run(self, feed_values: Sequence) -> list:
        """Runs the graph with ``feed_values`` (already validated) in feed order."""
        return _Run(self, feed_values, None, None).results()

    def run_instrumented(self, feed_values: Sequence, step_stats=None,
                         deadline: float | None = None) -> list:
        """``run`` with per-op timing into a ``StepStats`` and/or a deadline (RunOptions)."""
        node_stats = None
        if step_stats is not None:
            dev = step_stats.dev_stats.add(device="/job:localhost/replica:0/task:0/device:CPU:0")
            node_stats = dev.node_stats
        return _Run(self, feed_values, node_stats, deadline).results()


def _frame_name(op: Operation) -> str:
    name = op._attrs["frame_name"]
    return name.decode() if isinstance(name, bytes) else name


def _static_frames(sources: list[_Node]) -> dict[_Node, str]:
    """The while-loop frame name ("" = root) each node's outputs live in, inferred as TF's
    BuildControlFlowInfo does (Enter outputs are in the child frame, Exit's in the parent).

    Raises InvalidArgumentError when a node takes inputs from two frames (a value used in a
    loop without an Enter, or outside it without an Exit) or an Exit is in the root frame.
    """
    frame_of = {n: "" for n in sources}
    out_of: dict[_Node, str] = {}
    parent_of: dict[str, str] = {}
    queue = collections.deque(sources)
    while queue:
        node = queue.popleft()
        frame = out = frame_of[node]
        if node.kind == "Enter":
            out = _frame_name(node.op)
            if parent_of.setdefault(out, frame) != frame:
                raise _frame_error(node, parent_of[out], frame)
        elif node.kind == "Exit":
            if frame == "":
                raise errors.InvalidArgumentError(
                    None, node.op, f"Exit '{node.op.name}' is not inside a while-loop frame "
                                   "(its input comes from no Enter)")
            out = parent_of[frame]
        out_of[node] = out
        for dst in [d for edges in node.out_edges for d, _ in edges] + node.ctrl_edges:
            if dst not in frame_of:
                frame_of[dst] = out
                queue.append(dst)
            elif frame_of[dst] != out:
                raise _frame_error(dst, frame_of[dst], out)
    return out_of


def _frame_error(node: _Node, a: str, b: str) -> errors.InvalidArgumentError:
    name = lambda f: f"'{f}'" if f else "the root frame"  # noqa: E731
    return errors.InvalidArgumentError(
        None, node.op, f"Graph is invalid: '{node.op.name}' ({node.op.type}) has inputs from "
                       f"different frames: {name(a)} and {name(b)} (a loop value needs an "
                       "Enter to go into a while loop and an Exit to come out)")


def _check_root_frame(node: _Node, t: Tensor, frames: dict) -> None:
    """Only root-frame tensors can be fetched (TF has no single value for a loop tensor)."""
    frame = frames.get(node, "")
    if frame:
        raise errors.InvalidArgumentError(
            None, node.op, f"Cannot fetch '{t.name}': it is computed inside the while-loop "
                           f"frame '{frame}'; fetch a value that leaves the loop through Exit")


class _Run:
    """The state of one step: frames, pending inputs, the ready queue and fetched values."""

    def __init__(self, plan: DataflowPlan, feed_values: Sequence, node_stats, deadline):
        self.plan = plan
        self.feeds = list(feed_values)
        self.node_stats = node_stats
        self.deadline = deadline
        self.thread_id = threading.get_ident() & 0xFFFFFFFF
        self.root = _Frame("", None, 0)
        self.frames = [self.root]          # every live frame instance
        self.fetched: dict[int, Any] = {}
        self.ready: collections.deque = collections.deque()

    def results(self) -> list:
        for node in self.plan.sources:
            self.ready.append((node, self.root, 0, False, _Pending(node, self.feeds).inputs))
        while True:
            while self.ready:
                self._process(*self.ready.popleft())
            if not self._finish_frames():
                break
        return self._outputs()

    # -- scheduling -----------------------------------------------------------------------
    def _pending(self, frame: _Frame, it: int, node: _Node) -> _Pending:
        states = frame.iterations[it]
        state = states.get(node.index)
        if state is None:
            state = states[node.index] = _Pending(node, self.feeds)
        return state

    def _deliver(self, node: _Node, pos: int, value: Any, frame: _Frame, it: int) -> None:
        """Data input ``pos`` of ``node`` arrives (live or DEAD) in (frame, it)."""
        state = self._pending(frame, it, node)
        if state.fired:
            return
        if node.kind == "Merge":
            if value is DEAD:
                state.dead += 1
            elif state.merge_index < 0:
                state.merge_index = pos
                state.inputs[pos] = value
            self._maybe_fire_merge(node, state, frame, it)
            return
        state.inputs[pos] = value
        state.dead += value is DEAD
        state.count -= 1
        if state.count == 0:
            self._fire(node, state, frame, it)

    def _deliver_control(self, node: _Node, dead: bool, frame: _Frame, it: int) -> None:
        state = self._pending(frame, it, node)
        if state.fired:
            return
        state.count -= 1
        if node.kind == "Merge":
            self._maybe_fire_merge(node, state, frame, it)
            return
        state.dead += dead
        if state.count == 0:
            self._fire(node, state, frame, it)

    def _maybe_fire_merge(self, node: _Node, state: _Pending, frame: _Frame, it: int) -> None:
        if state.count == 0 and (state.merge_index >= 0 or state.dead >= node.n_forward):
            self._fire(node, state, frame, it)

    def _fire(self, node: _Node, state: _Pending, frame: _Frame, it: int) -> None:
        state.fired = True
        dead = state.dead > 0 and node.kind != "ControlTrigger"
        if node.kind == "Merge":
            dead = state.merge_index < 0
        inputs = state.inputs
        if node.kind == "Merge":
            inputs = [state.merge_index, inputs[state.merge_index]]
        state.inputs = None   # the fired marker stays; the values go with the ready entry
        self.ready.append((node, frame, it, dead, inputs))

    # -- executing ------------------------------------------------------------------------
    def _process(self, node: _Node, frame: _Frame, it: int, dead: bool, inputs: list) -> None:
        if dead:
            outputs = [DEAD] * len(node.op._outputs)
        else:
            start = time.time()
            try:
                outputs = self._compute(node, inputs)
            except Exception as e:
                raise op_error(node.op, e, inputs) from e
            self._record(node, start)
        self._propagate(node, frame, it, dead, outputs)

    def _compute(self, node: _Node, inputs: list) -> list:
        kind = node.kind
        if kind is None:
            out = node.kernel(*inputs)
            return [out] if len(node.op._outputs) == 1 else list(out)
        if kind == "Switch":
            return [DEAD, inputs[0]] if _predicate(inputs[1], "Switch") else [inputs[0], DEAD]
        if kind == "Merge":
            return [inputs[1], np.int32(inputs[0])]
        if kind == "LoopCond":
            _predicate(inputs[0], "LoopCond")
        if kind == "ControlTrigger":
            return []
        return [inputs[0]]

    def _record(self, node: _Node, start: float) -> None:
        end = time.time()
        op = node.op
        if self.node_stats is not None:
            micros = int((end - start) * 1e6)
            self.node_stats.add(node_name=op.name, all_start_micros=int(start * 1e6),
                                op_start_rel_micros=0, op_end_rel_micros=micros,
                                all_end_rel_micros=micros, thread_id=self.thread_id,
                                timeline_label=f"{op.name} = {op.type}("
                                               f"{', '.join(t.name for t in op.inputs)})")
        if self.deadline is not None and end > self.deadline:
            raise errors.DeadlineExceededError(
                None, op, f"Timed out waiting for the step to finish (deadline exceeded "
                          f"after op '{op.name}')")

    def _propagate(self, node: _Node, frame: _Frame, it: int, dead: bool,
                   outputs: list) -> None:
        """Sends outputs to consumers in the (frame, iteration) the op's kind selects."""
        kind = node.kind
        if kind == "Enter":
            self._enter(node, frame, it, outputs[0])
            return
        if kind == "Exit":
            if dead:
                frame.dead_exits[node.index] = node
                return
            frame.live_exits.add(node.index)
            frame, it = frame.parent, frame.parent_iter
        elif kind == "NextIteration":
            if dead:
                return  # a dead value ends the loop's deadness here, as in TF
            it = self._next_iteration(frame, it)
        self._emit(node, frame, it, dead, outputs)

    def _emit(self, node: _Node, frame: _Frame, it: int, dead: bool, outputs: list) -> None:
        """Records root-frame fetches, then hands the outputs to the consumers."""
        if frame is self.root:
            for port, index in node.fetch_ports:
                self.fetched[index] = outputs[port]
        self._activate(node, frame, it, dead, outputs)

    def _activate(self, node: _Node, frame: _Frame, it: int, dead: bool,
                  outputs: list) -> None:
        for port, edges in enumerate(node.out_edges):
            for dst, pos in edges:
                self._deliver(dst, pos, outputs[port], frame, it)
        for dst in node.ctrl_edges:
            self._deliver_control(dst, dead, frame, it)

    def _enter(self, node: _Node, frame: _Frame, it: int, value: Any) -> None:
        name = _frame_name(node.op)
        child = frame.children.get((it, name))
        if child is None:
            child = frame.children[(it, name)] = _Frame(name, frame, it)
            self.frames.append(child)
        child.enters_seen += 1
        if node.op._attrs.get("is_constant"):
            child.loop_invs.append((node, value))
            for child_it in list(child.iterations):
                self._activate(node, child, child_it, value is DEAD, [value])
        else:
            self._activate(node, child, 0, value is DEAD, [value])

    def _next_iteration(self, frame: _Frame, it: int) -> int:
        """Iteration ``it + 1`` of ``frame``, created (with its loop invariants) on first use."""
        nxt = it + 1
        if nxt not in frame.iterations:
            frame.iterations[nxt] = {}
            for enter, value in frame.loop_invs:
                self._activate(enter, frame, nxt, value is DEAD, [value])
        return nxt

    def _finish_frames(self) -> bool:
        """At quiescence, ends frames that can make no progress; True if that made work.

        A finished frame's Exits that never saw a live value become dead in the parent
        (TF's dead-exit propagation for loops that never ran live).
        """
        progressed = False
        for frame in sorted(self.frames, key=lambda f: -f.depth):
            if frame is self.root or frame.children or \
                    frame.enters_seen < self.plan._enter_counts[frame.name]:
                continue
            self.frames.remove(frame)
            del frame.parent.children[(frame.parent_iter, frame.name)]
            for index, node in frame.dead_exits.items():
                if index not in frame.live_exits:
                    self._emit(node, frame.parent, frame.parent_iter, True,
                               [DEAD] * len(node.op._outputs))
                    progressed = True
            if self.ready:
                return True
        return progressed

    def _outputs(self) -> list:
        out: list = [None] * len(self.plan.fetch_tensors)
        for i, feed in self.plan.fed_fetches:
            out[i] = self.feeds[feed]
        fed = {i for i, _ in self.plan.fed_fetches}
        for i, t in enumerate(self.plan.fetch_tensors):
            if i in fed:
                continue
            value = self.fetched.get(i, None)
            if value is DEAD:
                raise errors.InvalidArgumentError(
                    None, t._op, f"Retval[{i}] does not have value: fetched tensor "
                                 f"'{t.name}' is dead (it lies on an untaken Switch branch)")
            if i not in self.fetched:
                raise errors.InvalidArgumentError(
                    None, t._op, f"Retval[{i}] does not have value: tensor '{t.name}' was "
                                 f"never computed in the root frame (a tensor inside a while "
                                 f"loop, or malformed control flow)")
            if t._dtype.is_ref_dtype:
                value = state_ops.deref(value)
            out[i] = value
        return out


def _predicate(value: Any, op_type: str) -> bool:
    """A scalar bool predicate's truth; InvalidArgumentError for anything else."""
    if np.ndim(value) != 0:
        what = "The second input" if op_type == "Switch" else f"The {op_type} input"
        raise errors.InvalidArgumentError(
            None, None, f"{what} must be a scalar, but it has shape {list(np.shape(value))}")
    return bool(value)
