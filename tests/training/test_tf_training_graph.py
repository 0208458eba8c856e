"""A TF1 training GraphDef exported by TensorFlow (VariableV2/Assign + ApplyGradientDescent
or ApplyAdam) imports and trains here with TensorFlow's loss trajectory."""
from __future__ import annotations

import os

import numpy as np
import pytest

import sessionflow as tf
from sessionflow.graph.serialization.graph_io import read_graph_def

_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "tf_training")


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_tensorflow_training_graph_trains(name):
    data = np.load(os.path.join(_DIR, f"{name}.npz"))
    graph_def = read_graph_def(os.path.join(_DIR, f"{name}.pb"))
    with tf.Graph().as_default() as g:
        tf.import_graph_def(graph_def, name="")
        assert {"VariableV2", "Assign"} <= {op.type for op in g.get_operations()}
        with tf.Session() as sess:
            sess.run(str(data["init"]))
            losses = [sess.run(["loss:0", "train"], {"x:0": data["x"], "y:0": data["y"]})[0]
                      for _ in range(len(data["losses"]))]
            final_w = sess.run("w:0")
    np.testing.assert_allclose(losses, data["losses"], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(final_w, data["final_w"], rtol=1e-4, atol=1e-5)
