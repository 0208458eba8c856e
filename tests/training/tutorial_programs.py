"""Classic TF1 tutorial programs, written against a ``tf`` module passed in.

Each ``run_<name>(tf)`` is an ordinary TF1 program: with ``tf`` = sessionflow it is what a
user runs after changing the import line; with ``tf`` = ``tensorflow.compat.v1`` it is the
reference (``tools/tf_oracle/tutorial_numbers.py`` records TensorFlow's results in
``tests/data/tutorials/expected.json``). Inputs and initial weights come from numpy seeds,
so both frameworks train from the same start on the same data. This module must not
import sessionflow: the oracle runs it under TensorFlow.
"""
from __future__ import annotations

import os
import tempfile

import numpy as np


def _digits(n: int, seed: int):
    """MNIST-shaped data: 10 noisy, shifted stroke patterns (as examples/synthetic_digits).

    The 10 patterns are fixed; ``seed`` only draws the samples (so train and test match).
    """
    glyph_rng = np.random.default_rng(1234)
    glyphs = np.zeros((10, 28, 28), np.float32)
    for k in range(10):
        for _ in range(4):
            r0, c0, r1, c1 = glyph_rng.integers(6, 22, size=4)
            steps = max(abs(r1 - r0), abs(c1 - c0)) + 1
            rows = np.linspace(r0, r1, steps).round().astype(int)
            cols = np.linspace(c0, c1, steps).round().astype(int)
            glyphs[k, rows, cols] = 1.0
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    shifts = rng.integers(-2, 3, size=(n, 2))
    images = np.stack([np.roll(glyphs[y], tuple(s), axis=(0, 1)) for y, s in zip(labels, shifts)])
    images = np.clip(images + rng.normal(0, 0.2, images.shape), 0, 1).astype(np.float32)
    return images.reshape(n, 784), labels.astype(np.int64)


def _one_hot(labels, depth: int = 10):
    return np.eye(depth, dtype=np.float32)[labels]


def _init(rng, *shape, scale: float = 0.1):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def run_linear_regression(tf) -> dict:
    rng = np.random.default_rng(0)
    x_data = rng.uniform(0, 10, 100).astype(np.float32)
    y_data = (3.0 * x_data + 2.0 + rng.normal(0, 1.0, 100)).astype(np.float32)
    graph = tf.Graph()
    with graph.as_default():
        X = tf.placeholder(tf.float32)
        Y = tf.placeholder(tf.float32)
        W = tf.Variable(0.5, name="weight")
        b = tf.Variable(0.1, name="bias")
        cost = tf.reduce_sum(tf.pow(W * X + b - Y, 2)) / (2 * 100)
        train = tf.train.GradientDescentOptimizer(0.01).minimize(cost)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(300):
                sess.run(train, {X: x_data, Y: y_data})
            return {"cost": float(sess.run(cost, {X: x_data, Y: y_data})),
                    "W": float(sess.run(W)), "b": float(sess.run(b))}


def run_logistic_regression(tf) -> dict:
    x_train, y_train = _digits(2000, 1)
    x_test, y_test = _digits(500, 2)
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None, 784])
        y = tf.placeholder(tf.float32, [None, 10])
        W = tf.Variable(tf.zeros([784, 10]))
        b = tf.Variable(tf.zeros([10]))
        pred = tf.nn.softmax(tf.matmul(x, W) + b)
        cost = tf.reduce_mean(-tf.reduce_sum(y * tf.log(pred + 1e-10), reduction_indices=1))
        train = tf.train.GradientDescentOptimizer(0.1).minimize(cost)
        correct = tf.equal(tf.argmax(pred, 1), tf.argmax(y, 1))
        accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for epoch in range(5):
                for i in range(0, 2000, 100):
                    sess.run(train, {x: x_train[i:i + 100], y: _one_hot(y_train[i:i + 100])})
            return {"cost": float(sess.run(cost, {x: x_train, y: _one_hot(y_train)})),
                    "accuracy": float(sess.run(accuracy, {x: x_test, y: _one_hot(y_test)}))}


def run_mlp(tf) -> dict:
    x_train, y_train = _digits(2000, 3)
    x_test, y_test = _digits(500, 4)
    rng = np.random.default_rng(5)
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None, 784])
        y = tf.placeholder(tf.float32, [None, 10])
        weights = {"h1": tf.Variable(_init(rng, 784, 128)), "h2": tf.Variable(_init(rng, 128, 128)),
                   "out": tf.Variable(_init(rng, 128, 10))}
        biases = {"b1": tf.Variable(tf.zeros([128])), "b2": tf.Variable(tf.zeros([128])),
                  "out": tf.Variable(tf.zeros([10]))}
        layer_1 = tf.nn.relu(tf.add(tf.matmul(x, weights["h1"]), biases["b1"]))
        layer_2 = tf.nn.relu(tf.add(tf.matmul(layer_1, weights["h2"]), biases["b2"]))
        logits = tf.matmul(layer_2, weights["out"]) + biases["out"]
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))
        train = tf.train.AdamOptimizer(learning_rate=0.001).minimize(loss)
        accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1)),
                                          tf.float32))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for epoch in range(3):
                for i in range(0, 2000, 100):
                    sess.run(train, {x: x_train[i:i + 100], y: _one_hot(y_train[i:i + 100])})
            return {"loss": float(sess.run(loss, {x: x_train, y: _one_hot(y_train)})),
                    "accuracy": float(sess.run(accuracy, {x: x_test, y: _one_hot(y_test)}))}


