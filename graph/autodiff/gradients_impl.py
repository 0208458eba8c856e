"""``gradients()``: appends the backward subgraph of sum(ys) w.r.t. xs, as TF1 does.

Only ops on a ys→xs path are visited, in reverse topological order (iteratively), once
all their output gradients have arrived; fan-out gradients are summed with ``AddN``;
each rule is built under ``<name>/<op>_grad/``. Integer and bool tensors carry no
gradient; unconnected xs get None (or zeros).
"""
from __future__ import annotations

import contextlib
from typing import Any, Sequence

from .. import dtypes, op_registry
from ..core import Operation, Tensor
from ..graph import get_default_graph
from ..indexed_slices import IndexedSlices
from ..op_builder import apply_op, convert_to_tensor


class AggregationMethod:
    """How fan-in gradients are summed (all give the same values here)."""

    ADD_N = 0
    DEFAULT = ADD_N
    EXPERIMENTAL_TREE = 1
    EXPERIMENTAL_ACCUMULATE_N = 2


class UnconnectedGradients:
    NONE = "none"
    ZERO = "zero"


def _as_list(x: Any) -> list:
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def _to_tensor(x: Any) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if hasattr(x, "_gradient_tensor"):      # variables differentiate w.r.t. their value
        return x._gradient_tensor()
    return convert_to_tensor(x)


def gradient_type(t: Tensor) -> tuple:
    """(dtype, TensorShape) of ``t``'s gradient: a resource's gradient is a value of the
    variable's dtype and shape (its handle data), as TF's ``default_gradient`` has it."""
    if t.dtype.base_dtype == dtypes.resource:
        if t._handle_data is None:
            raise ValueError(f"Cannot build the gradient of resource tensor {t.name}: its "
                             f"variable's dtype and shape are unknown.")
        return t._handle_data
    return t.dtype.base_dtype, t.shape


def zeros_for_gradient(t: Tensor) -> Tensor:
    """Zeros shaped like ``t``'s gradient (TF's ``default_gradient.zeros_like``)."""
    if t.dtype.base_dtype != dtypes.resource:
        return apply_op("ZerosLike", [t])
    dtype, shape = gradient_type(t)
    if not shape.is_fully_defined():
        raise ValueError(f"Cannot build a zero gradient for resource tensor {t.name}: its "
                         f"variable's shape {shape} is not fully defined.")
    return apply_op("Fill", [shape.as_list(), convert_to_tensor(0, dtype=dtype)])


def is_trainable(t: Tensor) -> bool:
    """TF's ``_IsBackpropagatable``: float, complex, resource and variant tensors."""
    return t.dtype.base_dtype.is_differentiable


def _reachable_from(xs: Sequence[Tensor], stop_ops: set) -> set:
    reached: set[Operation] = set()
    stack = [x.op for x in xs]
    while stack:
        op = stack.pop()
        if op in reached:
            continue
        reached.add(op)
        if op in stop_ops:
            continue
        for t in op.outputs:
            stack.extend(t._consumers)
    return reached


def _between(ys: Sequence[Tensor], reached: set) -> set:
    between: set[Operation] = set()
    stack = [y.op for y in ys]
    while stack:
        op = stack.pop()
        if op in between or op not in reached:
            continue
        between.add(op)
        stack.extend(t.op for t in op.inputs)
    return between


def _aggregate(grads: list, aggregation_method: Any = None):
    """Sums one tensor's incoming gradients (AddN; IndexedSlices stay sparse if all are)."""
    grads = [g for g in grads if g is not None]
    if not grads:
        return None
    if len(grads) == 1:
        return grads[0]
    if all(isinstance(g, IndexedSlices) for g in grads):
        return IndexedSlices(apply_op("ConcatV2", [[g.values for g in grads], 0]),
                             apply_op("ConcatV2", [[g.indices for g in grads], 0]),
                             grads[0].dense_shape)
    dense = [g.to_dense() if isinstance(g, IndexedSlices) else g for g in grads]
    return apply_op("AddN", [dense])


