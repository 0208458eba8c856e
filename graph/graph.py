"""``Graph``: ops in creation order, TF's unique naming and scopes, collections, versions.

Also the thread-local default-graph and default-session stacks (``as_default()``).
"""
from __future__ import annotations

import contextlib
import re
import threading
from typing import Any, Iterator

from . import device as device_lib
from .core import Operation, Tensor

_VALID_OP_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$")
_VALID_SCOPE_NAME = re.compile(r"^[A-Za-z0-9_.\\/>-]*$")


class Graph:
    """A TensorFlow computation graph: the ops plus everything scoping their creation."""

    def __init__(self):
        self._lock = threading.RLock()
        self._ops: list[Operation] = []
        self._ops_by_name: dict[str, Operation] = {}
        self._names_in_use: dict[str, int] = {}
        self._version = 0
        self._finalized = False
        self._collections: dict[str, list] = {}
        self._functions: dict[str, Any] = {}
        self._gradient_override_map: dict[str, str] = {}
        self._seed: int | None = None
        self._graph_def_versions = (2474, 12)  # (producer, min_consumer) as TF 2.21 writes
        self._local = threading.local()
        # Caches keyed off this graph (plans, folded constants) by other components.
        self._caches: dict[str, Any] = {}

    # -- thread-local scope state -------------------------------------------------------
    def _state(self):
        local = self._local
        if not hasattr(local, "name_stack"):
            local.name_stack = ""
            local.control_stack = []
            local.device_stack = []
            local.colocation_stack = []
        return local

    # -- ops ----------------------------------------------------------------------------
    @property
    def version(self) -> int:
        """Bumped on every mutation; execution plans are cached against it."""
        return self._version

    @property
    def finalized(self) -> bool:
        return self._finalized

    def finalize(self) -> None:
        self._finalized = True

    def _unsafe_unfinalize(self) -> None:
        self._finalized = False

    def _check_not_finalized(self) -> None:
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified.")

    def _add_op(self, op: Operation) -> None:
        with self._lock:
            self._check_not_finalized()
            if op.name in self._ops_by_name:
                raise ValueError(f"Duplicate node name in graph: '{op.name}'")
            op._id = len(self._ops)
            self._ops.append(op)
            self._ops_by_name[op.name] = op
            for t in op.inputs:
                t._consumers.append(op)
            for c in op.control_inputs:
                c._control_outputs.append(op)
            self._version += 1

    def get_operations(self) -> list[Operation]:
        return list(self._ops)

    def get_operation_by_name(self, name: str) -> Operation:
        if not isinstance(name, str):
            raise TypeError(f"Operation names are strings (or similar), not {type(name).__name__}.")
        op = self._ops_by_name.get(name)
        if op is None:
            raise KeyError(f"The name {name!r} refers to an Operation not in the graph.")
        return op

    def get_tensor_by_name(self, name: str) -> Tensor:
        if not isinstance(name, str):
            raise TypeError(f"Tensor names are strings (or similar), not {type(name).__name__}.")
        return self.as_graph_element(name, allow_tensor=True, allow_operation=False)

    def as_graph_element(self, obj: Any, allow_tensor: bool = True,
                         allow_operation: bool = True):
        """Resolves a Tensor, Operation or name ("op" / "op:0") to an element of this graph."""
        if hasattr(obj, "_as_graph_element"):
            obj = obj._as_graph_element()
        if isinstance(obj, str):
            if ":" in obj and allow_tensor:
                op_name, _, index = obj.rpartition(":")
                try:
                    index = int(index)
                except ValueError:
                    raise ValueError(f"The name {obj!r} looks a like a Tensor name, but is "
                                     "not a valid one. Tensor names must be of the form "
                                     "\"<op_name>:<output_index>\".") from None
                op = self._ops_by_name.get(op_name)
                if op is None:
                    raise KeyError(f"The name {obj!r} refers to a Tensor which does not "
                                   f"exist. The operation, {op_name!r}, does not exist in "
                                   "the graph.")
                if not 0 <= index < len(op.outputs):
                    raise KeyError(f"The name {obj!r} refers to a Tensor which does not "
                                   f"exist. The operation, {op_name!r}, exists but only has "
                                   f"{len(op.outputs)} outputs.")
                return op.outputs[index]
            if ":" in obj:
                raise ValueError(f"Name {obj!r} appears to refer to a Tensor, not a Operation.")
            op = self._ops_by_name.get(obj)
            if op is None:
                raise KeyError(f"The name {obj!r} refers to an Operation not in the graph.")
            if not allow_operation:
                raise ValueError(f"The name {obj!r} refers to an Operation, not a Tensor. "
                                 f"Tensor names must be of the form \"<op_name>:<output_index>\".")
            return op
        if isinstance(obj, Tensor) and allow_tensor:
            if obj.graph is not self:
                raise ValueError(f"Tensor {obj} is not an element of this graph.")
            return obj
        if isinstance(obj, Operation) and allow_operation:
            if obj.graph is not self:
                raise ValueError(f"Operation {obj} is not an element of this graph.")
            return obj
        kinds = " or ".join(k for k, ok in (("Tensor", allow_tensor),
                                            ("Operation", allow_operation)) if ok)
        raise TypeError(f"Can not convert a {type(obj).__name__} into a {kinds}.")

    # -- naming -------------------------------------------------------------------------
    def get_name_scope(self) -> str:
        return self._state().name_stack

    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        """TensorFlow's uniquification: ``add``, ``add_1``, ``add_2``, ... (case-insensitive)."""
        stack = self._state().name_stack
        if stack:
            name = stack + "/" + name
        name_key = name.lower()
        i = self._names_in_use.get(name_key, 0)
        if mark_as_used:
            self._names_in_use[name_key] = i + 1
        if i > 0:
            base_name_key = name_key
            while name_key in self._names_in_use:
                name_key = f"{base_name_key}_{i}"
                i += 1
            if mark_as_used:
                self._names_in_use[name_key] = 1
            name = f"{name}_{i - 1}"
        return name

    @contextlib.contextmanager
    def name_scope(self, name: str | None) -> Iterator[str]:
        """Pushes a name scope; ``"a/"`` re-enters an existing scope, None/"" resets to root."""
        state = self._state()
        old = state.name_stack
        if not name:
            new = ""
        elif name.endswith("/"):
            new = name[:-1]
        else:
            if not (_VALID_SCOPE_NAME if old else _VALID_OP_NAME).match(name):
                raise ValueError(f"'{name}' is not a valid scope name")
            new = self.unique_name(name)
        state.name_stack = new
        try:
            yield "" if not new else new + "/"
        finally:
            state.name_stack = old

    def _mark_name_used(self, name: str) -> None:
        """Records an imported node name so later ops do not collide with it."""
        key = name.lower()
        self._names_in_use[key] = max(self._names_in_use.get(key, 0), 1)
        parts = key.split("/")
        for i in range(1, len(parts)):
            scope = "/".join(parts[:i])
            self._names_in_use[scope] = max(self._names_in_use.get(scope, 0), 1)

    # -- control dependencies -------------------------------------------------------------
    @contextlib.contextmanager
    def control_dependencies(self, control_inputs) -> Iterator[None]:
        """Ops created inside run after ``control_inputs``; None clears the enclosing ones."""
        state = self._state()
        if control_inputs is None:
            saved = state.control_stack
            state.control_stack = []
            try:
                yield
            finally:
                state.control_stack = saved
            return
        ops = []
        for c in control_inputs:
            if hasattr(c, "_as_graph_element"):
                c = c._as_graph_element()
            if callable(c) and not isinstance(c, (Tensor, Operation)):
                c = c()
            element = self.as_graph_element(c)
            ops.append(element.op if isinstance(element, Tensor) else element)
        state.control_stack.append(ops)
        try:
            yield
        finally:
            state.control_stack.pop()

    def _current_control_inputs(self, inputs) -> list[Operation]:
        stack = self._state().control_stack
        if not stack:
            return []
        input_ops = {t.op for t in inputs}
        result, seen = [], set()
        for frame in stack:
            for op in frame:
                if op not in seen and op not in input_ops:
                    seen.add(op)
                    result.append(op)
        return result

    # -- devices --------------------------------------------------------------------------
    @contextlib.contextmanager
    def device(self, device_name_or_function) -> Iterator[None]:
        """Device scope; nested specs merge field by field, inner wins. None clears."""
        state = self._state()
        state.device_stack.append(device_name_or_function)
        try:
            yield
        finally:
            state.device_stack.pop()

    def _current_device(self, op_type: str = "", node_def=None) -> str:
        spec = ""
        for entry in self._state().device_stack:
            if entry is None:
                spec = ""
            elif callable(entry):
                spec = device_lib.merge(spec, entry(_DeviceQuery(op_type, node_def)) or "")
            else:
                spec = device_lib.merge(spec, entry)
        return spec

    @contextlib.contextmanager
    def colocate_with(self, op, ignore_existing: bool = False) -> Iterator[None]:
        """Ops created inside get ``_class=["loc:@<op>"]`` and ``op``'s device."""
        state = self._state()
        if op is None:
            saved = state.colocation_stack
            state.colocation_stack = []
            try:
                yield
            finally:
                state.colocation_stack = saved
            return
        if isinstance(op, Tensor):
            op = op.op
        elif not isinstance(op, Operation):
            op = self.as_graph_element(op)
            op = op.op if isinstance(op, Tensor) else op
        if ignore_existing:
            saved, state.colocation_stack = state.colocation_stack, []
        state.colocation_stack.append(op)
        try:
            yield
        finally:
            state.colocation_stack.pop()
            if ignore_existing:
                state.colocation_stack = saved

    def _current_colocation(self) -> Operation | None:
        stack = self._state().colocation_stack
        return stack[-1] if stack else None

    # -- gradients ------------------------------------------------------------------------
    @contextlib.contextmanager
    def gradient_override_map(self, op_type_map: dict) -> Iterator[None]:
        """Ops of the given types built inside use another registered gradient."""
        if not isinstance(op_type_map, dict):
            raise TypeError("op_type_map must be a dictionary mapping strings to strings")
        saved = dict(self._gradient_override_map)
        self._gradient_override_map.update(op_type_map)
        try:
            yield
        finally:
            self._gradient_override_map = saved

    # -- collections ----------------------------------------------------------------------
    def add_to_collection(self, name: str, value: Any) -> None:
        self._check_not_finalized()
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value: Any) -> None:
        names = (names,) if isinstance(names, str) else set(names)
        for name in names:
            self.add_to_collection(name, value)

    def get_collection_ref(self, name: str) -> list:
        return self._collections.setdefault(name, [])

    def get_collection(self, name: str, scope: str | None = None) -> list:
        items = self._collections.get(name, [])
        if scope is None:
            return list(items)
        pattern = re.compile(scope)
        return [item for item in items
                if getattr(item, "name", None) is not None and pattern.match(item.name)]

    def clear_collection(self, name: str) -> None:
        self._collections.pop(name, None)

    def get_all_collection_keys(self) -> list[str]:
        return [k for k, v in self._collections.items() if v]

    # -- seeds ----------------------------------------------------------------------------
    @property
    def seed(self) -> int | None:
        return self._seed

    @seed.setter
    def seed(self, value: int | None) -> None:
        self._seed = value

    # -- functions ------------------------------------------------------------------------
    def _add_function(self, function_def) -> None:
        self._functions[function_def.signature.name] = function_def
        self._version += 1

    def _get_function(self, name: str):
        return self._functions.get(name)

    # -- serialization --------------------------------------------------------------------
    def as_graph_def(self, from_version: int | None = None, add_shapes: bool = False):
        from .serialization.graph_io import graph_to_graph_def
        return graph_to_graph_def(self, from_version, add_shapes)

    @property
    def graph_def_versions(self):
        from ..proto import versions_pb2
        producer, min_consumer = self._graph_def_versions
        return versions_pb2.VersionDef(producer=producer, min_consumer=min_consumer)

    # -- default graph --------------------------------------------------------------------
    def as_default(self):
        return _default_graph_stack.get_controller(self)

    def is_feedable(self, tensor: Tensor) -> bool:
        return True

    def is_fetchable(self, tensor_or_op) -> bool:
        return True

    @property
    def building_function(self) -> bool:
        return False


