"""TensorFlow 2 functional control flow: If/While/PartitionedCall, tf.cond/tf.while_loop, and
the composites tf.case (nested conds) and tf.tuple (tensors gated on each other).

Branch, loop and callee bodies are functions in the graph's library; kernels run them
through the session's executor as sub-plans built once per function and outer plan.
``tf.cond``/``tf.while_loop`` trace Python callables into such functions, as TF2's
cond_v2/while_v2 do (always building the op, even for a statically known predicate).

Gradients of If and PartitionedCall are an If (PartitionedCall) over gradient functions
built with ``gradients()`` on the body graphs and added to the library. Unlike TF, which
makes the forward op output its intermediates, a gradient function takes the forward
inputs and recomputes the body before differentiating it. A While's gradient likewise
re-runs the loop, pushing each iteration's changing loop variables onto TensorLists, then
runs a backward While that pops them and applies the body's gradient function (a stateful
body, e.g. one drawing random numbers, thus runs again rather than being replayed).
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ...graph import dtypes, nest, op_registry
from ...graph.function import function_graph
from ...graph.core import Operation, Tensor
from ...graph.autodiff.gradients_impl import (gradient_type, gradients, is_trainable,
                                              zeros_for_gradient)
from ...graph.graph import get_default_graph, name_scope
from ...graph.op_builder import apply_op, convert_to_tensor
from ...graph.tensor_shape import TensorShape
from ...proto import attr_value_pb2
from ..array import array_ops
from ..debug.logging_ops import Assert
from ..math import math_ops
from ..framework import raw_ops
from ..framework.declare import declare


# -- shapes and kernels -------------------------------------------------------------------------

def _declared_shapes(op: Operation) -> list[TensorShape] | None:
    shapes = op.attrs.get("output_shapes") or []
    return list(shapes) if len(shapes) == len(op.outputs) else None


def _if_shape(op: Operation) -> list[TensorShape]:
    return _declared_shapes(op) or [TensorShape(None)] * len(op.outputs)


def _while_shape(op: Operation) -> list[TensorShape]:
    """``output_shapes`` if set, else the loop variables' shapes (TF's While shape fn)."""
    return _declared_shapes(op) or [t.shape for t in op.inputs]


def _call_shape(op: Operation) -> list[TensorShape]:
    return [t.shape for t in function_graph.function_graph(op.graph, op.attrs["f"]).outputs]


def _body_runner(op: Operation, ctx: Any, func: Any) -> Callable[[Sequence], list]:
    """Runs library function ``func`` as a sub-plan, built on first use and then reused."""
    plan = None

    def run(args: Sequence) -> list:
        nonlocal plan
        if plan is None:
            fg = function_graph.function_graph(op.graph, func)
            plan = ctx.sub_plan(fg, fg.inputs, fg.outputs, fg.run_targets)
        return plan.run(args)
    return run


def _truth(value: Any) -> bool:
    """TF's predicate rule: a scalar by its value (strings: non-empty), else non-empty."""
    arr = np.asarray(value)
    if arr.ndim:
        return arr.size > 0
    item = arr.item()
    return len(item) > 0 if isinstance(item, (bytes, str)) else bool(item)


def _if_kernel(op: Operation, ctx: Any) -> Callable:
    then_run = _body_runner(op, ctx, op.attrs["then_branch"])
    else_run = _body_runner(op, ctx, op.attrs["else_branch"])

    def kernel(pred, *inputs):
        return (then_run if _truth(pred) else else_run)(inputs)
    return kernel


def _while_kernel(op: Operation, ctx: Any) -> Callable:
    cond_run = _body_runner(op, ctx, op.attrs["cond"])
    body_run = _body_runner(op, ctx, op.attrs["body"])

    def kernel(*loop_vars):
        values = list(loop_vars)
        while _truth(cond_run(values)[0]):
            values = body_run(values)
        return values
    return kernel


def _call_kernel(op: Operation, ctx: Any) -> Callable:
    run = _body_runner(op, ctx, op.attrs["f"])
    return lambda *args: run(args)


# -- gradients ----------------------------------------------------------------------------------

def _func(name: str):
    return attr_value_pb2.NameAttrList(name=name)


def _dense(g: Any, like: Tensor | None = None) -> Tensor:
    """``g`` as a dense tensor; a missing gradient of ``like`` becomes its zeros."""
    if g is None and like is not None:
        return zeros_for_gradient(like)
    return g if isinstance(g, Tensor) else convert_to_tensor(g)


