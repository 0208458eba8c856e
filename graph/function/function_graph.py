"""Function bodies as graphs: FunctionDef -> ``FunctionGraph``, tracing, and back.

A ``FunctionGraph`` holds one function body: a Placeholder per argument (``inputs``), the
returned tensors (``outputs``) and the ops that must run for their side effects
(``control_outputs``). It shares the function library of the graph it belongs to, so
nested calls resolve by name. Control-flow kernels run these graphs as sub-plans.

Body naming follows TensorFlow: arguments by bare name, node outputs as
``node:out_arg:idx`` where ``idx`` counts within the OpDef output arg (``number_attr`` and
``type_list_attr`` args expand to several tensors).
"""
from __future__ import annotations

import contextlib
import itertools
import threading
from typing import Any, Callable, Iterator, Sequence

from ..serialization import attr_value
from .. import dtypes, errors, op_registry
from ..core import Operation, Tensor
from ..graph import Graph, get_default_graph
from ..serialization.graph_io import import_node, node_def_of
from ..op_builder import op_interceptors, create_op, op_outputs
from ..tensor_shape import TensorShape

_CACHE_KEY = "function_graphs"
_uids = itertools.count(1)
_trace_lock = threading.Lock()
_trace_depth = 0


class FunctionGraph(Graph):
    """One function body: arg placeholders, outputs, control outputs, captured tensors."""

    def __init__(self, name: str, outer_graph: Graph):
        super().__init__()
        self.name = name
        self.outer_graph = outer_graph
        self._functions = outer_graph._functions   # one library for every nesting level
        self._seed = outer_graph.seed
        self.inputs: list[Tensor] = []
        self.outputs: list[Tensor] = []
        self.control_outputs: list[Operation] = []
        self.captures: dict[Tensor, Tensor] = {}   # external tensor -> its placeholder

    @property
    def building_function(self) -> bool:
        return True

    @property
    def run_targets(self) -> list[Operation]:
        """Ops a call runs besides the outputs: control outputs and every stateful op."""
        targets = dict.fromkeys(self.control_outputs)
        for op in self.get_operations():
            if op_registry.is_stateful(op.type):
                targets[op] = None
        return list(targets)

    def add_placeholder(self, dtype: dtypes.DType, shape: Any, name: str,
                        handle_data: tuple | None = None) -> Tensor:
        """A new argument placeholder at the root scope, free of control dependencies
        (``handle_data``: the variable a resource argument stands for)."""
        with self.control_dependencies(None), self.name_scope(None):
            op = create_op("Placeholder", [], {"dtype": dtypes.as_dtype(dtype).base_dtype,
                                               "shape": TensorShape(shape)},
                           _arg_name(name), graph=self)
        op.outputs[0]._handle_data = handle_data
        self.inputs.append(op.outputs[0])
        return op.outputs[0]

    def capture(self, tensor: Tensor) -> Tensor:
        """The placeholder standing for an enclosing graph's ``tensor`` (made on first use)."""
        placeholder = self.captures.get(tensor)
        if placeholder is None:
            placeholder = self.add_placeholder(tensor.dtype, tensor.shape, tensor.op.name,
                                               tensor._handle_data)
            self.captures[tensor] = placeholder
        return placeholder

    def encloses(self, graph: Graph) -> bool:
        """Whether ``graph`` is this graph or one it is nested in."""
        g: Any = self
        while g is not None:
            if g is graph:
                return True
            g = getattr(g, "outer_graph", None)
        return False


def _arg_name(name: str) -> str:
    """A TF argument name (``[a-z][a-z0-9_]*``) derived from a tensor or op name."""
    cleaned = "".join(c if c.isalnum() or c == "_" else "_" for c in name.lower())
    return cleaned if cleaned[:1].isalpha() else "arg_" + cleaned


def root_graph(graph: Graph) -> Graph:
    """The outermost graph; it owns the function library and the function-graph cache."""
    while isinstance(graph, FunctionGraph):
        graph = graph.outer_graph
    return graph


def _cache(graph: Graph) -> dict:
    return root_graph(graph)._caches.setdefault(_CACHE_KEY, {})


def _func_key(func: Any) -> tuple:
    if isinstance(func, str):
        return func, b""
    return func.name, b"".join(k.encode() + func.attr[k].SerializeToString(deterministic=True)
                               for k in sorted(func.attr))


