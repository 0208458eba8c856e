"""Softmax (multinomial logistic) regression on MNIST-shaped synthetic digits.

Run: python examples/logistic_regression.py
"""
import numpy as np

import sessionflow as tf
from synthetic_digits import load, one_hot

(x_train, y_train), (x_test, y_test) = load()
x = tf.placeholder(tf.float32, [None, 784])
y = tf.placeholder(tf.float32, [None, 10])
W = tf.Variable(tf.zeros([784, 10]))
b = tf.Variable(tf.zeros([10]))
logits = tf.matmul(x, W) + b
cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))
train_op = tf.train.GradientDescentOptimizer(0.5).minimize(cost)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1)), tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    rng = np.random.default_rng(1)
    for epoch in range(10):
        order = rng.permutation(len(x_train))
        for i in range(0, len(order), 100):
            batch = order[i:i + 100]
            sess.run(train_op, {x: x_train[batch], y: one_hot(y_train[batch])})
        c = sess.run(cost, {x: x_train, y: one_hot(y_train)})
        print(f"epoch {epoch + 1:2d}  cost={c:.4f}")
    acc = sess.run(accuracy, {x: x_test, y: one_hot(y_test)})
    print(f"test accuracy: {acc:.4f}")
