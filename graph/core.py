"""The graph's nodes and edges: ``Operation`` and its output ``Tensor``s.

Both hold data and invariants only. Operator overloads on ``Tensor`` dispatch through a
table that ``ops/`` fills (``Tensor._override_operator``), so ``graph`` never imports
``ops`` at module level.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Callable

from . import dtypes as dtypes_mod
from .tensor_shape import TensorShape

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_SESSIONFLOW_DIRS = tuple(os.path.join(_PACKAGE_DIR, d) + os.sep
                          for d in ("graph", "ops", "session", "sessionflow", "tools", "proto"))


def user_frame() -> tuple[str, int] | None:
    """The (file, line) of the innermost caller outside sessionflow: where an op was built."""
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_SESSIONFLOW_DIRS):
            return filename, frame.f_lineno
        frame = frame.f_back
    return None


class Tensor:
    """The ``value_index``-th output of ``op``; named ``"op_name:index"``."""

    __slots__ = ("_op", "_value_index", "_dtype", "_shape", "_consumers", "_handle_data",
                 "__weakref__")

    # Let numpy defer to our operators (``np.float32(2) * t`` builds an op).
    __array_priority__ = 100

    def __init__(self, op: "Operation", value_index: int, dtype: dtypes_mod.DType):
        self._op = op
        self._value_index = value_index
        self._dtype = dtype
        self._shape = TensorShape(None)
        self._consumers: list[Operation] = []
        # A resource tensor's (dtype, TensorShape) of the value behind it, as TF's
        # handle data: set by the op's declared rule, carried into function bodies.
        self._handle_data: tuple | None = None

    @property
    def op(self) -> "Operation":
        return self._op

    @property
    def value_index(self) -> int:
        return self._value_index

    @property
    def dtype(self) -> dtypes_mod.DType:
        return self._dtype

    @property
    def graph(self):
        return self._op._graph

    @property
    def name(self) -> str:
        return f"{self._op._name}:{self._value_index}"

    @property
    def device(self) -> str:
        return self._op.device

    @property
    def shape(self) -> TensorShape:
        return self._shape

    def get_shape(self) -> TensorShape:
        return self._shape

    def set_shape(self, shape: Any) -> None:
        """Refines the static shape; raises ValueError if incompatible, as TF does."""
        self._shape = self._shape.merge_with(shape)

    def consumers(self) -> list["Operation"]:
        return list(self._consumers)

    def eval(self, feed_dict: dict | None = None, session: Any = None):
        from .graph import get_default_session_for
        return get_default_session_for(self.graph, session).run(self, feed_dict)

    def experimental_ref(self):
        return self

    ref = experimental_ref

    def __repr__(self) -> str:
        return f"<tf.Tensor '{self.name}' shape={self._shape} dtype={self._dtype.name}>"

    __str__ = __repr__

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: Any) -> bool:
        # TF1 graph tensors compare by identity (so they can key dicts and sets).
        return self is other

    def __ne__(self, other: Any) -> bool:
        return self is not other

    def __bool__(self) -> bool:
        raise TypeError("Using a `tf.Tensor` as a Python `bool` is not allowed in graph "
                        "execution. Use `if t is not None:` instead of `if t:`, or build the "
                        "condition into the graph with tf.cond.")

    def __iter__(self):
        shape = self._shape
        if shape.rank is None:
            raise TypeError("Cannot iterate over a tensor with unknown shape.")
        if shape.rank == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        if shape[0] is None:
            raise TypeError("Cannot iterate over a tensor with unknown first dimension.")
        return (self[i] for i in range(shape[0]))

    def __len__(self) -> int:
        raise TypeError(f"len is not well defined for symbolic Tensors. ({self.name}) "
                        "Please call `x.shape` rather than `len(x)` for shape information.")

    def __array__(self, dtype=None, copy=None):
        raise NotImplementedError(
            f"Cannot convert a symbolic tf.Tensor ({self.name}) to a numpy array. Run it in "
            "a Session (sess.run(t) or t.eval()) to get its value.")

    @classmethod
    def _override_operator(cls, operator: str, func: Callable) -> None:
        """Installs ``func`` as ``Tensor.<operator>``; ``ops/`` calls this at import."""
        setattr(cls, operator, func)


class Operation:
    """A node: TF op ``type``, unique ``name``, input tensors, control inputs and attrs."""

    __slots__ = ("_graph", "_name", "_type", "_inputs", "_control_inputs", "_attrs",
                 "_outputs", "_device", "_traceback", "_id", "_control_outputs",
                 "_op_def", "__weakref__")

    def __init__(self, graph, name: str, op_type: str, inputs: tuple, control_inputs: tuple,
                 attrs: dict, output_dtypes: list, device: str, op_def, traceback):
        self._graph = graph
        self._name = name
        self._type = op_type
        self._inputs = tuple(inputs)
        self._control_inputs = tuple(control_inputs)
        self._attrs = attrs
        self._device = device
        self._op_def = op_def
        self._traceback = traceback
        self._id = 0
        self._control_outputs: list[Operation] = []
        self._outputs = tuple(Tensor(self, i, dt) for i, dt in enumerate(output_dtypes))

    @property
    def name(self) -> str:
        return self._name

    @property
    def type(self) -> str:
        return self._type

    @property
    def graph(self):
        return self._graph

    @property
    def inputs(self) -> tuple:
        return self._inputs

    @property
    def outputs(self) -> tuple:
        return self._outputs

    @property
    def control_inputs(self) -> tuple:
        return self._control_inputs

    @property
    def device(self) -> str:
        return self._device

    @property
    def op_def(self):
        return self._op_def

    @property
    def node_def(self):
        from .serialization.graph_io import node_def_of
        return node_def_of(self)

    @property
    def traceback(self) -> tuple[str, int] | None:
        return self._traceback

    @property
    def attrs(self) -> dict:
        return self._attrs

    def get_attr(self, name: str) -> Any:
        from .serialization.attr_value import to_user_value
        try:
            return to_user_value(self._attrs[name])
        except KeyError:
            raise ValueError(f"Operation '{self._name}' has no attr named '{name}'.") from None

    def values(self) -> tuple:
        return self._outputs

    def run(self, feed_dict: dict | None = None, session: Any = None) -> None:
        from .graph import get_default_session_for
        get_default_session_for(self._graph, session).run(self, feed_dict)

    def where(self) -> str:
        """Where the op was created, for error messages."""
        if self._traceback is None:
            return "(unknown location)"
        return f"{self._traceback[0]}:{self._traceback[1]}"

    def __repr__(self) -> str:
        return f"<tf.Operation '{self._name}' type={self._type}>"

    def __str__(self) -> str:
        return str(self.node_def)


EXPORTS = {"": ["Operation", "Tensor"]}
