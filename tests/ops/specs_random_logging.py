"""Test rows for the random ops and the logging/debugging ops.

Random rows use fixed op seeds, so the known-shape and unknown-shape graphs (built the
same way, so with the same seeds) must give identical values; their distributions are
checked in test_random_ops.py. Assert and PrintV2 have no outputs, so they are covered
by test_logging_ops.py instead of a row.
"""
from __future__ import annotations

import numpy as np

import sessionflow as tf
from sessionflow.ops.debug.logging_ops import string_format

from .op_spec import Arg, OpSpec

SHAPE = Arg([2], dtype="int32", value=[3, 5], diff=False)


def _normal(dtype):
    return lambda shape: tf.random_normal(shape, dtype=dtype, seed=7)


SPECS: list[OpSpec] = [
    OpSpec("RandomStandardNormal", _normal(tf.float32), [SHAPE], None, grad=False),
    OpSpec("RandomStandardNormal", _normal(tf.float16), [SHAPE], None, grad=False,
           name="RandomStandardNormal_f16"),
    OpSpec("RandomStandardNormal", _normal(tf.float64), [SHAPE], None, grad=False,
           name="RandomStandardNormal_f64"),
    OpSpec("TruncatedNormal", lambda s: tf.truncated_normal(s, 1.0, 2.0, seed=3), [SHAPE],
           None, grad=False),
    OpSpec("RandomUniform", lambda s: tf.random_uniform(s, seed=5), [SHAPE], None, grad=False),
    OpSpec("RandomUniform", lambda s: tf.random_uniform(s, -2.0, 3.0, tf.float64, seed=5),
           [SHAPE], None, grad=False, name="RandomUniform_range_f64"),
    OpSpec("RandomUniformInt",
           lambda s, lo, hi: tf.random_uniform(s, lo, hi, dtype=tf.int32, seed=9),
           [SHAPE, Arg([], "int32", value=-3), Arg([], "int32", value=9)], None, grad=False),
    OpSpec("RandomUniformInt", lambda s: tf.random_uniform(s, 0, 7, dtype=tf.int64, seed=9),
           [Arg([2], dtype="int64", value=[4, 2])], None, grad=False,
           name="RandomUniformInt_i64"),
    OpSpec("CheckNumerics", lambda x: tf.check_numerics(x, "x is bad"), [Arg([3, 4])],
           lambda x: x, grad2=True),
    # Reshaped to [1]: Session.run returns a scalar string as bytes, which op_spec's dtype
    # check reads as numpy's |S type rather than the string dtype's object arrays.
    OpSpec("StringFormat", lambda x, y: tf.reshape(string_format("x={} y={}", [x, y]), [1]),
           [Arg([2, 3], "int32", value=[[1, 2, 3], [4, 5, 6]]),
            Arg([7], "float32", value=[0.5, 1, 2, 3, 4, 5, 6])],
           lambda x, y: np.array([b"x=[[1 2 3]\n [4 5 6]] y=[0.5 1 2 ... 4 5 6]"], dtype=object),
           grad=False),
]

EXEMPT: dict[str, str] = {
    "Assert": "no outputs; tests/ops/test_logging_ops.py (pass, failure messages, summarize)",
    "PrintV2": "no outputs; tests/ops/test_logging_ops.py (streams captured with capsys)",
}
