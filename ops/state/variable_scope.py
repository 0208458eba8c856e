"""``tf.variable_scope`` and ``tf.get_variable``: named, shareable variables (TF1 semantics).

Each graph keeps a store of variables created by ``get_variable`` keyed by full name,
and a per-thread stack of ``VariableScope``s carrying reuse, initializer, regularizer,
dtype and use_resource defaults. Reuse errors use TensorFlow's messages.
"""
from __future__ import annotations

import contextlib
import enum
import threading
from typing import Any, Iterator

from ...graph import dtypes
from ...graph.core import Tensor
from ...graph.graph import get_default_graph
from ...graph.graph_keys import GraphKeys
from ...graph.op_builder import to_numpy
from ...graph.tensor_shape import TensorShape, as_shape
from . import init_ops
from .variables import Variable


class _ReuseMode(enum.Enum):
    AUTO_REUSE = 1


AUTO_REUSE = _ReuseMode.AUTO_REUSE


class VariableScope:
    """The defaults ``get_variable`` uses inside a ``variable_scope``."""

    def __init__(self, reuse: Any, name: str = "", initializer: Any = None,
                 regularizer: Any = None, dtype: Any = dtypes.float32,
                 use_resource: bool | None = None, name_scope: str = "",
                 constraint: Any = None):
        self._reuse = reuse
        self._name = name
        self._initializer = initializer
        self._regularizer = regularizer
        self._dtype = dtypes.as_dtype(dtype)
        self._use_resource = use_resource
        self._name_scope = name_scope
        self._constraint = constraint

    @property
    def name(self) -> str:
        return self._name

    @property
    def original_name_scope(self) -> str:
        return self._name_scope

    @property
    def reuse(self) -> Any:
        return self._reuse

    @property
    def initializer(self) -> Any:
        return self._initializer

    @property
    def regularizer(self) -> Any:
        return self._regularizer

    @property
    def dtype(self) -> dtypes.DType:
        return self._dtype

    @property
    def use_resource(self) -> bool | None:
        return self._use_resource

    def reuse_variables(self) -> None:
        self._reuse = True

    def set_initializer(self, initializer: Any) -> None:
        self._initializer = initializer

    def set_regularizer(self, regularizer: Any) -> None:
        self._regularizer = regularizer

    def get_variable(self, var_store, name: str, **kwargs) -> Variable:
        return var_store.get_variable(f"{self._name}/{name}" if self._name else name, self,
                                      **kwargs)


class _VariableStore:
    """The variables ``get_variable`` created in one graph, by full name."""

    def __init__(self):
        self.vars: dict[str, Variable] = {}
        self.scope_counts: dict[str, int] = {}

    def get_variable(self, full_name: str, scope: VariableScope, shape: Any = None,
                     dtype: Any = None, initializer: Any = None, regularizer: Any = None,
                     trainable: bool | None = None, collections: list | None = None,
                     validate_shape: bool = True, use_resource: bool | None = None,
                     constraint: Any = None, partitioner: Any = None, **unused: Any) -> Variable:
        if partitioner is not None:
            raise NotImplementedError("partitioned variables are not supported by sessionflow")
        reuse = scope.reuse
        # A value (not an initializer function) gives the variable its dtype, as in TF; an
        # explicit dtype must then agree with it.
        from_value = initializer is not None and not callable(initializer)
        if from_value:
            value_dtype = _value_dtype(initializer)
            if dtype is not None and value_dtype != dtypes.as_dtype(dtype):
                raise ValueError(f"Initializer type '{value_dtype}' and explicit dtype "
                                 f"'{dtypes.as_dtype(dtype)}' don't match.")
            dtype = value_dtype
        dtype = dtypes.as_dtype(dtype) if dtype is not None else scope.dtype
        shape = as_shape(shape) if shape is not None else None
        existing = self.vars.get(full_name)
        if existing is not None:
            if reuse is False or reuse is None:
                raise ValueError(f"Variable {full_name} already exists, disallowed. Did you "
                                 "mean to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?")
            if shape is not None and not shape.is_compatible_with(existing.shape):
                raise ValueError(f"Trying to share variable {full_name}, but specified shape "
                                 f"{shape} and found shape {existing.shape}.")
            if dtype != existing.dtype.base_dtype:
                raise ValueError(f"Trying to share variable {full_name}, but specified dtype "
                                 f"{dtype.name} and found dtype {existing.dtype.base_dtype.name}.")
            return existing
        if reuse is True:
            raise ValueError(f"Variable {full_name} does not exist, or was not created with "
                             "tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in "
                             "VarScope?")
        initializer = initializer if initializer is not None else scope.initializer
        init_value = _initial_value(full_name, initializer, shape, dtype, validate_shape)
        use_resource = use_resource if use_resource is not None else scope.use_resource
        graph = get_default_graph()
        with graph.name_scope(None):
            var = Variable(init_value, trainable=trainable, collections=collections,
                           validate_shape=validate_shape, name=full_name, dtype=dtype,
                           use_resource=use_resource, constraint=constraint,
                           shape=shape if validate_shape else None)
        self.vars[full_name] = var
        regularizer = regularizer if regularizer is not None else scope.regularizer
        if regularizer is not None:
            with graph.name_scope(full_name + "/Regularizer/"):
                loss = regularizer(var)
            if loss is not None:
                graph.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
        return var


