"""``tf.graph_util``: GraphDef surgery — extract a subgraph, freeze variables to constants.

``convert_variables_to_constants`` does what TF1's does: VariableV2 and VarHandleOp nodes
the outputs need become Consts holding their current values (read through the given
session), and each ReadVariableOp of a frozen handle becomes an Identity.
"""
from __future__ import annotations

from typing import Any, Sequence

from .. import errors
from .tensor_util import make_tensor_proto

_VARIABLE_OPS = ("Variable", "VariableV2", "VarHandleOp")


def _node_name(spec: str) -> str:
    return spec[1:] if spec.startswith("^") else spec.split(":")[0]


def extract_sub_graph(graph_def, dest_nodes: Sequence[str]):
    """The nodes ``dest_nodes`` need (data and control inputs), in the original order."""
    from ...proto import graph_pb2
    if isinstance(dest_nodes, str):
        raise TypeError("dest_nodes must be a list.")
    by_name = {n.name: n for n in graph_def.node}
    missing = [d for d in dest_nodes if d not in by_name]
    if missing:
        raise errors.InvalidArgumentError(
            None, None, f"{missing[0]} is not in graph")
    keep, stack = set(), list(dest_nodes)
    while stack:
        name = stack.pop()
        if name in keep:
            continue
        keep.add(name)
        stack.extend(_node_name(i) for i in by_name[name].input)
    out = graph_pb2.GraphDef()
    out.versions.CopyFrom(graph_def.versions)
    out.library.CopyFrom(graph_def.library)
    out.node.extend(n for n in graph_def.node if n.name in keep)
    return out


def convert_variables_to_constants(sess: Any, input_graph_def, output_node_names: Sequence[str],
                                   variable_names_whitelist: Sequence[str] | None = None,
                                   variable_names_blacklist: Sequence[str] | None = None):
    """A copy of the graph for ``output_node_names`` with variables frozen to Consts."""
    from ...proto import graph_pb2
    graph = extract_sub_graph(input_graph_def, output_node_names)

    def wanted(name: str) -> bool:
        return (variable_names_whitelist is None or name in variable_names_whitelist) and \
            (variable_names_blacklist is None or name not in variable_names_blacklist)
    variables = [n for n in graph.node if n.op in _VARIABLE_OPS and wanted(n.name)]
    reads = {}          # handle name -> a ReadVariableOp reading it (to fetch its value)
    for n in graph.node:
        if n.op == "ReadVariableOp" and n.input:
            reads.setdefault(_node_name(n.input[0]), n.name)
    fetches = []
    for n in variables:
        if n.op == "VarHandleOp":
            if n.name not in reads:
                continue
            fetches.append(reads[n.name] + ":0")
        else:
            fetches.append(n.name + ":0")
    frozen = [n for n in variables if n.op != "VarHandleOp" or n.name in reads]
    values = dict(zip((n.name for n in frozen), sess.run(fetches))) if fetches else {}
    out = graph_pb2.GraphDef()
    out.versions.CopyFrom(graph.versions)
    out.library.CopyFrom(graph.library)
    for node in graph.node:
        new = out.node.add()
        if node.name in values:
            dtype = node.attr["dtype"]
            new.name, new.op = node.name, "Const"
            new.attr["dtype"].CopyFrom(dtype)
            new.attr["value"].tensor.CopyFrom(make_tensor_proto(values[node.name],
                                                                dtype=dtype.type))
            if node.device:
                new.device = node.device
        elif node.op == "ReadVariableOp" and _node_name(node.input[0]) in values:
            new.CopyFrom(node)
            new.op = "Identity"
            new.attr.clear()
            new.attr["T"].CopyFrom(node.attr["dtype"])
        else:
            new.CopyFrom(node)
    return out


def remove_training_nodes(input_graph, protected_nodes: Sequence[str] | None = None):
    """Drops CheckNumerics nodes and splices out Identity nodes (except protected ones)."""
    from ...proto import graph_pb2
    protected = set(protected_nodes or ())
    drop = {n.name: n.input[0] for n in input_graph.node
            if n.op in ("Identity", "CheckNumerics") and n.name not in protected and
            n.input and not n.input[0].startswith("^") and
            all(not i.startswith("^") for i in n.input[1:])}

    def resolve(spec: str) -> str:
        prefix = "^" if spec.startswith("^") else ""
        name = _node_name(spec)
        seen = set()
        while name in drop and name not in seen:
            seen.add(name)
            spec = drop[name]
            name = _node_name(spec)
        return prefix + (name if prefix else spec)
    out = graph_pb2.GraphDef()
    out.versions.CopyFrom(input_graph.versions)
    for node in input_graph.node:
        if node.name in drop:
            continue
        new = out.node.add()
        new.CopyFrom(node)
        del new.input[:]
        new.input.extend(resolve(i) for i in node.input)
    return out


EXPORTS = {"graph_util": ["convert_variables_to_constants", "extract_sub_graph",
                          "remove_training_nodes"]}
