"""``tf.raw_ops``: one keyword-only constructor per registered op type, by TF's names."""
from .ops.framework.raw_ops import __dir__, __getattr__  # noqa: F401
