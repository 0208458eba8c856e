"""GraphDef export/import (binary and text format), byte-compatible with TensorFlow.

``import_graph_def`` validates untrusted GraphDefs: unknown ops, dangling or cyclic
inputs, type mismatches and malformed attrs raise typed errors naming the node.
"""
from __future__ import annotations

import os
from typing import Any, Sequence

from google.protobuf import message as pb_message
from google.protobuf import text_format

from ...proto.attr_value_pb2 import AttrValue, NameAttrList  # noqa: F401  (EXPORTS)
from ...proto.graph_pb2 import GraphDef  # noqa: F401  (EXPORTS)
from ...proto.node_def_pb2 import NodeDef  # noqa: F401  (EXPORTS)
from . import attr_value
from .. import dtypes, errors, op_registry
from ..core import Operation, Tensor
from ..graph import Graph, get_default_graph
from ..op_builder import add_op_to_graph, output_dtypes


def _input_name(t: Tensor) -> str:
    return t.op.name if t.value_index == 0 else f"{t.op.name}:{t.value_index}"


def node_def_of(op: Operation, add_shapes: bool = False):
    """The NodeDef for ``op``; attrs are encoded with their OpDef types."""
    from ...proto import node_def_pb2
    node = node_def_pb2.NodeDef(name=op.name, op=op.type, device=op.device)
    node.input.extend(_input_name(t) for t in op.inputs)
    node.input.extend("^" + c.name for c in op.control_inputs)
    types = {a.name: a.type for a in op.op_def.attr} if op.op_def is not None else {}
    for key, value in op.attrs.items():
        if value is None:
            continue
        node.attr[key].CopyFrom(attr_value.to_proto(value, types.get(key)))
    if add_shapes and op.outputs:
        node.attr["_output_shapes"].CopyFrom(
            attr_value.to_proto([t.shape for t in op.outputs], "list(shape)"))
    return node


def graph_to_graph_def(graph: Graph, from_version: int | None = None, add_shapes: bool = False):
    from ...proto import graph_pb2
    graph_def = graph_pb2.GraphDef()
    graph_def.versions.CopyFrom(graph.graph_def_versions)
    for op in graph.get_operations():
        if from_version is None or op._id >= from_version:
            graph_def.node.append(node_def_of(op, add_shapes))
    for fdef in graph._functions.values():
        graph_def.library.function.append(fdef)
    return graph_def


def parse_graph_def(data: bytes):
    """Parses serialized GraphDef bytes; malformed bytes are an InvalidArgumentError."""
    from ...proto import graph_pb2
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"Expected serialized GraphDef bytes, got {type(data).__name__}")
    graph_def = graph_pb2.GraphDef()
    try:
        graph_def.ParseFromString(bytes(data))
    except (pb_message.DecodeError, ValueError, RuntimeError) as e:
        raise errors.InvalidArgumentError(
            None, None, f"Invalid GraphDef: the bytes ({len(data)} bytes) do not parse as a "
                        f"GraphDef protocol buffer: {e}") from None
    return graph_def


def _parse_input(spec: str) -> tuple[str, int, bool]:
    if spec.startswith("^"):
        return spec[1:], -1, True
    name, sep, index = spec.rpartition(":")
    if sep and index.isdigit():
        return name, int(index), False
    return spec, 0, False


def _is_back_edge(node, src) -> bool:
    """A while loop's NextIteration -> Merge edge (the one edge allowed to close a cycle)."""
    return node.op == "Merge" and src.op == "NextIteration"


def _topological_nodes(nodes: Sequence) -> list:
    """Nodes ordered so inputs come first; a cycle is an InvalidArgumentError."""
    by_name = {}
    for node in nodes:
        if node.name in by_name:
            raise errors.InvalidArgumentError(
                None, None, f"Node '{node.name}' is not unique in the GraphDef")
        by_name[node.name] = node
    pending, consumers = {}, {n: [] for n in by_name}
    for node in nodes:
        deps = set()
        for spec in node.input:
            src, _, _ = _parse_input(spec)
            if src in by_name and not _is_back_edge(node, by_name[src]):
                deps.add(src)
        pending[node.name] = len(deps)
        for d in deps:
            consumers[d].append(node.name)
    ready = [n.name for n in reversed(nodes) if pending[n.name] == 0]
    order = []
    while ready:
        name = ready.pop()
        order.append(by_name[name])
        for c in consumers[name]:
            pending[c] -= 1
            if pending[c] == 0:
                ready.append(c)
    if len(order) != len(nodes):
        stuck = sorted(n for n, k in pending.items() if k > 0)
        raise errors.InvalidArgumentError(
            None, None, f"GraphDef contains a cycle through {len(stuck)} nodes, including: "
                        f"{', '.join(stuck[:5])}")
    return order


