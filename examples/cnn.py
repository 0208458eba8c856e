"""A small convolutional network (the TF1 tutorial's shape, narrower) with tf.layers.

Run: python examples/cnn.py
"""
import numpy as np

import sessionflow as tf
from synthetic_digits import load

(x_train, y_train), (x_test, y_test) = load(n_train=3000, n_test=500)
tf.set_random_seed(0)
x = tf.placeholder(tf.float32, [None, 784])
labels = tf.placeholder(tf.int64, [None])
training = tf.placeholder_with_default(False, [])

images = tf.reshape(x, [-1, 28, 28, 1])
h = tf.layers.conv2d(images, 16, 5, padding="same", activation=tf.nn.relu)
h = tf.layers.max_pooling2d(h, 2, 2)
h = tf.layers.conv2d(h, 32, 5, padding="same", activation=tf.nn.relu)
h = tf.layers.max_pooling2d(h, 2, 2)
h = tf.layers.flatten(h)
h = tf.layers.dense(h, 128, activation=tf.nn.relu)
h = tf.layers.dropout(h, rate=0.3, training=training)
logits = tf.layers.dense(h, 10)
loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
train_op = tf.train.AdamOptimizer(1e-3).minimize(loss)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), labels), tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    rng = np.random.default_rng(1)
    for epoch in range(3):
        order = rng.permutation(len(x_train))
        for i in range(0, len(order), 64):
            batch = order[i:i + 64]
            _, l = sess.run([train_op, loss], {x: x_train[batch], labels: y_train[batch],
                                               training: True})
        print(f"epoch {epoch + 1}  loss={l:.4f}  "
              f"test accuracy={sess.run(accuracy, {x: x_test, labels: y_test}):.4f}")