def run_cnn(tf) -> dict:
    x_train, y_train = _digits(1000, 6)
    x_test, y_test = _digits(300, 7)
    rng = np.random.default_rng(8)
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None, 784])
        y = tf.placeholder(tf.float32, [None, 10])
        keep_prob = tf.placeholder(tf.float32)
        images = tf.reshape(x, shape=[-1, 28, 28, 1])
        w1 = tf.Variable(_init(rng, 5, 5, 1, 8))
        w2 = tf.Variable(_init(rng, 5, 5, 8, 16))
        wd = tf.Variable(_init(rng, 7 * 7 * 16, 64))
        wo = tf.Variable(_init(rng, 64, 10))
        b1, b2 = tf.Variable(tf.zeros([8])), tf.Variable(tf.zeros([16]))
        bd, bo = tf.Variable(tf.zeros([64])), tf.Variable(tf.zeros([10]))
        conv1 = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(images, w1, [1, 1, 1, 1], "SAME"), b1))
        conv1 = tf.nn.max_pool(conv1, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
        conv2 = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(conv1, w2, [1, 1, 1, 1], "SAME"), b2))
        conv2 = tf.nn.max_pool(conv2, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
        fc1 = tf.nn.relu(tf.matmul(tf.reshape(conv2, [-1, 7 * 7 * 16]), wd) + bd)
        fc1 = tf.nn.dropout(fc1, keep_prob)
        logits = tf.matmul(fc1, wo) + bo
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))
        train = tf.train.AdamOptimizer(learning_rate=0.002).minimize(loss)
        accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1)),
                                          tf.float32))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for epoch in range(2):
                for i in range(0, 1000, 50):
                    sess.run(train, {x: x_train[i:i + 50], y: _one_hot(y_train[i:i + 50]),
                                     keep_prob: 1.0})
            return {"loss": float(sess.run(loss, {x: x_train, y: _one_hot(y_train),
                                                  keep_prob: 1.0})),
                    "accuracy": float(sess.run(accuracy, {x: x_test, y: _one_hot(y_test),
                                                          keep_prob: 1.0}))}


def run_autoencoder(tf) -> dict:
    x_train, _ = _digits(1000, 9)
    rng = np.random.default_rng(10)
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None, 784])
        sizes = [784, 128, 32, 128, 784]
        h = x
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            w = tf.Variable(_init(rng, n_in, n_out))
            b = tf.Variable(tf.zeros([n_out]))
            h = tf.nn.sigmoid(tf.add(tf.matmul(h, w), b))
        loss = tf.reduce_mean(tf.pow(x - h, 2))
        train = tf.train.RMSPropOptimizer(0.01).minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for epoch in range(5):
                for i in range(0, 1000, 100):
                    sess.run(train, {x: x_train[i:i + 100]})
            return {"loss": float(sess.run(loss, {x: x_train}))}


def run_gan(tf) -> dict:
    """A 1-D GAN: the generator learns to mimic N(3, 0.5) from uniform noise."""
    rng = np.random.default_rng(11)
    graph = tf.Graph()
    with graph.as_default():
        z = tf.placeholder(tf.float32, [None, 1])
        real = tf.placeholder(tf.float32, [None, 1])

        def dense(inputs, n_out, name):
            with tf.variable_scope(name):
                w = tf.get_variable("w", initializer=_init(rng, int(inputs.shape[1]), n_out,
                                                           scale=0.5))
                b = tf.get_variable("b", initializer=np.zeros(n_out, np.float32))
                return tf.matmul(inputs, w) + b

        with tf.variable_scope("generator"):
            fake = dense(tf.nn.relu(dense(z, 16, "g1")), 1, "g2")

        def discriminator(inputs):
            with tf.variable_scope("discriminator", reuse=tf.AUTO_REUSE):
                return dense(tf.nn.relu(dense(inputs, 16, "d1")), 1, "d2")
        d_real, d_fake = discriminator(real), discriminator(fake)
        xent = tf.nn.sigmoid_cross_entropy_with_logits
        d_loss = tf.reduce_mean(xent(labels=tf.ones_like(d_real), logits=d_real) +
                                xent(labels=tf.zeros_like(d_fake), logits=d_fake))
        g_loss = tf.reduce_mean(xent(labels=tf.ones_like(d_fake), logits=d_fake))
        g_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, "generator")
        d_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, "discriminator")
        d_train = tf.train.AdamOptimizer(0.01, beta1=0.5).minimize(d_loss, var_list=d_vars)
        g_train = tf.train.AdamOptimizer(0.01, beta1=0.5).minimize(g_loss, var_list=g_vars)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(300):
                noise = rng.uniform(-1, 1, (64, 1)).astype(np.float32)
                data = rng.normal(3.0, 0.5, (64, 1)).astype(np.float32)
                sess.run(d_train, {z: noise, real: data})
                sess.run(g_train, {z: noise})
            samples = sess.run(fake, {z: np.linspace(-1, 1, 1000, dtype=np.float32)[:, None]})
            return {"fake_mean": float(samples.mean()), "fake_std": float(samples.std()),
                    "n_g_vars": len(g_vars), "n_d_vars": len(d_vars)}