def import_graph_def(graph_def: Any, input_map: dict | None = None,
                     return_elements: Sequence[str] | None = None, name: str | None = None,
                     op_dict: Any = None, producer_op_list: Any = None):
    """Imports ``graph_def`` into the default graph under scope ``name`` ("import")."""
    if isinstance(graph_def, (bytes, bytearray, memoryview)):
        graph_def = parse_graph_def(graph_def)
    if not hasattr(graph_def, "node"):
        raise TypeError(f"graph_def must be a GraphDef proto, got {type(graph_def).__name__}")
    graph = get_default_graph()
    input_map = dict(input_map or {})
    for key, value in input_map.items():
        if not isinstance(key, str):
            raise TypeError(f"input_map keys must be strings, got {key!r}")
        if not isinstance(value, Tensor):
            from ..op_builder import convert_to_tensor
            input_map[key] = convert_to_tensor(value)
    used_keys: set = set()
    for fdef in graph_def.library.function:
        graph._add_function(fdef)
    with graph.name_scope(name if name is not None else "import") as scope:
        prefix = scope
        created: dict[str, Operation] = {}
        back_edges = []
        loops = {n.name for n in graph_def.node if n.op == "NextIteration"}
        for node in _topological_nodes(graph_def.node):
            node, deferred = _defer_back_edges(node, loops) if node.op == "Merge" else (node, [])
            op = import_node(graph, node, prefix, created, input_map, used_keys)
            created[node.name] = op
            back_edges.extend((op, i, spec) for i, spec in deferred)
        for op, i, spec in back_edges:
            src, index, _ = _parse_input(spec)
            update_input(op, i, created[src].outputs[index])
    missing = set(input_map) - used_keys
    if missing:
        raise ValueError(f"Attempted to map inputs that were not found in graph_def: "
                         f"[{', '.join(sorted(missing))}]")
    if return_elements is None:
        return None
    results = []
    for element in return_elements:
        src, index, _ = _parse_input(element)
        op = created.get(src)
        if op is None:
            raise ValueError(f"Requested return_element {element!r} not found in graph_def.")
        if ":" in element:
            if index >= len(op.outputs):
                raise ValueError(f"Requested return_element {element!r} not found in graph_def.")
            results.append(op.outputs[index])
        else:
            results.append(op)
    return results


def _defer_back_edges(node, loops: set) -> tuple[Any, list]:
    """A copy of Merge ``node`` whose loop back-edge inputs (not imported yet) are replaced by
    its first input (Merge inputs share one type), plus (position, real input) to patch."""
    srcs = [_parse_input(spec) for spec in node.input]
    deferred = [(i, spec) for i, (spec, (src, _, ctl)) in enumerate(zip(node.input, srcs))
                if not ctl and src in loops and i > 0]
    if not deferred:
        return node, []
    copy = type(node)()
    copy.CopyFrom(node)
    for i, _ in deferred:
        copy.input[i] = node.input[0]
    return copy, deferred


def update_input(op: Operation, index: int, tensor: Tensor) -> None:
    """Replaces data input ``index`` of ``op`` (TF's ``Operation._update_input``; closes loops)."""
    old = op._inputs[index]
    if old.dtype.base_dtype != tensor.dtype.base_dtype:
        raise TypeError(f"Cannot update input {index} of '{op.name}' from {old.dtype.name} to "
                        f"{tensor.dtype.name}")
    old._consumers.remove(op)
    op._inputs = op._inputs[:index] + (tensor,) + op._inputs[index + 1:]
    tensor._consumers.append(op)
    op._graph._version += 1


def import_node(graph: Graph, node, prefix: str, created: dict, input_map: dict,
                used_keys: set) -> Operation:
    """Validates one NodeDef and adds it to ``graph`` (inputs resolved through ``created``)."""
    op_def = op_registry.OP_DEFS.get(node.op)
    if op_def is None:
        if graph._get_function(node.op) is None:
            raise errors.NotFoundError(
                None, None, f"Op type not registered '{node.op}' in binary (node "
                            f"'{node.name}'). sessionflow does not implement this op.")
        raise errors.UnimplementedError(
            None, None, f"Node '{node.name}' calls library function '{node.op}' directly; "
                        "function calls by op name are not supported yet.")
    attrs = {}
    for key, value in node.attr.items():
        try:
            attrs[key] = attr_value.from_proto(value)
        except (ValueError, TypeError, errors.OpError) as e:
            raise errors.InvalidArgumentError(
                None, None, f"Node '{node.name}': malformed attr '{key}': {e}") from None
    for attr_def in op_def.attr:
        if attr_def.name not in attrs:
            if attr_def.HasField("default_value"):
                attrs[attr_def.name] = attr_value.from_proto(attr_def.default_value)
            else:
                raise errors.InvalidArgumentError(
                    None, None, f"NodeDef '{node.name}' ({node.op}) is missing attr "
                                f"'{attr_def.name}'")
    inputs, controls = [], []
    for spec in node.input:
        src, index, is_control = _parse_input(spec)
        key = spec if is_control or ":" in spec else f"{src}:0"
        if not is_control and key in input_map:
            used_keys.add(key)
            inputs.append(input_map[key])
            continue
        if not is_control and src in input_map and index == 0:
            used_keys.add(src)
            inputs.append(input_map[src])
            continue
        op = created.get(src)
        if op is None:
            raise errors.InvalidArgumentError(
                None, None, f"Node '{node.name}': input '{spec}' refers to a node that is not "
                            "in the GraphDef")
        if is_control:
            controls.append(op)
            continue
        if index >= len(op.outputs):
            raise errors.InvalidArgumentError(
                None, None, f"Node '{node.name}': input '{spec}' refers to output {index} of "
                            f"'{src}', which has only {len(op.outputs)} outputs")
        inputs.append(op.outputs[index])
    try:
        _check_input_types(node, op_def, inputs, attrs)
        output_dtypes(op_def, attrs)
    except (KeyError, TypeError, ValueError) as e:
        raise errors.InvalidArgumentError(
            None, None, f"Node '{node.name}' ({node.op}) does not match its OpDef: {e}") from None
    op_name = prefix + node.name
    graph._mark_name_used(op_name)
    try:
        with graph.control_dependencies(None):
            op = add_op_to_graph(graph, node.op, op_def, inputs, attrs, op_name,
                                 control_inputs=controls, unique=False)
    except ValueError as e:
        raise ValueError(f"Node '{node.name}' ({node.op}): {e}") from None
    if node.device:
        op._device = node.device
    return op