def _inline(func: Any, args: Sequence[Tensor]) -> tuple[list[Tensor], list[Operation]]:
    """Library function ``func``'s body added to the default graph on ``args``."""
    graph = get_default_graph()
    name = func if isinstance(func, str) else func.name
    attrs = {} if isinstance(func, str) else dict(func.attr)
    return function_graph.import_function_body(graph._get_function(name), graph, args, attrs)


def _grad_function(graph, func: Any, diff_in: list[int], diff_out: list[int],
                   args: Sequence[Tensor]) -> str:
    """The library function (inputs..., d outputs...) -> d inputs[diff_in] of ``func``,
    called on ``args`` (whose handle data its resource arguments take: a captured
    variable's gradient is a value of the variable's dtype and shape)."""
    fwd = function_graph.function_graph(graph, func)
    cache = function_graph.root_graph(graph)._caches.setdefault("function_grads", {})
    key = (function_graph._func_key(func), tuple(diff_in), tuple(diff_out))
    if key in cache:
        return cache[key]
    name = function_graph.unique_function_name(graph, f"{fwd.name}_grad")
    fg = function_graph.FunctionGraph(name, function_graph.root_graph(graph))
    with fg.as_default():
        xs = [fg.add_placeholder(t.dtype, t.shape, t.op.name, arg._handle_data)
              for t, arg in zip(fwd.inputs, args)]
        ys, _ = _inline(func, xs)
        dys = [fg.add_placeholder(*gradient_type(ys[j]), f"d_{j}") for j in diff_out]
        grads = gradients([ys[j] for j in diff_out], [xs[i] for i in diff_in], grad_ys=dys,
                          unconnected_gradients="zero")
        fg.outputs = [_dense(g) for g in grads]
    cache[key] = function_graph.register_function(fg)
    return cache[key]


def _differentiable(tensors: Sequence[Tensor]) -> list[int]:
    """Positions that carry gradients: float values, and resources whose variable is
    known (TF differentiates a captured variable through the functional op)."""
    return [i for i, t in enumerate(tensors)
            if is_trainable(t) and t.dtype.base_dtype != dtypes.variant and
            (t.dtype.base_dtype != dtypes.resource or t._handle_data is not None)]


def _gradient_types(tensors: Sequence[Tensor], positions: list[int]) -> tuple[list, list]:
    """The dtypes and shapes of the gradients of ``tensors[positions]``."""
    types = [gradient_type(tensors[i]) for i in positions]
    return [dtype for dtype, _ in types], [shape for _, shape in types]


def _IfGrad(op: Operation, *grads) -> list:  # noqa: N802 (TF's name)
    """An If over the two branches' gradient functions (TF's cond_v2 ``_IfGrad``)."""
    inputs = list(op.inputs[1:])
    diff_in, diff_out = _differentiable(inputs), _differentiable(op.outputs)
    result: list = [None] * len(op.inputs)
    if not diff_in or not diff_out:
        return result
    branches = [_grad_function(op.graph, op.attrs[b], diff_in, diff_out, inputs)
                for b in ("then_branch", "else_branch")]
    dtypes_out, shapes_out = _gradient_types(inputs, diff_in)
    outs = apply_op(op.type, [op.inputs[0], inputs + [_dense(grads[j], op.outputs[j])
                                                      for j in diff_out]],
                    {"Tout": dtypes_out, "then_branch": _func(branches[0]),
                     "else_branch": _func(branches[1]), "output_shapes": shapes_out})
    for i, g in zip(diff_in, outs):
        result[i + 1] = g
    return result


def _PartitionedCallGrad(op: Operation, *grads) -> list:  # noqa: N802 (TF's name)
    """A call of the callee's gradient function (forward inputs, output grads)."""
    inputs = list(op.inputs)
    diff_in, diff_out = _differentiable(inputs), _differentiable(op.outputs)
    result: list = [None] * len(inputs)
    if not diff_in or not diff_out:
        return result
    name = _grad_function(op.graph, op.attrs["f"], diff_in, diff_out, inputs)
    outs = apply_op(op.type, [inputs + [_dense(grads[j], op.outputs[j]) for j in diff_out]],
                    {"Tout": _gradient_types(inputs, diff_in)[0], "f": _func(name)})
    for i, g in zip(diff_in, outs):
        result[i] = g
    return result


