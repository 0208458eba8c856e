"""Kernels produce inf/nan silently, as TensorFlow's do: numpy's RuntimeWarnings from the
library's kernels never reach the program, while its own numpy code still warns."""
import subprocess
import sys

_PROGRAM = """
import warnings
warnings.simplefilter("error")          # any warning that leaks would raise
import numpy as np
import sessionflow as tf
x = tf.placeholder(tf.float32)
y = x * x + tf.exp(x) + tf.log(x - x) + tf.reduce_mean(tf.zeros([0]))
z = tf.matmul(tf.reshape(x, [1, 1]), tf.reshape(x, [1, 1])) / 0.0
with tf.Session() as sess:
    print(sess.run([y, z], {x: 3e38}))
try:
    np.float32(3e38) * np.float32(10)
except RuntimeWarning as e:
    print("program warned:", e)
"""


def test_kernel_overflow_and_division_by_zero_are_silent_but_user_numpy_still_warns():
    done = subprocess.run([sys.executable, "-c", _PROGRAM], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "inf" in done.stdout and "program warned: overflow" in done.stdout
    assert "RuntimeWarning" not in done.stderr
