"""``tf.nn``: activations, softmax, convolution, pooling, losses."""
from .ops.math_ops import sigmoid, softplus, softsign, tanh  # noqa: F401
from .ops.nn_ops import relu, softmax  # noqa: F401
