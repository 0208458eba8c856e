"""``tf.Variable``: TF1 ref variables (the default, as TF 1.x) and resource variables.

A ref variable is ``w`` (VariableV2), ``w/Assign`` and ``w/read``; a resource variable is
``w`` (VarHandleOp), ``w/Initializer/...``, ``w/Assign`` (AssignVariableOp) and
``w/Read/ReadVariableOp`` — the node names TensorFlow gives them, so checkpoints and
MetaGraphs line up. ``tf.enable_resource_variables()`` or ``use_resource=True`` give
resource variables. Gradients w.r.t. a resource variable flow to its handle, as in TF.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...graph import dtypes
from ...graph.core import Operation, Tensor
from ...graph.graph import get_default_graph, get_default_session_for
from ...graph.graph_keys import GraphKeys
from ...graph.indexed_slices import IndexedSlices
from ...graph.op_builder import (apply_op, convert_to_tensor,
                                 register_tensor_conversion_function)
from ...graph.tensor_shape import TensorShape, as_shape
from ...proto import variable_pb2
from ..array import array_ops
from ..math import math_ops


# Whether ``Variable(use_resource=None)`` makes a resource variable. TF 1.x makes ref
# variables (``VariableV2`` + ``w/read``), and so does the TF1 namespace, so TF1 programs
# see what TF 1.x gives them: fetching "w:0" of an imported MetaGraph gives the value, not
# a resource handle, and optimizers build TF1's ``Apply*`` updates. Process-wide, as TF's:
# ``tf.enable_resource_variables()`` switches to resource variables (TF 2's compat.v1).
_use_resource_default = False


def enable_resource_variables() -> None:
    """``tf.Variable``/``tf.get_variable`` make resource variables from now on."""
    global _use_resource_default
    _use_resource_default = True


def disable_resource_variables() -> None:
    """``tf.Variable``/``tf.get_variable`` make TF1 ref variables from now on (the default)."""
    global _use_resource_default
    _use_resource_default = False


def resource_variables_enabled() -> bool:
    """Whether ``tf.Variable`` makes resource variables unless told otherwise."""
    return _use_resource_default


class Variable:
    """A TF1 graph-mode variable (``tf.compat.v1.Variable``)."""

    def __init__(self, initial_value: Any = None, trainable: bool | None = None,
                 collections: list | None = None, validate_shape: bool = True,
                 caching_device: Any = None, name: str | None = None,
                 variable_def: Any = None, dtype: Any = None, expected_shape: Any = None,
                 import_scope: str | None = None, constraint: Any = None,
                 use_resource: bool | None = None, synchronization: Any = None,
                 aggregation: Any = None, shape: Any = None):
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        if variable_def is not None:
            raise NotImplementedError("Variable(variable_def=...) is not supported yet")
        trainable = True if trainable is None else trainable
        if collections is None:
            collections = [GraphKeys.GLOBAL_VARIABLES]
        collections = list(collections)
        if trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections.append(GraphKeys.TRAINABLE_VARIABLES)
        self._trainable = trainable
        self._constraint = constraint
        self._use_resource = _use_resource_default if use_resource is None else use_resource
        graph = get_default_graph()
        self._graph = graph
        init_from_fn = callable(initial_value)
        with graph.name_scope(name or "Variable") as scope:
            with graph.name_scope("Initializer"), graph.control_dependencies(None):
                value = initial_value() if init_from_fn else initial_value
                value = convert_to_tensor(value, dtype=dtype, name="initial_value")
            if isinstance(initial_value, Variable):
                value = initial_value.initialized_value()
            self._initial_value = value
            var_shape = as_shape(shape) if shape is not None else \
                (value.shape if validate_shape else TensorShape(None))
            self._dtype = value.dtype.base_dtype
            self._shape = var_shape
            if self._use_resource:
                self._build_resource(scope, value, var_shape, validate_shape)
            else:
                self._build_ref(scope, value, var_shape, validate_shape)
        graph.add_to_collections(collections, self)

    def _build_resource(self, scope: str, value: Tensor, shape: TensorShape,
                        validate_shape: bool) -> None:
        graph = self._graph
        name = scope[:-1]
        with graph.control_dependencies(None):
            self._handle = apply_op("VarHandleOp", [], {
                "dtype": self._dtype, "shape": shape, "shared_name": name, "container": ""},
                name=scope)
        with graph.name_scope("IsInitialized"):
            self._is_initialized_op = apply_op("VarIsInitializedOp", [self._handle])
        self._initializer_op = apply_op("AssignVariableOp", [self._handle, value],
                                        {"validate_shape": validate_shape}, name="Assign")
        with graph.name_scope("Read"):
            self._graph_element = apply_op("ReadVariableOp", [self._handle],
                                           {"dtype": self._dtype})
        self._variable_op = self._handle.op

    def _build_ref(self, scope: str, value: Tensor, shape: TensorShape,
                   validate_shape: bool) -> None:
        graph = self._graph
        with graph.control_dependencies(None):
            self._ref = apply_op("VariableV2", [], {"shape": shape, "dtype": self._dtype},
                                 name=scope)
        self._handle = self._ref
        self._initializer_op = apply_op("Assign", [self._ref, value],
                                        {"validate_shape": validate_shape},
                                        name="Assign").op
        self._is_initialized_op = None
        with graph.colocate_with(self._ref.op):
            self._graph_element = apply_op("Identity", [self._ref], name="read")
        self._variable_op = self._ref.op

    # -- identity -------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._variable_op.outputs[0].name

    @property
    def op(self) -> Operation:
        return self._variable_op

    @property
    def handle(self) -> Tensor:
        return self._handle

    @property
    def dtype(self) -> dtypes.DType:
        return self._dtype if self._use_resource else self._dtype._as_ref

    @property
    def shape(self) -> TensorShape:
        return self._shape

    def get_shape(self) -> TensorShape:
        return self._shape

    @property
    def graph(self):
        return self._graph

    @property
    def device(self) -> str:
        return self._variable_op.device

    @property
    def trainable(self) -> bool:
        return self._trainable

    @property
    def initializer(self) -> Operation:
        return self._initializer_op

    @property
    def initial_value(self) -> Tensor:
        return self._initial_value

    @property
    def constraint(self):
        return self._constraint

    def _as_graph_element(self) -> Tensor:
        return self._graph_element

    def _gradient_tensor(self) -> Tensor:
        """What ``gradients()`` differentiates: the handle (resource) or the ref tensor."""
        return self._handle if self._use_resource else self._graph_element

    # -- reading --------------------------------------------------------------------------
    def value(self) -> Tensor:
        """The value as a tensor. A resource variable is read anew each time (under the
        current control dependencies, as TF does); a ref variable gives its snapshot."""
        if not self._use_resource:
            return self._graph_element
        with self._graph.colocate_with(None, ignore_existing=True):
            return apply_op("ReadVariableOp", [self._handle], {"dtype": self._dtype})

    def read_value(self) -> Tensor:
        if not self._use_resource:
            return array_ops.identity(self._ref, name="read")
        with self._graph.name_scope("Read"):
            return apply_op("ReadVariableOp", [self._handle], {"dtype": self._dtype})

    def initialized_value(self) -> Tensor:
        """The value the variable is initialized with, for initializing other variables.

        TF1 builds ``cond(is_initialized, read, initial_value)``; without control-flow ops
        this returns the initial value itself, which is what that cond yields whenever it
        is evaluated to initialize other variables (the documented use).
        """
        return array_ops.identity(self._initial_value)

    def eval(self, session: Any = None):
        return self._graph_element.eval(session=session)

    def load(self, value: Any, session: Any = None) -> None:
        session = get_default_session_for(self._graph, session)
        session.run(self._initializer_op, {self._initial_value: value})

    def is_initialized(self, name: str | None = None) -> Tensor:
        """A bool scalar: has the variable been assigned (``VarIsInitializedOp`` for a
        resource variable, a new ``IsVariableInitialized`` op for a ref variable)."""
        if self._is_initialized_op is None:
            return apply_op("IsVariableInitialized", [self._ref], name=name)
        return self._is_initialized_op

    # -- updates --------------------------------------------------------------------------
    def _update(self, op_type: str, ref_type: str, inputs: list, use_locking: bool | None,
                name: str | None, read_value: bool):
        """The update of this variable by ``inputs``: ``ref_type`` on a ref variable (its
        ref output), else ``op_type`` and, with ``read_value``, a read after it."""
        if not self._use_resource:
            attrs = {"use_locking": bool(use_locking)}
            return apply_op(ref_type, [self._ref] + inputs, attrs, name=name)
        update = apply_op(op_type, [self._handle] + inputs, name=name)
        if not read_value:
            return update
        with self._graph.control_dependencies([update]):
            return self.read_value()

    def assign(self, value: Any, use_locking: bool | None = None, name: str | None = None,
               read_value: bool = True):
        value = convert_to_tensor(value, dtype=self._dtype)
        return self._update("AssignVariableOp", "Assign", [value], use_locking, name, read_value)

    def assign_add(self, delta: Any, use_locking: bool | None = None, name: str | None = None,
                   read_value: bool = True):
        delta = convert_to_tensor(delta, dtype=self._dtype)
        return self._update("AssignAddVariableOp", "AssignAdd", [delta], use_locking, name,
                            read_value)

    def assign_sub(self, delta: Any, use_locking: bool | None = None, name: str | None = None,
                   read_value: bool = True):
        delta = convert_to_tensor(delta, dtype=self._dtype)
        return self._update("AssignSubVariableOp", "AssignSub", [delta], use_locking, name,
                            read_value)

    def _scatter(self, kind: str, indices: Any, updates: Any, use_locking: bool | None,
                 name: str | None):
        """``Scatter<kind>`` (ref: the ref output) or ``ResourceScatter<kind>`` (the value
        read after it), as TF's ``state_ops.scatter_*``."""
        return self._update(f"ResourceScatter{kind}", f"Scatter{kind}",
                            [indices, convert_to_tensor(updates, dtype=self._dtype)],
                            use_locking, name, read_value=True)

    def _scatter_slices(self, kind: str, sparse_delta: Any, use_locking: bool | None,
                        name: str | None):
        if not isinstance(sparse_delta, IndexedSlices):
            raise TypeError("Argument `sparse_delta` must be a `tf.IndexedSlices`. Received "
                            f"arg: {sparse_delta}")
        return self._scatter(kind, sparse_delta.indices, sparse_delta.values, use_locking, name)

    def scatter_add(self, sparse_delta: IndexedSlices, use_locking: bool = False,
                    name: str | None = None):
        """Adds the ``IndexedSlices`` rows to this variable (repeated rows add up)."""
        return self._scatter_slices("Add", sparse_delta, use_locking, name)

    def scatter_sub(self, sparse_delta: IndexedSlices, use_locking: bool = False,
                    name: str | None = None):
        """Subtracts the ``IndexedSlices`` rows from this variable."""
        return self._scatter_slices("Sub", sparse_delta, use_locking, name)

    def scatter_mul(self, sparse_delta: IndexedSlices, use_locking: bool = False,
                    name: str | None = None):
        """Multiplies this variable's rows by the ``IndexedSlices`` rows."""
        return self._scatter_slices("Mul", sparse_delta, use_locking, name)

    def scatter_div(self, sparse_delta: IndexedSlices, use_locking: bool = False,
                    name: str | None = None):
        """Divides this variable's rows by the ``IndexedSlices`` rows."""
        return self._scatter_slices("Div", sparse_delta, use_locking, name)

    def scatter_min(self, sparse_delta: IndexedSlices, use_locking: bool = False,
                    name: str | None = None):
        """This variable's rows become their minimum with the ``IndexedSlices`` rows."""
        return self._scatter_slices("Min", sparse_delta, use_locking, name)

    def scatter_max(self, sparse_delta: IndexedSlices, use_locking: bool = False,
                    name: str | None = None):
        """This variable's rows become their maximum with the ``IndexedSlices`` rows."""
        return self._scatter_slices("Max", sparse_delta, use_locking, name)

    def scatter_update(self, sparse_delta: IndexedSlices, use_locking: bool = False,
                       name: str | None = None):
        """Assigns the ``IndexedSlices`` rows to this variable's rows."""
        return self._scatter_slices("Update", sparse_delta, use_locking, name)

    def sparse_read(self, indices: Any, name: str | None = None) -> Tensor:
        if not self._use_resource:  # as TF: ref variables have no sparse_read
            raise AttributeError("ref (use_resource=False) variables have no sparse_read; "
                                 "tf.gather reads their value instead")
        return apply_op("ResourceGather", [self._handle, indices], {"dtype": self._dtype},
                        name=name or "Gather")

    # -- serialization (MetaGraphDef collections) -----------------------------------------
    def to_proto(self, export_scope: str | None = None):
        """The ``VariableDef`` TensorFlow stores in MetaGraph variable collections."""
        return variable_pb2.VariableDef(
            variable_name=self._variable_op.outputs[0].name,
            initial_value_name=self._initial_value.name,
            initializer_name=self._initializer_op.name,
            snapshot_name=self._graph_element.name,
            is_resource=self._use_resource, trainable=self._trainable)

    @classmethod
    def from_proto(cls, variable_def, import_scope: str | None = None) -> "Variable":
        """Rebinds a Variable to the ops an imported MetaGraph already contains."""
        graph = get_default_graph()

        def element(name: str):
            if import_scope:
                name = f"{import_scope}/{name}"
            return graph.as_graph_element(name)
        var = cls.__new__(cls)
        var._graph = graph
        var._use_resource = variable_def.is_resource
        var._trainable = variable_def.trainable
        var._constraint = None
        handle = element(variable_def.variable_name)
        var._handle = handle
        var._variable_op = handle.op
        if not var._use_resource:
            var._ref = handle
        var._initializer_op = element(variable_def.initializer_name)
        var._graph_element = element(variable_def.snapshot_name)
        var._initial_value = element(variable_def.initial_value_name) \
            if variable_def.initial_value_name else None
        var._dtype = var._graph_element.dtype.base_dtype
        var._shape = var._graph_element.shape
        var._is_initialized_op = None
        if var._use_resource:
            existing = handle.op.name + "/IsInitialized/VarIsInitializedOp"
            try:
                var._is_initialized_op = graph.get_tensor_by_name(existing + ":0")
            except KeyError:
                with graph.name_scope(handle.op.name + "/IsInitialized"):
                    var._is_initialized_op = apply_op("VarIsInitializedOp", [handle])
        return var

    def __repr__(self) -> str:
        return (f"<tf.Variable '{self._variable_op.name}:0' shape={self._shape} "
                f"dtype={self._dtype.name}>")

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: Any) -> bool:
        return self is other

    def __iter__(self):
        return iter(self.value())

    def __getitem__(self, key):
        return self.value()[key]


