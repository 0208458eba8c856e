"""Binds the numpy functions of ``nn/kernels`` to op types: the op's attrs become the
function's keyword arguments once per plan, its ValueErrors become InvalidArgumentError,
and shape functions come from the kernels' static output-shape helpers."""
from __future__ import annotations

import inspect
from typing import Callable

from ...graph import errors, op_registry
from ...graph.tensor_shape import TensorShape
from ..framework import shape_fns
from ..framework.declare import declare


def keywords(fn: Callable) -> frozenset:
    """The parameter names of ``fn``."""
    return frozenset(inspect.signature(fn).parameters)


def pick_attrs(op, names: frozenset) -> dict:
    """The op's attrs whose names ``names`` contains."""
    return {k: v for k, v in op.attrs.items() if k in names}


def kernel_factory(op_type: str, fn: Callable) -> Callable:
    """``make_kernel`` for a ``kernels`` function: binds the op's attrs by name, once per plan.

    Every non-type attr (but the ignored ``use_cudnn_on_gpu``) must be a keyword of ``fn``,
    so a renamed kernel argument fails at import instead of silently taking its default.
    """
    names = keywords(fn)
    attrs = {a.name for a in op_registry.get_op_def(op_type).attr if a.type != "type"}
    missing = attrs - names - {"use_cudnn_on_gpu"}
    if missing:
        raise TypeError(f"{fn.__name__} takes no keyword for {op_type}'s attrs {sorted(missing)}")

    def make_kernel(op, ctx):
        attrs = pick_attrs(op, names)

        def kernel(*inputs, **extra):
            try:
                return fn(*inputs, **attrs, **extra)
            except ValueError as e:
                raise errors.InvalidArgumentError(None, None, str(e)) from None
        return kernel
    return make_kernel


def declare_bound(op_type: str, kernel_fn: Callable, shape: Callable, grad: Callable) -> None:
    """Declares ``op_type`` with ``kernel_fn`` (a ``kernels``-style function) as kernel."""
    declare(op_type, shape=shape, make_kernel=kernel_factory(op_type, kernel_fn), grad=grad)


def dims_or_none(shape: TensorShape) -> list | None:
    """The dims of ``shape`` (``None`` entries unknown), or None for an unknown rank."""
    return None if shape.rank is None else shape.as_list()


def output_shape_fn(helper: Callable) -> Callable:
    """Shape fn from a ``kernels/geometry`` static helper taking the input dims and the
    attrs."""
    names = keywords(helper)
    return lambda op: [TensorShape(helper(*[dims_or_none(t.shape) for t in op.inputs],
                                          **pick_attrs(op, names)))]


def sizes_input_shape(index: int) -> Callable:
    """Shape fn: the 4-D shape the int vector input ``index`` holds."""
    return lambda op: [shape_fns.shape_from_tensor(op.inputs[index]).with_rank(4)]


def attrs_for(op, op_type: str) -> dict:
    """``op``'s attrs that ``op_type``'s OpDef also has (its type attrs are inferred)."""
    return {a.name: op.attrs[a.name] for a in op_registry.get_op_def(op_type).attr
            if a.type != "type" and a.name in op.attrs}
