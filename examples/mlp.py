"""A two-hidden-layer perceptron (784-256-256-10) trained with Adam.

Run: python examples/mlp.py
"""
import numpy as np

import sessionflow as tf
from synthetic_digits import load, one_hot

(x_train, y_train), (x_test, y_test) = load()
tf.set_random_seed(0)
x = tf.placeholder(tf.float32, [None, 784], name="x")
y = tf.placeholder(tf.float32, [None, 10], name="y")


def layer(inputs, n_out, name, activation=None):
    with tf.variable_scope(name):
        w = tf.get_variable("w", [inputs.shape[1], n_out])
        b = tf.get_variable("b", [n_out], initializer=tf.zeros_initializer())
        out = tf.matmul(inputs, w) + b
        return activation(out) if activation else out


h = layer(x, 256, "hidden1", tf.nn.relu)
h = layer(h, 256, "hidden2", tf.nn.relu)
logits = layer(h, 10, "out")
loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))
train_op = tf.train.AdamOptimizer(1e-3).minimize(loss)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1)), tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    rng = np.random.default_rng(1)
    for epoch in range(5):
        order = rng.permutation(len(x_train))
        for i in range(0, len(order), 128):
            batch = order[i:i + 128]
            _, l = sess.run([train_op, loss], {x: x_train[batch], y: one_hot(y_train[batch])})
        print(f"epoch {epoch + 1}  loss={l:.4f}  "
              f"test accuracy={sess.run(accuracy, {x: x_test, y: one_hot(y_test)}):.4f}")
