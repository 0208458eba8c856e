"""Every TensorFlow-produced golden GraphDef runs here with TensorFlow's results.

Cases whose ops are not all implemented are skipped with the missing op types named.
"""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

import sessionflow as tf
from sessionflow.graph import op_registry
from sessionflow.graph.serialization.graph_io import parse_graph_def

_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "tf_compat",
                    "golden")
with open(os.path.join(_DIR, "manifest.json"), encoding="utf-8") as _f:
    CASES = json.load(_f)["cases"]


def _missing_ops(case: dict) -> list[str]:
    return sorted(t for t in case["ops"] if t not in op_registry.KERNELS)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["case"])
def test_golden_case(case):
    missing = _missing_ops(case)
    if missing:
        pytest.skip(f"ops not implemented yet: {', '.join(missing)}")
    with open(os.path.join(_DIR, case["case"] + ".pb"), "rb") as f:
        graph_def = parse_graph_def(f.read())
    data = np.load(os.path.join(_DIR, case["case"] + ".npz"))
    graph = tf.Graph()
    with graph.as_default():
        tf.import_graph_def(graph_def, name="")
    feeds = {name: data[f"feed:{i}"] for i, name in enumerate(case["feeds"])}
    with tf.Session(graph=graph) as sess:
        results = sess.run(case["fetches"], feeds)
    for i, (name, got) in enumerate(zip(case["fetches"], results)):
        want = data[f"fetch:{i}"]
        got = np.asarray(got)
        assert got.shape == want.shape, f"{name}: shape {got.shape} != {want.shape}"
        assert got.dtype == want.dtype, f"{name}: dtype {got.dtype} != {want.dtype}"
        if want.dtype.kind in "fc":
            np.testing.assert_allclose(got, want, rtol=case["rtol"], atol=case["atol"],
                                       equal_nan=True, err_msg=name)
        else:
            np.testing.assert_array_equal(got, want, err_msg=name)
