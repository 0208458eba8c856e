"""``tf.compat.v1.test``: the gradient checker."""
from .session.gradient_checker import compute_gradient, compute_gradient_error  # noqa: F401