# -- FunctionDef -> FunctionGraph ---------------------------------------------------------------

def function_graph(graph: Graph, func: Any) -> FunctionGraph:
    """The body graph of library function ``func`` (a name or ``NameAttrList``), cached."""
    key = _func_key(func)
    cache = _cache(graph)
    fg = cache.get(key)
    if fg is None:
        fdef = graph._get_function(key[0])
        if fdef is None:
            raise errors.NotFoundError(
                None, None, f"Function '{key[0]}' is not in the graph's function library")
        attrs = {} if isinstance(func, str) else dict(func.attr)
        fg = FunctionGraph(key[0], root_graph(graph))
        with fg.as_default():
            args = [fg.add_placeholder(_arg_dtype(fdef, arg, attrs), _arg_shape(fdef, i), arg.name)
                    for i, arg in enumerate(fdef.signature.input_arg)]
            fg.outputs, fg.control_outputs = import_function_body(fdef, fg, args, attrs)
        cache[key] = fg
    return fg


def _arg_dtype(fdef, arg, attrs: dict) -> dtypes.DType:
    if arg.number_attr or arg.type_list_attr:
        raise errors.UnimplementedError(
            None, None, f"Function '{fdef.signature.name}': list argument '{arg.name}' is not "
                        "supported")
    if arg.type:
        return dtypes.as_dtype(arg.type)
    if arg.type_attr in attrs:
        return dtypes.as_dtype(attrs[arg.type_attr].type)
    raise errors.InvalidArgumentError(
        None, None, f"Function '{fdef.signature.name}': attr '{arg.type_attr}' of argument "
                    f"'{arg.name}' is not given by the caller")


def _arg_shape(fdef, index: int) -> TensorShape:
    """The argument's recorded shape (TF's ``_output_shapes`` arg attr), else unknown."""
    if index in fdef.arg_attr:
        shapes = fdef.arg_attr[index].attr.get("_output_shapes")
        if shapes is not None and len(shapes.list.shape) == 1:
            return attr_value.from_proto(shapes)[0]
    return TensorShape(None)


def import_function_body(fdef, graph: Graph, args: Sequence[Tensor],
                         attrs: dict | None = None) -> tuple[list[Tensor], list[Operation]]:
    """Adds ``fdef``'s body to ``graph`` with ``args`` as its arguments.

    Returns the tensors ``ret`` names (in output-arg order) and the control-output ops.
    ``attrs`` (name -> AttrValue) resolve attr placeholders in the body.
    """
    sig = fdef.signature
    name = sig.name
    if len(args) != len(sig.input_arg):
        raise errors.InvalidArgumentError(
            None, None, f"Function '{name}' takes {len(sig.input_arg)} arguments, got "
                        f"{len(args)}")
    arg_map = {a.name: t for a, t in zip(sig.input_arg, args)}
    for node in fdef.node_def:
        graph._mark_name_used(node.name)
    created: dict[str, Operation] = {}
    out_defs: dict[str, Any] = {}          # node -> signature naming its outputs
    for node in _body_order(fdef):
        node = _instantiate(fdef, node, attrs or {}, graph, out_defs)
        input_map = {}
        for spec in node.input:
            if not spec.startswith("^"):
                t = _resolve(name, spec, arg_map, created, out_defs)
                input_map[spec if ":" in spec else spec + ":0"] = t
        created[node.name] = import_node(graph, node, "", created, input_map, set())
    outputs = []
    for arg in sig.output_arg:
        if arg.name not in fdef.ret:
            raise errors.InvalidArgumentError(
                None, None, f"Function '{name}': output '{arg.name}' has no ret entry")
        outputs.append(_resolve(name, fdef.ret[arg.name], arg_map, created, out_defs))
    controls = []
    for node_name in fdef.control_ret.values():
        if node_name not in created:
            raise errors.InvalidArgumentError(
                None, None, f"Function '{name}': control output '{node_name}' is not a node")
        controls.append(created[node_name])
    return outputs, controls


