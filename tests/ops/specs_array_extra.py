"""Test rows for Split/SplitV, Tile, Pad/PadV2/MirrorPad, Range/LinSpace and ClipByValue.

Rows whose paddings, multiples or sizes are fed (not constants) exercise the dynamic
shape functions and gradient paths; the others get static shapes and constant graphs.
"""
from __future__ import annotations

import numpy as np

import sessionflow as tf
from sessionflow.graph.op_builder import apply_op

from .op_spec import Arg, OpSpec


def _fixed(value, dtype: str = "int32") -> Arg:
    """A fed, non-differentiable input with a fixed value (keeps the graph dynamic)."""
    return Arg(np.shape(value), dtype, value=value, diff=False)


def _np_range(start, limit, delta):
    return start + np.arange(int(np.ceil((limit - start) / delta)), dtype=start.dtype) * delta


_PADS = [[1, 2], [0, 3]]
_MIRROR_PADS = [[2, 1], [1, 0], [0, 2]]

# Why rows are exempt from the unknown-rank gradient sweep's rank-0 or empty inputs.
_SPLIT_AXIS = "TF: -input rank(-0) <= split_dim < input rank (0) (no axis to split a scalar on)"
_PER_DIM = "TF: paddings / multiples have one row per input dimension, a scalar has none"
_MIRROR_EMPTY = "TF: mirror paddings must be less than (REFLECT) or no greater than (SYMMETRIC) " \
    "the dimension size, which an empty dimension is not"

SPECS: list[OpSpec] = [
    OpSpec("Split", lambda x: tf.split(x, 3, axis=1), [Arg([2, 6])],
           lambda x: np.split(x, 3, 1), rank0=_SPLIT_AXIS),
    OpSpec("Split", lambda x, axis: tf.split(x, 2, axis), [Arg([4, 3]), _fixed(-2)],
           lambda x, axis: np.split(x, 2, 0), name="Split_fed_axis", rank0=_SPLIT_AXIS),
    OpSpec("SplitV", lambda x: tf.split(x, [1, -1, 2], 1), [Arg([3, 5])],
           lambda x: np.split(x, [1, 3], 1), rank0=_SPLIT_AXIS),
    OpSpec("SplitV", lambda x, sizes: tf.split(x, sizes, axis=0, num=3),
           [Arg([5, 2]), _fixed([2, 0, 3])], lambda x, sizes: np.split(x, [2, 2], 0),
           name="SplitV_fed_sizes", rank0=_SPLIT_AXIS,
           empty=[Arg([0, 2]), _fixed([0, 0, 0])]),
    OpSpec("Tile", lambda x: tf.tile(x, [2, 1, 3]), [Arg([2, 3, 1])],
           lambda x: np.tile(x, [2, 1, 3]), rank0=_PER_DIM),
    OpSpec("Tile", tf.tile, [Arg([3, 2]), _fixed([2, 3])], np.tile, name="Tile_fed_multiples",
           rank0=_PER_DIM),
    OpSpec("Pad", lambda x: tf.pad(x, _PADS), [Arg([2, 3])], lambda x: np.pad(x, _PADS),
           rank0=_PER_DIM),
    OpSpec("Pad", tf.pad, [Arg([2, 3]), _fixed(_PADS)], np.pad, name="Pad_fed_paddings",
           rank0=_PER_DIM),
    OpSpec("PadV2", lambda x, c: tf.pad(x, [[1, 0], [2, 1]], constant_values=c),
           [Arg([2, 3]), Arg([], diff=False)],
           lambda x, c: np.pad(x, [[1, 0], [2, 1]], constant_values=c), rank0=_PER_DIM),
    OpSpec("MirrorPad", lambda x: tf.pad(x, _MIRROR_PADS, mode="REFLECT"), [Arg([3, 2, 4])],
           lambda x: np.pad(x, _MIRROR_PADS, mode="reflect"), rank0=_PER_DIM,
           empty=_MIRROR_EMPTY),
    OpSpec("MirrorPad", lambda x: tf.pad(x, _MIRROR_PADS, mode="SYMMETRIC"), [Arg([3, 2, 4])],
           lambda x: np.pad(x, _MIRROR_PADS, mode="symmetric"), name="MirrorPad_symmetric",
           rank0=_PER_DIM, empty=_MIRROR_EMPTY),
    OpSpec("MirrorPad", lambda x, p: tf.pad(x, p, mode="REFLECT"),
           [Arg([4, 3]), _fixed([[3, 1], [2, 2]])],
           lambda x, p: np.pad(x, p, mode="reflect"), name="MirrorPad_fed_paddings",
           rank0=_PER_DIM, empty=_MIRROR_EMPTY),
    OpSpec("MirrorPad", lambda x, p: tf.pad(x, p, mode="SYMMETRIC"),
           [Arg([4, 3]), _fixed(np.array([[0, 4], [3, 1]], np.int64), "int64")],
           lambda x, p: np.pad(x, p, mode="symmetric"), name="MirrorPad_symmetric_fed_int64",
           rank0=_PER_DIM, empty=_MIRROR_EMPTY),
    OpSpec("Range", tf.range, [_fixed(10), _fixed(-3), _fixed(-4)],
           lambda *_: np.arange(10, -3, -4, dtype=np.int32), grad=False),
    OpSpec("Range", tf.range,
           [_fixed(0.3, "float32"), _fixed(7.0, "float32"), _fixed(0.7, "float32")],
           _np_range, grad=False, name="Range_float"),
    OpSpec("Range", lambda: tf.range(2, 11, 3), [], lambda: np.arange(2, 11, 3, dtype=np.int32),
           grad=False, name="Range_constant"),
    OpSpec("LinSpace", tf.linspace, [_fixed(-1.5, "float32"), _fixed(2.0, "float32"),
                                     _fixed(6)],
           lambda a, b, n: np.linspace(-1.5, 2.0, 6).astype(np.float32), grad=False),
    OpSpec("ClipByValue", lambda t, lo, hi: apply_op("ClipByValue", [t, lo, hi]),
           [Arg([3, 4]), Arg([], low=-1.0, high=-0.2), Arg([3, 4], low=0.2, high=1.0)],
           lambda t, lo, hi: np.clip(t, lo, hi)),
]

EXEMPT: dict[str, str] = {}
