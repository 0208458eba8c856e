"""Exports TF1 training GraphDefs (ref variables: VariableV2/Assign + ApplyGradientDescent /
ApplyAdam) and TensorFlow's loss trajectory, for tests/training/test_tf_training_graph.py.

Run with a Python that has TensorFlow (never a dependency of sessionflow):
    /path/to/tf-venv/bin/python tools/tf_oracle/make_training_graphs.py
"""
import os

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_eager_execution()
tf.disable_resource_variables()
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data",
                   "tf_training")
STEPS = 20


def build(optimizer_name: str):
    rng = np.random.default_rng(0)
    x_data = rng.normal(size=(64, 5)).astype(np.float32)
    y_data = (x_data @ rng.normal(size=(5, 1)) + 0.5).astype(np.float32)
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None, 5], name="x")
        y = tf.placeholder(tf.float32, [None, 1], name="y")
        w = tf.Variable(rng.normal(size=(5, 8)).astype(np.float32) * 0.3, name="w")
        b = tf.Variable(np.zeros(8, np.float32), name="b")
        v = tf.Variable(rng.normal(size=(8, 1)).astype(np.float32) * 0.3, name="v")
        pred = tf.matmul(tf.nn.tanh(tf.matmul(x, w) + b), v)
        loss = tf.reduce_mean(tf.square(pred - y), name="loss")
        opt = tf.train.GradientDescentOptimizer(0.1) if optimizer_name == "sgd" else \
            tf.train.AdamOptimizer(0.05)
        opt.minimize(loss, name="train")
        init = tf.global_variables_initializer()
        losses = []
        with tf.Session() as sess:
            sess.run(init)
            for _ in range(STEPS):
                losses.append(sess.run([loss, "train"], {x: x_data, y: y_data})[0])
            final_w = sess.run(w)
        ops = sorted({n.op for n in graph.as_graph_def().node})
        print(optimizer_name, ops)
        with open(os.path.join(OUT, f"{optimizer_name}.pb"), "wb") as f:
            f.write(graph.as_graph_def().SerializeToString())
        np.savez(os.path.join(OUT, f"{optimizer_name}.npz"), x=x_data, y=y_data,
                 losses=np.array(losses, np.float32), final_w=final_w, init=np.array(init.name))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    build("sgd")
    build("adam")
