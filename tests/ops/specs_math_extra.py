"""Op table rows (see op_spec.py) for the math ops outside ops.pbtxt's list: Cumprod,
TruncateDiv and TruncateMod."""
from __future__ import annotations

import numpy as np

import sessionflow as tf

from .op_spec import Arg, OpSpec


def _cumprod_ref(x, axis, exclusive, reverse):
    y = np.flip(x, axis) if reverse else x
    out = np.cumprod(y, axis)
    if exclusive:
        out = np.cumprod(np.concatenate([np.ones_like(np.take(y, [0], axis)),
                                         np.delete(y, -1, axis)], axis), axis)
    return np.flip(out, axis) if reverse else out


_NUMERATORS = Arg([6], "int32", value=[7, -7, 7, -7, 0, 5])
_DIVISORS = Arg([6], "int32", value=[2, 2, -2, -2, 3, 5])

SPECS: list[OpSpec] = [
    OpSpec("Cumprod", lambda x: tf.math.cumprod(x, 1), [Arg([3, 4], low=0.5, high=2)],
           lambda x: _cumprod_ref(x, 1, False, False),
           rank0="TF: a scalar has no scan axis 1"),
    OpSpec("Cumprod", lambda x: tf.math.cumprod(x, 0, exclusive=True, reverse=True),
           [Arg([4, 3], low=0.5, high=2)], lambda x: _cumprod_ref(x, 0, True, True),
           name="Cumprod_exclusive_reverse", rank0="TF: a scalar has no scan axis 0"),
    OpSpec("TruncateDiv", tf.truncatediv, [_NUMERATORS, _DIVISORS],
           lambda x, y: np.trunc(x / y).astype(np.int32), grad=False),
    OpSpec("TruncateDiv", tf.truncatediv, [Arg([4]), Arg([4], low=0.5, high=2)],
           lambda x, y: np.trunc(x / y), grad=False, name="TruncateDiv_float"),
    OpSpec("TruncateMod", tf.truncatemod, [_NUMERATORS, _DIVISORS], np.fmod, grad=False),
    OpSpec("TruncateMod", tf.truncatemod, [Arg([4]), Arg([4], low=0.5, high=2)], np.fmod,
           grad=False, name="TruncateMod_float"),
]

EXEMPT: dict[str, str] = {}
