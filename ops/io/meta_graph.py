"""MetaGraphDef export/import: the graph plus its collections and SaverDef, as TF1 does.

Variable collections are stored as ``VariableDef`` protos (bytes_list), op and tensor
collections as node_list names, and plain values as bytes/int64/float lists, so a
MetaGraph written here loads in TensorFlow and vice versa.
"""
from __future__ import annotations

from typing import Any


from ...proto import meta_graph_pb2, variable_pb2
from ...proto.meta_graph_pb2 import MetaGraphDef  # noqa: F401  (EXPORTS)
from ...graph import op_registry
from ...graph.core import Operation, Tensor
from ...graph.graph import get_default_graph
from ...graph.serialization.graph_io import import_graph_def, read_proto_file, write_proto_file
from ...graph.graph_keys import GraphKeys
from ..state.variables import Variable

_VARIABLE_COLLECTIONS = {GraphKeys.GLOBAL_VARIABLES, GraphKeys.TRAINABLE_VARIABLES,
                         GraphKeys.LOCAL_VARIABLES, GraphKeys.MODEL_VARIABLES,
                         GraphKeys.MOVING_AVERAGE_VARIABLES, GraphKeys.METRIC_VARIABLES}
# ``tensorflow_version`` names the TensorFlow release whose formats a MetaGraph follows
# (TensorFlow parses it as a PEP 440 version to choose compatibility fixes); sessionflow
# writes TF 2.21's OpDefs and formats, and names itself in the git-version field.
COMPATIBLE_TENSORFLOW_VERSION = "2.21.0"
PRODUCER = "sessionflow-0.1.0"


def _add_collection(meta, key: str, items: list) -> None:
    if not items:
        return
    collection = meta.collection_def[key]
    if all(isinstance(i, Variable) for i in items):
        collection.bytes_list.value.extend(v.to_proto().SerializeToString() for v in items)
    elif all(isinstance(i, (Tensor, Operation)) for i in items):
        collection.node_list.value.extend(i.name for i in items)
    elif all(isinstance(i, (bytes, str)) for i in items):
        collection.bytes_list.value.extend(i.encode() if isinstance(i, str) else i for i in items)
    elif all(isinstance(i, int) and not isinstance(i, bool) for i in items):
        collection.int64_list.value.extend(items)
    elif all(isinstance(i, float) for i in items):
        collection.float_list.value.extend(items)
    else:
        del meta.collection_def[key]  # TF also skips collections it cannot serialize


def create_meta_graph_def(graph=None, saver_def=None, collection_list=None,
                          clear_devices: bool = False, graph_def=None):
    """Builds a MetaGraphDef of ``graph`` (default: the default graph)."""
    graph = graph or get_default_graph()
    meta = meta_graph_pb2.MetaGraphDef()
    meta.meta_info_def.tensorflow_version = COMPATIBLE_TENSORFLOW_VERSION
    meta.meta_info_def.tensorflow_git_version = PRODUCER
    graph_def = graph_def if graph_def is not None else graph.as_graph_def(add_shapes=True)
    meta.graph_def.CopyFrom(graph_def)
    if clear_devices:
        for node in meta.graph_def.node:
            node.device = ""
    used = {node.op for node in meta.graph_def.node}
    for op_type in sorted(used):
        if op_type in op_registry.OP_DEFS:
            meta.meta_info_def.stripped_op_list.op.add().CopyFrom(op_registry.OP_DEFS[op_type])
    if saver_def is not None:
        meta.saver_def.CopyFrom(saver_def)
    keys = collection_list if collection_list is not None else graph.get_all_collection_keys()
    for key in keys:
        _add_collection(meta, key, graph.get_collection(key))
    return meta


def export_meta_graph(filename: str | None = None, meta_info_def=None, graph_def=None,
                      saver_def=None, collection_list=None, as_text: bool = False,
                      graph=None, export_scope=None, clear_devices: bool = False,
                      clear_extraneous_savers: bool = False, strip_default_attrs: bool = False,
                      save_debug_info: bool = False, **kwargs):
    """``tf.train.export_meta_graph``: returns the MetaGraphDef, writing it if ``filename``."""
    meta = create_meta_graph_def(graph, saver_def, collection_list, clear_devices, graph_def)
    if meta_info_def is not None:
        meta.meta_info_def.MergeFrom(meta_info_def)
    if filename:
        write_proto_file(filename, meta, as_text)
    return meta


def read_meta_graph_file(filename: str):
    """Reads a binary (or text) MetaGraphDef; bad bytes are an InvalidArgumentError."""
    return read_proto_file(filename, meta_graph_pb2.MetaGraphDef())


def _restore_collection(graph, key: str, collection, import_scope: str | None) -> None:
    prefix = f"{import_scope}/" if import_scope else ""
    kind = collection.WhichOneof("kind")
    if kind == "node_list":
        for name in collection.node_list.value:
            graph.add_to_collection(key, graph.as_graph_element(prefix + name))
    elif kind == "bytes_list":
        if key in _VARIABLE_COLLECTIONS or key.endswith("variables"):
            cache = graph._caches.setdefault("imported_variables", {})
            for data in collection.bytes_list.value:
                vdef = variable_pb2.VariableDef.FromString(data)
                var = cache.get((import_scope, vdef.variable_name))
                if var is None:
                    var = cache[(import_scope, vdef.variable_name)] = \
                        Variable.from_proto(vdef, import_scope)
                graph.add_to_collection(key, var)
        else:
            for value in collection.bytes_list.value:
                graph.add_to_collection(key, value)
    elif kind in ("int64_list", "float_list"):
        for value in getattr(collection, kind).value:
            graph.add_to_collection(key, value)


def import_scoped_meta_graph(meta_graph_or_file: Any, clear_devices: bool = False,
                             import_scope: str | None = None):
    """Imports a MetaGraph's graph and collections into the default graph (TF's
    ``import_scoped_meta_graph``); returns the MetaGraphDef, whose SaverDef
    ``tf.train.import_meta_graph`` turns into a Saver."""
    meta = read_meta_graph_file(meta_graph_or_file) if isinstance(meta_graph_or_file, str) \
        else meta_graph_or_file
    graph = get_default_graph()
    graph_def = meta.graph_def
    if clear_devices:
        graph_def = type(graph_def)()
        graph_def.CopyFrom(meta.graph_def)
        for node in graph_def.node:
            node.device = ""
    import_graph_def(graph_def, name=import_scope or "")
    for key in sorted(meta.collection_def):
        _restore_collection(graph, key, meta.collection_def[key], import_scope)
    return meta


EXPORTS = {"train": ["export_meta_graph"], "": ["MetaGraphDef"]}
