"""Control-flow-v1 (Switch/Merge/Enter/Exit/NextIteration/LoopCond/ControlTrigger, and the
StackV2 ops of v1 loop gradients) rows, and the tf.compat.v1-style builders they and
test_control_flow_v1.py share."""
from __future__ import annotations

import numpy as np

import sessionflow as tf
from sessionflow.graph.serialization.graph_io import update_input
from sessionflow.graph.op_builder import apply_op

from .op_spec import Arg, OpSpec


def v1_cond(pred, x, true_fn, false_fn):
    """TF1's cond lowering: Switch the input on ``pred``, Merge the two branch results."""
    x_false, x_true = apply_op("Switch", [x, pred], name="cond/Switch")
    return apply_op("Merge", [[false_fn(x_false), true_fn(x_true)]], name="cond/Merge")


def v1_while(n, x, name: str = "while"):
    """TF1's while_loop lowering of ``i, x = 0, x; while i < n: i, x = i + 1, 1.5 * x + 1``.

    Returns the two Exit tensors (i, x). Constants in the body hang off the pivot (the
    Identity after Switch) by a control edge, as TF's WhileContext makes them.
    """
    frame = f"{name}/while_context"
    with tf.name_scope(name):
        enters = [apply_op("Enter", [v], {"frame_name": frame}, name="Enter")
                  for v in (tf.constant(0), x)]
        n_in = apply_op("Enter", [n], {"frame_name": frame, "is_constant": True},
                        name="Less/Enter")
        merges = [apply_op("Merge", [[e, e]], name="Merge")[0] for e in enters]
        pred = apply_op("LoopCond", [tf.less(merges[0], n_in)], name="LoopCond")
        switches = [apply_op("Switch", [m, pred], name="Switch") for m in merges]
        i, v = [tf.identity(s[1], name="Identity") for s in switches]
        with tf.control_dependencies([i.op]):
            nexts = [apply_op("NextIteration", [t], name="NextIteration")
                     for t in (i + 1, v * 1.5 + 1.0)]
        for m, nxt in zip(merges, nexts):
            update_input(m.op, 1, nxt)   # close the loop: Merge's back edge
        return [apply_op("Exit", [s[0]], name="Exit") for s in switches]


def while_ref(n, x):
    """numpy reference of ``v1_while``."""
    i = 0
    while i < n:
        i, x = i + 1, x * 1.5 + 1.0
    return np.int32(i), x


def _cond(x, p):
    return v1_cond(p, x, lambda t: t * 3.0, lambda f: f - 2.0)


def _cond_ref(x, p):
    return (x * 3.0, np.int32(1)) if p else (x - 2.0, np.int32(0))


def _triggered(x):
    with tf.control_dependencies([apply_op("ControlTrigger", [], name="trigger")]):
        return tf.identity(x)


def stack_round_trip(size, x):
    """Pushes ``x`` on a fresh stack and pops it back (ordered by a control edge)."""
    handle = apply_op("StackV2", [size], {"elem_type": x.dtype}, name="stack")
    pushed = apply_op("StackPushV2", [handle, x], name="push")
    with tf.control_dependencies([pushed.op]):
        popped = apply_op("StackPopV2", [handle], {"elem_type": x.dtype}, name="pop")
    return [pushed, tf.reshape(popped, tf.shape(x)) * 2.0]


_PRED = Arg([], "bool", diff=False)
_TRIPS = Arg([], "int32", value=3, diff=False)
SPECS = [
    OpSpec("Switch", lambda x, p: _cond(x, p)[0], [Arg([2, 3]), _PRED],
           lambda x, p: _cond_ref(x, p)[0], grad=False),
    OpSpec("Merge", _cond, [Arg([3, 2]), Arg([], "bool", diff=False, value=False)], _cond_ref,
           grad=False),
    OpSpec("Enter", v1_while, [_TRIPS, Arg([2, 3])], while_ref, grad=False),
    OpSpec("Exit", v1_while, [_TRIPS, Arg([3, 2])], while_ref, grad=False),
    OpSpec("NextIteration", v1_while, [Arg([], "int32", value=0, diff=False), Arg([4, 1])],
           while_ref, grad=False, name="NextIteration_zero_trips"),
    OpSpec("LoopCond", v1_while, [Arg([], "int32", value=5, diff=False), Arg([1, 5])],
           while_ref, grad=False),
    OpSpec("StackV2", stack_round_trip, [Arg([], "int32", value=-1, diff=False), Arg([2, 3])],
           lambda n, x: [x, x * 2.0], grad=False),
    OpSpec("StackPushV2", stack_round_trip, [Arg([], "int32", value=1, diff=False),
                                             Arg([3, 1])], lambda n, x: [x, x * 2.0], grad=False),
    OpSpec("StackPopV2", stack_round_trip, [Arg([], "int32", value=4, diff=False),
                                            Arg([1, 4], "float64")],
           lambda n, x: [x, x * 2.0], grad=False),
    OpSpec("ControlTrigger", _triggered, [Arg([2, 5])], lambda x: x, grad=False),
]
_NO_V1_GRAD = ("gradient raises a LookupError naming the op (TF's rules need the Python "
               "cond/while contexts); tests/ops/test_control_flow_v1.py checks it")
EXEMPT = {t: _NO_V1_GRAD for t in ("Switch", "Merge", "Enter", "Exit", "NextIteration")}