class _DeviceQuery:
    """What a device function sees: the op type and (lazily) its NodeDef, as in TF."""

    def __init__(self, op_type: str, node_def):
        self.type = op_type
        self.node_def = node_def


class _DefaultStack(threading.local):
    """A thread-local stack of defaults with a process-wide fallback."""

    def __init__(self):
        self.stack: list = []

    def get_default(self):
        return self.stack[-1] if self.stack else None

    @contextlib.contextmanager
    def get_controller(self, default):
        self.stack.append(default)
        try:
            yield default
        finally:
            # Tolerate out-of-order exits the way TF does: remove this entry.
            if self.stack and self.stack[-1] is default:
                self.stack.pop()
            elif default in self.stack:
                self.stack.remove(default)


_default_graph_stack = _DefaultStack()
_global_default_graph: Graph | None = None
_global_lock = threading.Lock()


def get_default_graph() -> Graph:
    """The innermost ``as_default()`` graph of this thread, else the global default graph."""
    graph = _default_graph_stack.get_default()
    if graph is not None:
        return graph
    global _global_default_graph
    if _global_default_graph is None:
        with _global_lock:
            if _global_default_graph is None:
                _global_default_graph = Graph()
    return _global_default_graph


def reset_default_graph() -> None:
    """Replaces the global default graph; not allowed inside a ``with g.as_default()``."""
    if _default_graph_stack.stack:
        raise AssertionError("Do not use tf.reset_default_graph() to clear nested graphs. "
                             "If you need a cleared graph, exit the nesting and create a "
                             "new graph.")
    global _global_default_graph
    _global_default_graph = None