def _overload(name: str):
    def method(self, *args):
        return getattr(self.value(), name)(*args)
    return method


for _op in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
            "__truediv__", "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__",
            "__rmod__", "__pow__", "__rpow__", "__matmul__", "__rmatmul__", "__neg__",
            "__abs__", "__lt__", "__le__", "__gt__", "__ge__", "__and__", "__or__",
            "__invert__"):
    setattr(Variable, _op, _overload(_op))


def _variable_to_tensor(v: Variable, dtype=None, name=None, as_ref=False) -> Tensor:
    if as_ref and not v._use_resource:
        return v._ref
    t = v.value()
    if dtype is not None and not dtypes.as_dtype(dtype).is_compatible_with(t.dtype):
        raise ValueError(f"Incompatible type conversion requested to type {dtype} for "
                         f"variable of type {t.dtype.name}")
    return t


register_tensor_conversion_function(Variable, _variable_to_tensor)


# -- collections and initialization --------------------------------------------------------

def global_variables(scope: str | None = None) -> list:
    return get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


all_variables = global_variables


def trainable_variables(scope: str | None = None) -> list:
    return get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def local_variables(scope: str | None = None) -> list:
    return get_default_graph().get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def model_variables(scope: str | None = None) -> list:
    return get_default_graph().get_collection(GraphKeys.MODEL_VARIABLES, scope)