def _build_function(graph, base: str, specs: Sequence[tuple], build: Callable) -> str:
    """Registers the function whose outputs ``build(*args)`` returns as (outputs, controls)
    for arguments ``specs`` ((dtype, shape, name[, handle data]) each); returns its name."""
    fg = function_graph.FunctionGraph(function_graph.unique_function_name(graph, base),
                                      function_graph.root_graph(graph))
    with fg.as_default():
        args = [fg.add_placeholder(*spec) for spec in specs]
        fg.outputs, fg.control_outputs = build(*args)
    return function_graph.register_function(fg)


def _shape_arg(shape: TensorShape) -> np.ndarray:
    """A TensorList element_shape input: -1 for unknown rank or dimensions."""
    if shape.rank is None:
        return np.asarray(-1, np.int32)
    return np.asarray([-1 if d is None else d for d in shape.as_list()], np.int32)


_COUNT_SPEC = (dtypes.int32, [], "count")


def _recording_functions(op: Operation, stored: list[int]) -> tuple[str, str]:
    """cond and body of the forward loop re-run that also counts its iterations and pushes
    the loop variables ``stored`` onto one TensorList each, before every iteration."""
    body = function_graph.function_graph(op.graph, op.attrs["body"])
    n = len(op.inputs)
    specs = [(t.dtype, t.shape, t.op.name, x._handle_data)
             for t, x in zip(body.inputs, op.inputs)]
    specs += [_COUNT_SPEC] + [(dtypes.variant, [], f"acc_{j}") for j in stored]

    def cond_fn(*args):
        return _inline(op.attrs["cond"], args[:n])

    def body_fn(*args):
        outs, controls = _inline(op.attrs["body"], args[:n])
        pushed = [apply_op("TensorListPushBack", [lst, args[j]],
                           {"element_dtype": args[j].dtype.base_dtype})
                  for j, lst in zip(stored, args[n + 1:])]
        return outs + [raw_ops.AddV2(x=args[n], y=1)] + pushed, controls

    return (_build_function(op.graph, body.name + "_record_cond", specs, cond_fn),
            _build_function(op.graph, body.name + "_record_body", specs, body_fn))


def _backward_functions(op: Operation, stored: list[int], diff: list[int]) -> tuple[str, str]:
    """cond and body of the backward loop over (k, count, lists, invariants, d loop vars):
    each iteration pops the latest recorded state and applies the body's gradient."""
    body = function_graph.function_graph(op.graph, op.attrs["body"])
    n = len(op.inputs)
    kept = [j for j in range(n) if j not in stored]
    specs = [(dtypes.int32, [], "k"), _COUNT_SPEC]
    specs += [(dtypes.variant, [], f"acc_{j}") for j in stored]
    specs += [(body.inputs[j].dtype, body.inputs[j].shape, body.inputs[j].op.name,
               op.inputs[j]._handle_data) for j in kept]
    specs += [(*gradient_type(op.outputs[j]), f"d_{j}") for j in diff]
    grad_fn = _grad_function(op.graph, op.attrs["body"], diff, diff, op.inputs)

    def cond_fn(k, count, *_):
        return [raw_ops.Less(x=k, y=count)], []

    def body_fn(k, count, *args):
        lists, kept_args = args[:len(stored)], args[len(stored):len(stored) + len(kept)]
        state = dict(zip(kept, kept_args))
        popped = []
        for j, lst in zip(stored, lists):
            rest, state[j] = apply_op(
                "TensorListPopBack", [lst, _shape_arg(body.inputs[j].shape)],
                {"element_dtype": body.inputs[j].dtype.base_dtype})
            popped.append(rest)
        d_vars, _ = _inline(grad_fn, [state[j] for j in range(n)] +
                            list(args[len(stored) + len(kept):]))
        return [raw_ops.AddV2(x=k, y=1), count] + popped + list(kept_args) + d_vars, []

    return (_build_function(op.graph, body.name + "_backward_cond", specs, cond_fn),
            _build_function(op.graph, body.name + "_backward_body", specs, body_fn))


