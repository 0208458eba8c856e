"""``tf.nn``: activations, softmax, convolution, pooling, losses (more filled by the facade)."""
from .ops.math.math_ops import sigmoid, softplus, softsign, tanh  # noqa: F401
from .ops.nn.nn_ops import relu, softmax  # noqa: F401


def __getattr__(name: str):
    raise AttributeError(f"module 'sessionflow.nn' has no attribute '{name}': sessionflow "
                         f"does not implement tf.nn.{name} yet.")
