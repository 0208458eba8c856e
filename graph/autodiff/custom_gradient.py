"""``tf.custom_gradient`` in graph mode: an IdentityN whose gradient is the user's function.

As in TF, outputs and inputs pass through one ``IdentityN`` built under a
``gradient_override_map`` to a freshly registered ``CustomGradient-<uid>`` rule.
"""
from __future__ import annotations

import functools
import itertools
from typing import Callable

from ..core import Tensor
from ..graph import get_default_graph
from ..op_builder import apply_op, convert_to_tensor
from ..op_registry import RegisterGradient

_uids = itertools.count()


def custom_gradient(f: Callable = None):
    """Decorates ``f(*x) -> (y, grad_fn)``; ``grad_fn(*dy)`` returns the gradients for x."""
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def decorated(*args, **kwargs):
        args = [convert_to_tensor(a) for a in args]
        result, grad_fn = f(*args, **kwargs)
        flat_result = list(result) if isinstance(result, (list, tuple)) else [result]
        flat_result = [convert_to_tensor(r) for r in flat_result]
        name = f"CustomGradient-{next(_uids)}"
        n_out = len(flat_result)

        @RegisterGradient(name)
        def _custom_grad(op, *out_grads):
            input_grads = grad_fn(*out_grads[:n_out])
            if isinstance(input_grads, Tensor) or input_grads is None:
                input_grads = [input_grads]
            input_grads = list(input_grads)
            if len(input_grads) != len(args):
                raise ValueError(f"custom_gradient function expected to return {len(args)} "
                                 f"gradients, but returned {len(input_grads)} instead.")
            return [None] * n_out + input_grads

        graph = get_default_graph()
        with graph.gradient_override_map({"IdentityN": name}):
            all_tensors = apply_op("IdentityN", [flat_result + args])
        outputs = all_tensors[:n_out]
        return outputs if isinstance(result, (list, tuple)) else outputs[0]
    return decorated


EXPORTS = {"": ["custom_gradient"]}
