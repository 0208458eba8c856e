"""Records TensorFlow's static shapes for 300+ TF1 calls (tests/data/tf1_core/static_shapes.json).

The calls are described in static_shape_cases*.py (the forms: shape_calls.py). The record
adds what TensorFlow built: ``op`` (type, each input's dtype / static shape / value when it
is a Const, attrs) of the op producing the first returned tensor, and ``outputs``: dtype
and static shape (a list with null, or null for unknown rank) of each returned tensor,
nested results (split, top_k, moments, ...) flattened in order.

tests/ops/test_static_shapes_vs_tf.py replays every case on sessionflow. Run with a
Python that has TensorFlow (never a dependency of sessionflow):
    /path/to/tf-venv/bin/python tools/tf_oracle/static_shapes.py
"""
from __future__ import annotations

import json
import os
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))   # the sibling modules

import static_shape_cases  # noqa: E402
import static_shape_cases_partial  # noqa: E402
from shape_calls import build_call, flatten, static  # noqa: E402,F401  (the test's API)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "data", "tf1_core", "static_shapes.json")


def _cases() -> list[dict]:
    cases = [c for module in (static_shape_cases, static_shape_cases_partial)
             for group in module.GROUPS for c in group()]
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), [n for n in names if names.count(n) > 1]
    return cases


CASES = _cases()


# -- recording ----------------------------------------------------------------------------------

def _attr(tf, value) -> Any:
    kind = value.WhichOneof("value")
    if kind == "type":
        return tf.as_dtype(value.type).name
    if kind == "shape":
        return None if value.shape.unknown_rank else [d.size for d in value.shape.dim]
    if kind == "s":
        return value.s.decode()
    if kind == "list":
        lst = value.list
        if lst.type:
            return [tf.as_dtype(t).name for t in lst.type]
        if lst.shape:
            return [None if s.unknown_rank else [d.size for d in s.dim] for s in lst.shape]
        return list(lst.i) or list(lst.f) or [s.decode() for s in lst.s] or list(lst.b)
    if kind == "tensor":
        return tf.make_ndarray(value.tensor).tolist()
    if kind == "func":
        return value.func.name
    return getattr(value, kind)


def _describe_op(tf, op) -> dict:
    inputs = []
    for t in op.inputs:
        entry = {"dtype": t.dtype.name, "shape": static(t)}
        if t.op.type == "Const":
            entry["value"] = tf.make_ndarray(t.op.get_attr("value")).tolist()
        inputs.append(entry)
    attrs = {k: _attr(tf, v) for k, v in sorted(op.node_def.attr.items()) if k != "value"}
    return {"type": op.type, "inputs": inputs, "attrs": attrs}


def record(tf, description: dict) -> dict:
    with tf.Graph().as_default():
        outputs = flatten(build_call(tf, description))
    return dict(description, op=_describe_op(tf, outputs[0].op),
                outputs=[{"dtype": t.dtype.base_dtype.name, "shape": static(t)}
                         for t in outputs])


def main() -> None:
    import tensorflow.compat.v1 as tf

    tf.disable_eager_execution()
    records = []
    for description in CASES:
        records.append(record(tf, description))
        print(description["name"], records[-1]["op"]["type"],
              [o["shape"] for o in records[-1]["outputs"]], file=sys.stderr)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(f'{{"tensorflow_version": "{tf.__version__}", "cases": [\n')
        f.write(",\n".join(json.dumps(r) for r in records))    # one case a line
        f.write("\n]}\n")


if __name__ == "__main__":
    main()