def _while_grad_functions(op: Operation, stored: list[int], diff: list[int]) -> tuple:
    """The four loop functions of ``op``'s gradient, built once per loop and ``diff``."""
    cache = function_graph.root_graph(op.graph)._caches.setdefault("while_grads", {})
    key = (function_graph._func_key(op.attrs["cond"]),
           function_graph._func_key(op.attrs["body"]), tuple(diff))
    if key not in cache:
        cache[key] = _recording_functions(op, stored) + _backward_functions(op, stored, diff)
    return cache[key]


def _loop_like(op: Operation, inputs: list, cond: str, body: str, shapes: list) -> list:
    """A While of ``op``'s type and parallelism over library functions ``cond``/``body``."""
    return apply_op(op.type, [inputs], {"cond": _func(cond), "body": _func(body),
                                        "output_shapes": shapes,
                                        "parallel_iterations":
                                            op.attrs.get("parallel_iterations", 10)})


def _WhileGrad(op: Operation, *grads) -> list:  # noqa: N802 (TF's name)
    """Re-runs the loop recording the loop variables the body changes, then a backward loop
    pops them in reverse and applies the body's vector-Jacobian product; captured
    (pass-through) inputs accumulate their gradient like any other loop variable."""
    body = function_graph.function_graph(op.graph, op.attrs["body"])
    n = len(op.inputs)
    stored = [j for j in range(n) if body.outputs[j] is not body.inputs[j]]
    if any(op.inputs[j].dtype.base_dtype == dtypes.variant for j in stored):
        raise LookupError(f"No gradient implemented for operation '{op.name}' (op type: "
                          f"{op.type}): its body changes a variant (TensorList) loop "
                          "variable, e.g. a second-order gradient of a while loop.")
    diff = _differentiable(op.inputs)
    result: list = [None] * n
    if not diff:
        return result
    names = _while_grad_functions(op, stored, diff)
    kept = [j for j in range(n) if j not in stored]
    lists = [raw_ops.EmptyTensorList(element_shape=np.asarray(-1, np.int32),
                                     max_num_elements=-1,
                                     element_dtype=op.inputs[j].dtype.base_dtype)
             for j in stored]
    scalars = [TensorShape([])] * (1 + len(stored))     # the count and the lists
    record = _loop_like(op, list(op.inputs) + [convert_to_tensor(0)] + lists, *names[:2],
                        [t.shape for t in op.outputs] + scalars)
    inputs = [convert_to_tensor(0), record[n]] + record[n + 1:] + [op.inputs[j] for j in kept]
    backward = _loop_like(op, inputs + [_dense(grads[j], op.outputs[j]) for j in diff],
                          *names[2:], [TensorShape([])] + scalars +
                          [op.inputs[j].shape for j in kept] +
                          _gradient_types(op.outputs, diff)[1])
    for j, g in zip(diff, backward[len(backward) - len(diff):]):
        result[j] = g
    return result


for _t in ("If", "StatelessIf"):
    declare(_t, shape=_if_shape, make_kernel=_if_kernel, grad=_IfGrad)
for _t in ("While", "StatelessWhile"):
    declare(_t, shape=_while_shape, make_kernel=_while_kernel, grad=_WhileGrad,
            handle_data=lambda op: [t._handle_data for t in op.inputs])
for _t in ("PartitionedCall", "StatefulPartitionedCall"):
    declare(_t, shape=_call_shape, make_kernel=_call_kernel, grad=_PartitionedCallGrad)


# -- tracing helpers ----------------------------------------------------------------------------

def _as_fg_tensor(fg, value: Any) -> Tensor:
    """A traced function's output as a tensor of ``fg`` (captured when from outside)."""
    with fg.as_default():
        t = convert_to_tensor(value)
    return fg.capture(t) if t.graph is not fg else t


def _finish(fg, outputs: list, shared: list, pass_through: bool = False) -> str:
    """Gives ``fg`` one argument per tensor of ``shared`` (its own captures or unused
    placeholders, after its declared args), sets its outputs and registers it.

    ``pass_through`` appends those arguments to the outputs (a loop body's invariants).
    """
    declared = fg.inputs[:len(fg.inputs) - len(fg.captures)]
    extra = [fg.captures[t] if t in fg.captures else
             fg.add_placeholder(t.dtype, t.shape, t.op.name) for t in shared]
    fg.inputs = declared + extra
    fg.outputs = outputs + extra if pass_through else outputs
    fg.control_outputs = [op for op in fg.get_operations()
                          if op.type != "Placeholder" and _is_stateful(op)]
    return function_graph.register_function(fg)


