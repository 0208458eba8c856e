"""The op library: one declaration per op type (OpDef, shape fn, kernel, gradient).

Importing this package registers every op.
"""
from . import declare  # noqa: F401  (loads TensorFlow's OpDefs first)
from . import array_ops, math_ops, matmul_ops, nn_ops, reduction_ops  # noqa: F401