def group(*inputs, name: str | None = None) -> Operation:
    """A NoOp that runs after all ``inputs`` (``tf.group``)."""
    ops = []
    for x in inputs:
        for item in (x if isinstance(x, (list, tuple)) else [x]):
            if item is None:
                continue
            ops.append(item.op if isinstance(item, Tensor) else
                       item if isinstance(item, Operation) else item.op)
    graph = ops[0].graph if ops else get_default_graph()
    with graph.control_dependencies(ops):
        return array_ops.no_op(name=name or "group_deps")


def variables_initializer(var_list: list, name: str = "init") -> Operation:
    if var_list:
        return group([v.initializer for v in var_list], name=name)
    return array_ops.no_op(name=name)


def global_variables_initializer() -> Operation:
    return variables_initializer(global_variables(), name="init")


initialize_all_variables = global_variables_initializer


def local_variables_initializer() -> Operation:
    return variables_initializer(local_variables(), name="init")


def is_variable_initialized(variable: Variable) -> Tensor:
    """A bool scalar: has ``variable`` been assigned."""
    return variable.is_initialized()


def report_uninitialized_variables(var_list: list | None = None,
                                   name: str = "report_uninitialized_variables") -> Tensor:
    """A 1-D string tensor naming the variables not yet initialized."""
    if var_list is None:
        var_list = global_variables() + local_variables()
    graph = get_default_graph()
    with graph.name_scope(name):
        names = convert_to_tensor(np.array([v.op.name.encode() for v in var_list], object),
                                  dtype=dtypes.string)
        if not var_list:
            return names
        uninitialized = array_ops.stack([math_ops.logical_not(is_variable_initialized(v))
                                         for v in var_list])
        indices = array_ops.reshape(apply_op("Where", [uninitialized]), [-1])
        return apply_op("GatherV2", [names, indices, 0])


EXPORTS = {"": ["enable_resource_variables", "disable_resource_variables",
                "resource_variables_enabled", "Variable", "global_variables", "all_variables",
                "trainable_variables",
                "local_variables", "model_variables", "group", "variables_initializer",
                "global_variables_initializer", "initialize_all_variables",
                "local_variables_initializer", "is_variable_initialized",
                "report_uninitialized_variables"]}