def _is_stateful(op: Operation) -> bool:
    return op_registry.is_stateful(op.type)


def _shared_captures(*graphs) -> list[Tensor]:
    return list(dict.fromkeys(t for g in graphs for t in g.captures))


def _any_stateful(*graphs) -> bool:
    return any(_is_stateful(op) for g in graphs for op in g.get_operations())


def _scope_base(scope: str) -> str:
    return scope.rstrip("/").replace("/", "_") or "fn"


# -- function calls -------------------------------------------------------------------------------

def call_function(fn: Callable, inputs: Sequence, name: str | None = None) -> list[Tensor]:
    """Traces ``fn(*inputs)`` into a library function and calls it with a
    (Stateful)PartitionedCall, as a graph-mode ``tf.function`` call does."""
    graph = get_default_graph()
    inputs = [convert_to_tensor(v) for v in inputs]
    fname = function_graph.unique_function_name(
        graph, f"__inference_{getattr(fn, '__name__', 'fn').strip('<>')}")
    specs = [(t.dtype.base_dtype, t.shape, t.op.name) for t in inputs]
    fg, result = function_graph.trace(fn, fname, specs, graph)
    outputs = [_as_fg_tensor(fg, v) for v in nest.flatten(result) if v is not None]
    shared = list(fg.captures)
    _finish(fg, outputs, shared)
    outs = apply_op("StatefulPartitionedCall" if _any_stateful(fg) else "PartitionedCall",
                    [inputs + shared], {"Tout": [t.dtype.base_dtype for t in outputs],
                                        "f": _func(fname)}, name=name)
    return [] if isinstance(outs, Operation) else outs


# -- tf.cond --------------------------------------------------------------------------------------

def _pick_fn(fn: Any, old: Any, old_name: str, new_name: str) -> Callable:
    if old is not None:
        if fn is not None:
            raise TypeError(f"{new_name} and {old_name} may not be set simultaneously.")
        fn = old
    if not callable(fn):
        raise TypeError(f"{new_name} must be callable.")
    return fn


def _unpack_singleton(x: Any) -> Any:
    return x[0] if isinstance(x, (list, tuple)) and len(x) == 1 else x


def cond(pred, true_fn=None, false_fn=None, strict=False, name=None, fn1=None, fn2=None):
    """``tf.cond``: ``true_fn()`` if ``pred`` else ``false_fn()``, as an If/StatelessIf op.

    Both branches become library functions; tensors they read from outside become op
    inputs. Without ``strict``, a singleton list/tuple result is unpacked (TF1 rule).
    A branch pair returning nothing gives the If operation itself.
    """
    true_fn = _pick_fn(true_fn, fn1, "fn1", "true_fn")
    false_fn = _pick_fn(false_fn, fn2, "fn2", "false_fn")
    graph = get_default_graph()
    with graph.as_default(), graph.name_scope(name or "cond") as scope:
        pred = convert_to_tensor(pred)
        if pred.dtype.base_dtype != dtypes.bool_:
            raise TypeError(f"pred must be a bool tensor, got {pred.dtype.name}: {pred.name}")
        if not pred.shape.is_compatible_with(TensorShape([])):
            raise ValueError(f"pred must be a scalar, got shape {pred.shape}: {pred.name}")
        base = _scope_base(scope)
        traced = [function_graph.trace(fn, function_graph.unique_function_name(graph, base + s))
                  for fn, s in ((true_fn, "_true"), (false_fn, "_false"))]
        (then_g, then_res), (else_g, else_res) = traced
        try:
            nest.assert_same_structure(then_res, else_res, check_types=False)
        except (TypeError, ValueError):
            raise ValueError("true_fn and false_fn arguments to tf.cond must have the same "
                             f"number, type, and overall structure of return values. true_fn "
                             f"returned {then_res!r}, false_fn returned {else_res!r}.") from None
        then_out = [_as_fg_tensor(then_g, v) for v in nest.flatten(then_res) if v is not None]
        else_out = [_as_fg_tensor(else_g, v) for v in nest.flatten(else_res) if v is not None]
        for a, b in zip(then_out, else_out):
            if a.dtype.base_dtype != b.dtype.base_dtype:
                raise TypeError(f"true_fn and false_fn must return the same dtypes, got "
                                f"{a.dtype.name} and {b.dtype.name}")
        shared = _shared_captures(then_g, else_g)
        names = [_finish(then_g, then_out, shared), _finish(else_g, else_out, shared)]
        outs = apply_op("If" if _any_stateful(then_g, else_g) else "StatelessIf",
                        [pred, shared],
                        {"Tout": [t.dtype.base_dtype for t in then_out],
                         "then_branch": _func(names[0]), "else_branch": _func(names[1]),
                         "output_shapes": [_common_shape(a.shape, b.shape)
                                           for a, b in zip(then_out, else_out)]},
                        name=scope)
        if isinstance(outs, Operation):
            return outs
        outs = [array_ops.identity(t) for t in outs]
    if then_res is None:
        return outs[0].op if outs else None
    structured = isinstance(then_res, (list, tuple, dict))
    result = nest.pack_sequence_as(then_res, outs) if structured else outs[0]
    return result if strict else _unpack_singleton(result)