def gradients(ys: Any, xs: Any, grad_ys: Any = None, name: str = "gradients",
              colocate_gradients_with_ops: bool = False, gate_gradients: bool = False,
              aggregation_method: Any = None, stop_gradients: Any = None,
              unconnected_gradients: str = UnconnectedGradients.NONE) -> list:
    """Symbolic partial derivatives of sum(ys) w.r.t. each of xs (TF1 semantics)."""
    ys = [_to_tensor(y) for y in _as_list(ys)]
    xs = [_to_tensor(x) for x in _as_list(xs)]
    if unconnected_gradients not in (UnconnectedGradients.NONE, UnconnectedGradients.ZERO):
        raise ValueError(f"Unknown value for unconnected_gradients: '{unconnected_gradients}'")
    if grad_ys is not None:
        grad_ys = _as_list(grad_ys)
        if len(grad_ys) != len(ys):
            raise ValueError(f"Passed {len(grad_ys)} grad_ys for {len(ys)} ys")
    stop_tensors = [_to_tensor(s) for s in _as_list(stop_gradients)] if stop_gradients else []
    graph = ys[0].graph if ys else get_default_graph()
    with graph.as_default(), graph.name_scope(name):
        return _gradients(graph, ys, xs, grad_ys, stop_tensors, colocate_gradients_with_ops,
                          gate_gradients, aggregation_method, unconnected_gradients)


def _default_grad_ys(ys: list, grad_ys: list | None) -> list:
    result = []
    for i, y in enumerate(ys):
        g = grad_ys[i] if grad_ys is not None else None
        if g is None:
            if not y.dtype.base_dtype.is_differentiable and not y.dtype.is_integer:
                raise TypeError(f"Gradients of {y.dtype.name} are not supported: {y.name}")
            one = convert_to_tensor(1, dtype=y.dtype.base_dtype)
            g = apply_op("Fill", [apply_op("Shape", [y]), one], name=f"grad_ys_{i}")
        elif not isinstance(g, (Tensor, IndexedSlices)):
            g = convert_to_tensor(g, dtype=y.dtype.base_dtype, name=f"grad_ys_{i}")
        elif isinstance(g, Tensor) and g.dtype.base_dtype != gradient_type(y)[0]:
            raise TypeError(f"Gradient type {g.dtype.name} generated for tensor {y.name} does "
                            f"not match its type {y.dtype.base_dtype.name}")
        result.append(g)
    return result


def _gradients(graph, ys, xs, grad_ys, stop_tensors, colocate, gate, aggregation_method,
               unconnected):
    grad_ys = _default_grad_ys(ys, grad_ys)
    stop_ops = {t.op for t in stop_tensors}
    reached = _reachable_from(xs, stop_ops)
    between = _between(ys, reached)
    x_set = set(xs)
    # Pending counts: how many consumers (in `between`) each op waits for.
    pending: dict[Operation, int] = {op: 0 for op in between}
    for op in between:
        if op in stop_ops:
            continue
        for t in op.inputs:
            if t.op in between:
                pending[t.op] += 1
    grads: dict[Tensor, list] = {}
    for y, g in zip(ys, grad_ys):
        grads.setdefault(y, []).append(g)
    ready = [y.op for y in ys if y.op in between and pending[y.op] == 0]
    seen_ready = set(ready)
    ready.reverse()
    while ready:
        op = ready.pop()
        out_grads = [_aggregate(grads.get(t, []), aggregation_method) for t in op.outputs]
        for t, g in zip(op.outputs, out_grads):
            if t in grads:
                grads[t] = [g]
        is_stop = op in stop_ops
        in_grads: list = [None] * len(op.inputs)
        if not is_stop and op.inputs and any(g is not None for g in out_grads):
            grad_fn = op_registry.gradient_function(op)
            if grad_fn is not None and any(is_trainable(t) or t in x_set for t in op.inputs):
                filled = [g if g is not None else _zeros_like_output(op, i)
                          for i, g in enumerate(out_grads)]
                with graph.name_scope(op.name + "_grad"), \
                        (graph.colocate_with(op) if colocate else contextlib.nullcontext()):
                    in_grads = _call_grad_fn(grad_fn, op, filled)
                if gate and sum(g is not None for g in in_grads) > 1:
                    in_grads = _gate(in_grads)
        for t, g in zip(op.inputs, in_grads):
            if g is None or not is_trainable(t):
                continue
            if isinstance(g, Tensor) and t.dtype.base_dtype != dtypes.resource:
                try:
                    g.set_shape(t.shape)
                except ValueError:
                    raise ValueError(f"Incompatible shapes between op input and calculated "
                                     f"input gradient. Forward operation: {op.name}. Input "
                                     f"index: {list(op.inputs).index(t)}. Original input "
                                     f"shape: {t.shape}. Calculated input gradient shape: "
                                     f"{g.shape}") from None
            grads.setdefault(t, []).append(g)
        if is_stop:
            continue
        for t in op.inputs:
            src = t.op
            if src in between:
                pending[src] -= 1
                if pending[src] == 0 and src not in seen_ready:
                    seen_ready.add(src)
                    ready.append(src)
    result = []
    for x in xs:
        g = _aggregate(grads.get(x, []), aggregation_method)
        if g is None and unconnected == UnconnectedGradients.ZERO:
            g = zeros_for_gradient(x)
        result.append(g)
    return result


