"""Train, checkpoint, restore in a fresh session, and log for TensorBoard.

Run: python examples/save_restore_tensorboard.py [logdir]
Then: tensorboard --logdir <logdir>
"""
import os
import sys
import tempfile

import numpy as np

import sessionflow as tf

logdir = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="sessionflow_")
rng = np.random.default_rng(0)
data_x = rng.normal(size=(256, 3)).astype(np.float32)
data_y = data_x @ np.array([[1.5], [-2.0], [0.5]], np.float32) + 0.3

x = tf.placeholder(tf.float32, [None, 3], name="x")
y = tf.placeholder(tf.float32, [None, 1], name="y")
with tf.name_scope("model"):
    w = tf.Variable(tf.zeros([3, 1]), name="w")
    b = tf.Variable(tf.zeros([1]), name="b")
    pred = tf.matmul(x, w) + b
with tf.name_scope("train"):
    loss = tf.reduce_mean(tf.square(pred - y))
    global_step = tf.train.get_or_create_global_step()
    train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=global_step)
tf.summary.scalar("loss", loss)
tf.summary.histogram("weights", w)
merged = tf.summary.merge_all()
saver = tf.train.Saver(max_to_keep=3)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    writer = tf.summary.FileWriter(logdir, sess.graph)
    for step in range(1, 101):
        _, summary = sess.run([train_op, merged], {x: data_x, y: data_y})
        writer.add_summary(summary, step)
        if step % 25 == 0:
            path = saver.save(sess, os.path.join(logdir, "model.ckpt"), global_step=step)
            print(f"step {step}: loss={sess.run(loss, {x: data_x, y: data_y}):.5f}, "
                  f"saved {path}")
    writer.close()
    trained = sess.run(w)

with tf.Session() as sess:
    latest = tf.train.latest_checkpoint(logdir)
    saver.restore(sess, latest)
    restored = sess.run(w)
    print(f"restored {latest}: w = {restored.ravel().round(3)} "
          f"(matches: {np.allclose(restored, trained)})")
print(f"TensorBoard logs in {logdir}")
