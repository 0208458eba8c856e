"""Why is ``gradients(y, x)`` None? Names every path from x to y and what blocks it.

Beyond TensorFlow: reports no path at all, or for each blocked edge the reason — a
StopGradient/not-differentiable op, an integer/bool tensor, an op with no registered
gradient, or a ``stop_gradients`` tensor.
"""
from __future__ import annotations

from typing import Any, Sequence

from .. import op_registry
from ..core import Tensor
from .gradients_impl import _to_tensor, is_trainable


class GradientExplanation:
    """The verdict plus one line per blocking point found between x and y."""

    def __init__(self, y: Tensor, x: Tensor, connected: bool, blockers: list[str]):
        self.y, self.x = y, x
        self.has_path = connected
        self.blockers = blockers

    @property
    def gradient_flows(self) -> bool:
        return self.has_path and not self.blockers

    def __str__(self) -> str:
        head = f"gradient of {self.y.name} w.r.t. {self.x.name}: "
        if not self.has_path:
            return head + (f"None — there is no path from {self.x.name} to {self.y.name} in "
                           "the graph (y does not depend on x).")
        if not self.blockers:
            return head + "flows (every path from x to y is differentiable)."
        return head + "blocked —\n" + "\n".join("  - " + b for b in self.blockers)

    __repr__ = __str__


def _blocker(op, t_in: Tensor, stop: set) -> str | None:
    if t_in in stop:
        return f"{t_in.name} is listed in stop_gradients"
    if not is_trainable(t_in):
        return (f"{t_in.name} has dtype {t_in.dtype.name}; integer and bool tensors carry no "
                f"gradient (into op '{op.name}' of type {op.type}). Cast to float earlier or "
                "keep the path in floating point.")
    if op.type == "StopGradient":
        return f"op '{op.name}' is a StopGradient (tf.stop_gradient) — its input gets none"
    try:
        rule = op_registry.gradient_function(op)
    except LookupError:
        return f"op '{op.name}' of type {op.type} has no registered gradient"
    if rule is None:
        return f"op '{op.name}' of type {op.type} is marked not differentiable"
    return None


def explain_gradient(y: Any, x: Any, stop_gradients: Sequence | None = None):
    """Explains what ``tf.gradients(y, x)`` computes and why it is None or zero."""
    y, x = _to_tensor(y), _to_tensor(x)
    stop = {_to_tensor(s) for s in (stop_gradients or [])}
    # Tensors from which y is reachable (walking y's inputs backwards).
    upstream: set[Tensor] = set()
    stack = [y]
    while stack:
        t = stack.pop()
        if t in upstream:
            continue
        upstream.add(t)
        stack.extend(t.op.inputs)
    if x not in upstream:
        return GradientExplanation(y, x, False, [])
    blockers, seen, stack = [], set(), [x]
    while stack:
        t = stack.pop()
        if t in seen:
            continue
        seen.add(t)
        for consumer in t.consumers():
            if not any(out in upstream for out in consumer.outputs):
                continue
            reason = _blocker(consumer, t, stop)
            if reason is not None:
                blockers.append(reason)
                continue
            stack.extend(out for out in consumer.outputs if out in upstream)
    if not blockers and x in stop:
        blockers.append(f"{x.name} itself is listed in stop_gradients")
    return GradientExplanation(y, x, True, sorted(set(blockers)))


EXPORTS = {"debugging": ["explain_gradient"]}