def _body_order(fdef) -> list:
    """Body nodes with every node after the nodes it reads; a cycle is an error."""
    nodes = {n.name: n for n in fdef.node_def}
    order, state = [], {}
    for start in nodes:
        stack = [(start, False)]
        while stack:
            name, done = stack.pop()
            if done:
                state[name] = 2
                order.append(nodes[name])
                continue
            if state.get(name) == 2:
                continue
            if state.get(name) == 1:
                raise errors.InvalidArgumentError(
                    None, None, f"Function '{fdef.signature.name}' has a cycle through node "
                                f"'{name}'")
            state[name] = 1
            stack.append((name, True))
            for spec in nodes[name].input:
                dep = spec.lstrip("^").split(":")[0]
                if dep in nodes and state.get(dep) != 2:
                    stack.append((dep, False))
    return order


def _instantiate(fdef, node, attrs: dict, graph: Graph, out_defs: dict):
    """The NodeDef with attr placeholders filled; a direct function call -> PartitionedCall."""
    copy = type(node)()
    copy.CopyFrom(node)
    for key, value in node.attr.items():
        if value.WhichOneof("value") == "placeholder":
            if value.placeholder not in attrs:
                raise errors.InvalidArgumentError(
                    None, None, f"Function '{fdef.signature.name}', node '{node.name}': attr "
                                f"placeholder '{value.placeholder}' is not given by the caller")
            copy.attr[key].CopyFrom(attrs[value.placeholder])
    if node.op in op_registry.OP_DEFS:
        return copy
    callee = graph._get_function(node.op)
    if callee is None:
        raise errors.NotFoundError(
            None, None, f"Op type not registered '{node.op}' in binary (node '{node.name}' of "
                        f"function '{fdef.signature.name}')")
    return _as_partitioned_call(copy, callee, out_defs)


def _as_partitioned_call(node, callee, out_defs: dict):
    """Rewrites ``node`` (``op: <function name>``) as the equivalent PartitionedCall."""
    from ...proto import attr_value_pb2
    sig = callee.signature
    call = type(node)(name=node.name, op="StatefulPartitionedCall" if sig.is_stateful
                      else "PartitionedCall", device=node.device)
    call.input.extend(node.input)
    func = attr_value_pb2.NameAttrList(name=sig.name)
    for key, value in node.attr.items():
        func.attr[key].CopyFrom(value)
    call.attr["f"].func.CopyFrom(func)
    for attr_name, args in (("Tin", sig.input_arg), ("Tout", sig.output_arg)):
        types = [a.type or node.attr[a.type_attr].type for a in args]
        call.attr[attr_name].list.type.extend(types)
    out_defs[node.name] = sig
    return call


def _output_offset(op_def, attrs: dict, out_arg: str) -> int | None:
    offset = 0
    for arg in op_def.output_arg:
        if arg.name == out_arg:
            return offset
        offset += _arg_size(arg, attrs)
    return None


def _arg_size(arg, attrs: dict) -> int:
    if arg.number_attr:
        return int(attrs[arg.number_attr])
    if arg.type_list_attr:
        return len(attrs[arg.type_list_attr])
    return 1


def _resolve(fname: str, spec: str, arg_map: dict, created: dict, out_defs: dict) -> Tensor:
    """The tensor a body reference names: ``arg``, or ``node:out_arg:idx``."""
    parts = spec.split(":")
    if len(parts) == 1 and spec in arg_map:
        return arg_map[spec]
    op = created.get(parts[0])
    if op is not None and len(parts) == 3 and parts[2].isdigit():
        sig = out_defs.get(op.name)
        if sig is not None:   # a direct call: outputs are named by the callee's signature
            names = [a.name for a in sig.output_arg]
            offset = names.index(parts[1]) if parts[1] in names else None
        else:
            offset = _output_offset(op.op_def, op.attrs, parts[1])
        if offset is not None and offset + int(parts[2]) < len(op.outputs):
            return op.outputs[offset + int(parts[2])]
    raise errors.InvalidArgumentError(
        None, None, f"Function '{fname}': reference '{spec}' names no argument or node output")


# -- FunctionGraph -> FunctionDef ---------------------------------------------------------------

def _reference(t: Tensor, arg_names: dict) -> str:
    """How a FunctionDef body names tensor ``t``."""
    if t in arg_names:
        return arg_names[t]
    op = t.op
    offset = 0
    for arg in op.op_def.output_arg:
        size = _arg_size(arg, op.attrs)
        if t.value_index < offset + size:
            return f"{op.name}:{arg.name}:{t.value_index - offset}"
        offset += size
    raise ValueError(f"Tensor {t.name} is not an output of its op's OpDef")