def _common_shape(a: TensorShape, b: TensorShape) -> TensorShape:
    """The most specific shape both branch outputs satisfy."""
    if a.rank is None or b.rank is None or a.rank != b.rank:
        return TensorShape(None)
    return TensorShape([x if x == y else None for x, y in zip(a.as_list(), b.as_list())])


# -- tf.while_loop --------------------------------------------------------------------------------

def _loop_shapes(flat_vars: list, shape_invariants: Any, loop_vars: Any) -> list[TensorShape]:
    if shape_invariants is None:
        return [t.shape for t in flat_vars]
    flat = nest.flatten(shape_invariants)
    if len(flat) != len(flat_vars):
        raise ValueError(f"shape_invariants {shape_invariants!r} do not match the structure "
                         f"of loop_vars {loop_vars!r}")
    shapes = [TensorShape(s) for s in flat]
    for t, s in zip(flat_vars, shapes):
        if not s.is_compatible_with(t.shape):
            raise ValueError(f"The shape invariant specified for {t.name} is not compatible "
                             f"with the initial shape of the loop variable. It enters the "
                             f"loop with shape {t.shape}, but the specified shape invariant "
                             f"is {s}.")
    return shapes


def _check_body_outputs(flat_vars: list, shapes: list, outs: list) -> None:
    for t, s, o in zip(flat_vars, shapes, outs):
        if o.dtype.base_dtype != t.dtype.base_dtype:
            raise TypeError(f"Loop variable {t.name} enters the loop with type "
                            f"{t.dtype.base_dtype.name}, but has type {o.dtype.name} after "
                            "one iteration.")
        if not s.is_compatible_with(o.shape) or \
                (s.rank is not None and o.shape.rank is None):
            raise ValueError(f"Input tensor '{t.name}' enters the loop with shape {s}, but has "
                             f"shape {o.shape} after one iteration. To allow the shape to vary "
                             "across iterations, use the `shape_invariants` argument of "
                             "tf.while_loop to specify a less-specific shape.")


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, name=None, maximum_iterations=None,
               return_same_structure=False):
    """``tf.while_loop``: repeats ``body`` while ``cond`` holds, as a While/StatelessWhile.

    Like TF2's while_v2 the op's loop variables are (counter, maximum_iterations, *flat
    loop_vars, *captured tensors); -1 means no iteration limit.
    """
    if not callable(cond):
        raise TypeError("cond must be callable.")
    if not callable(body):
        raise TypeError("body must be callable.")
    if parallel_iterations < 1:
        raise TypeError("parallel_iterations must be a positive integer.")
    graph = get_default_graph()
    with graph.as_default(), graph.name_scope(name or "while") as scope:
        single = not isinstance(loop_vars, (list, tuple, dict))
        structure = [loop_vars] if single else loop_vars
        flat_vars = [convert_to_tensor(v) for v in nest.flatten(structure)]
        if not flat_vars:
            raise ValueError("No loop variables provided")
        max_iter = convert_to_tensor(-1 if maximum_iterations is None else maximum_iterations,
                                     dtype=dtypes.int32, name="maximum_iterations")
        counter = convert_to_tensor(0, dtype=max_iter.dtype, name="loop_counter")
        shapes = _loop_shapes(flat_vars, shape_invariants, loop_vars)
        specs = [(counter.dtype, [], "loop_counter"), (max_iter.dtype, [], "maximum_iterations")]
        specs += [(t.dtype.base_dtype, s, t.op.name) for t, s in zip(flat_vars, shapes)]
        base = _scope_base(scope)

        def cond_fn(i, n, *args):
            pred = convert_to_tensor(cond(*nest.pack_sequence_as(structure, args)))
            if maximum_iterations is not None:
                pred = math_ops.logical_and(math_ops.less(i, n), pred)
            return pred

        def body_fn(i, n, *args):
            result = body(*nest.pack_sequence_as(structure, args))
            flat = nest.flatten([result] if single or not isinstance(result, (list, tuple, dict))
                                else result)
            if len(flat) != len(flat_vars):
                raise ValueError(f"body returned {len(flat)} values for {len(flat_vars)} loop "
                                 "variables; it must return the structure of loop_vars")
            return [math_ops.add(i, 1), n] + flat

        cond_g, pred = function_graph.trace(
            cond_fn, function_graph.unique_function_name(graph, base + "_cond"), specs)
        body_g, new = function_graph.trace(
            body_fn, function_graph.unique_function_name(graph, base + "_body"), specs)
        pred = _as_fg_tensor(cond_g, pred)
        if pred.dtype.base_dtype != dtypes.bool_ or \
                not pred.shape.is_compatible_with(TensorShape([])):
            raise TypeError(f"cond must return a boolean scalar tensor, got {pred}")
        new = [_as_fg_tensor(body_g, v) for v in new]
        _check_body_outputs(flat_vars, shapes, new[2:])
        shared = _shared_captures(cond_g, body_g)
        names = [_finish(cond_g, [pred], shared), _finish(body_g, new, shared, True)]
        inputs = [counter, max_iter] + flat_vars + shared
        outs = apply_op("While" if _any_stateful(cond_g, body_g) else "StatelessWhile",
                        [inputs],
                        {"cond": _func(names[0]), "body": _func(names[1]),
                         "output_shapes": [TensorShape([]), TensorShape([])] + shapes +
                         [t.shape for t in shared],
                         "parallel_iterations": int(parallel_iterations)},
                        name=scope)
        outs = [array_ops.identity(t) for t in outs[:len(specs)]][2:]
    packed = nest.pack_sequence_as(structure, outs)
    if return_same_structure:
        return packed[0] if single else packed
    return outs[0] if len(outs) == 1 else packed