@contextlib.contextmanager
def name_scope(name: str | None, default_name: str | None = None,
               values: Any = None) -> Iterator[str]:
    """TF1's ``ops.name_scope(name, default_name, values)``: a scope in the values' graph.

    That graph becomes the default inside, as in TF — unless the default graph is a
    function body nested in it (values from outside a ``tf.cond`` branch or loop body are
    captured, not built on). The scope string (ending in "/") is also a valid op name for
    the scope's final op.
    """
    default = get_default_graph()
    graph = None
    for v in values or ():
        graph = getattr(v, "graph", None)
        if isinstance(graph, Graph):
            break
        graph = None
    encloses = getattr(default, "encloses", None)
    if graph is None or (encloses is not None and encloses(graph)):
        graph = default
    with graph.as_default(), graph.name_scope(name if name is not None else default_name) as s:
        yield s


_default_session_stack = _DefaultStack()


def get_default_session():
    return _default_session_stack.get_default()


def get_default_session_for(graph: Graph, session=None):
    """The session ``Tensor.eval``/``Operation.run`` use, checked against ``graph``."""
    if session is None:
        session = get_default_session()
        if session is None:
            raise ValueError("Cannot evaluate tensor using `eval()`: No default session is "
                             "registered. Use `with sess.as_default()` or pass an explicit "
                             "session to `eval(session=sess)`")
    if session.graph is not graph:
        raise ValueError("Cannot use the given session to evaluate tensor: the tensor's "
                         "graph is different from the session's graph.")
    return session


