"""Functional control flow (If/While/PartitionedCall) rows; behaviour tests live in
test_control_flow.py."""
import numpy as np

import sessionflow as tf
from sessionflow.ops.control_flow import control_flow_ops

from .op_spec import Arg, OpSpec


def _stateful_branch(x):
    with tf.control_dependencies([tf.Assert(tf.reduce_all(tf.is_finite(x)), [x])]):
        return x * 3.0


def _while(x):
    return tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * 1.5 + 1.0),
                         [tf.constant(0), x])[1]


def _stateful_while(x):
    def body(i, a):
        with tf.control_dependencies([tf.Assert(i < 10, [i])]):
            return i + 1, a * 1.5 + 1.0
    return tf.while_loop(lambda i, a: i < 3, body, [tf.constant(0), x])[1]


def _while_ref(x):
    for _ in range(3):
        x = x * 1.5 + 1.0
    return x


def _call(stateful):
    def build(x, y):
        fn = (lambda a, b: _stateful_branch(a) * b) if stateful else (lambda a, b: tf.sin(a) * b)
        return control_flow_ops.call_function(fn, [x, y])[0]
    return build


SPECS = [
    OpSpec("StatelessIf", lambda p, x: tf.cond(p, lambda: tf.sin(x) * x, lambda: x * x),
           [Arg([], "bool", diff=False), Arg([2, 3])],
           lambda p, x: np.sin(x) * x if p else x * x, grad2=True),
    OpSpec("If", lambda p, x: tf.cond(p, lambda: _stateful_branch(x), lambda: tf.exp(x)),
           [Arg([], "bool", diff=False), Arg([3, 2])],
           lambda p, x: x * 3.0 if p else np.exp(x), rtol=1e-5),
    OpSpec("StatelessWhile", _while, [Arg([2, 3])], _while_ref),
    OpSpec("While", _stateful_while, [Arg([3, 2])], _while_ref),
    OpSpec("PartitionedCall", _call(False), [Arg([2, 3]), Arg([2, 3])],
           lambda x, y: np.sin(x) * y, grad2=True),
    OpSpec("StatefulPartitionedCall", _call(True), [Arg([3, 2]), Arg([3, 2])],
           lambda x, y: x * 3.0 * y),
]
EXEMPT: dict[str, str] = {}