def run_vae(tf) -> dict:
    x_train, _ = _digits(600, 12)
    rng = np.random.default_rng(13)
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None, 784])
        eps = tf.placeholder(tf.float32, [None, 8])
        enc_w = tf.Variable(_init(rng, 784, 64))
        enc_b = tf.Variable(tf.zeros([64]))
        mu_w, mu_b = tf.Variable(_init(rng, 64, 8)), tf.Variable(tf.zeros([8]))
        lv_w, lv_b = tf.Variable(_init(rng, 64, 8)), tf.Variable(tf.zeros([8]))
        dec_w1, dec_b1 = tf.Variable(_init(rng, 8, 64)), tf.Variable(tf.zeros([64]))
        dec_w2, dec_b2 = tf.Variable(_init(rng, 64, 784)), tf.Variable(tf.zeros([784]))
        h = tf.nn.tanh(tf.matmul(x, enc_w) + enc_b)
        z_mean = tf.matmul(h, mu_w) + mu_b
        z_log_var = tf.matmul(h, lv_w) + lv_b
        z = z_mean + tf.exp(z_log_var / 2) * eps
        h_dec = tf.nn.tanh(tf.matmul(z, dec_w1) + dec_b1)
        logits = tf.matmul(h_dec, dec_w2) + dec_b2
        recon = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits), 1)
        kl = -0.5 * tf.reduce_sum(1 + z_log_var - tf.square(z_mean) - tf.exp(z_log_var), 1)
        loss = tf.reduce_mean(recon + kl)
        train = tf.train.AdamOptimizer(0.001).minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for epoch in range(4):
                for i in range(0, 600, 60):
                    sess.run(train, {x: x_train[i:i + 60],
                                     eps: rng.standard_normal((60, 8)).astype(np.float32)})
            return {"loss": float(sess.run(loss, {x: x_train, eps: np.zeros((600, 8),
                                                                             np.float32)}))}


def run_save_restore(tf) -> dict:
    rng = np.random.default_rng(14)
    x_data = rng.normal(size=(200, 4)).astype(np.float32)
    y_data = x_data @ np.array([[1.0], [-1.0], [2.0], [0.5]], np.float32)
    directory = tempfile.mkdtemp(prefix="tutorial_ckpt_")
    prefix = os.path.join(directory, "model.ckpt")
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None, 4], name="x")
        y = tf.placeholder(tf.float32, [None, 1], name="y")
        w = tf.Variable(tf.zeros([4, 1]), name="w")
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y), name="loss")
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, name="train")
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(20):
                sess.run(train, {x: x_data, y: y_data})
            saved_loss = float(sess.run(loss, {x: x_data, y: y_data}))
            path = saver.save(sess, prefix, global_step=20)
    graph2 = tf.Graph()
    with graph2.as_default():
        restorer = tf.train.import_meta_graph(path + ".meta")
        with tf.Session() as sess:
            restorer.restore(sess, tf.train.latest_checkpoint(directory))
            feed = {"x:0": x_data, "y:0": y_data}
            restored_loss = float(sess.run("loss:0", feed))
            for _ in range(20):
                sess.run("train", feed)
            return {"saved_loss": saved_loss, "restored_loss": restored_loss,
                    "continued_loss": float(sess.run("loss:0", feed))}


def run_nearest_neighbor(tf) -> dict:
    x_train, y_train = _digits(500, 15)
    x_test, y_test = _digits(100, 16)
    graph = tf.Graph()
    with graph.as_default():
        xtr = tf.placeholder(tf.float32, [None, 784])
        xte = tf.placeholder(tf.float32, [784])
        distance = tf.reduce_sum(tf.abs(tf.add(xtr, tf.negative(xte))), reduction_indices=1)
        pred = tf.argmin(distance, 0)
        correct = 0
        with tf.Session() as sess:
            for i in range(len(x_test)):
                nn_index = sess.run(pred, {xtr: x_train, xte: x_test[i]})
                correct += int(y_train[nn_index] == y_test[i])
    return {"accuracy": correct / len(x_test)}


PROGRAMS = {name[4:]: fn for name, fn in sorted(globals().items()) if name.startswith("run_")}