def control_dependencies(control_inputs):
    """``tf.control_dependencies``: the default graph's control-dependency context."""
    return get_default_graph().control_dependencies(control_inputs)


def device(device_name_or_function):
    """``tf.device``: the default graph's device context."""
    return get_default_graph().device(device_name_or_function)


def colocate_with(op, ignore_existing: bool = False):
    return get_default_graph().colocate_with(op, ignore_existing)


def add_to_collection(name, value) -> None:
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value) -> None:
    get_default_graph().add_to_collections(names, value)


def get_collection(key, scope=None) -> list:
    return get_default_graph().get_collection(key, scope)


def get_collection_ref(key) -> list:
    return get_default_graph().get_collection_ref(key)


def disable_eager_execution() -> None:
    """No-op: sessionflow always builds graphs (TF1 behaviour)."""


def disable_v2_behavior() -> None:
    """No-op: sessionflow always behaves as TF1 (graphs, sessions, collections)."""


def executing_eagerly() -> bool:
    return False


EXPORTS = {"": [
    "Graph", "get_default_graph", "get_default_session", "name_scope", "reset_default_graph",
    "control_dependencies", "device", "colocate_with", "add_to_collection",
    "add_to_collections", "get_collection", "get_collection_ref", "disable_eager_execution",
    "disable_v2_behavior", "executing_eagerly"]}