def _zeros_like_output(op: Operation, index: int):
    t = op.outputs[index]
    if not is_trainable(t):
        return None
    return zeros_for_gradient(t)


def _call_grad_fn(grad_fn, op: Operation, out_grads: list) -> list:
    in_grads = grad_fn(op, *out_grads)
    if isinstance(in_grads, (Tensor, IndexedSlices)) or in_grads is None:
        in_grads = [in_grads]
    in_grads = list(in_grads)
    if len(in_grads) != len(op.inputs):
        raise ValueError(f"Num gradients {len(in_grads)} generated for op {op.node_def} do "
                         f"not match num inputs {len(op.inputs)}")
    for t, g in zip(op.inputs, in_grads):
        if isinstance(g, Tensor) and is_trainable(t) and \
                g.dtype.base_dtype != t.dtype.base_dtype and t.dtype.base_dtype != dtypes.resource:
            raise ValueError(f"Gradient type {g.dtype.name} generated for op {op.name} does "
                             f"not match input type {t.dtype.base_dtype.name}")
    return in_grads


def _gate(in_grads: list) -> list:
    """``gate_gradients=True``: all input gradients of an op become available together."""
    present = [g for g in in_grads if isinstance(g, Tensor)]
    graph = present[0].graph
    with graph.control_dependencies([g.op for g in present]):
        return [apply_op("Identity", [g]) if isinstance(g, Tensor) else g for g in in_grads]


def hessians(ys: Any, xs: Any, gate_gradients: bool = False, aggregation_method: Any = None,
             name: str = "hessians") -> list:
    """Per-x Hessian of sum(ys), shaped x.shape + x.shape (x's shape must be known)."""
    xs = [_to_tensor(x) for x in _as_list(xs)]
    graph = xs[0].graph
    results = []
    with graph.as_default(), graph.name_scope(name):
        for x in xs:
            if not x.shape.is_fully_defined():
                raise ValueError(f"hessians needs a fully defined shape for {x.name}, got "
                                 f"{x.shape}")
            grad, = gradients(ys, x, gate_gradients=gate_gradients,
                              aggregation_method=aggregation_method)
            if grad is None:
                results.append(None)
                continue
            n = x.shape.num_elements()
            flat = apply_op("Reshape", [grad, [n]])
            rows = []
            for g_i in apply_op("Unpack", [flat], {"num": n, "axis": 0}):
                row, = gradients(g_i, x, unconnected_gradients=UnconnectedGradients.ZERO)
                rows.append(apply_op("Reshape", [row, [n]]))
            dims = x.shape.as_list()
            stacked = apply_op("Pack", [rows], {"axis": 0})
            results.append(apply_op("Reshape", [stacked, dims + dims]))
    return results


EXPORTS = {"": ["AggregationMethod", "UnconnectedGradients", "gradients", "hessians"]}