def _value_dtype(value: Any) -> dtypes.DType:
    """The dtype a variable initialised from ``value`` gets (TF's inference for Python
    values: int32, float32), without adding ops to the graph."""
    dtype = getattr(value, "dtype", None)
    if isinstance(value, Tensor) or hasattr(value, "_as_graph_element"):
        return dtypes.as_dtype(dtype).base_dtype
    return dtypes.as_dtype(to_numpy(value).dtype)


def _initial_value(name: str, initializer: Any, shape: TensorShape | None,
                   dtype: dtypes.DType, validate_shape: bool) -> Any:
    if initializer is None:
        if dtype.is_floating:
            initializer = init_ops.GlorotUniform()
        elif dtype.is_integer or dtype.is_bool or dtype == dtypes.string:
            initializer = init_ops.Zeros()
        else:
            raise ValueError(f"An initializer for variable {name} of {dtype.name} is required")
    if isinstance(initializer, Tensor) or not callable(initializer):
        if shape is not None and validate_shape:
            raise ValueError("If initializer is a constant, do not specify shape.")
        return initializer
    if isinstance(initializer, type):
        initializer = initializer(dtype=dtype)
    if shape is None or not shape.is_fully_defined():
        raise ValueError(f"Shape of a new variable ({name}) must be fully defined, but "
                         f"instead was {shape}.")
    return lambda: initializer(shape.as_list(), dtype=dtype)


def _state(graph) -> tuple[_VariableStore, threading.local]:
    caches = graph._caches
    if "variable_store" not in caches:
        caches["variable_store"] = _VariableStore()
        caches["variable_scope_stack"] = threading.local()
    return caches["variable_store"], caches["variable_scope_stack"]


def _scope_stack(graph) -> list[VariableScope]:
    _, local = _state(graph)
    if not hasattr(local, "stack"):
        local.stack = [VariableScope(False)]
    return local.stack


def get_variable_scope() -> VariableScope:
    return _scope_stack(get_default_graph())[-1]


def _get_variable_store() -> _VariableStore:
    return _state(get_default_graph())[0]


def get_variable(name: str, shape: Any = None, dtype: Any = None, initializer: Any = None,
                 regularizer: Any = None, trainable: bool | None = None,
                 collections: list | None = None, caching_device: Any = None,
                 partitioner: Any = None, validate_shape: bool = True,
                 use_resource: bool | None = None, custom_getter: Any = None,
                 constraint: Any = None, synchronization: Any = None,
                 aggregation: Any = None) -> Variable:
    """Gets an existing variable with these parameters or creates a new one."""
    scope = get_variable_scope()
    return scope.get_variable(_get_variable_store(), name, shape=shape, dtype=dtype,
                              initializer=initializer, regularizer=regularizer,
                              trainable=trainable, collections=collections,
                              validate_shape=validate_shape, use_resource=use_resource,
                              constraint=constraint, partitioner=partitioner)


@contextlib.contextmanager
def variable_scope(name_or_scope: Any, default_name: str | None = None, values: Any = None,
                   initializer: Any = None, regularizer: Any = None, caching_device: Any = None,
                   partitioner: Any = None, custom_getter: Any = None, reuse: Any = None,
                   dtype: Any = None, use_resource: bool | None = None,
                   constraint: Any = None, auxiliary_name_scope: bool = True
                   ) -> Iterator[VariableScope]:
    """Opens a variable scope (and a matching name scope), as TF1's ``variable_scope``."""
    if name_or_scope is None and default_name is None:
        raise TypeError("If default_name is None then name_or_scope is required")
    if reuse is False:
        reuse = None  # TF1: False means "inherit", it cannot turn reuse off inside reuse.
    graph = get_default_graph()
    store, _ = _state(graph)
    stack = _scope_stack(graph)
    parent = stack[-1]
    if isinstance(name_or_scope, VariableScope):
        full_name = name_or_scope.name
        name_scope = name_or_scope.original_name_scope
        base = name_or_scope
    else:
        if name_or_scope is None:
            prefix = f"{parent.name}/" if parent.name else ""
            key = prefix + default_name
            count = store.scope_counts.get(key, 0)
            store.scope_counts[key] = count + 1
            short = default_name if count == 0 else f"{default_name}_{count}"
        else:
            short = name_or_scope
        full_name = f"{parent.name}/{short}" if parent.name else short
        name_scope = None
        base = parent
    new_reuse = True if parent.reuse is True else reuse if reuse is not None else (
        base.reuse if isinstance(name_or_scope, VariableScope) else parent.reuse)
    if reuse is AUTO_REUSE or (parent.reuse is AUTO_REUSE and reuse is None):
        new_reuse = AUTO_REUSE if parent.reuse is not True else True
    scope_cm = contextlib.nullcontext(name_scope) if not auxiliary_name_scope else (
        graph.name_scope(name_scope) if name_scope else
        graph.name_scope(full_name.rpartition("/")[2] if name_or_scope is not None or
                         default_name is not None else None))
    with scope_cm as actual_name_scope:
        scope = VariableScope(
            new_reuse, full_name,
            initializer if initializer is not None else base.initializer,
            regularizer if regularizer is not None else base.regularizer,
            dtype if dtype is not None else base.dtype,
            use_resource if use_resource is not None else base.use_resource,
            actual_name_scope or name_scope or "",
            constraint)
        stack.append(scope)
        try:
            yield scope
        finally:
            stack.pop()


EXPORTS = {"": ["variable_scope", "get_variable", "get_variable_scope", "AUTO_REUSE",
                "VariableScope"]}