# -- tf.tuple / tf.case ------------------------------------------------------------------------

def tuple_(tensors, name: str | None = None, control_inputs=None) -> list:
    """``tf.tuple``: the tensors, each available only after all of them are computed."""
    tensors = [convert_to_tensor(t) if t is not None and not isinstance(t, Tensor) else t
               for t in tensors]
    present = [t for t in tensors if t is not None]
    if not present:
        return list(tensors)
    graph = present[0].graph
    with name_scope(name, "tuple", present):
        gate = [t.op for t in present] + list(control_inputs or [])
        with graph.control_dependencies(gate):
            return [array_ops.identity(t) if t is not None else None for t in tensors]


def case(pred_fn_pairs, default=None, exclusive: bool = False, strict: bool = False,
         name: str = "case"):
    """``tf.case``: the first pair whose predicate holds, else ``default`` (nested conds)."""
    pairs = list(pred_fn_pairs.items() if isinstance(pred_fn_pairs, dict) else pred_fn_pairs)
    if not pairs:
        raise ValueError("pred_fn_pairs must not be empty")
    if default is None:  # as TF: the last pair's function serves as the default
        *pairs, (_, default) = pairs
    with name_scope(name, "case", [p for p, _ in pairs]):
        if exclusive and len(pairs) > 1:
            count = math_ops.add_n([math_ops.cast(p, dtypes.int32) for p, _ in pairs])
            check = Assert(math_ops.less_equal(count, 1),
                           ["Input error: exclusive=True and more than 1 conditions evaluated "
                            "as True:", count])
            with get_default_graph().control_dependencies([check]):
                pairs = [(array_ops.identity(p), fn) for p, fn in pairs]
        result = default
        for pred, fn in reversed(pairs):
            result = _bind_cond(pred, fn, result, strict)
        return result() if callable(result) else result


def _bind_cond(pred, fn, otherwise, strict: bool):
    """A callable building ``cond(pred, fn, otherwise)`` (so conds nest lazily)."""
    return lambda: cond(pred, fn, otherwise, strict=strict)


EXPORTS: dict[str, list[str]] = {"": ["case", "cond", "tuple", "while_loop"]}