def to_function_def(fg: FunctionGraph):
    """The FunctionDef of a built function graph (arguments named after placeholders)."""
    from ...proto import function_pb2
    fdef = function_pb2.FunctionDef()
    sig = fdef.signature
    sig.name = fg.name
    arg_names = {}
    for t in fg.inputs:
        arg_names[t] = t.op.name
        sig.input_arg.add(name=t.op.name, type=t.dtype.base_dtype.as_datatype_enum)
    arg_ops = {t.op for t in fg.inputs}
    for i, t in enumerate(fg.outputs):
        sig.output_arg.add(name=f"output_{i}", type=t.dtype.base_dtype.as_datatype_enum)
        fdef.ret[f"output_{i}"] = _reference(t, arg_names)
    for op in fg.get_operations():
        if op in arg_ops:
            continue
        node = node_def_of(op)
        del node.input[:]
        node.input.extend(_reference(t, arg_names) for t in op.inputs)
        node.input.extend("^" + c.name for c in op.control_inputs if c not in arg_ops)
        fdef.node_def.append(node)
        if op_registry.is_stateful(op.type):
            sig.is_stateful = True
    for op in fg.control_outputs:
        sig.control_output.append(op.name)
        fdef.control_ret[op.name] = op.name
    return fdef


def register_function(fg: FunctionGraph) -> str:
    """Adds ``fg`` to its library (as a FunctionDef) and to the cache; returns its name."""
    root = root_graph(fg)
    root._add_function(to_function_def(fg))
    _cache(root)[_func_key(fg.name)] = fg
    return fg.name


def unique_function_name(graph: Graph, base: str) -> str:
    """``<base>_<n>`` not yet in the library (TF suffixes a process-wide uid too)."""
    base = _arg_name(base)
    while True:
        name = f"{base}_{next(_uids)}"
        if graph._get_function(name) is None:
            return name


# -- tracing Python functions -------------------------------------------------------------------

def _capture_value(fg: FunctionGraph, value: Any) -> Any:
    if isinstance(value, Tensor):
        if value.graph is not fg and fg.encloses(value.graph):
            return fg.capture(value)
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_capture_value(fg, v) for v in value)
    return value


def _capturing_interceptor(op_type: str, op_def, inputs: Sequence, attrs: dict,
                           name: str | None):
    """Ops built while tracing read enclosing graphs' tensors through captures."""
    fg = get_default_graph()
    if not isinstance(fg, FunctionGraph) or not any(_foreign(fg, v) for v in inputs):
        return NotImplemented
    inputs = [_capture_value(fg, v) for v in inputs]
    return op_outputs(create_op(op_type, inputs, attrs, name, graph=fg, op_def=op_def))


def _foreign(fg: FunctionGraph, value: Any) -> bool:
    if isinstance(value, Tensor):
        return value.graph is not fg
    if isinstance(value, (list, tuple)):
        return any(_foreign(fg, v) for v in value)
    return False


@contextlib.contextmanager
def tracing(fg: FunctionGraph) -> Iterator[FunctionGraph]:
    """Builds ops into ``fg``, capturing tensors of enclosing graphs as new arguments."""
    global _trace_depth
    with _trace_lock:
        if _trace_depth == 0:
            op_interceptors.append(_capturing_interceptor)
        _trace_depth += 1
    try:
        with fg.as_default():
            yield fg
    finally:
        with _trace_lock:
            _trace_depth -= 1
            if _trace_depth == 0:
                op_interceptors.remove(_capturing_interceptor)


def trace(fn: Callable, name: str, arg_specs: Sequence[tuple] = (),
          outer_graph: Graph | None = None) -> tuple[FunctionGraph, Any]:
    """Calls ``fn`` on placeholders for ``arg_specs`` ((dtype, shape, name) each) inside a
    new function graph; returns the graph and what ``fn`` returned (outputs not yet set)."""
    fg = FunctionGraph(name, outer_graph or get_default_graph())
    with tracing(fg):
        args = [fg.add_placeholder(dt, shape, arg) for dt, shape, arg in arg_specs]
        result = fn(*args)
    return fg, result
