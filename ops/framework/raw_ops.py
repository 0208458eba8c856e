"""Raw op constructors generated from the OpDefs, as TensorFlow's ``tf.raw_ops``.

``raw_ops.MatMul(a=x, b=w, transpose_b=True)`` creates one op of that type through the
single entry point (``apply_op``), taking the OpDef's inputs and attrs by TensorFlow's
names, keyword-only as TF's are. Attrs that the inputs imply (``T``, ``N``) are inferred,
as in TF's generated wrappers. Gradient rules use these constructors instead of another
family's public wrapper, so op families never import each other for their gradients.
Constructors are built on first use, so an op registered later still gets one.
"""
from __future__ import annotations

import inspect
import keyword
from typing import Callable

from ...graph import op_registry
from ...graph.op_builder import apply_op

_CACHE: dict[str, Callable] = {}


def _inferred_attrs(op_def) -> set[str]:
    """Attrs whose values follow from the inputs (type, type-list and length attrs)."""
    inferred = set()
    for arg in op_def.input_arg:
        inferred.update(a for a in (arg.type_attr, arg.type_list_attr, arg.number_attr) if a)
    return inferred


def _python_name(name: str) -> str:
    """TF's rule for OpDef names that are Python keywords: a trailing underscore."""
    return name + "_" if keyword.iskeyword(name) else name


def _signature(op_def) -> inspect.Signature:
    """Keyword-only parameters: inputs, then required attrs, then attrs with defaults."""
    kw = inspect.Parameter.KEYWORD_ONLY
    params = [inspect.Parameter(_python_name(a.name), kw) for a in op_def.input_arg]
    inferred = _inferred_attrs(op_def)
    attrs = [a for a in op_def.attr if a.name not in inferred]
    params += [inspect.Parameter(_python_name(a.name), kw)
               for a in attrs if not a.HasField("default_value")]
    params += [inspect.Parameter(_python_name(a.name), kw, default=None)
               for a in attrs if a.HasField("default_value")]
    params.append(inspect.Parameter("name", kw, default=None))
    return inspect.Signature(params)


def _make(op_def) -> Callable:
    op_type = op_def.name
    input_names = [(_python_name(a.name), a.name) for a in op_def.input_arg]
    attr_names = [(_python_name(a.name), a.name) for a in op_def.attr]
    signature = _signature(op_def)

    accepted = frozenset(signature.parameters)
    required = frozenset(p.name for p in signature.parameters.values()
                         if p.default is inspect.Parameter.empty)

    def raw_op(*args, **kwargs):
        if args:
            raise TypeError(f"raw_ops.{op_type} takes keyword arguments only ({signature}), "
                            f"got {len(args)} positional.")
        if not required <= kwargs.keys() <= accepted:   # gradient rules call this often:
            try:                                         # bind only to word the error
                signature.bind(**kwargs)
            except TypeError as e:
                raise TypeError(f"raw_ops.{op_type}: {e}; it takes {signature}") from None
        inputs = [kwargs[py] for py, _ in input_names]
        attrs = {tf: kwargs[py] for py, tf in attr_names if kwargs.get(py) is not None}
        return apply_op(op_type, inputs, attrs, name=kwargs.get("name"))

    raw_op.__name__ = raw_op.__qualname__ = op_type
    raw_op.__signature__ = signature
    raw_op.__doc__ = op_def.summary or f"TensorFlow's {op_type} op."
    return raw_op


def __getattr__(op_type: str) -> Callable:
    fn = _CACHE.get(op_type)
    if fn is None:
        if op_type.startswith("_") or op_type not in op_registry.OP_DEFS:
            raise AttributeError(f"module 'sessionflow.raw_ops' has no attribute '{op_type}': "
                                 f"no op type of that name is registered.")
        fn = _CACHE[op_type] = _make(op_registry.OP_DEFS[op_type])
    return fn


def __dir__() -> list[str]:
    return sorted(name for name in op_registry.OP_DEFS if not name.startswith("_"))
