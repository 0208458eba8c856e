"""Records TensorFlow's values for calls of the names classify_missing_names.py marks as
aliases / thin wrappers sessionflow now provides (tests/data/tf1_core/alias_values.json).

Each case is a call on constants, described with shape_calls.py's forms and rebuilt by its
``build_call``; the record adds each returned tensor's dtype and value (complex values as
``{"re": [...], "im": [...]}``). tests/ops/test_missing_names.py replays them on
sessionflow. Run with a Python that has TensorFlow (never a dependency of sessionflow):
    /path/to/tf-venv/bin/python tools/tf_oracle/alias_values.py
"""
from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))   # the sibling modules

from shape_calls import DT, Call, Const, build_call, case, flatten  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "data", "tf1_core", "alias_values.json")

_M = Const([[3.0, -1.5, 2.0], [0.5, 4.0, -2.5]], "float32")
_I = Const([[3, 1, 2], [0, 5, -1]], "int32")
_V = Const([1.0, 2.0, 2.0, 3.5], "float32")
_STEP = Const(30, "int32")


def _cases() -> list[dict]:
    return [
        case("accumulate_n", "accumulate_n", [_M, _M, _M]),
        case("math.accumulate_n", "math.accumulate_n", [_V, _V]),
        case("is_non_decreasing", "is_non_decreasing", _V),
        case("is_strictly_increasing", "math.is_strictly_increasing", _V),
        case("debugging.is_non_decreasing", "debugging.is_non_decreasing",
             Const([3, 1], "int32")),
        case("arg_max", "arg_max", _M, 1),
        case("arg_min", "arg_min", _M, 0, DT("int32")),
        case("floor_div", "floor_div", Const([7, -7, 7, -7], "int32"),
             Const([2, 2, -2, 3], "int32")),
        case("truncatediv/int", "truncatediv", Const([7, -7, 7, -7], "int32"),
             Const([2, 2, -2, 3], "int32")),
        case("truncatediv/float", "truncatediv", Const([7.5, -7.5], "float32"),
             Const([2.0, 2.0], "float32")),
        case("truncatemod/int", "truncatemod", Const([7, -7, 7, -7], "int32"),
             Const([3, 3, -3, 2], "int32")),
        case("truncatemod/float", "truncatemod", Const([7.5, -7.5], "float32"),
             Const([2.0, 2.0], "float32")),
        case("argsort", "argsort", _M),
        case("argsort/descending_axis0", "argsort", _M, 0, "DESCENDING"),
        case("sort/int_axis0", "sort", _I, axis=0),
        case("sort/uint8", "sort", Const([3, 250, 0, 7], "uint8")),
        case("sort/descending", "sort", _V, direction="DESCENDING"),
        case("batch_gather", "batch_gather", Const([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], "float32"),
             Const([[2, 0], [1, 1]], "int32")),
        case("broadcast_dynamic_shape", "broadcast_dynamic_shape", Const([2, 1], "int32"),
             Const([3], "int32")),
        case("clip_by_average_norm", "clip_by_average_norm", _M, 0.5),
        case("confusion_matrix", "confusion_matrix", Const([1, 2, 4], "int32"),
             Const([2, 2, 4], "int32")),
        case("confusion_matrix/weights", "math.confusion_matrix", Const([0, 1, 1], "int64"),
             Const([1, 1, 0], "int64"), num_classes=3, weights=Const([0.5, 1.0, 2.0], "float32"),
             dtype=DT("float32")),
        case("cumprod", "cumprod", _M, 1),
        case("cumprod/exclusive_reverse", "math.cumprod", _M, 0, exclusive=True, reverse=True),
        case("histogram_fixed_width_bins", "histogram_fixed_width_bins",
             Const([-1.0, 0.0, 1.5, 2.0, 5.0, 15.0], "float32"), Const([0.0, 5.0], "float32"),
             nbins=5),
        case("matrix_transpose", "matrix_transpose",
             Call("reshape", Const(list(range(12)), "int32"), [2, 2, 3])),
        case("meshgrid/xy", "meshgrid", Const([1, 2, 3], "int32"), Const([4, 5], "int32")),
        case("meshgrid/ij", "meshgrid", Const([1, 2, 3], "int32"), Const([4, 5], "int32"),
             indexing="ij"),
        case("repeat/flat", "repeat", _I, 2),
        case("repeat/rows", "repeat", _I, [1, 2], axis=0),
        case("repeat/cols", "repeat", _I, [2, 0, 1], axis=1),
        case("saturate_cast/uint8", "saturate_cast", Const([-300.0, 3.7, 300.0], "float32"),
             DT("uint8")),
        case("saturate_cast/int32", "saturate_cast", Const([1e10, -1e10, 5.5], "float32"),
             DT("int32")),
        case("to_double", "to_double", _I),
        case("to_complex64", "to_complex64", _V),
        case("unsorted_segment_mean", "unsorted_segment_mean", _M, Const([1, 1], "int32"), 3),
        case("unsorted_segment_sqrt_n", "math.unsorted_segment_sqrt_n", _V,
             Const([0, 0, 2, 0], "int32"), 3),
        case("math.divide_no_nan", "math.divide_no_nan", _V,
             Const([0.0, 2.0, 0.0, 4.0], "float32")),
        case("math.invert_permutation", "math.invert_permutation", Const([2, 0, 3, 1], "int32")),
        case("math.polyval", "math.polyval", [1.0, -2.0, 3.0], _V),
        case("math.reciprocal_no_nan", "math.reciprocal_no_nan",
             Const([0.0, 2.0, -4.0], "float32")),
        case("math.zero_fraction", "math.zero_fraction", Const([[0, 1], [0, 0]], "int32")),
        case("nn.zero_fraction", "nn.zero_fraction", _M),
        case("nn.swish", "nn.swish", _M),
        case("nn.silu/beta", "nn.silu", _M, beta=2.0),
        case("train.cosine_decay_restarts", "train.cosine_decay_restarts", 0.1, _STEP, 20),
        case("train.cosine_decay_restarts/t_mul_1", "train.cosine_decay_restarts", 0.1, _STEP,
             20, t_mul=1.0, m_mul=0.5, alpha=0.1),
        case("train.linear_cosine_decay", "train.linear_cosine_decay", 0.1, _STEP, 100),
        case("train.piecewise_constant_decay", "train.piecewise_constant_decay", _STEP, [10, 40],
             [1.0, 0.5, 0.1]),
        case("linalg.matvec", "linalg.matvec", _M, Const([1.0, 2.0, 3.0], "float32")),
        case("linalg.transpose", "linalg.transpose", _M),
        case("linalg.tensor_diag", "linalg.tensor_diag", _V),
        case("linalg.trace", "linalg.trace", Call("reshape", _V, [2, 2])),
        case("linalg.eye/batch", "linalg.eye", 2, 3, batch_shape=[2]),
        case("manip.tile", "manip.tile", _I, [1, 2]),
        case("manip.reverse", "manip.reverse", _I, [1]),
        case("verify_tensor_all_finite", "verify_tensor_all_finite", _V, "not finite"),
        case("debugging.assert_all_finite", "debugging.assert_all_finite", _M, "not finite"),
        case("linspace/int", "linspace", 1, 5, 3),
        case("linspace/nd_axis-1", "linspace", Const([0.0, 5.0], "float32"),
             Const([10.0, 40.0], "float32"), 5, axis=-1),
        case("where_v2/indices", "where_v2", Const([[True, False], [False, True]], "bool")),
        case("eye/size_of_tensor", "eye", Call("size", _V)),
    ]


CASES = _cases()


def _value(array) -> object:
    import numpy as np
    array = np.asarray(array)
    if array.dtype.kind == "c":
        return {"re": array.real.tolist(), "im": array.imag.tolist()}
    return array.astype(np.float64).tolist() if array.dtype.kind == "f" else array.tolist()


def main() -> None:
    import tensorflow.compat.v1 as tf

    tf.disable_eager_execution()
    records = []
    for description in CASES:
        with tf.Graph().as_default():
            outputs = flatten(build_call(tf, description))
            with tf.Session() as sess:
                values = sess.run(outputs)
        records.append(dict(description, outputs=[
            {"dtype": t.dtype.base_dtype.name, "value": _value(v)}
            for t, v in zip(outputs, values)]))
        print(description["name"], records[-1]["outputs"], file=sys.stderr)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(f'{{"tensorflow_version": "{tf.__version__}", "cases": [\n')
        f.write(",\n".join(json.dumps(r) for r in records))
        f.write("\n]}\n")


if __name__ == "__main__":
    main()
