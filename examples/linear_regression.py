"""Linear regression in TF1 style: fit y = W*x + b by gradient descent.

Run: python examples/linear_regression.py
"""
import numpy as np

import sessionflow as tf

rng = np.random.default_rng(0)
train_x = rng.uniform(0, 10, 100).astype(np.float32)
train_y = (3.0 * train_x + 2.0 + rng.normal(0, 1.0, 100)).astype(np.float32)

X = tf.placeholder(tf.float32, name="X")
Y = tf.placeholder(tf.float32, name="Y")
W = tf.Variable(0.0, name="weight")
b = tf.Variable(0.0, name="bias")
pred = W * X + b
cost = tf.reduce_mean(tf.square(pred - Y))
train_op = tf.train.GradientDescentOptimizer(0.01).minimize(cost)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for epoch in range(1, 1001):
        sess.run(train_op, {X: train_x, Y: train_y})
        if epoch % 200 == 0:
            c = sess.run(cost, {X: train_x, Y: train_y})
            print(f"epoch {epoch:4d}  cost={c:.4f}  W={sess.run(W):.3f}  b={sess.run(b):.3f}")
    print(f"final: W={sess.run(W):.3f} (true 3.0), b={sess.run(b):.3f} (true 2.0)")