def _check_input_types(node, op_def, inputs: list, attrs: dict) -> None:
    expected = []
    for arg in op_def.input_arg:
        if arg.type_list_attr:
            expected.extend((dtypes.as_dtype(t), arg.is_ref) for t in attrs[arg.type_list_attr])
            continue
        dt = dtypes.as_dtype(arg.type) if arg.type else dtypes.as_dtype(attrs[arg.type_attr])
        expected.extend([(dt, arg.is_ref)] * (attrs[arg.number_attr] if arg.number_attr else 1))
    if len(expected) != len(inputs):
        raise ValueError(f"expected {len(expected)} inputs, got {len(inputs)}")
    for i, ((dt, is_ref), t) in enumerate(zip(expected, inputs)):
        if t.dtype.base_dtype != dt.base_dtype or (is_ref and not t.dtype.is_ref_dtype):
            raise TypeError(f"input {i} has type {t.dtype.name}, expected "
                            f"{dt.name}{'_ref' if is_ref else ''}")


# -- files ------------------------------------------------------------------------------------

def _safe_join(logdir: str, name: str) -> str:
    base = os.path.realpath(logdir)
    path = os.path.realpath(os.path.join(base, name))
    if os.path.commonpath([base, path]) != base:
        raise errors.InvalidArgumentError(
            None, None, f"Graph file name {name!r} escapes the directory {logdir!r}")
    return path


def write_proto_file(path: str, message, as_text: bool) -> None:
    """Writes ``message`` (text or binary) atomically: a temp file, then a rename."""
    data = text_format.MessageToString(message).encode() if as_text else \
        message.SerializeToString()
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def read_proto_file(path: str, message, text: bool | None = None):
    """Parses ``path`` into ``message``; typed errors for a missing or malformed file.

    ``text=None`` reads ``.pbtxt``/``.txt`` as text and anything else as binary, falling
    back to text when the binary parse fails (as TF's loaders do).
    """
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory") from None
    kind = type(message).__name__
    if text is None and not path.endswith((".pbtxt", ".txt")):
        try:
            message.ParseFromString(data)
            return message
        except (pb_message.DecodeError, RuntimeError, ValueError):
            message.Clear()
    if text is False:
        try:
            message.ParseFromString(data)
            return message
        except (pb_message.DecodeError, RuntimeError, ValueError) as e:
            raise errors.InvalidArgumentError(None, None, f"Invalid {kind} in {path}: {e}") \
                from None
    try:
        text_format.Parse(data.decode("utf-8"), message)
    except (text_format.ParseError, UnicodeDecodeError) as e:
        raise errors.InvalidArgumentError(
            None, None, f"{path} is not a valid binary or text-format {kind}: {e}") from None
    return message


def write_graph(graph_or_graph_def: Any, logdir: str, name: str, as_text: bool = True) -> str:
    """Writes a GraphDef to ``logdir/name`` (text format by default), atomically."""
    graph_def = graph_or_graph_def.as_graph_def() if isinstance(graph_or_graph_def, Graph) \
        else graph_or_graph_def
    os.makedirs(logdir, exist_ok=True)
    path = _safe_join(logdir, name)
    write_proto_file(path, graph_def, as_text)
    return path


def read_graph_def(path: str):
    """Reads a binary or text-format GraphDef file (``.pbtxt`` is parsed as text)."""
    from ...proto import graph_pb2
    return read_proto_file(path, graph_pb2.GraphDef())


EXPORTS = {"": ["import_graph_def", "GraphDef", "NodeDef", "AttrValue", "NameAttrList"],
           "train": ["write_graph"], "io": ["write_graph"]}
